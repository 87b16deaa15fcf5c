"""``read_nir``: import a NIR graph (snnTorch, Norse, Sinabs, Rockpool, ...) as a Network.

Nodes become populations and projections:

* an ``Input`` node becomes a spike-source population of its size (flattened), silent by
  default; drive it with ``read_nir(..., inputs={"input": nc.SpikeTrains(...)})`` (keys are
  the NIR node names; values are spike-source models: SpikeTrains or PoissonSource);
* every neuron node (LIF, IF, LI, I, CubaLIF, CubaLI) becomes a population, parameters mapped
  as documented in :mod:`neurocompile.nir.mapping`: with ``semantics="exact"`` as the exact
  solution of its ODE (:class:`~neurocompile.LIF`/``LI``), with a framework's semantics
  (``"snntorch"``, ``"norse"``, ``"sinabs"``) as that framework's update per step
  (:class:`~neurocompile.DiscreteLIF`/``DiscreteLI``); an I/LI/CubaLI node followed by a
  ``Threshold`` node becomes one spiking population;
* the nodes between neurons (Linear, Affine, Scale, Conv1d, Conv2d, SumPool2d, AvgPool2d,
  Flatten, Delay, nested graphs) are folded into sparse projections between the populations
  (one per source population and delay) and into the neurons' biases;
* populations that feed an ``Output`` node get a spikes probe (a ``v`` probe if they do not
  spike, e.g. an LI readout).

Population names are the NIR node names (nested ones joined by '.'), with characters other
than letters, digits, '_', '.', '-' replaced by '_' and an ``n`` prefixed where a name starts
with a digit (Sinabs' ``"0"`` becomes ``"n0"``): see :func:`population_name`.
"""
from __future__ import annotations

import math
import re
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from ..errors import NetworkError, invalid
from ..ir import Explicit, Network, SpikeTrains
from ..ir.inputs import SpikeSourceModel
from .conv import conv_matrix, pool_matrix
from ..resources import available_memory_bytes
from .files import NirFileError, NirImportWarning, read_flat_graph
from .mapping import (NEURONS, NON_SPIKING, RESETS, SEMANTICS, implied_dt_ms, map_neuron,  # noqa: F401
                      map_neuron_discrete, node_size)
from .signals import Signal

#: Memory one neuron of an imported population takes, roughly (state, parameters, counters).
BYTES_PER_NEURON = 256
#: Longest Delay node read, in steps (a chip's delay field has far fewer: compiling checks it).
MAX_DELAY_STEPS = 2**31 - 1


def population_name(node_name: str) -> str:
    """The population name a NIR node gets (see the module docstring)."""
    name = re.sub(r"[^A-Za-z0-9_.\-]", "_", str(node_name))
    return name if re.match(r"^[A-Za-z_]", name) else "n" + name


