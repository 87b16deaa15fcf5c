"""Quantize a population's receptors (``receptors=``) onto the chip's receptor elements.

One element per (neuron, receptor), with the rule of :mod:`neurocompile.chip.receptors`
(docs/chip.md section 4.5). The element's registers hold the receptor's state right after
this step's arrivals, ``r0 = S0 x`` and ``r1 = S1 h``; its contribution ``c`` is what the
float reference adds to the owner in that step:

* LIF/LI (``v`` in LSBs of ``s`` per mV; the leak ``kappa = dt / tau_mem`` per step is the
  leak element's, :func:`leak_element`): a current receptor contributes ``P21' I / phi(kappa)``
  (``P21'``: the exact propagator of current into voltage; ``phi``: the soma's
  exponential-Euler factor, :mod:`neurocompile.chip.relaxation`, with no conductance open); a
  conductance the first-order ``kappa G (E_rev - v)``, with ``G`` the conductance's mean over
  the step in units of the leak conductance, and its load ``kappa G``, which the soma's factor
  turns into the reference's exponential-Euler step. A uniform projection's weights choose the
  scale at which they round best (:func:`_rounding_friendly`); ``ranges=`` sizes registers on
  float runs instead of the worst case.
* AdEx (``x`` in ``V_lsb``, currents in ``I_lsb``): a current receptor contributes the mean
  current over the step (``tau = 0``: ``w / dt``, a voltage jump of ``w / C``); a
  conductance ``G (E_rev - V)`` in pA with ``G`` in nS.

Decays are 24-bit; each element's coefficients are set from the *realised* decays so that a
single spike's integral (charge, or conductance x time) equals the float one. Register
scales come from the sum of the weights onto each receptor: the state all inputs reach
firing together at 100 Hz (at least one volley; a slow NMDA-like decay accumulates), times
:data:`RECEPTOR_HEADROOM`. ``drive_shift`` gives the conductance product its resolution.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..chip.receptors import (BLOCK_FRACTION_BITS, CONDUCTANCE_KIND, CURRENT_KIND, R_BLOCK_OFFSET, R_BLOCK_ORIGIN,
                              R_BLOCK_SHIFT, R_BLOCK_SIZE, R_COUPLE, R_COUPLE_SHIFT, R_DECAY0, R_DECAY1,
                              R_DRIVE_SHIFT, R_E_REV, R_INPUT_TO, R_KIND, R_MEAN0, R_MEAN0_SHIFT, R_MEAN1,
                              R_MEAN1_SHIFT, RECEPTOR_COLUMNS, RECEPTOR_DECAY_BITS)
from ..errors import BuildError
from ..reference.lif import lif_propagators
from ..reference.receptors import COND_DUAL, COND_EXP, CURRENT, receptor_kind
from ..models.receptors import conductance_params, dual_exp_norm, mg_block
from .adex import quantize_coefficient
from .formats import DECAY_UNITY_BITS, RANGE_MARGIN, decay_constant
from .synapse_sums import chunks
from .weights import mantissa_range

#: Registers are sized to this many times the state a receptor reaches when all its inputs
#: fire together at :data:`ASSUMED_RATE_KHZ` (at least one volley of all of them).
RECEPTOR_HEADROOM = 4.0
#: Sustained input rate the register sizing assumes, spikes per ms (100 Hz).
ASSUMED_RATE_KHZ = 0.1
#: The conductance x driving-force product is kept below 2**this (int64 with margin).
PRODUCT_BITS = 60
#: Name of the element that carries the leak of a LIF/LI with receptors (not a receptor name a
#: model can have: those are identifiers).
LEAK_ELEMENT = "(leak)"
#: The leak element's constant register.
LEAK_R0 = 1 << 22
#: Projections with at most this many distinct weights steer the choice of an element's scale.
FEW_LEVELS = 16
#: Candidate scales searched between half and all of the largest one the register allows.
SCALE_SEARCH_STEPS = 256
#: ``e_rev`` is a signed column of this many bits.
E_REV_BITS = 32
#: Coefficient width of ``mean0``/``mean1``/``couple`` (the rounding multiply of section 5.2).
COEFFICIENT_BITS = 16
#: Largest number of fraction bits a current element keeps beyond the soma's scale.
MAX_EXTRA_BITS = 16
#: Voltage range (mV) and largest entry spacing of a magnesium-block table; outside the range
#: the table's end values hold (B is within 1e-3 of 0 and of 1 there).
BLOCK_RANGE_MV = (-140.0, 80.0)
BLOCK_SPACING_MV = 0.25


@dataclass(frozen=True)
class QuantizedReceptors:
    """A population's receptor elements: one row of :data:`RECEPTOR_COLUMNS` per neuron and
    receptor, the initial registers and what one unit of weight is worth.

    Attributes:
        names: receptor names in element order.
        rows: int64 ``(receptors, size, columns)``.
        state: ``{"r0": (receptors, size), "r1": ...}`` initial registers.
        input_gain: ``(receptors, size)`` dendritic input LSBs per unit of weight.
        to_physical: state variable (``I_exc``, ``g_ampa``, ``h_ampa``) -> (receptor index,
            register, scale): physical = register * scale (end-of-step values).
        report: per receptor, the realised kinetics and scales.
        block_tables: per receptor its magnesium-block table (int64, 16 fraction bits; empty
            without a block); the rows' ``block_offset`` counts from the table's start.
    """

    names: tuple
    rows: np.ndarray
    state: dict
    input_gain: np.ndarray
    to_physical: dict
    report: dict = field(default_factory=dict)
    issues: tuple = ()
    block_tables: tuple = ()

    def index(self, receptor: str) -> int:
        return self.names.index(receptor)

    def element_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """``(rows, lut)``: every element's row, receptor-major (``(receptors * size, columns)``),
        with ``block_offset`` pointing into ``lut``, this population's block tables joined."""
        rows = np.array(self.rows, dtype=np.int64)
        tables, offset = [], 0
        for k, table in enumerate(self.block_tables):
            if table.size:
                blocked = rows[k, :, R_BLOCK_OFFSET] >= 0
                rows[k, blocked, R_BLOCK_OFFSET] += offset
                tables.append(table)
                offset += table.size
        lut = np.concatenate(tables).astype(np.int64) if tables else np.zeros(1, dtype=np.int64)
        return rows.reshape(-1, rows.shape[2]), lut


