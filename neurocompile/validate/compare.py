"""``nc.compare(ref, out)``: what quantization and placement changed, in numbers.

Per population: firing rates (float vs chip, relative error), spike-count correlation across
neurons, spike timing agreement (same step, within one step), the van Rossum distance
(tau = 10 ms by default), first-spike latency error, and distribution statistics (per-neuron
rate distribution KS statistic, ISI coefficient of variation, Fano factor in 100 ms windows)
for networks whose spikes diverge under any perturbation (recurrent, chaotic). Probed state
variables get the RMS error after converting chip integers to physical units.

Which criterion judged a population (column "judged by"): ``spike timing`` when at least 90 %
of its spikes agree within one step; otherwise ``distribution``, meaning that the spike trains
have diverged (as they do in recurrent chaotic networks under any perturbation) and only the
rate error and the distribution statistics are meaningful; ``rates`` when its spikes were not
probed; ``silent`` when no neuron of it fired in either run (there is nothing to compare, so the
timing columns are left empty rather than reading 100 %). ``Comparison.failures(tolerance)``
(``neurocompile build`` checks it against :data:`DEFAULT_TOLERANCE` or ``--tolerance``) checks
the population mean rates, which every criterion shares; ``Comparison.silent()`` names the
populations that fired no spike in float, on chip or in both.
"""
from __future__ import annotations

import io
from dataclasses import asdict, dataclass, field

import numpy as np
from rich.console import Console
from rich.table import Table

from ..errors import NetworkError, invalid
from . import metrics

#: Spike-timing agreement (within one step) above which a population is judged spike by spike.
TIMING_CRITERION = 0.9
#: Populations listed in a comparison's one-line repr (its tables list them all).
REPR_POPULATIONS = 6
#: Relative error of a population's mean rate that ``neurocompile build`` warns about when no
#: ``--tolerance`` is given (and fails on under ``--strict``).
DEFAULT_TOLERANCE = 0.10