def read_nir(path, dt: float | None = None, *, semantics: str = "auto", reset: str | None = None,
             reset_delay: bool | None = None, inputs: dict | None = None, name: str | None = None,
             seed: int | None = None) -> Network:
    """Import the NIR graph in ``path`` (HDF5) as a :class:`~neurocompile.Network`.

    Args:
        dt: time step of the imported network, ms. NIR leaves discretisation to the reader;
            a file that records its step (written by :func:`write_nir`, or by snnTorch, whose
            ``r = tau / dt`` states it) is read at that step when ``dt`` is None, and a ``dt``
            that contradicts it gets a :class:`NirImportWarning` naming both. Other files need it
            (the NIR paper ran its examples at 0.1 ms).
        semantics: how the ODEs are read. ``"snntorch"``, ``"norse"``, ``"sinabs"``: as that
            framework computes them, one forward-Euler step per ``dt`` with the input counted in
            its own step and the framework's reset (snnTorch: subtract, one step after the spike;
            Norse: to ``v_reset`` at once; Sinabs: subtract at once, spike at ``v >= threshold``),
            which reproduces a network trained there spike for spike; ``"exact"``: the exact
            solution of the ODE (:class:`~neurocompile.LIF`). ``"auto"`` (default): the
            semantics a file written by :func:`write_nir` records, else ``"snntorch"`` when the
            file follows snnTorch's export convention (``r = tau / dt`` for every neuron), else
            ``"exact"``. The network's ``provenance`` says what was used.
        reset: ``"zero"`` (to ``v_reset``, 0 unless the file says otherwise), ``"subtract"``
            (subtract the threshold) or, for a framework's semantics, ``"none"``: NIR does not
            record it. None: a node's own ``metadata["reset"]`` (written by :func:`write_nir`),
            else the semantics' own (``"zero"`` for ``"exact"``).
        reset_delay: framework semantics only: reset one step after the spike (snnTorch's
            ``reset_delay=True``) or at once; None: the node's metadata, else the framework's.
        inputs: NIR Input node name -> spike-source model (``nc.SpikeTrains``,
            ``nc.PoissonSource``) driving it. Inputs not given are silent.
        name: network name (default: the file name without extension).
        seed: the network's seed (default: the ``seed`` a file written by :func:`write_nir`
            records, else 0); it seeds Poisson inputs that have no seed of their own.

    Raises:
        NetworkError (NirFileError): the file is not HDF5, a node is malformed or unsupported,
            an edge names a missing node, shapes do not fit; the message names the node.
    """
    if dt is not None and (isinstance(dt, (str, bytes, bool)) or not np.isfinite(dt) or dt <= 0):
        raise invalid("read_nir", "dt", dt, "must be a finite time step > 0 ms (e.g. 0.1), or None")
    if semantics == "rockpool":
        raise invalid("read_nir", "semantics", semantics,
                      "is not implemented: Rockpool's update changed between its versions (forward Euler in "
                      "LIFNeuronTorch, exponential decays with the input decayed in its own step in LIFTorch, "
                      "several spikes per step) and its files do not say which wrote them; read them with "
                      "'exact' (default) or a framework's semantics that matches")
    if semantics not in SEMANTICS:
        raise invalid("read_nir", "semantics", semantics, f"must be one of {', '.join(map(repr, SEMANTICS))}")
    if reset is not None and reset not in (*RESETS, "none"):
        raise invalid("read_nir", "reset", reset, "must be 'zero', 'subtract', 'none' (or None)")
    inputs = dict(inputs or {})
    flat = read_flat_graph(path)
    recorded = _metadata_number(flat.metadata, "neurocompile_dt_ms", f"NIR file '{path}'",
                                "must be a time step > 0 ms", lambda v: np.isfinite(v) and v > 0)
    implied = recorded if recorded is not None else implied_dt_ms(flat.nodes)
    if semantics == "auto":
        semantics = flat.metadata.get("neurocompile_semantics") or (
            "snntorch" if recorded is None and implied is not None else "exact")
        if semantics not in SEMANTICS[1:]:
            raise invalid(f"NIR file '{path}'", "metadata['neurocompile_semantics']", semantics,
                          f"must be one of {', '.join(map(repr, SEMANTICS[1:]))}", cls=NirFileError)
    if semantics == "exact" and reset == "none":
        raise invalid("read_nir", "reset", reset, "'none' needs a framework's semantics (a LIF always resets)")
    how = "given"
    if dt is None:
        if implied is None:
            raise invalid("read_nir", "dt", dt, f"is needed: '{path}' does not imply its time step "
                          "(give it in ms: dt=0.1 in Python, --dt 0.1 on the command line)")
        dt, how = implied, ("recorded in the file" if recorded is not None else "implied by the file")
    elif implied is not None and abs(dt - implied) > 1e-3 * implied:
        warnings.warn(f"{path}: the file implies dt = {implied:.6g} ms (its r and w_in depend on it) "
                      f"but it is read at dt = {dt:g} ms; its decays change with dt", NirImportWarning,
                      stacklevel=2)
    if seed is None:
        seed = int(_metadata_number(flat.metadata, "seed", f"NIR file '{path}'", "must be an integer >= 0",
                                    lambda v: 0 <= v < np.inf and v == int(v)) or 0)
    net = Network(name or population_name(Path(path).stem), dt=dt, seed=seed)
    net.provenance.update(nir_file=str(path), semantics=semantics, dt_ms=dt, dt_source=how)
    try:
        return _Importer(flat, net, semantics, reset, reset_delay, inputs, str(path)).run()
    except NirFileError:
        raise
    except NetworkError as exc:  # a population or projection the file describes: name the file
        if str(path) in str(exc):
            raise
        raise NirFileError(f"NIR file '{path}': {exc}") from None


