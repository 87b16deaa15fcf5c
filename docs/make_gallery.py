"""Make the README gallery (docs/gallery/*.png) and the table of the examples' float-vs-chip results.

    python docs/make_gallery.py            # plots and table (a few minutes on two cores)
    python docs/make_gallery.py --plots    # plots only
    python docs/make_gallery.py --table    # table only
    python docs/make_gallery.py --table --decision-runs float.json chip.json
                                           # decision_making from saved trial runs

Needs the plot, examples and nir extras: pip install '.[plot,examples,nir]', and
../shared/nir-paper, ../shared/nir-clients beside the repository (nir_lif, snntorch_digits).
The table is printed as Markdown and also written to docs/gallery/results.md.
"""
from __future__ import annotations

import argparse
import json
import runpy
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import neurocompile as nc  # noqa: E402
from neurocompile.plots import plot_rates, plot_raster, plot_traces  # noqa: E402

GALLERY = ROOT / "docs" / "gallery"
COMMAND = "python docs/make_gallery.py --table"
#: Trials per coherence of the decision-making row when no saved runs are given (~6 s each).
DECISION_TRIALS = 10


def example(name: str) -> dict:
    return runpy.run_path(str(ROOT / "examples" / f"{name}.py"))


def make_plots() -> list[Path]:
    written = []
    brunel = example("brunel")
    net = brunel["build"]()
    ref, chip = nc.simulate(net, 300.0), nc.compile(net, "emu").run(300.0)
    written.append(plot_raster(ref, chip, GALLERY / "raster.png", max_neurons=150))
    written.append(plot_rates(ref, chip, GALLERY / "rates.png", network=net))

    adex = example("adex_patterns")
    net = adex["build_packed"]()
    ref, chip = nc.simulate(net, 450.0), nc.compile(net, "emu").run(450.0)
    written.append(plot_traces(ref, chip, GALLERY / "traces.png", max_traces=3, t_max=450.0))

    izhikevich = example("izhikevich_types")
    izhikevich["draw"](izhikevich["evaluate"](), GALLERY / "izhikevich.png")
    written.append(GALLERY / "izhikevich.png")
    hh = example("hh")
    hh["draw"](hh["evaluate"](), GALLERY / "hh.png")
    written.append(GALLERY / "hh.png")
    try:
        from neurocompile.plots.mesh import plot_mesh
    except ImportError:
        print("mesh plot skipped: neurocompile.plots.mesh is not available")
    else:
        net = example("cuba")["net"]
        program = nc.compile(net, "emu")
        chip = program.run(200.0)
        written.append(plot_mesh(program, GALLERY / "mesh.png",
                                 rates={n: chip.rates(n) for n in chip.populations}, rates_from="chip run"))
    return written


