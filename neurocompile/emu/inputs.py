"""Per-run inputs of a compiled program (``Program.run(duration, inputs=...)``), batched or not.

``inputs`` maps population names to arrays:

* a spike-source population (Poisson, spike trains): a boolean raster ``(n_steps, size)``
  that replaces the source's own spikes, or ``(B, n_steps, size)`` for a batch of B samples;
* a neuron population (LIF, LI, AdEx): a constant injected current ``(size,)`` in the model's
  current unit (mV for LIF/LI, pA for AdEx), added for the whole run on top of the
  population's own drive (like a StepCurrent from time 0), or ``(B, size)`` for a batch.
  It is converted into bias registers exactly as the quantizer converts step currents.

Either every array has the batch axis or none has. Populations not named run as compiled.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import invalid, unknown_names
from ..quantize.currents import bias_registers


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

    def sample(self, program, index: int):
        """(spike rasters name -> (n_steps, size), biases name -> (mant, exp)) of one sample."""
        precision = program.target.precision
        pops = program.quantized.populations
        biases = {name: bias_registers(pops[name], current[index], precision,
                                       f"Program.run: input current into '{name}' (sample {index})")
                  for name, current in self.currents.items()}
        return {name: raster[index] for name, raster in self.spikes.items()}, biases

    def sample_biases(self, program, samples: range) -> dict:
        """Bias registers name -> (mant, exp), each (len(samples), size), of a run of samples."""
        precision = program.target.precision
        pops = program.quantized.populations
        return {name: bias_registers(pops[name], current[samples.start:samples.stop], precision,
                                     f"Program.run: input current into '{name}' "
                                     f"(samples {samples.start}..{samples.stop - 1})")
                for name, current in self.currents.items()}


NO_INPUTS = RunInputs(None, {}, {})


def prepare_inputs(program, inputs, n_steps: int) -> RunInputs:
    """Check ``inputs`` against the program (see the module docstring); returns :class:`RunInputs`."""
    if inputs is None:
        return NO_INPUTS
    owner = f"Program '{program.name}'.run"
    if not isinstance(inputs, dict):
        raise invalid(owner, "inputs", type(inputs).__name__,
                      "must be a dict population name -> array")
    pops = program.quantized.populations
    unknown = [name for name in inputs if name not in pops]
    if unknown:
        raise unknown_names(owner, "inputs population", unknown, pops)
    updated = {u.population for u in program.quantized.bias_updates}
    spikes, currents, batches = {}, {}, {}
    for name, value in inputs.items():
        q = pops[name]
        array = np.asarray(value)
        where = f"inputs['{name}']"
        if q.model == "source":
            if array.dtype.kind not in "biu" or (array.size and array.dtype.kind != "b"
                                                 and not np.isin(array, (0, 1)).all()):
                raise invalid(owner, where, array.dtype, "must be a boolean spike raster")
            if array.ndim not in (2, 3) or array.shape[-2:] != (n_steps, q.size):
                raise invalid(owner, where, array.shape,
                              f"must have shape (n_steps, size) = ({n_steps}, {q.size}) or "
                              f"(batch, {n_steps}, {q.size})")
            batches[name] = array.shape[0] if array.ndim == 3 else None
            spikes[name] = array.astype(bool, copy=False).reshape(-1, n_steps, q.size)
        else:
            if name in updated:
                raise invalid(owner, where, name, "cannot be given: the population already has "
                              "step currents (bias updates); add the input to those instead")
            if array.dtype.kind not in "biuf" or not np.all(np.isfinite(array)):
                raise invalid(owner, where, array.dtype, "must be finite currents (mV for LIF/LI, pA for AdEx)")
            if array.ndim not in (1, 2) or array.shape[-1] != q.size:
                raise invalid(owner, where, array.shape,
                              f"must have shape (size,) = ({q.size},) or (batch, {q.size})")
            batches[name] = array.shape[0] if array.ndim == 2 else None
            currents[name] = array.astype(np.float64).reshape(-1, q.size)
    kinds = set(batches.values())
    if len(kinds) > 1:
        raise invalid(owner, "inputs", {k: v for k, v in batches.items()},
                      "must all have the same batch size, or all have none")
    batch = kinds.pop() if kinds else None
    if batch is not None and batch < 1:
        raise invalid(owner, "inputs batch size", batch, "must be >= 1")
    return RunInputs(batch, spikes, currents)
