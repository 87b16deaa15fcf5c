"""AdEx firing patterns: single neurons driven by a current step, one population per pattern.

The adaptive exponential integrate-and-fire model (Brette & Gerstner 2005) reproduces many
cortical firing patterns from one equation and different parameters. Each population here is
one neuron with one of the parameter sets of Naud et al. (2008), Table 1, driven by a step of
current from 100 ms to 600 ms (``nc.StepCurrent``); its spikes and membrane voltage ``v`` are
probed. Two more neurons use the Brette & Gerstner (2005) regular-spiking parameters, at
500 pA and at 1 nA. Time step dt = 0.1 ms; currents in pA, conductances in nS, capacitance in pF.

The spike cut is ``V_peak = V_T + 5 delta_T`` = -40 mV for the Naud sets (as Brette & Gerstner
did), which keeps ``(V - V_T) / delta_T`` inside the range of the emulator's exp() lookup table;
the paper's figures use a higher cut, which changes spike times by a fraction of a millisecond.

What you should see (``python examples/adex_patterns.py`` prints the inter-spike intervals and
the label :func:`classify` gives them)::

    tonic                 52 spikes, ISIs 8.8 -> 9.5 ms, constant after a few spikes
    adapting              10 spikes, ISIs grow 11 -> 76 ms
    initial_burst         2 short ISIs (3.3, 7.3 ms), then regular 64 ms
    regular_bursting      doublets/triplets (ISI ~5 ms) separated by ~133 ms pauses
    delayed_accelerating  first spike 33 ms after onset, ISIs shrink 20.5 -> 10.7 ms
    delayed_bursting      first spike 57 ms after onset, then bursts of 4 every ~73 ms
    transient             one spike, then silent while the current is still on
    irregular             ISIs between 6 and 40 ms (CV ~0.6); in this deterministic run they
                          settle into a cycle of five, the model's chaotic regime is that narrow
    brette_gerstner_500pA no spike: 500 pA is below this neuron's rheobase (about 0.6 nA for
                          the adapted state); V settles near -55.7 mV
    brette_gerstner_1nA   17 spikes, ISIs grow 13.5 -> 36 ms (regular spiking with adaptation)

Run the same network through the compiler with
``neurocompile build examples/adex_patterns.py --target emu --duration 700``.

References:
    R. Brette, W. Gerstner, "Adaptive exponential integrate-and-fire model as an effective
    description of neuronal activity", J. Neurophysiol. 94:3637-3642 (2005).
    R. Naud, N. Marcille, C. Clopath, W. Gerstner, "Firing patterns in the adaptive exponential
    integrate-and-fire model", Biol. Cybern. 99:335-347 (2008), Table 1.
"""
from __future__ import annotations

import numpy as np

import neurocompile as nc

STIMULUS_ON_MS = 100.0
STIMULUS_OFF_MS = 600.0
DURATION_MS = 700.0

# Naud et al. (2008) Table 1: C pF, g_L nS, E_L mV, V_T mV, delta_T mV, a nS, tau_w ms, b pA,
# V_reset mV, step current pA; and the label classify() should give.
_NAUD_COLUMNS = ("C", "g_L", "E_L", "V_T", "delta_T", "a", "tau_w", "b", "V_reset")
_NAUD = {
    "tonic":                ((200, 10, -70, -50, 2, 2, 30, 0, -58), 500, "tonic"),
    "adapting":             ((200, 12, -70, -50, 2, 2, 300, 60, -58), 500, "adapting"),
    "initial_burst":        ((130, 18, -58, -50, 2, 4, 150, 120, -50), 400, "initial burst"),
    "regular_bursting":     ((200, 10, -58, -50, 2, 2, 120, 100, -46), 210, "bursting"),
    "delayed_accelerating": ((200, 12, -70, -50, 2, -10, 300, 0, -58), 300, "accelerating"),
    "delayed_bursting":     ((100, 10, -65, -50, 2, -10, 90, 30, -47), 110, "bursting"),
    "transient":            ((100, 10, -65, -50, 2, 10, 90, 100, -47), 180, "transient"),
    "irregular":            ((100, 12, -60, -50, 2, -11, 130, 30, -48), 160, "irregular"),
}

