"""The 20 neuro-computational features of Izhikevich (2004, Fig. 1), in float and on the chip.

Each feature is one Izhikevich neuron (``nc.Izhikevich``) with the parameters, initial state,
time step and input current of the figure's MATLAB code (Izhikevich 2004; the code is on the
author's web site). The current is the figure's: steps, pulses and ramps, given to the
compiler as a piecewise-constant ``nc.StepCurrent`` that changes where the figure's does (a
ramp changes every step). The figure evaluates the input at ``t = k dt`` for step ``k`` and
runs ``T / dt + 1`` steps; so do we. Its integration is the model's (forward Euler, ``v``
first, then ``u`` with the new ``v``; see :class:`neurocompile.Izhikevich`).

:func:`show_feature` checks each feature on a run (spike times and the ``v`` trace), so the
claim "the float model shows the feature" is a test, not a picture; :func:`evaluate` runs every
feature in float and on the chip and reports the spike counts and first-spike times side by
side. ``python examples/izhikevich_types.py`` prints that table (and with ``--figure PATH``
draws float and chip traces of all 20 panels into one figure)::

    neurocompile build examples/izhikevich_types.py --target emu --duration 100

builds the tonic-spiking panel (``build()``; ``build(feature="K")`` gives another).

Reference: E. M. Izhikevich, "Which model to use for cortical spiking neurons?", IEEE Trans.
Neural Networks 15:1063-1070 (2004), Fig. 1; "Simple model of spiking neurons", IEEE Trans.
Neural Networks 14:1569-1572 (2003).
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

import neurocompile as nc


@dataclass(frozen=True)
class Feature:
    """One panel of the figure: the model's parameters, initial state, step, length and input."""

    title: str
    params: dict
    v0: float
    u0: float | None            # None: u0 = b v0
    dt: float
    T: float                    # the figure's tspan = 0:dt:T (T/dt + 1 steps)
    current: Callable           # I(t) at t = k dt, mV/ms
    windows: dict = field(default_factory=dict)  # named times (ms) the check uses

    @property
    def n_steps(self) -> int:
        return int(round(self.T / self.dt)) + 1

    @property
    def duration(self) -> float:
        return self.n_steps * self.dt

    def times(self) -> np.ndarray:
        return np.arange(self.n_steps) * self.dt


def _step(t, t1, amplitude, base=0.0):
    return np.where(t > t1, amplitude, base)


def _pulses(t, starts, length, amplitude, base=0.0):
    on = np.zeros(t.shape, dtype=bool)
    for s in starts:
        on |= (t > s) & (t < s + length)
    return np.where(on, amplitude, base)


_CLASS1 = {"k1": 4.1, "k0": 108.0}

