"""Our own Lava processes for chip features that Lava's standard processes lack.

* :class:`NcLif`: the chip's integer LIF with its extensions (refractory period, reset by
  subtraction, LI readout, per-neuron decays and thresholds).
* :class:`NcAdex`: the chip's fixed-point nonlinear soma (AdEx, ExpIF, Izhikevich rows).
* :class:`NcHH`: the same with the Hodgkin-Huxley row's gate registers and tables.
* :class:`NcStpConnection`: a projection with short-term plasticity (docs/chip.md section
  3.4), which Lava's connections cannot express: each spike's synapses scaled by its
  presynaptic neuron's efficacy, with the chip's delays and floors.
* :class:`NcPlasticConnection`: a plastic projection (docs/chip.md section 3.6): the chip's
  STDP rule with its integer traces and weight registers, which needs the postsynaptic spikes
  (a second input port ``s_post``). Lava's learning engine (``LearningDense`` with
  ``STDPLoihi``) runs another integer rule (its own trace widths, and stochastic rounding drawn
  from Lava's generator), so it cannot give the emulator's weights bit for bit.
* :class:`NcGatedConnection`: a projection onto an NMDA receptor (docs/chip.md section 3.5):
  its presynaptic gates rise every step and send their rises, graded, through the synapses.
* :class:`NcLifReceptors`, :class:`NcAdexReceptors`: the same with receptor elements
  (docs/chip.md section 4.5): a second input port ``e_in`` with one dendritic accumulator per
  element (receptor-major: element ``k n + i`` is receptor ``k`` of neuron ``i``) and the
  element registers ``r0``/``r1``.

Their process models (tag ``"fixed_pt"``) call :mod:`neurocompile.chip`, the one
implementation of the chip's arithmetic, so they compute exactly what the emulator computes.
They are Python process models: they run in Lava's CPU simulation (``Loihi2SimCfg``), not on
Loihi silicon, which would need a microcode neuron model.

Bias registers are Vars (``bias_mant``/``bias_exp``, or ``bias`` for AdEx) that the host
writes between runs, as it writes Lava LIF's ``bias_mant`` for step currents
(docs/chip.md section 7).
"""
from __future__ import annotations

# Imports are absolute in this package: when Lava's compiler searches process models it
# executes every module of this directory by file path, outside the package.
import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.process.ports.ports import InPort, OutPort
from lava.magma.core.process.process import AbstractProcess
from lava.magma.core.process.variable import Var
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from neurocompile.chip.adex import ADEX_REGISTERS, HH_REGISTERS, adex_soma_step
from neurocompile.chip.dendrite import read_dendrite
from neurocompile.chip.host import bias_value
from neurocompile.chip.lif import LIF_REGISTERS, lif_soma_step
from neurocompile.chip.learning import is_epoch_end, learning_step
from neurocompile.chip.nmda import (G_A, G_A_SHIFT, G_D_DECAY, G_D_RISE, GATE_FRACTION_BITS, GATE_ONE, GATE_X_LIMIT,
                                    nmda_gate_array)
from neurocompile.chip.receptors import add_contributions, owner_loads, receptor_step
from neurocompile.chip.short_term import (STP_D_FAC, STP_D_REC, STP_ONE, STP_U, stp_relax_array, stp_scaled_array,
                                          stp_spike_array)


class NcLif(AbstractProcess):
    """The chip's integer LIF/LI (docs/chip.md section 4) as a Lava process.

    Args:
        shape: ``(n,)``.
        u, v: initial current and voltage (state LSBs).
        params: :class:`~neurocompile.chip.LifParams` of the ``n`` neurons; its bias
            fields are the initial ``bias_mant``/``bias_exp`` Vars.
        precision: the target's :class:`~neurocompile.target.Precision`.
    """

    def __init__(self, *, shape, u, v, params, precision, name=None):
        super().__init__(shape=shape, params=params, precision=precision, name=name)
        self.a_in = InPort(shape=shape)
        self.s_out = OutPort(shape=shape)
        self.u = Var(shape=shape, init=np.asarray(u))
        self.v = Var(shape=shape, init=np.asarray(v))
        self.refractory_left = Var(shape=shape, init=0)
        self.bias_mant = Var(shape=shape, init=params.field("bias_mant"))
        self.bias_exp = Var(shape=shape, init=params.field("bias_exp"))


