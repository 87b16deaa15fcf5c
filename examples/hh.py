"""Hodgkin-Huxley on the chip: the squid axon's f-I curve and one action potential, float vs chip.

Eleven neurons of the classic squid-axon model (``nc.HH`` defaults: Hodgkin & Huxley 1952, rest
at -65 mV) each get a constant current from just above the onset of tonic firing (6.26
uA/cm2) to 100 uA/cm2; a twelfth gets one 1 ms pulse of 20 uA/cm2 and fires one action
potential. The float reference integrates with RK4 sub-steps (within 0.05 % of ``solve_ivp``
on this curve); the chip updates the gates by exponential Euler from 512-entry tables over
-100..60 mV and the voltage by forward Euler (docs/chip.md section 5.9), which needs
``dt (g_Na + g_K + g_L) / C_m <= 4``: dt = 0.025 ms for the squid axon.

What you should see (``python examples/hh.py``; ``--figure PATH`` draws the f-I curves and the
spike): rates from 52 Hz at 6.3 uA/cm2 to 147 Hz at 100 uA/cm2 (class 2: firing starts at a
non-zero rate), the chip within 1 % of float at every current and its spike peaks within
1 mV::

    neurocompile build examples/hh.py --target emu --duration 300

References: A. L. Hodgkin, A. F. Huxley, J. Physiol. 117:500-544 (1952).
"""
from __future__ import annotations

import argparse

import numpy as np

import neurocompile as nc

DT = 0.025
CURRENTS = np.array([6.3, 6.5, 7.0, 8.0, 10.0, 15.0, 20.0, 30.0, 50.0, 75.0, 100.0])  # uA/cm2
PULSE_MS, PULSE_LENGTH_MS, PULSE_AMPLITUDE = 5.0, 1.0, 20.0
DURATION_MS = 500.0
#: Rates are measured from this time on (after the first spikes' transient).
WINDOW_START_MS = 100.0


def build(seed: int = 0, dt: float = DT) -> nc.Network:
    """Population ``fI`` (one neuron per current of :data:`CURRENTS`) and ``spike`` (one pulse);
    spikes and ``v`` probed."""
    net = nc.Network("hh", dt=dt, seed=seed)
    f_i = net.population("fI", CURRENTS.size, nc.HH(tau_syn=0.5, I_e=CURRENTS))
    single = net.population("spike", 1, nc.HH(tau_syn=0.5))
    net.current(single, nc.StepCurrent(times=[PULSE_MS, PULSE_MS + PULSE_LENGTH_MS], amplitudes=[PULSE_AMPLITUDE, 0.0]))
    for pop in (f_i, single):
        net.probe(pop, "spikes")
        net.probe(pop, "v")
    return net


def rates(result, start: float = WINDOW_START_MS) -> np.ndarray:
    """Steady firing rate (Hz) of each ``fI`` neuron: spikes per interval from ``start`` on."""
    times, ids = result.spike_times("fI")
    out = np.zeros(CURRENTS.size)
    for k in range(CURRENTS.size):
        mine = times[(ids == k) & (times >= start)]
        out[k] = 1000.0 * (mine.size - 1) / (mine[-1] - mine[0]) if mine.size > 2 else 0.0
    return out


def spike_peak(trace) -> float:
    """The peak of one excursion (mV): the vertex of the parabola through its largest sample
    and its neighbours (the largest end-of-step sample alone can miss the peak by a fraction
    of the step's change)."""
    k = int(np.argmax(trace))
    if k == 0 or k == trace.size - 1:
        return float(trace[k])
    a, b, c = trace[k - 1], trace[k], trace[k + 1]
    curvature = a - 2 * b + c
    return float(b - (a - c) ** 2 / (8 * curvature)) if curvature < 0 else float(b)