#: The 20 panels of Fig. 1 (letters as in the figure).
FEATURES = {
    "A": Feature("tonic spiking", dict(a=0.02, b=0.2, c=-65, d=6), -70, None, 0.25, 100,
                 lambda t: _step(t, 10.0, 14.0), {"on": 10.0}),
    "B": Feature("phasic spiking", dict(a=0.02, b=0.25, c=-65, d=6), -64, None, 0.25, 200,
                 lambda t: _step(t, 20.0, 0.5), {"on": 20.0}),
    "C": Feature("tonic bursting", dict(a=0.02, b=0.2, c=-50, d=2), -70, None, 0.25, 220,
                 lambda t: _step(t, 22.0, 15.0), {"on": 22.0}),
    "D": Feature("phasic bursting", dict(a=0.02, b=0.25, c=-55, d=0.05), -64, None, 0.2, 200,
                 lambda t: _step(t, 20.0, 0.6), {"on": 20.0}),
    "E": Feature("mixed mode", dict(a=0.02, b=0.2, c=-55, d=4), -70, None, 0.25, 160,
                 lambda t: _step(t, 16.0, 10.0), {"on": 16.0}),
    "F": Feature("spike frequency adaptation", dict(a=0.01, b=0.2, c=-65, d=8), -70, None, 0.25, 85,
                 lambda t: _step(t, 8.5, 30.0), {"on": 8.5}),
    "G": Feature("class 1 excitable", dict(a=0.02, b=-0.1, c=-55, d=6, **_CLASS1), -60, None, 0.25, 300,
                 lambda t: np.where(t > 30.0, 0.075 * (t - 30.0), 0.0), {"on": 30.0}),
    "H": Feature("class 2 excitable", dict(a=0.2, b=0.26, c=-65, d=0), -64, None, 0.25, 300,
                 lambda t: np.where(t > 30.0, -0.5 + 0.015 * (t - 30.0), -0.5), {"on": 30.0}),
    "I": Feature("spike latency", dict(a=0.02, b=0.2, c=-65, d=6), -70, None, 0.2, 100,
                 lambda t: _pulses(t, [10.0], 3.0, 7.04), {"on": 10.0, "off": 13.0}),
    "J": Feature("subthreshold oscillations", dict(a=0.05, b=0.26, c=-60, d=0), -62, None, 0.25, 200,
                 lambda t: _pulses(t, [20.0], 5.0, 2.0), {"on": 20.0}),
    "K": Feature("resonator", dict(a=0.1, b=0.26, c=-60, d=-1), -62, None, 0.25, 400,
                 lambda t: _pulses(t, [40.0, 60.0, 280.0, 320.0], 4.0, 0.65),
                 {"pair1": 40.0, "pair2": 280.0}),
    "L": Feature("integrator", dict(a=0.02, b=-0.1, c=-55, d=6, **_CLASS1), -60, None, 0.25, 100,
                 lambda t: _pulses(t, [100 / 11, 100 / 11 + 5, 70.0, 80.0], 2.0, 9.0),
                 {"pair1": 100 / 11, "pair2": 70.0}),
    "M": Feature("rebound spike", dict(a=0.03, b=0.25, c=-60, d=4), -64, None, 0.2, 200,
                 lambda t: _pulses(t, [20.0], 5.0, -15.0), {"on": 20.0, "off": 25.0}),
    "N": Feature("rebound burst", dict(a=0.03, b=0.25, c=-52, d=0), -64, None, 0.2, 200,
                 lambda t: _pulses(t, [20.0], 5.0, -15.0), {"on": 20.0, "off": 25.0}),
    "O": Feature("threshold variability", dict(a=0.03, b=0.25, c=-60, d=4), -64, None, 0.25, 100,
                 lambda t: _pulses(t, [10.0, 80.0], 5.0, 1.0) + _pulses(t, [70.0], 5.0, -6.0),
                 {"alone": 10.0, "inhibit": 70.0, "after": 80.0}),
    "P": Feature("bistability", dict(a=0.1, b=0.26, c=-60, d=0), -61, None, 0.25, 300,
                 lambda t: _pulses(t, [300 / 8, 216.0], 5.0, 1.24, base=0.24), {"on": 300 / 8, "off": 216.0}),
    "Q": Feature("depolarizing after-potential", dict(a=1.0, b=0.2, c=-60, d=-21), -70, None, 0.1, 50,
                 lambda t: np.where(np.abs(t - 10.0) < 1.0, 20.0, 0.0), {"on": 9.0}),
    "R": Feature("accommodation", dict(a=0.02, b=1.0, c=-55, d=4, u_leak=0.0, v_u=-65.0), -65, -16, 0.5, 400,
                 lambda t: np.select([t < 200, t < 300, t < 312.5], [t / 25.0, 0.0, (t - 300.0) / 12.5 * 4.0], 0.0),
                 {"slow": 0.0, "fast": 300.0}),
    "S": Feature("inhibition-induced spiking", dict(a=-0.02, b=-1.0, c=-60, d=8), -63.8, None, 0.5, 350,
                 lambda t: np.where((t < 50) | (t > 250), 80.0, 75.0), {"on": 50.0, "off": 250.0}),
    "T": Feature("inhibition-induced bursting", dict(a=-0.026, b=-1.0, c=-45, d=-2), -63.8, None, 0.5, 350,
                 lambda t: np.where((t < 50) | (t > 250), 80.0, 75.0), {"on": 50.0, "off": 250.0}),
}


# --------------------------------------------------------------------------------------------
# Networks and runs


def build(feature: str = "A", seed: int = 0, tau_syn: float = 0.0) -> nc.Network:
    """One neuron with the panel's parameters, initial state, time step and input current;
    spikes, ``v`` and ``u`` probed. The population is named ``"neuron"``."""
    f = _feature(feature)
    net = nc.Network(f"izhikevich_{feature}", dt=f.dt, seed=seed)
    u0 = f.u0 if f.u0 is not None else f.params["b"] * f.v0
    pop = net.population("neuron", 1, nc.Izhikevich(**f.params, tau_syn=tau_syn), v_init=f.v0, u_init=u0)
    t = f.times()
    current = f.current(t)
    changes = np.flatnonzero(np.diff(np.concatenate([[0.0], current])) != 0)
    if changes.size:
        net.current(pop, nc.StepCurrent(times=t[changes], amplitudes=current[changes]))
    for variable in ("spikes", "v", "u"):
        net.probe(pop, variable)
    return net


def _feature(key: str) -> Feature:
    if key not in FEATURES:
        raise KeyError(f"feature {key!r}: the features are {', '.join(FEATURES)}")
    return FEATURES[key]


@dataclass(frozen=True)
class Run:
    """One neuron's run: spike times (ms) and its ``v`` trace (mV) at ``t = k dt``."""

    spikes: np.ndarray
    v: np.ndarray
    t: np.ndarray


