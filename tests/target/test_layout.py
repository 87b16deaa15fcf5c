"""The target's geometry (neurocompile.target.layout): core locations, hops and route costs."""
from __future__ import annotations

import numpy as np
import pytest

from neurocompile.errors import TargetError
from neurocompile.target import CoreLocation, Hops, load_target


def test_sizes_and_core_locations():
    emu = load_target("emu")
    assert emu.cores_per_chip == 64
    assert emu.tiles_per_chip == 16
    assert emu.total_cores == 256
    assert emu.max_neurons == 256 * 1024
    assert emu.core_location(0) == CoreLocation(0, 0, 0, 0)
    assert emu.core_location(5) == CoreLocation(0, 0, 1, 1)
    assert emu.core_location(255) == CoreLocation(3, 3, 3, 3)
    cores = np.arange(emu.total_cores)
    chip, row, col, slot = emu.core_location(cores)
    assert np.array_equal(emu.core_index(chip, row, col, slot), cores)
    assert emu.chip_position(3) == (1, 1)
    with pytest.raises(TargetError, match=r"core_index = 256 must be in 0\.\.255"):
        emu.core_location(256)


def test_hops_and_route_costs():
    emu = load_target("emu")
    # same tile: no hops, only the within-tile cost
    assert emu.hops(0, 3) == Hops(0, 0, 0)
    assert emu.spike_energy_pj(0, 3) == pytest.approx(1.7)
    # one tile east on the same chip
    assert emu.hops(0, 4) == Hops(1, 0, 0)
    assert emu.spike_energy_pj(0, 4) == pytest.approx(1.7 + 3.0)
    assert emu.spike_latency_ns(0, 4) == pytest.approx(2.1 + 4.1)
    # one tile south on the same chip
    assert emu.hops(0, 16) == Hops(0, 1, 0)
    # from the east edge of chip 0 to the west edge of chip 1: one inter-chip crossing
    east_edge = emu.core_index(0, 0, 3)
    west_edge_next_chip = emu.core_index(1, 0, 0)
    assert emu.hops(east_edge, west_edge_next_chip) == Hops(0, 0, 1)
    assert emu.route_cost(east_edge, west_edge_next_chip) == pytest.approx(10.0)
    # opposite corners of the 2 x 2 board
    assert emu.hops(0, 255) == Hops(6, 6, 2)
    assert emu.route_cost(0, 255) == pytest.approx(12 + 2 * 10.0)
    # vectorised form agrees with the scalar form
    src = np.array([0, 0, east_edge])
    dst = np.array([3, 255, west_edge_next_chip])
    hops = emu.hops(src, dst)
    assert hops.inter_chip.tolist() == [0, 2, 1]
    assert emu.route_cost(src, dst).tolist() == pytest.approx([0.0, 32.0, 10.0])