# Brette & Gerstner (2005), regular spiking (their Fig. 2 parameters).
BRETTE_GERSTNER = nc.AdEx(C=281.0, g_L=30.0, E_L=-70.6, V_T=-50.4, delta_T=2.0, a=4.0,
                          tau_w=144.0, b=80.5, V_reset=-70.6, V_peak=-40.4, refractory=0.0,
                          tau_syn=5.0)


def patterns() -> dict[str, tuple[nc.AdEx, float, str]]:
    """Pattern name -> (model, step current in pA, expected :func:`classify` label)."""
    out = {}
    for name, (values, current, label) in _NAUD.items():
        params = {key: float(v) for key, v in zip(_NAUD_COLUMNS, values)}
        params["V_peak"] = params["V_T"] + 5.0 * params["delta_T"]
        out[name] = (nc.AdEx(**params, tau_syn=5.0), float(current), label)
    out["brette_gerstner_500pA"] = (BRETTE_GERSTNER, 500.0, "silent")
    out["brette_gerstner_1nA"] = (BRETTE_GERSTNER, 1000.0, "adapting")
    return out


def build(seed: int = 0) -> nc.Network:
    """One single-neuron population per pattern, each with its current step; spikes and v probed."""
    net = nc.Network("adex_patterns", dt=0.1, seed=seed)
    for name, (model, current, _) in patterns().items():
        pop = net.population(name, 1, model)
        net.current(pop, nc.StepCurrent(times=[STIMULUS_ON_MS, STIMULUS_OFF_MS],
                                        amplitudes=[current, 0.0]))
        net.probe(pop, "spikes")
        net.probe(pop, "v")
    return net


def classify(spike_times, start: float = STIMULUS_ON_MS, stop: float = STIMULUS_OFF_MS) -> str:
    """Name the firing pattern of one neuron's spike times (ms) during a step from start to stop.

    A rough classifier in the spirit of Naud et al. (2008), enough to check the examples:

    * ``"silent"``: no spike; ``"transient"``: spikes in the first half of the step only;
    * ``"bursting"``: the inter-spike intervals (ISIs) of the second half fall into two groups,
      the longer at least 3x the shorter;
    * ``"irregular"``: neighbouring second-half ISIs differ by more than 30 % on average
      (mean CV2 above 0.3);
    * ``"initial burst"``: one of the first three ISIs is followed by one 3x longer;
    * else by the ratio of the mean second-half ISI to the first ISI: ``"adapting"`` (> 1.5),
      ``"accelerating"`` (< 0.67) or ``"tonic"``.

    It does not detect a delayed first spike; that needs the subthreshold trace.
    """
    t = np.sort(np.asarray(spike_times, dtype=np.float64))
    t = t[(t >= start) & (t < stop)]
    if t.size == 0:
        return "silent"
    middle = 0.5 * (start + stop)
    late = t[t >= middle]
    if late.size == 0:
        return "transient"
    isi = np.diff(t)
    late_isi = np.diff(late) if late.size >= 3 else isi
    if late_isi.size >= 2:
        ordered = np.sort(late_isi)
        if np.max(ordered[1:] / ordered[:-1]) >= 3.0:
            return "bursting"
        # Local variation (CV2, Holt et al. 1996) rather than the CV: a steady trend such as
        # adaptation has a large CV but neighbouring intervals that are alike.
        cv2 = np.mean(2.0 * np.abs(np.diff(late_isi)) / (late_isi[1:] + late_isi[:-1]))
        if cv2 > 0.3:
            return "irregular"
    if isi.size >= 2 and np.any(isi[1:4] / isi[:3] >= 3.0):
        return "initial burst"
    if isi.size == 0:
        return "tonic"
    ratio = late_isi.mean() / isi[0]
    if ratio > 1.5:
        return "adapting"
    if ratio < 0.67:
        return "accelerating"
    return "tonic"


if __name__ == "__main__":
    net = build()
    result = nc.simulate(net, DURATION_MS)
    for name, (_, current, expected) in patterns().items():
        times, _ = result.spike_times(name)
        isis = ", ".join(f"{x:.1f}" for x in np.diff(times))
        label = classify(times)
        mark = "ok" if label == expected else f"EXPECTED {expected}"
        first = f"first at {times[0] - STIMULUS_ON_MS:.1f} ms" if times.size else "no spike"
        print(f"{name:22s} {current:6.0f} pA  {times.size:3d} spikes, {first}; {label} ({mark})")
        print(f"{'':22s} ISIs ms: {isis or '-'}")
