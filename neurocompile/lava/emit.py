"""Turn a :class:`~neurocompile.lava.plan.LavaPlan` into wired Lava processes.

* LIF/LI populations Lava's LIF can run -> ``lava.proc.lif.process.LIF`` (fixed point:
  ``PyLifModelBitAcc``); the others -> :class:`~.processes.NcLif`; AdEx -> :class:`~.processes.NcAdex`.
* Spike sources -> ``RingBuffer`` holding the host spike trains, generated with the source's
  ``iter_spikes`` exactly as the emulator generates them.
* Projections -> ``Sparse``/``Dense`` (``DelaySparse``/``DelayDense`` with Lava delay ``d - 1``
  where delays exceed one step), with our mantissas, ``weight_exp`` and sign mode and Lava's
  default ``num_weight_bits = 8``. Before emitting, the mantissas go through Lava's own
  ``clip_weights``/``truncate_weights``: if Lava would change any, that is a BuildError.
* Every neuron process's ``s_out`` gets an ``Extractor`` and every probed Var a ``VarWire``.
"""
import dataclasses
from dataclasses import dataclass, field

import numpy as np

from neurocompile.chip.host import BiasSchedule, bias_value
from neurocompile.errors import BuildError
from neurocompile.lava.plan import (FULL_WIDTH_BIAS, LAVA_LIF, NC_ADEX, NC_HH, NC_LIF, SIGN_MODES, SOURCE, LavaPlan,
                                    SynapseBlock)

#: Steps the taps buffer; runs proceed in chunks of at most this many steps.
TAP_BUFFER_STEPS = 256


@dataclass
class LavaGraph:
    """Wired Lava processes of one program, ready to run for up to ``horizon_steps`` steps.

    ``neurons``: population -> Lava process (None for a source without projections: its spikes
    are known on the host). ``synapses``: block name -> Lava connection process.
    ``spike_taps``: population -> Extractor of ``s_out``. ``trace_taps``: (population,
    variable) -> VarWire of the Var. ``source_spikes``: source population -> (n, horizon) raster.
    """

    neurons: dict
    synapses: dict
    spike_taps: dict
    trace_taps: dict
    source_spikes: dict
    horizon_steps: int
    links: list = field(default_factory=list)
    weight_taps: dict = field(default_factory=dict)

    @property
    def anchor(self):
        """A process through which Lava finds (compiles, runs, stops) the whole graph."""
        return next(p for p in self.neurons.values() if p is not None)


def build_graph(program, plan: LavaPlan, horizon_steps: int) -> LavaGraph:
    """Create and wire the Lava processes of ``program`` (sources cover ``horizon_steps`` steps)."""
    qnet = program.quantized
    initial_bias = BiasSchedule(qnet.bias_updates).initial()
    source_spikes = {name: _source_raster(program, name, horizon_steps)
                     for name, n in plan.neurons.items() if n.kind == SOURCE}
    has_output = {b.pre for b in plan.blocks}
    neurons = {}
    for name, n in plan.neurons.items():
        q = qnet.populations[name]
        if n.kind == SOURCE:
            neurons[name] = _ring_buffer(name, source_spikes[name]) if name in has_output else None
        else:
            neurons[name] = _neuron_process(n.kind, q, plan.precision, qnet, initial_bias.get(name))
    synapses = {}
    engine = program.target.learning
    epoch_log2 = engine.epoch_log2 if engine is not None else 0
    for block in plan.blocks:
        proc = _connection(block, plan.neurons[block.post].size, epoch_log2)
        neurons[block.pre].s_out.connect(proc.s_in)
        if block.learning is not None:  # the learning rule reads the postsynaptic spikes too
            neurons[block.post].s_out.connect(proc.s_post)
        proc.a_out.connect(getattr(neurons[block.post], block.port))
        synapses[block.name] = proc
    if not any(p is not None for p in neurons.values()):
        raise BuildError(f"Program '{program.name}': no neuron to run in Lava (only unconnected sources)")
    links = _link_components(plan, neurons)
    spike_taps, trace_taps = _taps(program, plan, neurons, TAP_BUFFER_STEPS)
    weight_taps = _weight_taps(plan, synapses, TAP_BUFFER_STEPS)
    return LavaGraph(neurons, synapses, spike_taps, trace_taps, source_spikes, horizon_steps, links, weight_taps)


# ------------------------------------------------------------------------------------------
# Neurons and sources


def _source_raster(program, name: str, n_steps: int) -> np.ndarray:
    q = program.quantized.populations[name]
    raster = np.zeros((q.size, n_steps), dtype=np.int32)
    spikes = program.sources[name].iter_spikes(q.size, n_steps, program.quantized.dt,
                                               program.quantized.seed, name)
    for step, idx in enumerate(spikes):
        raster[idx, step] = 1
    return raster


