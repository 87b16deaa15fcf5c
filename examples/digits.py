"""Digits: a rate-coded spiking classifier converted from a small ANN.

A multilayer perceptron (64 inputs -> 64 ReLU units -> 10 outputs) is trained with numpy alone
(mini-batch Adam, cross-entropy, fixed seed) on the 8 x 8 handwritten digits that ship with
scikit-learn (1797 images, 80 % for training, 20 % = 360 images for testing). It is converted
to integrate-and-fire neurons (LIF with a membrane time constant far longer than the run and
reset by subtraction, so a neuron's rate is proportional to its ReLU input) with data-based
normalisation (Diehl et al. 2015): each layer's weights are scaled by the 99.9th percentile of
the previous layer's activations over the training set and divided by its own, so no neuron
is asked to fire faster than ``MAX_RATE`` spikes per step.

Input: constant bias currents, one input neuron per pixel with a current proportional to the
pixel's intensity (deterministic, so float and chip see the same input). Output: the spike
count of the 10 output neurons during the run; ties (common when few spikes have arrived) are
broken by the output neurons' membrane potential at the end, which holds the remainder of
their integrated input. Every test image is its own copy of the network (block-diagonal
synapses), so one run classifies the whole test set. dt = 1 ms, 150 steps. ``MAX_RATE`` = 0.2
keeps the largest input bias inside the chip's 13-bit bias mantissa (nothing is clipped).

What you should see (``python examples/digits.py``)::

    ANN test accuracy       98.9 %   (360 test images)
    float SNN (150 ms)      98.9 %
    chip (emu)              98.9 %, no image classified differently from the float SNN

scikit-learn is needed for the data set only: ``pip install 'neurocompile[examples]'``.

Build it: ``neurocompile build examples/digits.py --target emu --validate 150`` (a build
classifies the first 20 test images; :func:`evaluate` takes ``n_test``).

Reference: P. U. Diehl, D. Neil, J. Binas, M. Cook, S.-C. Liu, M. Pfeiffer, "Fast-classifying,
high-accuracy spiking deep networks through weight and threshold balancing", IJCNN 2015.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import scipy.sparse as sp

import neurocompile as nc

HIDDEN = 64
DT_MS = 1.0
DURATION_MS = 150.0
MAX_RATE = 0.2          # spikes per step of the most active neurons after normalisation
TAU_MEM_MS = 1.0e4      # far longer than the run: integrate-and-fire
SEED = 0


@lru_cache(maxsize=1)
def dataset():
    """(x_train, y_train, x_test, y_test): pixels scaled to [0, 1], a fixed 80/20 split."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = digits.data.astype(np.float64) / 16.0
    y = digits.target.astype(np.int64)
    order = np.random.default_rng(SEED).permutation(y.size)
    cut = int(0.8 * y.size)
    return x[order[:cut]], y[order[:cut]], x[order[cut:]], y[order[cut:]]


