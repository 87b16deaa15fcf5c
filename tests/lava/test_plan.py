"""The Lava graph's plan (neurocompile.lava.plan): timing, weights, multapses and which Lava
process runs each population. No Lava run is needed."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import neurocompile as nc
from neurocompile.errors import BuildError
from neurocompile.lava.plan import plan_program
from neurocompile.quantize import QuantizedProjection
from tests.helpers import compile_quietly, random_lif_network


def test_timing_and_weights_of_the_plan():
    program = compile_quietly(random_lif_network(0), "lava")
    plan = plan_program(program)
    qp = next(q for q in program.quantized.projections if q.name == "exc->exc")
    block = next(b for b in plan.blocks if b.projection == "exc->exc")
    pre = np.repeat(np.arange(qp.indptr.size - 1), np.diff(qp.indptr))
    keep = qp.weight_mant != 0
    # (post, pre) matrix of our mantissas; Lava delay = d - 1.
    assert block.weights.nnz == keep.sum()
    np.testing.assert_array_equal(np.asarray(block.weights[qp.post_index[keep], pre[keep]]).ravel(),
                                  qp.weight_mant[keep])
    np.testing.assert_array_equal(np.asarray(block.delays[qp.post_index[keep], pre[keep]]).ravel(),
                                  qp.delay_steps[keep] - 1)
    assert block.weight_exp == qp.weight_exp and block.sign_mode == qp.sign_mode


def quantized_projection(pre, post, mant, delay, exp, mode="excitatory", n_pre=3):
    """A hand-made quantized projection 'p' from population a (``n_pre`` neurons) to b."""
    pre = np.asarray(pre)
    order = np.argsort(pre, kind="stable")
    indptr = np.r_[0, np.cumsum(np.bincount(pre, minlength=n_pre))]
    return QuantizedProjection("p", "a", "b", indptr, np.asarray(post)[order].astype(np.int32),
                               np.asarray(mant)[order].astype(np.int16),
                               np.asarray(delay)[order].astype(np.int16), exp, mode)


def blocks_of(projection):
    """The plan's connection blocks of a lava-target program a (3 sources) -> b (2 LIF) whose
    only projection is ``projection``."""
    net = nc.Network("blocks", dt=0.1)
    a = net.spike_source("a", 3, times=[], indices=[])
    b = net.population("b", 2, nc.LIF(tau_mem=10.0, tau_syn=2.0, v_rest=0.0, v_reset=0.0, v_th=1.0))
    net.connect(a, b, nc.AllToAll(), weight=1.0)
    program = compile_quietly(net, "lava")
    quantized = dataclasses.replace(program.quantized, projections=(projection,))
    return plan_program(dataclasses.replace(program, quantized=quantized)).blocks


def test_multapses_split_into_blocks_or_merge_under_negative_exponent():
    # Pair 0->1 three times (two with delay 1), pair 2->0 once.
    args = ([0, 0, 0, 2], [1, 1, 1, 0], [100, 120, 7, 5], [1, 1, 3, 1])
    blocks = blocks_of(quantized_projection(*args, exp=1))
    assert len(blocks) == 3  # exact for exp >= 0: shifting left distributes over sums
    assert sum(b.weights.sum() for b in blocks) == 232
    assert all(b.weights.nnz == len({(r, c) for r, c in zip(*b.weights.nonzero())}) for b in blocks)
    # exp < 0: equal (pre, post, delay) merge (the chip floors their sum anyway); the pair
    # still repeats with another delay, so blocks split by delay.
    merged = blocks_of(quantized_projection(*args, exp=-1))
    assert [b.weights.sum() for b in merged] == [225, 7]
    with pytest.raises(BuildError, match="add up to 300"):
        blocks_of(quantized_projection([0, 0], [1, 1], [150, 150], [1, 1], exp=-2))


def test_populations_lava_lif_cannot_run_get_a_reason():
    plain = plan_program(compile_quietly(random_lif_network(0), "lava"))
    assert plain.neurons["exc"].kind == "lava.LIF" and plain.neurons["exc"].runs_on_loihi
    refractory = plan_program(compile_quietly(random_lif_network(0, refractory=0.3), "lava"))
    assert refractory.neurons["exc"].kind == "NcLif"
    subtract = plan_program(compile_quietly(random_lif_network(0, reset="subtract"), "lava"))
    assert "subtraction" in subtract.neurons["exc"].reason