def receptor_weight_sums(network) -> dict:
    """(population, receptor) -> per-neuron sum of |weight| over its incoming synapses; under
    (population, receptor, "largest") the largest single |weight| onto the receptor; and under
    (population, receptor, "levels") per projection its largest |weight| and its distinct
    |weights| when it has at most :data:`FEW_LEVELS` (else None)."""
    sums: dict = {}
    for proj in network.projections:
        post = proj.post
        if not post.model.has_receptors:
            continue
        w = proj.weights
        incoming = np.asarray(abs(w).sum(axis=0)).reshape(-1)
        key = (post.name, proj.receptor)
        sums[key] = sums.get(key, 0.0) + incoming
        largest = float(np.max(np.abs(w.data), initial=0.0))
        sums[key + ("largest",)] = max(sums.get(key + ("largest",), 0.0), largest)
        sums.setdefault(key + ("levels",), []).append((largest, _few_levels(w.data)))
    return sums


def _few_levels(weights: np.ndarray):
    """The distinct |weights| when there are at most :data:`FEW_LEVELS`, else None (chunked:
    projections have up to 10^8 synapses)."""
    levels = np.zeros(0)
    for part in chunks(weights.size):
        levels = np.union1d(levels, np.abs(weights[part]))
        if levels.size > FEW_LEVELS:
            return None
    return levels


