"""Saving and loading compiled programs (``.ncp`` files).

Format: a NumPy ``.npz`` archive (zip) with one member ``manifest`` (UTF-8 JSON) and one
member per array. The manifest records the format name and version and the program as a tree
of plain values in which dataclasses name their class (from a fixed list of our own types,
never imported by name from the file) and arrays refer to archive members. No pickle is used,
so loading a file never executes code from it.
"""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np

from ..chip import AdexParams, ExpTable, FixedCoefficient, LifParams
from ..chip.hh import GateTables
from ..errors import NeurocompileError, unreadable_file
from ..ir.inputs import PoissonSource, SpikeTrains
from ..place.placement import Placement
from ..place.routing import RouteTable
from ..place.usage import CoreUsage
from ..quantize.receptors import QuantizedReceptors
from ..quantize.types import BiasUpdate, QuantizedNetwork, QuantizedPopulation, QuantizedProjection, QuantIssue
from .archive import Archive, ProgramFileError, UnreadableProgramFileError, _one_line, size_budget

FORMAT_NAME = "neurocompile-program"
FORMAT_VERSION = 6  # 3: receptor elements; 4: their conductances load a LIF's relaxation (the leak element);
#                    5: the nonlinear soma's kind, square and x_u columns (Izhikevich); 6: plastic projections

_CLASSES = {cls.__name__: cls for cls in (
    AdexParams, ExpTable, FixedCoefficient, GateTables, LifParams, Placement, RouteTable, CoreUsage,
    BiasUpdate, QuantizedNetwork, QuantizedPopulation, QuantizedProjection, QuantizedReceptors, QuantIssue)}


#: Deepest nesting a manifest may have (a real one is about ten levels deep).
MAX_DEPTH = 64

class _Encoder:
    def __init__(self):
        self.arrays: dict[str, np.ndarray] = {}

    def encode(self, obj):
        if isinstance(obj, np.ndarray):
            key = f"a{len(self.arrays)}"
            self.arrays[key] = obj
            return {"__array__": key}
        if dataclasses.is_dataclass(obj) and type(obj).__name__ in _CLASSES:
            return {"__dataclass__": type(obj).__name__,
                    "fields": {f.name: self.encode(getattr(obj, f.name)) for f in dataclasses.fields(obj)}}
        if isinstance(obj, (PoissonSource, SpikeTrains)):
            return self._source(obj)
        if isinstance(obj, dict):
            return {"__map__": [[self.encode(k), self.encode(v)] for k, v in obj.items()]}
        if isinstance(obj, tuple):
            return {"__tuple__": [self.encode(v) for v in obj]}
        if isinstance(obj, list):
            return [self.encode(v) for v in obj]
        if isinstance(obj, (np.integer, np.bool_)):
            return obj.item()
        if isinstance(obj, np.floating):
            return float(obj)
        if obj is None or isinstance(obj, (bool, int, float, str)):
            return obj
        raise TypeError(f"cannot store a {type(obj).__name__} in a program file")

    def _source(self, model):
        if isinstance(model, PoissonSource):
            return {"__source__": "poisson", "rate": self.encode(np.asarray(model.rate)),
                    "seed": model.seed, "start": model.start, "stop": model.stop}
        return {"__source__": "trains", "times": self.encode(model.times), "indices": self.encode(model.indices)}


def _decode(node, arrays):
    if isinstance(node, list):
        return [_decode(v, arrays) for v in node]
    if not isinstance(node, dict):
        return node
    if "__array__" in node:
        return arrays[node["__array__"]]
    if "__dataclass__" in node:
        cls = _CLASSES.get(node["__dataclass__"])
        if cls is None:
            raise ProgramFileError(f"unknown object type {node['__dataclass__']!r} in program file")
        return cls(**{k: _decode(v, arrays) for k, v in node["fields"].items()})
    if "__source__" in node:
        if node["__source__"] == "poisson":
            rate = _decode(node["rate"], arrays)
            return PoissonSource(rate if rate.ndim else float(rate), seed=node["seed"],
                                 start=node["start"], stop=node["stop"])
        return SpikeTrains(_decode(node["times"], arrays), _decode(node["indices"], arrays))
    if "__map__" in node:
        return {_decode(k, arrays): _decode(v, arrays) for k, v in node["__map__"]}
    if "__tuple__" in node:
        return tuple(_decode(v, arrays) for v in node["__tuple__"])
    return {k: _decode(v, arrays) for k, v in node.items()}


