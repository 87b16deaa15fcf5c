"""Data-parallel runs: the samples of a batch split over MPI ranks.

Rank 0's ``inputs`` (every array with a leading batch axis of B samples) are cut into K
contiguous slices, one per rank (the first ``B mod K`` ranks get one sample more); each rank
runs its slice as a batch (:func:`neurocompile.emu.run.emulate`) on its own copy of the
program, and rank 0 gathers the Results in sample order. Samples are independent, so each
Result is identical to the same sample's Result in a single-process batch (and to a run of
that sample alone).
"""
from __future__ import annotations

import numpy as np

from ..errors import DistributedError


def sample_slices(samples: int, ranks: int) -> list[tuple[int, int]]:
    """``(first, stop)`` of the samples each rank runs: contiguous, in rank order, sizes
    differing by at most one. Raises :class:`DistributedError` when a rank would get none."""
    if samples < ranks:
        raise DistributedError(f"MPI batch run: a batch of {samples} sample{'s' * (samples != 1)} cannot be split "
                               f"over {ranks} ranks (each rank needs at least one sample); run with at most "
                               f"{samples} rank{'s' * (samples != 1)}")
    base, extra = divmod(samples, ranks)
    bounds = np.concatenate([[0], np.cumsum([base + (r < extra) for r in range(ranks)])])
    return [(int(bounds[r]), int(bounds[r + 1])) for r in range(ranks)]


def batch_samples(inputs: dict) -> int:
    """The common leading (batch) axis of ``inputs``' arrays."""
    sizes = {name: np.shape(value)[0] for name, value in inputs.items() if np.ndim(value) > 0}
    if not sizes or len(set(sizes.values())) != 1:
        raise DistributedError(f"MPI batch run: inputs = {sorted(sizes)} need one leading batch axis of the same "
                               f"length on every array (got {sizes})")
    return next(iter(sizes.values()))


def run_batch(ranks, program, duration: float, inputs, *, strict: bool = False, engine: str = "fast"):
    """Run rank 0's batch ``inputs`` on ``program`` with the samples split over ``ranks``
    (:class:`~.comm.Ranks`); on rank 0 the list of one Result per sample in order (identical
    to ``program.run(duration, inputs=inputs)``), None on the other ranks."""
    def split():
        samples = batch_samples(inputs)
        slices = sample_slices(samples, ranks.size)
        return [{name: np.asarray(value)[first:stop] for name, value in inputs.items()} for first, stop in slices]

    parts = ranks.guarded("splitting the batch", split) if ranks.rank == 0 else ranks.guarded("splitting the batch",
                                                                                               lambda: None)
    mine = ranks.scatter(parts, "handing out the batch's samples")
    results = ranks.guarded("running its samples",
                            lambda: program.run(duration, strict=strict, inputs=mine, engine=engine))
    gathered = ranks.gather(results, "gathering the Results")
    if ranks.rank != 0:
        return None
    return [result for part in gathered for result in part]
