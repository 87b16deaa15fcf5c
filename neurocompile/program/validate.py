"""Checking a program read from a file against its own target, before any engine sees it.

A ``.ncp`` file is untrusted input: the emulator's compiled kernel indexes its arrays without
bounds checks, so a row pointer past the synapses or a post index past its population reads
or writes memory it does not own. :func:`validate_program` checks every value the emulator,
its layout (:mod:`neurocompile.emu.layout`) and the report read: types, dtypes and shapes as
the quantizer produces them, ranges against the program's target (``[precision]``: mantissas,
exponents, delays, decays; the core count; neuron slots and synapse entries per core), and the
consistency of sizes across populations, projections, placement, routes, probes and host
inputs. Each failure is one :class:`~.archive.ProgramFileError` line naming the file, the
object, the field, the bad value and the rule. Nothing here changes a value: a file either
runs as written or is refused.
"""
from __future__ import annotations

import numbers

import numpy as np

from ..chip import SOMAS, AdexParams, ExpTable, FixedCoefficient, LifParams
from ..chip.adex import (ADEX_COEFFICIENT_BITS, ADEX_MAX_SHIFT, KIND_EXP, KIND_HH, KIND_SQUARE, MAX_SUBSTEPS,
                         exp_table_of, gate_table_offset)
from ..chip.hh import HH_GATE_BITS, GateTables
from ..chip.learning import (L_A_MINUS_MANT, L_A_MINUS_SHIFT, L_A_PLUS_MANT, L_A_PLUS_SHIFT, L_FRACTION_BITS,
                             L_KEEP_X, L_KEEP_Y, L_RULE, L_W_MAX, L_W_MIN, LEARNING_COLUMNS, RATE_BITS, RULES,
                             TRACE_DECAY_BITS, delivered_mantissas)
from ..chip.nmda import GATE_COLUMNS, GATE_DECAY_BITS, G_A, G_A_SHIFT, G_D_DECAY, G_D_RISE
from ..chip.receptors import (BLOCK_FRACTION_BITS, CONDUCTANCE_KIND, CURRENT_KIND, R_BLOCK_OFFSET,
                              R_BLOCK_ORIGIN, R_BLOCK_SHIFT, R_BLOCK_SIZE, R_COUPLE, R_COUPLE_SHIFT, R_DECAY0,
                              R_DECAY1, R_DRIVE_SHIFT, R_E_REV, R_INPUT_TO, R_KIND, R_MEAN0, R_MEAN0_SHIFT,
                              R_MEAN1, R_MEAN1_SHIFT, RECEPTOR_COLUMNS, RECEPTOR_DECAY_BITS, RECEPTOR_REGISTERS)
from ..chip.short_term import STP_COLUMNS, STP_D_FAC, STP_D_REC, STP_DECAY_BITS, STP_ONE, STP_U
from ..errors import NeurocompileError
from ..ir.inputs import PoissonSource, SpikeTrains
from ..place.placement import HOST, Placement
from ..place.routing import RouteTable
from ..place.usage import LIMITS, CoreUsage, learning_capacity_problems, synapse_entries_per_core
from ..quantize.hh import gate_tables_for
from ..quantize.receptors import COEFFICIENT_BITS, E_REV_BITS, QuantizedReceptors
from ..quantize.weights import mantissa_range
from ..quantize.types import BiasUpdate, QuantizedNetwork, QuantizedPopulation, QuantizedProjection
from .archive import ProgramFileError

INTEGER, NUMBER, BOOL_OR_INTEGER = "iu", "iuf", "biu"
#: Largest right shift of a rounding multiply (the chip's coefficients, drive and block shifts).
MAX_SHIFT = ADEX_MAX_SHIFT
#: Delays, refractory counters and mantissas are held in int16 by the emulator.
INT16_MAX = np.iinfo(np.int16).max
#: Largest magnitude of a register-origin column (``block_origin``): far beyond any register.
ORIGIN_LIMIT = 1 << 40
SIGN_MODES = ("excitatory", "inhibitory", "mixed")


