"""``neurocompile build model.nir --dt ... --reset ...``."""
from __future__ import annotations

import re

import pytest

from neurocompile.cli.main import main

pytest.importorskip("nir", reason="building .nir files needs the 'nir' extra (pip install '.[nir]')")


def test_build_nir_file(nir_paper_dir, tmp_path, capsys):
    nir_file = nir_paper_dir / "braille_noDelay_noBias_subtract.nir"
    code = main(["build", str(nir_file), "--target", "emu", "--dt", "0.1", "--reset", "subtract",
                 "--validate", "5", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    assert "loaded Network('braille_noDelay_noBias_subtract'" in out
    assert (tmp_path / "braille_noDelay_noBias_subtract.ncp").is_file()


def test_malformed_nir_file_in_build(nir_paper_dir, tmp_path, capsys):
    code = main(["build", str(nir_paper_dir / "braille_noDelay_bias_zero_subgraph.nir"), "--dt", "0.1",
                 "--out", str(tmp_path)])
    captured = capsys.readouterr()
    assert code != 0 and "'lif1.lif'" in captured.out + captured.err


def test_build_trained_snntorch_file_without_dt(tmp_path, capsys):
    from tests.helpers import NIR_CLIENTS_DIR

    code = main(["build", str(NIR_CLIENTS_DIR / "snntorch_synaptic_64x100x10.nir"), "--validate", "3",
                 "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    assert "semantics = snntorch, dt_ms = 0.1, dt_source = implied by the file" in out
    assert "DiscreteLIF: native (n1, n3)" in out


def test_build_nir_semantics_and_reset_options(nir_paper_dir, tmp_path, capsys):
    code = main(["build", str(nir_paper_dir / "lif_norse.nir"), "--dt", "0.1", "--semantics", "norse",
                 "--reset", "none", "--no-reset-delay", "--validate", "5", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0 and "semantics = norse" in out
    code = main(["build", str(nir_paper_dir / "lif_norse.nir"), "--dt", "0.1", "--semantics", "torch",
                 "--out", str(tmp_path)])
    captured = capsys.readouterr()
    assert code != 0 and "invalid choice: 'torch'" in captured.err


def test_semantics_refused_for_python_files(tmp_path, capsys):
    script = tmp_path / "net.py"
    script.write_text("import neurocompile as nc\nnet = nc.Network('x', dt=0.1)\n", encoding="utf-8")
    code = main(["build", str(script), "--semantics", "snntorch", "--out", str(tmp_path)])
    captured = capsys.readouterr()
    assert code != 0 and "semantics = snntorch given, but only .nir files take" in captured.out + captured.err


def test_build_prints_saturation_per_population(tmp_path, capsys):
    script = tmp_path / "loud.py"
    script.write_text(
        "import numpy as np\nimport neurocompile as nc\n"
        "net = nc.Network('loud', dt=0.1)\n"
        "src = net.spike_source('src', 1, times=np.arange(0.0, 5.0, 0.1), indices=np.zeros(50, dtype=int))\n"
        "pop = net.population('deep', 1, nc.LIF(tau_mem=20.0, tau_syn=5.0, v_rest=0.0, v_reset=0.0, v_th=1.0))\n"
        "net.connect(src, pop, nc.AllToAll(), weight=-20.0)\n", encoding="utf-8")
    code = main(["build", str(script), "--validate", "5", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    assert re.search(r"warning: population 'deep' saturated registers in the chip run: state v \d+ times", out)