class _Importer:
    def __init__(self, flat, net, semantics, reset, reset_delay, inputs, file):
        self.flat, self.net, self.reset, self.inputs, self.file = flat, net, reset, inputs, file
        self.semantics, self.reset_delay = semantics, reset_delay
        self.nodes = flat.nodes
        self.preds: dict[str, list] = {n: [] for n in self.nodes}
        self.succs: dict[str, list] = {n: [] for n in self.nodes}
        for a, b in flat.edges:
            self.preds[b].append(a)
            self.succs[a].append(b)
        self.signals: dict[str, Signal] = {}
        self.evaluating: list[str] = []
        self.pop_names: dict[str, str] = {}
        self.neuron_maps: dict = {}
        self.threshold_of: dict[str, str] = {}  # Threshold node -> neuron node it completes

    # -- helpers ------------------------------------------------------------------------
    def owner(self, node_name: str) -> str:
        return f"NIR node '{node_name}' ({type(self.nodes[node_name]).__name__}) in '{self.file}'"

    def kind(self, node_name: str) -> str:
        return type(self.nodes[node_name]).__name__

    def is_top_input(self, n):
        return self.kind(n) == "Input" and n not in self.flat.passthrough

    def is_top_output(self, n):
        return self.kind(n) == "Output" and n not in self.flat.passthrough

    def _assign_name(self, node_name):
        base = population_name(node_name)
        name, k = base, 1
        taken = set(self.pop_names.values())
        while name in taken:
            k += 1
            name = f"{base}_{k}"
        self.pop_names[node_name] = name

    # -- the import -----------------------------------------------------------------------
    def run(self) -> Network:
        unknown = set(self.inputs) - {n for n in self.nodes if self.is_top_input(n)}
        if unknown:
            allowed = sorted(n for n in self.nodes if self.is_top_input(n))
            raise NetworkError(f"read_nir: inputs names {sorted(unknown)}, which are not Input "
                               f"nodes of '{self.file}'; Input nodes: {allowed}")
        self._find_thresholds()
        for node_name, node in self.nodes.items():
            if self.is_top_input(node_name) or self.kind(node_name) in NEURONS:
                self._assign_name(node_name)
        for node_name, node in self.nodes.items():
            if self.kind(node_name) not in NEURONS:
                continue
            if self.semantics == "exact":
                reset = self.reset or _metadata_reset(node) or "zero"
                self.neuron_maps[node_name] = map_neuron(
                    node, self.net.dt, reset, self.owner(node_name),
                    threshold=self._threshold_value(node_name))
            else:
                self.neuron_maps[node_name] = map_neuron_discrete(
                    node, self.net.dt, self.semantics, self.reset, self.reset_delay, self.owner(node_name),
                    threshold=self._threshold_value(node_name))
        for node_name in self.nodes:
            if self.is_top_input(node_name):
                self._add_input(node_name)
        drives = {n: self._neuron_input(n) for n in self.neuron_maps}
        depth = self._depths(drives)
        for node_name, mapping in self.neuron_maps.items():
            metadata = getattr(self.nodes[node_name], "metadata", None) or {}
            # written by write_nir; else the node's depth
            onset = _metadata_number(metadata, "bias_onset_ms", self.owner(node_name), "must be a time >= 0 ms",
                                     lambda v: v >= 0 and np.isfinite(v))
            model = mapping.model(drives[node_name].const, self.owner(node_name),
                                  bias_onset=onset if onset is not None else depth.get(node_name, 0) * self.net.dt)
            self.net.population(self.pop_names[node_name], mapping.size, model)
        for node_name, mapping in self.neuron_maps.items():
            self._connect(node_name, drives[node_name], mapping.spike_gain)
        for node_name in self.nodes:
            if self.is_top_output(node_name):
                self._probe_output(node_name)
        return self.net

    def _depths(self, drives: dict) -> dict:
        """Neuron node -> the step in which its first input can arrive (its spikes run that many
        steps behind the framework's, whose edges take no time): one step per edge plus any
        ``Delay``, shortest over paths from the Input nodes. A framework's bias must start
        then too; nodes no input reaches start at step 0."""
        depth = {n: 0 for n in self.nodes if self.is_top_input(n)}
        for _ in range(len(self.neuron_maps) + 1):  # shortest paths, loops included
            changed = False
            for node_name, signal in drives.items():
                arrivals = [depth[src] + 1 + int(delay) for src, delay in signal.terms if src in depth]
                if arrivals and min(arrivals) < depth.get(node_name, np.iinfo(np.int64).max):
                    depth[node_name] = min(arrivals)
                    changed = True
            if not changed:
                break
        return depth

    def _find_thresholds(self):
        for node_name in self.nodes:
            if self.kind(node_name) != "Threshold":
                continue
            preds = self.preds[node_name]
            if len(preds) != 1 or self.kind(preds[0]) not in NON_SPIKING:
                got = ", ".join(f"'{p}' ({self.kind(p)})" for p in preds) or "nothing"
                raise NirFileError(f"{self.owner(node_name)}: a Threshold is supported only directly "
                                   f"after one I, LI or CubaLI node (the pair becomes a spiking "
                                   f"neuron); its input comes from {got}")
            neuron = preds[0]
            if neuron in self.threshold_of.values():
                raise NirFileError(f"{self.owner(node_name)}: node '{neuron}' already feeds another "
                                   "Threshold")
            self.threshold_of[node_name] = neuron
            warnings.warn(f"{self.owner(node_name)}: NIR's Threshold does not reset '{neuron}'; the "
                          "imported neuron resets to its resting potential after each spike",
                          NirImportWarning, stacklevel=4)

    def _threshold_value(self, neuron):
        for t, n in self.threshold_of.items():
            if n == neuron:
                return np.asarray(self.nodes[t].threshold, dtype=np.float64)
        return None

    def _add_input(self, node_name):
        node = self.nodes[node_name]
        shape = _shape_of_type(node.input_type, "input", self.owner(node_name))
        if shape is None:
            raise NirFileError(f"{self.owner(node_name)}: has no shape")
        size = math.prod(shape)  # Python ints: (2**32, 2**32) is not 0
        # a population holds a few arrays of its size: refuse what the machine cannot hold
        # before allocating (a 17 KB file declaring 10^9 inputs took 7.7 GB and a MemoryError)
        if size * BYTES_PER_NEURON > available_memory_bytes():
            raise NirFileError(f"{self.owner(node_name)}: input shape {tuple(shape)} declares {size} neurons; "
                               f"at about {BYTES_PER_NEURON} bytes each that exceeds this machine's "
                               f"{available_memory_bytes() / 2**30:.1f} GiB of available memory")
        model = self.inputs.get(node_name, SpikeTrains([], []))
        if not isinstance(model, SpikeSourceModel):
            raise invalid("read_nir", f"inputs['{node_name}']", model,
                          "must be a spike source such as nc.SpikeTrains(...) or nc.PoissonSource(...)")
        self.net.population(self.pop_names[node_name], size, model)
        self.signals[node_name] = Signal.source(node_name, shape)

    # -- signals --------------------------------------------------------------------------
    def out_signal(self, node_name: str, consumer: str) -> Signal:
        if node_name in self.signals:
            return self.signals[node_name]
        kind = self.kind(node_name)
        if kind in NEURONS:
            mapping = self.neuron_maps[node_name]
            if not mapping.spiking:
                raise NirFileError(f"{self.owner(node_name)}: does not spike (its output is a "
                                   f"voltage), so it can only feed an Output or a Threshold, not "
                                   f"'{consumer}' ({self.kind(consumer)})")
            signal = Signal.source(node_name, np.shape(_first_param(self.nodes[node_name])) or (1,))
        elif kind == "Threshold":
            neuron = self.threshold_of[node_name]
            signal = Signal.source(neuron, np.shape(_first_param(self.nodes[neuron])) or (1,))
        elif self.is_top_output(node_name):
            raise NirFileError(f"{self.owner(node_name)}: an Output node has an outgoing edge to "
                               f"'{consumer}'")
        else:
            if node_name in self.evaluating:
                loop = self.evaluating[self.evaluating.index(node_name):]
                raise NirFileError(f"NIR file '{self.file}': nodes {loop} form a loop with no neuron "
                                   "in it (an algebraic loop)")
            self.evaluating.append(node_name)
            try:
                signal = self._transform(node_name, self.in_signal(node_name))
            finally:
                self.evaluating.pop()
        self.signals[node_name] = signal
        return signal

    def in_signal(self, node_name: str) -> Signal:
        preds = self.preds[node_name]
        if not preds:
            raise NirFileError(f"{self.owner(node_name)}: has no incoming edge")
        parts = [self.out_signal(p, node_name) for p in preds]
        sizes = {p: s.size for p, s in zip(preds, parts)}
        if len(set(sizes.values())) > 1:
            detail = ", ".join(f"'{p}' gives {s.shape}" for p, s in zip(preds, parts))
            raise NirFileError(f"{self.owner(node_name)}: its inputs have different shapes ({detail}); "
                               "signals meeting at a node are summed and must agree")
        total = parts[0]
        for part in parts[1:]:
            total = total.add(part)
        return total

    def _transform(self, node_name: str, x: Signal) -> Signal:
        node, kind, owner = self.nodes[node_name], self.kind(node_name), self.owner(node_name)
        if node_name in self.flat.passthrough:
            return x
        if kind in ("Linear", "Affine"):
            weight = np.asarray(node.weight, dtype=np.float64)
            if weight.ndim != 2:
                raise NirFileError(f"{owner}: weight has shape {weight.shape}; only 2-D weights "
                                   "(out, in) are supported")
            if weight.shape[1] != x.size:
                raise NirFileError(f"{owner}: weight has shape {weight.shape} (in = {weight.shape[1]}) "
                                   f"but its input has shape {x.shape} ({x.size} values)")
            bias = None
            if kind == "Affine":
                bias = np.asarray(node.bias, dtype=np.float64).ravel()
                if bias.size != weight.shape[0]:
                    raise NirFileError(f"{owner}: bias has {bias.size} values, weight has "
                                       f"{weight.shape[0]} outputs")
            return x.map(sp.csr_matrix(weight.T), (weight.shape[0],), bias)
        if kind == "Scale":
            scale = np.asarray(node.scale, dtype=np.float64)
            if scale.size != x.size:
                raise NirFileError(f"{owner}: scale has shape {scale.shape} but its input has "
                                   f"shape {x.shape}")
            return x.scale(scale).reshape(scale.shape or x.shape)
        if kind in ("Conv1d", "Conv2d"):
            return self._conv(node_name, x)
        if kind in ("SumPool2d", "AvgPool2d"):
            shape = self._spatial_shape(node_name, x, 2, None)
            matrix, out_shape = _wrap(owner, lambda: pool_matrix(
                shape, node.kernel_size, node.stride, node.padding, kind == "AvgPool2d", owner))
            return x.map(matrix, out_shape)
        if kind == "Flatten":
            declared = _shape_of_type(node.input_type, "input", owner)
            shape = x.shape
            if declared is not None:
                if math.prod(declared) != x.size:
                    raise NirFileError(f"{owner}: declared input shape {declared} does not match its "
                                       f"input of shape {x.shape}")
                shape = declared
            return x.reshape(_flatten_shape(shape, _integer(node.start_dim, owner, "start_dim"),
                                            _integer(node.end_dim, owner, "end_dim"), owner))
        if kind == "Delay":
            delay = np.asarray(node.delay, dtype=np.float64).ravel()
            if delay.size == 1 and x.size != 1:
                delay = np.full(x.size, delay[0])
            if delay.size != x.size:
                raise NirFileError(f"{owner}: delay has {delay.size} values but its input has "
                                   f"shape {x.shape}")
            dt_s = self.net.dt * 1e-3
            steps = np.rint(delay / dt_s)
            if not np.all(np.isfinite(delay)) or np.any(delay < 0) \
                    or np.any(np.abs(steps * dt_s - delay) > 1e-6 * np.maximum(dt_s, delay)):
                raise NirFileError(f"{owner}: delays (s) {describe(delay)} must be finite, >= 0 and multiples "
                                   f"of dt = {dt_s:g} s")
            if steps.size and steps.max() > MAX_DELAY_STEPS:
                raise NirFileError(f"{owner}: delays (s) {describe(delay)} reach {steps.max():g} steps of "
                                   f"dt = {dt_s:g} s; at most {MAX_DELAY_STEPS} steps are read")
            return x.delay(steps.astype(np.int64))
        raise NirFileError(f"{owner}: cannot be used here")  # pragma: no cover

    def _spatial_shape(self, node_name, x, n_axes, declared_spatial):
        shape = x.shape
        if declared_spatial is not None and len(shape) != n_axes + 1:
            channels = x.size // int(np.prod(declared_spatial)) if np.prod(declared_spatial) else 0
            candidate = (channels, *declared_spatial)
            if int(np.prod(candidate)) == x.size:
                shape = candidate
        if len(shape) != n_axes + 1:
            raise NirFileError(f"{self.owner(node_name)}: needs an input of shape (C, {n_axes} spatial "
                               f"dims), got {x.shape}")
        if declared_spatial is not None and tuple(declared_spatial) != tuple(shape[1:]):
            raise NirFileError(f"{self.owner(node_name)}: input_shape = {tuple(declared_spatial)} but "
                               f"its input has shape {x.shape}")
        return shape

    def _conv(self, node_name, x):
        node, owner = self.nodes[node_name], self.owner(node_name)
        n_axes = 1 if self.kind(node_name) == "Conv1d" else 2
        declared = None
        if getattr(node, "input_shape", None) is not None:
            declared = _shape(node.input_shape, owner, "input_shape")
        shape = self._spatial_shape(node_name, x, n_axes, declared)
        weight = np.asarray(node.weight, dtype=np.float64)
        groups = _integer(node.groups, owner, "groups")
        if weight.ndim == n_axes + 2 and shape[0] != weight.shape[1] * groups:
            raise NirFileError(f"{owner}: weight {weight.shape} with groups = {groups} "
                               f"expects {weight.shape[1] * groups} input channels, "
                               f"its input has shape {x.shape}")
        matrix, out_shape = _wrap(owner, lambda: conv_matrix(
            shape, weight, node.stride, node.padding, node.dilation, groups, owner))
        bias = np.asarray(node.bias, dtype=np.float64).ravel()
        if bias.size not in (0, 1, out_shape[0]):
            raise NirFileError(f"{owner}: bias has {bias.size} values for {out_shape[0]} channels")
        offset = np.repeat(np.broadcast_to(bias, (out_shape[0],)), int(np.prod(out_shape[1:]))) \
            if bias.size else None
        return x.map(matrix, out_shape, offset)

    # -- neurons ----------------------------------------------------------------------------
    def _neuron_input(self, node_name) -> Signal:
        size = self.neuron_maps[node_name].size
        if not self.preds[node_name]:
            return Signal((size,))
        signal = self.in_signal(node_name)
        if signal.size != size:
            raise NirFileError(f"{self.owner(node_name)}: has {size} neurons but its input has shape "
                               f"{signal.shape} ({signal.size} values)")
        return signal

    def _connect(self, node_name, signal: Signal, gain):
        post = self.pop_names[node_name]
        diag = sp.diags(np.asarray(gain, dtype=np.float64), format="csr")
        delays_of: dict[str, int] = {}
        for src, _ in signal.terms:
            delays_of[src] = delays_of.get(src, 0) + 1
        for (src, delay), matrix in sorted(signal.terms.items()):
            several = delays_of[src] > 1
            weights = sp.csr_matrix(matrix @ diag)
            weights.eliminate_zeros()
            if weights.nnz == 0:
                continue
            pre = self.pop_names[src]
            name = f"{pre}->{post}" + (f"@{delay + 1}" if several else "")
            self.net.connect(pre, post, Explicit(weights), delay=(1 + delay) * self.net.dt, name=name)

    def _probe_output(self, node_name):
        declared = _shape_of_type(self.nodes[node_name].output_type, "output", self.owner(node_name))
        reached, shape = self._sources_of(node_name)
        if declared is not None and shape is not None and tuple(declared) != tuple(shape):
            warnings.warn(f"{self.owner(node_name)}: declares shape {tuple(declared)} but receives "
                          f"{tuple(shape)}; importing anyway (an Output computes nothing)",
                          NirImportWarning, stacklevel=4)
        for src in reached:
            pop = self.net[self.pop_names[src]]
            self.net.probe(pop, "spikes" if pop.model.spiking else "v")

    def _sources_of(self, node_name):
        """Populations an Output reads (through pass-through nodes) and the shape it receives."""
        reached, shape = [], None
        for pred in self.preds[node_name]:
            kind = self.kind(pred)
            if kind in NEURONS or self.is_top_input(pred):
                reached.append(pred)
                node_shape = np.shape(_first_param(self.nodes[pred])) if kind in NEURONS else \
                    _shape_of_type(self.nodes[pred].input_type, "input", self.owner(pred))
                shape = shape or tuple(node_shape)
            elif kind == "Threshold":
                reached.append(self.threshold_of[pred])
                shape = shape or tuple(np.shape(self.nodes[pred].threshold))
            elif pred in self.flat.passthrough:
                more, inner = self._sources_of(pred)
                reached += more
                shape = shape or inner
            else:
                signal = self.out_signal(pred, node_name)
                warnings.warn(f"{self.owner(node_name)}: reads a {kind} of populations, not a "
                              "population; probing the populations it reads instead",
                              NirImportWarning, stacklevel=5)
                reached += sorted({src for src, _ in signal.terms})
                shape = shape or signal.shape
        return list(dict.fromkeys(reached)), shape