class Checker:
    """Builds the one-line errors of one file: ``'<file>': <object>: <field> = <value> <rule>``."""

    def __init__(self, path):
        self.path = path

    def fail(self, where: str, field: str, value, rule: str) -> ProgramFileError:
        text = " ".join(_describe(value).split())
        return ProgramFileError(f"'{self.path}': {where}: {field} = {text} {rule}")

    def instance(self, where: str, field: str, value, cls):
        if not isinstance(value, cls):
            names = cls.__name__ if isinstance(cls, type) else " or ".join(c.__name__ for c in cls)
            raise self.fail(where, field, f"a {type(value).__name__}", f"must be a {names}")
        return value

    def integer(self, where: str, field: str, value, lo: int, hi: int) -> int:
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
            raise self.fail(where, field, value, "must be an integer")
        if not lo <= value <= hi:
            raise self.fail(where, field, value, f"must be in {lo}..{hi}")
        return int(value)

    def number(self, where: str, field: str, value) -> float:
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) or not np.isfinite(value):
            raise self.fail(where, field, value, "must be a finite number")
        return float(value)

    def array(self, where: str, field: str, value, kinds: str, shape: tuple) -> np.ndarray:
        """``value`` as an ndarray of one of the dtype ``kinds`` and exactly ``shape``."""
        if not isinstance(value, np.ndarray):
            raise self.fail(where, field, f"a {type(value).__name__}", f"must be an array of shape {shape}")
        if value.dtype.kind not in kinds:
            raise self.fail(where, field, f"an array of {value.dtype}", f"must hold {_kinds(kinds)}")
        if value.shape != shape:
            raise self.fail(where, field, f"an array of shape {value.shape}", f"must have shape {shape}")
        if value.dtype.kind == "f" and not np.all(np.isfinite(value)):
            raise self.fail(where, field, _first(value, ~np.isfinite(value)), "must be finite")
        return value

    def within(self, where: str, field: str, values, lo, hi, rule: str = "") -> None:
        """Every value in ``lo..hi`` (inclusive)."""
        values = np.asarray(values)
        if values.size and (values.min() < lo or values.max() > hi):
            bad = (values < lo) | (values > hi)
            raise self.fail(where, _at(field, values, bad), _first(values, bad),
                            rule or f"must be in {lo}..{hi} ({int(bad.sum())} of {values.size} values are not)")

    def per_neuron(self, where: str, field: str, value, kinds: str, size: int) -> np.ndarray:
        """A scalar or a ``(size,)`` array (as the chip's parameter records allow)."""
        if isinstance(value, (numbers.Number, np.bool_)) and not isinstance(value, np.ndarray):
            value = np.asarray(value)
        if not isinstance(value, np.ndarray):
            raise self.fail(where, field, f"a {type(value).__name__}", f"must be a number or an array of shape ({size},)")
        if value.shape not in ((), (size,)):
            raise self.fail(where, field, f"an array of shape {value.shape}", f"must be a scalar or have shape ({size},)")
        return self.array(where, field, value, kinds, value.shape)


def validate_program(program, path) -> None:
    """Raise :class:`ProgramFileError` unless every value of ``program`` (read from ``path``)
    is one its target's chip and the emulator can hold (module docstring)."""
    c = Checker(path)
    c.instance("program", "name", program.name, str)
    target = program.target
    if target.backend not in ("emu", "lava"):
        raise c.fail("program", "target.backend", target.backend, "must be emu or lava")
    c.instance("program", "info", program.info, dict)
    q = c.instance("program", "quantized", program.quantized, QuantizedNetwork)
    c.instance("program", "quantized.name", q.name, str)
    dt = c.number("program", "dt", q.dt)
    if dt <= 0:
        raise c.fail("program", "dt", dt, "must be a time step > 0 ms")
    c.integer("program", "seed", q.seed, 0, 2**63 - 1)
    pops = c.instance("program", "populations", q.populations, dict)
    if not pops:
        raise c.fail("program", "populations", "{}", "must hold at least one population")
    sizes = {}
    for name, pop in pops.items():
        sizes[name] = _population(c, target, name, pop)
    if any(p.model != "source" and SOMAS[p.model].bank == "AdEx" and np.any(p.params.kind == KIND_EXP)
           for p in pops.values()):
        _exp_table(c, target, q.exp_table)
    if any(p.model != "source" and SOMAS[p.model].bank == "AdEx" and np.any(p.params.kind == KIND_HH)
           for p in pops.values()):
        _gate_tables(c, target, q, pops)
    projections = c.instance("program", "projections", q.projections, (tuple, list))
    for k, qp in enumerate(projections):
        _projection(c, target, k, qp, pops)
    for update in c.instance("program", "bias_updates", q.bias_updates, (tuple, list)):
        _bias_update(c, target, update, pops)
    c.instance("program", "issues", q.issues, (tuple, list))
    _sources(c, program.sources, pops, dt)
    _placement(c, target, program.placement, pops)
    _synapse_entries(c, target, program.placement, projections)
    _weight_probes(c, program.weight_probes, q.projections)
    _routes(c, program.routes, sizes, program.placement.n_cores)
    _usage(c, program.usage, program.placement.n_cores)
    _probes(c, program.probes, pops)


# -- populations -----------------------------------------------------------------------------

