"""Convolutions and pooling as sparse matrices between flattened (C-order) signals.

NIR tensors have shape ``(channels, *spatial)`` (no batch dimension) and are flattened in C
order, so element ``(c, y, x)`` of a ``(C, H, W)`` signal has index ``(c * H + y) * W + x``. A
convolution is a linear map, returned here as a ``scipy.sparse.csr_matrix`` ``T`` of shape
``(n_in, n_out)`` so that ``out = in @ T``. Building it loops over the kernel offsets only; for
each offset every (output channel, input channel, output position) triple is handled at once.

Padding follows PyTorch: an int or one int per spatial axis, zeros on both sides; ``"valid"``
is no padding; ``"same"`` (stride 1) pads ``dilation * (k - 1)`` in total, the smaller half
before. Pooling is a grouped convolution with a kernel of ones (``SumPool2d``) or of
``1 / kernel area`` (``AvgPool2d``, padding counted in the average as PyTorch's default).
"""
from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp

from ..errors import NetworkError
from ..resources import available_memory_bytes

#: Bytes the map of a convolution takes per (output, input) pair it may hold: its row and
#: column index and its value, and the index grids of one kernel offset.
BYTES_PER_ENTRY = 32


def per_axis(value, n_axes: int, owner: str, param: str) -> tuple[int, ...]:
    """An int or a sequence of ``n_axes`` ints as a tuple of ints."""
    arr = np.atleast_1d(np.asarray(value))
    if arr.dtype.kind not in "iuf" or arr.ndim != 1 or arr.size not in (1, n_axes) \
            or np.any(arr != np.rint(arr)):
        raise NetworkError(f"{owner}: {param} = {value!r} must be an integer or {n_axes} integers")
    arr = np.broadcast_to(arr, (n_axes,)).astype(np.int64)
    return tuple(int(a) for a in arr)