def _rounding_friendly(scale: float, levels, precision) -> float:
    """The input scale at most ``scale`` (and at least half of it) at which the projections
    whose weights take few values (:data:`FEW_LEVELS`; Wang's blocks take one each) round
    best: a uniform weight's mantissa error is systematic, not averaged over synapses, and in
    a recurrent network a 0.2 % stronger inhibition moves rates by percents. Projections with
    many weight values average their rounding and do not steer the choice."""
    few = [(largest, values[values > 0]) for largest, values in levels or () if values is not None]
    if not few or not np.isfinite(scale):
        return scale
    top = mantissa_range("excitatory", precision.weight_mantissa_bits)[1]  # conductance weights are >= 0
    shift = precision.alignment_shift_bits
    candidates = scale * (1.0 - np.arange(SCALE_SEARCH_STEPS) / (2.0 * SCALE_SEARCH_STEPS))
    worst = np.zeros(candidates.size)
    for largest, values in few:
        if largest <= 0 or values.size == 0:
            continue
        gain = candidates / (1 << shift)  # input LSBs per unit weight, as quantize_projection sees it
        exp = np.maximum(np.ceil(np.log2(largest * gain / top)), 0.0)
        exp += np.rint(largest * gain / 2.0**exp) > top
        exact = values[None, :] * gain[:, None] / 2.0**exp[:, None]
        error = np.abs(np.rint(exact) - exact) / exact
        worst = np.maximum(worst, error.max(axis=1))
    return float(candidates[int(np.argmin(worst))])


def _weight_fit(largest: float, precision) -> float:
    """The largest dendritic-input scale (LSB per unit of weight, before the alignment shift)
    at which the largest weight still fits a mantissa at the largest exponent."""
    if largest <= 0:
        return np.inf
    most = ((1 << (precision.weight_mantissa_bits - 1)) - 2) * 2.0**precision.weight_exponent_max
    return most / largest


def _scale_for(worst: np.ndarray, limit: int) -> np.ndarray:
    """LSB per unit so that ``RECEPTOR_HEADROOM`` x ``worst`` fits the register (a receptor
    nothing connects to is scaled for a total weight of 1)."""
    largest = float(np.max(worst, initial=0.0))
    return limit / (RECEPTOR_HEADROOM * (largest if largest > 0 else 1.0))


def _measured_scale(register_peak, limit: int) -> float:
    """LSB per unit so that :data:`RANGE_MARGIN` x the largest register value measured in float
    runs (in units of the scale) fits the register."""
    return limit / (RANGE_MARGIN * float(np.max(register_peak)))


def _rise_coupling(tau_r, tau_d, dt):
    """``K_q``: the step's coupling of a dual exponential's rise ``h`` into ``g``, from the
    realised 24-bit decays, corrected so that the area of ``g`` per unit of ``h`` is exact."""
    unity = 1 << RECEPTOR_DECAY_BITS
    pd, pdq = np.exp(-dt / tau_d), 1.0 - decay_constant(tau_d, dt, RECEPTOR_DECAY_BITS)[0] / unity
    pr, prq = np.exp(-dt / tau_r), 1.0 - decay_constant(tau_r, dt, RECEPTOR_DECAY_BITS)[0] / unity
    k_exact = (pd - pr) / (1.0 / tau_r - 1.0 / tau_d)
    return k_exact * (1 - pdq) * (1 - prq) / ((1 - pd) * (1 - pr))


def _coefficient(values, owner: str, name: str):
    c = quantize_coefficient(values, COEFFICIENT_BITS, owner, name)
    return np.asarray(c.mant, dtype=np.int64), np.asarray(c.shift, dtype=np.int64)


def _drive_shift(largest_conductance: float, owner: str) -> int:
    """Fraction bits ``F`` of the conductance product: ``G_int`` peaks near 2**(PRODUCT_BITS-26)
    so that ``G_int (e_rev - v)`` (a 26-bit difference) stays below 2**PRODUCT_BITS."""
    if largest_conductance <= 0:
        return 0
    shift = int(np.floor((PRODUCT_BITS - 26) - np.log2(largest_conductance)))
    if not 0 <= shift <= 62:
        raise BuildError(f"{owner}: conductance scale needs drive_shift {shift}, outside 0..62")
    return shift


