"""``neurocompile build``: tables, reports and program files, and one-line errors for what a
user can get wrong (missing or faulty network files, seeds, durations, targets, models)."""
from __future__ import annotations

import json
import os
import re

import pytest

import neurocompile
from neurocompile.cli.main import main
from neurocompile.io import NetworkFileError
from tests.helpers import EXAMPLES_DIR, TARGETS_DIR, run_cli, write_text

CUBA = EXAMPLES_DIR / "cuba.py"


ADEX_NET = """
import neurocompile as nc
net = nc.Network("one_adex", dt=0.1)
cell = net.population("cell", 2, nc.AdEx(C=281.0, g_L=30.0, E_L=-70.6, V_T=-50.4, delta_T=2.0,
                      a=4.0, tau_w=144.0, b=80.5, V_reset=-70.6, V_peak=-40.4, tau_syn=5.0))
net.current(cell, nc.StepCurrent([0.0], [1000.0]))
"""


def test_build_cuba_prints_tables_and_writes_reference(capsys, tmp_path):
    code, out, err = run_cli(capsys, "build", CUBA, "--target", "emu", "--duration", "20",
                             "--out", tmp_path, "-v")
    assert code == 0, err
    assert "Network 'cuba'" in out
    assert re.search(r"exc\s+.*LIF\s+.*3200", out)   # population table row
    assert re.search(r"inh\s+.*LIF\s+.*800", out)
    assert "exc -> inh" in out                          # projection table
    assert "1.62 mV" in out and "9 mV" in out
    assert "Float reference, 20 ms" in out
    assert "spike messages/step (float reference rates)" in out  # the rates the placer weighted
    report = json.loads((tmp_path / "cuba.reference.json").read_text())
    assert report["duration_ms"] == pytest.approx(20.0)
    assert [r["population"] for r in report["rates_hz"]] == ["exc", "inh"]
    assert all(r["mean_hz"] >= 0 for r in report["rates_hz"])


def test_build_default_target_is_emu(capsys, tmp_path):
    code, out, _ = run_cli(capsys, "build", CUBA, "--duration", "1", "--out", tmp_path)
    assert code == 0
    assert "target emu" in out


def test_build_accepts_a_target_file_path(capsys, tmp_path):
    lava_file = TARGETS_DIR / "lava.toml"
    code, out, err = run_cli(capsys, "build", CUBA, "--target", lava_file, "--duration", "1",
                             "--out", tmp_path)
    assert code == 0, err
    assert "target lava" in out


def test_missing_or_unreadable_file_is_a_one_line_usage_error(capsys, tmp_path):
    for name in ("nope.py", "nope.nir"):
        code, _, err = run_cli(capsys, "build", tmp_path / name, "--out", tmp_path)
        assert code == 2
        assert err == f"error: network file '{tmp_path / name}' does not exist\n"
    code, _, err = run_cli(capsys, "build", tmp_path, "--out", tmp_path)
    assert code == 2
    assert err == f"error: network file '{tmp_path}' is a directory, not a file\n"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads any file")
def test_file_without_read_permission_is_a_usage_error(capsys, tmp_path):
    locked = write_text(tmp_path / "locked.py", "net = None\n")
    locked.chmod(0)
    code, _, err = run_cli(capsys, "build", locked, "--out", tmp_path)
    assert code == 2
    assert err == f"error: network file '{locked}' cannot be read (Permission denied)\n"


def test_missing_file_opened_by_the_network_file_is_a_build_error(capsys, tmp_path):
    """Only the file named on the command line is a usage error; the file's own code is not."""
    reader = write_text(tmp_path / "reader.py", "open('weights-that-are-not-there.npy')\n")
    code, _, err = run_cli(capsys, "build", reader, "--out", tmp_path)
    assert code == 1
    assert "FileNotFoundError while importing" in err


def test_file_without_net_or_build(capsys, tmp_path):
    empty = write_text(tmp_path / "empty.py", "x = 1\n")
    code, _, err = run_cli(capsys, "build", empty, "--out", tmp_path)
    assert code == 1
    assert "empty.py" in err and "neither" in err and "build()" in err


def test_net_of_the_wrong_type(capsys, tmp_path):
    wrong = write_text(tmp_path / "wrong.py", "net = 42\n")
    code, _, err = run_cli(capsys, "build", wrong, "--out", tmp_path)
    assert code == 1
    assert "`net` is a int, not a neurocompile.Network" in err


