"""MPI plumbing for runs spread over ranks: the communicator, collectives that time out, and
agreement on errors.

:mod:`mpi4py` is imported here only, on first use (:func:`world`): the rest of neurocompile
never needs it. Every collective is non-blocking and polled against a deadline
(:data:`DEFAULT_TIMEOUT_S`, or ``NEUROCOMPILE_MPI_TIMEOUT`` seconds), so that a rank that died
or hangs makes every surviving rank raise :class:`~neurocompile.errors.DistributedError`
instead of waiting forever. A rank that fails with an exception tells the others through
:meth:`Ranks.agree`, so every rank raises the same named error.

(MPICH's ``mpiexec`` kills every rank as soon as one exits abnormally; with
``-disable-auto-cleanup`` the survivors run on and raise the timeout's error.)
"""
from __future__ import annotations

import os
import pickle
import time

import numpy as np

from ..errors import DistributedError, NeurocompileError, printable

#: Seconds a collective may wait for the slowest rank before the run is declared lost.
DEFAULT_TIMEOUT_S = 300.0
#: Environment variables MPI launchers set to the number of ranks (MPICH's Hydra and Slurm's
#: PMI, Open MPI). A batch system's task count alone (SLURM_NTASKS) does not count: a command
#: started once inside a job is a single process.
SIZE_VARIABLES = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE")
#: Polls of a pending request before the waiting rank starts sleeping between polls.
SPIN_POLLS = 2000
POLL_SLEEP_S = 20e-6


def launched_ranks() -> int:
    """The number of ranks the MPI launcher started (1 when not under ``mpiexec``), read from
    its environment without importing mpi4py."""
    for name in SIZE_VARIABLES:
        value = os.environ.get(name, "")
        if value.isdigit() and int(value) > 0:
            return int(value)
    return 1


def default_timeout() -> float:
    """:data:`DEFAULT_TIMEOUT_S`, or the seconds in ``NEUROCOMPILE_MPI_TIMEOUT``."""
    text = os.environ.get("NEUROCOMPILE_MPI_TIMEOUT")
    if text is None:
        return DEFAULT_TIMEOUT_S
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise DistributedError(f"NEUROCOMPILE_MPI_TIMEOUT = {printable(text)!r} must be a number of seconds > 0")
    return value


def mpi():
    """The ``mpi4py.MPI`` module, or a named error saying how to install it."""
    try:
        from mpi4py import MPI
    except ImportError as exc:
        raise DistributedError(f"running over MPI ranks needs mpi4py ({exc}); install it with "
                               "pip install 'neurocompile[mpi]'") from None
    return MPI