def _ring_buffer(name: str, raster: np.ndarray):
    from lava.proc.io.source import RingBuffer
    # RingBuffer sends column t at Lava time_step t + 1, which is our step t (docs/chip.md s. 7).
    source = RingBuffer(data=raster)
    source.name = name  # RingBuffer takes no name argument
    return source


def _initial_params(kind: str, q, bias_update):
    """The population's parameter record with its bias registers from step 0."""
    if bias_update is None:
        return q.params
    if kind in FULL_WIDTH_BIAS:
        return dataclasses.replace(q.params, bias=bias_value(bias_update.bias_mant, bias_update.bias_exp))
    return dataclasses.replace(q.params, bias_mant=bias_update.bias_mant, bias_exp=bias_update.bias_exp)


def _neuron_process(kind: str, q, precision, qnet, bias_update):
    """The Lava process of population ``q`` of ``qnet`` (``bias_update``: its registers from step
    0, if any); our LIF/AdEx process with receptor elements when ``q`` has them."""
    shape = (q.size,)
    params = _initial_params(kind, q, bias_update)
    common = dict(shape=shape, params=params, precision=precision, name=q.name)
    elements = {}
    if q.receptors is not None:  # receptor-major elements (docs/chip.md section 4.5)
        r = q.receptors
        rows, lut = r.element_rows()
        elements = dict(rows=rows, lut=lut, r0=r.state["r0"].reshape(-1), r1=r.state["r1"].reshape(-1))
    if kind == NC_ADEX:
        from neurocompile.lava.processes import NcAdex, NcAdexReceptors
        process = NcAdexReceptors if elements else NcAdex
        return process(x=q.state["x"], w=q.state["w"], i_syn=q.state["i_syn"], table=qnet.exp_table, **common,
                       **elements)
    if kind == NC_HH:
        from neurocompile.lava.processes import NcHH
        return NcHH(x=q.state["x"], w=q.state["w"], i_syn=q.state["i_syn"], m=q.state["m"], h=q.state["h"],
                    n=q.state["n"], table=qnet.exp_table, gate_tables=qnet.gate_tables, **common)
    if kind == NC_LIF:
        from neurocompile.lava.processes import NcLif, NcLifReceptors
        process = NcLifReceptors if elements else NcLif
        return process(u=q.state["u"], v=q.state["v"], **common, **elements)
    if kind != LAVA_LIF:
        raise BuildError(f"Population '{q.name}': no Lava process of kind {kind!r}")
    from lava.proc.lif.process import LIF
    return LIF(shape=shape, u=q.state["u"], v=q.state["v"], du=int(params.field("du")[0]),
               dv=int(params.field("dv")[0]), vth=int(params.field("vth_mant")[0]),
               bias_mant=params.field("bias_mant").copy(), bias_exp=params.field("bias_exp").copy(), name=q.name)


# ------------------------------------------------------------------------------------------
# Connections


def _connection(block: SynapseBlock, n_post: int, epoch_log2: int = 0):
    """The Lava connection of ``block`` (onto a population of ``n_post`` neurons); a plastic
    block learns in epochs of ``2**epoch_log2`` steps (the target's ``[learning]``)."""
    if block.learning is not None:
        from neurocompile.chip.learning import column_index
        from neurocompile.lava.processes import NcPlasticConnection
        p = block.plastic
        n_out, n_pre = block.weights.shape
        return NcPlasticConnection(n_pre=n_pre, n_out=n_out, n_post=n_post, indptr=p["indptr"], post=p["post"],
                                   first=p["first"], delay=p["delay"], weight=p["weight"], mant=p["mant"],
                                   weight_exp=block.weight_exp, learning=block.learning,
                                   columns=column_index(p["indptr"], p["post"] - p["first"], n_post),
                                   probed=p["probed"], epoch_log2=epoch_log2, name=block.name)
    if block.stp is not None or block.gate is not None:
        from neurocompile.lava.processes import NcGatedConnection, NcStpConnection
        pre, post, mant, delay = block.synapses
        n_out, n_pre = block.weights.shape
        common = dict(n_pre=n_pre, n_out=n_out, pre=pre, post=post, mant=mant, delay=delay,
                      weight_exp=block.weight_exp, name=block.name)
        if block.gate is not None:
            return NcGatedConnection(gate=block.gate, **common)
        return NcStpConnection(stp=block.stp, **common)
    from lava.utils.weightutils import SignMode
    sign_mode = getattr(SignMode, SIGN_MODES[block.sign_mode])
    check_weights_survive_lava(block, sign_mode)
    common = dict(weight_exp=block.weight_exp, num_weight_bits=8, sign_mode=sign_mode, name=block.name)
    if block.dense:
        from lava.proc.dense.process import DelayDense, Dense
        weights = block.weights.toarray()
        if block.delays is None:
            return Dense(weights=weights, **common)
        return DelayDense(weights=weights, delays=block.delays.toarray(), **common)
    from lava.proc.sparse.process import DelaySparse, Sparse
    if block.delays is None:
        return Sparse(weights=block.weights, **common)
    return DelaySparse(weights=block.weights, delays=block.delays, **common)


