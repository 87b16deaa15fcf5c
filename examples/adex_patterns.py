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
the label :func:`classify` -- :func:`neurocompile.validate.classify_pattern` -- gives them)::

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
``neurocompile build examples/adex_patterns.py --target emu --duration 700``. On the chip
(:func:`evaluate`, also printed by ``python examples/adex_patterns.py``) every neuron fires the
same pattern class as in float, with the same number of spikes give or take one; the chip's
spikes come about one step later and drift by a step or two per spike (the exp() lookup table
and integer state), so the comparison judges these neurons by their distributions, not by
exact spike times.

References:
    R. Brette, W. Gerstner, "Adaptive exponential integrate-and-fire model as an effective
    description of neuronal activity", J. Neurophysiol. 94:3637-3642 (2005).
    R. Naud, N. Marcille, C. Clopath, W. Gerstner, "Firing patterns in the adaptive exponential
    integrate-and-fire model", Biol. Cybern. 99:335-347 (2008), Table 1.
"""
from __future__ import annotations

import numpy as np

import neurocompile as nc
from neurocompile.validate import classify_pattern

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
    """Name the firing pattern of one neuron's spike times (ms) during the current step.

    The library function :func:`neurocompile.validate.classify_pattern` with this example's
    stimulus window; see its docstring for the rules.
    """
    return classify_pattern(spike_times, start, stop)


def build_packed(seed: int = 0) -> nc.Network:
    """The same neurons packed into one population ``"all"`` (per-neuron parameter arrays, in
    the order of :func:`patterns`), which the float reference simulates much faster."""
    table = patterns()
    models = [model for model, _, _ in table.values()]
    params = {key: np.array([m.params[key] for m in models]) for key in models[0].params}
    net = nc.Network("adex_patterns_packed", dt=0.1, seed=seed)
    pop = net.population("all", len(models), nc.AdEx(**params))
    for k, (_, current, _) in enumerate(table.values()):
        net.current(pop[k:k + 1], nc.StepCurrent(times=[STIMULUS_ON_MS, STIMULUS_OFF_MS],
                                                 amplitudes=[current, 0.0]))
    net.probe(pop, "spikes")
    net.probe(pop, "v")
    return net


def evaluate(target: str = "emu") -> dict:
    """Run float and chip; per pattern: the expected label, the float and chip labels and spike
    counts, and the first-spike delay after stimulus onset (ms, nan without spikes)."""
    net = build_packed()
    ref = nc.simulate(net, DURATION_MS)
    chip = nc.compile(net, target).run(DURATION_MS)
    out = {}
    for k, (name, (_, _, expected)) in enumerate(patterns().items()):
        row = {"expected": expected}
        for label, result in (("float", ref), ("chip", chip)):
            times, ids = result.spike_times("all")
            mine = times[ids == k]
            row[label] = classify(mine)
            row[f"{label}_spikes"] = int(mine.size)
            row[f"{label}_first_ms"] = float(mine[0] - STIMULUS_ON_MS) if mine.size else float("nan")
        out[name] = row
    return out


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
    print("\nfloat vs chip (emu):")
    for name, row in evaluate().items():
        mark = "same" if row["float"] == row["chip"] else "DIFFERENT"
        print(f"{name:22s} float {row['float']:14s} ({row['float_spikes']:2d} spikes)  "
              f"chip {row['chip']:14s} ({row['chip_spikes']:2d} spikes)  {mark}")
