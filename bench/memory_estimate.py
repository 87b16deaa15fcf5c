"""Peak memory of the float reference, compile, the chip run and a whole build: estimated
(:mod:`neurocompile.memory`) against measured, per network.

Each stage runs in a fresh process (Linux): the network (or, for the chip run, the compiled
program) is loaded, the peak resident set size is reset (``/proc/self/clear_refs``), the stage
runs, and the measured peak is the process's highest resident memory during the stage minus
its resident memory when the stage started: what the stage needs on top of what is already
there, which is what the estimate is compared with the available memory for. The estimate is
made in that process just before the stage, as ``nc.simulate``, ``nc.compile``,
``Program.run`` and ``neurocompile build`` make it. A stage's measured peak includes the
modules it imports and the compiled kernels it loads (the estimate's ``runtime`` part).

    PYTHONPATH=. python bench/memory_estimate.py            # the table (about 15 minutes)
    PYTHONPATH=. python bench/memory_estimate.py --large    # also the 1,000,000-neuron ring (an hour)
    PYTHONPATH=. python bench/memory_estimate.py --cases cuba ring20k --stages reference chip
    PYTHONPATH=. python bench/memory_estimate.py --estimate-only --large   # estimates only, in seconds
"""
from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import os
import subprocess
import sys
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MiB = 2 ** 20
STAGES = ("reference", "compile", "chip", "build")


@dataclass(frozen=True)
class Case:
    """A network and run: ``source`` an example file or ``ring:N:FAN_OUT`` (bench/large_network.py,
    on a 16-chip board of the lava target's cores, emulator back end), ``duration`` ms, probes
    added, batch size, placer."""

    name: str
    source: str
    duration: float
    probe_v: bool = False        # probe v of every neuron
    probe_spikes: bool = False   # probe the spikes of every neuron
    batch: int = 1               # Program.run / simulate samples (constant zero input currents)
    placer: str = "spectral"
    large: bool = False


CASES = [
    Case("cuba", "examples/cuba.py", 1000.0),
    Case("cuba-all-v", "examples/cuba.py", 2000.0, probe_v=True),
    Case("cuba-batch16-all-v", "examples/cuba.py", 200.0, probe_v=True, batch=16),
    Case("brunel", "examples/brunel.py", 500.0),
    Case("coba", "examples/coba.py", 500.0),
    Case("ring20k", "ring:20000:100", 200.0),
    Case("ring200k-sparse", "ring:200000:10", 200.0, probe_spikes=True),
    Case("ring200k", "ring:200000:100", 200.0),
    Case("ring200k-sequential", "ring:200000:100", 200.0, placer="sequential"),
    Case("ring1M", "ring:1000000:100", 100.0, large=True),
]


def load_case(case: Case):
    """(network, target) of ``case``."""
    import neurocompile as nc
    from neurocompile.io import load_network

    if case.source.startswith("ring:"):
        sys.path.insert(0, str(ROOT / "bench"))
        from large_network import board_target, ring_network

        _, n, fan_out = case.source.split(":")
        # the lava target's cores on 16 chips, run on the emulator (a build then shows no Lava graph)
        board = board_target(16)
        models = dataclasses.replace(board.models, native=board.models.native + board.models.custom_process,
                                     custom_process=())
        target = dataclasses.replace(board, name="emu-16chips", backend="emu", models=models)
        net = ring_network(int(n), fan_out=int(fan_out))
    else:
        net, target = load_network(ROOT / case.source), "emu"
    for pop in net.populations.values():
        if case.probe_v and not pop.is_source:
            net.probe(pop, "v")
        if case.probe_spikes:
            net.probe(pop, "spikes")
    assert isinstance(net, nc.Network)
    return net, target


def batch_inputs(net, batch: int):
    """Zero constant currents into every neuron population, ``batch`` samples (None for 1)."""
    import numpy as np

    if batch == 1:
        return None
    return {p.name: np.zeros((batch, p.size)) for p in net.populations.values() if not p.is_source}


