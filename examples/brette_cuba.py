"""CUBA as Brette et al. (2007) specify it: benchmark 2 with two synaptic time constants.

The network of ``examples/cuba.py`` (4000 LIF neurons, 2 % connectivity, weights +1.62 mV and
-9 mV, resting potential -49 mV above the -50 mV threshold), but with the benchmark's own
synapses: excitatory currents decay with 5 ms and inhibitory ones with 10 ms, each a receptor
of its own (``receptors=``). ``examples/cuba.py`` keeps one 5 ms time constant for both (the
form the performance benchmarks use).

What you should see: asynchronous irregular firing near 5.6 Hz. BrainPy 2.8 reports 5.47 Hz
(excitatory) / 5.59 Hz (inhibitory); Brian2 2.9, 5.67 / 5.64 Hz (cython, 5 seeds) and 5.58 /
5.63 Hz (cpp_standalone, 3 seeds). Float reference and chip: the README's table (this seed:
chip 4.2 % / 2.1 % below float; over five initial-voltage seeds the chip is 1.9 % / 1.5 % below
float on average, with a seed-to-seed spread of 1.6 % / 0.5 % in float)::

    neurocompile build examples/brette_cuba.py --target emu --duration 1000

Reference: R. Brette et al., J. Comput. Neurosci. 23:349-398 (2007), benchmark 2.
"""
import neurocompile as nc

net = nc.Network("brette_cuba", dt=0.1)                # dt in ms
lif = nc.LIF(tau_mem=20.0, v_rest=-49.0, v_reset=-60.0, v_th=-50.0, refractory=5.0,
             receptors={"exc": nc.CurrentExp(tau=5.0), "inh": nc.CurrentExp(tau=10.0)})   # ms, mV
exc = net.population("exc", 3200, lif, v_init=nc.Uniform(-60.0, -50.0))
inh = net.population("inh", 800, lif, v_init=nc.Uniform(-60.0, -50.0))
for post, seed in ((exc, 1), (inh, 2)):
    net.connect(exc, post, nc.FixedProbability(0.02, seed=seed), weight=1.62, receptor="exc")   # mV
    net.connect(inh, post, nc.FixedProbability(0.02, seed=seed + 2), weight=-9.0, receptor="inh")
net.probe(exc, "spikes")
net.probe(inh, "spikes")
net.probe(exc[:5], "v")

if __name__ == "__main__":
    ref = nc.simulate(net, duration=1000.0)            # float reference, ms
    print(f"exc {ref.rates('exc').mean():.2f} Hz, inh {ref.rates('inh').mean():.2f} Hz")