def quantize_receptors(pop, dt: float, precision, soma: dict, weight_sums: dict,
                       reach: dict | None = None) -> QuantizedReceptors:
    """Elements of ``pop``'s receptors. ``soma`` describes the owner's registers:

    LIF/LI: ``{"bank": "LIF", "scale": s (LSB/mV), "v_origin": mV of register 0,
    "tau_mem": ms, "kappa": dt/tau_mem}`` (the leak's first-order rate per step, which the
    elements assume; the soma has no leak of its own, the leak element carries it,
    :func:`leak_element`); AdEx: ``{"bank": "AdEx", "v_lsb", "i_lsb", "E_L"}``.
    ``weight_sums``: (population, receptor) -> per-neuron sum of |weights|.
    ``reach`` (calibrated sizing): receptor name -> ``{state variable: largest |value|}``
    reached in float runs (``I_<name>``, ``g_<name>``, ``h_<name>``); a receptor found there
    with a non-zero value gets registers for :data:`RANGE_MARGIN` times it instead of the
    worst case, so its weights keep more mantissa bits (a run that goes further saturates,
    counted per population).
    """
    size = pop.size
    limit = precision.saturation_limit
    shift = precision.alignment_shift_bits
    unity = 1 << RECEPTOR_DECAY_BITS
    names = tuple(pop.model.receptors)
    rows = np.zeros((len(names), size, len(RECEPTOR_COLUMNS)), dtype=np.int64)
    rows[:, :, R_BLOCK_OFFSET] = -1  # no magnesium block
    block_tables = [np.zeros(0, dtype=np.int64) for _ in names]
    gain = np.zeros((len(names), size))
    state = {"r0": np.zeros((len(names), size), dtype=np.int64), "r1": np.zeros((len(names), size), dtype=np.int64)}
    to_physical: dict = {}
    report: dict = {}
    issues: list = []
    lif = soma["bank"] == "LIF"
    for k, (name, receptor) in enumerate(pop.model.receptors.items()):
        owner = f"Population '{pop.name}', receptor '{name}'"
        measured = (reach or {}).get(name, {})
        calibrated = any(value > 0 for value in measured.values())
        p = conductance_params(receptor, pop.receptor_params[name])
        kind = receptor_kind(receptor)
        row = rows[k]
        decay_time = p["tau_decay"] if kind == COND_DUAL else p["tau"]
        accumulation = np.maximum(1.0, ASSUMED_RATE_KHZ * decay_time)  # spikes within one decay time
        if getattr(receptor, "gated", False):
            accumulation = np.ones(size)  # NMDA: g = sum w s with every gate s <= 1
        worst = accumulation * np.asarray(weight_sums.get((pop.name, name), np.zeros(size)), dtype=np.float64)
        # input LSBs per unit of weight above which the largest weight could not be stored
        fit = _weight_fit(weight_sums.get((pop.name, name, "largest"), 0.0), precision) * (1 << shift)
        if kind == CURRENT:
            tau = p["tau"]
            instant = tau == 0
            d0, tau_eff = decay_constant(tau, dt, RECEPTOR_DECAY_BITS)
            keep_q = 1.0 - d0 / unity
            if lif:
                p11, p21, p22 = lif_propagators(pop.params["tau_mem"], tau, dt)
                fix_u = np.where(instant | (keep_q >= 1), 1.0, (1 - keep_q) / np.maximum(1 - p11, 1e-300))
                fix_v = np.where(soma["kappa"] > 0, soma["kappa"] / np.maximum(1 - p22, 1e-300), 1.0)
                # r0 is the voltage this step's current adds (v LSBs per mV of I after the jump)
                unit = soma["scale"] * np.where(instant, p22, p21 * fix_u * fix_v)
                mean = np.ones(size)
            else:
                p11 = np.where(instant, 0.0, np.exp(-dt / np.where(instant, 1.0, tau)))
                unit = np.full(size, 1.0 / soma["i_lsb"])  # r0 is the current in I LSBs
                # the coefficient gives the mean current over the step (its integral per dt,
                # from the realised decay); tau = 0: w / dt, a voltage jump of w / C
                mean = np.where(instant, 1.0 / dt, tau * (1 - keep_q) / dt)
            # r0 = I * unit * 2**extra: fraction bits below the owner's LSB, removed by the coefficient;
            # a probed I is r0's current decayed over the step, so r0 reached I / p11
            if calibrated:
                after_jump = measured.get(f"I_{name}", 0.0) / np.where(instant, 1.0, np.maximum(p11, 1e-300))
                room = _measured_scale(after_jump * unit, limit)
            else:
                room = _scale_for(worst * unit, limit)
            extra = np.floor(np.log2(np.minimum(room, fit / np.max(unit))))
            extra = int(np.min(np.clip(extra, 0, MAX_EXTRA_BITS)))
            mean_c = mean * 2.0**-extra
            r0_scale = unit * 2.0**extra
            mant, sh = _coefficient(mean_c, owner, "mean current coefficient")
            row[:, R_KIND], row[:, R_DECAY0] = CURRENT_KIND, d0
            row[:, R_MEAN0], row[:, R_MEAN0_SHIFT] = mant, sh
            gain[k] = r0_scale / (1 << shift)
            to_physical[f"I_{name}"] = (k, "r0", np.where(instant, 0.0, p11 / r0_scale))
            report[name] = {"kind": "current", "tau": (tau, tau_eff), "extra_bits": extra,
                            "sizing": "measured" if calibrated else "worst case",
                            "coefficient_rel_error": float(np.max(np.abs(mant * 2.0**-sh - mean_c) / mean_c))}
            continue
        # conductances: r0 = g * s0 (the conductance), for dual exponentials r1 = h * s1
        if kind == COND_EXP:
            tau_d = p["tau"]
            peak = worst
        else:
            tau_d, tau_r = p["tau_decay"], p["tau_rise"]
            peak = worst  # a spike of weight w peaks at g = w (normalised)
        d0, tau_d_eff = decay_constant(tau_d, dt, RECEPTOR_DECAY_BITS)
        pd, pdq = np.exp(-dt / tau_d), 1.0 - d0 / unity
        if calibrated:
            # registers in units of s0: r0 = g / pd (exponential) or g (dual; then also the
            # rise register, r1 / s0 = h K_q / pr, measured from h)
            register = measured.get(f"g_{name}", 0.0) / (pd if kind == COND_EXP else 1.0)
            if kind == COND_DUAL:
                register = np.maximum(register, measured.get(f"h_{name}", 0.0) * _rise_coupling(
                    p["tau_rise"], tau_d, dt) / np.exp(-dt / p["tau_rise"]))
            room = _measured_scale(register, limit)
        else:
            room = _scale_for(peak, limit)
        s0 = min(room, fit)
        if kind == COND_EXP:
            s0 = _rounding_friendly(s0, weight_sums.get((pop.name, name, "levels")), precision)
        s0 = np.full(size, s0)
        if kind == COND_EXP:
            mean_g = tau_d * (1 - pdq) / dt  # realised decay: each spike's integral is exact
            mean_h = np.zeros(size)
            s1 = np.ones(size)
            input_scale = s0
        else:
            d1, tau_r_eff = decay_constant(tau_r, dt, RECEPTOR_DECAY_BITS)
            pr = np.exp(-dt / tau_r)
            rate = 1.0 / tau_r - 1.0 / tau_d
            k_q = _rise_coupling(tau_r, tau_d, dt)
            s1 = k_q * s0  # couple = K s0 / s1 = 1
            mean_g = tau_d * (1 - pd) / dt
            mean_h = (tau_d * (1 - pd) - tau_r * (1 - pr)) / rate / dt
            input_scale = s1 * dual_exp_norm(tau_r, tau_d)
            row[:, R_DECAY1], row[:, R_INPUT_TO] = d1, 1
            row[:, R_COUPLE], row[:, R_COUPLE_SHIFT] = 1, 0
        if lif:
            # G_int = g * mean * kappa * 2**F: contribution kappa G (E - v) in v LSBs
            per_g = soma["kappa"]
            e_rev = np.rint(soma["scale"] * (p["E_rev"] - soma["v_origin"]))
            e_realised = e_rev / soma["scale"] + soma["v_origin"]
        else:
            per_g = soma["v_lsb"] / soma["i_lsb"]  # nS x (x LSB) -> I LSB
            e_rev = np.rint((p["E_rev"] - soma["E_L"]) / soma["v_lsb"])
            e_realised = e_rev * soma["v_lsb"] + soma["E_L"]
        largest_g_int = float(np.max(limit * (mean_g + mean_h * s0 / np.maximum(s1, 1e-300)) * per_g / s0))
        drive = _drive_shift(largest_g_int, owner)
        if np.any(np.abs(e_rev) >= 2 ** (E_REV_BITS - 1)):
            raise BuildError(f"{owner}: E_rev = {np.max(np.abs(p['E_rev'])):g} mV is outside the "
                             f"{E_REV_BITS}-bit reversal column at this voltage scale")
        m0, sh0 = _coefficient(mean_g * per_g * 2.0**drive / s0, owner, "mean conductance coefficient")
        row[:, R_KIND], row[:, R_DECAY0] = CONDUCTANCE_KIND, d0
        row[:, R_MEAN0], row[:, R_MEAN0_SHIFT] = m0, sh0
        if kind == COND_DUAL:
            m1, sh1 = _coefficient(mean_h * per_g * 2.0**drive / s1, owner, "mean rise coefficient")
            row[:, R_MEAN1], row[:, R_MEAN1_SHIFT] = m1, sh1
        row[:, R_E_REV], row[:, R_DRIVE_SHIFT] = e_rev, drive
        gain[k] = input_scale / (1 << shift)
        to_physical[f"g_{name}"] = (k, "r0", pd / s0 if kind == COND_EXP else 1.0 / s0)
        entry = {"kind": "conductance", "tau_decay": (tau_d, tau_d_eff), "E_rev": (p["E_rev"], e_realised),
                 "g_lsb": float(np.max(1.0 / s0)), "drive_shift": drive,
                 "sizing": "measured" if calibrated else "worst case"}
        if kind == COND_DUAL:
            to_physical[f"h_{name}"] = (k, "r1", pr / s1)
            entry["tau_rise"] = (tau_r, tau_r_eff)
        if np.any(p["mg"] > 0):
            scale, origin = (soma["scale"], soma["v_origin"]) if lif else (1.0 / soma["v_lsb"], soma["E_L"])
            block_tables[k], columns, entry["mg_block"] = block_table(p["mg"], scale, origin, owner)
            for column, value in columns.items():
                row[:, column] = value
        report[name] = entry
    if lif and has_leak_element(pop):
        leak_row, leak_r0, report[LEAK_ELEMENT] = leak_element(soma, dt, owner=f"Population '{pop.name}'")
        names += (LEAK_ELEMENT,)
        rows = np.concatenate([rows, leak_row[None]])
        block_tables.append(np.zeros(0, dtype=np.int64))
        gain = np.concatenate([gain, np.zeros((1, size))])
        state = {"r0": np.concatenate([state["r0"], leak_r0[None]]),
                 "r1": np.concatenate([state["r1"], np.zeros((1, size), dtype=np.int64)])}
    return QuantizedReceptors(names, rows, state, gain, to_physical, report, tuple(issues), tuple(block_tables))


