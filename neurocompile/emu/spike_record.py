"""One cache line per neuron with everything the delivery of its spike reads first.

A step's spikes are a few percent of the neurons, so each per-neuron value the delivery reads
for a spike (its population, its synapse row's bounds, the bounds of its per-core synaptic-op
runs, its route's messages, hops and latency) is a separate cache miss when it sits in its own
array. :func:`spike_records` lays these out as one row of :data:`RECORD_COLUMNS` int64 per
neuron, 64 bytes aligned to a 64-byte line, so a spike costs one line for all of them (measured
on the 1M / 100M ring: about half the per-spike time of nine separate arrays). The kernel reads
the same values it read from the separate arrays, so every result is unchanged.

Columns (``Fabric.spike_record[g, column]``):

* :data:`R_POP`: the neuron's population (``SynapseTable.pop_of``);
* :data:`R_SYN_START`, :data:`R_SYN_STOP`: its synapse row in its population's *first*
  outgoing projection (``indptr[row]``, ``indptr[row + 1]``; 0, 0 without one); further
  projections are read from ``indptr`` as before;
* :data:`R_RUN_START`, :data:`R_RUN_STOP`: that row's synaptic-op runs (``run_ptr``);
* :data:`R_MESSAGES_EW`: messages (low 32 bits) and east-west hops (high 32 bits);
* :data:`R_NS_IC`: north-south hops (low) and inter-chip hops (high);
* :data:`R_LATENCY`: the route's longest latency, the float64's bits (read through a float64 view).

The record depends on the program alone: built by its first layout, it is shared by the
later ones (read only). Its route counters are copies of the ``Fabric`` arrays: whoever
changes those after the layout was built (a rank of a partitioned run that stops counting
other ranks' neurons) changes both through :func:`silence_routes`, which gives the layout
its own record.
"""
from __future__ import annotations

import numpy as np

from ..errors import BuildError
from ..jit import njit

RECORD_COLUMNS = 8
(R_POP, R_SYN_START, R_SYN_STOP, R_RUN_START, R_RUN_STOP, R_MESSAGES_EW, R_NS_IC,
 R_LATENCY) = range(RECORD_COLUMNS)
_LOW = np.int64(0xFFFFFFFF)
_HALF = 1 << 32


def aligned_rows(n: int, columns: int = RECORD_COLUMNS, align: int = 64) -> np.ndarray:
    """Zeroed int64 ``(n, columns)``, C-contiguous, its first row at an ``align``-byte boundary
    (a row of 64 bytes is then exactly one cache line)."""
    buffer = np.zeros(n * columns + align // 8, dtype=np.int64)
    skip = (-buffer.ctypes.data % align) // 8
    return buffer[skip:skip + n * columns].reshape(n, columns)


def _pair(low, high, what: str) -> np.ndarray:
    """``low | high << 32`` of two non-negative counters (each must fit 32 bits unsigned, the
    high one 31)."""
    low, high = np.asarray(low, dtype=np.int64), np.asarray(high, dtype=np.int64)
    if low.size and (low.min() < 0 or low.max() >= _HALF or high.min() < 0 or high.max() >= _HALF // 2):
        raise BuildError(f"emulator: {what} outside 0..2**31 cannot be packed")
    return low | (high << 32)


def spike_records(pop_of: np.ndarray, row: np.ndarray, indptr: np.ndarray, run_ptr: np.ndarray,
                  fabric) -> np.ndarray:
    """The record of every neuron (see the module docstring): ``pop_of``, its population;
    ``row``, its row in the joined CSR (``indptr``, ``run_ptr``) of its population's first
    outgoing projection, -1 without one; ``fabric`` (:class:`~.layout.Fabric`), its route."""
    record = aligned_rows(pop_of.size)
    record[:, R_POP] = pop_of
    sending = row >= 0
    row = np.where(sending, row, 0)
    record[:, R_SYN_START] = np.where(sending, indptr[row], 0)
    record[:, R_SYN_STOP] = np.where(sending, indptr[np.minimum(row + 1, indptr.size - 1)], 0)
    record[:, R_RUN_START] = np.where(sending, run_ptr[row], 0)
    record[:, R_RUN_STOP] = np.where(sending, run_ptr[np.minimum(row + 1, run_ptr.size - 1)], 0)
    fill_routes(record, fabric, slice(None))
    return record


def packed_runs(run_core, run_count) -> np.ndarray:
    """Each synaptic-op run (``SynapseTable.run_core``/``run_count``) as one int64, core (low
    32 bits) and count (high): a spike's runs then take one cache line, not two."""
    return _pair(run_core, run_count, "synaptic-op runs: core, count")


def fill_routes(record: np.ndarray, fabric, which) -> None:
    """Copy the route counters of neurons ``which`` (an index or mask) from ``fabric`` into ``record``."""
    record[which, R_MESSAGES_EW] = _pair(fabric.messages[which], fabric.east_west[which],
                                         "route counters: messages, east-west hops")
    record[which, R_NS_IC] = _pair(fabric.north_south[which], fabric.inter_chip[which],
                                   "route counters: north-south, inter-chip hops")
    record[which, R_LATENCY] = np.ascontiguousarray(fabric.max_latency[which], dtype=np.float64).view(np.int64)


def silence_routes(fabric, which):
    """``fabric`` counting no messages, hops or route latency for spikes of neurons ``which``:
    zeroed in its arrays (in place) and in a copy of its spike record (the record is shared
    by every layout of the program, :func:`spike_records`)."""
    for counter in (fabric.messages, fabric.east_west, fabric.north_south, fabric.inter_chip, fabric.max_latency):
        counter[which] = 0
    record = aligned_rows(fabric.spike_record.shape[0])
    record[:] = fabric.spike_record
    fill_routes(record, fabric, which)
    return fabric._replace(spike_record=record)


@njit(inline="always")
def low_half(word):
    """The low 32 bits of a packed pair (non-negative)."""
    return word & _LOW


@njit(inline="always")
def high_half(word):
    """The high 32 bits of a packed pair (non-negative)."""
    return word >> 32
