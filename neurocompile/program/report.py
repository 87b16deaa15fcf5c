"""Rich tables describing a compiled program: resources, quantization, placement."""
from __future__ import annotations

import io

import numpy as np
from rich.console import Console
from rich.table import Table


def _range(values) -> str:
    arr = np.asarray(values, dtype=float)
    lo, hi = float(arr.min()), float(arr.max())
    return f"{lo:.4g}" if np.isclose(lo, hi) else f"{lo:.4g}..{hi:.4g}"


def resource_table(program) -> Table:
    s = program.summary()
    usage = program.usage
    t = Table(title=f"Resources on target '{program.target.name}'")
    for col in ("neurons", "synapses", "cores used", "chips used", "max neurons/core",
                "max synapses/core", "max fan-in/core"):
        t.add_column(col, justify="right")
    util = usage.utilisation()
    t.add_row(str(s["neurons"]), str(s["synapses"]), f"{s['cores_used']} / {program.placement.n_cores}",
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
        r = q.report
        tau_m, tau_s = (f"{_range(r[key][0])} -> {_range(r[key][1])}" if key in r else "-"
                        for key in (("beta", "alpha") if "beta" in r else ("tau_mem", "tau_syn")))
        thr = f"{r['threshold_rel_error']:.2e}" if "threshold_rel_error" in r else "-"
        worst = [f"a_in {r['worst_input_vs_dendrite']:.0%}"] if "worst_input_vs_dendrite" in r else []
        if "worst_current_vs_state" in r:
            worst.append(f"u {r['worst_current_vs_state']:.0%}")
        t.add_row(q.name, q.model, str(q.size), tau_m, tau_s, thr, f"{r.get('bias_rel_error', 0.0):.2e}",
                  f"{r['voltage_lsb_mV']:.3g} mV", ", ".join(worst) or "-")
    return t


def receptor_quant_table(program) -> Table | None:
    """One row per (population, receptor) element kind: realised kinetics and scales (None
    when no population has ``receptors=``)."""
    rows = [(q, name, r) for q in program.quantized.populations.values() if q.receptors is not None
            for name, r in q.receptors.report.items()]
    if not rows:
        return None
    t = Table(title="Quantization: receptor elements (docs/chip.md section 4.5)")
    for col in ("population", "receptor", "kind", "tau ms (req -> chip)", "rise ms (req -> chip)",
                "E_rev mV (req -> chip)", "scale"):
        t.add_column(col)
    for q, name, r in rows:
        tau = r["tau"] if r["kind"] in ("current", "leak") else r["tau_decay"]
        rise = f"{_range(r['tau_rise'][0])} -> {_range(r['tau_rise'][1])}" if "tau_rise" in r else "-"
        e_rev = f"{_range(r['E_rev'][0])} -> {_range(r['E_rev'][1])}" if "E_rev" in r else "-"
        if r["kind"] == "leak":
            scale = f"the leak (a 12-bit dv would be {r['dv_rel_error']:.1%} off), F = {r['drive_shift']}"
        elif r["kind"] == "current":
            scale = f"{r['extra_bits']} extra bits"
        else:
            scale = f"g LSB {r['g_lsb']:.3g}, F = {r['drive_shift']}"
        if r.get("sizing") == "measured":
            scale += " (sized on float runs)"
        if "mg_block" in r:
            b = r["mg_block"]
            scale += f"; Mg {b['mg']:g} mM: {b['entries']} x {b['spacing_mV']:.3g} mV, err {b['max_error']:.1e}"
        t.add_row(q.name, name, r["kind"], f"{_range(tau[0])} -> {_range(tau[1])}", rise, e_rev, scale)
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
        r = p.report
        # a fine part ("[+lo]") completes its coarse part: the pair's error is on the coarse row
        error = "(with coarse part)" if p.name.endswith("lo]") else f"{r['rel_rms_error']:.2e}"
        stp = ()
        if with_stp:
            s = r.get("stp")
            stp = (f"{s['U'][1]:.4g}, {s['tau_rec'][1]:.4g}, {s['tau_fac'][1]:.4g}" if s else "-",)
        if with_gates:
            g = r.get("nmda_gate")
            stp += (f"{g['a'][1]:.4g}, {g['tau_rise'][1]:.4g}, {g['tau_decay'][1]:.4g}" if g else "-",)
        t.add_row(p.name, *((p.receptor or "-",) if with_receptors else ()), str(p.n_synapses), r["sign_mode"],
                  str(r["weight_exp"]), str(r["mantissa_max"]), error, str(r["synapses_zeroed"]), *stp)
    return t


def placement_table(program) -> Table:
    t = Table(title=f"Placement ({program.placement.method})")
    for col in ("population", "cores", "destinations/spike", "hops/spike (E-W, N-S, chip)"):
        t.add_column(col)
    for name, cores in program.placement.core_of.items():
        r = program.routes[name]
        on_chip = np.unique(cores[cores >= 0])
        where = f"{on_chip.min()}..{on_chip.max()}" if on_chip.size else "host"
        t.add_row(name, where, f"{r.messages.mean():.2f}",
                  f"{r.east_west.mean():.2f}, {r.north_south.mean():.2f}, {r.inter_chip.mean():.2f}")
    # Whole-placement metrics (docs/placement.md), expected per step at default rates.
    from ..place.metrics import placement_metrics

    t.add_section()
    for label, value in placement_metrics(program).rows():
        t.add_row(label, value, "", "")
    return t


def issues_lines(program) -> list[str]:
    return [str(i) for i in program.quantized.issues]


def tables(program) -> list[Table]:
    receptors = receptor_quant_table(program)
    return [resource_table(program), population_quant_table(program), *([receptors] if receptors else []),
            projection_quant_table(program), placement_table(program)]


def render_text(program, width: int = 110) -> str:
    console = Console(file=io.StringIO(), width=width, record=True, color_system=None)
    for table in tables(program):
        console.print(table)
    issues = issues_lines(program)
    console.print("Quantization issues: " + ("none" if not issues else ""))
    for line in issues:
        console.print(f"  - {line}")
    return console.export_text()