class NcAdex(AbstractProcess):
    """The chip's fixed-point AdEx (docs/chip.md section 5) as a Lava process.

    Args:
        shape: ``(n,)``.
        x, w, i_syn: initial state (V - E_L in voltage LSBs; w and I_syn in current LSBs).
        params: :class:`~neurocompile.chip.AdexParams`; ``params.bias`` is the
            initial ``bias`` Var (current LSBs).
        table: the :class:`~neurocompile.chip.ExpTable`. precision: the target's Precision.
    """

    def __init__(self, *, shape, x, w, i_syn, params, table, precision, name=None):
        super().__init__(shape=shape, params=params, table=table, precision=precision, name=name)
        self.a_in = InPort(shape=shape)
        self.s_out = OutPort(shape=shape)
        self.x = Var(shape=shape, init=np.asarray(x))
        self.w = Var(shape=shape, init=np.asarray(w))
        self.i_syn = Var(shape=shape, init=np.asarray(i_syn))
        self.refractory_left = Var(shape=shape, init=0)
        self.bias = Var(shape=shape, init=np.asarray(params.bias))


def _add_receptor_elements(process, rows, lut, r0, r1) -> None:
    """Give ``process`` its receptor elements: parameter rows (elements x columns, receptor-major),
    their magnesium-block tables, initial registers and the input port of their accumulators."""
    size = rows.shape[0]
    process.proc_params["receptor_rows"] = np.ascontiguousarray(rows, dtype=np.int64)
    process.proc_params["receptor_lut"] = np.ascontiguousarray(lut, dtype=np.int64)
    process.e_in = InPort(shape=(size,))
    process.r0 = Var(shape=(size,), init=np.asarray(r0))
    process.r1 = Var(shape=(size,), init=np.asarray(r1))


class NcLifReceptors(NcLif):
    """:class:`NcLif` with receptor elements; ``rows``: the elements'
    :data:`~neurocompile.chip.receptors.RECEPTOR_COLUMNS` rows, ``lut`` the magnesium-block
    tables they point into, ``r0``/``r1`` their registers."""

    def __init__(self, *, rows, lut, r0, r1, **kwargs):
        super().__init__(**kwargs)
        _add_receptor_elements(self, rows, lut, r0, r1)


class NcHH(NcAdex):
    """The chip's Hodgkin-Huxley row of the nonlinear soma (docs/chip.md section 5.9): an
    :class:`NcAdex` with the gate registers ``m``, ``h``, ``n`` (fractions of 2**22) and the
    cores' ``gate_tables`` (:class:`~neurocompile.chip.hh.GateTables`)."""

    def __init__(self, *, m, h, n, gate_tables, **kwargs):
        super().__init__(**kwargs)
        self.proc_params["gate_tables"] = gate_tables
        shape = self.x.shape
        self.m = Var(shape=shape, init=np.asarray(m))
        self.h = Var(shape=shape, init=np.asarray(h))
        self.n = Var(shape=shape, init=np.asarray(n))


class NcAdexReceptors(NcAdex):
    """:class:`NcAdex` with receptor elements (as :class:`NcLifReceptors`)."""

    def __init__(self, *, rows, lut, r0, r1, **kwargs):
        super().__init__(**kwargs)
        _add_receptor_elements(self, rows, lut, r0, r1)


class _ChipSomaModel(PyLoihiProcessModel):
    """What our process models share: each step, read the dendrite as the chip does, run the
    chip's update (:meth:`update`), keep the new registers and send the spikes."""

    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=24)
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, bool, precision=1)
    refractory_left: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=6)
    #: The state registers (Vars of the process, fields of the update's result).
    registers: tuple = ()

    def update(self, a_in: np.ndarray, step: int, elements):
        raise NotImplementedError

    def contributions(self, step: int):
        """The receptor elements' summed contributions and conductance loads per neuron
        (``(None, None)`` without elements)."""
        return None, None

    def run_spk(self):
        step = self.time_step - 1  # Lava's time_step k is our step k - 1
        a_in = read_dendrite(self.a_in.recv().astype(np.int64), self.proc_params["precision"], step=step,
                             owner=f"dendrite ({self.proc_params['name']})")
        result = self.update(a_in, step, self.contributions(step))
        for register in self.registers:
            getattr(self, register)[:] = getattr(result, register)
        self.refractory_left[:] = result.refractory_left
        self.s_out.send(result.spiked)