def _metadata_number(metadata: dict, key: str, owner: str, rule: str, accepts) -> float | None:
    """``metadata[key]`` as a float (None if absent); an error naming it if ``accepts`` refuses it."""
    value = metadata.get(key)
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = None
    if number is None or not accepts(number):
        raise invalid(owner, f"metadata['{key}']", value, rule, cls=NirFileError)
    return number


def _metadata_reset(node):
    value = getattr(node, "metadata", {}).get("reset") if isinstance(getattr(node, "metadata", None), dict) else None
    return value if value in RESETS else None


_FIRST_PARAM = {"LIF": "tau", "LI": "tau", "CubaLIF": "tau_mem", "CubaLI": "tau_mem",
                "IF": "r", "I": "r"}


def _first_param(node) -> np.ndarray:
    """A parameter array of a neuron node: its shape is the node's shape."""
    return np.asarray(getattr(node, _FIRST_PARAM[type(node).__name__]))


def _shape_of_type(types, key, owner):
    """The shape a node's ``input_type`` or ``output_type`` declares (None if it declares none)."""
    if not isinstance(types, dict):
        return None
    value = types.get(key)
    if value is None:
        return None
    return _shape(value, owner, f"{key} shape")


def _shape(value, owner: str, what: str) -> tuple[int, ...]:
    """A shape read from the file as a tuple of ints >= 1, or an error naming the node."""
    arr = np.atleast_1d(np.asarray(value))
    if arr.ndim != 1 or arr.dtype.kind not in "iuf" or not np.all(np.isfinite(arr)) \
            or np.any(arr != np.rint(arr)) or np.any(arr < 1):
        raise NirFileError(f"{owner}: {what} = {describe(value)} must be a list of integers >= 1")
    return tuple(int(v) for v in arr)


