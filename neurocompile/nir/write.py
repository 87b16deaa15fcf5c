"""``write_nir``: export a Network of LIF/LI (or DiscreteLIF/DiscreteLI) populations and spike
sources as a NIR file.

What is written (``nir.read`` accepts the file; :func:`~neurocompile.nir.read_nir` at the same
``dt`` gives back a network that simulates identically in float):

* each spike-source population -> an ``Input`` node of its size (the spikes themselves are not
  part of NIR; pass them again with ``read_nir(..., inputs=...)``);
* each LIF/LI population -> ``LIF``/``LI`` (``tau_syn = 0``), ``CubaLIF``/``CubaLI``
  (``tau_syn > 0``) or ``IF``/``I`` (``tau_mem = inf``), with ``r`` and ``w_in`` chosen so that
  NIR weights equal ours in mV (see :func:`neurocompile.nir.mapping.export_neuron`; they depend
  on ``dt``, which is recorded in the graph's metadata as ``neurocompile_dt_ms``); the reset
  rule goes into the node's ``metadata["reset"]`` ("zero" or "subtract");
* DiscreteLIF/DiscreteLI populations instead follow snnTorch's export convention
  (:func:`neurocompile.nir.mapping.export_discrete`), the graph records
  ``neurocompile_semantics = "snntorch"`` and each node its ``reset``, ``reset_delay``,
  ``strict`` and ``bias_onset_ms``; a network holds one kind (ODE or discrete), since a file
  is read with one semantics;
* each projection -> one dense ``Linear`` node per distinct delay (``Affine`` where it carries
  a population's bias), followed by a ``Delay`` node of ``(delay - 1) * dt`` when the delay is
  longer than one step (our one-step minimum is NIR's instantaneous edge);
* each probed population -> an ``Output`` node ``out_<population>``.

Limits (each a clear error naming the population or projection): AdEx, ExpIF, Izhikevich, HH, short-term
and long-term plasticity have no NIR primitive;
refractory periods, injected currents (StepCurrent) and mixed node types inside one
population cannot be written; a projection is written densely, so ``n_pre * n_post`` must be
at most :data:`MAX_DENSE_ENTRIES`. Initial states other than rest are not part of NIR (a
warning).
"""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from ..errors import NetworkError
from ..models import LI, LIF, DiscreteLI, DiscreteLIF
from .files import require_nir
from .mapping import export_discrete, export_neuron

#: Largest projection (n_pre * n_post) written as a dense NIR weight matrix.
MAX_DENSE_ENTRIES = 1 << 25


class NirExportWarning(UserWarning):
    """Something of the network is not representable in NIR and was left out."""


