"""Running a program's Lava graph and collecting a :class:`~neurocompile.Result`.

Lava's fixed-point models (``Loihi2SimCfg(select_tag="fixed_pt")``) run the graph; step ``k``
of the result is Lava's ``time_step = k + 1``. Bias updates (step currents) are host writes to
the bias Vars between runs: the graph runs up to the step of the next update, the host writes
the new biases, and the run continues, so the update takes effect in that step exactly as in
the emulator (docs/chip.md section 7).
"""
from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from neurocompile.chip.host import BiasSchedule, bias_value
from neurocompile.errors import NeurocompileError
from neurocompile.reference.simulator import steps_for
from neurocompile.result import Recorder, Result
from neurocompile.lava.plan import FULL_WIDTH_BIAS, LAVA_LIF, SOURCE, plan_program

#: Steps the spike sources cover when the graph is built before the run's duration is known.
DEFAULT_HORIZON_STEPS = 1000


class LavaRun:
    """A compiled program as a Lava process graph (what :meth:`Program.to_lava` returns).

    ``processes`` holds the wired Lava processes (population or projection name -> process) for
    inspection or deployment; :meth:`run` runs them in Lava's CPU simulation and returns a
    :class:`~neurocompile.Result` with ``backend == "lava"``. A Lava graph runs once, so each
    :meth:`run` after the first builds a fresh graph (from the same program, hence the same
    initial state and inputs); so does a run longer than the sources' horizon.

    Attributes:
        program: the compiled program (the single source of truth).
        plan: the :class:`~.plan.LavaPlan` (which process runs which population and why).
        timings: seconds spent in the last run: ``build`` (creating processes), ``compile``
            (Lava compiler), ``start`` (runtime start), ``run`` (stepping), ``collect``.
    """

    def __init__(self, program, duration: float | None = None, native_lif: bool = True):
        self.program = program
        self.plan = plan_program(program, native_lif=native_lif)
        horizon = DEFAULT_HORIZON_STEPS if duration is None else steps_for(duration, program.dt, owner="to_lava")
        self.timings: dict = {}
        self._graph = self._build(horizon)

    # -- graph ----------------------------------------------------------------------------
    def _build(self, horizon_steps: int):
        from neurocompile.lava.emit import build_graph
        t0 = time.perf_counter()
        graph = build_graph(self.program, self.plan, horizon_steps)
        self.timings = {"build": time.perf_counter() - t0}
        self._used = False
        return graph

    @property
    def graph(self):
        """The current :class:`~.emit.LavaGraph` (processes, taps, source rasters)."""
        return self._graph

    @property
    def processes(self) -> dict:
        """Population and projection-block names -> Lava processes of the current graph."""
        out = {k: v for k, v in self._graph.neurons.items() if v is not None}
        out.update(self._graph.synapses)
        return out

    def describe(self) -> str:
        """One line per population and connection: its Lava process and whether Loihi runs it."""
        lines = []
        for n in self.plan.neurons.values():
            where = ("host input" if n.kind == SOURCE else
                     "Loihi + CPU simulation" if n.runs_on_loihi else "CPU simulation only")
            why = f"  ({n.reason})" if n.reason else ""
            lines.append(f"population {n.name}: {n.kind} [{where}]{why}")
        for b in self.plan.blocks:
            ours = ("  [CPU simulation only] (STDP as the chip runs it: Lava's learning engine, LearningDense with "
                    "STDPLoihi, has other trace widths and stochastic rounding from its own generator, so its weights "
                    "cannot equal the emulator's bit for bit)" if b.learning is not None else
                    "  [CPU simulation only] (short-term plasticity: Lava's connections have none)"
                    if b.stp is not None else
                    "  [CPU simulation only] (NMDA gates: graded, every step)" if b.gate is not None else "")
            lines.append(f"projection {b.name}: {b.lava_class} {b.pre} -> {b.post}, "
                         f"{b.weights.nnz} synapses, weight_exp {b.weight_exp}, {b.sign_mode}{ours}")
        return "\n".join(lines)

    # -- run ------------------------------------------------------------------------------
    def run(self, duration: float) -> Result:
        """Run for ``duration`` ms with Lava's fixed-point models; returns a Result ("lava")."""
        from lava.magma.core.run_conditions import RunSteps
        from lava.magma.core.run_configs import Loihi2SimCfg
        from neurocompile.lava.emit import TAP_BUFFER_STEPS, tap_models

        n_steps = steps_for(duration, self.program.dt, owner="LavaRun.run")
        if self._used or self._graph.horizon_steps < n_steps:
            self._graph = self._build(n_steps)
        graph = self._graph
        self._used = True
        anchor = graph.anchor
        run_cfg = Loihi2SimCfg(select_tag="fixed_pt", exception_proc_model_map=tap_models())
        t0 = time.perf_counter()
        executable = anchor.compile(run_cfg)
        t1 = time.perf_counter()
        anchor.create_runtime(run_cfg=run_cfg, executable=executable)
        t2 = time.perf_counter()
        spikes = {name: [] for name in graph.spike_taps}
        traces = {key: [] for key in graph.trace_taps}
        probed = {name: [] for name in graph.weight_taps}
        try:
            writes = dict(self._bias_schedule(n_steps))
            stops = sorted(set(writes) | set(range(0, n_steps, TAP_BUFFER_STEPS)) | {n_steps})
            for start, stop in zip(stops[:-1], stops[1:]):
                for var, value in writes.get(start, ()):
                    var.set(value)
                anchor.run(condition=RunSteps(num_steps=stop - start), run_cfg=run_cfg)
                for name, tap in graph.spike_taps.items():
                    spikes[name].extend(tap.receive() for _ in range(stop - start))
                for key, tap in graph.trace_taps.items():
                    traces[key].extend(tap.receive() for _ in range(stop - start))
                for name, tap in graph.weight_taps.items():
                    probed[name].extend(tap.receive() for _ in range(stop - start))
            registers = {b.name: np.asarray(graph.synapses[b.name].weight.get()) for b in self.plan.blocks
                         if b.learning is not None}
        finally:
            anchor.stop()
        t3 = time.perf_counter()
        result = self._collect(graph, n_steps, spikes, traces, registers, probed)
        self.timings.update(compile=t1 - t0, start=t2 - t1, run=t3 - t2,
                            collect=time.perf_counter() - t3)
        return result

    def _bias_schedule(self, n_steps: int):
        """(step, [(Var, value)]) host writes before ``step``, for bias updates at steps 1..n_steps-1
        (the registers of step 0 are the processes' initial Vars)."""
        out = []
        for step, updates in BiasSchedule(self.program.quantized.bias_updates).during(n_steps):
            writes = []
            for upd in updates:
                proc = self._graph.neurons[upd.population]
                if self.plan.neurons[upd.population].kind in FULL_WIDTH_BIAS:
                    writes.append((proc.bias, bias_value(upd.bias_mant, upd.bias_exp)))
                else:
                    writes += [(proc.bias_mant, np.asarray(upd.bias_mant)), (proc.bias_exp, np.asarray(upd.bias_exp))]
            out.append((step, writes))
        return out

    def _collect(self, graph, n_steps: int, spikes: dict, traces: dict, registers: dict, probed: dict) -> Result:
        program = self.program
        pops = program.quantized.populations
        recorder = Recorder(program.probes, {n: q.size for n, q in pops.items()}, n_steps)
        counts = {}
        for name, n in self.plan.neurons.items():
            if n.kind == SOURCE:
                raster = graph.source_spikes[name][:, :n_steps].T != 0
            else:
                raster = np.asarray(spikes[name]).reshape(n_steps, n.size) != 0
                self._check_li_silent(name, n, raster)
            counts[name] = raster.sum(axis=0).astype(np.int64)
            if name in recorder.spike_probes:
                for step in np.flatnonzero(raster.any(axis=1)):
                    recorder.spikes(int(step), name, np.flatnonzero(raster[step]))
        for key, values in traces.items():
            data = np.rint(np.asarray(values).reshape(n_steps, -1)).astype(np.int64)
            first = self.plan.neurons[key[0]].offsets.get(key[1], 0)  # a receptor's elements in r0/r1
            recorder.traces[key][:] = data[:, first + recorder.trace_probes[key]]
        weights, weight_traces = {}, {}
        projections = {qp.name: qp for qp in program.quantized.projections}
        for name, register in registers.items():  # plastic projections: registers times the weight step
            qp = projections[name]
            step = qp.report["stdp"]["weight_step"]
            shape = (pops[qp.pre].size, pops[qp.post].size)
            weights[name] = sp.csr_matrix((register[:qp.n_synapses] * step, qp.post_index, qp.indptr), shape=shape)
            if name in probed:
                synapses = program.weight_probes[name]
                record = np.rint(np.asarray(probed[name]).reshape(n_steps, -1)[:, :synapses.size])
                weight_traces[name] = (np.asarray(synapses), record * step)
        return Result(backend="lava", dt=program.dt, n_steps=n_steps, counts=counts, recorder=recorder,
                      stats=None, to_physical=program.quantized.physical_scales(recorder.trace_probes),
                      weights=weights, weight_traces=weight_traces)

    def _check_li_silent(self, name: str, neuron, raster: np.ndarray) -> None:
        """An LI population runs as a Lava LIF with the largest threshold; it must never spike."""
        q = self.program.quantized.populations[name]
        if neuron.kind != LAVA_LIF or q.params.field("spiking").all():
            return
        if raster.any():
            step, neuron = np.argwhere(raster)[0]
            raise NeurocompileError(
                f"LI population '{name}': neuron {neuron} reached Lava LIF's largest threshold "
                f"at step {step}, so it spiked in Lava but not on the chip; rebuild with "
                "build_lava(program, native_lif=False) to run it as our NcLif process")
