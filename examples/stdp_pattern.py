"""A repeating spike pattern hidden in noise, found by STDP (after Masquelier, Guyonneau & Thorpe 2008).

1000 afferents fire as Poisson processes at 20 Hz. Time is cut into 50 ms slots; about one slot
in five (never two in a row) is a presentation of the pattern: afferents 0..499 then replay
one frozen 50 ms sample of the same Poisson process, while afferents 500..999 go on firing at
random. The pattern is thus invisible in any afferent's rate; only the timing repeats. One LIF
neuron (tau_m = 10 ms, current synapses of 2.5 ms, threshold 18 mV above rest) listens to all
afferents through plastic synapses starting at 0.475 w_max, with additive STDP
(A_plus = 0.01 w_max, A_minus = 0.58 A_plus, tau_plus = 16.8 ms, tau_minus = 33.7 ms: the
depression's integral is 1.16 times the potentiation's).

What you should see: the synapses of the afferents that fire early in the pattern grow to
w_max, the others fall to 0, and the neuron ends up firing during most presentations of the
pattern and (almost) never outside them. Hits (presentations with an output spike) and false
alarms (output spikes outside any presentation, per second) are counted over the last 20 s::

    python examples/stdp_pattern.py                  # the chip, seeds 1 3 5, 300 s each
    python examples/stdp_pattern.py --float          # and the float reference (slower)

The learning is a race between the pattern and chance coincidences of the noise, so its
outcome (which afferents win, how reliably the neuron fires) varies from one input seed to
another, and a chip run that rounds a weight differently can take another path than the float
run of the same seed; the example therefore reports several seeds.

Reference: T. Masquelier, R. Guyonneau and S. J. Thorpe, "Spike timing dependent plasticity
finds the start of repeating patterns in continuous spike trains", PLoS ONE 3(1):e1377 (2008).
"""
from __future__ import annotations

import argparse
import time

import numpy as np

import neurocompile as nc

DT = 0.1              # ms
N = 1000              # afferents
RATE_HZ = 20.0
PATTERN_MS = 50.0
IN_PATTERN = N // 2   # afferents 0..499 replay the pattern
EVALUATED_MS = 20000.0


def afferent_spikes(duration_ms: float, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(times, indices, starts)``: the afferents' spikes (ms, one per neuron and step at
    most) and the start of every pattern presentation (ms)."""
    rng = np.random.default_rng(seed)
    n_slots = int(duration_ms / PATTERN_MS)
    presented = np.zeros(n_slots, dtype=bool)
    slot = 1
    while slot < n_slots:  # about one slot in five, never two in a row
        if rng.random() < 0.25:
            presented[slot] = True
            slot += 2
        else:
            slot += 1
    counts = rng.poisson(RATE_HZ * PATTERN_MS / 1000.0, IN_PATTERN)
    pattern_idx = np.repeat(np.arange(IN_PATTERN), counts)
    pattern_t = rng.uniform(0.0, PATTERN_MS, pattern_idx.size)
    n = rng.poisson(RATE_HZ * duration_ms / 1000.0 * N)
    t, idx = rng.uniform(0.0, duration_ms, n), rng.integers(0, N, n)
    keep = ~(presented[(t // PATTERN_MS).astype(np.int64)] & (idx < IN_PATTERN))  # the pattern replaces them
    starts = np.flatnonzero(presented) * PATTERN_MS
    times = np.concatenate([t[keep], (starts[:, None] + pattern_t[None, :]).ravel()])
    indices = np.concatenate([idx[keep], np.tile(pattern_idx, starts.size)])
    step = np.minimum(np.floor(times / DT).astype(np.int64), int(round(duration_ms / DT)) - 1)
    key = np.unique(step * N + indices)  # a neuron spikes at most once per step
    return (key // N) * DT, key % N, starts


def pattern_network(duration_ms: float = 300000.0, seed: int = 1) -> tuple:
    """The network, its plastic projection and the pattern's start times (ms)."""
    times, indices, starts = afferent_spikes(duration_ms, seed)
    net = nc.Network("stdp_pattern", dt=DT, seed=seed)
    afferents = net.spike_source("afferents", N, times=times, indices=indices)
    neuron = net.population("neuron", 1, nc.LIF(tau_mem=10.0, tau_syn=2.5, v_rest=-70.0, v_reset=-70.0, v_th=-52.0,
                                                refractory=1.0))
    stdp = nc.STDP(tau_plus=16.8, tau_minus=33.7, A_plus=0.01, A_minus=0.58 * 0.01, w_max=1.0)
    proj = net.connect(afferents, neuron, nc.AllToAll(), weight=0.475, plasticity=stdp)
    net.probe(neuron, "spikes")
    net.probe_weights(proj, [0, IN_PATTERN - 1, N - 1])
    return net, proj, starts