def has_leak_element(pop) -> bool:
    """Whether a population with receptors gets the leak element: a LIF or LI (their soma's
    leak is 12-bit) with a leak (some finite ``tau_mem``)."""
    model = pop.model
    return (model.has_receptors and type(model).__name__ in ("LIF", "LI")
            and bool(np.any(np.isfinite(np.asarray(pop.params["tau_mem"], dtype=np.float64)))))


def element_count(pop) -> int:
    """Receptor elements one neuron of ``pop`` has: one per receptor, and the leak element."""
    if pop.is_source or not pop.model.has_receptors:
        return 0
    return len(pop.model.receptors) + int(has_leak_element(pop))


def leak_element(soma: dict, dt: float, owner: str):
    """The leak element of a LIF/LI population with receptors: ``(row, r0, report)``.

    The soma's 12-bit leak ``dv/4096`` misses ``1 - exp(-dt/tau_mem)`` by up to 2 % (tau_mem
    20 ms at dt 0.1 ms: 20/4096 for 0.004988), which shifts the membrane's time constant and,
    in a fluctuation-driven network, its rates by tens of percent. Such a population's soma
    has ``dv = 0``; the leak is this element: a constant conductance ``y = dt / tau_mem`` (the
    leak's first-order rate, what the soma's exponential-Euler factor expects, :mod:`neurocompile.chip.relaxation`)
    with its reversal at register 0, where the soma used to decay to (the bias supplies the
    rest): the element rule of section 4.5 with ``decay0 = 0`` and a constant ``r0 = 2**22``,
    exact to the 16-bit coefficient. Its load is the leak's share of the soma's load.
    """
    kappa = np.asarray(soma["kappa"], dtype=np.float64)
    size = kappa.size
    drive = _drive_shift(float(np.max(kappa)), owner)
    r0 = np.full(size, LEAK_R0, dtype=np.int64)
    mant, sh = _coefficient(kappa * 2.0**drive / LEAK_R0, owner, "leak coefficient")
    row = np.zeros((size, len(RECEPTOR_COLUMNS)), dtype=np.int64)
    row[:, R_KIND], row[:, R_DECAY0], row[:, R_BLOCK_OFFSET] = CONDUCTANCE_KIND, 0, -1
    row[:, R_MEAN0], row[:, R_MEAN0_SHIFT] = mant, sh
    row[:, R_E_REV], row[:, R_DRIVE_SHIFT] = 0, drive
    realised = mant * 2.0**-sh.astype(np.float64) * LEAK_R0 / 2.0**drive
    with np.errstate(divide="ignore"):
        tau_chip = np.where(realised > 0, dt / realised, np.inf)
    exact = -np.expm1(-kappa)
    twelve_bit = decay_constant(soma["tau_mem"], dt)[0] / (1 << DECAY_UNITY_BITS)  # what a soma's dv would do
    report = {"kind": "leak", "tau": (soma["tau_mem"], tau_chip), "drive_shift": drive,
              "dv_rel_error": float(np.max(np.abs(twelve_bit - exact) / np.maximum(exact, 1e-300)))}
    return row, r0, report


