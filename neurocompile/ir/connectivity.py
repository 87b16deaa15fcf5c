"""Connectivity rules: which presynaptic neuron connects to which postsynaptic neuron.

A rule turns the sizes of the two (views of) populations into index arrays ``(pre, post)``
of the synapses, fully vectorised. The projection then attaches weights and delays and stores
the result as a scipy.sparse matrix. Rules draw from their own ``seed`` when given, otherwise
from a generator the network derives from its seed and the projection's name.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..errors import NetworkError, invalid
from .distributions import _check_seed


class Connectivity:
    """Base class. ``connect`` returns int64 arrays ``(pre, post)`` (local indices) and values.

    ``self_pairs`` is None when pre and post are different populations; otherwise it is a
    boolean function telling, for local index arrays, which pairs join a neuron to itself.
    ``values`` is None except for :class:`Explicit`, which carries its own weights.
    """

    seed: int | None = None
    allow_autapses: bool = True

    def rng(self, fallback: np.random.Generator) -> np.random.Generator:
        return fallback if self.seed is None else np.random.default_rng(self.seed)

    def connect(self, n_pre: int, n_post: int, rng, self_pairs):  # pragma: no cover - abstract
        raise NotImplementedError

    def min_synapses(self, n_pre: int, n_post: int) -> int:
        """How many synapses ``connect`` makes at least, known before it runs (0: unknown)."""
        return 0

    def _without_autapses(self, count: int, n_pre: int, n_post: int) -> int:
        """``count`` less the self-pairs the rule may drop (at most one per neuron)."""
        return max(0, count - (0 if self.allow_autapses else min(n_pre, n_post)))


class AllToAll(Connectivity):
    """Every presynaptic neuron connects to every postsynaptic neuron.

    ``allow_autapses=False`` drops the synapse of a neuron onto itself when pre and post
    are (views of) the same population.
    """

    def __init__(self, allow_autapses: bool = True):
        self.allow_autapses = bool(allow_autapses)

    def connect(self, n_pre, n_post, rng, self_pairs):
        pre = np.repeat(np.arange(n_pre, dtype=np.int64), n_post)
        post = np.tile(np.arange(n_post, dtype=np.int64), n_pre)
        return _drop_autapses(self, pre, post, self_pairs) + (None,)

    def min_synapses(self, n_pre, n_post):
        return self._without_autapses(n_pre * n_post, n_pre, n_post)

    def __repr__(self):
        return f"AllToAll(allow_autapses={self.allow_autapses})"


class OneToOne(Connectivity):
    """Neuron ``i`` of pre connects to neuron ``i`` of post; sizes must be equal."""

    def connect(self, n_pre, n_post, rng, self_pairs):
        if n_pre != n_post:
            raise NetworkError(
                f"OneToOne: pre has {n_pre} neurons but post has {n_post}; they must be equal"
            )
        idx = np.arange(n_pre, dtype=np.int64)
        return idx, idx.copy(), None

    def min_synapses(self, n_pre, n_post):
        return n_pre if n_pre == n_post else 0

    def __repr__(self):
        return "OneToOne()"


class FixedProbability(Connectivity):
    """Each (pre, post) pair is connected independently with probability ``p``.

    Drawn by geometric skipping over the pair index space, so the cost is proportional to
    the number of synapses created, not to ``n_pre * n_post``.
    """

    def __init__(self, p: float, seed: int | None = None, allow_autapses: bool = True):
        if isinstance(p, (str, bytes)) or not np.isfinite(p) or not 0.0 <= float(p) <= 1.0:
            raise invalid("FixedProbability", "p", p, "must be a probability in [0, 1]")
        self.p = float(p)
        self.seed = _check_seed("FixedProbability", seed)
        self.allow_autapses = bool(allow_autapses)

    def connect(self, n_pre, n_post, rng, self_pairs):
        rng = self.rng(rng)
        total = n_pre * n_post
        if self.p == 0.0 or total == 0:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty.copy(), None
        if self.p == 1.0:
            flat = np.arange(total, dtype=np.int64)
        else:
            flat = _bernoulli_positions(rng, self.p, total)
        pre, post = np.divmod(flat, n_post)
        return _drop_autapses(self, pre, post, self_pairs) + (None,)

    def min_synapses(self, n_pre, n_post):
        """Six standard deviations below the mean: fewer with probability below 1e-9."""
        mean = self.p * n_pre * n_post
        return self._without_autapses(int(mean - 6.0 * np.sqrt(mean * (1.0 - self.p))), n_pre, n_post)

    def __repr__(self):
        return f"FixedProbability({self.p:g}, seed={self.seed})"


def _bernoulli_positions(rng, p: float, total: int) -> np.ndarray:
    """Sorted positions in ``range(total)`` each selected independently with probability p."""
    chunks = []
    position = -1
    chunk = max(1024, int(p * total * 1.05) + 64)
    while True:
        gaps = rng.geometric(p, size=chunk)
        positions = position + np.cumsum(gaps, dtype=np.int64)
        inside = positions[positions < total]
        chunks.append(inside)
        if inside.size < positions.size:
            break
        position = int(positions[-1])
        chunk = max(1024, chunk // 4)
    return np.concatenate(chunks)


class FixedInDegree(Connectivity):
    """Each postsynaptic neuron receives exactly ``k`` synapses from distinct random sources.

    ``allow_multapses=True`` allows the same source to be drawn more than once (as NEST's
    default); by default sources are distinct.
    """

    def __init__(self, k: int, seed: int | None = None, allow_autapses: bool = True,
                 allow_multapses: bool = False):
        if isinstance(k, (bool, float, str)) or not isinstance(k, (int, np.integer)) or k < 0:
            raise invalid("FixedInDegree", "k", k, "must be a non-negative integer")
        self.k = int(k)
        self.seed = _check_seed("FixedInDegree", seed)
        self.allow_autapses = bool(allow_autapses)
        self.allow_multapses = bool(allow_multapses)

    def connect(self, n_pre, n_post, rng, self_pairs):
        rng = self.rng(rng)
        k = self.k
        excluded = self_pairs is not None and not self.allow_autapses
        available = n_pre - (1 if excluded else 0)
        if not self.allow_multapses and k > available:
            raise invalid(
                "FixedInDegree", "k", k,
                f"exceeds the {available} distinct sources available in the presynaptic population",
            )
        if k == 0 or n_post == 0:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty.copy(), None
        post = np.repeat(np.arange(n_post, dtype=np.int64), k).reshape(n_post, k)
        pre = rng.integers(0, n_pre, size=(n_post, k), dtype=np.int64)
        # Redraw offending entries until none is left; converges fast because k << n_pre
        # is the usual case, and each pass only touches the offenders.
        for _ in range(10_000):
            bad = np.zeros(pre.shape, dtype=bool)
            if excluded:
                bad |= self_pairs(pre, post)
            if not self.allow_multapses:
                order = np.argsort(pre, axis=1, kind="stable")
                sorted_pre = np.take_along_axis(pre, order, axis=1)
                dup_sorted = np.zeros(pre.shape, dtype=bool)
                dup_sorted[:, 1:] = sorted_pre[:, 1:] == sorted_pre[:, :-1]
                np.put_along_axis(bad, order, dup_sorted | np.take_along_axis(bad, order, axis=1), axis=1)
            n_bad = int(bad.sum())
            if n_bad == 0:
                break
            pre[bad] = rng.integers(0, n_pre, size=n_bad, dtype=np.int64)
        else:  # pragma: no cover - only for k close to n_pre with bad luck
            raise NetworkError(f"{self!r}: could not draw {k} distinct sources per neuron")
        pre, post = pre.ravel(), post.ravel()
        order = np.lexsort((post, pre))
        return pre[order], post[order], None

    def min_synapses(self, n_pre, n_post):
        return self.k * n_post

    def __repr__(self):
        return f"FixedInDegree({self.k}, seed={self.seed})"


class Explicit(Connectivity):
    """Synapses given as a matrix of shape ``(n_pre, n_post)``: dense ndarray or scipy.sparse.

    Every stored non-zero entry is a synapse; its value is the weight unless the projection
    gives ``weight=`` explicitly (then the matrix only says where synapses are).
    """

    def __init__(self, matrix):
        presorted = False
        if sp.issparse(matrix) and matrix.format == "csr" and matrix.has_canonical_format:
            # Already (row, column)-sorted without duplicates: read the arrays in place instead
            # of sorting again (this matters for matrices with 10^8 entries).
            mask = matrix.data != 0
            pre, post, values = None, matrix.indices, matrix.data
            if not mask.all():
                pre = np.repeat(np.arange(matrix.shape[0], dtype=np.int64), np.diff(matrix.indptr))
                pre, post, values = pre[mask], post[mask], values[mask]
            shape = matrix.shape
            presorted = True
        elif sp.issparse(matrix):
            coo = sp.coo_matrix(matrix)
            coo.sum_duplicates()
            mask = coo.data != 0
            pre, post, values = coo.row[mask], coo.col[mask], coo.data[mask]
            shape = coo.shape
        else:
            try:
                dense = np.asarray(matrix)
            except Exception:  # noqa: BLE001 - any unconvertible object
                raise invalid("Explicit", "matrix", type(matrix).__name__,
                              "must be a 2-D ndarray or a scipy.sparse matrix") from None
            if dense.ndim != 2 or dense.dtype.kind not in "biuf":
                raise invalid("Explicit", "matrix", dense,
                              "must be a 2-D numeric ndarray or a scipy.sparse matrix")
            pre, post = np.nonzero(dense)
            values = dense[pre, post]
            shape = dense.shape
        values = np.asarray(values, dtype=np.float64)
        if not np.all(np.isfinite(values)):
            raise invalid("Explicit", "matrix", values, "must contain only finite values")
        self.shape = tuple(int(s) for s in shape)
        # Kept as row pointers (not one presynaptic index per synapse, 8 bytes each): the
        # expanded form exists only while the projection is built.
        if presorted:
            self.post, self.values = np.asarray(post), values
        else:
            order = np.lexsort((post, pre))
            pre = np.asarray(pre, dtype=np.int64)[order]
            self.post = np.asarray(post, dtype=np.int64)[order]
            self.values = values[order]
        if pre is None:  # canonical CSR without explicit zeros: its own row pointers
            self.indptr = np.asarray(matrix.indptr, dtype=np.int64)
        else:
            self.indptr = np.zeros(self.shape[0] + 1, dtype=np.int64)
            np.cumsum(np.bincount(pre, minlength=self.shape[0]), out=self.indptr[1:])

    @property
    def pre(self) -> np.ndarray:
        """Presynaptic index of every synapse (row order), expanded on demand."""
        return np.repeat(np.arange(self.shape[0], dtype=np.int64), np.diff(self.indptr))

    def connect(self, n_pre, n_post, rng, self_pairs):
        if self.shape != (n_pre, n_post):
            raise invalid("Explicit", "matrix shape", self.shape,
                          f"does not match (n_pre, n_post) = ({n_pre}, {n_post})")
        return self.pre, self.post, self.values

    def min_synapses(self, n_pre, n_post):
        return self.post.size if self.shape == (n_pre, n_post) else 0

    def __repr__(self):
        return f"Explicit(shape={self.shape}, nnz={self.post.size})"


def _drop_autapses(rule: Connectivity, pre, post, self_pairs):
    if self_pairs is None or rule.allow_autapses:
        return pre, post
    keep = ~self_pairs(pre, post)
    return pre[keep], post[keep]