def _population(c: Checker, target, name, pop) -> int:
    where = f"population '{name}'"
    c.instance(where, "name", name, str)
    c.instance(where, "record", pop, QuantizedPopulation)
    if pop.name != name:
        raise c.fail(where, "name", pop.name, f"must be the name it is stored under ('{name}')")
    if pop.model != "source" and pop.model not in SOMAS:
        raise c.fail(where, "model", pop.model, f"must be one of source, {', '.join(SOMAS)}")
    size = c.integer(where, "size", pop.size, 1, target.max_neurons)
    c.instance(where, "report", pop.report, dict)
    c.instance(where, "issues", pop.issues, (tuple, list))
    if pop.is_source:
        if pop.receptors is not None:
            raise c.fail(where, "receptors", "a receptor table", "must be absent for a spike source")
        return size
    precision = target.precision
    if SOMAS[pop.model].bank == "LIF":
        _lif_params(c, where, pop.params, size, precision)
    else:
        _adex_params(c, where, pop.params, size, precision)
        # the kind decides which registers a row updates: an HH row needs the gate registers
        # only an HH population brings
        kind = SOMA_KINDS[pop.model]
        c.within(where, "params.kind", np.broadcast_to(pop.params.kind, (size,)), kind, kind,
                 f"must be {kind} for the {pop.model} model")
    state = c.instance(where, "state", pop.state, dict)
    for register in SOMAS[pop.model].registers:
        if register not in state:
            raise c.fail(where, "state", sorted(map(str, state)), f"must hold register '{register}'")
        values = c.array(where, f"state['{register}']", state[register], INTEGER, (size,))
        c.within(where, f"state['{register}']", values, -precision.state_half, precision.state_half)
    for field in ("input_gain", "bias_per_unit", "bias_drive"):
        value = getattr(pop, field)
        if value is not None:
            c.array(where, field, value, NUMBER, (size,))
    _scales(c, where, "to_physical", pop.to_physical, size)
    if pop.receptors is not None:
        _receptors(c, where, pop.receptors, size, precision)
    return size


def _scales(c: Checker, where: str, field: str, table, size: int) -> None:
    """``variable -> (scale, offset)``, each a number or a per-neuron float array."""
    c.instance(where, field, table, dict)
    for variable, pair in table.items():
        label = f"{field}['{variable}']"
        c.instance(where, label, variable, str)
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise c.fail(where, label, pair, "must be a (scale, offset) pair")
        for part, value in zip(("scale", "offset"), pair):
            c.per_neuron(where, f"{label}.{part}", value, NUMBER, size)


def _lif_params(c: Checker, where: str, params, size: int, precision) -> None:
    c.instance(where, "params", params, LifParams)
    for field in LifParams.__dataclass_fields__:
        c.per_neuron(where, f"params.{field}", getattr(params, field), BOOL_OR_INTEGER, size)
    if params.size not in (size, 1):
        raise c.fail(where, "params", f"{params.size} neurons", f"must describe the population's {size}")
    c.within(where, "params.bias_mant", params.field("bias_mant"), *precision.bias_mantissa_range)
    c.within(where, "params.bias_exp", params.field("bias_exp"), precision.bias_exponent_min,
             precision.bias_exponent_max)
    try:
        params.check(precision, owner=where)
    except NeurocompileError as exc:
        raise ProgramFileError(f"'{c.path}': {exc}") from None


def _adex_params(c: Checker, where: str, params, size: int, precision) -> None:
    c.instance(where, "params", params, AdexParams)
    limit = precision.state_half
    low, high = -(1 << (ADEX_COEFFICIENT_BITS - 1)), (1 << (ADEX_COEFFICIENT_BITS - 1)) - 1
    for field in ("leak", "gain", "jump", "coupling", "adaptation", "synapse", "exp_index", "exp_scale", "square",
                  "g_na", "g_k", "gate_index"):
        coefficient = c.instance(where, f"params.{field}", getattr(params, field), FixedCoefficient)
        c.within(where, f"params.{field}.mant",
                 c.per_neuron(where, f"params.{field}.mant", coefficient.mant, INTEGER, size), low, high)
        c.within(where, f"params.{field}.shift",
                 c.per_neuron(where, f"params.{field}.shift", coefficient.shift, INTEGER, size), 0, MAX_SHIFT)
    c.array(where, "params.x_peak", params.x_peak, INTEGER, (size,))  # sets the record's size
    for field in ("exp_origin", "x_peak", "x_reset", "b", "x_u", "x_na", "x_k", "gate_origin"):
        c.within(where, f"params.{field}", c.per_neuron(where, f"params.{field}", getattr(params, field), INTEGER,
                                                         size), -limit, limit)
    c.within(where, "params.bias", c.array(where, "params.bias", params.bias, INTEGER, (size,)),
             -precision.saturation_limit, precision.saturation_limit)
    c.within(where, "params.refractory_steps",
             c.per_neuron(where, "params.refractory_steps", params.refractory_steps, INTEGER, size),
             0, min(precision.max_refractory_steps, INT16_MAX))
    c.within(where, "params.kind", c.per_neuron(where, "params.kind", params.kind, INTEGER, size),
             KIND_EXP, KIND_HH)
    for field in ("gate_offset", "gate_entries"):
        c.per_neuron(where, f"params.{field}", getattr(params, field), INTEGER, size)
    c.within(where, "params.substeps", c.per_neuron(where, "params.substeps", params.substeps, INTEGER, size),
             1, MAX_SUBSTEPS)
    pre = c.per_neuron(where, "params.square_pre", params.square_pre, INTEGER, size)
    c.within(where, "params.square_pre", pre, 0, MAX_SHIFT)
    squares = np.broadcast_to(params.kind, (size,)) == KIND_SQUARE
    if np.any(squares & (np.broadcast_to(pre, (size,)) < 1)):  # the square's rounding adds 2**(pre-1)
        raise c.fail(where, "params.square_pre", int(np.min(np.broadcast_to(pre, (size,))[squares])),
                     "must be >= 1 for an Izhikevich row (kind 1)")