def block_table(mg, scale: float, origin: float, owner: str):
    """The magnesium-block table of a receptor on an owner whose voltage register holds
    ``scale (V - origin)``: entries ``round(B(V_k) 2**16)`` at the centres of bins of
    ``2**shift`` register LSBs (at most :data:`BLOCK_SPACING_MV`) over :data:`BLOCK_RANGE_MV`.

    Returns ``(table, {column: value}, report)``; the report gives the bin width and the
    largest error of the table against ``B(V)`` over the range.
    """
    values = {}
    for name, value in (("mg", mg), ("the voltage scale", scale), ("the voltage origin (reset or E_L)", origin)):
        value = np.asarray(value, dtype=np.float64)
        if np.any(value != value.flat[0]):
            raise BuildError(f"{owner}: a magnesium block needs {name} to be the same for every neuron of the "
                             f"population on the chip (got {float(value.min()):g}..{float(value.max()):g})")
        values[name] = float(value.flat[0])
    mg, scale, origin = values.values()
    low, high = BLOCK_RANGE_MV
    shift = max(0, int(np.floor(np.log2(BLOCK_SPACING_MV * scale))))
    spacing = 2.0**shift / scale  # mV per entry
    size = int(np.ceil((high - low) / spacing)) + 1
    first = int(np.floor(scale * (low - origin)))
    centres = origin + (first + (np.arange(size) + 0.5) * 2.0**shift) / scale
    table = np.rint(mg_block(centres, mg) * (1 << BLOCK_FRACTION_BITS)).astype(np.int64)
    probe = np.linspace(low, high, 20001)
    index = np.clip(np.floor((scale * (probe - origin) - first) / 2.0**shift).astype(np.int64), 0, size - 1)
    error = float(np.max(np.abs(table[index] / 2.0**BLOCK_FRACTION_BITS - mg_block(probe, mg))))
    columns = {R_BLOCK_OFFSET: 0, R_BLOCK_ORIGIN: first, R_BLOCK_SHIFT: shift, R_BLOCK_SIZE: size}
    return table, columns, {"mg": mg, "entries": size, "spacing_mV": spacing, "max_error": error}