class _LifModel(_ChipSomaModel):
    """Calls :func:`neurocompile.chip.lif.lif_soma_step` once per step on all neurons (Lava
    forbids subclassing a decorated process model: the decorated ones below derive from this)."""

    u: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=24)
    v: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=24)
    bias_mant: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=13)
    bias_exp: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=3)
    registers = LIF_REGISTERS

    def update(self, a_in, step, elements):
        extra, load = elements
        return lif_soma_step(self.u, self.v, a_in, self.proc_params["params"], self.proc_params["precision"],
                             refractory_left=self.refractory_left, bias=bias_value(self.bias_mant, self.bias_exp),
                             extra=extra, load=load, step=step, owner=self.proc_params["name"])


class _AdexModel(_ChipSomaModel):
    """Calls :func:`neurocompile.chip.adex.adex_soma_step` once per step on all neurons."""

    x: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=24)
    w: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=24)
    i_syn: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=24)
    bias: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=24)
    registers = ADEX_REGISTERS

    def update(self, a_in, step, elements):
        extra, _ = elements  # the AdEx integrates its conductances in its own update
        return adex_soma_step(self.x, self.w, self.i_syn, a_in, self.proc_params["params"],
                              self.proc_params["table"], self.proc_params["precision"],
                              bias=self.bias.astype(np.int64), refractory_left=self.refractory_left,
                              extra=extra, step=step, owner=self.proc_params["name"])


class _HhModel(_AdexModel):
    """:class:`_AdexModel` with the gates: calls :func:`neurocompile.chip.adex.adex_soma_step`
    with ``gates`` and the gate tables."""

    m: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=24)
    h: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=24)
    n: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=24)
    registers = HH_REGISTERS

    def update(self, a_in, step, elements):
        return adex_soma_step(self.x, self.w, self.i_syn, a_in, self.proc_params["params"],
                              self.proc_params["table"], self.proc_params["precision"],
                              bias=self.bias.astype(np.int64), refractory_left=self.refractory_left,
                              gates=(self.m, self.h, self.n), gate_tables=self.proc_params["gate_tables"],
                              step=step, owner=self.proc_params["name"])


@implements(proc=NcLif, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyNcLifModel(_LifModel):
    """The chip's LIF (:class:`NcLif`)."""


@implements(proc=NcAdex, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyNcAdexModel(_AdexModel):
    """The chip's AdEx (:class:`NcAdex`)."""


@implements(proc=NcHH, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyNcHHModel(_HhModel):
    """The chip's HH row (:class:`NcHH`)."""


class _ReceptorElements:
    """Process-model part of the receptor elements: read their accumulators, update them with
    the owner's voltage before this step's update (:func:`neurocompile.chip.receptors.receptor_step`,
    as the emulator) and sum their contributions per neuron."""

    e_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=24)
    r0: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=24)
    r1: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=24)
    #: the Var holding the owner's voltage register
    voltage: str = ""

    def contributions(self, step):
        precision = self.proc_params["precision"]
        e_in = read_dendrite(self.e_in.recv().astype(np.int64), precision, step=step,
                             owner=f"dendrite ({self.proc_params['name']}, receptor elements)")
        v = getattr(self, self.voltage).astype(np.int64)
        owner = np.arange(self.r0.size, dtype=np.int64) % v.size  # receptor-major elements
        r0, r1, c, *_, load = receptor_step(self.r0, self.r1, e_in, v[owner], self.proc_params["receptor_rows"],
                                            self.proc_params["receptor_lut"], precision)
        self.r0[:] = r0
        self.r1[:] = r1
        extra = np.zeros(v.size, dtype=np.int64)
        add_contributions(c, owner, extra, precision.saturation_limit)
        return extra, owner_loads(load, owner, v.size)


