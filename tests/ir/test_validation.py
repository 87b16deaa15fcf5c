"""Malformed networks are rejected when built, with a message naming object, parameter, value, rule."""
from __future__ import annotations

import re

import numpy as np
import pytest
import scipy.sparse as sp

import neurocompile as nc


LIF_PARAMS = dict(tau_mem=20.0, tau_syn=5.0, v_rest=-49.0, v_reset=-60.0, v_th=-50.0)


def lif(**changes):
    return nc.LIF(**{**LIF_PARAMS, **changes})


def network(dt=0.1):
    return nc.Network("net", dt=dt)


def two_populations(n_pre=3, n_post=4):
    net = network()
    return net, net.population("a", n_pre, lif()), net.population("b", n_post, lif())


def raises(match):
    """pytest.raises for NetworkError with a literal (escaped) message fragment."""
    return pytest.raises(nc.NetworkError, match=re.escape(match))


# -- populations and network -------------------------------------------------------------------
def test_refractory_not_a_multiple_of_dt():
    with raises("Population 'a' (LIF): refractory = 0.25 ms is not a multiple of dt = 0.1 ms"):
        network().population("a", 3, lif(refractory=0.25))


def test_per_neuron_parameter_array_of_wrong_length():
    with raises("Population 'a' (LIF): bias = [1., 2., 3., 4.] has 4 values but the population has 3 neurons"):
        network().population("a", 3, lif(bias=np.array([1.0, 2.0, 3.0, 4.0])))


@pytest.mark.parametrize("dt, shown", [(0.0, "0"), (-0.1, "-0.1"), (float("nan"), "nan"),
                                       (float("inf"), "inf")])
def test_time_step_must_be_finite_and_positive(dt, shown):
    with raises(f"Network 'n': dt = {shown} must be a finite time step > 0 ms"):
        nc.Network("n", dt=dt)


def test_duplicate_population_name():
    net = network()
    net.population("a", 3, lif())
    with raises("Network 'net': population name = 'a' is already used"):
        net.population("a", 5, lif())


def test_unknown_initial_value_keyword():
    with raises("Population 'a': unknown initial value 'u_init' (did you mean 'v_init'?); "
                "allowed: I_syn_init, v_init"):
        network().population("a", 3, lif(), u_init=0.0)


def test_initial_value_array_of_wrong_shape():
    with raises("Population 'a': v_init = [0., 0.] has shape (2,), expected (3,)"):
        network().population("a", 3, lif(), v_init=np.zeros(2))


def test_population_size_must_be_positive_integer():
    with raises("Population 'a': size = 0 must be a positive integer"):
        network().population("a", 0, lif())
    with raises("Population 'a': size = 2.5 must be a positive integer"):
        network().population("a", 2.5, lif())


def test_probe_of_unknown_variable():
    net = network()
    pop = net.population("a", 3, lif())
    with raises("probe on 'a' (LIF): unknown variable 'vm' (did you mean 'v'?); allowed: I_syn, spikes, v"):
        net.probe(pop, "vm")


def test_probe_spikes_of_non_spiking_population():
    net = network()
    pop = net.population("r", 3, nc.LI(tau_mem=10.0, tau_syn=0.0))
    with raises("probe on 'r' (LI): unknown variable 'spikes'; allowed: I_syn, v"):
        net.probe(pop, "spikes")


def test_connect_to_population_of_another_network():
    net, a, _ = two_populations()
    other = nc.Network("other", dt=0.1)
    foreign = other.population("b2", 4, lif())
    with raises("Network 'net': post = 'b2' is a population of another network (unknown here)"):
        net.connect(a, foreign, nc.AllToAll(), weight=1.0)


def test_connect_to_same_named_population_of_another_network():
    net, a, _ = two_populations()
    twin = nc.Network("other", dt=0.1).population("a", 3, lif())
    with raises("Network 'net': pre = 'a' is a population of another network"):
        net.connect(twin, a, nc.OneToOne(), weight=1.0)


def test_probe_of_unknown_population_name():
    net, _, _ = two_populations()
    with raises("Network 'net': unknown population 'exc'; allowed: a, b"):
        net.probe("exc", "spikes")
    with raises("Network 'net': unknown population 'bb' (did you mean 'b'?)"):
        net.probe("bb", "spikes")


# -- projections ------------------------------------------------------------------------------
def test_delay_shorter_than_dt():
    net, a, b = two_populations()
    with raises("Projection 'a->b': delay = 0.05 ms is shorter than dt = 0.1 ms"):
        net.connect(a, b, nc.AllToAll(), weight=1.0, delay=0.05)


def test_delay_not_a_multiple_of_dt():
    net, a, b = two_populations()
    with raises("Projection 'a->b': delay = 0.25 ms is not a multiple of dt = 0.1 ms"):
        net.connect(a, b, nc.AllToAll(), weight=1.0, delay=0.25)


def test_delay_distribution_that_can_draw_below_dt():
    net, a, b = two_populations()
    with raises("Projection 'a->b': delay = Normal(1, 0.5, seed=None) can draw delays below "
                "dt = 0.1 ms (lower bound -inf ms)"):
        net.connect(a, b, nc.AllToAll(), weight=1.0, delay=nc.Normal(1.0, 0.5))


def test_weight_array_of_wrong_shape():
    net, a, b = two_populations()
    with raises("Projection 'a->b': weight = array of shape (4, 3) (min 1, max 1) has shape (4, 3); "
                "expected a scalar, a distribution, one value per synapse (12,) or one per pair (3, 4)"):
        net.connect(a, b, nc.AllToAll(), weight=np.ones((4, 3)))


