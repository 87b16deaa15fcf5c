"""Song, Miller & Abbott (2000) STDP in Brian2 and in our float reference, side by side.

Runs the network of ``examples/stdp_song2000.py`` (one conductance LIF, 1000 plastic
excitatory Poisson inputs with additive STDP, 200 fixed inhibitory ones at 10 Hz, dt 0.1 ms)
for each input rate and seed, in our float reference (``nc.simulate``) and written
independently in Brian2 (cpp_standalone, one subprocess per run), and prints one table:
simulator, input rate, seed, output rate over the last tenth and the last half of the run,
the fractions of final weights below 0.1 g_max and above 0.9 g_max, and the ratio of the output
rates at the highest and the lowest input rate; then the Kolmogorov-Smirnov distance between
Brian2's and our final weights per input rate and seed.

The Brian2 model follows the rule of :mod:`neurocompile.reference.plasticity` term by term:
all-to-all traces (per synapse, event-driven, which for additive traces equals one trace per
neuron), on a presynaptic spike the conductance jumps by the weight it finds, then
``w <- clip(w - A_minus w_max y_post, 0, w_max)`` and ``x_pre += 1``; on a postsynaptic
spike ``w <- clip(w + A_plus w_max x_pre, 0, w_max)`` and ``y_post += 1``; Brian2 runs the
presynaptic pathway before the postsynaptic one within a step, so a pair in one step counts
as pre before post, as in ours. Inputs of step ``k`` act on the membrane from step ``k + 1``
in both (ours: delay of one step; Brian2: synapses act after the state update). The membrane
is integrated by ``--method`` (default rk4; ours holds each conductance at its exact mean over
the step, so the two differ by the integrators' O(dt^2) errors only). Inhibition is a
``PoissonInput`` (the binomial count of 200 Bernoulli trains, the same distribution).

Brian2 runs under this interpreter if it has brian2, or ``--brian2-python`` (a venv with
``pip install brian2 'numpy<2.4'``); it needs a C++ compiler. Slow: run it niced::

    nice -n 19 python bench/song_peer.py --brian2-python /work/venv_brian2/bin/python \\
        --seconds 1000 --seeds 1 2
    python bench/song_peer.py --seconds 200 --only brian2   # Brian2 side alone

Measured (6000 s, Brian2 2.9.0 rk4, seeds 1-5): input 10 Hz gives 12.3-13.3 Hz output over the
last tenth, 20 Hz gives 14.9-15.9 Hz; the ratio 20/10 Hz is 1.13-1.26 (mean 1.21; last half 1.17-1.27),
78-83 % of the weights within 10 % of a bound: the same as our float reference's 6000 s runs
(12.62 and 15.35 Hz, ratio 1.22-1.27). The paper's model with these parameters does not hold
the output rate within 20 % from 10 to 20 Hz input.

``--save FILE`` writes every run's summary and final weights as JSON. ``--same-inputs`` checks
the two models step by step instead: both run on one drawn set of input spike trains with the
same initial weights, and the table gives their output spike counts, how many of ours fall in
the same step as one of Brian2's and within one step of one, and the largest final weight
difference (the integrators differ by O(dt^2), which moves a threshold crossing by a step now
and then; Brian2's exponential_euler, which holds each conductance at its value at the step's
start, fires noticeably more at 10 Hz input than rk4 and ours)::

    python bench/song_peer.py --same-inputs --seconds 20 --brian2-python /work/venv_brian2/bin/python
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "stdp_song2000.py"
G_MAX = 0.015   # g_L
NEAR = 0.1      # "near a bound": within 10 % of g_max

#: The Brian2 run: argv = input rate (Hz), seed, duration (s), method, build directory and
#: optionally an .npz of given inputs (``exc_step``, ``exc_index``, ``inh_step``, ``inh_index``;
#: initial weights ``w0``, g_L) that replace the Poisson inputs and the random initial weights.
#: Prints one JSON line: output spike times (s), final weights (g_L, by input index), the
#: run's wall seconds (without code generation and compilation), Brian2's version.
BRIAN2 = r'''
import json, sys
import numpy as np
import brian2 as b2
from brian2 import ms, mV, Hz, second
rate, seed, seconds, method, directory = float(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4], sys.argv[5]
given = np.load(sys.argv[6]) if len(sys.argv) > 6 else None
b2.set_device("cpp_standalone", directory=directory, build_on_run=False)
b2.defaultclock.dt = 0.1 * ms
b2.seed(seed)
ns = dict(taum=20 * ms, El=-70 * mV, Vr=-60 * mV, Vt=-54 * mV, Eex=0 * mV, Ein=-70 * mV,
          taue=5 * ms, taui=5 * ms, gmax=0.015, gin=0.05, taup=20 * ms, taum_stdp=20 * ms,
          Ap=0.005, Am=1.05 * 0.005)
neuron = b2.NeuronGroup(1, """dv/dt = (El - v + gex * (Eex - v) + gin_tot * (Ein - v)) / taum : volt
                              dgex/dt = -gex / taue : 1
                              dgin_tot/dt = -gin_tot / taui : 1""",
                        threshold="v >= Vt", reset="v = Vr", method=method, namespace=ns)
neuron.v = ns["El"]
if given is None:
    exc = b2.PoissonGroup(1000, rate * Hz)
    inputs = [b2.PoissonInput(neuron, "gin_tot", 200, 10 * Hz, weight=ns["gin"])]
else:
    exc = b2.SpikeGeneratorGroup(1000, given["exc_index"], given["exc_step"] * b2.defaultclock.dt)
    inh = b2.SpikeGeneratorGroup(200, given["inh_index"], given["inh_step"] * b2.defaultclock.dt)
    inh_syn = b2.Synapses(inh, neuron, on_pre="gin_tot_post += gin", namespace=ns)
    inh_syn.connect()
    inputs = [inh, inh_syn]
syn = b2.Synapses(exc, neuron,
                  """w : 1
                     dx/dt = -x / taup : 1 (event-driven)
                     dy/dt = -y / taum_stdp : 1 (event-driven)""",
                  on_pre="""gex_post += w
                            w = clip(w - Am * gmax * y, 0, gmax)
                            x += 1""",
                  on_post="""w = clip(w + Ap * gmax * x, 0, gmax)
                             y += 1""", namespace=ns)
syn.connect()  # all to all onto one neuron: synapse k is input k's
syn.w = "rand() * gmax" if given is None else given["w0"]
spikes = b2.SpikeMonitor(neuron)
net = b2.Network(neuron, exc, syn, spikes, *inputs)
net.run(seconds * second)
b2.device.build(directory=directory, compile=True, run=True, debug=False)
weights = np.empty(1000)
weights[syn.i[:]] = syn.w[:]
print(json.dumps({"spikes_s": (spikes.t / second).tolist(), "weights": weights.tolist(),
                  "wall_s": b2.device._last_run_time, "version": b2.__version__}))
'''


def summary(spike_s: np.ndarray, weights: np.ndarray, seconds: float) -> dict:
    """Output rates (Hz) over the last tenth and the last half of a run of ``seconds`` s from
    its spike times ``spike_s`` (s), and the fractions of ``weights`` (g_L) near 0 and g_max."""
    w = np.asarray(weights) / G_MAX
    spike_s = np.asarray(spike_s)
    return {"rate_tenth": float(np.sum(spike_s >= 0.9 * seconds) / (0.1 * seconds)),
            "rate_half": float(np.sum(spike_s >= 0.5 * seconds) / (0.5 * seconds)),
            "near_0": float(np.mean(w < NEAR)), "near_max": float(np.mean(w > 1 - NEAR)),
            "weights": np.asarray(weights, dtype=float)}


def ks_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Largest distance between the empirical distribution functions of ``a`` and ``b``."""
    grid = np.sort(np.concatenate([a, b]))
    return float(np.max(np.abs(np.searchsorted(np.sort(a), grid, side="right") / a.size
                               - np.searchsorted(np.sort(b), grid, side="right") / b.size)))