def _portable_source(source: str) -> str:
    """The target's origin with a file named by its name only (``file 'emu.toml'``): the full
    path would make the same program from two checkouts differ byte for byte (the target
    itself is in the file, as data)."""
    prefix = "file '"
    if source.startswith(prefix) and source.endswith("'"):
        return f"{prefix}{Path(source[len(prefix):-1]).name}'"
    return source


def save_program(program, path) -> None:
    """Write ``program`` to ``path`` (parent folders are created)."""
    enc = _Encoder()
    tree = {
        "format": FORMAT_NAME, "version": FORMAT_VERSION, "name": program.name,
        "target": program.target.to_dict(), "target_source": _portable_source(program.target.source),
        "quantized": enc.encode(program.quantized), "placement": enc.encode(program.placement),
        "routes": enc.encode(program.routes), "usage": enc.encode(program.usage),
        "sources": enc.encode(program.sources), "probes": enc.encode(program.probes),
        "info": enc.encode(program.info), "weight_probes": enc.encode(program.weight_probes),
    }
    manifest = np.frombuffer(json.dumps(tree).encode("utf-8"), dtype=np.uint8)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        np.savez(fh, manifest=manifest, **enc.arrays)


def read_program(path) -> dict:
    """The fields of the :class:`~neurocompile.program.Program` stored in ``path`` (keyword
    arguments of its constructor), read without executing anything from the file and without
    decompressing anything its manifest does not name (:mod:`.archive`); clear
    :class:`ProgramFileError` for bad files. The values are checked by :mod:`.validate`."""
    from ..target import Target

    path = Path(path)
    unreadable = unreadable_file(path, "program file", UnreadableProgramFileError)
    if unreadable is not None:
        raise unreadable
    with Archive(path) as archive:
        tree = archive.manifest()
        if tree.get("format") != FORMAT_NAME:
            raise ProgramFileError(f"'{path}' is not a neurocompile program (format {tree.get('format')!r})")
        if tree.get("version") != FORMAT_VERSION:
            raise ProgramFileError(
                f"'{path}' has program format version {tree.get('version')!r}; this neurocompile "
                f"reads version {FORMAT_VERSION}. Recompile the network with this version.")
        keys = _array_keys(tree, path)
        arrays = archive.arrays(keys, size_budget(tree, archive.on_disk))
    try:
        target = Target.from_dict(tree["target"], source=str(tree.get("target_source", path)))
    except NeurocompileError as exc:
        raise ProgramFileError(f"'{path}': its target: {_one_line(exc)}") from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ProgramFileError(f"'{path}': its target is malformed ({type(exc).__name__}: {_one_line(exc)})") from None
    try:
        return dict(
            name=tree["name"], target=target, quantized=_decode(tree["quantized"], arrays),
            placement=_decode(tree["placement"], arrays), routes=_decode(tree["routes"], arrays),
            usage=_decode(tree["usage"], arrays), sources=_decode(tree["sources"], arrays),
            probes=_decode(tree["probes"], arrays), info=_decode(tree["info"], arrays),
            weight_probes=_decode(tree["weight_probes"], arrays))
    except KeyError as exc:
        raise ProgramFileError(f"'{path}' is incomplete: missing or malformed entry {_one_line(exc)}") from None
    except ProgramFileError as exc:
        raise ProgramFileError(f"'{path}': {_one_line(exc)}") from None
    except (NeurocompileError, TypeError, ValueError, AttributeError, IndexError) as exc:
        # a dataclass or source refused its fields, or a node has the wrong kind of value
        raise ProgramFileError(f"'{path}' is malformed: {type(exc).__name__}: {_one_line(exc)}") from None


def _array_keys(tree, path) -> set:
    """The array members ``tree`` names; the tree must nest at most :data:`MAX_DEPTH` deep
    (the decoder recurses, and a real manifest is about ten levels deep)."""
    keys, stack = set(), [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ProgramFileError(f"'{path}' is malformed: its manifest nests deeper than {MAX_DEPTH} levels")
        if isinstance(node, list):
            stack.extend((child, depth + 1) for child in node)
        elif isinstance(node, dict):
            if "__array__" in node:
                key = node["__array__"]
                if not isinstance(key, str):
                    raise ProgramFileError(f"'{path}' is malformed: an array reference is {key!r}, not a member name")
                keys.add(key)
            stack.extend((child, depth + 1) for child in node.values())
    return keys