def test_exception_in_user_file_shows_message_without_traceback(capsys, tmp_path):
    bad = write_text(tmp_path / "bad.py", "raise RuntimeError('my own mistake')\n")
    code, _, err = run_cli(capsys, "build", bad, "--out", tmp_path)
    assert code == 1
    assert "RuntimeError" in err and "my own mistake" in err and "--debug" in err
    assert "Traceback" not in err


def test_neurocompile_error_in_user_file_is_reported_as_is(capsys, tmp_path):
    bad = write_text(tmp_path / "badmodel.py",
                "import neurocompile as nc\nnc.LIF(tau_mem=-5.0, tau_syn=5.0, v_rest=-65.0, "
                "v_reset=-65.0, v_th=-50.0)\n")
    code, _, err = run_cli(capsys, "build", bad, "--out", tmp_path)
    assert code == 1
    assert "tau_mem = -5 must be > 0" in err


def test_debug_lets_the_exception_through(tmp_path):
    bad = write_text(tmp_path / "bad.py", "raise RuntimeError('my own mistake')\n")
    with pytest.raises(NetworkFileError) as info:
        main(["build", str(bad), "--debug", "--out", str(tmp_path)])
    assert isinstance(info.value.__cause__, RuntimeError)


def test_build_function_and_seed(capsys, tmp_path):
    src = write_text(tmp_path / "seeded.py", """
import neurocompile as nc
def build(seed=0):
    net = nc.Network(f"seeded{seed}", dt=0.1, seed=seed)  # the name shows the seed build() got
    src = net.poisson("src", 10, rate=50.0)
    out = net.population("out", 5, nc.LIF(tau_mem=10.0, tau_syn=2.0, v_rest=0.0, v_reset=0.0,
                                           v_th=1.0))
    net.connect(src, out, nc.AllToAll(), weight=0.5)
    return net
""")
    code, out, err = run_cli(capsys, "build", src, "--seed", "3", "--duration", "10", "--out", tmp_path, "-v")
    assert code == 0, err
    assert "Network 'seeded3'" in out and "PoissonSource" in out
    assert (tmp_path / "seeded3.ncp").is_file()


def test_seed_with_module_level_net_is_an_error(capsys, tmp_path):
    code, _, err = run_cli(capsys, "build", CUBA, "--seed", "3", "--out", tmp_path)
    assert code == 1
    assert "seed = 3" in err and "build(seed=...)" in err


def test_duration_not_multiple_of_dt(capsys, tmp_path):
    code, _, err = run_cli(capsys, "build", CUBA, "--duration", "0.05", "--out", tmp_path)
    assert code == 1
    assert "duration" in err and "dt = 0.1" in err


def test_bad_target_name_lists_available_targets(capsys, tmp_path):
    code, _, err = run_cli(capsys, "build", CUBA, "--target", "loihi9", "--out", tmp_path)
    assert code == 1
    assert "loihi9" in err and "emu" in err and "lava" in err


def test_unsupported_model_names_population_model_and_target(capsys, tmp_path):
    lava_text = (TARGETS_DIR / "lava.toml").read_text(encoding="utf-8")
    lif_only, n_custom = re.subn(r"(?m)^custom_process\s*=\s*\[[^\]]*\]", "custom_process = []",
                                 lava_text)
    lif_only = re.sub(r"(?ms)^\[(adex|hh|learning)\].*?(?=^\[)", "", lif_only)  # no AdEx, HH or STDP, so no tables
    lif_only, n_name = re.subn(r'(?m)^name\s*=\s*"[^"]*"', 'name = "lif_only"', lif_only)
    assert n_custom == 1 and n_name == 1, "lava.toml layout changed; update this test"
    target = write_text(tmp_path / "lif_only.toml", lif_only)
    net_file = write_text(tmp_path / "one_adex.py", ADEX_NET)
    code, _, err = run_cli(capsys, "build", net_file, "--target", target, "--out", tmp_path)
    assert code == 1
    assert "Population 'cell'" in err and "AdEx" in err and "'lif_only'" in err


def test_adex_runs_as_custom_process_on_lava(capsys, tmp_path):
    net_file = write_text(tmp_path / "one_adex.py", ADEX_NET)
    code, out, err = run_cli(capsys, "build", net_file, "--target", "lava", "--duration", "5",
                             "--out", tmp_path)
    assert code == 0, err
    assert "AdEx: custom process (cell)" in out


