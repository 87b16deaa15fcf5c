"""The dendrite read-out (neurocompile.chip.dendrite): saturation of a_in (docs/chip.md 3.3)."""
from __future__ import annotations

import numpy as np
import pytest

from neurocompile.chip import ChipOverflowError
from neurocompile.chip.dendrite import read_dendrite


def test_read_dendrite_saturates_to_18_bits_and_strict_raises():
    assert read_dendrite(np.array([5, 1 << 20, -(1 << 20)])).tolist() == [5, (1 << 17) - 1, -(1 << 17)]
    with pytest.raises(ChipOverflowError, match=r"neuron 7 at step 3: dendritic input a_in = 1048576"):
        read_dendrite(np.array([0, 1 << 20]), strict=True, step=3, neuron_ids=[6, 7])