#: The row kind (``params.kind``) of each model of the nonlinear soma.
SOMA_KINDS = {"AdEx": KIND_EXP, "ExpIF": KIND_EXP, "Izhikevich": KIND_SQUARE, "HH": KIND_HH}


def _gate_tables(c: Checker, target, q, pops) -> None:
    """HH rows: the program's gate tables are the target's for the program's dt, the rows
    point at them, and the gate registers are fractions of at most 1."""
    where = "HH gate tables"
    if target.hh is None:
        raise c.fail("program", "target", target.name, "has no [hh] section, but the program has HH neurons")
    tables = c.instance("program", "gate_tables", q.gate_tables, GateTables)
    expected = gate_tables_for(target, q.dt)
    values = c.array(where, "values", tables.values, INTEGER, expected.values.shape)
    if not np.array_equal(values, expected.values) or (tables.v_min, tables.v_max) != (expected.v_min, expected.v_max):
        bad = values != expected.values
        raise c.fail(where, _at("values", values, bad), _first(values, bad) if bad.any() else tables.v_min,
                     f"must be the gate tables of target '{target.name}' ([hh] section) at dt = {q.dt:g} ms")
    offset = gate_table_offset(q.exp_table)
    for name, pop in pops.items():
        if pop.model == "source" or SOMAS[pop.model].bank != "AdEx":
            continue
        rows = np.broadcast_to(pop.params.kind, (pop.size,)) == KIND_HH
        if not rows.any():
            continue
        where = f"population '{name}'"
        for field, value in (("gate_offset", offset), ("gate_entries", expected.entries)):
            c.within(where, f"params.{field}", np.broadcast_to(getattr(pop.params, field), (pop.size,))[rows],
                     value, value)
        for gate in ("m", "h", "n"):
            c.within(where, f"state['{gate}']", np.asarray(pop.state[gate])[rows], 0, 1 << HH_GATE_BITS)


def _exp_table(c: Checker, target, table) -> None:
    where = "AdEx exp table"
    c.instance("program", "exp_table", table, ExpTable)
    expected = exp_table_of(target)
    values = c.array(where, "values", table.values, INTEGER, expected.values.shape)
    if not np.array_equal(values, expected.values) or table.fraction_bits != expected.fraction_bits:
        bad = values != expected.values
        raise c.fail(where, _at("values", values, bad), _first(values, bad) if bad.any() else table.fraction_bits,
                     f"must be the table of target '{target.name}' ([adex] section)")


def _receptors(c: Checker, where: str, rec, size: int, precision) -> None:
    c.instance(where, "receptors", rec, QuantizedReceptors)
    names = c.instance(where, "receptors.names", rec.names, tuple)
    if not names or len(set(names)) != len(names) or not all(isinstance(n, str) for n in names):
        raise c.fail(where, "receptors.names", names, "must be distinct receptor names (at least one)")
    n = len(names)
    rows = c.array(where, "receptors.rows", rec.rows, INTEGER, (n, size, len(RECEPTOR_COLUMNS)))
    state = c.instance(where, "receptors.state", rec.state, dict)
    for register in RECEPTOR_REGISTERS:
        if register not in state:
            raise c.fail(where, "receptors.state", sorted(map(str, state)), f"must hold register '{register}'")
        c.within(where, f"receptors.state['{register}']",
                 c.array(where, f"receptors.state['{register}']", state[register], INTEGER, (n, size)),
                 -precision.saturation_limit, precision.saturation_limit)
    c.array(where, "receptors.input_gain", rec.input_gain, NUMBER, (n, size))
    c.instance(where, "receptors.to_physical", rec.to_physical, dict)
    for variable, entry in rec.to_physical.items():
        label = f"receptors.to_physical['{variable}']"
        if not (isinstance(variable, str) and isinstance(entry, tuple) and len(entry) == 3):
            raise c.fail(where, label, entry, "must be a (receptor index, register, scale) triple")
        c.integer(where, f"{label}.receptor", entry[0], 0, n - 1)
        if entry[1] not in RECEPTOR_REGISTERS:
            raise c.fail(where, f"{label}.register", entry[1], f"must be one of {', '.join(RECEPTOR_REGISTERS)}")
        c.per_neuron(where, f"{label}.scale", entry[2], NUMBER, size)
    tables = c.instance(where, "receptors.block_tables", rec.block_tables, tuple)
    if len(tables) != n:
        raise c.fail(where, "receptors.block_tables", f"{len(tables)} tables", f"must hold one per receptor ({n})")
    coefficient = (-(1 << (COEFFICIENT_BITS - 1)), (1 << COEFFICIENT_BITS) - 1)
    for k, name in enumerate(names):
        label = f"receptors.rows['{name}']"
        if not isinstance(tables[k], np.ndarray) or tables[k].ndim != 1:
            raise c.fail(where, f"receptors.block_tables['{name}']", tables[k], "must be a 1-D array")
        table = c.array(where, f"receptors.block_tables['{name}']", tables[k], INTEGER, tables[k].shape)
        c.within(where, f"receptors.block_tables['{name}']", table, 0, 1 << BLOCK_FRACTION_BITS)
        row = rows[k]

        def column(index, lo, hi, row=row, label=label):
            c.within(where, f"{label}.{RECEPTOR_COLUMNS[index]}", row[:, index], lo, hi)

        column(R_KIND, min(CURRENT_KIND, CONDUCTANCE_KIND), max(CURRENT_KIND, CONDUCTANCE_KIND))
        column(R_INPUT_TO, 0, 1)
        for index in (R_DECAY0, R_DECAY1):
            column(index, 0, 1 << RECEPTOR_DECAY_BITS)
        for index in (R_COUPLE, R_MEAN0, R_MEAN1):
            column(index, *coefficient)
        for index in (R_COUPLE_SHIFT, R_MEAN0_SHIFT, R_MEAN1_SHIFT, R_DRIVE_SHIFT, R_BLOCK_SHIFT):
            column(index, 0, MAX_SHIFT)
        column(R_E_REV, -(1 << (E_REV_BITS - 1)), (1 << (E_REV_BITS - 1)) - 1)
        column(R_BLOCK_ORIGIN, -ORIGIN_LIMIT, ORIGIN_LIMIT)
        # a magnesium block reads lut[block_offset + k], k in 0..block_size-1: within this table
        blocked = row[:, R_BLOCK_OFFSET] >= 0
        column(R_BLOCK_OFFSET, -1, max(table.size - 1, -1))
        if blocked.any():
            sizes = row[blocked, R_BLOCK_SIZE]
            c.within(where, f"{label}.block_size", sizes, 1, table.size)
            c.within(where, f"{label}.block_offset + block_size", row[blocked, R_BLOCK_OFFSET] + sizes, 1, table.size,
                     f"must lie within the receptor's magnesium-block table of {table.size} entries")


