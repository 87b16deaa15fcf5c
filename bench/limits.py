"""What this machine can do at best, beside what the emulator's neuron pass and delivery do.

* **Neuron-pass limit**: a plain vectorised int32 LIF update over the arrays the LIF pass
  streams (the int32 dendritic slot, read and cleared; ``u``, ``v``, int32; the int16
  refractory counter; the int32 bias; the uint8 flags, written): each decay one 32-bit
  multiply and shift (it wraps on the chip's 24-bit x 12-bit products, so it is not the
  chip's exact rule), threshold, reset and refractory count as selects. What a vectorised
  int32 neuron update of this layout does per second on one core.
* **Our neuron pass**: :func:`neurocompile.emu.kernel.lif_pass` on the same arrays with CUBA's
  parameters (exact chip arithmetic, flags and their counts), updates/s.
* **Scatter limit**: ``ring[post[j]] += w[j]`` over random ``post`` (one int32 ring of the
  network's size, int16 weights): the random scatter-add a delivery of synaptic events is
  bounded by, events/s on one core.

Usage: ``python bench/limits.py [--neurons 1000000]`` (also called by bench/performance.py).
"""
from __future__ import annotations

import argparse
import time

import numpy as np
from numba import njit

from neurocompile.chip.lanes import add32, mul32, shr32


@njit(nogil=True)
def _stream(slot, u, v, refractory, bias, flags, keep_u, keep_v, threshold, steps):
    keep_u, keep_v, threshold = np.int32(keep_u), np.int32(keep_v), np.int32(threshold)
    for n in range(slot.size):
        a = slot[n]
        slot[n] = 0
        u_new = shr32(mul32(u[n], keep_u), 12) + a
        held = refractory[n] > 0
        v_new = v[n] if held else add32(add32(shr32(mul32(v[n], keep_v), 12), u_new), bias[n])
        spiked = (not held) and v_new > threshold
        u[n] = u_new
        v[n] = 0 if spiked else v_new
        refractory[n] = steps if spiked else (refractory[n] - 1 if held else 0)
        flags[n] = np.uint8(spiked) | np.uint8(a != 0) << 1


@njit(nogil=True)
def _scatter(ring, post, weight):
    for j in range(post.size):
        ring[post[j]] += weight[j]


def _best(fn, repeats: int) -> float:
    fn()
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def _state(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    limit = (1 << 23) - 1
    slot = (rng.integers(-3000, 3000, n) * (rng.random(n) < 0.3)).astype(np.int32)
    return (slot, rng.integers(-(1 << 20), 1 << 20, n).astype(np.int32),
            rng.integers(-limit // 4, limit // 4, n).astype(np.int32), np.zeros(n, np.int16),
            np.zeros(n, np.int32), np.zeros(n, np.uint8))


def neuron_limit(n: int = 1_000_000, repeats: int = 5) -> float:
    """Updates/s of the plain vectorised int32 LIF update over the LIF pass's arrays (one core)."""
    arrays = _state(n)
    return n / _best(lambda: _stream(*arrays, 4096 - 81, 4096 - 20, 32767 << 6, 50), repeats)


def our_neuron_pass(n: int = 1_000_000, repeats: int = 5) -> float:
    """Updates/s of the emulator's LIF pass (CUBA's parameters on the Loihi widths)."""
    from neurocompile.chip.lif import LIF_COLUMNS
    from neurocompile.emu.kernel import lif_pass
    from neurocompile.target import LOIHI_PRECISION as p

    slot, u, v, refractory, bias, flags = _state(n)
    sets = np.zeros((1, len(LIF_COLUMNS)), np.int64)
    # the ring of bench/large_network.py at dt 0.1 ms, as compiled: du, dv, threshold, 50 refractory steps
    sets[0, :8] = [80, 20, 32767, 0, 50, 0, 0, 1]
    bounds, bound_set, counts = np.array([0, n]), np.array([0]), np.zeros((1, 4), np.int64)
    low, high = p.dendrite_range

    def run():
        lif_pass(slot, u, v, refractory, bias, flags, sets, bounds, bound_set, 1, p.decay_bits,
                 p.alignment_shift_bits, p.state_half, p.saturation_limit, low, high, counts)
    return n / _best(run, repeats)


def scatter_limit(n: int = 1_000_000, events: int = 10_000_000, repeats: int = 5) -> float:
    """Events/s of a random scatter-add into an int32 ring of ``n`` accumulators (one core)."""
    rng = np.random.default_rng(1)
    ring = np.zeros(n, np.int32)
    post = rng.integers(0, n, events).astype(np.int32)
    weight = rng.integers(-100, 100, events).astype(np.int16)
    return events / _best(lambda: _scatter(ring, post, weight), repeats)


def measure(n: int = 1_000_000, rounds: int = 3) -> tuple[float, float, float]:
    """(neuron-pass limit, our LIF pass, scatter limit), each the best of ``rounds``
    interleaved measurements (the machine's load varies; interleaving keeps the ratio fair)."""
    best = [0.0, 0.0, 0.0]
    for _ in range(rounds):
        for k, fn in enumerate((neuron_limit, our_neuron_pass, scatter_limit)):
            best[k] = max(best[k], fn(n))
    return best[0], best[1], best[2]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--neurons", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    limit, ours, scatter = measure(args.neurons)
    print(f"neuron-pass limit {limit / 1e6:,.0f} M updates/s; our LIF pass {ours / 1e6:,.0f} M updates/s "
          f"({ours / limit:.0%}); random scatter-add limit {scatter / 1e6:,.0f} M events/s")


if __name__ == "__main__":
    main()
