"""examples/snntorch_digits.py: two snnTorch-trained classifiers, spike for spike.

Reads ../shared/nir-clients (snnTorch's own spikes on all 360 test images; no torch needed).
The thresholds are issue 15's: float = snnTorch on >= 99 % of images and raster entries;
chip = float prediction on >= 99 % of images, accuracy within 0.5 points of snnTorch, output
counts equal to float on >= 90 %.
"""
from __future__ import annotations

import pytest

from neurocompile.cli.main import main
from tests.helpers import EXAMPLES_DIR, NIR_CLIENTS_DIR, run_example

pytest.importorskip("nir", reason="examples/snntorch_digits.py reads .nir files: it needs the 'nir' extra")


@pytest.fixture(scope="module")
def example():
    if not NIR_CLIENTS_DIR.is_dir():
        pytest.fail(f"missing {NIR_CLIENTS_DIR}: CI runs with ../shared beside the project root")
    return run_example("snntorch_digits")


@pytest.mark.parametrize("model", ["leaky", "synaptic"])
def test_float_reproduces_snntorch_spike_for_spike(example, model):
    r = example["evaluate"](model, directory=NIR_CLIENTS_DIR)
    assert r["images"] == 360
    assert r["float_counts_equal_snntorch"] >= 0.99
    assert r["float_n1_raster_equal_snntorch"] >= 0.99 and r["float_n3_raster_equal_snntorch"] >= 0.99
    assert r["float_accuracy"] == r["snntorch_accuracy"]
    # measured: every count and every spike of both layers (1.0); kept exact so a drift shows
    assert r["float_counts_equal_snntorch"] == 1.0
    assert r["float_n1_raster_equal_snntorch"] == 1.0 and r["float_n3_raster_equal_snntorch"] == 1.0


@pytest.mark.parametrize("model", ["leaky", "synaptic"])
def test_chip_follows_float(example, model):
    r = example["evaluate"](model, directory=NIR_CLIENTS_DIR)
    assert r["chip_predictions_equal_float"] >= 0.99
    assert abs(r["chip_accuracy"] - r["snntorch_accuracy"]) <= 0.005
    assert r["chip_counts_equal_float"] >= 0.90
    assert r["chip_n1_raster_equal_snntorch"] >= 0.99 and r["chip_n3_raster_equal_snntorch"] >= 0.99


def test_example_builds_on_emu(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("NIR_CLIENTS_DIR", str(NIR_CLIENTS_DIR))
    code = main(["build", str(EXAMPLES_DIR / "snntorch_digits.py"), "--validate", "3", "--out", str(tmp_path)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "semantics = snntorch" in out
    assert (tmp_path / "snntorch_leaky_64x100x10.ncp").is_file()
