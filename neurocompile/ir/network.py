"""The network: a validated graph of populations, projections, inputs and probes.

Construction validates eagerly: every builder method either returns a valid object or raises a
:class:`~neurocompile.errors.NetworkError` naming the object, the parameter, the value and the
rule. Objects stay plain Python, though (a user may edit an attribute, or build a projection
elsewhere), so the stages that consume a network (``simulate``, ``quantize``, ``write_nir``)
check the graph as a whole once more at their entry with :meth:`Network.validate`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..errors import NetworkError, invalid, unknown_names
from ..models.base import NeuronModel
from .distributions import derived_rng, materialize
from .inputs import PoissonSource, SpikeTrains, StepCurrent, _to_steps
from .population import Population, PopulationView, check_size
from .projection import Projection, build_synapses

if TYPE_CHECKING:  # annotations only: networkx loads when graph() is called
    import networkx as nx

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")


@dataclass(frozen=True)
class Probe:
    """Record ``variable`` (``"spikes"`` or a state variable) of some neurons of a population."""

    population: Population
    indices: np.ndarray
    variable: str


@dataclass(frozen=True)
class CurrentInjection:
    """A :class:`StepCurrent` injected into some neurons; times already converted to steps."""

    population: Population
    indices: np.ndarray
    current: StepCurrent
    steps: np.ndarray


class Network:
    """A spiking network: populations, projections, inputs and probes, simulated at ``dt`` ms.

    Args:
        name: a short identifier, used for output files (``build/<name>.ncp``).
        dt: time step in ms, > 0.
        seed: seeds every random choice that has no seed of its own (initial states,
            connectivity, weights, Poisson sources), so the same network and seed give the
            same synapses and spikes.

    ``provenance`` (a dict) records where a network came from when an importer made it, e.g.
    ``read_nir``'s file, semantics and time step.
    """

    def __init__(self, name: str, dt: float = 0.1, seed: int = 0):
        if not isinstance(name, str) or not _NAME.match(name):
            raise invalid("Network", "name", name,
                          "must start with a letter or '_' and use letters, digits, '_', '.', '-'")
        if isinstance(dt, (str, bytes, bool)) or dt is None or not np.isfinite(dt) or dt <= 0:
            raise invalid(f"Network '{name}'", "dt", dt, "must be a finite time step > 0 ms")
        if isinstance(seed, (bool, float)) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise invalid(f"Network '{name}'", "seed", seed, "must be a non-negative integer")
        self.name = name
        self.dt = float(dt)
        self.seed = int(seed)
        self.populations: dict[str, Population] = {}
        self.projections: list[Projection] = []
        self.currents: list[CurrentInjection] = []
        self.probes: list[Probe] = []
        #: plastic projection name -> synapse indices whose weights every run records per step
        self.weight_probes: dict[str, np.ndarray] = {}
        self.provenance: dict = {}

    # -- building -----------------------------------------------------------------------
    def population(self, name: str, size: int, model: NeuronModel, **initial) -> Population:
        """Add ``size`` neurons of ``model``; ``<var>_init=`` sets a state variable's initial value.

        Initial values are scalars, arrays of ``size`` or distributions (e.g.
        ``v_init=nc.Uniform(-60.0, -50.0)``), in the state variable's unit.
        """
        self._check_new_name(name)
        size = check_size(name, size)
        if not isinstance(model, NeuronModel):
            raise invalid(f"Population '{name}'", "model", model,
                          "must be a neuron model such as nc.LIF(...) or nc.AdEx(...)")
        owner = f"Population '{name}'"
        params = model.resolve(size, name)
        if getattr(model, "is_source", False):
            if initial:
                raise unknown_names(owner, "initial value", initial, [])
            init = {}
        else:
            allowed = {f"{var}_init": var for var in model.state_variables}
            unknown = set(initial) - set(allowed)
            if unknown:
                raise unknown_names(owner, "initial value", unknown, allowed)
            defaults = model.default_state()
            init = {}
            for var in model.state_variables:
                value = initial.get(f"{var}_init", defaults[var])
                rng = derived_rng(self.seed, "init", name, var)
                init[var] = materialize(value, size, rng, owner, f"{var}_init")
                if not np.all(np.isfinite(init[var])):
                    raise invalid(owner, f"{var}_init", init[var], "must be finite")
            for timed in ("refractory", "bias_onset"):  # times that must fall on a step
                if timed in params:
                    _to_steps(params[timed], self.dt, f"{owner} ({type(model).__name__})", timed)
        if isinstance(model, SpikeTrains):
            model.step_indices(size, self.dt, name)  # validates indices and same-step duplicates
        if isinstance(model, PoissonSource):
            model.check(size, self.dt, name)  # rate length and at most one spike per step
        receptor_params = {}
        if not getattr(model, "is_source", False):
            from ..models.receptors import resolve_receptor

            receptor_params = {rname: resolve_receptor(receptor, size, name)
                               for rname, receptor in model.receptors.items() if receptor is not None}
        pop = Population(self, name, size, model, init, params, receptor_params)
        self.populations[name] = pop
        return pop

    def poisson(self, name: str, size: int, rate, seed: int | None = None,
                start: float = 0.0, stop: float | None = None) -> Population:
        """Add ``size`` independent Poisson spike sources at ``rate`` Hz (see PoissonSource)."""
        return self.population(name, size, PoissonSource(rate, seed=seed, start=start, stop=stop))

    def spike_source(self, name: str, size: int, times, indices) -> Population:
        """Add ``size`` sources emitting the given spikes (``times`` in ms, ``indices``)."""
        return self.population(name, size, SpikeTrains(times, indices))

    def connect(self, pre, post, rule, weight=None, delay=None, name: str | None = None,
                receptor: str | None = None, stp=None, plasticity=None) -> Projection:
        """Connect ``pre`` to ``post`` (populations or views) with a connectivity ``rule``.

        Args:
            weight: jump of the postsynaptic current per spike, in the post model's current
                unit (mV for LIF/LI, pA for AdEx), or of its conductance for a conductance
                receptor (``g_L`` multiples for LIF/LI, nS for AdEx; then >= 0): scalar,
                distribution, array of one value per synapse or dense array (n_pre, n_post).
                Negative current weights are inhibitory.
            delay: ms, >= dt and a multiple of dt (scalar or array); default dt. Delays drawn
                from a distribution are rounded to the nearest multiple of dt, so the
                distribution's lower bound must be >= dt.
            receptor: which of the post model's receptors the synapses feed (its
                ``receptors=`` names); may be omitted when it has only one.
            stp: short-term plasticity, ``nc.TsodyksMarkram(U, tau_rec, tau_fac)``: each spike's
                weights are scaled by its presynaptic neuron's efficacy ``u x``.
            plasticity: long-term plasticity, ``nc.STDP(...)``: the weights change with the
                timing of pre- and postsynaptic spikes during a run, in float and on the chip
                (docs/chip.md section 3.6); ``Result.weights(name)`` gives the learned weights,
                ``net.probe_weights`` records some over time. Initial weights must lie within
                its bounds.
        """
        from ..models.plasticity import STDP
        from ..models.short_term import TsodyksMarkram
        from .connectivity import Connectivity

        pre_view, post_view = self._view(pre, "pre"), self._view(post, "post")
        base = name or f"{pre_view.name}->{post_view.name}"
        if name is None:
            taken = {p.name for p in self.projections}
            k = 1
            while base in taken:
                k += 1
                base = f"{pre_view.name}->{post_view.name}#{k}"
        elif any(p.name == name for p in self.projections):
            raise invalid(f"Network '{self.name}'", "projection name", name, "is already used")
        owner = f"Projection '{base}'"
        if not isinstance(rule, Connectivity):
            raise invalid(owner, "rule", rule, "must be a connectivity rule such as "
                          "nc.FixedProbability(0.1) or nc.AllToAll()")
        if not pre_view.model.spiking:
            raise invalid(owner, "pre", pre_view.name,
                          f"is a {type(pre_view.model).__name__} population, which does not spike")
        if post_view.population.is_source:
            raise invalid(owner, "post", post_view.name, "is a spike source; it cannot receive synapses")
        receptor = self._receptor(owner, post_view, receptor)
        if stp is not None and not isinstance(stp, TsodyksMarkram):
            raise invalid(owner, "stp", stp, "must be None or nc.TsodyksMarkram(U=..., tau_rec=..., tau_fac=...)")
        if plasticity is not None and not isinstance(plasticity, STDP):
            raise invalid(owner, "plasticity", plasticity, "must be None or nc.STDP(tau_plus=..., tau_minus=..., "
                          "A_plus=..., A_minus=..., w_max=...)")
        if plasticity is not None and stp is not None:
            raise invalid(owner, "plasticity", plasticity, "cannot be combined with stp= on one projection")
        rng = derived_rng(self.seed, "projection", base)
        proj = build_synapses(base, pre_view, post_view, rule, weight, delay, self.dt, rng, receptor)
        kind = getattr(post_view.model.receptors[receptor], "kind", "current")
        if kind == "conductance" and proj.weights.nnz and proj.weights.data.min() < 0:
            raise invalid(owner, "weight", float(proj.weights.data.min()),
                          f"must be >= 0: receptor '{receptor}' of '{post_view.name}' is a conductance "
                          f"({post_view.model.conductance_unit}); inhibit through a receptor with a low E_rev")
        if plasticity is not None:
            plasticity.check_weights(owner, proj.weights.data)
        proj.stp = stp
        proj.plasticity = plasticity
        self.projections.append(proj)
        return proj

    @staticmethod
    def _receptor(owner: str, post_view, receptor) -> str:
        """The receptor a projection feeds: ``receptor``, or the post model's only one."""
        receptors = post_view.model.receptors
        if receptor is None:
            if len(receptors) == 1:
                return next(iter(receptors))
            raise invalid(owner, "receptor", None,
                          f"must name one of the receptors of '{post_view.name}': {', '.join(receptors)}")
        if receptor not in receptors:
            raise unknown_names(f"{owner} (into '{post_view.name}', {type(post_view.model).__name__})",
                                "receptor", [receptor], receptors)
        return receptor

    def current(self, target, current: StepCurrent) -> CurrentInjection:
        """Inject a :class:`StepCurrent` into the neurons of ``target`` (population or view)."""
        view = self._view(target, "target")
        if not isinstance(current, StepCurrent):
            raise invalid(f"current into '{view.name}'", "current", current, "must be a nc.StepCurrent")
        if view.population.is_source:
            raise invalid(f"current into '{view.name}'", "target", view.name,
                          "is a spike source; currents go into neurons")
        inj = CurrentInjection(view.population, view.indices, current, current.steps(self.dt, view.name))
        self.currents.append(inj)
        return inj

    def probe(self, target, variable: str = "spikes") -> Probe:
        """Record ``variable`` of ``target``: ``"spikes"`` or a state variable such as ``"v"``.

        Probing the same population and variable twice records the union of the neurons.
        """
        view = self._view(target, "target")
        model = view.model
        allowed = (["spikes"] if model.spiking else []) + list(model.state_variables)
        if variable not in allowed:
            raise unknown_names(f"probe on '{view.name}' ({type(model).__name__})", "variable",
                                [variable], allowed)
        for k, existing in enumerate(self.probes):
            if existing.population is view.population and existing.variable == variable:
                merged = np.union1d(existing.indices, view.indices)
                self.probes[k] = Probe(view.population, merged, variable)
                return self.probes[k]
        probe = Probe(view.population, np.sort(view.indices), variable)
        self.probes.append(probe)
        return probe

    def probe_weights(self, projection, synapses) -> np.ndarray:
        """Record the weights of some synapses of a plastic projection at the end of every step
        (``Result.weight_trace``). ``synapses``: indices into the projection's synapses in its
        CSR order (``projection.weights.data``; :meth:`Projection.synapse_index` finds them
        from (pre, post) pairs). Probing a projection again records the union."""
        if isinstance(projection, str):
            named = [p for p in self.projections if p.name == projection]
            if not named:
                raise unknown_names(f"Network '{self.name}'", "projection", [projection],
                                    [p.name for p in self.projections])
            projection = named[0]
        proj = projection
        if not any(p is proj for p in self.projections):
            raise NetworkError(f"probe_weights: projection '{getattr(proj, 'name', proj)}' is not part of network "
                               f"'{self.name}'")
        if proj.plasticity is None:
            raise NetworkError(f"probe_weights: projection '{proj.name}' is not plastic (net.connect(..., "
                               "plasticity=nc.STDP(...))): its weights do not change")
        idx = np.asarray(synapses)
        if idx.ndim > 1 or (idx.size and idx.dtype.kind not in "iu"):
            raise invalid(f"probe_weights on '{proj.name}'", "synapses", synapses,
                          "must be a 1-D array of integer synapse indices")
        idx = idx.astype(np.int64).reshape(-1)
        n = proj.weights.nnz
        if idx.size and (idx.min() < 0 or idx.max() >= n):
            raise invalid(f"probe_weights on '{proj.name}'", "synapses", int(idx[(idx < 0) | (idx >= n)][0]),
                          f"must index the projection's {n} synapses (0..{n - 1})")
        merged = np.union1d(self.weight_probes.get(proj.name, np.zeros(0, np.int64)), idx).astype(np.int64)
        self.weight_probes[proj.name] = merged
        return merged

    # -- queries ------------------------------------------------------------------------
    def __getitem__(self, name: str) -> Population:
        try:
            return self.populations[name]
        except KeyError:
            raise unknown_names(f"Network '{self.name}'", "population", [name], self.populations) from None

    @property
    def n_neurons(self) -> int:
        """Neurons excluding spike sources."""
        return sum(p.size for p in self.populations.values() if not p.is_source)

    @property
    def n_synapses(self) -> int:
        return sum(p.n_synapses for p in self.projections)

    @property
    def max_delay_steps(self) -> int:
        return max((p.max_delay_steps for p in self.projections), default=1)

    def graph(self) -> nx.MultiDiGraph:
        """Population-level graph: nodes are population names, edges are projections."""
        import networkx as nx

        g = nx.MultiDiGraph(name=self.name, dt=self.dt)
        for pop in self.populations.values():
            g.add_node(pop.name, size=pop.size, model=type(pop.model).__name__, source=pop.is_source)
        for proj in self.projections:
            g.add_edge(proj.pre.name, proj.post.name, key=proj.name, synapses=proj.n_synapses)
        return g

    def validate(self) -> "Network":
        """Check the whole graph once more (objects built elsewhere, edited attributes)."""
        if not self.populations:
            raise NetworkError(f"Network '{self.name}' has no populations")
        for proj in self.projections:
            for side in (proj.pre, proj.post):
                if self.populations.get(side.name) is not side:
                    raise invalid(f"Projection '{proj.name}'", "population", side.name,
                                  f"is not part of network '{self.name}'")
            if proj.weights.shape != (proj.pre.size, proj.post.size):
                raise invalid(f"Projection '{proj.name}'", "weights shape", proj.weights.shape,
                              f"must be ({proj.pre.size}, {proj.post.size})")
            if proj.receptor not in proj.post.model.receptors:
                raise unknown_names(f"Projection '{proj.name}'", "receptor", [proj.receptor],
                                    proj.post.model.receptors)
            if proj.delay_steps.shape != proj.weights.data.shape or (
                    proj.delay_steps.size and proj.delay_steps.min() < 1):
                raise invalid(f"Projection '{proj.name}'", "delay_steps", proj.delay_steps,
                              "must hold one delay >= 1 step per synapse")
        for item in (*self.probes, *self.currents):
            if self.populations.get(item.population.name) is not item.population:
                raise invalid(type(item).__name__, "population", item.population.name,
                              f"is not part of network '{self.name}'")
        return self

    def __repr__(self):
        from ..io.tables import counted, shortened

        return (f"Network('{shortened(self.name)}', dt={self.dt:g} ms, {counted(len(self.populations), 'population')}, "
                f"{counted(self.n_neurons, 'neuron')}, {counted(self.n_synapses, 'synapse')})")

    def _repr_html_(self) -> str:
        """A notebook's view: the population and projection tables ``neurocompile build`` prints."""
        from ..io.tables import html_block, network_tables

        return html_block(repr(self), network_tables(self))

    # -- helpers ------------------------------------------------------------------------
    def _check_new_name(self, name):
        if not isinstance(name, str) or not _NAME.match(name):
            raise invalid(f"Network '{self.name}'", "population name", name,
                          "must start with a letter or '_' and use letters, digits, '_', '.', '-'")
        if name in self.populations:
            raise invalid(f"Network '{self.name}'", "population name", name, "is already used")

    def _view(self, obj, role: str) -> PopulationView | Population:
        if isinstance(obj, str):
            obj = self[obj]
        if not isinstance(obj, (Population, PopulationView)):
            raise invalid(f"Network '{self.name}'", role, obj, "must be a population or a view of one")
        pop = obj.population
        if self.populations.get(pop.name) is not pop:
            raise invalid(f"Network '{self.name}'", role, pop.name,
                          "is a population of another network (unknown here)")
        return obj
