"""Rich tables describing a compiled program: resources, quantization, placement.

The quantization report a program carries is numbers and text for people, not checked when a
program is loaded (the loader checks what runs): each entry is read through :class:`Entries`,
where a missing entry shows as "-" and an entry of the wrong kind is one
:class:`~neurocompile.ProgramFileError` naming the population or projection and the key. Every
cell is plain text (a name with brackets is not rich markup).
"""
from __future__ import annotations

import io
import numbers

import numpy as np
from rich.console import Console
from rich.table import Table
from rich.text import Text

from .archive import ProgramFileError


def _range(values) -> str:
    arr = np.asarray(values, dtype=float)
    lo, hi = float(arr.min()), float(arr.max())
    return f"{lo:.4g}" if np.isclose(lo, hi) else f"{lo:.4g}..{hi:.4g}"


def _shown(value) -> str:
    """A report value in an error message: short, on one line."""
    text = " ".join(repr(value).split())
    return text if len(text) <= 60 else text[:57] + "..."


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


class Entries:
    """One report dict (of ``owner``, e.g. "population 'a'") read for the tables: a missing
    entry (or None) renders as "-"; an entry of the wrong kind raises ProgramFileError."""

    def __init__(self, owner: str, report, path: str = "report"):
        self.owner, self.path = owner, path
        if not isinstance(report, dict):
            raise self._error(path, report, "must be a dict of report entries")
        self.report = report

    def _error(self, label: str, value, rule: str) -> ProgramFileError:
        return ProgramFileError(f"{self.owner}: {label} = {_shown(value)} {rule}")

    def _get(self, key):
        return self.report.get(key)

    def __contains__(self, key) -> bool:
        return self._get(key) is not None

    def label(self, key: str) -> str:
        return f"{self.path}['{key}']"

    def number(self, key: str, spec: str, default=None) -> str:
        """A number formatted with ``spec``; "-" (or ``default`` formatted) when absent."""
        value = self._get(key)
        if value is None:
            return "-" if default is None else format(default, spec)
        if not _is_number(value):
            raise self._error(self.label(key), value, "must be a number")
        return format(float(value), spec)

    def integer(self, key: str) -> str:
        value = self._get(key)
        if value is None:
            return "-"
        if not isinstance(value, (numbers.Integral, np.integer)) or isinstance(value, (bool, np.bool_)):
            raise self._error(self.label(key), value, "must be an integer")
        return str(int(value))

    def text(self, key: str) -> str:
        value = self._get(key)
        if value is None:
            return "-"
        if not isinstance(value, str):
            raise self._error(self.label(key), value, "must be text")
        return value

    def pair(self, key: str):
        """``(requested, chip)``: two numbers or non-empty arrays of numbers (None if absent)."""
        value = self._get(key)
        if value is None:
            return None
        rule = "must be (requested, chip) values: two numbers or non-empty arrays of numbers"
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            raise self._error(self.label(key), value, rule)
        try:
            sides = [np.asarray(side, dtype=float) for side in value]
        except (TypeError, ValueError):
            raise self._error(self.label(key), value, rule) from None
        if any(side.size == 0 for side in sides):
            raise self._error(self.label(key), value, rule)
        return sides

    def requested_to_chip(self, key: str) -> str:
        """``"requested -> chip"`` ranges, or "-"."""
        sides = self.pair(key)
        return "-" if sides is None else f"{_range(sides[0])} -> {_range(sides[1])}"

    def chip(self, key: str) -> str:
        """The chip's side of a ``(requested, chip)`` entry, as a range, or "-"."""
        sides = self.pair(key)
        return "-" if sides is None else _range(sides[1])

    def sub(self, key: str):
        """A nested report dict as Entries, or None when absent."""
        value = self._get(key)
        return None if value is None else Entries(self.owner, value, self.label(key))

    def items(self):
        """(name, Entries) for a dict of nested report dicts (the receptors' reports)."""
        for name, value in self.report.items():
            if not isinstance(name, str):
                raise self._error(f"{self.path} key", name, "must be text")
            yield name, Entries(f"{self.owner}, receptor '{name}'", value, f"{self.path}['{name}']")


def add_text_row(table: Table, *cells: str) -> None:
    """Add a row of plain-text cells (never read as rich markup)."""
    table.add_row(*(Text(cell) for cell in cells))


def resource_table(program) -> Table:
    s = program.summary()
    usage = program.usage
    t = Table(title=Text(f"Resources on target '{program.target.name}'"))
    for col in ("neurons", "synapses", "cores used", "chips used", "max neurons/core",
                "max synapses/core", "max fan-in/core"):
        t.add_column(col, justify="right")
    util = usage.utilisation()
    add_text_row(t, str(s["neurons"]), str(s["synapses"]), f"{s['cores_used']} / {program.placement.n_cores}",
              str(s["chips_used"]),
              f"{usage.neurons.max()} ({util['neurons'][0]:.0%})",
              f"{usage.synapse_entries.max()} ({util['synapse_entries'][0]:.0%})",
              f"{usage.fanin_axons.max()} ({util['fanin_axons'][0]:.0%})")
    return t