def write_nir(net, path) -> Path:
    """Write ``net`` to ``path`` as a NIR (HDF5) graph; returns the path."""
    nir, _ = require_nir()
    net.validate()
    dt_ms, dt_s = net.dt, net.dt * 1e-3
    if net.currents:
        raise NetworkError(f"write_nir: network '{net.name}' injects currents "
                           f"(into '{net.currents[0].population.name}'); NIR has no injected currents")
    nodes, edges = {}, []
    gains, consts = {}, {}
    neurons = [p for p in net.populations.values() if not p.is_source]
    discrete = bool(neurons) and isinstance(neurons[0].model, (DiscreteLIF, DiscreteLI))
    for pop in net.populations.values():
        if pop.is_source:
            nodes[pop.name] = nir.Input(input_type=np.array([pop.size]))
            continue
        owner = f"write_nir: population '{pop.name}'"
        if not isinstance(pop.model, (LIF, LI, DiscreteLIF, DiscreteLI)):
            raise NetworkError(f"{owner}: model {type(pop.model).__name__} has no NIR primitive "
                               "(NIR has LIF, LI, IF, I, CubaLIF, CubaLI)")
        if pop.model.has_receptors:
            raise NetworkError(_receptor_message(owner, pop.model.receptors))
        if isinstance(pop.model, (DiscreteLIF, DiscreteLI)) != discrete:
            raise NetworkError(f"{owner}: {type(pop.model).__name__} in a network that also has "
                               f"{'ODE (LIF/LI)' if discrete else 'discrete-time'} populations; a NIR "
                               "file is read with one semantics, so it holds one kind")
        if np.any(pop.params.get("refractory", np.zeros(1)) > 0):
            raise NetworkError(f"{owner}: refractory = {float(np.max(pop.params['refractory'])):g} ms; "
                               "NIR neurons have no refractory period")
        defaults = pop.model.default_state()
        if any(np.any(pop.initial[var] != np.broadcast_to(defaults[var], (pop.size,)))
               for var in pop.initial):
            warnings.warn(f"{owner}: initial state differs from rest; NIR has no initial states, "
                          "so it is not written", NirExportWarning, stacklevel=2)
        try:
            kind, params, gain, const = (export_discrete if discrete else export_neuron)(pop, dt_ms)
        except NetworkError as exc:
            raise NetworkError(f"write_nir: {exc}") from None
        metadata = {}
        if discrete:
            metadata.update(_discrete_metadata(pop, owner))
        elif pop.model.spiking:
            resets = set(np.atleast_1d(pop.params["reset"]).tolist()) if not isinstance(
                pop.params["reset"], str) else {pop.params["reset"]}
            metadata["reset"] = "subtract" if resets == {"subtract"} else "zero"
        nodes[pop.name] = getattr(nir, kind)(**params, metadata=metadata)
        gains[pop.name] = gain
        bias = np.broadcast_to(pop.params["bias"], (pop.size,)).astype(np.float64)
        if np.any(bias != 0):
            if const is None:  # pragma: no cover - the model forbids bias without leak
                raise NetworkError(f"{owner}: bias on a leak-free neuron")
            consts[pop.name] = bias / const

    counter = 0
    bias_written = set()
    for proj in net.projections:
        owner = f"write_nir: projection '{proj.name}'"
        pre, post = proj.pre, proj.post
        for rule in (proj.stp, proj.plasticity):
            if rule is not None:  # NIR weights are fixed
                raise NetworkError(f"{owner}: {type(rule).__name__} plasticity has no NIR primitive")
        if pre.size * post.size > MAX_DENSE_ENTRIES:
            raise NetworkError(f"{owner}: {pre.size} x {post.size} weights exceed the "
                               f"{MAX_DENSE_ENTRIES} entries written densely per NIR Linear node")
        rows, cols, weights, delays = proj.synapse_arrays()
        for delay in np.unique(delays):
            pick = delays == delay
            matrix = np.zeros((post.size, pre.size))
            np.add.at(matrix, (cols[pick], rows[pick]), weights[pick])
            matrix /= gains[post.name][:, None]
            counter += 1
            name = f"w{counter}_{pre.name}_{post.name}"
            if post.name in consts and post.name not in bias_written:
                nodes[name] = nir.Affine(weight=matrix, bias=consts[post.name])
                bias_written.add(post.name)
            else:
                nodes[name] = nir.Linear(weight=matrix)
            edges.append((pre.name, name))
            last = name
            if delay > 1:
                delay_name = f"d{counter}_{pre.name}_{post.name}"
                nodes[delay_name] = nir.Delay(delay=np.full(post.size, (int(delay) - 1) * dt_s))
                edges.append((name, delay_name))
                last = delay_name
            edges.append((last, post.name))
    for pop_name in consts.keys() - bias_written:
        _write_constant(nir, net, pop_name, consts[pop_name], nodes, edges)

    for probe in net.probes:
        out = f"out_{probe.population.name}"
        if out not in nodes:
            nodes[out] = nir.Output(output_type=np.array([probe.population.size]))
            edges.append((probe.population.name, out))
    graph = nir.NIRGraph(nodes=nodes, edges=edges, type_check=False,
                         metadata={"neurocompile_dt_ms": float(dt_ms), "network": net.name,
                                   "seed": int(net.seed),
                                   "neurocompile_semantics": "snntorch" if discrete else "exact"})
    path = Path(path)
    nir.write(str(path), graph)
    return path


def _discrete_metadata(pop, owner: str) -> dict:
    """What NIR does not say of a discrete-time population, for :func:`read_nir` to read back:
    reset rule and timing, threshold comparison, bias onset (one value per population)."""
    def one(name):
        values = np.unique(np.broadcast_to(pop.params[name], (pop.size,)))
        if values.size > 1:
            raise NetworkError(f"{owner}: {name} differs between neurons ({values.min():g} .. "
                               f"{values.max():g}); a NIR node records one value")
        return values[0]

    metadata = {"bias_onset_ms": float(one("bias_onset"))}
    if pop.model.spiking:
        metadata.update(reset=str(pop.params["reset"]), reset_delay=int(one("reset_delay")),
                        strict=int(one("strict")))
    return metadata


def _write_constant(nir, net, pop_name, const, nodes, edges):
    """A bias with no incoming projection to carry it: an Affine with zero weights from any
    spiking population (read back, its zero weights make no synapses)."""
    pop = net.populations[pop_name]
    source = pop if pop.model.spiking else next(
        (p for p in net.populations.values() if p.model.spiking), None)
    if source is None:
        raise NetworkError(f"write_nir: population '{pop_name}' has a bias but the network has no "
                           "spiking population to attach the NIR Affine node that carries it")
    name = f"bias_{pop_name}"
    nodes[name] = nir.Affine(weight=np.zeros((pop.size, source.size)), bias=const)
    edges += [(source.name, name), (name, pop_name)]


def _receptor_message(owner: str, receptors: dict) -> str:
    """Why a population with ``receptors=`` has no NIR form, naming the receptor."""
    conductances = [name for name, r in receptors.items() if r.kind == "conductance"]
    if conductances:
        name = conductances[0]
        return (f"{owner}: receptor '{name}' ({type(receptors[name]).__name__}) is a conductance; NIR has no "
                "conductance-based synapse (its CubaLIF has one current synapse)")
    if len(receptors) > 1:
        name = list(receptors)[1]
        return (f"{owner}: receptor '{name}' is a second synaptic current; NIR's CubaLIF has one current synapse "
                "per neuron")
    name = next(iter(receptors))
    return (f"{owner}: receptor '{name}' is the only synaptic current; write the model with "
            f"tau_syn={receptors[name].params['tau']!r} instead of receptors= to export it as a NIR CubaLIF")