def _as_run(result, f: Feature) -> Run:
    times, _ = result.spike_times("neuron")
    return Run(np.asarray(times, dtype=float), np.asarray(result.trace("neuron", "v"))[:, 0], f.times())


def run_feature(key: str, target: str | None = "emu") -> tuple[Run, Run | None]:
    """(float run, chip run) of one panel; the chip run is None for ``target=None``."""
    f = _feature(key)
    net = build(key)
    ref = _as_run(nc.simulate(net, f.duration), f)
    chip = None if target is None else _as_run(nc.compile(net, target).run(f.duration), f)
    return ref, chip


# --------------------------------------------------------------------------------------------
# The features, checked


def _bursts(spikes, within: float = 10.0) -> list[np.ndarray]:
    """Spikes grouped into bursts: consecutive spikes closer than ``within`` ms."""
    if spikes.size == 0:
        return []
    return np.split(spikes, np.flatnonzero(np.diff(spikes) >= within) + 1)


def _extrema(v) -> int:
    """Number of local extrema of a trace (sign changes of its slope)."""
    slope = np.sign(np.diff(v))
    slope = slope[slope != 0]
    return int(np.count_nonzero(np.diff(slope)))


def show_feature(key: str, run: Run) -> tuple[bool, str]:
    """Whether ``run`` shows the panel's feature, and what was measured.

    The rules state each feature as Izhikevich (2004) describes it, with the panel's own
    windows (stimulus onsets, pulse times); they are checks on spikes and on the ``v`` trace,
    not thresholds fitted to one run."""
    f = _feature(key)
    s, w = run.spikes, f.windows
    isi = np.diff(s)
    bursts = _bursts(s)
    n = s.size
    if key == "A":      # regular firing for as long as the input lasts
        ok = n >= 4 and s[0] > w["on"] and abs(isi[-1] - isi[-2]) <= 0.1 * isi[-1] and f.T - s[-1] < 1.5 * isi[-1]
    elif key == "B":    # one spike at the onset, then silent though the input stays on
        ok = n == 1 and s[0] > w["on"]
    elif key == "C":    # bursts, repeated while the input lasts
        ok = len(bursts) >= 3 and all(b.size >= 2 for b in bursts) and s[0] > w["on"]
    elif key == "D":    # one burst at the onset, then silent
        ok = n >= 3 and len(bursts) == 1 and s[0] > w["on"] and f.T - s[-1] > 100.0
    elif key == "E":    # a burst first, then single spikes
        ok = n >= 4 and isi[0] < 10.0 and np.all(isi[2:] > 20.0) and len(bursts) >= 3
    elif key == "F":    # intervals grow
        ok = n >= 4 and np.all(np.diff(isi) > 0) and isi[-1] > 4.0 * isi[0]
    elif key in "GH":   # a ramp: class 1 starts slowly, class 2 at a high rate
        start_ratio = isi[-1] / isi[0] if n >= 3 else np.nan
        # the rate grows with the ramp: each third of the intervals is shorter on average
        thirds = [part.mean() for part in np.array_split(isi, 3)] if isi.size >= 3 else [np.nan]
        growing = n >= 4 and np.all(np.diff(thirds) < 0)
        ok = growing and (start_ratio < 0.45 if key == "G" else start_ratio >= 0.45)
        return bool(ok), f"{n} spikes, first/last rate {start_ratio:.2f}"
    elif key == "I":    # one spike, long after the brief pulse
        ok = n == 1 and s[0] - w["off"] > 5.0
    elif key == "J":    # after the spike, damped oscillations below threshold
        later = run.v[run.t > (s[0] if n else w["on"]) + 20.0]
        swings = np.abs(np.diff(later[np.flatnonzero(np.diff(np.sign(np.diff(later))) != 0) + 1]))
        ok = n <= 1 and _extrema(later) >= 3 and swings.size >= 2 and swings[-1] < swings[0]
        return bool(ok), f"{n} spike(s), {_extrema(later)} extrema after it"
    elif key == "K":    # the pair at the resonant interval fires, the other does not
        ok = n >= 1 and np.all(s > w["pair2"])
    elif key == "L":    # the close pair fires, the distant pair does not
        ok = n >= 1 and np.all(s < w["pair2"]) and np.all(s > w["pair1"])
    elif key == "M":    # one spike after the inhibitory pulse ends
        ok = n == 1 and s[0] > w["off"]
    elif key == "N":    # a burst after the inhibitory pulse ends
        ok = n >= 3 and s[0] > w["off"] and len(bursts) == 1
    elif key == "O":    # the same pulse fires only after an inhibitory one
        ok = n >= 1 and np.all(s > w["after"]) and s[0] - w["after"] < 20.0
    elif key == "P":    # a pulse switches tonic firing on, a second one switches it off
        ok = n >= 3 and s[0] > w["on"] and s[-1] < w["off"] + 10.0 and np.all(isi > 20.0)
    elif key == "Q":    # after the spike v stays depolarised above the reset
        after = run.v[(run.t > s[0] + 0.5) & (run.t < s[0] + 10.0)] if n else np.array([-np.inf])
        ok = n == 1 and after.max() > f.params["c"] + 5.0
        return bool(ok), f"{n} spike(s), v {after.max():.1f} mV after the spike"
    elif key == "R":    # the slow ramp does not fire, the fast ramp does
        ok = n >= 1 and np.all(s > w["fast"])
    elif key == "S":    # spikes while the input is lowered, none at the higher input
        ok = n >= 2 and np.all((s > w["on"]) & (s < w["off"] + 10.0)) and np.all(isi > 20.0)
    elif key == "T":    # bursts while the input is lowered, none at the higher input
        ok = len(bursts) >= 2 and np.all((s > w["on"]) & (s < w["off"] + 10.0)) and bursts[0].size >= 2
    else:  # pragma: no cover - FEATURES and the rules are one table
        raise KeyError(key)
    detail = f"{n} spike(s)" + (f" in {len(bursts)} burst(s)" if len(bursts) != n else "")
    return bool(ok), detail


