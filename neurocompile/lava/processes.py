"""Our own Lava processes for chip features that Lava's standard processes lack.

* :class:`NcLif`: the chip's integer LIF with its extensions (refractory period, reset by
  subtraction, LI readout, per-neuron decays and thresholds).
* :class:`NcAdex`: the chip's fixed-point AdEx.

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

from neurocompile.chip.adex import ADEX_REGISTERS, adex_soma_step
from neurocompile.chip.dendrite import read_dendrite
from neurocompile.chip.host import bias_value
from neurocompile.chip.lif import LIF_REGISTERS, lif_soma_step


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


class _ChipSomaModel(PyLoihiProcessModel):
    """What our process models share: each step, read the dendrite as the chip does, run the
    chip's update (:meth:`update`), keep the new registers and send the spikes."""

    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=24)
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, bool, precision=1)
    refractory_left: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=6)
    #: The state registers (Vars of the process, fields of the update's result).
    registers: tuple = ()

    def update(self, a_in: np.ndarray, step: int):
        raise NotImplementedError

    def run_spk(self):
        step = self.time_step - 1  # Lava's time_step k is our step k - 1
        a_in = read_dendrite(self.a_in.recv().astype(np.int64), self.proc_params["precision"], step=step,
                             owner=f"dendrite ({self.proc_params['name']})")
        result = self.update(a_in, step)
        for register in self.registers:
            getattr(self, register)[:] = getattr(result, register)
        self.refractory_left[:] = result.refractory_left
        self.s_out.send(result.spiked)


@implements(proc=NcLif, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyNcLifModel(_ChipSomaModel):
    """Calls :func:`neurocompile.chip.lif.lif_soma_step` once per step on all neurons."""

    u: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=24)
    v: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=24)
    bias_mant: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=13)
    bias_exp: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=3)
    registers = LIF_REGISTERS

    def update(self, a_in, step):
        return lif_soma_step(self.u, self.v, a_in, self.proc_params["params"], self.proc_params["precision"],
                             refractory_left=self.refractory_left, bias=bias_value(self.bias_mant, self.bias_exp),
                             step=step, owner=self.proc_params["name"])


@implements(proc=NcAdex, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyNcAdexModel(_ChipSomaModel):
    """Calls :func:`neurocompile.chip.adex.adex_soma_step` once per step on all neurons."""

    x: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=24)
    w: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=24)
    i_syn: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=24)
    bias: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=24)
    registers = ADEX_REGISTERS

    def update(self, a_in, step):
        return adex_soma_step(self.x, self.w, self.i_syn, a_in, self.proc_params["params"],
                              self.proc_params["table"], self.proc_params["precision"],
                              bias=self.bias.astype(np.int64), refractory_left=self.refractory_left,
                              step=step, owner=self.proc_params["name"])