def song_network(rate: float, seed: int) -> tuple:
    """The example's network at input ``rate`` Hz with network seed ``seed``, and its plastic
    projection (``examples/stdp_song2000.py``'s ``song_network``)."""
    spec = importlib.util.spec_from_file_location("stdp_song2000", EXAMPLE)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    return example.song_network(rate, seed=seed)


def run_float(rate: float, seed: int, seconds: float, inputs: dict | None = None) -> dict:
    """Our float reference at input ``rate`` Hz, network seed ``seed``, for ``seconds`` s of
    simulated time (``inputs``: spike rasters of ``exc`` and ``inh`` replacing the Poisson
    draws, as ``nc.simulate``'s): :func:`summary` plus the wall time (s), the output spike
    times (s) and the initial weights (g_L)."""
    import neurocompile as nc

    network, proj = song_network(rate, seed)
    initial = proj.weights.data.copy()  # CSR rows are the inputs: one synapse per input, in order
    start = time.perf_counter()
    result = nc.simulate(network, seconds * 1000.0, inputs=inputs)
    wall = time.perf_counter() - start
    spike_s = result.spike_times("neuron")[0] * 1e-3
    return dict(summary(spike_s, result.weights(proj).data, seconds), wall_s=wall, spikes_s=spike_s,
                initial=initial)


