"""Projections: the synapses from one population to another, held as sparse arrays.

Synapses are stored in CSR layout over the *whole* pre and post populations (views only
restrict where synapses are made): ``weights`` is a ``scipy.sparse.csr_matrix`` of shape
``(pre.size, post.size)`` and ``delay_steps`` is an integer array aligned with
``weights.data``. Several synapses between the same pair (multapses) are kept as separate
entries, so do not call ``sum_duplicates`` on ``weights`` if delays differ.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ..errors import NetworkError, invalid
from ..resources import MemoryBudgetError, available_memory_bytes


@dataclass(eq=False)  # identity: a projection is equal only to itself
class Projection:
    """Synapses from ``pre`` to ``post`` with weights (model current unit) and delays (steps).

    Attributes:
        name: unique name in the network (default ``"pre->post"``).
        pre, post: the two :class:`~neurocompile.ir.population.Population` objects.
        rule: the connectivity rule that created the synapses.
        weights: csr_matrix (pre.size, post.size), float64, in the post model's current unit
            (mV for LIF/LI, pA for AdEx): the jump of the synaptic current per spike.
        delay_steps: int32 array aligned with ``weights.data``; a spike emitted in step ``k``
            reaches the postsynaptic neuron in step ``k + delay``; always >= 1.
        dt: the network's time step, ms.
        receptor: the post model's receptor the synapses feed (``"syn"``, the built-in
            current synapse, unless the model has ``receptors=``).
        stp: short-term plasticity (:class:`~neurocompile.TsodyksMarkram`) scaling each
            spike's weights, or None.
        plasticity: long-term plasticity (:class:`~neurocompile.STDP`) changing the weights
            during a run, or None.
    """

    name: str
    pre: object
    post: object
    rule: object
    weights: sp.csr_matrix
    delay_steps: np.ndarray
    dt: float
    receptor: str = "syn"
    stp: object = None
    plasticity: object = None

    @property
    def n_synapses(self) -> int:
        return int(self.weights.nnz)

    @property
    def delays(self) -> np.ndarray:
        """Delays in ms, aligned with ``weights.data``."""
        return self.delay_steps * self.dt

    @property
    def max_delay_steps(self) -> int:
        return int(self.delay_steps.max()) if self.delay_steps.size else 1

    def synapse_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(pre index, post index, weight, delay_steps) of every synapse, sorted by pre."""
        pre = np.repeat(np.arange(self.pre.size), np.diff(self.weights.indptr))
        return pre, self.weights.indices, self.weights.data, self.delay_steps

    def synapse_index(self, pre, post) -> np.ndarray:
        """Index (in ``weights.data`` order) of the synapse from ``pre[k]`` to ``post[k]`` for
        every k (the first one of a multapse); a pair without a synapse is a NetworkError."""
        from ..errors import NetworkError

        pre, post = np.broadcast_arrays(np.asarray(pre, dtype=np.int64), np.asarray(post, dtype=np.int64))
        w = self.weights
        out = np.empty(pre.size, dtype=np.int64)
        for k, (i, j) in enumerate(zip(pre.reshape(-1), post.reshape(-1))):  # a few probed synapses
            if not (0 <= i < self.pre.size and 0 <= j < self.post.size):
                raise NetworkError(f"Projection '{self.name}': no neuron pair ({i}, {j}); pre has {self.pre.size} "
                                   f"and post {self.post.size} neurons")
            hit = np.flatnonzero(w.indices[w.indptr[i]:w.indptr[i + 1]] == j)
            if hit.size == 0:
                raise NetworkError(f"Projection '{self.name}': no synapse from pre {i} to post {j}")
            out[k] = w.indptr[i] + hit[0]
        return out.reshape(pre.shape)

    def __repr__(self):
        into = "" if self.receptor == "syn" else f" ({self.receptor})"
        plastic = "".join(f", {rule!r}" for rule in (self.stp, self.plasticity) if rule is not None)
        return (f"Projection('{self.name}', {self.pre.name} -> {self.post.name}{into}, {self.n_synapses} synapses"
                f"{plastic})")


#: Bytes one synapse takes at least while :func:`build_synapses` makes the sparse matrix: the
#: finished weight (float64), column (int32) and delay (int32), and the global (row, column)
#: int64 pair they are built from, all alive at once. A lower bound (the rule's own index
#: arrays and the drawn weights come on top), so a projection refused for it could not be built.
BYTES_PER_SYNAPSE_BUILT = 32


def check_synapse_memory(owner: str, rule, n_pre: int, n_post: int) -> None:
    """Raise :class:`~neurocompile.resources.MemoryBudgetError` before ``rule`` runs when the
    synapses it makes at least would not fit in the machine's available memory."""
    n_synapses = int(rule.min_synapses(n_pre, n_post))
    need = n_synapses * BYTES_PER_SYNAPSE_BUILT
    have = available_memory_bytes()
    if need > have:
        raise MemoryBudgetError(
            f"{owner}: {rule!r} over {n_pre} x {n_post} neurons makes at least {n_synapses} synapses, "
            f"{BYTES_PER_SYNAPSE_BUILT} bytes each while they are built ({need / 2**30:.1f} GiB); this machine "
            f"has {have / 2**30:.1f} GiB available. Use a sparser rule or smaller populations")