@dataclass(frozen=True)
class PopulationComparison:
    """Float-vs-chip numbers for one population (rates Hz, times ms; nan where undefined)."""

    name: str
    rate_float: float
    rate_chip: float
    rate_rel_error: float
    count_correlation: float
    same_step_fraction: float
    within_one_step_fraction: float
    van_rossum: float
    first_spike_error_ms: float
    rate_ks: float
    isi_cv_float: float
    isi_cv_chip: float
    fano_float: float
    fano_chip: float
    criterion: str
    trace_rms: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Comparison:
    """Result of :func:`compare`; ``populations`` maps names to :class:`PopulationComparison`."""

    populations: dict
    van_rossum_tau_ms: float
    duration_ms: float
    fano_window_ms: float = 100.0

    def passed(self, tolerance: float) -> bool:
        """True when every active population's rate error is within ``tolerance`` (fraction)."""
        return not self.failures(tolerance)

    def failures(self, tolerance: float) -> list[str]:
        """One line per population whose chip rate is off by more than ``tolerance`` (fraction);
        a population silent in float that fires on chip (infinite error) always fails."""
        return list(self.failures_by_population(tolerance).values())

    def failures_by_population(self, tolerance: float) -> dict:
        """Population name -> its line of :meth:`failures`, for the failing populations."""
        out = {}
        for p in self.populations.values():
            if p.rate_rel_error > tolerance:
                if p.rate_float == 0:
                    error = f"no spike in float; any chip rate exceeds {tolerance:.1%}"
                else:
                    error = f"{p.rate_rel_error:.1%} > {tolerance:.1%}"
                    if p.rate_chip == 0:
                        error += ", no spike on chip"
                out[p.name] = (f"{p.name}: rate {p.rate_chip:.3g} Hz on chip vs {p.rate_float:.3g} Hz "
                               f"in float ({error})")
        return out

    def silent(self) -> list[str]:
        """One line per population that fired no spike (none of its neurons) in float, on chip
        or in both: its row of the tables cannot show whether the chip follows float."""
        return list(self.silent_by_population().values())

    def silent_by_population(self) -> dict:
        """Population name -> its line of :meth:`silent`, for the silent populations."""
        out = {}
        for p in self.populations.values():
            if p.rate_float == 0 and p.rate_chip == 0:
                out[p.name] = (f"{p.name}: no spike in float nor on chip over {self.duration_ms:g} ms, "
                               "so nothing to compare (drive it, or run longer)")
            elif p.rate_float == 0:
                out[p.name] = f"{p.name}: no spike in float, {p.rate_chip:.3g} Hz on chip"
            elif p.rate_chip == 0:
                out[p.name] = f"{p.name}: no spike on chip, {p.rate_float:.3g} Hz in float"
        return out

    def table(self) -> Table:
        """Rates and spike timing, one row per population, and the criterion that judged it."""
        t = Table(title=f"Float vs chip over {self.duration_ms:g} ms "
                        f"(van Rossum tau = {self.van_rossum_tau_ms:g} ms)")
        for col in ("population", "rate float Hz", "rate chip Hz", "rate err", "count corr",
                    "same step", "±1 step", "van Rossum", "1st spike err ms", "judged by"):
            t.add_column(col, justify="right")
        for p in self.populations.values():
            t.add_row(p.name, f"{p.rate_float:.3g}", f"{p.rate_chip:.3g}", _pct(p.rate_rel_error),
                      _num(p.count_correlation), _pct(p.same_step_fraction),
                      _pct(p.within_one_step_fraction), _num(p.van_rossum),
                      _num(p.first_spike_error_ms), p.criterion)
        return t

    def distribution_table(self) -> Table:
        """Distribution-level statistics, the criterion for populations whose spikes diverge."""
        t = Table(title=f"Distributions: per-neuron rates (KS statistic), ISI CV, Fano factor "
                        f"({self.fano_window_ms:g} ms windows)")
        for col in ("population", "rate KS", "ISI CV float", "ISI CV chip", "Fano float",
                    "Fano chip"):
            t.add_column(col, justify="right")
        for p in self.populations.values():
            t.add_row(p.name, _num(p.rate_ks), _num(p.isi_cv_float), _num(p.isi_cv_chip),
                      _num(p.fano_float), _num(p.fano_chip))
        return t

    def tables(self) -> list[Table]:
        """Every table :meth:`__str__` prints: timing, distributions and traces (if probed)."""
        out = [self.table(), self.distribution_table()]
        traces = self.traces_table()
        if traces is not None:
            out.append(traces)
        return out

    def to_dict(self) -> dict:
        """Plain data (JSON-ready; nan and inf become None) of every number in the tables."""
        def clean(x):
            if isinstance(x, float) and not np.isfinite(x):
                return None
            return x
        pops = {}
        for p in self.populations.values():
            row = {k: clean(v) for k, v in asdict(p).items() if k != "trace_rms"}
            row["trace_rms"] = {var: {"rms": clean(rms), "unit": unit}
                                for var, (rms, unit) in p.trace_rms.items()}
            pops[p.name] = row
        return {"duration_ms": self.duration_ms, "van_rossum_tau_ms": self.van_rossum_tau_ms,
                "fano_window_ms": self.fano_window_ms,
                "timing_criterion": TIMING_CRITERION, "populations": pops}

    def traces_table(self) -> Table | None:
        rows = [(p.name, var, rms) for p in self.populations.values() for var, rms in p.trace_rms.items()]
        if not rows:
            return None
        t = Table(title="Probed state: RMS error of the chip in physical units")
        for col in ("population", "variable", "RMS error"):
            t.add_column(col)
        for name, var, (rms, unit) in rows:
            t.add_row(name, var, f"{rms:.4g} {unit}")
        return t

    def __str__(self) -> str:
        console = Console(file=io.StringIO(), width=160, record=True, color_system=None)
        for table in self.tables():
            console.print(table)
        return console.export_text()

    def __repr__(self) -> str:
        """One line: per population (the first few) float vs chip rate, error and criterion."""
        from ..io.tables import counted, shortened

        pops = list(self.populations.values())
        items = [f"{shortened(p.name, 30)} {p.rate_float:.3g} vs {p.rate_chip:.3g} Hz "
                 f"({_pct(p.rate_rel_error)}, {p.criterion})" for p in pops[:REPR_POPULATIONS]]
        if len(pops) > REPR_POPULATIONS:
            items.append(f"... {len(pops) - REPR_POPULATIONS} more")
        return (f"Comparison(float vs chip over {self.duration_ms:g} ms, "
                f"{counted(len(pops), 'population')}: {'; '.join(items)})")

    def _repr_html_(self) -> str:
        """A notebook's view: the tables :meth:`__str__` prints (``neurocompile build`` too)."""
        from ..io.tables import html_block

        return html_block(f"Float vs chip over {self.duration_ms:g} ms", self.tables())


def _pct(x: float) -> str:
    return "-" if not np.isfinite(x) else f"{x:.1%}"


def _num(x: float) -> str:
    return "-" if not np.isfinite(x) else f"{x:.3g}"