def evaluate(target: str = "emu", features=None) -> dict:
    """Per panel: float and chip spike counts, first spikes (ms), whether each run shows the
    feature, and whether the chip keeps it (its count within one of float's, first spike
    within 1 ms)."""
    out = {}
    for key in features or FEATURES:
        ref, chip = run_feature(key, target)
        float_ok, float_detail = show_feature(key, ref)
        chip_ok, chip_detail = show_feature(key, chip)
        first = (abs(chip.spikes[0] - ref.spikes[0]) if ref.spikes.size and chip.spikes.size
                 else (0.0 if ref.spikes.size == chip.spikes.size == 0 else np.inf))
        out[key] = {"title": FEATURES[key].title, "float_spikes": int(ref.spikes.size),
                    "chip_spikes": int(chip.spikes.size), "first_spike_diff_ms": float(first),
                    "float_shows": float_ok, "chip_shows": chip_ok, "float_detail": float_detail,
                    "chip_detail": chip_detail,
                    "kept": abs(int(chip.spikes.size) - int(ref.spikes.size)) <= 1 and first <= 1.0,
                    "runs": (ref, chip)}
    return out


def draw(results: dict, path) -> None:
    """Float (black) and chip (red, dashed) ``v`` of every panel, with its input below."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(5, 4, figsize=(13, 12))
    for ax, (key, row) in zip(axes.ravel(), results.items()):
        ref, chip = row["runs"]
        f = FEATURES[key]
        current = f.current(ref.t)
        span = max(np.ptp(current), 1e-9)
        ax.plot(ref.t, np.minimum(ref.v, 30.0), color="black", lw=0.8, label="float")
        ax.plot(chip.t, np.minimum(chip.v, 30.0), color="tab:red", lw=0.8, ls="--", label="chip")
        ax.plot(ref.t, -95.0 + 10.0 * (current - current.min()) / span, color="tab:blue", lw=0.8)
        ax.set_ylim(-100, 35)
        ax.set_title(f"({key}) {f.title}\nspikes {row['float_spikes']} / {row['chip_spikes']}", fontsize=8)
        ax.tick_params(labelsize=6)
    axes[0, 0].legend(fontsize=6, loc="upper right")
    fig.suptitle("Izhikevich (2004) Fig. 1 features: float (black) vs chip (red dashed); input in blue")
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", default="emu")
    parser.add_argument("--figure", help="write float-vs-chip traces of all panels to this PNG")
    args = parser.parse_args(argv)
    results = evaluate(args.target)
    print(f"{'':3}{'feature':30}{'float':>7}{'chip':>6}{'first spike':>13}  float shows  chip shows  kept")
    for key, row in results.items():
        print(f"{key:3}{row['title']:30}{row['float_spikes']:7d}{row['chip_spikes']:6d}"
              f"{row['first_spike_diff_ms']:10.2f} ms  {'yes' if row['float_shows'] else 'NO':11}  "
              f"{'yes' if row['chip_shows'] else 'NO':10}  {'yes' if row['kept'] else 'NO'}")
    kept = sum(row["kept"] for row in results.values())
    print(f"the chip keeps {kept} of {len(results)} features (count within one, first spike within 1 ms)")
    if args.figure:
        draw(results, args.figure)
        print(f"wrote {args.figure}")


if __name__ == "__main__":
    main()
