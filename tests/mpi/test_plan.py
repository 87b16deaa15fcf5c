"""How a program and a batch are split over ranks (no MPI needed)."""
from __future__ import annotations

import numpy as np
import pytest

from neurocompile.errors import DistributedError
from neurocompile.mpi.batch import sample_slices
from neurocompile.mpi.partition import plan
from neurocompile.place.placement import Placement


def _placement(cores_per_chip: int, neurons_per_core: list[int]) -> Placement:
    core_of = np.repeat(np.arange(len(neurons_per_core)), neurons_per_core).astype(np.int32)
    n_cores = 4 * cores_per_chip
    cores = np.arange(n_cores)
    return Placement("sequential", {"p": core_of, "src": np.full(3, -1, np.int32)}, n_cores,
                     cores // cores_per_chip, cores * 0, cores * 0, cores * 0)


def test_whole_chips_when_they_balance():
    p = _placement(2, [10, 10, 10, 10])  # two chips of two cores
    part = plan(p, 2)
    assert part.unit == "chip"
    assert part.rank_of_core[:4].tolist() == [0, 0, 1, 1] and (part.rank_of_core[4:] == -1).all()


def test_cores_when_chips_would_leave_the_ranks_unbalanced():
    p = _placement(2, [10, 10, 10])  # chips of 20 and 10 neurons
    part = plan(p, 2)
    assert part.unit == "core"
    assert sorted(np.bincount(part.rank_of_core[:3])) == [1, 2]


def test_cores_when_fewer_chips_than_ranks_and_every_rank_gets_some():
    p = _placement(4, [100, 1, 1])
    part = plan(p, 3)
    assert part.unit == "core" and part.rank_of_core[:3].tolist() == [0, 1, 2]


def test_more_ranks_than_used_cores_is_a_named_error():
    with pytest.raises(DistributedError, match=r"4 ranks exceed the 3 used cores on 2 chips"):
        plan(_placement(2, [1, 1, 1]), 4)


def test_sample_slices_are_contiguous_and_even():
    assert sample_slices(7, 3) == [(0, 3), (3, 5), (5, 7)]
    assert sample_slices(2, 2) == [(0, 1), (1, 2)]
    with pytest.raises(DistributedError, match="a batch of 2 samples cannot be split over 3 ranks"):
        sample_slices(2, 3)