def peaks(result, dt: float, start: float = WINDOW_START_MS) -> np.ndarray:
    """Mean spike peak (mV, :func:`spike_peak`) of each ``fI`` neuron from ``start`` on."""
    v = np.asarray(result.trace("fI", "v"))
    v = v[int(round(start / dt)):]
    out = np.zeros(CURRENTS.size)
    for k in range(CURRENTS.size):
        trace = v[:, k]
        up = trace > -40.0  # the model's V_spike: each excursion above it is one spike
        edges = np.flatnonzero(np.diff(up.astype(np.int8))) + 1
        # whole spikes only: not one cut by the window's start or the run's end
        segments = [s for s in np.split(np.arange(trace.size), edges)
                    if up[s[0]] and s.size > 2 and s[0] > 0 and s[-1] < trace.size - 1]
        out[k] = np.mean([spike_peak(trace[s]) for s in segments]) if segments else np.nan
    return out


def evaluate(target: str = "emu", duration: float = DURATION_MS, dt: float = DT) -> dict:
    """Float and chip: rates and spike peaks of the f-I neurons, and the single spike's trace."""
    net = build(dt=dt)
    ref = nc.simulate(net, duration)
    chip = nc.compile(net, target, ranges=ref).run(duration)
    out = {"currents": CURRENTS, "dt": dt}
    for label, result in (("float", ref), ("chip", chip)):
        out[f"{label}_rates"] = rates(result)
        out[f"{label}_peaks"] = peaks(result, dt)
        out[f"{label}_spike"] = np.asarray(result.trace("spike", "v"))[:, 0]
        out[f"{label}_single_count"] = int(result.counts["spike"].sum())
    out["rate_rel_error"] = out["chip_rates"] / out["float_rates"] - 1.0
    out["peak_error_mV"] = out["chip_peaks"] - out["float_peaks"]
    return out


def draw(result: dict, path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_fi, ax_spike) = plt.subplots(1, 2, figsize=(10, 3.8))
    ax_fi.plot(result["currents"], result["float_rates"], "o-", color="black", label="float")
    ax_fi.plot(result["currents"], result["chip_rates"], "x--", color="tab:red", label="chip")
    ax_fi.set_xlabel("I (uA/cm2)")
    ax_fi.set_ylabel("rate (Hz)")
    ax_fi.set_title("f-I curve")
    ax_fi.legend()
    t = np.arange(result["float_spike"].size) * result["dt"]
    window = t < 25.0
    ax_spike.plot(t[window], result["float_spike"][window], color="black", label="float")
    ax_spike.plot(t[window], result["chip_spike"][window], color="tab:red", ls="--", label="chip")
    ax_spike.set_xlabel("t (ms)")
    ax_spike.set_ylabel("V (mV)")
    ax_spike.set_title(f"one action potential ({PULSE_AMPLITUDE:g} uA/cm2 for {PULSE_LENGTH_MS:g} ms)")
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", default="emu")
    parser.add_argument("--figure", help="write the f-I curves and the spike to this PNG")
    args = parser.parse_args(argv)
    result = evaluate(args.target)
    print(f"{'I uA/cm2':>9} {'float Hz':>9} {'chip Hz':>8} {'error':>7} {'peak float':>11} {'peak chip':>10}")
    for k, current in enumerate(CURRENTS):
        print(f"{current:9.1f} {result['float_rates'][k]:9.2f} {result['chip_rates'][k]:8.2f} "
              f"{result['rate_rel_error'][k]:+7.2%} {result['float_peaks'][k]:9.2f} mV {result['chip_peaks'][k]:7.2f} mV")
    spike_f, spike_c = result["float_spike"], result["chip_spike"]
    print(f"single spike: peak {spike_f.max():.2f} mV float, {spike_c.max():.2f} mV chip; "
          f"at {np.argmax(spike_f) * DT:.3f} / {np.argmax(spike_c) * DT:.3f} ms; "
          f"RMS difference over 25 ms {np.sqrt(np.mean((spike_f - spike_c)[:int(25 / DT)] ** 2)):.3f} mV")
    if args.figure:
        draw(result, args.figure)
        print(f"wrote {args.figure}")


if __name__ == "__main__":
    main()