@implements(proc=NcLifReceptors, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyNcLifReceptorsModel(_ReceptorElements, _LifModel):
    """The chip's LIF with receptor elements (:class:`NcLifReceptors`)."""

    voltage = "v"


@implements(proc=NcAdexReceptors, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyNcAdexReceptorsModel(_ReceptorElements, _AdexModel):
    """The chip's AdEx with receptor elements (:class:`NcAdexReceptors`)."""

    voltage = "x"


def _synapses_by_pre(n_pre, pre, post, mant, delay) -> dict:
    """A connection's synapses as a CSR over presynaptic neurons, with its delay groups."""
    order = np.lexsort((post, pre))  # synapses by presynaptic neuron, then as given
    pre, post, mant, delay = (np.asarray(a, dtype=np.int64)[order] for a in (pre, post, mant, delay))
    indptr = np.zeros(n_pre + 1, dtype=np.int64)
    np.cumsum(np.bincount(pre, minlength=n_pre), out=indptr[1:])
    delays = np.unique(delay) if delay.size else np.ones(1, dtype=np.int64)
    return dict(indptr=indptr, post=post, mant=mant, delay=delay, group=np.searchsorted(delays, delay),
                n_groups=delays.size, length=int(delays.max()) + 1)


class NcStpConnection(AbstractProcess):
    """A projection with short-term plasticity (docs/chip.md section 3.4) as a Lava connection.

    Args:
        n_pre, n_out: sizes of the presynaptic population and of the port it feeds.
        pre, post, mant, delay: its synapses (post as rows of that port; delays in steps, >= 1).
        weight_exp: the projection's exponent. stp: its :data:`~neurocompile.chip.short_term.STP_COLUMNS` row.
    """

    def __init__(self, *, n_pre, n_out, pre, post, mant, delay, weight_exp, stp, name=None):
        super().__init__(n_out=n_out, weight_exp=int(weight_exp), stp=np.asarray(stp, dtype=np.int64), name=name,
                         **_synapses_by_pre(n_pre, pre, post, mant, delay))
        self.s_in = InPort(shape=(n_pre,))
        self.a_out = OutPort(shape=(n_out,))
        self.u = Var(shape=(n_pre,), init=0)
        self.x = Var(shape=(n_pre,), init=STP_ONE)


class _RingConnectionModel(PyLoihiProcessModel):
    """What our connection models share: a ring of arrival steps per delay group (a spike of
    step ``k`` with delay ``d`` reaches the post process in step ``k + d``, as through Lava's
    connections), read out once per step and advanced."""

    s_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, bool, precision=1)
    a_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=24)

    def __init__(self, proc_params):
        super().__init__(proc_params)
        p = proc_params
        self.ring = np.zeros((p["n_groups"], p["length"], p["n_out"]), dtype=np.int64)
        self.slot = 0

    def _send(self, read) -> None:
        """Send this step's arrivals, each group's sum passed through ``read``, and clear them."""
        arriving = self.ring[:, self.slot]
        self.a_out.send(read(arriving).sum(axis=0).astype(np.int32))
        arriving[:] = 0

    def _add(self, rows: np.ndarray, per_row: np.ndarray, values_of) -> None:
        """Add ``values_of(synapses, their row's value)`` of the synapses of presynaptic
        neurons ``rows`` into their arrival slots, then advance the ring."""
        p = self.proc_params
        if rows.size:
            indptr = p["indptr"]
            synapses = np.concatenate([np.arange(indptr[j], indptr[j + 1]) for j in rows])
            values = values_of(synapses, np.repeat(per_row, indptr[rows + 1] - indptr[rows]))
            slots = (self.slot + p["delay"][synapses]) % p["length"]
            np.add.at(self.ring, (p["group"][synapses], slots, p["post"][synapses]), values)
        self.slot = (self.slot + 1) % p["length"]


