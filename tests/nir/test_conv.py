"""Convolution and pooling bookkeeping of NIR import (neurocompile.nir.conv): the dense matrices
against a direct convolution. Plain numpy: no NIR file is read."""
from __future__ import annotations

import numpy as np
import pytest

from neurocompile.nir.conv import conv_matrix, pool_matrix


def direct_conv2d(x, w, stride, pad, dil, groups):
    c_in, h, wd = x.shape
    c_out, cig, kh, kw = w.shape
    xp = np.zeros((c_in, h + pad[0][0] + pad[0][1], wd + pad[1][0] + pad[1][1]))
    xp[:, pad[0][0]:pad[0][0] + h, pad[1][0]:pad[1][0] + wd] = x
    ho = (xp.shape[1] - dil[0] * (kh - 1) - 1) // stride[0] + 1
    wo = (xp.shape[2] - dil[1] * (kw - 1) - 1) // stride[1] + 1
    out = np.zeros((c_out, ho, wo))
    per_group = c_out // groups
    for co in range(c_out):
        g = co // per_group
        for i in range(ho):
            for j in range(wo):
                patch = xp[g * cig:(g + 1) * cig,
                           i * stride[0]:i * stride[0] + dil[0] * (kh - 1) + 1:dil[0],
                           j * stride[1]:j * stride[1] + dil[1] * (kw - 1) + 1:dil[1]]
                out[co, i, j] = np.sum(patch * w[co])
    return out


@pytest.mark.parametrize("stride,padding,dilation,groups", [
    ((1, 1), (0, 0), (1, 1), 1), ((2, 1), (1, 2), (1, 1), 1), ((1, 1), "same", (2, 1), 1),
    ((2, 2), (1, 1), (1, 2), 2), ((1, 1), "valid", (1, 1), 4)])
def test_conv2d_matrix_matches_direct_convolution(stride, padding, dilation, groups):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 7, 6))
    w = rng.normal(size=(4, 4 // groups, 3, 2))
    matrix, out_shape = conv_matrix(x.shape, w, stride, padding, dilation, groups, "test")
    if padding == "same":
        pad = [((dilation[0] * 2) // 2, dilation[0] * 2 - (dilation[0] * 2) // 2),
               (dilation[1] // 2, dilation[1] - dilation[1] // 2)]
    elif padding == "valid":
        pad = [(0, 0), (0, 0)]
    else:
        pad = [(padding[0], padding[0]), (padding[1], padding[1])]
    expected = direct_conv2d(x, w, stride, pad, dilation, groups)
    assert out_shape == expected.shape
    assert (x.ravel() @ matrix) == pytest.approx(expected.ravel())


def test_conv1d_and_pooling_matrices():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 9))
    w = rng.normal(size=(3, 2, 3))
    matrix, shape = conv_matrix(x.shape, w, 2, 1, 1, 1, "conv1d")
    expected = direct_conv2d(x[:, None, :], w[:, :, None, :], (1, 2), [(0, 0), (1, 1)], (1, 1), 1)
    assert shape == (3, 5) and (x.ravel() @ matrix) == pytest.approx(expected.ravel())
    img = rng.normal(size=(3, 4, 6))
    pooled, shape = pool_matrix(img.shape, (2, 2), (2, 2), (0, 0), False, "pool")
    assert shape == (3, 2, 3)
    assert (img.ravel() @ pooled) == pytest.approx(img.reshape(3, 2, 2, 3, 2).sum(axis=(2, 4)).ravel())
    avg, _ = pool_matrix(img.shape, 2, 2, 0, True, "pool")
    assert (img.ravel() @ avg) == pytest.approx(img.reshape(3, 2, 2, 3, 2).mean(axis=(2, 4)).ravel())
