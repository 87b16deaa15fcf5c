"""Competitive Hebbian learning through STDP (Song, Miller & Abbott 2000), in float and on the chip.

One conductance-based LIF neuron (tau_m = 20 ms, rest -70 mV, threshold -54 mV, reset -60 mV)
receives 1000 excitatory Poisson inputs (E_ex = 0 mV, tau = 5 ms) through plastic synapses and
200 inhibitory Poisson inputs at 10 Hz (E_in = -70 mV, g_in = 0.05 g_L, fixed). The excitatory
synapses follow additive STDP with hard bounds: g_max = 0.015 g_L, A_plus = 0.005,
A_minus / A_plus = 1.05, tau_plus = tau_minus = 20 ms; they start uniform in 0..g_max.

What you should see: the weights split into two groups, near 0 and near g_max (the paper's
bimodal distribution: the depression-dominated rule makes the synapses compete, and the
inputs that happen to drive the neuron win), and the output rate changes much less than the
input rate (rate regulation). The run is long (the distribution forms over about 1000 s of
simulated time at 10 Hz input); ``--seconds`` shortens it::

    python examples/stdp_song2000.py                 # 10 and 20 Hz inputs, chip, 2000 s each
    python examples/stdp_song2000.py --float         # and the float reference (slower)
    python examples/stdp_song2000.py --epoch-log2 3  # the chip learning in epochs of 8 steps
    neurocompile build examples/stdp_song2000.py --target emu --duration 2000

The network file builds the 10 Hz case (``build`` runs it as any other network).

Reference: S. Song, K. D. Miller and L. F. Abbott, "Competitive Hebbian learning through
spike-timing-dependent synaptic plasticity", Nature Neuroscience 3:919-926 (2000).
"""
from __future__ import annotations

import argparse
import time

import numpy as np

import neurocompile as nc

DT = 0.1            # ms
G_MAX = 0.015       # g_L
N_EXC, N_INH = 1000, 200
NEAR = 0.1          # "near a bound": within 10 % of g_max


def song_network(rate_hz: float = 10.0, seed: int = 1, a_plus: float = 0.005) -> tuple:
    """The network and its plastic projection, for excitatory inputs at ``rate_hz``."""
    net = nc.Network("song2000", dt=DT, seed=seed)
    lif = nc.LIF(tau_mem=20.0, v_rest=-70.0, v_reset=-60.0, v_th=-54.0,
                 receptors={"ex": nc.CondExp(tau=5.0, E_rev=0.0), "in": nc.CondExp(tau=5.0, E_rev=-70.0)})
    post = net.population("neuron", 1, lif)
    exc = net.poisson("exc", N_EXC, rate_hz)
    inh = net.poisson("inh", N_INH, 10.0)
    stdp = nc.STDP(tau_plus=20.0, tau_minus=20.0, A_plus=a_plus, A_minus=1.05 * a_plus, w_max=G_MAX)
    proj = net.connect(exc, post, nc.AllToAll(), weight=nc.Uniform(0.0, G_MAX), receptor="ex", plasticity=stdp)
    net.connect(inh, post, nc.AllToAll(), weight=0.05, receptor="in")
    net.probe(post, "spikes")
    net.probe_weights(proj, np.arange(0, N_EXC, 200))
    return net, proj


net, _ = song_network()


def summary(result, proj, duration_ms: float) -> dict:
    """Output rate over the last tenth of the run (Hz), the fractions of weights near each
    bound, and the weights relative to g_max."""
    w = result.weights(proj).data / G_MAX
    times, _ = result.spike_times("neuron")
    tail = duration_ms / 10
    return {"rate_hz": float(np.sum(times >= duration_ms - tail) / (tail * 1e-3)),
            "near_0": float(np.mean(w < NEAR)), "near_max": float(np.mean(w > 1 - NEAR)), "weights": w}


def ks_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Largest distance between the two empirical distribution functions."""
    grid = np.sort(np.concatenate([a, b]))
    return float(np.max(np.abs(np.searchsorted(np.sort(a), grid, side="right") / a.size
                               - np.searchsorted(np.sort(b), grid, side="right") / b.size)))


def chip_target(epoch_log2: int = 0):
    """The emu target, learning in epochs of ``2**epoch_log2`` steps (docs/chip.md section 3.6)."""
    if epoch_log2 == 0:
        return "emu"
    from neurocompile.target import Target, load_target

    data = load_target("emu").to_dict()
    data["learning"]["epoch_log2"] = epoch_log2
    return Target.from_dict(data, source=f"<emu, learning epochs of {1 << epoch_log2} steps>")


def evaluate(rates=(10.0, 20.0), seconds: float = 2000.0, with_float: bool = False, a_plus: float = 0.005,
             epoch_log2: int = 0) -> dict:
    """Per input rate: the chip's (and the float reference's) summary, and their KS distance;
    the chip learns in epochs of ``2**epoch_log2`` steps."""
    out = {}
    for rate in rates:
        network, proj = song_network(rate, a_plus=a_plus)
        duration = seconds * 1000.0
        start = time.perf_counter()
        chip = nc.compile(network, chip_target(epoch_log2)).run(duration)
        row = {"chip": summary(chip, proj, duration), "chip_s": time.perf_counter() - start,
               "updates": chip.stats.totals()["learning_updates"]}
        if with_float:
            start = time.perf_counter()
            row["float"] = summary(nc.simulate(network, duration), proj, duration)
            row["float_s"] = time.perf_counter() - start
            row["ks"] = ks_distance(row["float"]["weights"], row["chip"]["weights"])
        out[rate] = row
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", type=float, nargs="+", default=[10.0, 20.0], help="input rates, Hz")
    parser.add_argument("--seconds", type=float, default=2000.0, help="simulated time per rate, s")
    parser.add_argument("--float", action="store_true", help="also run the float reference")
    parser.add_argument("--epoch-log2", type=int, default=0,
                        help="the chip learns in epochs of 2**k steps (target key [learning] epoch_log2)")
    args = parser.parse_args()
    results = evaluate(args.rates, args.seconds, args.float, epoch_log2=args.epoch_log2)
    print(f"{'input':>6} {'run':>6} {'rate out Hz':>11} {'w < 0.1':>8} {'w > 0.9':>8} {'near bounds':>11} {'wall s':>7}")
    for rate, row in results.items():
        for kind in ("float", "chip"):
            if kind in row:
                s = row[kind]
                print(f"{rate:6g} {kind:>6} {s['rate_hz']:11.2f} {s['near_0']:8.1%} {s['near_max']:8.1%} "
                      f"{s['near_0'] + s['near_max']:11.1%} {row[kind + '_s']:7.0f}")
        print(f"{'':6} chip learning updates: {row['updates']}")
        if "ks" in row:
            print(f"{'':6} KS distance of the final weights, chip vs float: {row['ks']:.3f}")
    if len(results) == 2:
        (low, a), (high, b) = results.items()
        for kind in ("float", "chip"):
            if kind in a:
                change = b[kind]["rate_hz"] / max(a[kind]["rate_hz"], 1e-9) - 1
                print(f"{kind}: input {low:g} -> {high:g} Hz changes the output rate by {change:+.0%}")


if __name__ == "__main__":
    main()