def run_brian2(python: str, rate: float, seed: int, seconds: float, method: str, given: str | None = None) -> dict:
    """The Brian2 model (:data:`BRIAN2`) under interpreter ``python`` at input ``rate`` Hz,
    Brian2 seed ``seed``, for ``seconds`` s (``given``: an .npz of inputs and initial weights,
    see :data:`BRIAN2`): :func:`summary` plus the wall time of the run (s, without code
    generation and compilation), the output spike times (s) and Brian2's version."""
    with tempfile.TemporaryDirectory(prefix="song_brian2_") as directory:
        argv = [python, "-c", BRIAN2, str(rate), str(seed), str(seconds), method, directory] + ([given] if given else [])
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"Brian2 run failed (rate {rate} Hz, seed {seed}):\n{done.stderr[-3000:]}")
    out = json.loads(done.stdout.strip().splitlines()[-1])
    return dict(summary(out["spikes_s"], out["weights"], seconds), wall_s=out["wall_s"],
                spikes_s=np.asarray(out["spikes_s"]), version=out["version"])


def same_inputs(python: str, rate: float, seconds: float, method: str, seed: int = 1) -> dict:
    """Both simulators on one drawn set of input spike trains (Bernoulli per step: ``rate`` Hz
    excitatory, 10 Hz inhibitory; numpy seed ``seed``) and the same initial weights, for
    ``seconds`` s: the output spike counts, how many leading output spikes fall in the same
    step and within one step of one of Brian2's, and the largest difference of the final weights
    in units of g_max."""
    steps, dt_s = int(round(seconds * 1e4)), 1e-4
    rng = np.random.default_rng(seed)
    exc, inh = np.zeros((steps, 1000), bool), np.zeros((steps, 200), bool)
    for start in range(0, steps, 10000):  # in blocks: no float array of the whole run
        block = slice(start, min(start + 10000, steps))
        exc[block] = rng.random(exc[block].shape) < rate * dt_s
        inh[block] = rng.random(inh[block].shape) < 10.0 * dt_s
    ours = run_float(rate, seed, seconds, inputs={"exc": exc, "inh": inh})
    exc_step, exc_index = np.nonzero(exc)
    inh_step, inh_index = np.nonzero(inh)
    with tempfile.TemporaryDirectory(prefix="song_inputs_") as directory:
        given = str(Path(directory) / "inputs.npz")
        np.savez(given, exc_step=exc_step, exc_index=exc_index, inh_step=inh_step, inh_index=inh_index,
                 w0=ours["initial"])
        theirs = run_brian2(python, rate, seed, seconds, method, given)
    a, b = (np.rint(r["spikes_s"] / dt_s).astype(np.int64) for r in (ours, theirs))
    return {"ours": a.size, "brian2": b.size, "same_step": int(np.isin(a, b).sum()),
            "within_1": int(np.isin(a, np.concatenate([b - 1, b, b + 1])).sum()),
            "max_dw": float(np.max(np.abs(ours["weights"] - theirs["weights"])) / G_MAX)}


