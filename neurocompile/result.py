"""Results of a run (float reference or chip): spikes, rates and recorded state traces.

Step ``k`` of a run advances the state from ``k*dt`` to ``(k+1)*dt``; its spikes and the
state recorded at its end are both reported at time ``k*dt`` (``Result.times[k]``), the
Brian2 convention. Spike counts are kept for every neuron, so :meth:`Result.rates` works
without a probe; spike trains and traces are available for probed neurons only.
"""
from __future__ import annotations

import numpy as np

from .errors import NetworkError, invalid, unknown_names


class Recorder:
    """Collects probed spikes and traces step by step (used by every simulator)."""

    def __init__(self, probes, sizes: dict, n_steps: int):
        """``probes``: iterable of (population name, sorted indices, variable); ``sizes``:
        population name -> number of neurons."""
        self.n_steps = n_steps
        self.spike_probes: dict[str, np.ndarray] = {}
        self.trace_probes: dict[tuple[str, str], np.ndarray] = {}
        self._spike_steps: dict[str, list] = {}
        self._spike_ids: dict[str, list] = {}
        self.traces: dict[tuple[str, str], np.ndarray] = {}
        for name, indices, variable in probes:
            if variable == "spikes":
                self.spike_probes[name] = indices
                self._spike_steps[name], self._spike_ids[name] = [], []
            else:
                key = (name, variable)
                self.trace_probes[key] = indices
                self.traces[key] = np.zeros((n_steps, indices.size), dtype=np.float64)
        self._probed_mask = {}
        for name, idx in self.spike_probes.items():
            mask = np.zeros(sizes[name], dtype=bool)
            mask[idx] = True
            self._probed_mask[name] = mask

    def spikes(self, step: int, name: str, spiked_indices: np.ndarray) -> None:
        """Record the (global) indices of neurons of ``name`` that spiked in ``step``."""
        mask = self._probed_mask.get(name)
        if mask is None or spiked_indices.size == 0:
            return
        kept = spiked_indices[mask[spiked_indices]]
        if kept.size:
            self._spike_steps[name].append(np.full(kept.size, step, dtype=np.int64))
            self._spike_ids[name].append(kept)

    def record_spikes(self, name: str, steps: np.ndarray, indices: np.ndarray) -> None:
        """Record probed spikes of ``name`` given as (step, neuron index) pairs, in time order."""
        if steps.size:
            self._spike_steps[name].append(np.asarray(steps, dtype=np.int64))
            self._spike_ids[name].append(np.asarray(indices))

    def trace(self, step: int, name: str, variable: str, values: np.ndarray) -> None:
        """Record a full-population state array; only probed neurons are kept."""
        key = (name, variable)
        self.traces[key][step] = values[self.trace_probes[key]]

    def spike_arrays(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        out = {}
        for name in self.spike_probes:
            steps, ids = self._spike_steps[name], self._spike_ids[name]
            out[name] = (np.concatenate(steps) if steps else np.zeros(0, dtype=np.int64),
                         np.concatenate(ids) if ids else np.zeros(0, dtype=np.int64))
        return out


class Result:
    """What a run produced. Times in ms, rates in Hz, traces in the variable's physical unit.

    Attributes:
        dt: time step, ms. n_steps: number of steps run. duration: n_steps * dt, ms.
        times: (n_steps,) array of step times ``k * dt``, ms.
        counts: dict population -> (size,) spike count of every neuron.
        stats: backend counters (chip runs), or None for the float reference.
        backend: ``"reference"``, ``"emu"``, ...
    """

    def __init__(self, *, backend: str, dt: float, n_steps: int, counts: dict, recorder: Recorder,
                 stats=None, to_physical: dict | None = None, extremes: dict | None = None,
                 weights: dict | None = None, weight_traces: dict | None = None):
        """``to_physical`` (chip runs): (population, variable) -> (scale, offset) arrays over the
        probed neurons; the recorder then holds raw integers. ``extremes`` (float runs):
        (population, variable) -> (lowest, highest) value of every neuron over the run.
        ``weights``: plastic projection name -> its weights at the end of the run (csr).
        ``weight_traces``: plastic projection name -> (probed synapse indices, their weights at
        the end of every step, (n_steps, probes), weight unit)."""
        self.backend = backend
        self.dt = dt
        self.n_steps = n_steps
        self.duration = n_steps * dt
        self.times = np.arange(n_steps) * dt
        self.counts = counts
        self.stats = stats
        self._spikes = recorder.spike_arrays()
        self._spike_probes = recorder.spike_probes
        self._traces = recorder.traces
        self._trace_probes = recorder.trace_probes
        self._to_physical = to_physical
        self._extremes = extremes or {}
        self._weights = weights or {}
        self._weight_traces = weight_traces or {}

    def weights(self, projection):
        """The weights of a plastic projection (``net.connect(..., plasticity=...)``; its name or
        the Projection) at the end of the run: a csr matrix (pre.size, post.size) in the post
        model's weight unit, with the projection's sparsity pattern."""
        name = getattr(projection, "name", projection)
        if name not in self._weights:
            learned = ", ".join(sorted(self._weights)) or "none"
            raise NetworkError(f"Result ({self.backend}): no learned weights of projection '{name}': only plastic "
                               f"projections (net.connect(..., plasticity=nc.STDP(...))) have them; this run's: "
                               f"{learned}")
        return self._weights[name].copy()

    def weight_trace(self, projection) -> tuple[np.ndarray, np.ndarray]:
        """``(synapses, weights)`` of a projection probed with ``net.probe_weights``: the probed
        synapse indices (CSR order) and their weights at the end of every step, an array
        (n_steps, synapses) in the post model's weight unit (times: :attr:`times`)."""
        name = getattr(projection, "name", projection)
        if name not in self._weight_traces:
            probed = ", ".join(sorted(self._weight_traces)) or "none"
            raise NetworkError(f"Result ({self.backend}): no weight probe on projection '{name}' (net.probe_weights("
                               f"projection, synapses) records some); this run's: {probed}")
        synapses, weights = self._weight_traces[name]
        return synapses.copy(), weights.copy()

    # -- spikes ---------------------------------------------------------------------------
    def rates(self, population: str) -> np.ndarray:
        """Mean firing rate of every neuron of ``population`` over the run, Hz."""
        counts = self._counts(population)
        return counts / (self.duration * 1e-3)

    def population_rate(self, population: str, bin_ms: float = 10.0) -> np.ndarray:
        """Rate of the probed neurons of ``population`` over time, Hz, one value per step
        (at :attr:`times`): their spikes in a sliding window of ``bin_ms`` centred on the step,
        per neuron and second. Near the ends the window is cut to the run and the rate is
        over the part inside it."""
        if not (isinstance(bin_ms, (int, float)) and 0 < bin_ms < float("inf")):
            raise invalid("Result.population_rate", "bin_ms", bin_ms, "must be a finite time > 0 ms")
        steps, _ = self._spike_data(population)
        n_probed = self._spike_probes[population].size
        per_step = np.bincount(steps, minlength=self.n_steps)
        width = max(1, int(round(bin_ms / self.dt)))
        k = np.arange(self.n_steps)
        start = np.maximum(k - (width - 1) // 2, 0)
        stop = np.minimum(k - (width - 1) // 2 + width, self.n_steps)
        total = np.concatenate(([0], np.cumsum(per_step)))
        spikes, steps_in = total[stop] - total[start], stop - start
        return spikes / (max(n_probed, 1) * steps_in * self.dt * 1e-3)

    def spike_times(self, population: str) -> tuple[np.ndarray, np.ndarray]:
        """(times in ms, neuron indices) of the probed spikes, sorted by time then index."""
        steps, ids = self._spike_data(population)
        return steps * self.dt, ids.copy()

    def spike_steps(self, population: str) -> tuple[np.ndarray, np.ndarray]:
        """(step indices, neuron indices) of the probed spikes, sorted by step then index."""
        steps, ids = self._spike_data(population)
        return steps.copy(), ids.copy()

    def spikes(self, population: str) -> np.ndarray:
        """Boolean raster (n_steps, n_probed): column j is neuron ``spike_indices(pop)[j]``."""
        steps, ids = self._spike_data(population)
        probed = self._spike_probes[population]
        raster = np.zeros((self.n_steps, probed.size), dtype=bool)
        raster[steps, np.searchsorted(probed, ids)] = True
        return raster

    def spike_indices(self, population: str) -> np.ndarray:
        """Indices of the neurons whose spikes were probed (sorted)."""
        self._spike_data(population)
        return self._spike_probes[population].copy()

    # -- state traces ---------------------------------------------------------------------
    def trace(self, population: str, variable: str, raw: bool = False) -> np.ndarray:
        """Recorded values (n_steps, n_probed) of ``variable``, e.g. ``"v"`` in mV.

        Chip runs record integers and convert them to physical units here; ``raw=True``
        returns the integers themselves (int64), in the chip's state LSBs.
        """
        key = (population, variable)
        if key not in self._traces:
            probed = [f"{p}.{v}" for p, v in self._traces] or ["none"]
            raise NetworkError(
                f"Result: no trace of '{variable}' for population '{population}'; probed: "
                f"{', '.join(probed)}. Add net.probe(pop, '{variable}') before running."
            )
        values = self._traces[key]
        if self._to_physical is None:
            if raw:
                raise NetworkError(f"Result ({self.backend}): raw=True needs a chip run; the "
                                   "float reference has no integer state")
            return values
        if raw:
            return values.astype(np.int64)
        scale, offset = self._to_physical[key]
        return values * scale + offset

    def trace_indices(self, population: str, variable: str) -> np.ndarray:
        """Indices of the neurons whose ``variable`` was recorded (sorted)."""
        if (population, variable) not in self._traces:
            self.trace(population, variable)
        return self._trace_probes[(population, variable)].copy()

    def state_extremes(self, population: str, variable: str) -> tuple[np.ndarray, np.ndarray]:
        """(lowest, highest) value of ``variable`` of every neuron of ``population`` over the
        run, in its unit (float reference runs keep them for every neuron, probed or not)."""
        key = (population, variable)
        if key not in self._extremes:
            raise NetworkError(f"Result ({self.backend}): no state extremes of '{variable}' for "
                               f"population '{population}' (the float reference keeps them for every "
                               "neuron population)")
        low, high = self._extremes[key]
        return low.copy(), high.copy()

    # -- what was recorded ---------------------------------------------------------------
    @property
    def populations(self) -> list[str]:
        """Every population of the run (spike counts are kept for all)."""
        return list(self.counts)

    @property
    def spike_probed(self) -> list[str]:
        """Populations whose spikes were probed (:meth:`spike_times`, :meth:`spikes` work for them)."""
        return list(self._spike_probes)

    @property
    def traced(self) -> list[tuple[str, str]]:
        """(population, variable) pairs whose state was probed (:meth:`trace` works for them)."""
        return list(self._traces)

    # -- helpers --------------------------------------------------------------------------

    def _counts(self, population: str) -> np.ndarray:
        if population not in self.counts:
            raise unknown_names("Result", "population", [population], self.counts)
        return self.counts[population]

    def _spike_data(self, population: str):
        self._counts(population)
        if population not in self._spikes:
            raise NetworkError(
                f"Result: spikes of population '{population}' were not probed; add "
                f"net.probe(net['{population}'], 'spikes') before running (rates() works without)."
            )
        return self._spikes[population]

    def __repr__(self):
        from .io.tables import counted

        spikes = int(sum(int(c.sum()) for c in self.counts.values()))
        return (f"Result({self.backend}, {self.n_steps} steps of {self.dt:g} ms = {self.duration:g} ms, "
                f"{counted(len(self.counts), 'population')}, {counted(spikes, 'spike')})")

    def _repr_html_(self) -> str:
        """A notebook's view: the firing-rate table ``neurocompile build`` prints for a run, what
        was probed, and (chip runs) the registers that saturated."""
        from .io.summaries import rate_summaries
        from .io.tables import html_block, rate_table

        notes = []
        if self._spike_probes:
            notes.append("spikes probed: " + ", ".join(
                f"{name} ({idx.size})" for name, idx in self._spike_probes.items()))
        if self._trace_probes:
            notes.append("traces probed: " + ", ".join(
                f"{name}.{var} ({idx.size})" for (name, var), idx in self._trace_probes.items()))
        saturations = getattr(self.stats, "saturations", None)
        if saturations:
            notes.append("saturated registers (neuron-steps): "
                         + ", ".join(f"{k}: {v}" for k, v in saturations.items()))
        return html_block(repr(self), [rate_table(rate_summaries(self), "Firing rates")], notes)
