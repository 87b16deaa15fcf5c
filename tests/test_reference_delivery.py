"""The float reference's spike delivery: the row-by-row path equals the one-pass path exactly."""
import numpy as np
import pytest

import neurocompile as nc
from neurocompile.reference.delivery import DelayedDelivery


def _projection(delays: bool):
    net = nc.Network("delivery", dt=0.1, seed=3)
    lif = nc.LIF(tau_mem=10.0, tau_syn=2.0, v_rest=0.0, v_reset=0.0, v_th=1.0)
    a = net.population("a", 60, lif)
    b = net.population("b", 40, lif)
    delay = nc.Uniform(0.1, 0.8) if delays else 0.1
    return net.connect(a, b, nc.FixedProbability(0.3, seed=5), weight=nc.Normal(0.2, 0.5, seed=6), delay=delay)


@pytest.mark.parametrize("delays", [False, True])
def test_row_by_row_and_one_pass_delivery_give_identical_rings(delays):
    proj = _projection(delays)
    length = proj.max_delay_steps + 1
    rng = np.random.default_rng(0)
    rings = []
    for one_by_one in (10**6, 0):  # every step row by row / every step one np.add.at
        ring = np.zeros((length, 40))
        delivery = DelayedDelivery(proj, ring)
        delivery.ROWS_ONE_BY_ONE = one_by_one
        touched = 0
        for step in range(30):
            rows = np.sort(rng.choice(60, size=rng.integers(0, 25), replace=False)) if step else np.arange(60)
            touched += delivery.deliver(step, rows)
        rings.append((ring.copy(), touched))
        rng = np.random.default_rng(0)
    assert rings[0][1] == rings[1][1] > 0
    np.testing.assert_array_equal(rings[0][0], rings[1][0])
    assert np.any(rings[0][0] != 0)
