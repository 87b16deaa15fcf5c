"""examples/nir_lif.py: the NIR paper's Norse LIF neuron, float and chip against Norse."""
from __future__ import annotations

import numpy as np
import pytest

from neurocompile.cli.main import main
from tests.helpers import EXAMPLES_DIR, run_example

pytest.importorskip("nir", reason="examples/nir_lif.py reads a .nir file: it needs the 'nir' extra (pip install '.[nir]')")

EXAMPLE = EXAMPLES_DIR / "nir_lif.py"


def test_nir_lif_example_matches_norse_within_one_step(nir_paper_dir):
    example = run_example("nir_lif")
    r = example["evaluate"](nir_paper_dir)
    assert r["norse"].tolist() == [460, 510, 710, 760]
    assert r["float"].size == r["norse"].size
    assert np.all(np.abs(r["float"] - r["norse"]) <= 1)
    assert np.array_equal(r["chip"], r["float"])


def test_nir_lif_example_builds_on_emu(capsys, tmp_path, nir_paper_dir, monkeypatch):
    monkeypatch.setenv("NIR_PAPER_DIR", str(nir_paper_dir))
    code = main(["build", str(EXAMPLE), "--target", "emu", "--validate", "100", "--out", str(tmp_path)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert (tmp_path / "lif_norse.ncp").is_file()