@implements(proc=NcStpConnection, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyNcStpConnectionModel(_RingConnectionModel):
    """Each step: send what arrives now (each floor group's sum floored when the exponent is
    negative), relax every (u, x), and add the synapses of this step's spikes, scaled by their
    efficacies."""

    u: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=21)
    x: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=21)

    def run_spk(self):
        p = self.proc_params
        exp = p["weight_exp"]
        self._send(lambda arriving: arriving if exp >= 0 else arriving >> -exp)  # floor per group
        u, x = self.u.astype(np.int64), self.x.astype(np.int64)
        stp = p["stp"]
        stp_relax_array(u, x, stp[STP_D_FAC], stp[STP_D_REC])
        spiking = np.flatnonzero(self.s_in.recv()).astype(np.int64)
        efficacy = np.zeros(spiking.size, dtype=np.int64)
        stp_spike_array(u, x, spiking, stp[STP_U], efficacy)

        def scaled(synapses, row_efficacy):
            values = p["mant"][synapses] << exp if exp >= 0 else p["mant"][synapses].copy()
            out = np.zeros(synapses.size, dtype=np.int64)
            stp_scaled_array(values, row_efficacy, out)
            return out
        self._add(spiking, efficacy, scaled)
        self.u[:] = u
        self.x[:] = x


class NcGatedConnection(AbstractProcess):
    """A projection onto an NMDA receptor (docs/chip.md section 3.5) as a Lava connection:
    arguments as :class:`NcStpConnection`, with ``gate`` the projection's
    :data:`~neurocompile.chip.nmda.GATE_COLUMNS` row."""

    def __init__(self, *, n_pre, n_out, pre, post, mant, delay, weight_exp, gate, name=None):
        super().__init__(n_out=n_out, weight_exp=int(weight_exp), gate=np.asarray(gate, dtype=np.int64), name=name,
                         **_synapses_by_pre(n_pre, pre, post, mant, delay))
        self.s_in = InPort(shape=(n_pre,))
        self.a_out = OutPort(shape=(n_out,))
        self.x = Var(shape=(n_pre,), init=0)
        self.s = Var(shape=(n_pre,), init=0)


@implements(proc=NcGatedConnection, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyNcGatedConnectionModel(_RingConnectionModel):
    """Each step: send what arrives now (each delay group's wide sum rounded once), add this
    step's spikes to the gates' ``x``, advance every gate and add ``mantissa x rise`` of the
    rising ones, as the emulator does."""

    x: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=24)
    s: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=21)

    def run_spk(self):
        p = self.proc_params
        shift = GATE_FRACTION_BITS - p["weight_exp"]
        self._send(lambda arriving: (arriving + (1 << (shift - 1))) >> shift)
        x, s = self.x.astype(np.int64), self.s.astype(np.int64)
        spiking = np.flatnonzero(self.s_in.recv())
        x[spiking] = np.minimum(x[spiking] + GATE_ONE, GATE_X_LIMIT)
        gate = p["gate"]
        rise = np.zeros(x.size, dtype=np.int64)
        nmda_gate_array(x, s, gate[G_A], gate[G_A_SHIFT], gate[G_D_RISE], gate[G_D_DECAY], rise)
        rising = np.flatnonzero(rise)
        self._add(rising, rise[rising], lambda synapses, row_rise: p["mant"][synapses] * row_rise)
        self.x[:] = x
        self.s[:] = s


