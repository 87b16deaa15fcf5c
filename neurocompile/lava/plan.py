"""What the Lava graph of a compiled program consists of, decided without importing Lava.

The plan maps every population to one Lava neuron process and every projection to one or
more Lava connection blocks, and records why a population needs one of our own processes
instead of Lava's LIF. Everything here is numpy/scipy on the compiled program's integers;
:mod:`.emit` turns the plan into Lava processes.

Timing (docs/chip.md sections 3.2 and 11): our step ``k`` is Lava's ``time_step = k + 1``. A
spike of step ``k`` through a synapse of delay ``d`` (>= 1) is integrated in step ``k + d``.
Lava's ``Sparse``/``Dense`` deliver one step later, which is ``d = 1``; ``DelaySparse`` /
``DelayDense`` with a Lava delay ``j`` deliver ``1 + j`` steps later, so ``j = d - 1``.
"""
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from neurocompile.chip import SOMAS
from neurocompile.chip.dendrite import floor_groups, floors_each_group
from neurocompile.errors import BuildError
from neurocompile.target import LOIHI_PRECISION

#: Neuron process kinds: Lava's own LIF, our integer LIF / nonlinear-soma (AdEx, ExpIF,
#: Izhikevich) / HH processes, host spike source.
LAVA_LIF = "lava.LIF"
NC_LIF = "NcLif"
NC_ADEX = "NcAdex"
NC_HH = "NcHH"
#: Kinds whose bias register is one full-width integer (``bias``), not a mantissa and exponent.
FULL_WIDTH_BIAS = (NC_ADEX, NC_HH)
SOURCE = "RingBuffer"

#: Lava's weight sign modes by our quantizer's ``sign_mode`` (lava.utils.weightutils.SignMode names).
SIGN_MODES = {"excitatory": "EXCITATORY", "inhibitory": "INHIBITORY", "mixed": "MIXED"}

#: A projection block becomes a Dense instead of a Sparse when at least this fraction of its
#: (post, pre) matrix is non-zero and the matrix is small; Dense is then faster in Lava's
#: CPU simulation and identical in arithmetic.
DENSE_MIN_DENSITY = 0.25
DENSE_MAX_ENTRIES = 1 << 20


@dataclass(frozen=True)
class NeuronPlan:
    """One population as one Lava process.

    ``kind``: :data:`LAVA_LIF`, :data:`NC_LIF`, :data:`NC_ADEX`, :data:`NC_HH` or :data:`SOURCE`.
    ``reason``: why a custom process is used (empty for Lava's own processes).
    ``variables``: our probe variable name -> the process's Var name; ``offsets``: where a
    variable's neurons start in that Var (a receptor's in the elements' ``r0``/``r1``).
    ``receptors``: the receptor names of a population with receptor elements (docs/chip.md
    section 4.5), in element order; its process then has the elements and their port ``e_in``.
    """

    name: str
    kind: str
    size: int
    reason: str = ""
    variables: dict = field(default_factory=dict)
    offsets: dict = field(default_factory=dict)
    receptors: tuple = ()

    @property
    def runs_on_loihi(self) -> bool:
        """Lava's standard processes map to Loihi; our Python-only processes do not."""
        return self.kind in (LAVA_LIF, SOURCE)


@dataclass(frozen=True)
class SynapseBlock:
    """One Lava connection process: a (post, pre) matrix of weight mantissas.

    ``delays`` holds Lava delays (``d - 1``) in the same sparsity pattern, or None when every
    synapse has ``d = 1`` (plain Sparse/Dense). ``weight_exp`` and ``sign_mode`` are the
    projection's; ``dense`` picks Dense/DelayDense over Sparse/DelaySparse. ``port``: the post
    process's input port (``a_in``, or ``e_in`` for a receptor, whose rows then start at the
    receptor's elements).
    """

    name: str
    projection: str
    pre: str
    post: str
    weights: sp.csr_matrix
    delays: sp.csr_matrix | None
    weight_exp: int
    sign_mode: str
    dense: bool
    port: str = "a_in"
    stp: np.ndarray | None = None
    synapses: tuple | None = None
    gate: np.ndarray | None = None
    learning: np.ndarray | None = None
    plastic: dict | None = None

    @property
    def lava_class(self) -> str:
        if self.learning is not None:
            return "NcPlasticConnection"
        if self.stp is not None:
            return "NcStpConnection"
        if self.gate is not None:
            return "NcGatedConnection"
        base = "Dense" if self.dense else "Sparse"
        return base if self.delays is None else f"Delay{base}"


@dataclass(frozen=True)
class LavaPlan:
    """The whole graph: neuron processes, connection blocks and the bias-update schedule."""

    neurons: dict
    blocks: tuple
    bias_updates: tuple
    precision: object