net, _, _ = pattern_network(20000.0)


def detection(result, proj, starts: np.ndarray, duration_ms: float) -> dict:
    """Hits (presentations with an output spike), false alarms (spikes outside presentations,
    per second) over the last :data:`EVALUATED_MS`, and the mean final weight of the pattern's
    and the other afferents."""
    times, _ = result.spike_times("neuron")
    first = duration_ms - EVALUATED_MS
    shown = starts[starts >= first]
    late = times[times >= first]
    slot_of = np.searchsorted(shown, late, side="right") - 1
    inside = (slot_of >= 0) & (late < shown[np.maximum(slot_of, 0)] + PATTERN_MS)
    w = result.weights(proj).data
    return {"hits": int(np.unique(slot_of[inside]).size), "shown": int(shown.size),
            "false_alarms_per_s": float(np.sum(~inside) / (EVALUATED_MS * 1e-3)),
            "w_pattern": float(w[:IN_PATTERN].mean()), "w_other": float(w[IN_PATTERN:].mean()),
            "at_bounds": float(np.mean((w < 0.1) | (w > 0.9)))}


def evaluate(seeds=(1, 3, 5), seconds: float = 300.0, with_float: bool = False) -> dict:
    """Per seed: the chip's (and the float reference's) detection numbers."""
    out = {}
    duration = seconds * 1000.0
    for seed in seeds:
        network, proj, starts = pattern_network(duration, seed)
        begin = time.perf_counter()
        row = {"chip": detection(nc.compile(network, "emu").run(duration), proj, starts, duration),
               "chip_s": time.perf_counter() - begin}
        if with_float:
            begin = time.perf_counter()
            row["float"] = detection(nc.simulate(network, duration), proj, starts, duration)
            row["float_s"] = time.perf_counter() - begin
        out[seed] = row
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 3, 5])
    parser.add_argument("--seconds", type=float, default=300.0, help="simulated time per seed, s")
    parser.add_argument("--float", action="store_true", help="also run the float reference")
    args = parser.parse_args()
    results = evaluate(args.seeds, args.seconds, args.float)
    print(f"{'seed':>4} {'run':>6} {'hits':>9} {'false alarms/s':>15} {'w pattern':>10} {'w other':>8} "
          f"{'at bounds':>9} {'wall s':>7}")
    totals: dict = {}
    for seed, row in results.items():
        for kind in ("float", "chip"):
            if kind in row:
                d = row[kind]
                print(f"{seed:4d} {kind:>6} {d['hits']:4d}/{d['shown']:<4d} {d['false_alarms_per_s']:15.2f} "
                      f"{d['w_pattern']:10.2f} {d['w_other']:8.2f} {d['at_bounds']:9.1%} {row[kind + '_s']:7.0f}")
                hits, shown, alarms = totals.get(kind, (0, 0, 0.0))
                totals[kind] = (hits + d["hits"], shown + d["shown"], alarms + d["false_alarms_per_s"])
    for kind, (hits, shown, alarms) in totals.items():
        print(f"{kind}: hit rate {hits / shown:.0%} over {len(results)} seeds, "
              f"false alarms {alarms / len(results):.2f}/s")


if __name__ == "__main__":
    main()
