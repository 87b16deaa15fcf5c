"""The chip's number primitives (neurocompile.chip.numbers) against hand-computed values.

The expected integers were worked out by hand from docs/chip.md; the comments show the
arithmetic, so a failing assertion points at the rule that changed.
"""
from __future__ import annotations

import numpy as np

from neurocompile.chip.numbers import lif_decay, scale_by_exponent, wrap_current


def test_lif_decay_rounds_toward_zero_like_lava():
    # 320 * (4096 - 410) / 4096 = 287.96 -> 287;  -429 * 3686 / 4096 = -386.06 -> -386
    assert lif_decay(np.array([320, -429]), 410).tolist() == [287, -386]
    # -417 * 3072 / 4096 = -312.75 -> -312 (toward zero, not the floor -313)
    assert lif_decay(np.array([-417]), 1024).tolist() == [-312]
    assert lif_decay(np.array([12345]), 0).tolist() == [12345]       # no decay
    assert lif_decay(np.array([12345]), 4096).tolist() == [0]        # full decay


def test_scale_by_exponent_floors_negative_exponents():
    assert scale_by_exponent([5, -5, 7], [2, 0, -1]).tolist() == [20, -5, 3]
    assert scale_by_exponent([-5], [-1]).tolist() == [-3]  # arithmetic shift: floor(-2.5)


def test_wrap_current_keeps_lavas_asymmetric_range():
    half = 1 << 23
    values = np.array([half, -half, half + 1, -half + 1, 3, half + 500])
    assert wrap_current(values).tolist() == [half, half, -half + 1, -half + 1, 3, -half + 500]