def test_build_compiles_emits_runs_chip_and_compares(capsys, tmp_path):
    code, out, err = run_cli(capsys, "build", CUBA, "--target", "emu", "--validate", "50",
                             "--out", tmp_path, "--verbose")
    assert code == 0, err
    for title in ("Resources on target 'emu'", "Quantization: populations", "Quantization: projections",
                  "Placement (", "Chip (emu), 50 ms", "Chip activity", "Float vs chip over 50 ms"):
        assert title in out, title
    program = tmp_path / "cuba.ncp"
    assert program.is_file()
    loaded = neurocompile.load(program)
    assert loaded.summary()["neurons"] == 4000

    code, out, err = run_cli(capsys, "run", program, "--duration", "20")
    assert code == 0, err
    assert "'cuba' on emu (emu), 20 ms" in out and "steps/s" in out

    code, out, err = run_cli(capsys, "inspect", program)
    assert code == 0, err
    assert "Program 'cuba'" in out and "exc.spikes (3200)" in out and "placer" in out


def test_tolerance_turns_a_rate_mismatch_into_exit_code_1(capsys, tmp_path):
    code, _, err = run_cli(capsys, "build", CUBA, "--validate", "50", "--tolerance", "0.000001",
                           "--out", tmp_path)
    assert code == 1
    assert "validation failed (--tolerance 1e-06)" in err and "exc: rate" in err
    code, out, err = run_cli(capsys, "build", CUBA, "--validate", "50", "--tolerance", "0.5",
                             "--out", tmp_path)
    assert code == 0, err
    assert "validation passed" in out


@pytest.mark.parametrize("text, message", [
    ("""
import neurocompile as nc
net = nc.Network("far", dt=0.1)
a = net.population("a", 2, nc.LIF(tau_mem=20.0, v_rest=-70.0, v_reset=-70.0, v_th=-50.0, tau_syn=5.0))
net.connect(a, a, nc.AllToAll(), weight=1.0, delay=10.0)
""", r"Projection 'a->a': delay = 10 ms \(100 steps at dt = 0.1 ms\) exceeds target 'emu''s max_delay_steps = 62"),
    ("""
import neurocompile as nc
net = nc.Network("huge", dt=0.1)
net.population("a", 300000, nc.LIF(tau_mem=20.0, v_rest=-70.0, v_reset=-70.0, v_th=-50.0, tau_syn=5.0))
""", r"300000 neuron slots need at least 293 cores of 1024 \(core.neurons\)"),
    ("""
import neurocompile as nc
lif = nc.LIF(tau_mem=20.0, v_rest=-70.0, v_reset=-70.0, v_th=-50.0,
             receptors={"ampa": nc.CondExp(tau=2.0, E_rev=0.0), "gaba": nc.CondExp(tau=5.0, E_rev=-80.0)})
net = nc.Network("slots", dt=0.1)
net.population("a", 70000, lif)     # soma, 2 receptors and the leak element: 280000 slots
""", r"280000 neuron slots need at least 274 cores"),
])
def test_build_stops_before_the_float_run_when_the_network_cannot_fit(capsys, tmp_path, text, message):
    net_file = write_text(tmp_path / "net.py", text)
    code, out, err = run_cli(capsys, "build", net_file, "--out", tmp_path)
    assert code == 1
    assert re.search(message, err), err
    assert "reference" not in out and not (tmp_path / "build").exists()


def test_a_network_too_large_for_memory_is_a_one_line_error(capsys, tmp_path):
    huge = write_text(tmp_path / "huge.py",
                      "import neurocompile as nc\nnet = nc.Network('huge', dt=0.1)\n"
                      "src = net.poisson('src', 10**6, 5.0)\n"
                      "cells = net.population('cells', 10**6, nc.LIF(tau_mem=10.0, tau_syn=5.0, v_rest=-65.0, "
                      "v_reset=-65.0, v_th=-50.0))\n"
                      "net.connect(src, cells, nc.AllToAll(), weight=0.1)\n")
    code, _, err = run_cli(capsys, "build", huge, "--out", tmp_path)
    assert code == 1 and err.count("\n") == 1
    assert re.fullmatch(rf"error: {re.escape(str(huge))}: Projection 'src->cells': AllToAll\(allow_autapses=True\) "
                        r"over 1000000 x 1000000 neurons makes at least 1000000000000 synapses, 32 bytes each while "
                        r"they are built \(29802.3 GiB\); this machine has [0-9.]+ GiB available\. Use a sparser rule "
                        r"or smaller populations \(run with --debug for the traceback\)\n", err)
