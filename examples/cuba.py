"""CUBA: the Vogels–Abbott network as benchmark 2 of Brette et al. (2007).

4000 current-based LIF neurons (3200 excitatory, 800 inhibitory), each pair connected with
probability 2 %, exponential synaptic currents (tau_syn 5 ms), no external input: the recurrent
excitation alone keeps the network active because the resting potential (-49 mV) sits above the
threshold (-50 mV). One synaptic time constant serves both excitation and inhibition (the form
the performance benchmarks use); Brette et al. use 10 ms for inhibition, which
``examples/brette_cuba.py`` writes with two receptors. Weights are in mV (Brian2's CUBA
convention: currents already multiplied by the membrane resistance): +1.62 mV excitatory,
-9 mV inhibitory. Time step dt = 0.1 ms.

What you should see: asynchronous irregular firing around 13 Hz. Measured with the float
reference: 13.49 Hz excitatory and 12.97 Hz inhibitory over 1000 ms (13.34 Hz and 13.03 Hz over
the 200 ms that ``neurocompile build`` runs by default); the excitatory inter-spike intervals
have a mean coefficient of variation of 0.35::

    neurocompile build examples/cuba.py --target emu --duration 1000

or from Python::

    import neurocompile as nc
    from examples.cuba import net          # or runpy / importlib
    ref = nc.simulate(net, duration=1000.0)
    print(ref.rates("exc").mean())         # ~13.5 Hz

Reference: R. Brette et al., "Simulation of networks of spiking neurons: A review of tools and
strategies", J. Comput. Neurosci. 23:349-398 (2007), benchmark 2 (CUBA), after T. P. Vogels and
L. F. Abbott, J. Neurosci. 25:10786-10795 (2005).
"""
import neurocompile as nc

net = nc.Network("cuba", dt=0.1)                       # dt in ms
lif = nc.LIF(tau_mem=20.0, tau_syn=5.0, v_rest=-49.0, v_reset=-60.0,
             v_th=-50.0, refractory=5.0)                # ms, mV
exc = net.population("exc", 3200, lif, v_init=nc.Uniform(-60.0, -50.0))
inh = net.population("inh", 800, lif, v_init=nc.Uniform(-60.0, -50.0))
net.connect(exc, exc, nc.FixedProbability(0.02, seed=1), weight=1.62, delay=0.1)
net.connect(exc, inh, nc.FixedProbability(0.02, seed=2), weight=1.62)
net.connect(inh, exc, nc.FixedProbability(0.02, seed=3), weight=-9.0)
net.connect(inh, inh, nc.FixedProbability(0.02, seed=4), weight=-9.0)
net.probe(exc, "spikes")
net.probe(exc[:5], "v")

if __name__ == "__main__":
    ref = nc.simulate(net, duration=1000.0)            # float reference, ms
    print(f"exc {ref.rates('exc').mean():.2f} Hz, inh {ref.rates('inh').mean():.2f} Hz")