def population_quant_table(program) -> Table:
    t = Table(title="Quantization: populations")
    for col in ("population", "model", "neurons", "tau_mem ms / beta (req -> chip)",
                "tau_syn ms / alpha (req -> chip)", "threshold err", "bias err", "voltage LSB",
                "worst input / range"):
        t.add_column(col)
    for q in program.quantized.populations.values():
        if q.model == "source":
            continue
        r = Entries(f"population '{q.name}'", q.report)
        keys = ("beta", "alpha") if "beta" in r else ("tau_mem", "tau_syn")
        tau_m, tau_s = (r.requested_to_chip(key) for key in keys)
        worst = [f"a_in {r.number('worst_input_vs_dendrite', '.0%')}"] if "worst_input_vs_dendrite" in r else []
        if "worst_current_vs_state" in r:
            worst.append(f"u {r.number('worst_current_vs_state', '.0%')}")
        lsb = r.number("voltage_lsb_mV", ".3g")
        add_text_row(t, q.name, q.model, str(q.size), tau_m, tau_s, r.number("threshold_rel_error", ".2e"),
                 r.number("bias_rel_error", ".2e", default=0.0), lsb if lsb == "-" else f"{lsb} mV",
                 ", ".join(worst) or "-")
    return t


def receptor_quant_table(program) -> Table | None:
    """One row per (population, receptor) element kind: realised kinetics and scales (None
    when no population has ``receptors=``)."""
    rows = [(q, name, r) for q in program.quantized.populations.values() if q.receptors is not None
            for name, r in Entries(f"population '{q.name}'", q.receptors.report, "receptors.report").items()]
    if not rows:
        return None
    t = Table(title="Quantization: receptor elements (docs/chip.md section 4.5)")
    for col in ("population", "receptor", "kind", "tau ms (req -> chip)", "rise ms (req -> chip)",
                "E_rev mV (req -> chip)", "scale"):
        t.add_column(col)
    for q, name, r in rows:
        kind = r.text("kind")
        tau = r.requested_to_chip("tau" if kind in ("current", "leak") else "tau_decay")
        if kind == "leak":
            scale = (f"the leak (a 12-bit dv would be {r.number('dv_rel_error', '.1%')} off), "
                     f"F = {r.integer('drive_shift')}")
        elif kind == "current":
            scale = f"{r.integer('extra_bits')} extra bits"
        else:
            scale = f"g LSB {r.number('g_lsb', '.3g')}, F = {r.integer('drive_shift')}"
        if r.text("sizing") == "measured":
            scale += " (sized on float runs)"
        b = r.sub("mg_block")
        if b is not None:
            scale += (f"; Mg {b.number('mg', 'g')} mM: {b.integer('entries')} x "
                      f"{b.number('spacing_mV', '.3g')} mV, err {b.number('max_error', '.1e')}")
        add_text_row(t, q.name, name, kind, tau, r.requested_to_chip("tau_rise"), r.requested_to_chip("E_rev"),
                     scale)
    return t


def projection_quant_table(program) -> Table:
    t = Table(title="Quantization: projections")
    with_receptors = any(p.receptor for p in program.quantized.projections)
    with_stp = any(p.stp is not None for p in program.quantized.projections)
    with_gates = any(p.gate is not None for p in program.quantized.projections)
    for col in ("projection", *(("receptor",) if with_receptors else ()), "synapses", "sign", "weight exp",
                "max |mantissa|", "rel. RMS weight err", "zeroed",
                *(("STP U, tau_rec, tau_fac ms (chip)",) if with_stp else ()),
                *(("NMDA gate a, tau_rise, tau_decay ms (chip)",) if with_gates else ())):
        t.add_column(col)
    for p in program.quantized.projections:
        r = Entries(f"projection '{p.name}'", p.report)
        # a fine part ("[+lo]") completes its coarse part: the pair's error is on the coarse row
        error = "(with coarse part)" if p.name.endswith("lo]") else r.number("rel_rms_error", ".2e")
        stp = ()
        if with_stp:
            s = r.sub("stp")
            stp = (", ".join(s.chip(key) for key in ("U", "tau_rec", "tau_fac")) if s else "-",)
        if with_gates:
            g = r.sub("nmda_gate")
            stp += (", ".join(g.chip(key) for key in ("a", "tau_rise", "tau_decay")) if g else "-",)
        add_text_row(t, p.name, *((p.receptor or "-",) if with_receptors else ()), str(p.n_synapses),
                 r.text("sign_mode"), r.integer("weight_exp"), r.integer("mantissa_max"), error,
                 r.integer("synapses_zeroed"), *stp)
    return t


