"""Soma banks of the emulator, stepping with the integer semantics of :mod:`.arith`.

A runner holds the integer state of one bank (all populations of one model, concatenated)
and calls the one implementation of the chip's arithmetic on all of it at once; a core's
neurons are updated exactly as if the cores ran separately, since somas do not interact
within a step.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from .arith import SomaFormat, adex_soma_step, lif_soma_step
from .layout import concat_dataclasses, lif_params


class LifRunner:
    """Integer LIF / LI bank: state ``u``, ``v`` and the refractory counters."""

    variables = {"v": "v", "I_syn": "u"}

    def __init__(self, bank, qpops: dict, fmt: SomaFormat):
        self.bank = bank
        self.fmt = fmt
        self.params = concat_dataclasses([lif_params(qpops[n]) for n in bank.members])
        self.params.check(fmt, owner=f"LIF bank ({', '.join(bank.members)})")
        self.u = bank.concat({n: qpops[n].state["u"] for n in bank.members}).astype(np.int64)
        self.v = bank.concat({n: qpops[n].state["v"] for n in bank.members}).astype(np.int64)
        self.refractory_left = np.zeros(bank.size, dtype=np.int64)

    def set_bias(self, population: str, bias_mant: np.ndarray, bias_exp: np.ndarray) -> None:
        offset, size = self.bank.members[population]
        mant, exp = self.params.bias_mant.copy(), self.params.bias_exp.copy()
        mant[offset:offset + size], exp[offset:offset + size] = bias_mant, bias_exp
        self.params = dataclasses.replace(self.params, bias_mant=mant, bias_exp=exp)

    def step(self, a_in: np.ndarray, step: int, strict: bool) -> tuple[np.ndarray, int]:
        """Advance one step; returns (spiked, number of saturated voltage registers)."""
        r = lif_soma_step(self.u, self.v, a_in, self.params, self.fmt,
                          refractory_left=self.refractory_left, strict=strict, step=step,
                          owner="LIF")
        self.u, self.v, self.refractory_left = r.u, r.v, r.refractory_left
        return r.spiked, int(np.count_nonzero(np.abs(r.v) == self.fmt.saturation_limit))

    def read(self, population: str, variable: str) -> np.ndarray:
        offset, size = self.bank.members[population]
        return getattr(self, self.variables[variable])[offset:offset + size]


class AdexRunner:
    """Integer AdEx bank: state ``x`` (V - E_L), ``w``, ``i_syn`` and refractory counters."""

    variables = {"v": "x", "w": "w", "I_syn": "i_syn"}

    def __init__(self, bank, qpops: dict, fmt: SomaFormat):
        self.bank = bank
        self.fmt = fmt
        quantized = [qpops[n].params["adex"] for n in bank.members]
        self.params = concat_dataclasses([q.params for q in quantized])
        self.table = quantized[0].table  # one table per target, shared by every core
        self.bias = self.params.bias.copy()
        for name in ("x", "w", "i_syn"):
            setattr(self, name, bank.concat({n: qpops[n].state[name] for n in bank.members}).astype(np.int64))
        self.refractory_left = np.zeros(bank.size, dtype=np.int64)

    def set_bias(self, population: str, bias_mant: np.ndarray, bias_exp: np.ndarray) -> None:
        offset, size = self.bank.members[population]
        self.bias = self.bias.copy()
        self.bias[offset:offset + size] = np.left_shift(bias_mant.astype(np.int64), bias_exp.astype(np.int64))

    def step(self, a_in: np.ndarray, step: int, strict: bool) -> tuple[np.ndarray, int]:
        r = adex_soma_step(self.x, self.w, self.i_syn, a_in, self.params, self.table, self.fmt,
                           bias=self.bias, refractory_left=self.refractory_left, strict=strict,
                           step=step, owner="AdEx")
        self.x, self.w, self.i_syn, self.refractory_left = r.x, r.w, r.i_syn, r.refractory_left
        return r.spiked, int(np.count_nonzero(np.abs(r.w) == self.fmt.saturation_limit))

    def read(self, population: str, variable: str) -> np.ndarray:
        offset, size = self.bank.members[population]
        return getattr(self, self.variables[variable])[offset:offset + size]


RUNNERS = {"LIF": LifRunner, "AdEx": AdexRunner}
