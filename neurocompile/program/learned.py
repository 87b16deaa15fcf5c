"""Continue from learned weights: a program whose plastic projections start from the weights
a run ended with (docs/chip.md section 3.6).

A chip run's weights are whole registers times the projection's weight step, so they come
back exactly; a float run's are rounded to the nearest register within the bounds. With
``freeze=True`` the projections stop learning: they keep the learned weights as fixed
mantissas (the registers rounded as a plastic synapse delivers them), so the program runs
batches and costs no learning updates.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from ..chip.learning import L_FRACTION_BITS, L_W_MAX, L_W_MIN, delivered_mantissas
from ..errors import NetworkError


def with_weights(program, result, freeze: bool = False):
    """``program`` with each plastic projection's registers set from ``result.weights``
    (module docstring). Raises NetworkError when the program has no plastic projection or
    ``result`` has no weights of one (another network's run)."""
    plastic = [qp for qp in program.quantized.projections if qp.learning is not None]
    if not plastic:
        raise NetworkError(f"Program '{program.name}'.with_weights: the program has no plastic projection, so there "
                           "are no learned weights to write back")
    replaced = {}
    for qp in plastic:
        learned = result.weights(qp.name)
        if (learned.shape[0] != qp.indptr.size - 1 or not np.array_equal(learned.indptr, qp.indptr)
                or not np.array_equal(learned.indices, qp.post_index)):
            raise NetworkError(f"Program '{program.name}'.with_weights: the learned weights of '{qp.name}' have "
                               "another sparsity pattern than the program's synapses (a run of another network?)")
        row = qp.learning
        step = qp.report["stdp"]["weight_step"]
        register = np.clip(np.rint(learned.data / step), row[L_W_MIN], row[L_W_MAX]).astype(np.int32)
        bits = int(row[L_FRACTION_BITS])
        mant = delivered_mantissas(register, bits).astype(np.int16)
        if freeze:
            replaced[qp.name] = dataclasses.replace(qp, weight_mant=mant, learning=None, plastic_weight=None)
        else:
            replaced[qp.name] = dataclasses.replace(qp, weight_mant=mant, plastic_weight=register)
    quantized = dataclasses.replace(program.quantized, projections=tuple(
        replaced.get(qp.name, qp) for qp in program.quantized.projections))
    probes = {} if freeze else dict(program.weight_probes)
    return dataclasses.replace(program, quantized=quantized, weight_probes=probes)