class Ranks:
    """A communicator with the collectives a distributed run needs, each bounded by
    ``timeout`` seconds (see the module docstring). ``comm``: an ``mpi4py`` communicator
    (default ``MPI.COMM_WORLD``)."""

    def __init__(self, comm=None, timeout: float | None = None):
        self.MPI = mpi()
        self.comm = self.MPI.COMM_WORLD if comm is None else comm
        self.rank = self.comm.Get_rank()
        self.size = self.comm.Get_size()
        self.timeout = default_timeout() if timeout is None else float(timeout)
        if not self.timeout > 0:
            raise DistributedError(f"MPI run: timeout = {timeout!r} must be > 0 s")

    # -- waiting ---------------------------------------------------------------------------------
    def wait(self, request, what: str) -> None:
        """Wait for ``request``; :class:`DistributedError` after :attr:`timeout` seconds."""
        for _ in range(SPIN_POLLS):
            if request.Test():
                return
        deadline = time.monotonic() + self.timeout
        while not request.Test():
            if time.monotonic() > deadline:
                lost = DistributedError(
                    f"MPI rank {self.rank} of {self.size}: no answer from every rank within {self.timeout:g} s "
                    f"while {what}: a rank died or hangs (NEUROCOMPILE_MPI_TIMEOUT sets the limit)")
                lost.lost = True  # the job cannot finish cleanly: callers end it (abort)
                raise lost
            time.sleep(POLL_SLEEP_S)

    # -- arrays ----------------------------------------------------------------------------------
    def allgather_counts(self, value: int, what: str) -> np.ndarray:
        """Every rank's ``value`` (int64, one per rank, in rank order)."""
        send = np.array([value], dtype=np.int64)
        out = np.zeros(self.size, dtype=np.int64)
        self.wait(self.comm.Iallgather(send, out), what)
        return out

    def allgather_array(self, array: np.ndarray, what: str) -> tuple[np.ndarray, np.ndarray]:
        """Every rank's 1-D ``array`` (one dtype on all ranks) joined in rank order, and the
        lengths (int64 per rank)."""
        array = np.ascontiguousarray(array)
        counts = self.allgather_counts(array.size, what)
        out = np.empty(int(counts.sum()), dtype=array.dtype)
        displs = np.zeros(self.size, dtype=np.int64)
        np.cumsum(counts[:-1], out=displs[1:])
        mpi_type = self.MPI._typedict[array.dtype.char]
        self.wait(self.comm.Iallgatherv([array, mpi_type], [out, (counts, displs), mpi_type]), what)
        return out, counts

    def reduce_array(self, array: np.ndarray, op: str, what: str) -> np.ndarray | None:
        """``array`` summed (``op="sum"``) or maximised (``"max"``) over the ranks, on rank 0
        (None elsewhere); integers stay exact."""
        array = np.ascontiguousarray(array)
        out = np.empty_like(array) if self.rank == 0 else None
        mpi_op = {"sum": self.MPI.SUM, "max": self.MPI.MAX}[op]
        self.wait(self.comm.Ireduce(array, out, op=mpi_op, root=0), what)
        return out

    # -- Python objects --------------------------------------------------------------------------
    def allgather(self, obj, what: str) -> list:
        """Every rank's ``obj`` (pickled), in rank order."""
        data, counts = self.allgather_array(np.frombuffer(pickle.dumps(obj), dtype=np.uint8), what)
        bounds = np.concatenate([[0], np.cumsum(counts)])
        return [pickle.loads(data[bounds[r]:bounds[r + 1]].tobytes()) for r in range(self.size)]

    def gather(self, obj, what: str) -> list | None:
        """Every rank's ``obj`` on rank 0 (in rank order); None on the other ranks."""
        payload = np.frombuffer(pickle.dumps(obj), dtype=np.uint8)
        counts = self.allgather_counts(payload.size, what)
        displs = np.zeros(self.size, dtype=np.int64)
        np.cumsum(counts[:-1], out=displs[1:])
        out = np.empty(int(counts.sum()), dtype=np.uint8) if self.rank == 0 else None
        recv = [out, (counts, displs), self.MPI.BYTE] if self.rank == 0 else None
        self.wait(self.comm.Igatherv([payload, self.MPI.BYTE], recv, root=0), what)
        if self.rank != 0:
            return None
        return [pickle.loads(out[displs[r]:displs[r] + counts[r]].tobytes()) for r in range(self.size)]

    def scatter(self, objs: list | None, what: str):
        """Rank ``r`` gets ``objs[r]`` of rank 0's list (the other ranks pass None)."""
        if self.rank == 0:
            parts = [pickle.dumps(obj) for obj in objs]
            counts = np.array([len(p) for p in parts], dtype=np.int64)
        else:
            counts = np.zeros(self.size, dtype=np.int64)
        self.wait(self.comm.Ibcast(counts, root=0), what)
        displs = np.zeros(self.size, dtype=np.int64)
        np.cumsum(counts[:-1], out=displs[1:])
        send = None
        if self.rank == 0:
            send = [np.frombuffer(b"".join(parts), dtype=np.uint8), (counts, displs), self.MPI.BYTE]
        out = np.empty(int(counts[self.rank]), dtype=np.uint8)
        self.wait(self.comm.Iscatterv(send, [out, self.MPI.BYTE], root=0), what)
        return pickle.loads(out.tobytes())

    def bcast(self, obj, what: str):
        """Rank 0's ``obj`` on every rank."""
        return self.scatter([obj] * self.size if self.rank == 0 else None, what)

    # -- errors ----------------------------------------------------------------------------------
    def agree(self, error: BaseException | None, what: str) -> None:
        """Raise the same :class:`DistributedError` on every rank when any rank had ``error``
        (the lowest such rank's, naming it); return when none had."""
        message = None
        if error is not None:
            text = str(error) if isinstance(error, NeurocompileError) else f"{type(error).__name__}: {error}"
            message = " ".join(text.split())
        messages = self.allgather(message, what)
        for rank, text in enumerate(messages):
            if text is not None:
                raise DistributedError(f"MPI rank {rank} of {self.size} failed while {what}: {text}") from (
                    error if rank == self.rank else None)

    def guarded(self, what: str, action):
        """``action()`` on every rank, then :meth:`agree` on whether it failed anywhere."""
        result, error = None, None
        try:
            result = action()
        except Exception as exc:  # noqa: BLE001 - passed to every rank by agree()
            if getattr(exc, "lost", False):  # the other ranks cannot be reached any more
                raise
            error = exc
        self.agree(error, what)
        return result

    def abort(self, code: int = 1) -> None:
        """End every rank of the job (after a :class:`DistributedError` a clean exit could wait
        for a dead rank in ``MPI_Finalize``)."""
        self.comm.Abort(code)
