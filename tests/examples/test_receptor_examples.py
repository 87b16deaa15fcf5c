"""The synapse-model examples: coba and brette_cuba build with ``neurocompile build`` and keep
the rates their docstrings state, in float and on the chip (1 s, as the README's table); stp
shows depression and facilitation, and the chip's PSPs follow the float ones."""
from __future__ import annotations

import pytest

import numpy as np

from tests.examples.test_chip import build
from tests.helpers import run_example

#: example -> (float rate bounds in Hz from the peers' range, largest chip-vs-float error)
EXPECTED = {"coba": ((19.0, 24.0), 0.03), "brette_cuba": ((5.0, 6.5), 0.03)}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_receptor_example_matches_peers_and_chip_matches_float(tmp_path, name):
    (low, high), tolerance = EXPECTED[name]
    ctx = build(tmp_path, name, 1000.0)
    for population in ("exc", "inh"):
        pop = ctx.comparison.populations[population]
        assert low < pop.rate_float < high, (population, pop.rate_float)
        assert pop.rate_rel_error < tolerance, (population, pop.rate_float, pop.rate_chip)


def test_stp_example_depresses_facilitates_and_chip_follows_float():
    result = run_example("stp")["evaluate"]()
    depressing, facilitating = result["depressing"], result["facilitating"]
    ratio = depressing["float"] / depressing["float"][0]
    assert ratio[7] < 0.15 and 0.15 < ratio[8] < 0.3  # depressed, partly recovered
    ratio = facilitating["float"] / facilitating["float"][0]
    assert ratio[3] > 1.7 and ratio[8] > 2.4
    for r in result.values():
        assert r["max_rel_error"] < 0.025
        np.testing.assert_allclose(r["chip"] / r["chip"][0], r["float"] / r["float"][0], atol=0.02)
