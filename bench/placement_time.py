"""How long compiling takes with each placer, and what the placement's time budget buys.

For every network and placer this prints the compile time (quantize + place + route, as
``nc.compile``), the part of it the placer took (from its progress reports,
:mod:`neurocompile.progress`), cores used, hop-weighted traffic per step (default 10 Hz
rates) and the notes the placer left (unstructured connectivity, work left out by the budget,
a wall clock that ran out). Networks:

* ``random50k``: bench/networks/random_50k.py, 50,000 LIF neurons and 800,000 random
  synapses on the ``emu`` target: no structure to find;
* ``ring200k``: bench/large_network.py's ring, 200,000 neurons and 20,000,000 synapses, on a
  16-chip board of ``lava`` cores (as bench/performance.py compiles it);
* the structured networks of bench/placement.py (``--structured``), for the budget's cost.

Usage: python bench/placement_time.py [--only NAME ...] [--placers spectral sequential]
       [--budget SECONDS ...] [--structured]
Timings depend on the machine and on what else runs on it; the placements do not (unless a
note says the wall clock ran out).
"""
from __future__ import annotations

import argparse
import math
import sys
import time
import warnings
from pathlib import Path

from rich.console import Console
from rich.table import Table

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import neurocompile as nc  # noqa: E402
from neurocompile import progress  # noqa: E402
from neurocompile.io import load_network  # noqa: E402
from neurocompile.place import placement_metrics  # noqa: E402


class StageClock(progress.Reporter):
    """Start and end times of every reported task, by description."""

    def __init__(self):
        self.spans = []  # (description, start, end)
        self._open = {}

    def start(self, description, total, unit):
        handle = len(self._open) + len(self.spans)
        self._open[handle] = (description, time.perf_counter())
        return handle

    def finish(self, handle, completed, total, description):
        name, start = self._open.pop(handle)
        self.spans.append((name, start, time.perf_counter()))

    def seconds(self, prefix: str) -> float:
        """Wall time from the first start to the last end of the tasks named ``prefix...``."""
        spans = [(s, e) for name, s, e in self.spans if name.startswith(prefix)]
        return max(e for _, e in spans) - min(s for s, _ in spans) if spans else 0.0


def networks(args):
    if "random50k" in args.only or not args.only:
        yield "random50k", load_network(HERE / "networks" / "random_50k.py"), "emu"
    if "ring200k" in args.only or not args.only:
        import large_network as large

        yield "ring200k", large.ring_network(200_000), large.board_target(16)
    if args.structured:
        import placement as bench

        class Options:
            quick, large, full_microcircuit = False, False, False

        for label, _, net, target, _ in bench.networks(Options):
            yield label, net, target


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", nargs="*", default=[], help="random50k, ring200k")
    parser.add_argument("--placers", nargs="*", default=["sequential", "spectral"])
    parser.add_argument("--budget", nargs="*", type=float, default=[None],
                        help="placement budgets in seconds (default: the compiler's; inf: none)")
    parser.add_argument("--structured", action="store_true", help="also bench/placement.py's networks")
    args = parser.parse_args(argv)
    console = Console(width=200)
    table = Table(title="Compile time by placer and placement budget (this machine; default 10 Hz rates)")
    for col in ("network", "neurons", "synapses", "placer", "budget s", "compile s", "place s", "cores",
                "hop-weighted", "notes"):
        table.add_column(col, justify="left" if col in ("network", "placer", "notes") else "right")
    for name, net, target in networks(args):
        for placer in args.placers:
            for budget in (args.budget if placer != "sequential" else [None]):
                kwargs = {} if budget is None else {"place_budget_s": budget}
                clock = StageClock()
                with warnings.catch_warnings(), progress.reporting(clock):
                    warnings.simplefilter("ignore")
                    start = time.perf_counter()
                    prog = nc.compile(net, target, placer=placer, **kwargs)
                    seconds = time.perf_counter() - start
                m = placement_metrics(prog)
                shown = "default" if budget is None else ("none" if math.isinf(budget) else f"{budget:g}")
                notes = "; ".join(prog.placement.notes) or "-"
                place_s = clock.seconds("placement") if placer != "sequential" else float("nan")
                table.add_row(name, str(net.n_neurons), str(net.n_synapses), placer,
                              shown if placer != "sequential" else "-", f"{seconds:.1f}",
                              f"{place_s:.1f}", str(m.cores_used), f"{m.hop_weighted_traffic:.4g}", notes)
                console.print(f"{name} / {placer} / budget {shown}: {seconds:.1f} s, "
                              f"{m.hop_weighted_traffic:.4g} hop-weighted; {notes}", markup=False)
        table.add_section()
    console.print(table)


if __name__ == "__main__":
    main()