def _integer(value, owner: str, what: str) -> int:
    """One integer read from the file (``groups``, ``start_dim``), or an error naming the node."""
    arr = np.asarray(value)
    if arr.size != 1 or arr.dtype.kind not in "iuf" or not np.isfinite(arr).all() \
            or arr.ravel()[0] != np.rint(arr.ravel()[0]) or abs(arr.ravel()[0]) > 2**31:
        raise NirFileError(f"{owner}: {what} = {describe(value)} must be one integer")
    return int(arr.ravel()[0])


def _flatten_shape(shape, start, end, owner):
    n = len(shape)
    s = start + n if start < 0 else start
    e = end + n if end < 0 else end
    if not (0 <= s <= e < n):
        raise NirFileError(f"{owner}: start_dim = {start}, end_dim = {end} do not fit an input of "
                           f"shape {tuple(shape)}")
    return tuple(shape[:s]) + (int(np.prod(shape[s:e + 1])),) + tuple(shape[e + 1:])


def _wrap(owner, build):
    try:
        return build()
    except NirFileError:
        raise
    except NetworkError as exc:
        raise NirFileError(str(exc)) from None


def describe(values) -> str:
    from ..errors import describe_value
    return describe_value(np.asarray(values))


__all__ = ["NirImportWarning", "node_size", "population_name", "read_nir"]