def _status(key: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {key} in /proc/self/status")


def _reset_peak() -> None:
    with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
        refs.write("5")


def measure(case: Case, stage: str, folder: Path) -> dict:
    """Run ``stage`` of ``case`` in this process; returns its estimate and measured peak, bytes."""
    import neurocompile as nc
    from neurocompile import memory
    from neurocompile.program import preflight

    net, target = load_case(case)
    program_path = folder / f"{case.name}.ncp"
    inputs = batch_inputs(net, case.batch)
    if stage == "chip":
        program = nc.load(program_path)
    if stage == "build":
        from rich.console import Console
        from neurocompile.cli.build import STAGES as BUILD_STAGES, BuildContext, run_build

        ctx = BuildContext(network_file=Path(case.source), target_name="emu", duration=case.duration,
                           seed=None, out=folder / "build", console=Console(file=open(os.devnull, "w")))
        ctx.network, ctx.placer = net, case.placer
        ctx.target = nc.target.load_target(target) if isinstance(target, str) else target
        stages = [s for s in BUILD_STAGES if s.name not in ("load", "validate", "emit")]
    gc.collect()
    before = _status("VmRSS")
    if stage == "reference":
        estimate = memory.reference_estimate(net, case.duration, samples=case.batch)
    elif stage == "compile":
        estimate = preflight.compile_estimate(net, target, case.placer)
    elif stage == "chip":
        estimate = memory.chip_estimate(program, case.duration, samples=case.batch)
    else:
        estimate = preflight.build_estimate(net, ctx.target, case.duration, case.placer)
    _reset_peak()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = None
        if stage == "reference":
            result = nc.simulate(net, case.duration, inputs=inputs)
        elif stage == "compile":
            nc.compile(net, target, placer=case.placer).save(program_path)
        elif stage == "chip":
            result = program.run(case.duration, inputs=inputs)
        else:
            run_build(ctx, stages)
            result = ctx.chip
    measured = _status("VmHWM") - before
    results = result if isinstance(result, list) else [result] if result is not None else []
    spikes = sum(int(r.spike_times(name)[0].size) for r in results for name in r.spike_probed)
    return {"estimate": estimate.peak, "measured": measured, "parts": dict(estimate.parts), "probed_spikes": spikes}


def run_stage(case: Case, stage: str, folder: Path) -> dict:
    """Measure ``stage`` of ``case`` in a fresh process (the chip run reads the program the
    compile stage wrote in ``folder``)."""
    done = subprocess.run([sys.executable, __file__, "--child", case.name, stage, str(folder)],
                          capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    if done.returncode != 0:
        raise RuntimeError(f"{case.name} {stage} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def estimate_only(case: Case) -> dict:
    """The estimates of ``case``'s stages without running them (the chip run's from the
    network's sizes, as a build makes it before compiling)."""
    from neurocompile import memory
    from neurocompile.program import preflight

    net, target = load_case(case)
    target = nc_target(target)
    sizes = memory.network_sizes(net)
    estimates = {"reference": memory.reference_estimate(net, case.duration, samples=case.batch, sizes=sizes),
                 "compile": preflight.compile_estimate(net, target, case.placer),
                 "chip": memory.chip_estimate(None, case.duration, samples=case.batch, sizes=sizes),
                 "build": preflight.build_estimate(net, target, case.duration, case.placer)}
    return {stage: {"estimate": e.peak, "parts": dict(e.parts)} for stage, e in estimates.items()}


def nc_target(target):
    from neurocompile.target import load_target

    return load_target(target) if isinstance(target, str) else target


def print_row(case: str, stage: str, row: dict) -> None:
    largest = max(row["parts"], key=row["parts"].get)
    measured = row.get("measured")
    ratio = f"{row['estimate'] / max(measured, 1):6.2f}" if measured is not None else "     -"
    shown = f"{measured / MiB:13.0f}" if measured is not None else f"{'-':>13}"
    print(f"{case:20} {stage:9} {row['estimate'] / MiB:13.0f} {shown} {ratio}  {largest}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--large", action="store_true", help="also the 1,000,000-neuron ring")
    parser.add_argument("--cases", nargs="*", help="only these cases (names)")
    parser.add_argument("--stages", nargs="*", choices=STAGES, default=list(STAGES), help="only these stages")
    parser.add_argument("--estimate-only", action="store_true", help="print the estimates, measure nothing")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    by_name = {c.name: c for c in CASES}
    if args.child:
        name, stage, folder = args.child
        print(json.dumps(measure(by_name[name], stage, Path(folder))))
        return
    cases = [by_name[n] for n in args.cases] if args.cases else [c for c in CASES if args.large or not c.large]
    results: dict = {}
    print(f"{'case':20} {'stage':9} {'estimate MiB':>13} {'measured MiB':>13} {'ratio':>6}  largest part")
    with tempfile.TemporaryDirectory() as folder:
        for case in cases:
            rows = results[case.name] = estimate_only(case) if args.estimate_only else {}
            for stage in args.stages:
                if stage == "build" and case.batch > 1:
                    continue  # a build runs one sample
                if not args.estimate_only:
                    if stage == "chip" and "compile" not in rows:
                        run_stage(case, "compile", Path(folder))  # the program the chip run loads
                    rows[stage] = run_stage(case, stage, Path(folder))
                print_row(case.name, stage, rows[stage])
                if args.json:
                    args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
