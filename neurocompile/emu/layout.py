"""Loading a compiled program into the emulator's memory layout.

The chip updates every core in lock-step, so the emulator stores the somas of all populations
of one neuron model as one *bank* (concatenated arrays) and the synapses between two banks as
one merged CSR table. A step then costs a handful of vectorised operations per bank,
whatever the number of populations, projections or cores, and the counters are attributed to
cores through the placement's ``core_of`` arrays.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from .arith import FixedCoefficient, LifIntParams


@dataclass
class Bank:
    """Neurons of several populations with one soma model, concatenated.

    ``members``: population name -> (offset, size) within the bank.
    """

    kind: str
    members: dict = field(default_factory=dict)
    size: int = 0

    def add(self, name: str, size: int) -> int:
        offset = self.size
        self.members[name] = (offset, size)
        self.size += size
        return offset

    def split(self, indices: np.ndarray):
        """Yield (population, local indices) for sorted bank indices."""
        for name, (offset, size) in self.members.items():
            lo, hi = np.searchsorted(indices, [offset, offset + size])
            yield name, indices[lo:hi] - offset

    def concat(self, arrays: dict) -> np.ndarray:
        """Concatenate per-population arrays (name -> array) in bank order."""
        return np.concatenate([np.asarray(arrays[name]) for name in self.members])


def concat_dataclasses(items: list):
    """Concatenate frozen dataclasses of per-neuron arrays field by field (LifIntParams, AdexIntParams)."""
    first = items[0]
    values = {}
    for f in dataclasses.fields(first):
        parts = [getattr(item, f.name) for item in items]
        if isinstance(parts[0], FixedCoefficient):
            values[f.name] = FixedCoefficient(np.concatenate([p.mant for p in parts]),
                                              np.concatenate([p.shift for p in parts]))
        else:
            values[f.name] = np.concatenate([np.atleast_1d(p) for p in parts])
    return type(first)(**values)


def lif_params(qpop) -> LifIntParams:
    p = qpop.params
    return LifIntParams(du=p["du"], dv=p["dv"], vth_mant=p["vth_mant"], bias_mant=p["bias_mant"],
                        bias_exp=p["bias_exp"], refractory_steps=p["refractory_steps"], reset_value=0,
                        reset_subtract=p["reset_subtract"], spiking=p["spiking"])


@dataclass
class SynapseTable:
    """Merged CSR from a presynaptic bank to a postsynaptic bank (values already scaled)."""

    indptr: np.ndarray
    post: np.ndarray
    value: np.ndarray
    delay: np.ndarray
    uniform_delay: int | None


def merge_projections(parts: list, pre_size: int) -> SynapseTable:
    """``parts``: list of (pre bank index, post bank index, value, delay) arrays."""
    pre = np.concatenate([p[0] for p in parts])
    post = np.concatenate([p[1] for p in parts])
    value = np.concatenate([p[2] for p in parts])
    delay = np.concatenate([p[3] for p in parts])
    order = np.argsort(pre, kind="stable")
    pre, post, value, delay = pre[order], post[order], value[order], delay[order]
    indptr = np.zeros(pre_size + 1, dtype=np.int64)
    np.cumsum(np.bincount(pre, minlength=pre_size), out=indptr[1:])
    uniform = int(delay[0]) if delay.size and np.all(delay == delay[0]) else None
    return SynapseTable(indptr, post.astype(np.int64), value.astype(np.int64), delay.astype(np.int64), uniform)
