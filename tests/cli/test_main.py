"""The command line's entry points: usage errors, ``--version``, exit codes through a real process."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

import neurocompile
from neurocompile.cli.main import main
from tests.helpers import EXAMPLES_DIR, run_cli, write_text

CUBA = EXAMPLES_DIR / "cuba.py"


@pytest.mark.parametrize("argv", [
    ["build"],                                   # missing network file
    ["build", str(CUBA), "--duration", "-5"],    # negative duration
    ["build", str(CUBA), "--duration", "abc"],
    ["build", str(CUBA), "--seed", "-1"],
    ["build", str(CUBA), "--no-such-option"],
    ["frobnicate"],                              # unknown command
    [],                                          # no command
])
def test_usage_errors_exit_2(capsys, argv):
    code = main(argv)
    _, err = capsys.readouterr()
    assert code == 2
    assert "usage:" in err


def test_version(capsys):
    code, out, _ = run_cli(capsys, "--version")
    assert code == 0
    assert out.strip() == f"neurocompile {neurocompile.__version__}"


def test_exit_codes_through_a_real_process(tmp_path):
    """The module entry point returns main()'s code to the shell."""
    def run(*argv):
        return subprocess.run([sys.executable, "-m", "neurocompile.cli", *map(str, argv)],
                              capture_output=True, text=True, cwd=tmp_path, timeout=120)

    ok = run("targets")
    assert ok.returncode == 0 and "lava" in ok.stdout
    missing = run("build", "nope.py")  # a usage error: nothing of the file ran
    assert missing.returncode == 2
    assert missing.stderr == "error: network file 'nope.py' does not exist\n"
    assert run("build").returncode == 2
    failing = run("build", write_text(tmp_path / "bad.py", "raise RuntimeError('my own mistake')\n"))
    assert failing.returncode == 1  # an error in the file's own code


# -- whatever escapes a command is one line -----------------------------------------------------

def _raising(exc):
    def run(args, console):
        raise exc
    return run


def _one_line(err: str) -> str:
    assert err.endswith("\n") and err.count("\n") == 1 and "Traceback" not in err, err
    assert err[:-1].isprintable(), repr(err)
    return err[:-1]


def test_a_bug_in_a_command_is_one_line_naming_command_file_and_exception(capsys, monkeypatch, tmp_path):
    from neurocompile.cli import build, targets

    monkeypatch.setattr(targets, "run", _raising(ValueError("operands could not be broadcast\nsecond line")))
    code, _, err = run_cli(capsys, "targets")
    assert code == 1
    assert _one_line(err) == ("neurocompile: internal error in targets (ValueError: operands could not be "
                              "broadcast); run with --debug for the traceback and please report it")
    monkeypatch.setattr(build, "run", _raising(KeyError("x")))
    code, _, err = run_cli(capsys, "build", tmp_path / "net.py")
    assert code == 1
    net_file = tmp_path / "net.py"
    assert _one_line(err).startswith(f"neurocompile: internal error in build of '{net_file}' (KeyError: 'x')")
    with pytest.raises(KeyError):  # --debug: the traceback
        main(["build", str(tmp_path / "net.py"), "--debug"])


def test_interrupt_and_memory_errors_are_one_line(capsys, monkeypatch, tmp_path):
    from neurocompile.cli import run

    monkeypatch.setattr(run, "run", _raising(KeyboardInterrupt()))
    code, _, err = run_cli(capsys, "run", tmp_path / "p.ncp")
    assert (code, err) == (130, "interrupted\n")
    monkeypatch.setattr(run, "run", _raising(MemoryError("Unable to allocate 47.7 GiB for an array")))
    code, _, err = run_cli(capsys, "run", tmp_path / "p.ncp")
    assert code == 1
    assert _one_line(err) == (f"error: run of '{tmp_path / 'p.ncp'}' ran out of memory (Unable to allocate "
                              "47.7 GiB for an array); reduce --duration or the probed neurons and variables "
                              "(rebuild the program)")
    with pytest.raises(MemoryError):
        main(["run", str(tmp_path / "p.ncp"), "--debug"])


def test_escape_sequences_from_files_and_paths_are_escaped(capsys, monkeypatch, tmp_path):
    """A path, a population name or an exception text with terminal escape sequences shows as
    text (\\x1b...), never as an escape that recolours or clears the terminal."""
    from neurocompile.cli import targets

    missing = tmp_path / "\x1b[2Jnet.py"
    code, _, err = run_cli(capsys, "build", missing)
    assert code == 2 and "\\x1b[2Jnet.py" in _one_line(err) and "does not exist" in err  # a usage error
    net_file = tmp_path / "\x1b[31mred.py"
    net_file.write_text("import neurocompile as nc\nnet = nc.Network('x', dt=0.1)\n"
                        "net.population('\\x1b[31mexc', 2, nc.LIF(tau_mem=10.0, tau_syn=2.0, v_rest=0.0, v_reset=0.0, "
                        "v_th=1.0))\n", encoding="utf-8")
    code, _, err = run_cli(capsys, "build", net_file, "--out", tmp_path / "out")
    line = _one_line(err)
    assert code == 1 and "\\x1b[31mred.py" in line and "'\\x1b[31mexc'" in line
    monkeypatch.setattr(targets, "run", _raising(RuntimeError("\x1b]0;owned\x07")))
    code, _, err = run_cli(capsys, "targets")
    assert code == 1 and "(RuntimeError: \\x1b]0;owned\\x07)" in _one_line(err)


def test_a_bug_through_a_real_process_is_one_line(tmp_path):
    script = ("import sys\nimport neurocompile.cli.targets as targets\n"
              "def broken(args, console):\n    return [][1]\n"
              "targets.run = broken\nfrom neurocompile.cli.launch import main\n"
              "sys.argv = ['neurocompile', 'targets']\nsys.exit(main())\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 1
    assert done.stderr == ("neurocompile: internal error in targets (IndexError: list index out of range); "
                           "run with --debug for the traceback and please report it\n")


def test_missing_target_file_is_a_usage_error(capsys, tmp_path):
    """A target file that does not exist is a usage error (exit 2), like a missing network file;
    from Python it is still a TargetError."""
    code, _, err = run_cli(capsys, "build", write_text(tmp_path / "net.py", "import neurocompile as nc\n"
                                                      "net = nc.Network('n')\n"
                                                      "net.population('p', 2, nc.LIF(tau_mem=10.0, tau_syn=2.0, "
                                                      "v_rest=0.0, v_reset=0.0, v_th=1.0))\n"),
                           "--target", tmp_path / "nope.toml", "--out", tmp_path)
    assert code == 2
    assert f"error: target file '{tmp_path / 'nope.toml'}' not found; built-in targets: emu, lava" in err
    from neurocompile.target import load_target

    with pytest.raises(neurocompile.TargetError, match="not found"):
        load_target(str(tmp_path / "nope.toml"))


def test_the_executable_limits_openblas_to_one_thread_unless_told_otherwise(monkeypatch, capsys):
    from neurocompile.cli import launch

    monkeypatch.setattr("sys.argv", ["neurocompile", "--version"])
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    assert launch.main() == 0
    assert os.environ["OPENBLAS_NUM_THREADS"] == "1"
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "4")
    assert launch.main() == 0
    assert os.environ["OPENBLAS_NUM_THREADS"] == "4"
    capsys.readouterr()