class NcPlasticConnection(AbstractProcess):
    """A plastic projection (docs/chip.md section 3.6) as a Lava connection: STDP as the chip
    runs it, on its weight registers ``weight`` (a Var: the learned registers after a run).

    Args:
        n_pre, n_out: sizes of the presynaptic population and of the port it feeds.
        n_post: the postsynaptic population's size (``s_post`` carries its spikes).
        indptr, post, delay: its synapses as the compiled CSR over presynaptic neurons (post as
            rows of the port, ``first`` the row of postsynaptic neuron 0; delays in steps).
        weight: the initial registers (int32); mant: what they deliver; weight_exp: the
            projection's exponent; learning: its :data:`~neurocompile.chip.learning.LEARNING_COLUMNS` row;
            columns: :func:`~neurocompile.chip.learning.column_index` of the synapses;
            probed: synapse indices whose registers the Var ``probed`` holds after each step;
            epoch_log2: the target's ``[learning] epoch_log2`` (weights change at the last step of
            each epoch of ``2**epoch_log2`` steps, counted from the run's step 0).
    """

    def __init__(self, *, n_pre, n_out, n_post, indptr, post, first, delay, weight, mant, weight_exp, learning,
                 columns, probed, epoch_log2=0, name=None):
        delay = np.asarray(delay, dtype=np.int64)
        delays = np.unique(delay) if delay.size else np.ones(1, dtype=np.int64)
        col_ptr, col_synapse, pre_of = columns
        super().__init__(n_out=n_out, weight_exp=int(weight_exp), learning=np.asarray(learning, dtype=np.int64),
                         indptr=np.asarray(indptr, dtype=np.int64), post=np.asarray(post, dtype=np.int64),
                         post_local=np.asarray(post, dtype=np.int64) - first, delay=delay,
                         group=np.searchsorted(delays, delay), n_groups=delays.size, length=int(delays.max()) + 1,
                         col_ptr=col_ptr, col_synapse=col_synapse, pre_of=pre_of,
                         probed_synapses=np.asarray(probed, dtype=np.int64), epoch_log2=int(epoch_log2), name=name)
        self.s_in = InPort(shape=(n_pre,))
        self.s_post = InPort(shape=(n_post,))
        self.a_out = OutPort(shape=(n_out,))
        self.weight = Var(shape=(max(len(weight), 1),), init=np.asarray(weight, dtype=np.int32) if len(weight) else 0)
        self.mant = Var(shape=(max(len(mant), 1),), init=np.asarray(mant, dtype=np.int32) if len(mant) else 0)
        self.x = Var(shape=(n_pre,), init=0)
        self.y = Var(shape=(n_post,), init=0)
        self.pre_flag = Var(shape=(n_pre,), init=0)  # 1: spiked in the current learning epoch
        self.post_flag = Var(shape=(n_post,), init=0)
        self.probed = Var(shape=(max(len(probed), 1),), init=0)


@implements(proc=NcPlasticConnection, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyNcPlasticConnectionModel(_RingConnectionModel):
    """Each step: send what arrives now (each floor group's sum floored when the exponent is
    negative), add the synapses of this step's presynaptic spikes with the mantissas their
    registers deliver, then learn from this step's pre- and postsynaptic spikes (weights change
    at the end of a learning epoch), as the emulator does after its deliveries."""

    s_post: PyInPort = LavaPyType(PyInPort.VEC_DENSE, bool, precision=1)
    weight: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=16)
    mant: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=16)
    x: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=31)
    y: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=31)
    pre_flag: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=1)
    post_flag: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=1)
    probed: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=16)

    def run_spk(self):
        p = self.proc_params
        exp = p["weight_exp"]
        self._send(lambda arriving: arriving if exp >= 0 else arriving >> -exp)  # floor per group
        pre_spiking = np.flatnonzero(self.s_in.recv()).astype(np.int64)
        post_spiking = np.flatnonzero(self.s_post.recv()).astype(np.int64)
        mant = self.mant.astype(np.int64)
        self._add(pre_spiking, np.zeros(pre_spiking.size, dtype=np.int64),
                  lambda synapses, _: mant[synapses] << exp if exp >= 0 else mant[synapses])
        n = p["post"].size
        weight, mant16 = self.weight[:n].astype(np.int32), mant[:n].astype(np.int16)
        x, y = self.x.astype(np.int32), self.y.astype(np.int32)
        pre_flag, post_flag = self.pre_flag.astype(np.uint8), self.post_flag.astype(np.uint8)
        epoch_end = is_epoch_end(self.time_step - 1, p["epoch_log2"])  # Lava's time_step k is our step k - 1
        learning_step(p["learning"], weight, mant16, x, y, pre_spiking, post_spiking, pre_flag, post_flag, epoch_end,
                      np.zeros(x.size, dtype=np.int64), np.zeros(y.size, dtype=np.int64), p["indptr"],
                      p["post_local"], p["col_ptr"], p["col_synapse"], p["pre_of"])
        self.weight[:n] = weight
        self.mant[:n] = mant16
        self.x[:] = x
        self.y[:] = y
        self.pre_flag[:] = pre_flag
        self.post_flag[:] = post_flag
        if p["probed_synapses"].size:
            self.probed[:] = weight[p["probed_synapses"]]
