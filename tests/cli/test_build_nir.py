"""``neurocompile build model.nir --dt ... --reset ...``."""
from __future__ import annotations

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
