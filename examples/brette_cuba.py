"""CUBA as Brette et al. (2007) specify it: benchmark 2 with two synaptic time constants.

The network of ``examples/cuba.py`` (4000 LIF neurons, 2 % connectivity, weights +1.62 mV and
-9 mV, resting potential -49 mV above the -50 mV threshold), but with the benchmark's own
synapses: excitatory currents decay with 5 ms and inhibitory ones with 10 ms, each a receptor
of its own (``receptors=``). ``examples/cuba.py`` keeps one 5 ms time constant for both (the
form the performance benchmarks use).

What you should see: asynchronous irregular firing near 5.6 Hz. BrainPy 2.8 reports 5.47 Hz
(excitatory) / 5.59 Hz (inhibitory); Brian2 2.9, 5.67 / 5.64 Hz (cython, 5 seeds) and 5.58 /
5.63 Hz (cpp_standalone, 3 seeds). This connectivity fires a little faster than most (5.97 /
5.72 Hz in float); over six other connectivity draws the float reference gives 5.46 +- 0.17 /
5.59 +- 0.02 Hz (``python examples/brette_cuba.py --ensemble``). The chip follows float within
0.5 % (the README's table)::

    neurocompile build examples/brette_cuba.py --target emu --duration 1000

Reference: R. Brette et al., J. Comput. Neurosci. 23:349-398 (2007), benchmark 2.
"""
import sys

import numpy as np

import neurocompile as nc


def build(seed: int = 0) -> nc.Network:
    """The network; ``seed`` draws another connectivity (0: the one of ``net`` below)."""
    net = nc.Network("brette_cuba", dt=0.1)                # dt in ms
    lif = nc.LIF(tau_mem=20.0, v_rest=-49.0, v_reset=-60.0, v_th=-50.0, refractory=5.0,
                 receptors={"exc": nc.CurrentExp(tau=5.0), "inh": nc.CurrentExp(tau=10.0)})   # ms, mV
    exc = net.population("exc", 3200, lif, v_init=nc.Uniform(-60.0, -50.0))
    inh = net.population("inh", 800, lif, v_init=nc.Uniform(-60.0, -50.0))
    for post, first in ((exc, 1), (inh, 2)):
        net.connect(exc, post, nc.FixedProbability(0.02, seed=10 * seed + first), weight=1.62, receptor="exc")  # mV
        net.connect(inh, post, nc.FixedProbability(0.02, seed=10 * seed + first + 2), weight=-9.0, receptor="inh")
    net.probe(exc, "spikes")
    net.probe(inh, "spikes")
    net.probe(exc[:5], "v")
    return net


net = build()


def connectivity_ensemble(seeds=range(1, 7), duration: float = 1000.0) -> dict:
    """Float rates (Hz) over several connectivity draws: the network statistic the peers'
    numbers describe (BrainPy and Brian2 draw their own connectivity)."""
    rates = np.array([[r.rates(p).mean() for p in ("exc", "inh")]
                      for r in (nc.simulate(build(seed), duration) for seed in seeds)])
    return {"seeds": list(seeds), "mean": rates.mean(axis=0).tolist(), "std": rates.std(axis=0).tolist()}


if __name__ == "__main__":
    ref = nc.simulate(net, duration=1000.0)            # float reference, ms
    print(f"exc {ref.rates('exc').mean():.2f} Hz, inh {ref.rates('inh').mean():.2f} Hz")
    if "--ensemble" in sys.argv:
        e = connectivity_ensemble()
        print(f"over connectivity seeds {e['seeds']}: exc {e['mean'][0]:.2f} +- {e['std'][0]:.2f} Hz, "
              f"inh {e['mean'][1]:.2f} +- {e['std'][1]:.2f} Hz")
