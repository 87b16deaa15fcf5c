"""The command line's entry points: usage errors, ``--version``, exit codes through a real process."""
from __future__ import annotations

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
