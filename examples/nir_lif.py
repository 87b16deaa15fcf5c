"""The NIR paper's LIF neuron, exported by Norse, driven by the paper's own input spikes.

``../shared/nir-paper/lif_norse.nir`` is one LIF neuron (tau = 2.5 ms, threshold 0.1) behind a
1x1 Affine layer, written by Norse for the NIR paper (Pedersen et al., Nature Communications
15:8122, 2024); ``lif_norse.csv`` holds the paper's run at dt = 0.1 ms (1e-4 s): column 0 the
input spikes, column 1 Norse's membrane voltage, column 2 its output spikes. This example
imports the graph with ``nc.read_nir`` at dt = 0.1 ms, feeds it column 0 as a spike source and
compares float reference and chip with Norse, reading the ODE two ways: exactly (the
default for this file, ``nc.LIF``) and as Norse computes it (``semantics="norse"``: one
forward-Euler step per dt, ``nc.DiscreteLIF``).

What you should see (``python examples/nir_lif.py``)::

    Norse   output spikes at steps [460, 510, 710, 760]
    float   output spikes at steps [461, 511, 711, 761]   (every spike within 1 step)
    chip    output spikes at steps [461, 511, 711, 761]   (identical to float)
    largest |v - Norse's v| (threshold 0.1): exact ODE 0.00299, semantics='norse' 2.43e-08

Each spike comes exactly one step after Norse's: NIR edges are instantaneous, while every
synapse here has the minimum delay of one step (dt); the voltages are compared with that
shift. Read as Norse computes it, the voltage is Norse's to float32 precision; the exact
solution differs from Norse's Euler step by 3 % of the threshold. Build it:
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


def build(directory: Path = NIR_PAPER_DIR, semantics: str = "auto") -> nc.Network:
    """The imported graph, its input driven by column 0 of the paper's CSV."""
    data = paper_data(directory)
    in_steps = np.flatnonzero(data[:, 0])
    drive = nc.SpikeTrains(in_steps * DT_MS, np.zeros(in_steps.size, dtype=np.int64))
    return nc.read_nir(Path(directory) / "lif_norse.nir", dt=DT_MS, semantics=semantics, inputs={"input": drive})


def voltage_error(directory: Path = NIR_PAPER_DIR, semantics: str = "auto") -> float:
    """Largest |v - Norse's v| of the float reference, one step later than Norse."""
    data = paper_data(directory)
    net = build(directory, semantics)
    neuron = next(p for p in net.populations.values() if not p.is_source)
    net.probe(neuron, "v")
    v = nc.simulate(net, data.shape[0] * DT_MS).trace(neuron.name, "v")[:, 0]
    return float(np.max(np.abs(v[1:] - data[:-1, 1])))


def evaluate(directory: Path = NIR_PAPER_DIR, target: str = "emu") -> dict:
    """Output spike steps of Norse (from the CSV), the float reference and the chip, and the
    voltage error of both readings of the ODE."""
    data = paper_data(directory)
    net = build(directory)
    duration = data.shape[0] * DT_MS
    output = next(p.population.name for p in net.probes if p.variable == "spikes")
    ref = nc.simulate(net, duration)
    chip = nc.compile(net, target).run(duration)
    return {"norse": np.flatnonzero(data[:, 2]), "float": ref.spike_steps(output)[0],
            "chip": chip.spike_steps(output)[0], "v_error_exact": voltage_error(directory, "exact"),
            "v_error_norse": voltage_error(directory, "norse")}


if __name__ == "__main__":
    r = evaluate()
    for label in ("norse", "float", "chip"):
        print(f"{label:6s} output spikes at steps {r[label].tolist()}")
    print(f"largest |v - Norse's v| (threshold 0.1): exact ODE {r['v_error_exact']:.3g}, "
          f"semantics='norse' {r['v_error_norse']:.3g}")
