"""COBA: the Vogels–Abbott network with conductance synapses (Brette et al. 2007, benchmark 1).

4000 LIF neurons (3200 excitatory, 800 inhibitory), each pair connected with probability 2 %.
Synapses are conductances in units of the leak conductance (Brian2's and BrainPy's convention):
an excitatory spike opens ``g_exc += 0.6`` (6 nS on a 10 nS leak), reversal 0 mV, decay 5 ms;
an inhibitory one ``g_inh += 6.7`` (67 nS), reversal -80 mV, decay 10 ms. Every neuron gets a
constant drive of 20 mV (``bias``), the parameters of BrainPy's COBA example. dt = 0.1 ms.

What you should see: asynchronous irregular firing near 21 Hz. BrainPy 2.8 reports 20.8 Hz
(excitatory) / 21.3 Hz (inhibitory); Brian2 2.9 with these parameters 22.0 / 21.7 Hz (cython,
5 seeds) and 21.3 / 21.5 Hz (cpp_standalone, 3 seeds). The float reference and the chip are
in the README's table of validated examples::

    neurocompile build examples/coba.py --target emu --duration 1000

Reference: T. P. Vogels and L. F. Abbott, J. Neurosci. 25:10786-10795 (2005); R. Brette et al.,
J. Comput. Neurosci. 23:349-398 (2007), benchmark 1.
"""
import neurocompile as nc

net = nc.Network("coba", dt=0.1)                       # dt in ms
lif = nc.LIF(tau_mem=20.0, v_rest=-60.0, v_reset=-60.0, v_th=-50.0, refractory=5.0, bias=20.0,
             receptors={"exc": nc.CondExp(tau=5.0, E_rev=0.0),       # ms, mV
                        "inh": nc.CondExp(tau=10.0, E_rev=-80.0)})
exc = net.population("exc", 3200, lif, v_init=nc.Uniform(-60.0, -50.0))
inh = net.population("inh", 800, lif, v_init=nc.Uniform(-60.0, -50.0))
for post, seed in ((exc, 1), (inh, 2)):
    net.connect(exc, post, nc.FixedProbability(0.02, seed=seed), weight=0.6, receptor="exc")   # x g_L
    net.connect(inh, post, nc.FixedProbability(0.02, seed=seed + 2), weight=6.7, receptor="inh")
net.probe(exc, "spikes")
net.probe(inh, "spikes")
net.probe(exc[:5], "v")
net.probe(exc[:5], "g_exc")

if __name__ == "__main__":
    ref = nc.simulate(net, duration=1000.0)            # float reference, ms
    print(f"exc {ref.rates('exc').mean():.2f} Hz, inh {ref.rates('inh').mean():.2f} Hz")