def plan_program(program, native_lif: bool = True) -> LavaPlan:
    """Plan the Lava graph of ``program``; ``native_lif=False`` uses our LIF process everywhere."""
    qnet = program.quantized
    precision = program.target.precision
    neurons = {name: _plan_neurons(q, precision, native_lif) for name, q in qnet.populations.items()}
    blocks = []
    for qp in qnet.projections:
        post = qnet.populations[qp.post]
        if qp.receptor:  # the receptor's rows of the elements' port (receptor-major)
            first = post.receptors.index(qp.receptor) * post.size
            blocks.extend(_plan_blocks(qp, qnet.populations[qp.pre].size, len(post.receptors.names) * post.size,
                                       first, "e_in", probed=program.weight_probes.get(qp.name)))
        else:
            blocks.extend(_plan_blocks(qp, qnet.populations[qp.pre].size, post.size,
                                       probed=program.weight_probes.get(qp.name)))
    return LavaPlan(neurons, tuple(blocks), tuple(qnet.bias_updates), precision)


# ------------------------------------------------------------------------------------------
# Neurons


def _plan_neurons(q, precision, native_lif: bool) -> NeuronPlan:
    if q.is_source:
        return NeuronPlan(q.name, SOURCE, q.size)
    variables = dict(SOMAS[q.model].probes)  # our Lava processes name their Vars after the registers
    if q.receptors is not None:
        offsets = {}
        for variable, (receptor, register, _) in q.receptors.to_physical.items():
            variables[variable] = register
            offsets[variable] = receptor * q.size
        kind = NC_ADEX if SOMAS[q.model].bank == "AdEx" else NC_LIF
        return NeuronPlan(q.name, kind, q.size, "receptor elements (docs/chip.md section 4.5)", variables, offsets,
                          tuple(q.receptors.names))
    if q.model == "HH":
        return NeuronPlan(q.name, NC_HH, q.size, "HH has no Lava process (our NcHH runs the chip's HH row with its "
                          "gate tables)", variables)
    if SOMAS[q.model].bank == "AdEx":
        return NeuronPlan(q.name, NC_ADEX, q.size, f"{q.model} has no Lava process (our NcAdex runs the chip's "
                          "nonlinear soma)", variables)
    reason = lava_lif_obstacle(q, precision) if native_lif else "native_lif=False"
    return NeuronPlan(q.name, NC_LIF if reason else LAVA_LIF, q.size, reason, variables)


def lava_lif_obstacle(q, precision) -> str:
    """Why Lava's fixed-point LIF cannot run population ``q`` bit-exactly ('' if it can).

    Lava's ``PyLifModelBitAcc`` is our LIF without extensions, with one ``du``, ``dv`` and
    ``vth`` per process (docs/chip.md section 11). An LI population becomes a Lava LIF with the
    largest threshold; the run checks that it never spikes.
    """
    p = q.params
    if p.field("refractory_steps").any():
        return (f"refractory period ({int(p.field('refractory_steps').max())} steps): Lava's LIFRefractory "
                "has no fixed-point model")
    if p.field("reset_subtract").any():
        return "reset by subtraction: Lava's LIF resets to 0"
    if p.field("reset_value").any():
        return "reset value other than 0: Lava's LIF resets to 0"
    if p.field("reset_delay").any():
        return "reset one step after the spike (a trained network's rule): Lava's LIF resets at once"
    if p.field("bias_to_current").any():
        return "bias into the synaptic current: Lava's LIF adds its bias to the voltage"
    if p.field("threshold_inclusive").any():
        return "spikes at v >= threshold: Lava's LIF spikes at v > threshold"
    for name in ("du", "dv", "vth_mant"):
        values = p.field(name)
        if values.size and np.any(values != values[0]):
            return f"per-neuron {name}: Lava's LIF has one {name} per process"
    if np.any(p.field("bias_exp") < 0):
        return "negative bias_exp"
    if precision.soma_widths != LOIHI_PRECISION.soma_widths:
        return (f"soma widths (state, decay, shift, refractory bits) {precision.soma_widths} differ from "
                f"Loihi's {LOIHI_PRECISION.soma_widths}")
    return ""


# ------------------------------------------------------------------------------------------
# Synapses


