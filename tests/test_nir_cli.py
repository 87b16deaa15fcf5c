"""``neurocompile build model.nir --dt ... --reset ...`` and loading .nir files."""
from __future__ import annotations

import pytest

from neurocompile.cli.main import main
from neurocompile.io import NetworkFileError, load_network

pytest.importorskip("nir")


def test_build_nir_file(nir_paper_dir, tmp_path, capsys):
    nir_file = nir_paper_dir / "braille_noDelay_noBias_subtract.nir"
    code = main(["build", str(nir_file), "--target", "emu", "--dt", "0.1", "--reset", "subtract",
                 "--validate", "5", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    assert "loaded Network('braille_noDelay_noBias_subtract'" in out
    assert (tmp_path / "braille_noDelay_noBias_subtract.ncp").is_file()


def test_nir_file_needs_dt(nir_paper_dir):
    with pytest.raises(NetworkFileError, match="--dt 0.1"):
        load_network(nir_paper_dir / "lif_norse.nir")
    net = load_network(nir_paper_dir / "lif_norse.nir", dt=0.1, reset="subtract")
    assert net.dt == 0.1 and net["n1"].model.reset == "subtract"


def test_dt_refused_for_python_files(tmp_path, capsys):
    script = tmp_path / "net.py"
    script.write_text("import neurocompile as nc\nnet = nc.Network('x', dt=0.1)\n", encoding="utf-8")
    with pytest.raises(NetworkFileError, match="only .nir files take dt"):
        load_network(script, dt=0.1)
    code = main(["build", str(script), "--dt", "0.1", "--out", str(tmp_path)])
    captured = capsys.readouterr()
    assert code != 0 and "only .nir files take dt" in captured.out + captured.err


def test_malformed_nir_file_in_build(nir_paper_dir, tmp_path, capsys):
    code = main(["build", str(nir_paper_dir / "braille_noDelay_bias_zero_subgraph.nir"), "--dt", "0.1",
                 "--out", str(tmp_path)])
    captured = capsys.readouterr()
    assert code != 0 and "'lif1.lif'" in captured.out + captured.err