# -- projections -----------------------------------------------------------------------------

def _projection(c: Checker, target, k: int, qp, pops: dict) -> None:
    c.instance(f"projection {k}", "record", qp, QuantizedProjection)
    name = c.instance(f"projection {k}", "name", qp.name, str)
    where = f"projection '{name}'"
    for field in ("pre", "post"):
        if not isinstance(getattr(qp, field), str) or getattr(qp, field) not in pops:
            raise c.fail(where, field, getattr(qp, field), "must name a population of the program")
    c.instance(where, "report", qp.report, dict)
    c.instance(where, "issues", qp.issues, (tuple, list))
    c.instance(where, "source", qp.source, str)
    pre, post = pops[qp.pre], pops[qp.post]
    if post.is_source:
        raise c.fail(where, "post", qp.post, "must be a neuron population, not a spike source")
    receptor = c.instance(where, "receptor", qp.receptor, str)
    if post.receptors is None and receptor:
        raise c.fail(where, "receptor", receptor, f"names a receptor, but population '{qp.post}' has none")
    if post.receptors is not None and receptor and receptor not in post.receptors.names:
        raise c.fail(where, "receptor", receptor, f"must be one of {', '.join(post.receptors.names)}")
    precision = target.precision
    indptr = c.array(where, "indptr", qp.indptr, INTEGER, (pre.size + 1,))
    if indptr[0] != 0:
        raise c.fail(where, "indptr[0]", indptr[0], "must be 0")
    steps = np.diff(indptr)
    if np.any(steps < 0):
        raise c.fail(where, _at("indptr", steps, steps < 0, 1), _first(indptr[1:], steps < 0),
                     "must not decrease (row pointers)")
    post_index = qp.post_index
    if not isinstance(post_index, np.ndarray) or post_index.ndim != 1:
        c.array(where, "post_index", post_index, INTEGER, (int(indptr[-1]),))
    n = post_index.size
    if indptr[-1] != n:
        raise c.fail(where, f"indptr[{pre.size}]", indptr[-1], f"must equal the number of synapses ({n})")
    c.within(where, "post_index", c.array(where, "post_index", post_index, INTEGER, (n,)), 0, post.size - 1,
             f"must index population '{qp.post}' of {post.size} neurons")
    mode = qp.sign_mode
    if mode not in SIGN_MODES:
        raise c.fail(where, "sign_mode", mode, f"must be one of {', '.join(SIGN_MODES)}")
    mant = c.array(where, "weight_mant", qp.weight_mant, INTEGER, (n,))
    low, high = mantissa_range(mode, precision.weight_mantissa_bits)
    c.within(where, "weight_mant", mant, low, high, f"must be in {low}..{high} ({mode} synapses, "
                                                   f"{precision.weight_mantissa_bits}-bit mantissas)")
    if mode == "mixed" and np.any(mant % 2):
        raise c.fail(where, _at("weight_mant", mant, mant % 2 != 0), _first(mant, mant % 2 != 0),
                     "must be even (mixed-sign synapses)")
    longest = min(precision.max_delay_steps, INT16_MAX)
    c.within(where, "delay_steps", c.array(where, "delay_steps", qp.delay_steps, INTEGER, (n,)), 1, longest,
             f"must be in 1..{longest} steps (target max_delay_steps)")
    c.integer(where, "weight_exp", qp.weight_exp, precision.weight_exponent_min, precision.weight_exponent_max)
    if qp.stp is not None:
        stp = c.array(where, "stp", qp.stp, INTEGER, (len(STP_COLUMNS),))
        c.within(where, "stp.U", stp[STP_U], 0, STP_ONE)
        for index in (STP_D_FAC, STP_D_REC):
            c.within(where, f"stp.{STP_COLUMNS[index]}", stp[index], 0, 1 << STP_DECAY_BITS)
    if qp.gate is not None:
        if not receptor:
            raise c.fail(where, "gate", "an NMDA gate row", f"needs a receptor element of '{qp.post}' to feed")
        gate = c.array(where, "gate", qp.gate, INTEGER, (len(GATE_COLUMNS),))
        c.within(where, "gate.a.mant", gate[G_A], -(1 << (COEFFICIENT_BITS - 1)), (1 << COEFFICIENT_BITS) - 1)
        c.within(where, "gate.a.shift", gate[G_A_SHIFT], 0, MAX_SHIFT)
        for index in (G_D_RISE, G_D_DECAY):
            c.within(where, f"gate.{GATE_COLUMNS[index]}", gate[index], 0, 1 << GATE_DECAY_BITS)
    if qp.learning is not None or getattr(qp, "plastic_weight", None) is not None:
        _plastic(c, target, where, qp, n)