def results_table(decision_runs=None) -> str:
    rows = []

    # The rate networks: cuba (one synaptic time constant), brette_cuba (two receptors), coba
    # (conductances). Peer rates: BrainPy 2.8 (issue 17), Brian2 2.9 cython, mean of 5 seeds
    # (measured on this machine type).
    peers = {"cuba": "", "brette_cuba": "; BrainPy 5.47 / 5.59, Brian2 5.67 / 5.64 Hz",
             "coba": "; BrainPy 20.8 / 21.3, Brian2 22.0 / 21.7 Hz"}
    for name, peer in peers.items():
        start = time.perf_counter()
        net = example(name)["net"]
        ref, chip = nc.simulate(net, 1000.0), nc.compile(net, "emu").run(1000.0)
        c = nc.compare(ref, chip).populations
        rows.append((name, f"mean rate exc / inh (1 s){peer}",
                     f"{c['exc'].rate_float:.2f} / {c['inh'].rate_float:.2f} Hz",
                     f"{c['exc'].rate_chip:.2f} / {c['inh'].rate_chip:.2f} Hz",
                     f"{c['exc'].rate_rel_error:.1%} / {c['inh'].rate_rel_error:.1%}",
                     time.perf_counter() - start))

    start = time.perf_counter()
    stp = example("stp")["evaluate"]()
    d, f = stp["depressing"], stp["facilitating"]
    rows.append(("stp", "PSP 8 and recovery PSP / first, depressing; facilitating",
                 f"{d['float'][7] / d['float'][0]:.3f}, {d['float'][8] / d['float'][0]:.3f}; "
                 f"{f['float'][7] / f['float'][0]:.3f}, {f['float'][8] / f['float'][0]:.3f}",
                 f"{d['chip'][7] / d['chip'][0]:.3f}, {d['chip'][8] / d['chip'][0]:.3f}; "
                 f"{f['chip'][7] / f['chip'][0]:.3f}, {f['chip'][8] / f['chip'][0]:.3f}",
                 f"PSPs within {max(d['max_rel_error'], f['max_rel_error']):.1%} of the largest",
                 time.perf_counter() - start))

    start = time.perf_counter()
    b = example("brunel")["evaluate"]()
    f, h = b["float"], b["chip"]
    rows.append(("brunel", "exc rate, ISI CV, synchrony chi (0.5 s)",
                 f"{f['rate_exc']:.1f} Hz, {f['cv_exc']:.2f}, {f['chi_exc']:.2f}",
                 f"{h['rate_exc']:.1f} Hz, {h['cv_exc']:.2f}, {h['chi_exc']:.2f}",
                 f"rate {abs(h['rate_exc'] / f['rate_exc'] - 1):.1%}",
                 time.perf_counter() - start))

    start = time.perf_counter()
    a = example("adex_patterns")["evaluate"]()
    same = sum(r["float"] == r["chip"] for r in a.values())
    ok = sum(r["float"] == r["expected"] for r in a.values())
    rows.append(("adex_patterns", "pattern class of 10 neurons",
                 f"{ok}/10 as documented", f"{same}/10 same class as float",
                 "max spike-count diff "
                 f"{max(abs(r['float_spikes'] - r['chip_spikes']) for r in a.values())}",
                 time.perf_counter() - start))

    start = time.perf_counter()
    z = example("izhikevich_types")["evaluate"]()
    equal = sum(r["float_spikes"] == r["chip_spikes"] for r in z.values())
    rows.append(("izhikevich_types", "the 20 features of Izhikevich (2004, Fig. 1), a check per feature",
                 f"{sum(r['float_shows'] for r in z.values())}/20 shown",
                 f"{sum(r['chip_shows'] for r in z.values())}/20 shown, {sum(r['kept'] for r in z.values())}/20 kept",
                 f"spike counts within {max(abs(r['float_spikes'] - r['chip_spikes']) for r in z.values())} "
                 f"({equal} equal), first spike within {max(r['first_spike_diff_ms'] for r in z.values()):.1f} ms",
                 time.perf_counter() - start))

    start = time.perf_counter()
    h = example("hh")["evaluate"]()
    rows.append(("hh", "Hodgkin-Huxley f-I, 6.3-100 uA/cm2 (rates at 6.3 / 100); mean spike peak error",
                 f"{h['float_rates'][0]:.2f} / {h['float_rates'][-1]:.2f} Hz",
                 f"{h['chip_rates'][0]:.2f} / {h['chip_rates'][-1]:.2f} Hz",
                 f"rates within {np.max(np.abs(h['rate_rel_error'])):.2%}, peaks within "
                 f"{np.max(np.abs(h['peak_error_mV'])):.2f} mV", time.perf_counter() - start))

    start = time.perf_counter()
    dm = example("decision_making")
    if decision_runs:  # trial rates written by examples/decision_making.py --only ... --out
        runs = {run["backend"]: run for run in (json.loads(Path(p).read_text()) for p in decision_runs)}
    else:
        runs = {b: dm["run_trials"](b, DECISION_TRIALS) for b in ("float", "chip")}
    d = dm["psychometric"](runs)
    fmt = lambda xs: " ".join(f"{x:.0%}" for x in xs)  # noqa: E731
    rows.append(("decision_making", "Wang (2002): P(choose A) at c = " + " ".join(
                 f"{x:.1%}" for x in d["coherences"]) + f" ({d['float']['trials']} trials each)",
                 fmt(d["float"]["p_a"]), fmt(d["chip"]["p_a"]),
                 f"95% intervals overlap at {sum(d['agree'])}/{len(d['agree'])} coherences, each inside the "
                 f"other's at {sum(d['inside'])}; paired McNemar p >= {min(d['mcnemar_p']):.2f}; "
                 f"{d['changed']:.1%} of trials choose differently",
                 time.perf_counter() - start))

    start = time.perf_counter()
    k = example("cann")["evaluate"]()
    rows.append(("cann", "bump position error hold / track (rad)",
                 f"{k['float_hold_error']:.3f} / {k['float_track_error']:.3f}",
                 f"{k['chip_hold_error']:.3f} / {k['chip_track_error']:.3f}",
                 f"chip vs float {k['chip_vs_float']:.3f} rad",
                 time.perf_counter() - start))

    start = time.perf_counter()
    g = example("digits")["evaluate"]()
    rows.append(("digits", f"test accuracy, {g['n_test']} images (ANN {g['ann']:.1%})",
                 f"{g['float']:.1%}", f"{g['chip']:.1%}",
                 f"{g['changed']:.1%} of images differ", time.perf_counter() - start))

    start = time.perf_counter()
    n = example("nir_lif")["evaluate"]()
    steps = lambda xs: ", ".join(str(int(x)) for x in xs)  # noqa: E731
    rows.append(("nir_lif", f"output spike steps of the NIR paper's Norse LIF (Norse: {steps(n['norse'])})",
                 steps(n["float"]), steps(n["chip"]),
                 "one step after Norse (minimum synaptic delay); chip = float"
                 if np.array_equal(n["chip"], n["float"]) else "chip differs from float",
                 time.perf_counter() - start))

    for model, label in (("leaky", "Leaky"), ("synaptic", "Synaptic")):
        start = time.perf_counter()
        t = example("snntorch_digits")["evaluate"](model)
        every = t["float_n1_raster_equal_snntorch"] == t["float_n3_raster_equal_snntorch"] == 1.0
        rows.append(("snntorch_digits",
                     f"snnTorch `{label}` classifier (snnTorch {t['snntorch_accuracy']:.2%}), {t['images']} test images",
                     f"{t['float_accuracy']:.2%}, "
                     + ("every spike of both layers = snnTorch" if every else
                        f"layer rasters = snnTorch on {t['float_n1_raster_equal_snntorch']:.2%} / "
                        f"{t['float_n3_raster_equal_snntorch']:.2%}"),
                     f"{t['chip_accuracy']:.2%}, class = float on {t['chip_predictions_equal_float']:.1%}, "
                     f"counts = float on {t['chip_counts_equal_float']:.1%}",
                     f"layer rasters = snnTorch on {t['chip_n1_raster_equal_snntorch']:.2%} / "
                     f"{t['chip_n3_raster_equal_snntorch']:.2%} of entries; {t['saturations']} neuron-steps saturated",
                     time.perf_counter() - start))

    lines = ["| example | measure | float | chip (emu) | difference | wall time |",
             "|---|---|---|---|---|---|"]
    lines += [f"| `{r[0]}` | {r[1]} | {r[2]} | {r[3]} | {r[4]} | {r[5]:.0f} s |" for r in rows]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plots", action="store_true", help="only the plots")
    parser.add_argument("--table", action="store_true", help="only the table")
    parser.add_argument("--decision-runs", nargs=2, metavar=("FLOAT.json", "CHIP.json"),
                        help="decision_making's trial rates, written by examples/decision_making.py "
                             "--only float|chip --out (default: run DECISION_TRIALS trials per coherence)")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")  # quantization notes; `neurocompile build` shows them
    if not args.table:
        for path in make_plots():
            print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size // 1024} KB)")
    if not args.plots:
        table = results_table(args.decision_runs)
        (GALLERY / "results.md").write_text(
            f"Made by `{COMMAND}`.\n\n{table}\n", encoding="utf-8")
        print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
