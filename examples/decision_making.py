"""Two-choice decision making: the spiking network of Wang (2002), AMPA, NMDA and GABA_A.

2000 LIF neurons as in the paper: 1600 excitatory (two selective groups A and B of 240, i.e.
f = 0.15 each, and 1120 non-selective) and 400 inhibitory, connected all to all. Parameters
(Wang 2002, Methods): excitatory C = 0.5 nF, g_L = 25 nS; inhibitory 0.2 nF, 20 nS; rest
-70 mV, threshold -50 mV, reset -55 mV, refractory 2 / 1 ms. Receptors: AMPA (2 ms, 0 mV),
NMDA (rise 2 ms, decay 100 ms, alpha 0.5/ms, Mg 1 mM, 0 mV) and GABA_A (5 ms, -70 mV).
Peak conductances onto excitatory / inhibitory cells in nS: external AMPA 2.1 / 1.62,
recurrent AMPA 0.05 / 0.04, NMDA 0.165 / 0.13, GABA 1.3 / 1.0. Within a selective group the
excitatory weights are w+ = 1.7, from the other selective group and the non-selective one
w- = 1 - f (w+ - 1) / (1 - f). Recurrent delays 0.5 ms. neurocompile's LIF takes
conductances in units of its leak conductance, so every weight is divided by g_L.

Inputs: each neuron receives 2.4 kHz of background Poisson input through AMPA (800
external cells at 3 Hz); from ``STIMULUS_ON_MS`` for ``STIMULUS_MS`` the neurons of A and B
receive Poisson input at ``mu0 (1 + c)`` and ``mu0 (1 - c)`` Hz (mu0 = 40 Hz, c the
coherence), each rate redrawn every 50 ms with a standard deviation of 4 Hz. A neuron's
background arrives through ``BACKGROUND_SOURCES`` sources (one spike per source and step at
most): a trial's rasters split a Poisson count per neuron and step over them, so the input is
Poisson exactly (up to P(count > 4) = 6e-6 per step). The choice of a trial is the group
with the higher rate in the last 300 ms of the stimulus; A is correct for c > 0.

The network is compiled once. Every trial draws its input spikes on the host from its seed
and gives the same rasters to the float reference and to the chip (``inputs=``), so a trial
can be compared one to one. The chip's receptor registers are sized on two float calibration
trials (``ranges=``), whose peaks are far below the worst case of 1600 inputs firing at once:
this keeps 7-8 mantissa bits in the small recurrent weights, and the scale is chosen so that
each uniform block's weight rounds well (errors of 0.005 % instead of up to 2.5 %). That
matters: the spontaneous state of this network is sensitive (its rates moved by 20-35 % on
the chip for a 0.2 % stronger inhibition or a 2 % slower membrane), and with both fixed they
agree within their trial-to-trial spread (README).

What you should see (``python examples/decision_making.py``, 20 trials per coherence, about
20 min; the README's numbers are 100 trials per coherence with 95 % Wilson intervals)::

    coherence    0.0%   3.2%   6.4%  12.8%  25.6%  51.2%   (fraction of trials choosing A)
    float         50%    61%    72%    87%   100%   100%
    chip          43%    59%    71%    83%    99%   100%

The intervals overlap at every coherence; with the same inputs 7.5 % of the trials end with
the other choice on the chip, in both directions alike (paired McNemar test p >= 0.12). The
winner fires at 16 Hz (0 %) to 33 Hz (51.2 %) at the end of the stimulus, the loser at 6 to
2 Hz; the chip's winners 1-2 Hz faster at low coherence.

Build it: ``neurocompile build examples/decision_making.py --target emu --validate 500``
(background only and an unbiased stimulus, with the worst-case register sizing of ``build``).

Reference: X.-J. Wang, "Probabilistic decision making by slow reverberation in cortical
circuits", Neuron 36:955-968 (2002).
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np
import scipy.sparse as sp
from scipy.stats import binom

import neurocompile as nc

DT = 0.1                                   # ms
N_EXC, N_INH, SELECTIVE_FRACTION = 1600, 400, 0.15
N_SELECTIVE = int(SELECTIVE_FRACTION * N_EXC)   # 240 in A and in B
N_NONSELECTIVE = N_EXC - 2 * N_SELECTIVE        # 1120
GROUP_SIZES = {"A": N_SELECTIVE, "B": N_SELECTIVE, "NS": N_NONSELECTIVE, "I": N_INH}
W_PLUS = 1.7
W_MINUS = 1.0 - SELECTIVE_FRACTION * (W_PLUS - 1.0) / (1.0 - SELECTIVE_FRACTION)
G_LEAK = {"exc": 25.0, "inh": 20.0}        # nS
G_PEAK = {"external": {"exc": 2.1, "inh": 1.62}, "ampa": {"exc": 0.05, "inh": 0.04},  # nS
          "nmda": {"exc": 0.165, "inh": 0.13}, "gaba": {"exc": 1.3, "inh": 1.0}}
DELAY_MS = 0.5
BACKGROUND_HZ = 2400.0                      # per neuron: 800 external cells at 3 Hz
BACKGROUND_SOURCES = 4                      # sources per neuron carrying it
MU0_HZ, SIGMA_HZ, RESAMPLE_MS = 40.0, 4.0, 50.0
STIMULUS_ON_MS, STIMULUS_MS = 300.0, 1000.0
TRIAL_MS = STIMULUS_ON_MS + STIMULUS_MS
DECISION_WINDOW_MS = 300.0                  # the choice: higher rate in the stimulus's last 300 ms
COHERENCES = (0.0, 0.032, 0.064, 0.128, 0.256, 0.512)
CALIBRATION_TRIALS = 2


def _cell_type(group: str) -> str:
    return "inh" if group == "I" else "exc"


def _structure(pre: str, post: str) -> float:
    """Wang's structured excitatory weights: w+ within a selective group, w- into a selective
    group from the other one and from the non-selective group, 1 otherwise."""
    if pre in ("A", "B") and post == pre:
        return W_PLUS
    if post in ("A", "B") and pre in ("A", "B", "NS"):
        return W_MINUS
    return 1.0


def _receptors() -> dict:
    return {"ampa": nc.CondExp(tau=2.0, E_rev=0.0),                               # ms, mV
            "nmda": nc.NMDA(tau_rise=2.0, tau_decay=100.0, alpha=0.5, E_rev=0.0, mg=1.0),
            "gaba": nc.CondExp(tau=5.0, E_rev=-70.0)}


def build(seed: int = 0, coherence: float = 0.0) -> nc.Network:
    """The network, with Poisson sources at constant rates (background, and the stimulus of
    ``coherence`` without its 50 ms fluctuations); trials replace their spikes (:func:`trial_inputs`)."""
    net = nc.Network("decision_making", dt=DT, seed=seed)
    models = {"exc": nc.LIF(tau_mem=20.0, v_rest=-70.0, v_reset=-55.0, v_th=-50.0, refractory=2.0,
                            receptors=_receptors()),      # C / g_L = 0.5 nF / 25 nS = 20 ms
              "inh": nc.LIF(tau_mem=10.0, v_rest=-70.0, v_reset=-55.0, v_th=-50.0, refractory=1.0,
                            receptors=_receptors())}      # 0.2 nF / 20 nS
    groups = {}
    for name, size in GROUP_SIZES.items():
        cell = _cell_type(name)
        groups[name] = net.population(name, size, models[cell], v_init=nc.Uniform(-60.0, -50.0))
        background = net.poisson(f"background_{name}", size * BACKGROUND_SOURCES,
                                 BACKGROUND_HZ / BACKGROUND_SOURCES)
        sources = np.arange(size * BACKGROUND_SOURCES)   # source k feeds neuron k // BACKGROUND_SOURCES
        fan_in = sp.csr_matrix((np.ones(sources.size), (sources, sources // BACKGROUND_SOURCES)),
                               shape=(sources.size, size))
        net.connect(background, groups[name], nc.Explicit(fan_in),
                    weight=G_PEAK["external"][cell] / G_LEAK[cell], receptor="ampa")
    for name, sign in (("A", 1.0), ("B", -1.0)):
        stimulus = net.poisson(f"stimulus_{name}", N_SELECTIVE, MU0_HZ * (1.0 + sign * coherence),
                               start=STIMULUS_ON_MS, stop=TRIAL_MS)
        net.connect(stimulus, groups[name], nc.OneToOne(),
                    weight=G_PEAK["external"]["exc"] / G_LEAK["exc"], receptor="ampa")
    # every (pre, post) pair of groups is one uniform all-to-all block per receptor, the form
    # whose NMDA gates the emulator delivers in O(pre + post) per step
    for pre in ("A", "B", "NS"):
        for post, group in groups.items():
            cell = _cell_type(post)
            for receptor in ("ampa", "nmda"):
                net.connect(groups[pre], group, nc.AllToAll(), receptor=receptor, delay=DELAY_MS,
                            weight=_structure(pre, post) * G_PEAK[receptor][cell] / G_LEAK[cell])
    for post, group in groups.items():
        cell = _cell_type(post)
        net.connect(groups["I"], group, nc.AllToAll(), receptor="gaba", delay=DELAY_MS,
                    weight=G_PEAK["gaba"][cell] / G_LEAK[cell])
    for group in groups.values():
        net.probe(group, "spikes")
    return net


def trial_inputs(coherence: float, seed: int, duration: float = TRIAL_MS) -> dict:
    """The spike rasters of one trial (``inputs=`` of ``nc.simulate`` / ``Program.run``):
    Poisson background split over each neuron's sources, and the fluctuating stimulus."""
    rng = np.random.default_rng(seed)
    n_steps = int(round(duration / DT))
    rasters = {}
    for name, size in GROUP_SIZES.items():
        counts = rng.poisson(BACKGROUND_HZ * DT * 1e-3, size=(n_steps, size))
        raster = np.zeros((n_steps, size * BACKGROUND_SOURCES), dtype=bool)
        for slot in range(BACKGROUND_SOURCES):  # source slot of neuron k: column k * SOURCES + slot
            raster[:, slot::BACKGROUND_SOURCES] = counts > slot
        rasters[f"background_{name}"] = raster
    first = int(round(STIMULUS_ON_MS / DT))
    last = min(n_steps, int(round(TRIAL_MS / DT)))
    per_window = int(round(RESAMPLE_MS / DT))
    n_windows = -(-(last - first) // per_window)
    for name, sign in (("A", 1.0), ("B", -1.0)):
        rate = np.zeros(n_steps)
        means = MU0_HZ * (1.0 + sign * coherence) + SIGMA_HZ * rng.standard_normal(n_windows)
        rate[first:last] = np.repeat(np.maximum(means, 0.0), per_window)[:max(0, last - first)]
        rasters[f"stimulus_{name}"] = rng.random((n_steps, N_SELECTIVE)) < (rate * DT * 1e-3)[:, None]
    return rasters


def decision_rates(result) -> tuple[float, float]:
    """Mean rates (Hz) of A and B over the last ``DECISION_WINDOW_MS`` of the stimulus."""
    stop = int(round(TRIAL_MS / DT))
    start = stop - int(round(DECISION_WINDOW_MS / DT))
    rates = []
    for name in ("A", "B"):
        steps, _ = result.spike_steps(name)
        rates.append(float(np.count_nonzero((steps >= start) & (steps < stop)))
                     / N_SELECTIVE / (DECISION_WINDOW_MS * 1e-3))
    return rates[0], rates[1]


def trial_seed(coherence: float | None, trial: int, seed: int) -> int:
    """Seed of one trial's inputs: distinct for every (coherence, trial, seed); coherence
    None: the calibration trials."""
    key = 0 if coherence is None else 1 + int(round(coherence * 10000))
    return int(np.random.SeedSequence([seed, key, trial]).generate_state(1)[0])


def compile_calibrated(net: nc.Network, target: str = "emu", seed: int = 0):
    """The chip program, its receptor registers sized on float calibration trials at the
    strongest coherence (seeds of their own, not among the evaluated trials)."""
    calibration = [nc.simulate(net, TRIAL_MS, inputs=trial_inputs(max(COHERENCES), trial_seed(None, k, seed)))
                   for k in range(CALIBRATION_TRIALS)]
    return nc.compile(net, target, ranges=calibration)


def run_trials(backend: str, trials: int, coherences=COHERENCES, seed: int = 0, target: str = "emu",
               progress: bool = False) -> dict:
    """Rates of A and B in every trial: ``{"coherences": [...], "rates": (n_coh, trials, 2)}``
    for ``backend`` "float" (the reference) or "chip" (``target``)."""
    net = build(seed)
    program = compile_calibrated(net, target, seed) if backend == "chip" else None
    rates = np.zeros((len(coherences), trials, 2))
    for i, coherence in enumerate(coherences):
        for t in range(trials):
            inputs = trial_inputs(coherence, trial_seed(coherence, t, seed))
            start = time.perf_counter()
            result = (program.run(TRIAL_MS, inputs=inputs) if program is not None
                      else nc.simulate(net, TRIAL_MS, inputs=inputs))
            rates[i, t] = decision_rates(result)
            if progress:
                print(f"{backend} c={coherence:.3f} trial {t}: A {rates[i, t, 0]:.1f} Hz, "
                      f"B {rates[i, t, 1]:.1f} Hz ({time.perf_counter() - start:.1f} s)", flush=True)
    return {"backend": backend, "coherences": list(map(float, coherences)), "rates": rates.tolist()}


def wilson_interval(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95 % Wilson score interval of a binomial proportion."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


def mcnemar_p(a_only: int, b_only: int) -> float:
    """Two-sided exact McNemar test of paired choices: the probability, if float and chip chose
    alike but for chance, of discordant trials at least as lopsided as ``a_only`` vs ``b_only``."""
    n = a_only + b_only
    if n == 0:
        return 1.0
    k = min(a_only, b_only)
    return float(min(1.0, 2.0 * binom.cdf(k, n, 0.5)))


def psychometric(runs: dict) -> dict:
    """Per coherence and backend: fraction of trials choosing A with its 95 % interval, the
    winners' and losers' mean rates. For float and chip together: whether their intervals
    overlap (``agree``), whether each fraction lies inside the other's interval (``inside``),
    McNemar's exact p-value of the paired choices (same inputs in both) and the fraction of
    trials whose choice differs."""
    out = {"coherences": runs["float"]["coherences"]}
    choices = {}
    for backend, run in runs.items():
        rates = np.asarray(run["rates"])
        chose_a = rates[:, :, 0] > rates[:, :, 1]
        choices[backend] = chose_a
        n = chose_a.shape[1]
        out[backend] = {"p_a": chose_a.mean(axis=1).tolist(),
                        "ci": [wilson_interval(int(k), n) for k in chose_a.sum(axis=1)],
                        "winner_hz": rates.max(axis=2).mean(axis=1).tolist(),
                        "loser_hz": rates.min(axis=2).mean(axis=1).tolist(), "trials": n}
    if "float" in runs and "chip" in runs:
        f, c = out["float"], out["chip"]
        eps = 1e-9  # Wilson bounds of 0 % and 100 % are 0 and 1 up to rounding
        out["agree"] = [bool(fl <= ch + eps and cl <= fh + eps) for (fl, fh), (cl, ch) in zip(f["ci"], c["ci"])]
        out["inside"] = [bool(fl - eps <= pc <= fh + eps and cl - eps <= pf <= ch + eps)
                         for pf, pc, (fl, fh), (cl, ch) in zip(f["p_a"], c["p_a"], f["ci"], c["ci"])]
        only_float = np.sum(choices["float"] & ~choices["chip"], axis=1)
        only_chip = np.sum(~choices["float"] & choices["chip"], axis=1)
        out["mcnemar_p"] = [mcnemar_p(int(a), int(b)) for a, b in zip(only_float, only_chip)]
        out["changed"] = float(np.mean(choices["float"] != choices["chip"]))
    return out


def evaluate(trials: int = 100, coherences=COHERENCES, seed: int = 0, target: str = "emu") -> dict:
    """Float and chip psychometric curves (:func:`psychometric`) over ``trials`` per coherence."""
    runs = {backend: run_trials(backend, trials, coherences, seed, target) for backend in ("float", "chip")}
    return psychometric(runs)


def _print_table(out: dict) -> None:
    print("coherence   " + " ".join(f"{c:>16.1%}" for c in out["coherences"]))
    for backend in ("float", "chip"):
        if backend in out:
            row = out[backend]
            print(f"{backend:10s}  " + " ".join(f"{p:5.0%} [{lo:4.0%},{hi:4.0%}]"
                                                for p, (lo, hi) in zip(row["p_a"], row["ci"])))
            print(f"{'  rates Hz':10s}  " + " ".join(f"{w:7.1f} / {l:<6.1f}"
                                                   for w, l in zip(row["winner_hz"], row["loser_hz"])))
    if "agree" in out:
        print("95 % intervals overlap:       " + " ".join(f"{'yes' if a else 'NO':>16s}" for a in out["agree"]))
        print("each inside the other's:      " + " ".join(f"{'yes' if a else 'no':>16s}" for a in out["inside"]))
        print("McNemar p (paired choices):   " + " ".join(f"{p:16.2f}" for p in out["mcnemar_p"]))
        print(f"trials whose choice differs between float and chip (same inputs): {out['changed']:.1%}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20, help="trials per coherence (default 20)")
    parser.add_argument("--only", choices=("float", "chip"), help="run one backend and write --out")
    parser.add_argument("--out", help="write the trial rates (JSON) here")
    parser.add_argument("--combine", nargs=2, metavar=("FLOAT.json", "CHIP.json"),
                        help="print the table of two runs written with --only/--out")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.combine:
        runs = {}
        for path in args.combine:
            run = json.load(open(path))
            runs[run["backend"]] = run
        _print_table(psychometric(runs))
        return
    backends = (args.only,) if args.only else ("float", "chip")
    runs = {b: run_trials(b, args.trials, seed=args.seed, progress=True) for b in backends}
    if args.out:
        with open(args.out, "w") as f:
            json.dump(runs[args.only] if args.only else runs, f)
    if len(runs) == 2:
        _print_table(psychometric(runs))


if __name__ == "__main__":
    main()
