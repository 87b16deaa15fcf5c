"""The command line refuses a build or a run that would need more memory than is available:
one line naming the estimate, the memory available and what to change, exit code 1 (a build
error, like running out of memory), before any stage allocates it."""
from __future__ import annotations

from tests.helpers import run_cli, write_text

NET = """
import neurocompile as nc
net = nc.Network("small", dt=0.1)
pop = net.population("n", 20, nc.LIF(tau_mem=20.0, v_rest=-70.0, v_reset=-70.0, v_th=-50.0, tau_syn=5.0))
net.probe(pop, "v")
"""


def test_build_over_the_limit_is_one_line_before_the_float_run(capsys, tmp_path, monkeypatch):
    net_file = write_text(tmp_path / "small.py", NET)
    monkeypatch.setenv("NEUROCOMPILE_MEMORY_LIMIT", "2M")
    code, out, err = run_cli(capsys, "build", net_file, "--duration", "10", "--out", tmp_path)
    assert code == 1
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("error: build of network 'small' (")
    assert "needs about " in err and "; 2 MiB available (NEUROCOMPILE_MEMORY_LIMIT): " in err
    assert "2. validate" in out and "3. reference" not in out  # stopped before the float run
    assert not (tmp_path / "small.reference.json").exists()


def test_build_prints_its_estimate(capsys, tmp_path, monkeypatch):
    net_file = write_text(tmp_path / "small.py", NET)
    monkeypatch.setenv("NEUROCOMPILE_MEMORY_LIMIT", "64G")
    code, out, err = run_cli(capsys, "build", net_file, "--duration", "10", "--out", tmp_path)
    assert code == 0, err
    assert "memory: estimated peak " in out and " of 64.0 GiB available" in out


def test_run_over_the_limit_is_one_line(capsys, tmp_path, monkeypatch):
    net_file = write_text(tmp_path / "small.py", NET)
    code, _, err = run_cli(capsys, "build", net_file, "--duration", "10", "--out", tmp_path)
    assert code == 0, err
    monkeypatch.setenv("NEUROCOMPILE_MEMORY_LIMIT", "40M")
    code, out, err = run_cli(capsys, "run", tmp_path / "small.ncp", "--duration", "100000")
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("error: Program 'small'.run: needs about ")
    assert "for 1000000 steps (dt = 0.1 ms) x 1 sample(s), 20 traced values per step" in err
    assert err.rstrip().endswith("40 MiB available (NEUROCOMPILE_MEMORY_LIMIT): run shorter or probe fewer "
                                 "neurons or variables")


def test_an_invalid_limit_is_named(capsys, tmp_path, monkeypatch):
    net_file = write_text(tmp_path / "small.py", NET)
    monkeypatch.setenv("NEUROCOMPILE_MEMORY_LIMIT", "half")
    code, _, err = run_cli(capsys, "build", net_file, "--duration", "10", "--out", tmp_path)
    assert code == 1
    assert err.strip() == ("error: environment variable NEUROCOMPILE_MEMORY_LIMIT = 'half' is not a memory size: "
                           "give bytes or a number with K, M, G or T (powers of 1024), e.g. 2G")
