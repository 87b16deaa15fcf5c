"""Trained in snnTorch, deployed spike for spike: two digit classifiers read from NIR.

``../shared/nir-clients/`` holds two spiking classifiers trained with surrogate gradients in
snnTorch 1.0 on scikit-learn's 8 x 8 digits (64 inputs -> 100 -> 10), exported with
snnTorch's own ``export_to_nir``, together with what snnTorch computed on the 360 test images:
the output spike counts and every spike of both layers. ``leaky`` uses ``snn.Leaky`` (NIR
``LIF``), ``synaptic`` uses ``snn.Synaptic`` (NIR ``CubaLIF``). Each image is 25 steps of input
spikes (a pixel spikes in a step with probability intensity / 16).

``nc.read_nir`` recognises snnTorch's export (``r = tau / dt`` gives dt = 0.1 ms) and reads it
with ``semantics="snntorch"``: ``nc.DiscreteLIF`` neurons computing snnTorch's update (beta,
alpha per step, reset by subtraction one step after the spike, spike at ``v > threshold``),
each layer's bias starting when its first input can arrive. Our synapses take one step where
snnTorch's edges take none, so layer ``k`` runs ``k`` steps behind; each image is run for
25 + 2 steps and the rasters are compared with that shift.

The chip: weights go in two parts (a coarse and a fine mantissa, ``weight_precision="auto"``),
and each neuron's registers are sized to twice what the float network reached on the first
120 test images (``ranges=``) rather than to the worst case no input reaches; the threshold is
exact. What is left is the 12-bit decay (beta = 0.9 becomes 1 - 410/4096 = 0.899902) and
the rounding of weights and biases.

What you should see (``python examples/snntorch_digits.py``, a few seconds)::

    model     snnTorch acc  float acc  chip acc  float=snnTorch counts  chip=float counts  chip=float class  saturations
    leaky     96.11%       96.11%    96.11%   100.0%                 91.9%             100.0%           0
    synaptic  93.61%       93.61%    93.33%   100.0%                 90.3%              99.7%           13

(float = snnTorch on every spike of both layers of all 360 images.)

Build it: ``neurocompile build examples/snntorch_digits.py --target emu --validate 3``
(the first test image; the build sizes the registers on its own float run). The data
directory can be set with the ``NIR_CLIENTS_DIR`` environment variable.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

import neurocompile as nc

NIR_CLIENTS_DIR = Path(os.environ.get("NIR_CLIENTS_DIR",
                                      Path(__file__).resolve().parents[2] / "shared" / "nir-clients"))
MODELS = ("leaky", "synaptic")
STEPS = 25               # input steps per image
LAYERS = ("n1", "n3")    # the two spiking layers (NIR nodes "1" and "3")
#: Steps run per image: the input's, plus one per layer (each synapse takes a step).
RUN_STEPS = STEPS + len(LAYERS)
N_CALIBRATION = 120      # test images whose float run sizes the chip's registers


def _file(model: str, suffix: str, directory: Path) -> Path:
    if model not in MODELS:
        raise ValueError(f"model = {model!r}: must be one of {MODELS}")
    path = Path(directory) / f"snntorch_{model}_64x100x10{suffix}"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: set NIR_CLIENTS_DIR to the nir-clients data folder")
    return path


def unpack(archive, key: str) -> np.ndarray:
    """A bit-packed raster of the data set as a boolean array."""
    shape = archive[f"{key}_shape"] if f"{key}_shape" in archive else archive["shape"]
    return np.unpackbits(archive[key], axis=-1, count=int(shape[-1])).astype(bool)


def test_inputs(directory: Path = NIR_CLIENTS_DIR) -> tuple[np.ndarray, np.ndarray]:
    """(rasters (360, 25, 64) bool, labels (360,)) of the test images snnTorch was run on."""
    path = Path(directory) / "digits_test_inputs.npz"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: set NIR_CLIENTS_DIR to the nir-clients data folder")
    with np.load(path) as z:
        return unpack(z, "spikes"), z["labels"].astype(np.int64)


def snntorch_run(model: str, directory: Path = NIR_CLIENTS_DIR) -> dict:
    """What snnTorch computed: ``counts`` (360, 10), ``predictions``, rasters ``n1``, ``n3``."""
    with np.load(_file(model, "_spikes.npz", directory)) as z:
        return {"counts": z["counts"], "predictions": z["predictions"],
                "n1": unpack(z, "layer_1"), "n3": unpack(z, "layer_3")}


def build(model: str = "leaky", image: int = 0, directory: Path = NIR_CLIENTS_DIR) -> nc.Network:
    """The trained network, its input driven by test image ``image``, both layers probed."""
    rasters, _ = test_inputs(directory)
    steps, pixels = np.nonzero(rasters[image])
    path = _file(model, ".nir", directory)
    dt = nc.read_nir(path).dt  # the step the file implies (snnTorch's 0.1 ms)
    net = nc.read_nir(path, inputs={"input": nc.SpikeTrains(steps * dt, pixels)})
    net.probe(net["n1"], "spikes")
    return net


def _raster(results, layer: int, name: str, size: int) -> np.ndarray:
    """(images, 25, size) raster of population ``name``, shifted back by its ``layer`` steps."""
    out = np.zeros((len(results), STEPS, size), dtype=bool)
    for k, result in enumerate(results):
        steps, ids = result.spike_steps(name)
        keep = (steps >= layer) & (steps < STEPS + layer)
        out[k, steps[keep] - layer, ids[keep]] = True
    return out


def evaluate(model: str = "leaky", n_images: int | None = None, n_calibration: int = N_CALIBRATION,
             directory: Path = NIR_CLIENTS_DIR, target: str = "emu") -> dict:
    """snnTorch, float reference and chip on the first ``n_images`` test images (all 360).

    The chip's registers are sized on the float runs of the first ``n_calibration`` images
    (0: worst case). Returns accuracies, the fraction of images whose 10 output counts are
    identical (float vs snnTorch, chip vs float), of identical predictions, of identical
    raster entries per layer, and the chip's saturation events.
    """
    rasters, labels = test_inputs(directory)
    reference = snntorch_run(model, directory)
    n = labels.size if n_images is None else int(n_images)
    net = nc.read_nir(_file(model, ".nir", directory))
    net.probe(net["n1"], "spikes")
    padded = np.concatenate([rasters[:n], np.zeros((n, len(LAYERS), rasters.shape[2]), dtype=bool)], axis=1)
    duration = RUN_STEPS * net.dt
    floats = nc.simulate(net, duration, inputs={"input": padded})
    calibration = floats[:n_calibration] if n_calibration else None
    program = nc.compile(net, target, ranges=calibration)
    chips = program.run(duration, inputs={"input": padded})

    def counts(results):
        return np.array([r.counts["n3"] for r in results])

    snn_counts, float_counts, chip_counts = reference["counts"][:n], counts(floats), counts(chips)
    # ties go to the lowest index, as torch's argmax does
    snn_pred, float_pred, chip_pred = (np.argmax(c, axis=1) for c in (snn_counts, float_counts, chip_counts))
    out = {
        "model": model, "images": n, "calibration_images": n_calibration,
        "snntorch_accuracy": float(np.mean(reference["predictions"][:n] == labels[:n])),
        "float_accuracy": float(np.mean(float_pred == labels[:n])),
        "chip_accuracy": float(np.mean(chip_pred == labels[:n])),
        "float_counts_equal_snntorch": float(np.mean(np.all(float_counts == snn_counts, axis=1))),
        "float_predictions_equal_snntorch": float(np.mean(float_pred == snn_pred)),
        "chip_counts_equal_float": float(np.mean(np.all(chip_counts == float_counts, axis=1))),
        "chip_predictions_equal_float": float(np.mean(chip_pred == float_pred)),
        "saturations": int(sum(sum(r.stats.saturations.values()) for r in chips)),
    }
    for layer, name in enumerate(LAYERS, start=1):
        size = net[name].size
        snn = reference[name][:n]
        out[f"float_{name}_raster_equal_snntorch"] = float(np.mean(_raster(floats, layer, name, size) == snn))
        out[f"chip_{name}_raster_equal_snntorch"] = float(np.mean(_raster(chips, layer, name, size) == snn))
    return out


if __name__ == "__main__":
    print(f"{'model':9s} {'snnTorch acc':13s} {'float acc':10s} {'chip acc':9s} {'float=snnTorch counts':22s} "
          f"{'chip=float counts':18s} {'chip=float class':17s} saturations")
    for name in MODELS:
        r = evaluate(name)
        print(f"{name:9s} {r['snntorch_accuracy']:6.2%}       {r['float_accuracy']:6.2%}    "
              f"{r['chip_accuracy']:6.2%}   {r['float_counts_equal_snntorch']:6.1%}                "
              f"{r['chip_counts_equal_float']:6.1%}             {r['chip_predictions_equal_float']:6.1%}"
              f"           {r['saturations']}")
