"""The float reference's compiled spike delivery equals np.add.at of the same rows, exactly."""
import numpy as np
import pytest

import neurocompile as nc
from neurocompile.reference.delivery import DelayedDelivery, synapse_range


def _projection(delays: bool):
    net = nc.Network("delivery", dt=0.1, seed=3)
    lif = nc.LIF(tau_mem=10.0, tau_syn=2.0, v_rest=0.0, v_reset=0.0, v_th=1.0)
    a = net.population("a", 60, lif)
    b = net.population("b", 40, lif)
    delay = nc.Uniform(0.1, 0.8) if delays else 0.1
    return net.connect(a, b, nc.FixedProbability(0.3, seed=5), weight=nc.Normal(0.2, 0.5, seed=6), delay=delay)


@pytest.mark.parametrize("delays", [False, True])
def test_delivery_equals_add_at_of_the_spiking_rows(delays):
    proj = _projection(delays)
    length = proj.max_delay_steps + 1
    ring = np.zeros((length, 40))
    expected = np.zeros((length, 40))
    delivery = DelayedDelivery(proj, ring)
    w = proj.weights
    rng = np.random.default_rng(0)
    touched = 0
    for step in range(30):
        rows = np.sort(rng.choice(60, size=rng.integers(0, 25), replace=False)) if step else np.arange(60)
        touched += delivery.deliver(step, rows)
        positions = synapse_range(w.indptr.astype(np.int64), rows)
        slots = (step + proj.delay_steps[positions]) % length
        np.add.at(expected.reshape(-1), slots * 40 + w.indices[positions], w.data[positions])
    assert touched > 0
    np.testing.assert_array_equal(ring, expected)
    assert np.any(ring != 0)