def _plastic(c: Checker, target, where: str, qp, n: int) -> None:
    """A plastic projection's learning row and registers, against the target's learning engine."""
    learning = target.learning
    if learning is None:
        raise c.fail(where, "learning", "an STDP row", f"needs a target with a learning engine; '{target.name}' has none")
    if qp.learning is None or qp.plastic_weight is None:
        raise c.fail(where, "learning", "one of learning and plastic_weight", "needs both")
    if qp.sign_mode != "excitatory" or qp.stp is not None or qp.gate is not None:
        raise c.fail(where, "sign_mode", qp.sign_mode, "must be excitatory, without stp or gate (plastic projection)")
    row = c.array(where, "learning", qp.learning, INTEGER, (len(LEARNING_COLUMNS),))
    c.within(where, "learning.rule", row[L_RULE], 0, max(RULES.values()))
    for index in (L_KEEP_X, L_KEEP_Y):
        c.within(where, f"learning.{LEARNING_COLUMNS[index]}", row[index], 1, 1 << TRACE_DECAY_BITS)
    for mant, shift in ((L_A_PLUS_MANT, L_A_PLUS_SHIFT), (L_A_MINUS_MANT, L_A_MINUS_SHIFT)):
        c.within(where, f"learning.{LEARNING_COLUMNS[mant]}", row[mant], 0, (1 << (RATE_BITS - 1)) - 1)
        c.within(where, f"learning.{LEARNING_COLUMNS[shift]}", row[shift], 1, 62)
    bits = learning.weight_fraction_bits
    c.within(where, "learning.fraction_bits", row[L_FRACTION_BITS], bits, bits,
             "must equal the target's learning.weight_fraction_bits")
    top = mantissa_range("excitatory", target.precision.weight_mantissa_bits)[1] << bits
    c.within(where, "learning.w_max", row[L_W_MAX], 1, top)
    c.within(where, "learning.w_min", row[L_W_MIN], 0, int(row[L_W_MAX]) - 1, "must be below learning.w_max")
    # Learned weights are read back as register x weight step (float units of the network).
    stdp = qp.report.get("stdp")
    if not isinstance(stdp, dict):
        raise c.fail(where, "report.stdp", f"a {type(stdp).__name__}", "must be the STDP quantization record")
    step = c.number(where, "report.stdp.weight_step", stdp.get("weight_step"))
    if not 0.0 < step < 1e300:
        raise c.fail(where, "report.stdp.weight_step", step, "must be a positive weight per register unit")
    weight = c.array(where, "plastic_weight", qp.plastic_weight, INTEGER, (n,))
    c.within(where, "plastic_weight", weight, int(row[L_W_MIN]), int(row[L_W_MAX]), "must lie within the bounds")
    delivered = delivered_mantissas(weight, bits)
    if not np.array_equal(delivered, np.asarray(qp.weight_mant, dtype=np.int64)):
        bad = delivered != np.asarray(qp.weight_mant, dtype=np.int64)
        raise c.fail(where, _at("weight_mant", delivered, bad), _first(np.asarray(qp.weight_mant), bad),
                     "must be what its plastic weight register delivers")


