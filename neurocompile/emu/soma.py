"""Per-population soma state of the emulator, stepping with the integer semantics of arith.py.

A runner holds the integer state of one population and calls the one implementation of the
chip's arithmetic (:mod:`neurocompile.emu.arith`) on the whole population at once; a core's
slice of neurons is updated exactly as if the cores ran separately, since somas do not
interact within a step.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from .arith import LifIntParams, SomaFormat, adex_soma_step, lif_soma_step


class LifRunner:
    """Integer LIF / LI population: state ``u``, ``v`` and the refractory counters."""

    variables = {"v": "v", "I_syn": "u"}

    def __init__(self, qpop, fmt: SomaFormat):
        p = qpop.params
        self.name = qpop.name
        self.fmt = fmt
        self.params = LifIntParams(du=p["du"], dv=p["dv"], vth_mant=p["vth_mant"],
                                   bias_mant=p["bias_mant"], bias_exp=p["bias_exp"],
                                   refractory_steps=p["refractory_steps"], reset_value=0,
                                   reset_subtract=p["reset_subtract"], spiking=p["spiking"])
        self.params.check(fmt, owner=f"LIF '{qpop.name}'")
        self.u = qpop.state["u"].astype(np.int64).copy()
        self.v = qpop.state["v"].astype(np.int64).copy()
        self.refractory_left = np.zeros(qpop.size, dtype=np.int64)

    def set_bias(self, bias_mant: np.ndarray, bias_exp: np.ndarray) -> None:
        self.params = dataclasses.replace(self.params, bias_mant=bias_mant, bias_exp=bias_exp)

    def step(self, a_in: np.ndarray, step: int, strict: bool) -> tuple[np.ndarray, int]:
        """Advance one step; returns (spiked, number of saturated/wrapped registers)."""
        r = lif_soma_step(self.u, self.v, a_in, self.params, self.fmt,
                          refractory_left=self.refractory_left, strict=strict, step=step,
                          owner=f"LIF '{self.name}'")
        self.u, self.v, self.refractory_left = r.u, r.v, r.refractory_left
        limit = self.fmt.saturation_limit
        return r.spiked, int(np.count_nonzero(np.abs(r.v) == limit))

    def read(self, variable: str) -> np.ndarray:
        return getattr(self, self.variables[variable])


class AdexRunner:
    """Integer AdEx population: state ``x`` (V - E_L), ``w``, ``i_syn``, refractory counters."""

    variables = {"v": "x", "w": "w", "I_syn": "i_syn"}

    def __init__(self, qpop, fmt: SomaFormat):
        q = qpop.params["adex"]
        self.name = qpop.name
        self.fmt = fmt
        self.params = q.params
        self.table = q.table
        self.bias = q.params.bias
        self.x = qpop.state["x"].astype(np.int64).copy()
        self.w = qpop.state["w"].astype(np.int64).copy()
        self.i_syn = qpop.state["i_syn"].astype(np.int64).copy()
        self.refractory_left = np.zeros(qpop.size, dtype=np.int64)

    def set_bias(self, bias_mant: np.ndarray, bias_exp: np.ndarray) -> None:
        self.bias = np.left_shift(bias_mant.astype(np.int64), bias_exp.astype(np.int64))

    def step(self, a_in: np.ndarray, step: int, strict: bool) -> tuple[np.ndarray, int]:
        r = adex_soma_step(self.x, self.w, self.i_syn, a_in, self.params, self.table, self.fmt,
                           bias=self.bias, refractory_left=self.refractory_left, strict=strict,
                           step=step, owner=f"AdEx '{self.name}'")
        self.x, self.w, self.i_syn, self.refractory_left = r.x, r.w, r.i_syn, r.refractory_left
        limit = self.fmt.saturation_limit
        return r.spiked, int(np.count_nonzero(np.abs(r.w) == limit))

    def read(self, variable: str) -> np.ndarray:
        return getattr(self, self.variables[variable])


def make_runner(qpop, fmt: SomaFormat):
    if qpop.model in ("LIF", "LI"):
        return LifRunner(qpop, fmt)
    if qpop.model == "AdEx":
        return AdexRunner(qpop, fmt)
    raise ValueError(f"no emulator runner for model {qpop.model}")