def _plan_blocks(qp, pre_size: int, post_size: int, first: int = 0, port: str = "a_in",
                 probed=None) -> list[SynapseBlock]:
    """Connection blocks of one quantized projection (onto rows ``first + post`` of a port
    with ``post_size`` rows).

    A Lava connection holds one synapse per (post, pre) pair. Multapses are split over
    several blocks; with ``weight_exp >= 0`` that is exact, since shifting left distributes
    over sums. With ``weight_exp < 0`` the floor applies to each step's sum per delay
    (docs/chip.md section 3.1), so synapses with equal (pre, post, delay) are merged by adding
    their mantissas, and blocks never split one delay's sum.
    """
    pre = qp.pre_index
    post = qp.post_index.astype(np.int64) + first
    mant = qp.weight_mant.astype(np.int64)
    if qp.learning is not None:  # our plastic connection: the compiled CSR, register by register
        weights = sp.csr_matrix((mant.astype(np.int32), (post, pre)), shape=(post_size, pre_size))
        plastic = dict(indptr=np.asarray(qp.indptr, dtype=np.int64), post=post, first=first,
                       weight=qp.plastic_weight, mant=mant,
                       delay=qp.delay_steps.astype(np.int64),
                       probed=np.zeros(0, np.int64) if probed is None else np.asarray(probed, dtype=np.int64))
        return [SynapseBlock(qp.name, qp.name, qp.pre, qp.post, weights, None, int(qp.weight_exp), qp.sign_mode,
                             False, port, learning=qp.learning, plastic=plastic)]
    if qp.stp is not None or qp.gate is not None:  # our connection process: every synapse as it is
        weights = sp.csr_matrix((mant.astype(np.int32), (post, pre)), shape=(post_size, pre_size))
        return [SynapseBlock(qp.name, qp.name, qp.pre, qp.post, weights, None, int(qp.weight_exp), qp.sign_mode,
                             False, port, qp.stp, (pre, post, mant, qp.delay_steps.astype(np.int64)), qp.gate)]
    delay = qp.delay_steps.astype(np.int64)
    keep = mant != 0  # a zero mantissa adds nothing in any step
    pre, post, mant, delay = pre[keep], post[keep], mant[keep], delay[keep]
    if floors_each_group(qp.weight_exp):
        groups = _merge_equal_synapses(qp, pre, post, mant, delay)
    else:
        groups = _split_multapses(pre, post, mant, delay, pre_size)
    blocks = []
    for k, (g_pre, g_post, g_mant, g_delay) in enumerate(groups):
        name = qp.name if len(groups) == 1 else f"{qp.name}[{k}]"
        weights = sp.csr_matrix((g_mant.astype(np.int32), (g_post, g_pre)), shape=(post_size, pre_size))
        delays = None
        if g_delay.size and g_delay.max() > 1:
            delays = sp.csr_matrix(((g_delay - 1).astype(np.int64), (g_post, g_pre)),
                                   shape=(post_size, pre_size))
        entries = post_size * pre_size
        dense = entries <= DENSE_MAX_ENTRIES and g_mant.size >= DENSE_MIN_DENSITY * entries
        blocks.append(SynapseBlock(name, qp.name, qp.pre, qp.post, weights, delays,
                                   int(qp.weight_exp), qp.sign_mode, bool(dense), port))
    return blocks


def _split_multapses(pre, post, mant, delay, pre_size: int) -> list:
    """Groups in which every (pre, post) pair occurs once: occurrence k of a pair goes to group k."""
    if pre.size == 0:
        return [(pre, post, mant, delay)]
    key = post * pre_size + pre
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    first = np.r_[True, sorted_key[1:] != sorted_key[:-1]]
    start = np.maximum.accumulate(np.where(first, np.arange(key.size), 0))
    rank = np.empty(key.size, dtype=np.int64)
    rank[order] = np.arange(key.size) - start
    return [(pre[rank == k], post[rank == k], mant[rank == k], delay[rank == k])
            for k in range(int(rank.max()) + 1)]


def _merge_equal_synapses(qp, pre, post, mant, delay) -> list:
    """Negative exponent: add mantissas of equal (pre, post, delay); split by delay if pairs repeat."""
    keys = np.stack([pre, post, delay])
    unique, inverse = np.unique(keys, axis=1, return_inverse=True)
    inverse = np.asarray(inverse).ravel()
    summed = np.bincount(inverse, weights=mant, minlength=unique.shape[1]).astype(np.int64)
    low, high = _mantissa_range(qp.sign_mode)
    bad = (summed < low) | (summed > high)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise BuildError(
            f"Projection '{qp.name}': weight_exp = {qp.weight_exp} < 0 and synapses {unique[0, k]} -> "
            f"{unique[1, k]} with delay {unique[2, k]} repeat; their mantissas add up to {summed[k]}, "
            f"outside Lava's range {low}..{high} for sign mode '{qp.sign_mode}'. A Lava connection "
            "holds one synapse per pair, and with a negative exponent the pair cannot be split "
            "without changing the floor of the per-step sum")
    pre, post, delay = unique
    pairs = np.stack([pre, post])
    if np.unique(pairs, axis=1).shape[1] == pairs.shape[1]:
        return [(pre, post, summed, delay)]
    # One block per floor group (delay): Lava floors each block's sum separately, as the chip
    # floors each (projection, delay) group's.
    return [(pre[delay == d], post[delay == d], summed[delay == d], delay[delay == d])
            for d in floor_groups(delay).delays]


def _mantissa_range(sign_mode: str) -> tuple[int, int]:
    """Mantissas Lava passes unchanged with ``num_weight_bits = 8`` (mixed: even values only)."""
    return {"excitatory": (0, 255), "inhibitory": (-255, 0), "mixed": (-256, 254)}[sign_mode]
