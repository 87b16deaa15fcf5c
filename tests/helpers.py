"""Helpers shared by the tests (imported as ``helpers``; tests never import each other)."""
from __future__ import annotations

from typing import Mapping, NamedTuple

import numpy as np

ADEX_KEYS = ("C", "g_L", "E_L", "V_T", "delta_T", "a", "tau_w", "b", "V_reset", "V_peak",
             "refractory", "tau_syn", "I_e")


class AdexShadowResult(NamedTuple):
    """State after one float shadow step (float64 arrays, mV and pA) and the spike vector."""

    v: np.ndarray
    w: np.ndarray
    i_syn: np.ndarray
    spiked: np.ndarray
    refractory_left: np.ndarray


def adex_shadow_step(v, w, i_syn, input_pA, params: Mapping[str, object], dt: float, *,
                     I_e=None, refractory_left=None) -> AdexShadowResult:
    """The chip's AdEx update (docs/chip.md section 5.4) in float64, without rounding, table or
    saturation: it measures the error of the integers.

    Forward Euler for V and w, exact decay for I_syn, same order as the integer step, the
    exponential evaluated exactly at ``min(V, V_peak)``. ``input_pA``: summed synaptic
    weights arriving this step (pA); ``I_e`` overrides ``params["I_e"]`` (step currents).
    """
    p = {k: np.asarray(params[k], dtype=np.float64) for k in ADEX_KEYS}
    v = np.asarray(v, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    input_pA = np.asarray(input_pA, dtype=np.float64)
    if refractory_left is None:
        refractory_left = np.zeros(v.shape, dtype=np.int64)
    refractory_left = np.asarray(refractory_left, dtype=np.int64)
    drive = p["I_e"] if I_e is None else np.asarray(I_e, dtype=np.float64)
    instant = p["tau_syn"] == 0
    i = np.asarray(i_syn, dtype=np.float64) + np.where(instant, 0.0, input_pA)
    v0 = v + np.where(instant, input_pA / p["C"], 0.0)
    exp_term = p["g_L"] * p["delta_T"] * np.exp((np.minimum(v0, p["V_peak"]) - p["V_T"]) / p["delta_T"])
    v1 = v0 + dt / p["C"] * (-p["g_L"] * (v0 - p["E_L"]) + exp_term - w + i + drive)
    w1 = w + dt / p["tau_w"] * (p["a"] * (v0 - p["E_L"]) - w)
    safe_tau_syn = np.where(instant, 1.0, p["tau_syn"])
    i_next = np.where(instant, 0.0, i * np.exp(-dt / safe_tau_syn))
    held = refractory_left > 0
    v1 = np.where(held, p["V_reset"], v1)
    spiked = ~held & (v1 >= p["V_peak"])
    v1 = np.where(spiked, p["V_reset"], v1)
    w1 = np.where(spiked, w1 + p["b"], w1)
    steps = np.rint(p["refractory"] / dt).astype(np.int64)
    refractory_new = np.where(spiked, steps, np.maximum(refractory_left - 1, 0))
    return AdexShadowResult(v1, w1, i_next, spiked, refractory_new)
