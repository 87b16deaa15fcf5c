"""A hand-made placement of the NIR CNN, as a yardstick for the ``spectral`` placer.

The Sinabs N-MNIST CNN of the NIR paper (``../shared/nir-paper/cnn_sinabs.nir``) has three
convolutional layers on 16 x 16 / 8 x 8 feature maps (n1, n3, n6; neuron index =
channel * H * W + y * W + x) and a dense readout (n10, n12). This script cuts every feature
map into four spatial quadrants, puts quadrant q of n1, n3 and n6 on tile q of the 2 x 2
block at the host corner (a quarter of the channels per core), and the readout on the next
tile of the top row. It prints the exact metrics of that placement next to ``spectral``'s under
the same model as ``bench/placement.py``.

The layout uses the layer shapes, which the IR does not carry; ``spectral`` has to find it from
the connectivity alone (tests/place/test_spectral.py checks that it does at least as well).
Usage: python bench/placement_cnn_quadrants.py
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import neurocompile as nc  # noqa: E402
from neurocompile.place import Placement, place, placement_metrics  # noqa: E402
from neurocompile.place.activity import spikes_per_step  # noqa: E402
from neurocompile.place.routing import route_tables  # noqa: E402
from neurocompile.target import load_target  # noqa: E402

NIR_FILE = ROOT / ".." / "shared" / "nir-paper" / "cnn_sinabs.nir"
# (channels, height, width) of the convolutional layers; the split row/column of each map
SHAPES = {"n1": (16, 16, 16), "n3": (16, 16, 16), "n6": (8, 8, 8)}


def quadrant_placement(network, target) -> dict:
    chip, row, col, _ = (np.asarray(a) for a in target.core_location(np.arange(target.total_cores)))

    def tile_cores(r, c):
        return np.flatnonzero((chip == 0) & (row == r) & (col == c))

    core_of = {p.name: np.full(p.size, -1, dtype=np.int32) for p in network.populations.values()}
    for name, (channels, height, width) in SHAPES.items():
        index = np.arange(channels * height * width)
        channel, y, x = index // (height * width), (index % (height * width)) // width, index % width
        qy, qx = (y >= height // 2).astype(int), (x >= width // 2).astype(int)
        for a in (0, 1):
            for b in (0, 1):
                cores = tile_cores(a, b)
                members = (qy == a) & (qx == b)
                # a quarter of the channels per core: every core gets the same mix of border and
                # interior positions (sub-quadrants per core overflow the synapse memory)
                core_of[name][members] = cores[channel[members] * cores.size // channels]
    readout = tile_cores(0, 2)
    n10 = network.populations["n10"].size  # 512 inputs each: two cores of synapse memory
    core_of["n10"] = np.where(np.arange(n10) < n10 // 2, readout[0], readout[1]).astype(np.int32)
    core_of["n12"] = np.full(network.populations["n12"].size, readout[2], dtype=np.int32)
    return core_of


def main() -> None:
    if not NIR_FILE.exists():
        sys.exit(f"{NIR_FILE} not found: this script needs the NIR paper's files beside the project")
    network = nc.read_nir(NIR_FILE, dt=0.1)
    target = load_target("emu")
    rate = spikes_per_step({q.name: (q.size, q.model) for q in network.populations.values()}, network.dt, None)
    start = time.perf_counter()
    placements = {"spectral": place(network, target, "spectral")}
    spectral_seconds = time.perf_counter() - start
    placements["quadrants (hand-made)"] = Placement.build("quadrants", quadrant_placement(network, target), target)
    print(f"{'placement':24s} {'violations':>10s} {'cores':>5s} {'msgs/step':>9s} {'hop-weighted':>12s} "
          f"{'energy/step':>11s}  "
          f"per source population (hop-weighted)")
    for label, pl in placements.items():
        m = placement_metrics(network, pl, target)
        tables = route_tables(network, pl, target)
        per_pop = ", ".join(
            f"{n} {rate[n] @ (t.east_west + t.north_south + target.board.inter_chip_link_cost * t.inter_chip):.3f}"
            for n, t in tables.items())
        print(f"{label:24s} {m.violations:10d} {m.cores_used:5d} {m.messages_per_step:9.3f} "
              f"{m.hop_weighted_traffic:12.4g} {m.energy_per_step_pj / 1e3:8.4g} nJ  {per_pop}")
    print(f"(spectral placed in {spectral_seconds:.1f} s)")


if __name__ == "__main__":
    main()
