"""examples/nir_lif.py: the NIR paper's Norse LIF neuron, float and chip against Norse."""
from __future__ import annotations

import runpy
from pathlib import Path

import numpy as np

from neurocompile.cli.main import main

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "nir_lif.py"


def test_nir_lif_example_matches_norse_within_one_step(nir_paper_dir):
    example = runpy.run_path(str(EXAMPLE))
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