def learning_table(program) -> Table | None:
    """The plastic projections (docs/chip.md section 3.6): their rule as the chip realises it,
    their synapse memory, the learning engine's busiest core and its learning epoch (weights
    updated every ``2**epoch_log2`` steps); None without any."""
    plastic = [p for p in program.quantized.projections if p.learning is not None]
    learning = program.target.learning
    if not plastic or learning is None:
        return None
    from ..place.usage import learning_usage

    per_core, _ = learning_usage(program.quantized.projections, program.placement.core_of, program.placement.n_cores,
                                 program.target)
    epoch = 1 << learning.epoch_log2
    t = Table(title=Text(f"Learning (STDP): busiest core {int(per_core.max())} of {learning.plastic_synapses} plastic "
                         f"synapses; {learning.update_pj:g} pJ, {learning.update_ns:g} ns per update; epoch "
                         f"{epoch} step{'s' if epoch > 1 else ''} ({epoch * program.quantized.dt:g} ms)"
                         + ("" if epoch > 1 else ": every step")))
    for col in ("projection", "rule", "synapses", "entries", "tau+, tau- ms (chip)", "A+, A- (chip)",
                "w_min..w_max (chip)", "weight step", "epoch loss +, -"):
        t.add_column(col)
    for p in plastic:
        r = Entries(f"projection '{p.name}'", p.report)
        s = r.sub("stdp")
        if s is None:
            add_text_row(t, p.name, *("-",) * 8)
            continue
        rule = "additive" if int(p.learning[0]) == 0 else "multiplicative"
        add_text_row(t, p.name, rule, str(p.n_synapses), str(p.n_synapses * learning.plastic_synapse_entries),
                     f"{s.chip('tau_plus')}, {s.chip('tau_minus')}", f"{s.chip('A_plus')}, {s.chip('A_minus')}",
                     f"{s.chip('w_min')}..{s.chip('w_max')}", s.number("weight_step", ".3g"),
                     _epoch_loss(s, learning.epoch_log2, program.quantized.dt))
    return t


def _epoch_loss(stdp: Entries, epoch_log2: int, dt: float) -> str:
    """The learning epochs' largest shrink of a pairing's change on each side of the window
    (:func:`~neurocompile.quantize.plasticity.epoch_window_loss` of the realised tau+, tau-),
    or "-" without the taus."""
    from ..quantize.plasticity import epoch_window_loss

    sides = [stdp.pair(key) for key in ("tau_plus", "tau_minus")]
    if any(side is None for side in sides):
        return "-"
    return ", ".join(f"{epoch_window_loss(epoch_log2, dt, float(np.min(side[1]))):.1%}" for side in sides)


def placement_table(program, rates=None, rates_from: str | None = None) -> Table:
    """Where each population sits and the whole placement's metrics, expected per step under
    ``rates`` (population -> Hz, labelled by ``rates_from``) or, without them, the default
    rates (:func:`neurocompile.place.placement_metrics`); the table names which."""
    t = Table(title=Text(f"Placement ({program.placement.method})"))
    for col in ("population", "cores", "destinations/spike", "hops/spike (E-W, N-S, chip)"):
        t.add_column(col)
    for name, cores in program.placement.core_of.items():
        r = program.routes[name]
        on_chip = np.unique(cores[cores >= 0])
        where = f"{on_chip.min()}..{on_chip.max()}" if on_chip.size else "host"
        add_text_row(t, name, where, f"{r.messages.mean():.2f}",
                 f"{r.east_west.mean():.2f}, {r.north_south.mean():.2f}, {r.inter_chip.mean():.2f}")
    from ..place.metrics import placement_metrics

    t.add_section()
    for label, value in placement_metrics(program, rates=rates, rates_from=rates_from).rows():
        add_text_row(t, label, value, "", "")
    for note in getattr(program.placement, "notes", ()):
        add_text_row(t, "note", note, "", "")
    return t


def issues_lines(program) -> list[str]:
    return [str(i) for i in program.quantized.issues]


def tables(program, rates=None, rates_from: str | None = None) -> list[Table]:
    """The report's tables; the receptor and projection tables only when there is something in
    them. ``rates``, ``rates_from``: see :func:`placement_table`."""
    receptors = receptor_quant_table(program)
    projections = [projection_quant_table(program)] if program.quantized.projections else []
    learning = learning_table(program)
    return [resource_table(program), population_quant_table(program), *([receptors] if receptors else []),
            *projections, *([learning] if learning else []), placement_table(program, rates, rates_from)]


def render_text(program, width: int = 110) -> str:
    console = Console(file=io.StringIO(), width=width, record=True, color_system=None)
    for table in tables(program):
        console.print(table)
    issues = issues_lines(program)
    console.print("Quantization issues: " + ("none" if not issues else ""), markup=False)
    for line in issues:
        console.print(f"  - {line}", markup=False)
    return console.export_text()
