"""An unstructured network for the build-time benchmarks: 50,000 LIF neurons, 800,000 random synapses.

40,000 excitatory and 10,000 inhibitory CUBA neurons (Brette et al. 2007, benchmark 2); every
neuron receives exactly 13 excitatory and 3 inhibitory synapses from random sources
(``FixedInDegree``), 16 in all. The weights are CUBA's (+1.62 mV, -9 mV) scaled by 80/13 and
20/3, so a neuron gets about CUBA's total input from far fewer synapses. There is no spatial,
modular or population structure for a placer to find: any placement on the same number of
cores has about the same spike traffic, which is what the ``spectral`` placer has to
recognise quickly (README, "Placement").

    neurocompile build bench/networks/random_50k.py --target emu
"""
import neurocompile as nc

N_EXC, N_INH = 40_000, 10_000
K_EXC, K_INH = 13, 3


def build(seed: int = 0) -> nc.Network:
    net = nc.Network("random50k", dt=0.1, seed=seed)
    lif = nc.LIF(tau_mem=20.0, tau_syn=5.0, v_rest=-49.0, v_reset=-60.0, v_th=-50.0, refractory=5.0)
    exc = net.population("exc", N_EXC, lif, v_init=nc.Uniform(-60.0, -50.0))
    inh = net.population("inh", N_INH, lif, v_init=nc.Uniform(-60.0, -50.0))
    for i, (pre, k, w) in enumerate(((exc, K_EXC, 1.62 * 80 / K_EXC), (inh, K_INH, -9.0 * 20 / K_INH))):
        for j, post in enumerate((exc, inh)):
            net.connect(pre, post, nc.FixedInDegree(k, seed=seed * 10 + 2 * i + j + 1), weight=w)
    net.probe(exc[:1000], "spikes")
    return net
