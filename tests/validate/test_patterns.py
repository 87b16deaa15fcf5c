"""The firing-pattern classifier (neurocompile.validate.classify_pattern)."""
from __future__ import annotations

import numpy as np
import pytest

from neurocompile.errors import NetworkError
from neurocompile.validate import classify_pattern


@pytest.mark.parametrize("times, label", [
    ([], "silent"),
    ([110.0, 130.0], "transient"),
    (np.arange(110.0, 600.0, 10.0), "tonic"),
    (110.0 + np.cumsum(np.linspace(10.0, 60.0, 15)), "adapting"),
    (110.0 + np.cumsum(np.linspace(40.0, 8.0, 20)), "accelerating"),
    ([110.0, 113.0, 116.0] + list(np.arange(170.0, 600.0, 50.0)), "initial burst"),
    (np.sort(np.concatenate([np.arange(110.0, 600.0, 100.0), np.arange(113.0, 600.0, 100.0)])),
     "bursting"),
    (110.0 + np.cumsum(np.tile([10.0, 30.0, 15.0, 40.0], 6)), "irregular"),
])
def test_classify_pattern(times, label):
    assert classify_pattern(times, 100.0, 600.0) == label


def test_classify_pattern_ignores_spikes_outside_the_step_and_checks_the_window():
    assert classify_pattern([50.0, 700.0], 100.0, 600.0) == "silent"
    with pytest.raises(NetworkError, match="stop"):
        classify_pattern([], 100.0, 100.0)
