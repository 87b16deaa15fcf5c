"""Runs of the LIF bank (kernel.lif_runs): the single-sample LIF pass counts its flags per
run, so a run must hold one parameter set, one population and, when its core is given, one
core; the threaded pass also cuts them into blocks it shares among threads."""
from __future__ import annotations

import numpy as np

from neurocompile.emu.kernel import lif_runs


def _runs(segments, segment_set, pop_of, core_of, block=0):
    return lif_runs(np.asarray(segments, np.int64), np.asarray(segment_set, np.int64),
                    np.asarray(pop_of, np.int64), np.asarray(core_of, np.int64), len(pop_of), block)


def test_runs_cut_at_sets_populations_and_cores():
    # 64 neurons: sets change at 40, populations at 32, cores every 16 neurons
    pop_of = np.repeat([0, 1], 32)
    core_of = np.repeat([0, 1, 2, 3], 16)
    bounds, run_set, run_pop, run_core = _runs([0, 40, 64], [3, 5], pop_of, core_of)
    np.testing.assert_array_equal(bounds, [0, 16, 32, 40, 48, 64])
    np.testing.assert_array_equal(run_set, [3, 3, 3, 5, 5])
    np.testing.assert_array_equal(run_pop, [0, 0, 1, 1, 1])
    np.testing.assert_array_equal(run_core, [0, 1, 2, 2, 3])


def test_scattered_cores_leave_runs_whole_without_a_core():
    # every neuron on another core than its neighbour: runs are not cut at cores
    pop_of = np.repeat([0, 1], 32)
    core_of = np.arange(64) % 3
    bounds, run_set, run_pop, run_core = _runs([0, 64], [0], pop_of, core_of)
    np.testing.assert_array_equal(bounds, [0, 32, 64])
    np.testing.assert_array_equal(run_pop, [0, 1])
    np.testing.assert_array_equal(run_core, [-1, -1])


def test_no_lif_neurons():
    bounds, run_set, run_pop, run_core = _runs([0], [], [], [])
    np.testing.assert_array_equal(bounds, [0])
    assert run_set.size == run_pop.size == run_core.size == 0


def test_blocks_cut_runs_at_multiples_of_the_block_length():
    pop_of = np.repeat([0, 1], 32)
    core_of = np.repeat([0, 1, 2, 3], 16)
    bounds, run_set, run_pop, run_core = _runs([0, 40, 64], [3, 5], pop_of, core_of, block=12)
    np.testing.assert_array_equal(bounds, [0, 12, 16, 24, 32, 36, 40, 48, 60, 64])
    np.testing.assert_array_equal(run_set, [3, 3, 3, 3, 3, 3, 5, 5, 5])
    np.testing.assert_array_equal(run_pop, [0, 0, 0, 0, 1, 1, 1, 1, 1])
    np.testing.assert_array_equal(run_core, [0, 0, 1, 1, 2, 2, 2, 3, 3])