def print_table(runs: dict, rates: list) -> None:
    """One row per (simulator, rate, seed) and the ratio of the output rates at the highest
    and lowest input rate per (simulator, seed); ``runs[(simulator, rate, seed)] = summary``."""
    print(f"{'simulator':16} {'input Hz':>8} {'seed':>4} {'out Hz last 1/10':>16} {'out Hz last 1/2':>15} "
          f"{'w<0.1':>6} {'w>0.9':>6} {'wall s':>7}")
    for (sim, rate, seed), s in runs.items():
        print(f"{sim:16} {rate:8g} {seed:4d} {s['rate_tenth']:16.2f} {s['rate_half']:15.2f} "
              f"{s['near_0']:6.1%} {s['near_max']:6.1%} {s['wall_s']:7.0f}")
    low, high = min(rates), max(rates)
    if low == high:
        return
    print(f"\nratio of output rates, input {high:g} / {low:g} Hz (last tenth, last half):")
    for sim, seed in sorted({(sim, seed) for sim, _, seed in runs}):
        a, b = runs.get((sim, low, seed)), runs.get((sim, high, seed))
        if a and b:
            print(f"  {sim:16} seed {seed}: {b['rate_tenth'] / max(a['rate_tenth'], 1e-9):.3f}  "
                  f"{b['rate_half'] / max(a['rate_half'], 1e-9):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--brian2-python", help="interpreter with brian2 (default: this one if it has brian2)")
    parser.add_argument("--rates", type=float, nargs="+", default=[10.0, 20.0], help="input rates, Hz")
    parser.add_argument("--seconds", type=float, default=1000.0, help="simulated time per run, s")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1], help="seeds (ours: network seed)")
    parser.add_argument("--method", default="rk4", help="Brian2 integration method for the membrane")
    parser.add_argument("--only", choices=("float", "brian2"), help="run one simulator only")
    parser.add_argument("--save", help="write every run's summary and final weights to this JSON file")
    parser.add_argument("--same-inputs", action="store_true",
                        help="instead: both simulators on the same drawn inputs and initial weights (the first seed)")
    args = parser.parse_args()
    if args.brian2_python is None and importlib.util.find_spec("brian2") is not None:
        args.brian2_python = sys.executable
    if args.same_inputs:
        if not args.brian2_python:
            raise SystemExit("--same-inputs needs Brian2 (--brian2-python)")
        print(f"Same inputs and initial weights, {args.seconds:g} s, Brian2 {args.method}, seed {args.seeds[0]}")
        print(f"{'input Hz':>8} {'out spikes ours':>15} {'Brian2':>7} {'same step':>9} {'within 1 step':>13} "
              f"{'max |dw| / g_max':>16}")
        for rate in args.rates:
            c = same_inputs(args.brian2_python, rate, args.seconds, args.method, args.seeds[0])
            print(f"{rate:8g} {c['ours']:15d} {c['brian2']:7d} {c['same_step']:9d} {c['within_1']:13d} "
                  f"{c['max_dw']:16.1e}")
        return
    runs: dict = {}
    for seed in args.seeds:
        for rate in args.rates:
            if args.only != "brian2":
                runs[("neurocompile", rate, seed)] = run_float(rate, seed, args.seconds)
            if args.only != "float" and args.brian2_python:
                runs[(f"Brian2 {args.method}", rate, seed)] = run_brian2(args.brian2_python, rate, seed,
                                                                        args.seconds, args.method)
    print(f"Song et al. 2000, {args.seconds:g} s per run, dt 0.1 ms")
    print_table(runs, args.rates)
    pairs = [(rate, seed) for (sim, rate, seed) in runs if sim == "neurocompile"
             and (f"Brian2 {args.method}", rate, seed) in runs]
    if pairs:
        print("\nKS distance of the final weights, Brian2 vs neurocompile:")
        for rate, seed in pairs:
            ks = ks_distance(runs[("neurocompile", rate, seed)]["weights"],
                             runs[(f"Brian2 {args.method}", rate, seed)]["weights"])
            print(f"  input {rate:g} Hz, seed {seed}: {ks:.3f}")
    if args.save:
        Path(args.save).write_text(json.dumps(
            [dict({k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in s.items() if k != "initial"},
                  simulator=sim, input_hz=rate, seed=seed, seconds=args.seconds)
             for (sim, rate, seed), s in runs.items()]))


if __name__ == "__main__":
    main()
