"""The receptor examples (coba, brette_cuba) build with ``neurocompile build`` and keep the
rates their docstrings state, in float and on the chip (1 s, as the README's table)."""
from __future__ import annotations

import pytest

from tests.examples.test_chip import build

#: example -> (float rate bounds in Hz from the peers' range, largest chip-vs-float error)
EXPECTED = {"coba": ((19.0, 24.0), 0.03), "brette_cuba": ((5.0, 6.5), 0.05)}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_receptor_example_matches_peers_and_chip_matches_float(tmp_path, name):
    (low, high), tolerance = EXPECTED[name]
    ctx = build(tmp_path, name, 1000.0)
    for population in ("exc", "inh"):
        pop = ctx.comparison.populations[population]
        assert low < pop.rate_float < high, (population, pop.rate_float)
        assert pop.rate_rel_error < tolerance, (population, pop.rate_float, pop.rate_chip)
