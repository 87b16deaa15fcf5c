"""Runs spread over MPI ranks (``mpiexec -n K``), bit-identical to one process.

Two ways to use K ranks, chosen by the inputs (:func:`run`):

* data-parallel (:mod:`.batch`): ``inputs`` with a leading batch axis; the samples are split
  over the ranks and rank 0 gathers one Result per sample, in order;
* partitioned (:mod:`.partition`): a single run; the program's chips (or groups of cores) are
  split over the ranks, each rank holds only the synapses onto its own neurons, and the
  spikes that cross ranks are exchanged once per window of the smallest delay of a synapse
  between ranks (:func:`.local.exchange_window`); rank 0 gets the merged Result.

Install with ``pip install 'neurocompile[mpi]'`` (mpi4py and MPICH from wheels). mpi4py is
imported only when a run uses more than one rank (:mod:`.comm`). Every failure -- more ranks
than samples, chips or cores, ranks that opened different programs, a rank that raised or
stopped answering -- is a :class:`~neurocompile.errors.DistributedError` raised on every rank.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .comm import Ranks, launched_ranks

__all__ = ["run", "Ranks", "launched_ranks", "Distributed"]


class Distributed:
    """What :func:`run` returns on every rank: ``result`` (rank 0: a Result, or a list of them
    for a batch; None elsewhere), ``mode`` (``"batch"`` or ``"partitioned"``), ``rank``,
    ``ranks``, ``name`` (the program's), and for a partitioned run this rank's ``exchange``
    (:class:`~.stepping.Exchange`) and ``partition`` (:class:`~.partition.Partition`)."""

    def __init__(self, result, mode: str, rank: int, ranks: int, exchange=None, partition=None, name: str = ""):
        self.result, self.mode, self.rank, self.ranks, self.name = result, mode, rank, ranks, name
        self.exchange, self.partition = exchange, partition

    def __repr__(self):
        return f"Distributed(mode={self.mode!r}, rank={self.rank}, ranks={self.ranks})"


def _is_batch(pops: dict, inputs) -> bool:
    """Whether ``inputs`` carry a leading batch axis (source rasters of 3 dimensions, input
    currents of 2); ``pops``: the program's populations."""
    if not inputs:
        return False
    return any(np.ndim(value) == (3 if name in pops and pops[name].is_source else 2)
               for name, value in inputs.items())


def run(program, duration: float, *, inputs=None, strict: bool = False, engine: str = "fast", comm=None,
        timeout: float | None = None, by_neurons: bool = True) -> Distributed:
    """Run ``program`` (a :class:`~neurocompile.program.Program`, or the path of a ``.ncp`` file)
    for ``duration`` ms over the ranks of ``comm`` (default: ``MPI.COMM_WORLD``); every rank
    calls it. ``inputs`` are rank 0's (the other ranks may pass None). With a batch the run is
    data-parallel, else partitioned (module docstring). ``timeout``: seconds any collective may
    wait (default :func:`~.comm.default_timeout`). Returns a :class:`Distributed`.

    Given a path, every rank checks that all opened the same file (SHA-256) and, for a
    partitioned run, reads only its part (:func:`~.partition.load_part`). ``by_neurons``
    (default): each rank holds and updates only its own neurons (:mod:`.local`) where the
    program allows it; False (or a program with receptors) keeps every neuron on every rank
    and splits only the synapses (:func:`~.partition.restrict`).
    """
    from . import batch as batch_mod
    from . import partition as part

    ranks = Ranks(comm, timeout)
    path = None if hasattr(program, "quantized") else Path(program)
    if path is not None:
        fingerprint = ranks.guarded("reading the program file", lambda: part.fingerprint_file(path))
        part.check_same(ranks, f"'{path}'", fingerprint, "program file")
    else:
        part.check_same(ranks, f"'{program.name}'", _program_fingerprint(program), "program")
    decided = ranks.guarded("reading the inputs", lambda: bool(inputs) and _batched_inputs(program, path, inputs)
                            if ranks.rank == 0 else None)
    batched = ranks.bcast(decided, "deciding between a batch and a partitioned run")
    if batched:
        if path is not None:
            from ..program import load_program
            program = ranks.guarded("loading the program", lambda: load_program(path))
        results = batch_mod.run_batch(ranks, program, duration, inputs, strict=strict, engine=engine)
        return Distributed(results, "batch", ranks.rank, ranks.size, name=program.name)
    run_inputs = ranks.bcast(inputs if ranks.rank == 0 else None, "handing out the run's inputs")
    ranks.guarded("checking the run", lambda: part._check_supported(
        program if path is None else None, False, strict, engine))
    if path is not None:
        program, partition, whole = ranks.guarded("loading its part of the program",
                                                  lambda: part.load_part(path, ranks.size, ranks.rank, by_neurons))
    else:
        def split():
            from . import local
            partition = part.plan(program.placement, ranks.size, f"MPI run of program '{program.name}'")
            if by_neurons and local.supported(program.quantized.populations, program.quantized.projections):
                return local.localize(program, program.quantized.projections, partition, ranks.rank), partition
            return part.restrict(program, partition, ranks.rank), partition
        whole = program
        program, partition = ranks.guarded("splitting the program", split)
    ranks.guarded("checking the run's inputs", lambda: _check_inputs(whole, duration, run_inputs))
    result, exchange = _partitioned(ranks, program, whole, partition, duration, run_inputs)
    return Distributed(result, "partitioned", ranks.rank, ranks.size, exchange, partition, whole.name)


def _partitioned(ranks, program, whole, partition, duration, inputs):
    """:func:`~.local.run_local` or :func:`~.partition.run_partitioned`; an error on one rank
    ends every rank (the others wait in a collective)."""
    from . import local
    from . import partition as part
    from ..errors import DistributedError

    try:
        if isinstance(program, local.LocalProgram):
            return local.run_local(ranks, program, whole, partition, duration, inputs)
        return part.run_partitioned(ranks, program, partition, duration, inputs)
    except DistributedError:
        raise
    except Exception as exc:  # noqa: BLE001 - the other ranks wait in a collective: stop them all
        message = f"MPI rank {ranks.rank} of {ranks.size} failed while running its part: {type(exc).__name__}: {exc}"
        import sys
        print(f"error: {' '.join(message.split())}", file=sys.stderr, flush=True)
        ranks.abort(1)
        raise


def _check_inputs(whole, duration: float, inputs) -> None:
    """The named error a single process would raise for ``duration`` and ``inputs``."""
    from ..ir.run_inputs import prepare_inputs
    from ..models import MODELS
    from ..reference.simulator import steps_for

    q = whole.quantized
    n_steps = steps_for(duration, q.dt, owner="Program.run")
    prepare_inputs(f"Program '{whole.name}'.run", inputs, n_steps, {name: p.size for name, p in q.populations.items()},
                   {name for name, p in q.populations.items() if p.is_source}, {u.population for u in q.bias_updates},
                   {name: MODELS[p.model].current_unit for name, p in q.populations.items() if not p.is_source})


def _batched_inputs(program, path, inputs) -> bool:
    if path is None:
        return _is_batch(program.quantized.populations, inputs)
    if any(np.ndim(v) == 3 for v in inputs.values()):
        return True
    if all(np.ndim(v) == 1 for v in inputs.values()):
        return False
    from .partition import read_populations  # 2-D arrays: a raster or a batch of currents
    return _is_batch(read_populations(path), inputs)


def _program_fingerprint(program) -> str:
    s = program.summary()
    return repr((program.name, program.target.name, program.quantized.dt, program.quantized.seed,
                 s["neurons"], s["synapses"], s["cores_used"], len(program.quantized.projections)))
