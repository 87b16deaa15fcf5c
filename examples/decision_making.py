"""Two-choice decision making: winner-take-all competition between two excitatory groups.

A reduced version of the spiking decision circuit of Wang (2002): two selective excitatory
groups A and B, each exciting itself, and one shared inhibitory group that both excite and that
inhibits both. Every neuron gets background Poisson input; from 100 ms on, A and B also get a
stimulus whose rates encode the motion coherence c of a random-dot task: ``mu (1 + c)`` for A
and ``mu (1 - c)`` for B. Recurrent excitation amplifies the small difference and lateral
inhibition through the shared group suppresses the loser: one group ends up firing at a high
rate, the other nearly silent. The choice of a trial is the group with more spikes during the
stimulus; A is the correct choice for c > 0.

Many trials, one run: each trial is an independent copy of the circuit (its own A, B and
inhibitory neurons, block-diagonal connectivity, its own input noise), so ``trials x
coherences`` copies run in one simulation. Current-based LIF (currents in mV), dt = 0.1 ms.

What you should see (``python examples/decision_making.py``: 6 coherences x 40 trials,
700 ms)::

    coherence   0.0%  3.2%  6.4% 12.8% 25.6% 51.2%   (fraction of trials choosing A)
    float        42%   52%   62%   78%  100%  100%
    chip         57%   65%   65%   85%   98%  100%

Winners fire at about 45 Hz and losers at a few Hz. On the chip 13 % of the trials end with
the other choice: every input spike is the same as in float (generated on the host), but the
chip's integer arithmetic perturbs the race and trials that were close flip, at random
(at zero coherence as many A->B as B->A over 150 trials). With 40 trials per coherence that
moves the curve by up to 15 points at a single coherence (binomial noise of the flipped
trials, not a bias); the curves agree in shape: chance at 0 %, always correct at 51.2 %.

Build it: ``neurocompile build examples/decision_making.py --target emu --validate 700``.

Reference: X.-J. Wang, "Probabilistic decision making by slow reverberation in cortical
circuits", Neuron 36:955-968 (2002).
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

import neurocompile as nc

COHERENCES = (0.0, 0.032, 0.064, 0.128, 0.256, 0.512)
STIMULUS_ON_MS = 100.0
DURATION_MS = 700.0

N_SELECTIVE = 40      # neurons in A and in B, per trial
N_INHIBITORY = 20     # shared inhibitory neurons, per trial
W_SELF = 1.2          # mV, A->A and B->B (all-to-all within a group of one trial)
W_EXC_INH = 0.3       # mV, A->inh and B->inh
W_INH_EXC = -2.0      # mV, inh->A and inh->B
W_INPUT = 1.0         # mV, background synapses
BACKGROUND_HZ = 3400.0
N_STIMULUS = 4        # stimulus sources per group and trial, shared by the group's neurons
STIMULUS_HZ = 40.0    # mu: rate of each stimulus source at zero coherence
W_STIMULUS = 2.5      # mV, stimulus synapses


def _blocks(n_trials: int, n_pre: int, n_post: int, exclude_diagonal: bool = False):
    """Block-diagonal connectivity: all-to-all within each trial, nothing across trials."""
    block = np.ones((n_pre, n_post))
    if exclude_diagonal:
        np.fill_diagonal(block, 0.0)
    return nc.Explicit(sp.block_diag([sp.csr_matrix(block)] * n_trials, format="csr"))


def build(trials: int = 4, coherences=COHERENCES, seed: int = 0) -> nc.Network:
    """``trials`` copies of the circuit per coherence; trial t of coherence k is copy
    ``k * trials + t`` (neurons ``copy * N_SELECTIVE ...`` of A and B)."""
    coherences = np.asarray(coherences, dtype=np.float64)
    copies = trials * coherences.size
    coherence_of_copy = np.repeat(coherences, trials)
    net = nc.Network("decision_making", dt=0.1, seed=seed)
    lif = nc.LIF(tau_mem=20.0, tau_syn=5.0, v_rest=-70.0, v_reset=-60.0, v_th=-50.0,
                 refractory=2.0)
    groups = {}
    for name, size in (("A", N_SELECTIVE), ("B", N_SELECTIVE), ("inh", N_INHIBITORY)):
        pop = net.population(name, copies * size, lif, v_init=nc.Uniform(-70.0, -55.0))
        noise = net.poisson(f"background_{name}", copies * size, BACKGROUND_HZ)
        net.connect(noise, pop, nc.OneToOne(), weight=W_INPUT)
        groups[name] = pop
    for name, sign in (("A", 1.0), ("B", -1.0)):
        # Each group of a trial hears the same N_STIMULUS sources: their fluctuations are
        # shared by the whole group, as in a noisy sensory signal, which makes choices at low
        # coherence a matter of chance.
        rate = np.repeat(STIMULUS_HZ * (1.0 + sign * coherence_of_copy), N_STIMULUS)
        stim = net.poisson(f"stimulus_{name}", copies * N_STIMULUS, rate, start=STIMULUS_ON_MS)
        net.connect(stim, groups[name], _blocks(copies, N_STIMULUS, N_SELECTIVE), weight=W_STIMULUS)
        net.connect(groups[name], groups[name],
                    _blocks(copies, N_SELECTIVE, N_SELECTIVE, exclude_diagonal=True), weight=W_SELF)
        net.connect(groups[name], groups["inh"], _blocks(copies, N_SELECTIVE, N_INHIBITORY),
                    weight=W_EXC_INH)
        net.connect(groups["inh"], groups[name], _blocks(copies, N_INHIBITORY, N_SELECTIVE),
                    weight=W_INH_EXC)
    for name in ("A", "B"):
        net.probe(groups[name], "spikes")
    net.probe(groups["A"][:2], "v")
    return net


def choices(result, trials: int, n_coherences: int) -> np.ndarray:
    """(n_coherences, trials) boolean: True where group A fired more than B during the stimulus
    (ties, which need both groups to fire equally, count as B)."""
    first = int(round(STIMULUS_ON_MS / result.dt))
    counts = {}
    for name in ("A", "B"):
        steps, ids = result.spike_steps(name)
        per_copy = np.bincount(ids[steps >= first] // N_SELECTIVE,
                               minlength=trials * n_coherences)
        counts[name] = per_copy.reshape(n_coherences, trials)
    return counts["A"] > counts["B"]


def evaluate(trials: int = 40, coherences=COHERENCES, duration: float = DURATION_MS,
             target: str = "emu", seed: int = 0) -> dict:
    """Fraction of trials choosing A at each coherence, float and chip, and the fraction of
    trials whose choice differs between them."""
    net = build(trials=trials, coherences=coherences, seed=seed)
    ref = nc.simulate(net, duration)
    chip = nc.compile(net, target).run(duration)
    n = len(coherences)
    choice_float, choice_chip = choices(ref, trials, n), choices(chip, trials, n)
    return {"coherences": list(map(float, coherences)),
            "float": choice_float.mean(axis=1).tolist(),
            "chip": choice_chip.mean(axis=1).tolist(),
            "changed": float(np.mean(choice_float != choice_chip)),
            "rates_float": {g: float(ref.rates(g).mean()) for g in ("A", "B", "inh")},
            "rates_chip": {g: float(chip.rates(g).mean()) for g in ("A", "B", "inh")}}


if __name__ == "__main__":
    out = evaluate()
    print("coherence " + " ".join(f"{c:6.1%}" for c in out["coherences"]))
    for label in ("float", "chip"):
        print(f"{label:9s} " + " ".join(f"{a:6.1%}" for a in out[label]))
    print(f"trials whose choice differs between float and chip: {out['changed']:.1%}")