def padding_before_after(padding, kernel, dilation, stride, owner):
    """Padding per spatial axis as (before, after) tuples, from an int, ints or 'same'/'valid'."""
    n = len(kernel)
    if isinstance(padding, bytes):
        padding = padding.decode()
    if isinstance(padding, str):
        if padding == "valid":
            return (0,) * n, (0,) * n
        if padding == "same":
            if any(s != 1 for s in stride):
                raise NetworkError(f"{owner}: padding = 'same' needs stride 1, got stride {stride}")
            total = [d * (k - 1) for k, d in zip(kernel, dilation)]
            before = tuple(t // 2 for t in total)
            return before, tuple(t - b for t, b in zip(total, before))
        raise NetworkError(f"{owner}: padding = {padding!r} must be 'same', 'valid' or integers")
    pad = per_axis(padding, n, owner, "padding")
    if any(p < 0 for p in pad):
        raise NetworkError(f"{owner}: padding = {pad} must be >= 0")
    return pad, pad


def conv_output_size(size, kernel, stride, dilation, before, after) -> tuple[int, ...]:
    return tuple((n + b + a - d * (k - 1) - 1) // s + 1
                 for n, k, s, d, b, a in zip(size, kernel, stride, dilation, before, after))


def conv_matrix(in_shape, weight, stride, padding, dilation, groups, owner):
    """Sparse map of an N-d convolution (N = 1 or 2) and the output shape.

    Args:
        in_shape: ``(C_in, *spatial)``.
        weight: ``(C_out, C_in / groups, *kernel)``.
        stride, padding, dilation: per spatial axis (see module docstring for padding).
    Returns:
        ``(T, out_shape)`` with ``T`` of shape ``(prod(in_shape), prod(out_shape))``.
    """
    weight = np.asarray(weight, dtype=np.float64)
    c_in, spatial = int(in_shape[0]), tuple(int(s) for s in in_shape[1:])
    n_axes = len(spatial)
    if weight.ndim != n_axes + 2:
        raise NetworkError(f"{owner}: weight has shape {weight.shape}; a {n_axes}-d convolution "
                           f"of an input of shape {tuple(in_shape)} needs {n_axes + 2} dimensions")
    c_out, c_in_group, kernel = weight.shape[0], weight.shape[1], weight.shape[2:]
    groups = int(groups)
    if groups < 1 or c_in % groups or c_out % groups or c_in // groups != c_in_group:
        raise NetworkError(
            f"{owner}: weight shape {weight.shape} with groups = {groups} does not fit an input "
            f"of {c_in} channels (need C_in / groups = weight.shape[1] and C_out % groups = 0)")
    stride = per_axis(stride, n_axes, owner, "stride")
    dilation = per_axis(dilation, n_axes, owner, "dilation")
    if min(stride) < 1 or min(dilation) < 1:
        raise NetworkError(f"{owner}: stride = {stride} and dilation = {dilation} must be >= 1")
    before, after = padding_before_after(padding, kernel, dilation, stride, owner)
    out_spatial = conv_output_size(spatial, kernel, stride, dilation, before, after)
    if min(out_spatial) < 1:
        raise NetworkError(f"{owner}: an input of shape {tuple(in_shape)} gives an empty output "
                           f"{out_spatial} (kernel {kernel}, stride {stride}, padding {before})")
    out_shape = (c_out, *out_spatial)
    _check_memory(owner, "the map of this convolution",
                  math.prod((c_out, c_in_group, *out_spatial, *kernel)) * BYTES_PER_ENTRY)

    # Index grids over (output channel, input channel within its group, *output positions).
    co = np.arange(c_out).reshape((c_out, 1) + (1,) * n_axes)
    ci_local = np.arange(c_in_group).reshape((1, c_in_group) + (1,) * n_axes)
    ci = (co // (c_out // groups)) * c_in_group + ci_local
    out_pos = [np.arange(n).reshape((1, 1) + tuple(n if a == i else 1 for a in range(n_axes)))
               for i, n in enumerate(out_spatial)]
    full = (c_out, c_in_group, *out_spatial)
    out_flat = co
    for axis in range(n_axes):
        out_flat = out_flat * out_spatial[axis] + out_pos[axis]
    rows, cols, vals = [], [], []
    for offset in np.ndindex(*kernel):
        valid = np.ones(full, dtype=bool)
        in_flat = ci
        for axis in range(n_axes):
            pos = out_pos[axis] * stride[axis] - before[axis] + offset[axis] * dilation[axis]
            valid &= (pos >= 0) & (pos < spatial[axis])
            in_flat = in_flat * spatial[axis] + pos
        w = weight[(slice(None), slice(None)) + offset].reshape((c_out, c_in_group) + (1,) * n_axes)
        keep = valid & (w != 0)
        rows.append(np.broadcast_to(in_flat, full)[keep])
        cols.append(np.broadcast_to(out_flat, full)[keep])
        vals.append(np.broadcast_to(w, full)[keep])
    n_in, n_out = c_in * int(np.prod(spatial)), int(np.prod(out_shape))
    matrix = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                           shape=(n_in, n_out))
    return matrix, out_shape


def pool_matrix(in_shape, kernel_size, stride, padding, average: bool, owner):
    """Sparse map of a 2-d sum or average pooling over ``(C, H, W)``; returns (T, out_shape)."""
    if len(in_shape) != 3:
        raise NetworkError(f"{owner}: pooling needs an input of shape (C, H, W), got {tuple(in_shape)}")
    kernel = per_axis(kernel_size, 2, owner, "kernel_size")
    if min(kernel) < 1:
        raise NetworkError(f"{owner}: kernel_size = {kernel} must be >= 1")
    channels = int(in_shape[0])
    _check_memory(owner, f"a pooling kernel of {kernel}", math.prod((channels, *kernel)) * 8)
    value = 1.0 / (kernel[0] * kernel[1]) if average else 1.0
    weight = np.full((channels, 1, *kernel), value)
    return conv_matrix(in_shape, weight, stride, padding, 1, channels, owner)


def _check_memory(owner: str, what: str, n_bytes: int) -> None:
    """Refuse, before allocating, what would need more than half the machine's available memory."""
    budget = available_memory_bytes() // 2
    if n_bytes > budget:
        raise NetworkError(f"{owner}: {what} needs up to {n_bytes / 2**30:.3g} GiB; at most "
                           f"{budget / 2**30:.1f} GiB (half of this machine's available memory) may be used")
