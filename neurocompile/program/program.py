"""A compiled program: the single source of truth that every back end runs.

It holds the quantized network (integer parameters and synapses), the placement (core of
every neuron), the multicast route tables derived from it, the host-side inputs (spike
sources, bias updates), the probes and the target. It is immutable: compiling again makes a
new program.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import BuildError, invalid
from .files import read_program, save_program


#: Quantization issues listed in a notebook's view of a program (the report has them all).
MAX_ISSUES_SHOWN = 20


@dataclass(frozen=True)
class Program:
    """What :func:`neurocompile.compile` returns; run it, report it, save it.

    Attributes:
        name: the network's name.
        target: the :class:`~neurocompile.target.Target` it was compiled for.
        quantized: the :class:`~neurocompile.quantize.QuantizedNetwork`.
        placement: the :class:`~neurocompile.place.Placement` (``core_of`` per population).
        routes: population -> :class:`~neurocompile.place.RouteTable`.
        usage: the :class:`~neurocompile.place.CoreUsage` per core.
        sources: population -> spike source model (generated on the host with the seed).
        probes: tuple of (population, indices, variable).
        info: compile options and versions.
        weight_probes: plastic projection -> synapse indices whose weights a run records per
            step (``net.probe_weights``).
    """

    name: str
    target: object
    quantized: object
    placement: object
    routes: dict
    usage: object
    sources: dict
    probes: tuple
    info: dict = field(default_factory=dict)
    weight_probes: dict = field(default_factory=dict)

    @property
    def dt(self) -> float:
        return self.quantized.dt

    def run(self, duration: float, strict: bool = False, *, inputs=None, engine: str = "fast",
            threads: int | None = None):
        """Run on the program's back end for ``duration`` ms; returns a :class:`~neurocompile.Result`.

        ``strict=True`` makes any register wrap or saturation an error naming neuron and step.

        ``inputs`` (optional): population name -> array, the run's own inputs. For a spike
        source, a boolean raster ``(n_steps, size)`` that replaces its spikes; for a neuron
        population, a constant current ``(size,)`` (mV for LIF/LI, pA for AdEx) added to its
        drive for the whole run. With a leading batch axis on every array (``(B, n_steps,
        size)``, ``(B, size)``) the B samples run in one pass over the loaded program and the
        result is a list of B Results, each identical to ``run(duration, inputs=sample)``.

        ``engine``: ``"fast"`` (compiled kernel, the default) or ``"numpy"`` (step-by-step
        reference path); both give identical results.

        ``threads``: how many threads the run uses (default: ``$NEUROCOMPILE_THREADS``, else
        the machine's cores). A large batch runs its chunks of samples in parallel; a single
        run (or a small batch) steps on one thread unless a count is given, and then shares
        each step's neuron update and spike delivery among that many threads (at most 1.18x
        faster on the 1M-neuron ring on this 2-core machine, slower on small networks:
        :mod:`neurocompile.emu.threads`). Results are identical whatever the thread count.
        Raises :class:`~neurocompile.errors.NetworkError` unless it is a whole number >= 1.

        Raises :class:`~neurocompile.errors.MemoryBudgetError` before anything is allocated
        when the run's estimated peak memory (:func:`neurocompile.memory.chip_estimate`:
        synapse layout, state and recordings of every sample, step counters) exceeds the
        available memory (:mod:`neurocompile.resources`).
        """
        backend = self.target.backend
        if backend in ("emu", "lava"):
            # Lava programs run on the emulator here; Program.to_lava() builds the Lava graph.
            from ..emu.run import emulate
            return emulate(self, duration, strict=strict, inputs=inputs, engine=engine, threads=threads)
        raise invalid(f"Program '{self.name}'", "backend", backend, "has no runner", cls=BuildError)

    def to_lava(self):
        """The Lava process graph of this program (needs lava-nc; see neurocompile.lava)."""
        from ..lava import build_lava
        return build_lava(self)

    def report(self, width: int = 110) -> str:
        """The resource, quantization and placement report as plain text."""
        from .report import render_text
        return render_text(self, width=width)

    def with_weights(self, result, freeze: bool = False) -> "Program":
        """This program with its plastic projections starting from the weights ``result`` (a
        run of it, or a float run of its network) ended with: continue learning, or with
        ``freeze=True`` keep them fixed (batches, no learning cost). Save it to keep it."""
        from .learned import with_weights
        return with_weights(self, result, freeze)

    def save(self, path) -> None:
        """Write the program to ``path`` (``.ncp``); :func:`neurocompile.load` reads it back."""
        save_program(self, path)

    def summary(self) -> dict:
        """Headline numbers: neurons, synapses, cores used, chips used."""
        used = self.placement.used_cores
        chips = np.unique(self.placement.chip[used]) if used.size else np.zeros(0)
        return {
            "neurons": int(sum(q.size for q in self.quantized.populations.values() if q.model != "source")),
            "synapses": int(sum(p.n_synapses for p in self.quantized.projections)),
            "cores_used": int(used.size),
            "chips_used": int(chips.size),
        }

    def __repr__(self):
        from ..io.tables import counted, shortened

        s = self.summary()
        return (f"Program('{shortened(self.name)}' for target '{shortened(self.target.name)}' ({self.target.backend}): "
                f"{counted(s['neurons'], 'neuron')}, {counted(s['synapses'], 'synapse')} on "
                f"{counted(s['cores_used'], 'core')} of {counted(s['chips_used'], 'chip')}, "
                f"dt {self.dt:g} ms)")

    def _repr_html_(self) -> str:
        """A notebook's view: the resource, quantization and placement tables of :meth:`report`."""
        from ..io.tables import html_block
        from .report import issues_lines, tables

        issues = issues_lines(self)
        shown = MAX_ISSUES_SHOWN
        notes = [f"Quantization issues: {len(issues) or 'none'}", *issues[:shown]]
        if len(issues) > shown:
            notes.append(f"... and {len(issues) - shown} more (Program.report() lists them all)")
        return html_block(repr(self), tables(self), notes)


def load_program(path) -> Program:
    """Read a program written by :meth:`Program.save` (``nc.load``); clear errors for bad files.

    Every value is checked against the program's own target before it is returned
    (:func:`~.validate.validate_program`): a file that loads runs as written."""
    from .validate import validate_program

    program = Program(**read_program(path))
    validate_program(program, path)
    return program