def compare(ref, out, van_rossum_tau: float = 10.0, fano_window: float = 100.0,
            units: dict | None = None, network=None) -> Comparison:
    """Compare a float reference ``ref`` with a chip run ``out`` of the same network and length.

    Args:
        ref, out: :class:`~neurocompile.Result` of ``nc.simulate`` and ``Program.run``.
        van_rossum_tau: time constant of the van Rossum distance, ms.
        fano_window: window of the Fano factor's spike counts, ms.
        units: optional (population, variable) -> unit string for the trace table.
        network: optional :class:`~neurocompile.Network` the runs came from; it supplies the
            units of the probed state variables (see :func:`state_units`).
    """
    for param, value in (("van_rossum_tau", van_rossum_tau), ("fano_window", fano_window)):
        if not (isinstance(value, (int, float)) and 0 < value < float("inf")):
            raise invalid("compare", param, value, "must be a finite time > 0 ms")
    if abs(ref.dt - out.dt) > 1e-12 or ref.n_steps != out.n_steps:
        raise invalid("compare", "runs", f"{ref!r} vs {out!r}", "must have the same dt and number of steps")
    if set(ref.populations) != set(out.populations):
        raise NetworkError("compare: the runs come from different networks (populations differ)")
    units = {**(state_units(network) if network is not None else {}), **(units or {})}
    dt, n_steps = ref.dt, ref.n_steps
    pops = {}
    for name in ref.populations:
        rate_f, rate_c = ref.rates(name), out.rates(name)
        mean_f, mean_c = float(rate_f.mean()), float(rate_c.mean())
        rel = abs(mean_c - mean_f) / mean_f if mean_f > 0 else (0.0 if mean_c == 0 else float("inf"))
        corr = _correlation(ref.counts[name], out.counts[name])
        timing = _timing(ref, out, name, dt, n_steps, van_rossum_tau, fano_window)
        if mean_f == 0 and mean_c == 0:  # agreement of no spikes with no spikes says nothing
            timing["same"] = timing["within1"] = float("nan")
        within = timing["within1"]
        criterion = ("silent" if mean_f == 0 and mean_c == 0
                     else "spike timing" if np.isfinite(within) and within >= TIMING_CRITERION
                     else "distribution" if np.isfinite(within) else "rates")
        rms = {}
        for var in _traced(ref, name):
            if var in _traced(out, name):
                a, b = ref.trace(name, var), out.trace(name, var)
                if a.shape == b.shape:
                    unit = units.get((name, var), "mV" if var == "v" else "")
                    rms[var] = (float(np.sqrt(np.mean((a - b) ** 2))), unit)
        pops[name] = PopulationComparison(
            name, mean_f, mean_c, rel, corr, timing["same"], within, timing["van_rossum"],
            timing["first"], metrics.ks_statistic(rate_f, rate_c), timing["cv_f"], timing["cv_c"],
            timing["fano_f"], timing["fano_c"], criterion, rms)
    return Comparison(pops, van_rossum_tau, ref.duration, fano_window)


def state_units(network) -> dict:
    """(population, state variable) -> unit, from the models of ``network`` (e.g. AdEx w: pA)."""
    return {(name, var): unit for name, pop in network.populations.items()
            for var, unit in pop.model.state_variables.items()}


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    if a.size < 2 or a.std() == 0 or b.std() == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def _traced(result, name):
    return [var for (pop, var) in getattr(result, "_traces", {}) if pop == name]


def _timing(ref, out, name, dt, n_steps, tau, fano_window):
    nan = float("nan")
    empty = {"same": nan, "within1": nan, "van_rossum": nan, "first": nan, "cv_f": nan,
             "cv_c": nan, "fano_f": nan, "fano_c": nan}
    try:
        fs, fi = ref.spike_steps(name)
        cs, ci = out.spike_steps(name)
        probed = ref.spike_indices(name)
    except NetworkError:
        return empty
    if not np.array_equal(probed, out.spike_indices(name)):
        return empty
    # Work in probe-local neuron indices to keep arrays small.
    fi, ci = np.searchsorted(probed, fi), np.searchsorted(probed, ci)
    n = probed.size
    window = max(1, int(round(fano_window / dt)))
    cv_f, cv_c = metrics.per_neuron_isi_cv(fs, fi, dt), metrics.per_neuron_isi_cv(cs, ci, dt)
    return {
        "same": metrics.timing_agreement(fs, fi, cs, ci, 0),
        "within1": metrics.timing_agreement(fs, fi, cs, ci, 1),
        "van_rossum": metrics.van_rossum(fs, fi, cs, ci, n, n_steps, dt, tau),
        "first": metrics.first_spike_latency_error(fs, fi, cs, ci, dt),
        "cv_f": float(cv_f.mean()) if cv_f.size else nan,
        "cv_c": float(cv_c.mean()) if cv_c.size else nan,
        "fano_f": metrics.fano_factor(fs, fi, n, n_steps, window),
        "fano_c": metrics.fano_factor(cs, ci, n, n_steps, window),
    }