def check_weights_survive_lava(block: SynapseBlock, sign_mode) -> None:
    """Raise BuildError if Lava's fixed-point models would alter any of the block's mantissas.

    Lava's bit-accurate Dense/Sparse models clip the weights to the sign mode's range and
    truncate ``8 - num_weight_bits + is_mixed`` low bits once, before the first step; this runs
    the same two functions of Lava on our mantissas.
    """
    from lava.utils.weightutils import clip_weights, truncate_weights
    mant = block.weights.data.astype(np.int32)
    lava = truncate_weights(clip_weights(mant, sign_mode, num_bits=8), sign_mode, 8)
    changed = np.flatnonzero(lava != mant)
    if changed.size:
        k = int(changed[0])
        raise BuildError(
            f"Projection '{block.projection}': weight mantissa {int(mant[k])} becomes {int(lava[k])} in "
            f"Lava ({changed.size} synapse(s) altered) with sign mode {sign_mode.name} and "
            "num_weight_bits = 8; Lava takes 0..255 (excitatory), -255..0 (inhibitory) or even "
            "-256..254 (mixed). The program's mantissas do not follow that rule: recompile with "
            "weight_mantissa_bits = 9 in the target's [precision]")


def _link_components(plan: LavaPlan, neurons: dict) -> list:
    """Lava runs the processes connected to the one it is called on. Parts of the network that
    share no projection are joined by an empty Sparse (no synapse, so no effect on any state)."""
    from lava.proc.sparse.process import Sparse
    import scipy.sparse as sp

    names = [n for n, p in neurons.items() if p is not None]
    parent = {n: n for n in names}

    def root(n):
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    for b in plan.blocks:
        parent[root(b.pre)] = root(b.post)
    receivers = [n for n in names if plan.neurons[n].kind != SOURCE]
    hub = receivers[0]
    links = []
    for n in names:
        if root(n) != root(hub):
            link = Sparse(weights=sp.csr_matrix((plan.neurons[hub].size, plan.neurons[n].size), dtype=np.int32),
                          name=f"link {n}->{hub}")
            neurons[n].s_out.connect(link.s_in)
            link.a_out.connect(neurons[hub].a_in)
            parent[root(n)] = root(hub)
            links.append(link)
    return links


# ------------------------------------------------------------------------------------------
# Probes


def _taps(program, plan: LavaPlan, neurons: dict, buffer_steps: int):
    """Extractors on every neuron process's ``s_out`` (spike counts for all, rasters for the
    probed) and VarWires on probed Vars. Both stream each step's array to the host through a
    channel of ``buffer_steps`` slots, which the run drains after every chunk of that many
    steps. (Lava's Monitor would do, but reading its record back costs one message per
    number, far too slow for rasters of thousands of neurons.)"""
    from lava.proc.io.extractor import Extractor, VarWire
    spike_taps = {}
    for name, proc in neurons.items():
        if proc is None or plan.neurons[name].kind == SOURCE:
            continue  # host spikes are known without running
        tap = Extractor(shape=(plan.neurons[name].size,), buffer_size=buffer_steps)
        proc.s_out.connect(tap.in_port)
        spike_taps[name] = tap
    trace_taps = {}
    for name, _indices, variable in program.probes:
        if variable == "spikes" or (name, variable) in trace_taps:
            continue
        var_name = plan.neurons[name].variables.get(variable)
        if var_name is None:
            raise BuildError(f"Probe of '{variable}' on population '{name}': its Lava process "
                             f"({plan.neurons[name].kind}) has no such state variable")
        tap = VarWire(buffer_size=buffer_steps)
        tap.connect_var(getattr(neurons[name], var_name))
        trace_taps[(name, variable)] = tap
    return spike_taps, trace_taps


def _weight_taps(plan: LavaPlan, synapses: dict, buffer_steps: int) -> dict:
    """A VarWire on the ``probed`` Var of every plastic connection with weight probes."""
    from lava.proc.io.extractor import VarWire
    taps = {}
    for block in plan.blocks:
        if block.learning is not None and block.plastic["probed"].size:
            tap = VarWire(buffer_size=buffer_steps)
            tap.connect_var(synapses[block.name].probed)
            taps[block.name] = tap
    return taps


def tap_models() -> dict:
    """Process models of the taps (Lava's Extractor/VarWire have two untagged models each)."""
    from lava.proc.io.extractor import Extractor, PyLoihiExtractorModel, PyLoihiVarWireModel, VarWire
    return {Extractor: PyLoihiExtractorModel, VarWire: PyLoihiVarWireModel}
