"""The NIR paper's LIF neuron, exported by Norse, driven by the paper's own input spikes.

``../shared/nir-paper/lif_norse.nir`` is one LIF neuron (tau = 2.5 ms, threshold 0.1) behind a
1x1 Affine layer, written by Norse for the NIR paper (Pedersen et al., Nature Communications
15:8122, 2024); ``lif_norse.csv`` holds the paper's run at dt = 0.1 ms (1e-4 s): column 0 the
input spikes, column 2 Norse's output spikes. This example imports the graph with
``nc.read_nir`` at dt = 0.1 ms, feeds it column 0 as a spike source and compares the output
spikes of the float reference and of the chip with Norse's.

What you should see (``python examples/nir_lif.py``)::

    Norse   output spikes at steps [460, 510, 710, 760]
    float   output spikes at steps [461, 511, 711, 761]   (every spike within 1 step)
    chip    output spikes at steps [461, 511, 711, 761]   (identical to float)

Each spike comes exactly one step after Norse's: NIR edges are instantaneous, while every
synapse here has the minimum delay of one step (dt). Build it:
``neurocompile build examples/nir_lif.py --target emu --validate 100``.
The data directory can be set with the ``NIR_PAPER_DIR`` environment variable.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

import neurocompile as nc

DT_MS = 0.1
NIR_PAPER_DIR = Path(os.environ.get("NIR_PAPER_DIR",
                                    Path(__file__).resolve().parents[2] / "shared" / "nir-paper"))


def paper_data(directory: Path = NIR_PAPER_DIR) -> np.ndarray:
    """The Norse run: (steps, 3) array of input spikes, membrane voltage, output spikes."""
    path = Path(directory) / "lif_norse.csv"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: set NIR_PAPER_DIR to the nir-paper data folder")
    return np.loadtxt(path, delimiter=",")


def build(directory: Path = NIR_PAPER_DIR) -> nc.Network:
    """The imported graph, its input driven by column 0 of the paper's CSV."""
    data = paper_data(directory)
    in_steps = np.flatnonzero(data[:, 0])
    drive = nc.SpikeTrains(in_steps * DT_MS, np.zeros(in_steps.size, dtype=np.int64))
    return nc.read_nir(Path(directory) / "lif_norse.nir", dt=DT_MS, inputs={"input": drive})


def evaluate(directory: Path = NIR_PAPER_DIR, target: str = "emu") -> dict:
    """Output spike steps of Norse (from the CSV), the float reference and the chip."""
    data = paper_data(directory)
    net = build(directory)
    duration = data.shape[0] * DT_MS
    output = next(p.population.name for p in net.probes if p.variable == "spikes")
    ref = nc.simulate(net, duration)
    chip = nc.compile(net, target).run(duration)
    return {"norse": np.flatnonzero(data[:, 2]), "float": ref.spike_steps(output)[0],
            "chip": chip.spike_steps(output)[0]}


if __name__ == "__main__":
    r = evaluate()
    for label in ("norse", "float", "chip"):
        print(f"{label:6s} output spikes at steps {r[label].tolist()}")
