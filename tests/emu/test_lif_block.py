"""One run of the LIF pass (emu/lif_block.py): the flag counts it returns with its update are
the counts of the flag bytes it writes, in 32-bit lanes and in the 64-bit fallback, with and
without the discrete-time extensions."""
from __future__ import annotations

import numpy as np
import pytest

from neurocompile.chip.lif import LIF_COLUMNS, lif_fits_int32
from neurocompile.emu.kernel import lif_pass
from neurocompile.emu.state import FLAG_DENDRITE_SATURATED, FLAG_INPUT, FLAG_SPIKED, FLAG_STATE_SATURATED
from neurocompile.target import LOIHI_PRECISION as P


def _state(n: int, limit: int, low: int, high: int, seed: int):
    """Registers that reach every flag: input inside and beyond the dendrite's range, voltages
    at the saturation limits and near the threshold, neurons in their refractory period."""
    rng = np.random.default_rng(seed)
    slot = rng.integers(2 * low, 2 * high, n) * (rng.random(n) < 0.5)
    u = rng.integers(-limit, limit, n)
    v = rng.choice([-limit, limit, 0, (32767 << 6) - 5, (32767 << 6) + 5], n) + rng.integers(-3, 4, n)
    v = np.clip(v, -limit, limit)
    refractory = rng.integers(-1, 3, n) * (rng.random(n) < 0.2)
    bias = rng.integers(-1000, 1000, n)
    return (slot.astype(np.int32), u.astype(np.int32), v.astype(np.int32), refractory.astype(np.int16),
            bias.astype(np.int32), np.zeros(n, np.uint8))


@pytest.mark.parametrize("half", [P.state_half, 1 << 29], ids=["32-bit lanes", "64-bit fallback"])
def test_run_counts_are_the_counts_of_the_flags_written(half):
    limit = half - 1
    low, high = P.dendrite_range
    assert lif_fits_int32(half, P.decay_bits) == (half == P.state_half)
    sets = np.zeros((3, len(LIF_COLUMNS)), np.int64)
    sets[0, :8] = [80, 20, 32767, 0, 2, 0, 0, 1]  # plain LIF
    sets[1, :11] = [300, 100, 32767, 0, 0, -500, 1, 1, 1, 1, 1]  # every extension
    sets[2, :8] = [0, 4095, 32767, 0, 0, 0, 0, 0]  # never spikes
    bounds = np.array([0, 7, 1000, 1500, 3000])
    bound_set = np.array([0, 1, 2, 0])
    for seed in range(3):
        slot, u, v, refractory, bias, flags = _state(bounds[-1], limit, low, high, seed)
        counts = np.zeros((bound_set.size, 4), np.int64)
        lif_pass(slot, u, v, refractory, bias, flags, sets, bounds, bound_set, 1, P.decay_bits,
                 P.alignment_shift_bits, half, limit, low, high, counts)
        assert not slot.any()
        for r in range(bound_set.size):
            f = flags[bounds[r]:bounds[r + 1]]
            expected = [np.count_nonzero(f & FLAG_SPIKED), np.count_nonzero(f & (FLAG_SPIKED | FLAG_INPUT)),
                        np.count_nonzero(f & FLAG_DENDRITE_SATURATED), np.count_nonzero(f & FLAG_STATE_SATURATED)]
            np.testing.assert_array_equal(counts[r], expected)
        assert (flags & FLAG_STATE_SATURATED).any() and (flags & FLAG_DENDRITE_SATURATED).any()
        assert (flags & FLAG_SPIKED).any() and (flags & FLAG_INPUT).any()