def _bias_update(c: Checker, target, update, pops: dict) -> None:
    c.instance("bias update", "record", update, BiasUpdate)
    where = f"bias update of '{update.population}'"
    if not isinstance(update.population, str) or update.population not in pops or pops[update.population].is_source:
        raise c.fail("bias update", "population", update.population, "must name a neuron population")
    size = pops[update.population].size
    c.integer(where, "step", update.step, 0, 2**62)
    precision = target.precision
    mant = c.array(where, "bias_mant", update.bias_mant, INTEGER, (size,))
    exp = c.array(where, "bias_exp", update.bias_exp, INTEGER, (size,))
    if SOMAS[pops[update.population].model].bank == "AdEx":  # the AdEx bias register is a full-width integer
        c.within(where, "bias_exp", exp, 0, 0)
    else:
        c.within(where, "bias_mant", mant, *precision.bias_mantissa_range)
        c.within(where, "bias_exp", exp, precision.bias_exponent_min, precision.bias_exponent_max)
    value = mant.astype(np.int64) * 2.0 ** exp.astype(np.float64)
    c.within(where, "bias_mant * 2**bias_exp", value, -precision.saturation_limit, precision.saturation_limit)


# -- host inputs, placement, routes, probes -----------------------------------------------------

def _sources(c: Checker, sources, pops: dict, dt: float) -> None:
    c.instance("program", "sources", sources, dict)
    expected = {name for name, pop in pops.items() if pop.is_source}
    if set(sources) != expected:
        raise c.fail("program", "sources", sorted(map(str, sources)),
                     f"must be the spike-source populations ({', '.join(sorted(expected)) or 'none'})")
    for name, model in sources.items():
        where = f"spike source '{name}'"
        c.instance(where, "model", model, (PoissonSource, SpikeTrains))
        try:
            if isinstance(model, PoissonSource):
                model.check(pops[name].size, dt, name)
            else:
                if model.times.size and model.times.max() / dt >= 2.0**62:
                    raise c.fail(where, "times", float(model.times.max()), "is beyond any run")
                model.step_indices(pops[name].size, dt, name)
        except ProgramFileError:
            raise
        except NeurocompileError as exc:
            raise ProgramFileError(f"'{c.path}': {' '.join(str(exc).split())}") from None


def _placement(c: Checker, target, placement, pops: dict) -> None:
    c.instance("program", "placement", placement, Placement)
    c.instance("placement", "method", placement.method, str)
    notes = c.instance("placement", "notes", placement.notes, tuple)
    for note in notes:
        c.instance("placement", "notes", note, str)
    n_cores = c.integer("placement", "n_cores", placement.n_cores, target.total_cores, target.total_cores)
    location = target.core_location(np.arange(n_cores))
    for field, expected in zip(("chip", "row", "col", "slot"), location):
        value = c.array("placement", field, getattr(placement, field), INTEGER, (n_cores,))
        if not np.array_equal(value, expected):
            raise c.fail("placement", _at(field, value, value != expected), _first(value, value != expected),
                         f"must be the location of the core on target '{target.name}'")
    core_of = c.instance("placement", "core_of", placement.core_of, dict)
    if set(core_of) != set(pops):
        raise c.fail("placement", "core_of", sorted(map(str, core_of)), "must place every population, and only those")
    slots = np.zeros(n_cores, dtype=np.int64)
    for name, pop in pops.items():
        cores = c.array(f"placement of '{name}'", "core_of", core_of[name], INTEGER, (pop.size,))
        if pop.is_source:
            c.within(f"placement of '{name}'", "core_of", cores, HOST, n_cores - 1)
            continue
        c.within(f"placement of '{name}'", "core_of", cores, 0, n_cores - 1,
                 f"must be a core of target '{target.name}' (0..{n_cores - 1})")
        elements = 0 if pop.receptors is None else len(pop.receptors.names)
        slots += np.bincount(cores.astype(np.int64), minlength=n_cores) * (1 + elements)
    full = slots > target.core.neurons
    if full.any():
        raise c.fail("placement", _at("neuron slots of core", slots, full), _first(slots, full),
                     f"exceeds the {target.core.neurons} neurons a core of target '{target.name}' holds")


def _synapse_entries(c: Checker, target, placement, projections) -> None:
    """Synapse entries per core (counted as placement counts them) within the target's
    synaptic memory; runs after the projections and the placement are checked."""
    entries = synapse_entries_per_core(((qp.post, qp.post_index) for qp in projections), placement.core_of,
                                       placement.n_cores)
    full = entries > target.core.synapse_entries
    if full.any():
        raise c.fail("placement", _at("synapse entries of core", entries, full), _first(entries, full),
                     f"exceeds the {target.core.synapse_entries} synapse entries a core of target "
                     f"'{target.name}' holds")
    learning = learning_capacity_problems(projections, placement.core_of, placement.n_cores, target)
    if learning:
        raise ProgramFileError(f"'{c.path}': placement: {learning[0]}")


def _weight_probes(c: Checker, probes, projections) -> None:
    """Weight probes name plastic projections and index their synapses."""
    c.instance("program", "weight_probes", probes, dict)
    plastic = {qp.name: qp for qp in projections if qp.learning is not None}
    for name, synapses in probes.items():
        if name not in plastic:
            raise c.fail("program", "weight_probes", name, "must name a plastic projection")
        n = plastic[name].n_synapses
        c.within(f"weight probes of '{name}'", "synapses", c.array(f"weight probes of '{name}'", "synapses", synapses,
                                                                   INTEGER, (np.size(synapses),)), 0, n - 1)


