"""Short-term plasticity: a depressing and a facilitating synapse (Tsodyks–Markram).

One presynaptic neuron fires a regular train of 8 spikes at 20 Hz and a recovery spike 500 ms
after the train's first spike; it reaches two LIF neurons (threshold out of reach, so they show
their postsynaptic potentials), one through a depressing synapse (U = 0.5, tau_rec = 800 ms:
a neocortical pyramidal-to-pyramidal connection) and one through a facilitating synapse
(U = 0.15, tau_rec = 130 ms, tau_fac = 530 ms: pyramidal-to-interneuron), the parameter sets of
Markram, Wang & Tsodyks (1998). The synapses are exponential currents (3 ms) of a receptor
(``receptors=``), whose element keeps the fine resolution the efficacy-scaled weights need.

What you should see (``python examples/stp.py``): the depressing PSPs shrink to 0.11 of the
first by the 8th spike and have recovered to only 0.22 at the recovery spike; the facilitating
ones grow to 1.8 times the first and, with the resources back but the facilitation not yet
decayed, reach 2.6 times at the recovery spike. The chip's PSPs follow the float ones within
2 % of the largest PSP (numbers in the README's table)::

    neurocompile build examples/stp.py --target emu --duration 600

Reference: H. Markram, Y. Wang and M. Tsodyks, "Differential signaling via the same axon of
neocortical pyramidal neurons", PNAS 95:5323-5328 (1998); M. Tsodyks and H. Markram, PNAS
94:719-723 (1997).
"""
from __future__ import annotations

import numpy as np

import neurocompile as nc

DT = 0.1
TRAIN_MS = 1.0 + 50.0 * np.arange(8)            # 20 Hz
SPIKES_MS = np.append(TRAIN_MS, 501.0)         # and a recovery spike
DURATION_MS = 600.0
SYNAPSES = {"depressing": nc.TsodyksMarkram(U=0.5, tau_rec=800.0),
            "facilitating": nc.TsodyksMarkram(U=0.15, tau_rec=130.0, tau_fac=530.0)}
WEIGHT_MV = {"depressing": 4.0, "facilitating": 6.0}

net = nc.Network("stp", dt=DT)
pre = net.population("pre", 1, nc.SpikeTrains(SPIKES_MS, np.zeros(SPIKES_MS.size, dtype=int)))
for label, stp in SYNAPSES.items():
    post = net.population(label, 1, nc.LIF(tau_mem=20.0, v_rest=-70.0, v_reset=-70.0, v_th=0.0,
                                           receptors={"ampa": nc.CurrentExp(tau=3.0)}))  # ms, mV
    net.connect(pre, post, nc.AllToAll(), weight=WEIGHT_MV[label], stp=stp)
    net.probe(post, "v")


def psp_amplitudes(result, population: str) -> np.ndarray:
    """Each spike's PSP: the largest rise of v within 15 ms after its arrival, mV."""
    v = result.trace(population, "v")[:, 0]
    out = []
    for t in SPIKES_MS:
        start = int(round(t / DT)) + 1  # the spike arrives one step (the delay) later
        out.append(float(v[start:start + int(15 / DT)].max() - v[start - 1]))
    return np.array(out)


def evaluate(target: str = "emu") -> dict:
    """PSP amplitudes (mV) in float and on the chip, per synapse type, and the chip's largest
    error relative to the float's largest PSP."""
    ref = nc.simulate(net, DURATION_MS)
    chip = nc.compile(net, target).run(DURATION_MS)
    out = {}
    for label in SYNAPSES:
        f, c = psp_amplitudes(ref, label), psp_amplitudes(chip, label)
        out[label] = {"float": f, "chip": c, "max_rel_error": float(np.max(np.abs(c - f)) / f.max())}
    return out


if __name__ == "__main__":
    for label, r in evaluate().items():
        print(f"{label:12s} float PSP / first: {np.round(r['float'] / r['float'][0], 3)}")
        print(f"{'':12s} chip  PSP / first: {np.round(r['chip'] / r['chip'][0], 3)}"
              f"   (largest error {r['max_rel_error']:.1%} of the largest PSP)")