def build_synapses(name, pre_view, post_view, rule, weight, delay, dt, rng, receptor: str = "syn"):
    """Run ``rule`` on the views and attach weights and delays; returns a :class:`Projection`.

    Raises MemoryBudgetError, before any synapse is made, when the rule's synapses could not fit
    in the machine's available memory (:func:`check_synapse_memory`)."""
    from .distributions import Distribution
    from .inputs import _to_steps

    pre_pop, post_pop = pre_view.population, post_view.population
    pre_ids, post_ids = pre_view.indices, post_view.indices
    # Views of one population that do not overlap cannot join a neuron to itself (a mask, not
    # np.intersect1d: that sorts both views, 2 s for a million neurons).
    overlap = pre_pop is post_pop and _views_overlap(pre_pop.size, pre_ids, post_ids)
    self_pairs = (lambda a, b: pre_ids[a] == post_ids[b]) if overlap else None

    owner = f"Projection '{name}'"
    check_synapse_memory(owner, rule, pre_ids.size, post_ids.size)
    try:
        local_pre, local_post, values = rule.connect(pre_ids.size, post_ids.size, rng, self_pairs)
    except NetworkError as exc:  # name the projection, not only the rule
        raise NetworkError(f"{owner}: {exc}") from None
    n = local_pre.size

    if weight is None:
        if values is None:
            raise invalid(owner, "weight", None, "is required (only Explicit rules carry weights)")
        w = values
    else:
        w = _per_synapse(weight, local_pre, local_post, (pre_ids.size, post_ids.size), rng, owner, "weight")
    if not np.all(np.isfinite(w)):
        raise invalid(owner, "weight", w, "must be finite")

    if isinstance(delay, Distribution):
        # Drawn delays are continuous: round them to the time grid (as NEST and Brian2 do).
        # The bound check keeps every rounded delay >= 1 step whatever is drawn.
        low = delay.bounds()[0]
        if low < dt * (1 - 1e-9):
            raise invalid(owner, "delay", delay,
                          f"can draw delays below dt = {dt:g} ms (lower bound {low:g} ms); "
                          f"give the distribution a lower bound >= dt")
        d_steps = np.rint(delay.sample(n, rng) / dt).astype(np.int32)
    else:
        # One delay for every synapse (the usual case) is checked and converted once, then
        # repeated: converting 10^8 equal values took 8 s.
        scalar = delay is None or np.ndim(delay) == 0
        d_ms = _per_synapse(dt if delay is None else delay, local_pre[:1] if scalar else local_pre,
                            local_post[:1] if scalar else local_post, (pre_ids.size, post_ids.size), rng, owner,
                            "delay")
        if not np.all(np.isfinite(d_ms)):
            raise invalid(owner, "delay", float(d_ms[0]) if scalar else d_ms, "must be finite")
        if n and d_ms.min() < dt * (1 - 1e-9):
            raise invalid(owner, "delay", float(d_ms.min()), f"ms is shorter than dt = {dt:g} ms")
        d_steps = _to_steps(d_ms, dt, owner, "delay").astype(np.int32)
        if scalar:
            d_steps = np.full(n, d_steps[0] if d_steps.size else 0, dtype=np.int32)

    rows, cols = pre_ids[local_pre], post_ids[local_post]
    if not _sorted_pairs(rows, cols):  # rules usually return sorted pairs: skip a 10^8 sort
        order = np.lexsort((cols, rows))
        rows, cols, w, d_steps = rows[order], cols[order], w[order], d_steps[order]
    indptr = np.zeros(pre_pop.size + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=pre_pop.size), out=indptr[1:])
    index_dtype = np.int32 if max(post_pop.size, n) < 2**31 else np.int64
    # w may be the caller's own array (Explicit): copied; cols and indptr are made here.
    matrix = sp.csr_matrix((w.astype(np.float64), cols.astype(index_dtype, copy=False),
                            indptr.astype(index_dtype, copy=False)), shape=(pre_pop.size, post_pop.size))
    return Projection(name, pre_pop, post_pop, rule, matrix, d_steps, dt, receptor)


def _views_overlap(size: int, a: np.ndarray, b: np.ndarray) -> bool:
    """True when the neuron indices ``a`` and ``b`` (of one population of ``size``) share one."""
    seen = np.zeros(size, dtype=bool)
    seen[a] = True
    return bool(seen[b].any())


def _sorted_pairs(rows: np.ndarray, cols: np.ndarray, chunk: int = 1 << 22) -> bool:
    """True when (rows, cols) is sorted by row, then column (checked in chunks, little memory)."""
    for start in range(0, rows.size, chunk):
        stop = min(rows.size, start + chunk + 1)
        r, c = rows[start:stop], cols[start:stop]
        dr = np.diff(r)
        if np.any(dr < 0) or np.any((dr == 0) & (np.diff(c) < 0)):
            return False
    return True


def _per_synapse(value, local_pre, local_post, pair_shape, rng, owner, param):
    """Scalar, distribution, per-synapse array (nnz,) or dense array (n_pre, n_post)."""
    from .distributions import Distribution, materialize

    n = local_pre.size
    if isinstance(value, Distribution) or np.ndim(value) == 0:
        return materialize(value, n, rng, owner, param)
    arr = np.asarray(value, dtype=np.float64)
    if arr.shape == pair_shape:
        return arr[local_pre, local_post]
    if arr.shape == (n,):
        return arr.copy()
    raise invalid(owner, param, arr,
                  f"has shape {arr.shape}; expected a scalar, a distribution, one value per "
                  f"synapse ({n},) or one per pair {pair_shape}")