@lru_cache(maxsize=1)
def train(epochs: int = 60, batch: int = 32, learning_rate: float = 3e-3):
    """Train the MLP; returns ((W1, b1), (W2, b2)) with W of shape (n_in, n_out)."""
    x, y, _, _ = dataset()
    rng = np.random.default_rng(SEED)
    w1 = rng.normal(0.0, np.sqrt(2.0 / x.shape[1]), (x.shape[1], HIDDEN))
    w2 = rng.normal(0.0, np.sqrt(2.0 / HIDDEN), (HIDDEN, 10))
    params = [w1, np.zeros(HIDDEN), w2, np.zeros(10)]
    moments = [np.zeros_like(p) for p in params]
    squares = [np.zeros_like(p) for p in params]
    step = 0
    for _ in range(epochs):
        order = rng.permutation(y.size)
        for lo in range(0, y.size, batch):
            xb, yb = x[order[lo:lo + batch]], y[order[lo:lo + batch]]
            hidden = np.maximum(xb @ params[0] + params[1], 0.0)
            logits = hidden @ params[2] + params[3]
            p = np.exp(logits - logits.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            p[np.arange(yb.size), yb] -= 1.0
            d_logits = p / yb.size
            d_hidden = (d_logits @ params[2].T) * (hidden > 0)
            grads = [xb.T @ d_hidden, d_hidden.sum(0), hidden.T @ d_logits, d_logits.sum(0)]
            step += 1
            for k, g in enumerate(grads):  # Adam
                moments[k] = 0.9 * moments[k] + 0.1 * g
                squares[k] = 0.999 * squares[k] + 0.001 * g**2
                m_hat = moments[k] / (1 - 0.9**step)
                v_hat = squares[k] / (1 - 0.999**step)
                params[k] = params[k] - learning_rate * m_hat / (np.sqrt(v_hat) + 1e-8)
    return (params[0], params[1]), (params[2], params[3])


def ann_predict(x: np.ndarray) -> np.ndarray:
    (w1, b1), (w2, b2) = train()
    return np.argmax(np.maximum(x @ w1 + b1, 0.0) @ w2 + b2, axis=1)


def normalised_layers():
    """Data-based normalisation: weights and biases in units of the threshold per spike.

    Returns ((W1', b1'), (W2', b2')) where b' is the bias *per step* in threshold units.
    """
    x, _, _, _ = dataset()
    (w1, b1), (w2, b2) = train()
    hidden = np.maximum(x @ w1 + b1, 0.0)
    logits = hidden @ w2 + b2
    lam0 = 1.0                                   # pixels are in [0, 1]
    lam1 = np.percentile(hidden, 99.9)
    lam2 = np.percentile(np.maximum(logits, 0.0), 99.9)
    # A neuron of layer l fires at MAX_RATE * a_l / lam_l spikes per step; inputs arrive at
    # MAX_RATE * a_{l-1} / lam_{l-1}, hence W' = W lam_{l-1} / lam_l and b' = MAX_RATE b / lam_l.
    return ((w1 * lam0 / lam1, MAX_RATE * b1 / lam1), (w2 * lam1 / lam2, MAX_RATE * b2 / lam2))


def _if_neurons(bias_per_step) -> nc.LIF:
    # v jumps by the weight (tau_syn = 0); a bias b mV gives b * dt / tau_mem mV per step.
    return nc.LIF(tau_mem=TAU_MEM_MS, tau_syn=0.0, v_rest=0.0, v_reset=0.0, v_th=1.0,
                  reset="subtract", bias=np.asarray(bias_per_step) * TAU_MEM_MS / DT_MS)


def build(n_test: int = 20, seed: int = 0) -> nc.Network:
    """The converted network for the first ``n_test`` test images, one copy per image."""
    _, _, x_test, _ = dataset()
    images = x_test[:n_test]
    (w1, b1), (w2, b2) = normalised_layers()
    net = nc.Network("digits", dt=DT_MS, seed=seed)
    pixels = net.population("input", images.size, _if_neurons(MAX_RATE * images.ravel()))
    hidden = net.population("hidden", n_test * HIDDEN, _if_neurons(np.tile(b1, n_test)))
    output = net.population("output", n_test * 10, _if_neurons(np.tile(b2, n_test)))
    net.connect(pixels, hidden, nc.Explicit(sp.block_diag([sp.csr_matrix(w1)] * n_test, "csr")))
    net.connect(hidden, output, nc.Explicit(sp.block_diag([sp.csr_matrix(w2)] * n_test, "csr")))
    net.probe(output, "spikes")
    net.probe(output, "v")
    net.probe(hidden[:HIDDEN], "spikes")
    return net


def predictions(result, n_test: int) -> np.ndarray:
    """Class of each image: most output spikes; ties broken by the final membrane potential
    (v < 1 after reset by subtraction, so it never outweighs a spike)."""
    counts = result.counts["output"].reshape(n_test, 10).astype(np.float64)
    v_final = result.trace("output", "v")[-1].reshape(n_test, 10)
    return np.argmax(counts + np.clip(v_final, -0.5, 0.999) * 0.5, axis=1)


def evaluate(n_test: int = 360, duration: float = DURATION_MS, target: str = "emu") -> dict:
    """Test accuracy (fraction) of the ANN, the float SNN and the chip on ``n_test`` images."""
    _, _, x_test, y_test = dataset()
    n_test = min(n_test, y_test.size)
    net = build(n_test=n_test)
    ref = nc.simulate(net, duration)
    chip = nc.compile(net, target).run(duration)
    labels = y_test[:n_test]
    pred_f, pred_c = predictions(ref, n_test), predictions(chip, n_test)
    return {"n_test": n_test,
            "ann": float(np.mean(ann_predict(x_test[:n_test]) == labels)),
            "float": float(np.mean(pred_f == labels)),
            "chip": float(np.mean(pred_c == labels)),
            "changed": float(np.mean(pred_f != pred_c))}


if __name__ == "__main__":
    r = evaluate()
    print(f"{r['n_test']} test images")
    print(f"ANN test accuracy   {r['ann']:.1%}")
    print(f"float SNN           {r['float']:.1%}")
    print(f"chip (emu)          {r['chip']:.1%}   ({r['changed']:.1%} of images classified "
          "differently from float)")
