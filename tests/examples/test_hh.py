"""examples/hh.py: the squid axon's f-I curve on the chip within 3 % of float and its spike
peaks within 2 mV, from the onset of tonic firing to 100 uA/cm2 (the README's numbers come
from the full run; this one is shorter)."""
from __future__ import annotations

import numpy as np
import pytest

from tests.helpers import run_example

EXAMPLE = run_example("hh")


@pytest.fixture(scope="module")
def result():
    return EXAMPLE["evaluate"]("emu", duration=300.0)


def test_float_curve_is_class_2(result):
    rates = result["float_rates"]
    assert np.all(np.diff(rates) > 0) and 50.0 < rates[0] < 55.0 and 145.0 < rates[-1] < 150.0


def test_chip_f_i_within_3_percent_and_peaks_within_2_mV(result):
    assert np.max(np.abs(result["rate_rel_error"])) < 0.03, result["rate_rel_error"]
    assert np.max(np.abs(result["peak_error_mV"])) < 2.0, result["peak_error_mV"]


def test_single_action_potential(result):
    assert result["float_single_count"] == result["chip_single_count"] == 1
    spike_f, spike_c = result["float_spike"], result["chip_spike"]
    assert abs(spike_f.max() - spike_c.max()) < 2.0 and spike_f.max() > 30.0