def _routes(c: Checker, routes, sizes: dict, n_cores: int) -> None:
    c.instance("program", "routes", routes, dict)
    if set(routes) != set(sizes):
        raise c.fail("program", "routes", sorted(map(str, routes)), "must hold one route table per population")
    for name, size in sizes.items():
        where = f"routes of '{name}'"
        table = c.instance(where, "table", routes[name], RouteTable)
        for field in ("messages", "east_west", "north_south", "inter_chip"):
            c.within(where, field, c.array(where, field, getattr(table, field), INTEGER, (size,)), 0, 2**40)
        c.within(where, "max_latency_ns", c.array(where, "max_latency_ns", table.max_latency_ns, NUMBER, (size,)),
                 0, np.inf)
        c.within(where, "source_core", c.array(where, "source_core", table.source_core, INTEGER, (size,)),
                 0, n_cores - 1)
        ptr = c.array(where, "dest_ptr", table.dest_ptr, INTEGER, (size + 1,))
        if not isinstance(table.dest_core, np.ndarray) or table.dest_core.ndim != 1:
            raise c.fail(where, "dest_core", table.dest_core, "must be a 1-D array of cores")
        dest = c.array(where, "dest_core", table.dest_core, INTEGER, table.dest_core.shape)
        if ptr[0] != 0 or np.any(np.diff(ptr) < 0) or ptr[-1] != dest.size:
            raise c.fail(where, "dest_ptr", ptr, f"must rise from 0 to the {dest.size} destination cores")
        c.within(where, "dest_core", dest, 0, n_cores - 1)


def _usage(c: Checker, usage, n_cores: int) -> None:
    c.instance("program", "usage", usage, CoreUsage)
    for field in LIMITS:
        value = getattr(usage, field)
        if value is None and field == "parameter_sets":
            continue
        c.within("core usage", field, c.array("core usage", field, value, INTEGER, (n_cores,)), 0, 2**62)
    limits = c.instance("core usage", "limits", usage.limits, dict)
    for field, limit in limits.items():
        if field not in LIMITS:
            raise c.fail("core usage", "limits", field, f"must be one of {', '.join(LIMITS)}")
        if limit is not None:
            c.integer("core usage", f"limits['{field}']", limit, 1, 2**62)


def _probes(c: Checker, probes, pops: dict) -> None:
    c.instance("program", "probes", probes, (tuple, list))
    for probe in probes:
        if not isinstance(probe, (tuple, list)) or len(probe) != 3:
            raise c.fail("program", "probe", probe, "must be a (population, indices, variable) triple")
        name, indices, variable = probe
        if not isinstance(name, str) or name not in pops:
            raise c.fail("probe", "population", name, "must name a population of the program")
        pop = pops[name]
        where = f"probe of '{name}'"
        if not isinstance(indices, np.ndarray) or indices.ndim != 1:
            raise c.fail(where, "indices", indices, "must be a 1-D array of neuron indices")
        c.within(where, "indices", c.array(where, "indices", indices, INTEGER, indices.shape), 0, pop.size - 1,
                 f"must index the population's {pop.size} neurons")
        if variable == "spikes":
            continue
        receptor_vars = pop.receptors.to_physical if pop.receptors is not None else {}
        soma_vars = () if pop.is_source else [v for v in SOMAS[pop.model].probes if v in pop.to_physical]
        if not isinstance(variable, str) or (variable not in soma_vars and variable not in receptor_vars):
            allowed = ["spikes", *soma_vars, *receptor_vars]
            raise c.fail(where, "variable", variable, f"must be one of {', '.join(allowed)}")


# -- messages --------------------------------------------------------------------------------

def _describe(value) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}" if value.size > 6 else np.array2string(value, separator=", ")
    if isinstance(value, (np.generic, float)):
        return f"{value:g}" if isinstance(value, (float, np.floating)) else str(value)
    if isinstance(value, str) and value.startswith(("a ", "an ")):
        return value  # already a description ("an array of int64")
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _first(values: np.ndarray, bad: np.ndarray):
    """The first value where ``bad`` holds (a numpy scalar)."""
    return np.asarray(values).reshape(-1)[int(np.flatnonzero(np.asarray(bad).reshape(-1))[0])]


def _at(field: str, values, bad, offset: int = 0) -> str:
    """``field[i]`` for the first bad position ``i`` (multi-dimensional positions as tuples)."""
    values, bad = np.asarray(values), np.asarray(bad)
    if values.ndim == 0 or not bad.any():
        return field
    flat = int(np.flatnonzero(bad.reshape(-1))[0])
    where = np.unravel_index(flat, values.shape)
    index = ", ".join(str(int(i) + offset) for i in where)
    return f"{field}[{index}]"


def _kinds(kinds: str) -> str:
    names = {"b": "booleans", "i": "integers", "u": "integers", "f": "floats"}
    return " or ".join(dict.fromkeys(names[k] for k in kinds))