def test_nan_weight():
    net, a, b = two_populations()
    with raises("Projection 'a->b': weight = array of shape (12,) must be finite"):
        net.connect(a, b, nc.AllToAll(), weight=float("nan"))


def test_missing_weight():
    net, a, b = two_populations()
    with raises("Projection 'a->b': weight = None is required (only Explicit rules carry weights)"):
        net.connect(a, b, nc.AllToAll())


def test_one_to_one_size_mismatch():
    net, a, b = two_populations(3, 4)
    with raises("Projection 'a->b': OneToOne: pre has 3 neurons but post has 4; they must be equal"):
        net.connect(a, b, nc.OneToOne(), weight=1.0)


def test_fixed_in_degree_larger_than_presynaptic_population():
    net, a, b = two_populations(3, 4)
    with raises("Projection 'a->b': FixedInDegree: k = 5 exceeds the 3 distinct sources available"):
        net.connect(a, b, nc.FixedInDegree(5), weight=1.0)


def test_fixed_in_degree_without_autapses_counts_the_excluded_self():
    net = network()
    pop = net.population("a", 4, lif())
    with raises("Projection 'a->a': FixedInDegree: k = 4 exceeds the 3 distinct sources available"):
        net.connect(pop, pop, nc.FixedInDegree(4, allow_autapses=False), weight=1.0)


def test_explicit_matrix_shape_mismatch():
    net, a, b = two_populations(3, 4)
    with raises("Projection 'a->b': Explicit: matrix shape = (4, 3) does not match "
                "(n_pre, n_post) = (3, 4)"):
        net.connect(a, b, nc.Explicit(np.ones((4, 3))))
    with raises("Explicit: matrix shape = (3, 5) does not match"):
        net.connect(a, b, nc.Explicit(sp.random(3, 5, density=0.5, format="csr", random_state=0)))


def test_explicit_matrix_with_nan():
    matrix = np.ones((2, 2))
    matrix[0, 1] = np.nan
    with pytest.raises(nc.NetworkError, match=r"Explicit: matrix = \[.*nan.*\] must contain only finite values"):
        nc.Explicit(matrix)


def test_connectivity_rule_parameters():
    with raises("FixedProbability: p = 1.5 must be a probability in [0, 1]"):
        nc.FixedProbability(1.5)
    with raises("FixedInDegree: k = -1 must be a non-negative integer"):
        nc.FixedInDegree(-1)
    with raises("FixedProbability: seed = -3 must be a non-negative integer or None"):
        nc.FixedProbability(0.1, seed=-3)


def test_spike_source_cannot_receive_synapses():
    net = network()
    src = net.spike_source("src", 2, [1.0], [0])
    pop = net.population("a", 2, lif())
    with raises("Projection 'a->src': post = 'src' is a spike source; it cannot receive synapses"):
        net.connect(pop, src, nc.OneToOne(), weight=1.0)


def test_non_spiking_population_cannot_be_presynaptic():
    net = network()
    readout = net.population("r", 2, nc.LI(tau_mem=10.0, tau_syn=0.0))
    pop = net.population("a", 2, lif())
    with raises("Projection 'r->a': pre = 'r' is a LI population, which does not spike"):
        net.connect(readout, pop, nc.OneToOne(), weight=1.0)


# -- inputs ---------------------------------------------------------------------------------
def test_poisson_rate_too_high_for_dt():
    with raises("PoissonSource 'p': rate = 20000 Hz exceeds one spike per step "
                "(1/dt = 10000 Hz at dt = 0.1 ms)"):
        network().poisson("p", 3, 20000.0)


def test_poisson_rate_array_of_wrong_length():
    with raises("PoissonSource 'p': rate = [1., 2.] has 2 values but the population has 3 neurons"):
        network().poisson("p", 3, [1.0, 2.0])


def test_poisson_negative_rate_and_start_off_grid():
    with raises("PoissonSource: rate = -1 must be finite and >= 0 Hz"):
        nc.PoissonSource(-1.0)
    with raises("PoissonSource 'p': start = 0.05 ms is not a multiple of dt = 0.1 ms"):
        network().poisson("p", 3, 10.0, start=0.05)


def test_spike_trains_two_spikes_of_one_neuron_in_the_same_step():
    with raises("SpikeTrains 's': neuron 0 has two spikes in step 10 (t = 1 ms at dt = 0.1 ms); "
                "a neuron spikes at most once per step"):
        network().spike_source("s", 3, [1.0, 1.04], [0, 0])


def test_spike_trains_index_out_of_range_and_mismatched_lengths():
    with raises("SpikeTrains 's': indices = 3 is out of range for a population of 3 neurons"):
        network().spike_source("s", 3, [1.0], [3])
    with raises("SpikeTrains: times has 2 entries but indices has 1"):
        nc.SpikeTrains([1.0, 2.0], [0])


def test_step_current_times_not_increasing():
    with pytest.raises(nc.NetworkError, match=r"StepCurrent: times = \[1\. *, 0\.5\] must be finite, "
                       r">= 0 ms and strictly increasing"):
        nc.StepCurrent([1.0, 0.5], [1.0, 2.0])


def test_step_current_time_off_grid():
    net = network()
    pop = net.population("a", 3, lif())
    with raises("StepCurrent into 'a': times = 0.05 ms is not a multiple of dt = 0.1 ms"):
        net.current(pop, nc.StepCurrent([0.05], [1.0]))


def test_simulate_duration_off_grid():
    net = network()
    net.population("a", 3, lif())
    with raises("simulate: duration = 10.05 ms is not a multiple of dt = 0.1 ms"):
        nc.simulate(net, 10.05)
