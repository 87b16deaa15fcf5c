"""Per-run inputs of a network or compiled program (``nc.simulate(net, duration, inputs=...)``,
``Program.run(duration, inputs=...)``), batched or not.

``inputs`` maps population names to arrays:

* a spike-source population (Poisson, spike trains): a boolean raster ``(n_steps, size)``
  that replaces the source's own spikes, or ``(B, n_steps, size)`` for a batch of B samples;
* a neuron population (LIF, LI, AdEx): a constant injected current ``(size,)`` in the model's
  current unit (mV for LIF/LI, pA for AdEx), added for the whole run on top of the
  population's own drive (like a StepCurrent from time 0), or ``(B, size)`` for a batch.
  On the chip it becomes bias registers exactly as the quantizer converts step currents.

Either every array has the batch axis or none has. Populations not named run as compiled.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import invalid, unknown_names


@dataclass(frozen=True)
class RunInputs:
    """Validated inputs: ``batch`` is None for a single run, else the number of samples.

    ``spikes``: population -> bool (B, n_steps, size); ``currents``: population -> float (B, size)
    (B = 1 for a single run).
    """

    batch: int | None
    spikes: dict
    currents: dict

    @property
    def samples(self) -> int:
        return 1 if self.batch is None else self.batch

    def sample(self, index: int) -> "RunInputs":
        """The inputs of sample ``index`` alone (a single run)."""
        return RunInputs(None, {name: raster[index:index + 1] for name, raster in self.spikes.items()},
                         {name: current[index:index + 1] for name, current in self.currents.items()})


NO_INPUTS = RunInputs(None, {}, {})


def prepare_inputs(owner: str, inputs, n_steps: int, sizes: dict, sources: set, with_currents: set,
                   current_unit: dict) -> RunInputs:
    """Check ``inputs`` (see the module docstring); returns :class:`RunInputs`.

    ``owner`` names the run in errors; ``sizes``: population -> neurons; ``sources``: the
    spike-source populations; ``with_currents``: populations that already have step currents
    (they cannot take an input current too); ``current_unit``: population -> unit of its current.
    """
    if inputs is None:
        return NO_INPUTS
    if not isinstance(inputs, dict):
        raise invalid(owner, "inputs", type(inputs).__name__,
                      "must be a dict population name -> array")
    unknown = [name for name in inputs if name not in sizes]
    if unknown:
        raise unknown_names(owner, "inputs population", unknown, sizes)
    spikes, currents, batches = {}, {}, {}
    for name, value in inputs.items():
        size = sizes[name]
        array = np.asarray(value)
        where = f"inputs['{name}']"
        if name in sources:
            if array.dtype.kind not in "biu" or (array.size and array.dtype.kind != "b"
                                                 and not np.isin(array, (0, 1)).all()):
                raise invalid(owner, where, array.dtype, "must be a boolean spike raster")
            if array.ndim not in (2, 3) or array.shape[-2:] != (n_steps, size):
                raise invalid(owner, where, array.shape,
                              f"must have shape (n_steps, size) = ({n_steps}, {size}) or "
                              f"(batch, {n_steps}, {size})")
            batches[name] = array.shape[0] if array.ndim == 3 else None
            spikes[name] = array.astype(bool, copy=False).reshape(-1, n_steps, size)
        else:
            if name in with_currents:
                raise invalid(owner, where, name, "cannot be given: the population already has "
                              "step currents (bias updates); add the input to those instead")
            if array.dtype.kind not in "biuf" or not np.all(np.isfinite(array)):
                raise invalid(owner, where, array.dtype, f"must be finite currents ({current_unit[name]})")
            if array.ndim not in (1, 2) or array.shape[-1] != size:
                raise invalid(owner, where, array.shape,
                              f"must have shape (size,) = ({size},) or (batch, {size})")
            batches[name] = array.shape[0] if array.ndim == 2 else None
            currents[name] = array.astype(np.float64).reshape(-1, size)
    kinds = set(batches.values())
    if len(kinds) > 1:
        raise invalid(owner, "inputs", {k: v for k, v in batches.items()},
                      "must all have the same batch size, or all have none")
    batch = kinds.pop() if kinds else None
    if batch is not None and batch < 1:
        raise invalid(owner, "inputs batch size", batch, "must be >= 1")
    return RunInputs(batch, spikes, currents)
