"""The compiled synapse passes of quantization give exactly the numbers of the numpy
expressions they replaced (same sums in the same order, same mantissas, same errors)."""
import numpy as np
import pytest

from neurocompile.quantize import synapse_sums as ss


def _synapses(n_synapses, n_post, seed, signs="mixed"):
    rng = np.random.default_rng(seed)
    post = rng.integers(0, n_post, n_synapses).astype(np.int32)
    weight = rng.normal(0.0, 1.0, n_synapses) * rng.choice([1e-3, 1.0, 30.0], n_synapses)
    weight[rng.random(n_synapses) < 0.05] = 0.0
    if signs == "excitatory":
        weight = np.abs(weight)
    gain = rng.uniform(0.5, 40.0, n_post)
    return post, weight, gain


@pytest.mark.parametrize("chunk", [7, 1 << 22])
def test_abs_sums_and_maxima_equal_chunked_bincount(monkeypatch, chunk):
    monkeypatch.setattr(ss, "CHUNK", chunk)
    post, weight, _ = _synapses(1000, 37, seed=1)
    expected_sums = np.zeros(37)
    for part in ss.chunks(post.size, chunk):  # what quantize/network.py computed before
        expected_sums += np.bincount(post[part], np.abs(weight[part]), minlength=37)
    expected_max = np.full(37, 0.25)
    np.maximum.at(expected_max, post, np.abs(weight))
    maxima = np.full(37, 0.25)
    sums = ss.abs_sums_and_maxima(post, weight, 37, maxima)
    assert np.array_equal(sums, expected_sums)  # bit for bit: the same additions in the same order
    assert np.array_equal(maxima, expected_max)


def test_signed_mantissa_sums_are_exact():
    rng = np.random.default_rng(2)
    post = rng.integers(0, 50, 5000).astype(np.int32)
    mant = rng.integers(-128, 127, 5000).astype(np.int16)
    scale = 2.0**-3
    excit, inhib = ss.signed_mantissa_sums(post, mant, 50, scale)
    assert np.array_equal(excit, np.bincount(post, np.maximum(mant, 0) * scale, minlength=50))
    assert np.array_equal(inhib, np.bincount(post, np.maximum(-mant.astype(np.int64), 0) * scale, minlength=50))
    empty = ss.signed_mantissa_sums(np.zeros(0, np.int32), np.zeros(0, np.int16), 3, 1.0)
    assert all(np.array_equal(side, np.zeros(3)) for side in empty)


@pytest.mark.parametrize("signs", ["mixed", "excitatory"])
def test_extremes_and_negative_exponent_test_match_numpy(signs):
    post, weight, gain = _synapses(2000, 40, seed=3, signs=signs)
    w_eff = weight * gain[post]
    assert ss.effective_extremes(weight, gain, post) == (w_eff.min(), w_eff.max(), np.abs(w_eff).max())
    for step in (1.0, 2.0):
        expected = bool(np.any((np.rint(w_eff / step) * step == 0) & (w_eff != 0)))
        assert ss.needs_negative_exponent(weight, gain, post, step) == expected
    big = np.where(np.abs(w_eff) < 5.0, 0.0, weight)  # every non-zero weight survives exponent 0
    assert not ss.needs_negative_exponent(big, gain, post, 1.0)
    assert ss.effective_extremes(np.zeros(0), gain, np.zeros(0, np.int32)) == (np.inf, -np.inf, 0.0)


@pytest.mark.parametrize("exponent, step, lowest, highest", [(3, 2.0, -128.0, 126.0), (-2, 1.0, 0.0, 127.0)])
def test_quantize_chunk_matches_the_numpy_expression(exponent, step, lowest, highest):
    post, weight, gain = _synapses(3000, 60, seed=4)
    w_eff = weight * gain[post]
    scale = 2.0**exponent
    expected = np.clip(np.rint(w_eff / scale / step) * step, lowest, highest).astype(np.int16)
    mant = np.zeros(weight.size, np.int16)
    error_sq, target_sq = np.empty(1000), np.empty(1000)
    lost = 0
    for start in range(0, weight.size, 1000):
        lost += ss.quantize_chunk(weight, gain, post, start, start + 1000, scale, step, lowest, highest, mant,
                                  error_sq, target_sq)
        part = slice(start, start + 1000)
        assert np.array_equal(error_sq, (expected[part] * scale - w_eff[part]) ** 2)
        assert np.array_equal(target_sq, w_eff[part] ** 2)
    assert np.array_equal(mant, expected)
    assert lost == int(np.sum((expected == 0) & (weight != 0)))
    assert lost > 0 and mant.min() >= lowest and mant.max() <= highest  # the clip and the zeroing both happen
