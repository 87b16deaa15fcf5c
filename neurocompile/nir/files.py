"""Read a NIR HDF5 file into one flat graph of NIR nodes, with errors that name the node.

We read the HDF5 groups ourselves and build each node with the ``nir`` package's own classes
(so parameter defaults such as a missing ``v_reset`` agree with it), but without
``nir.read``'s graph type check: shapes are checked later, node by node, with messages that
name the node, and an ``Output`` whose declared shape disagrees with what reaches it is only
a warning (it computes nothing), as ``nir.read(type_check=False)`` would allow.

Nested ``NIRGraph`` nodes are flattened: node ``n`` of subgraph ``g`` becomes ``g.n``; the
subgraph's own ``Input`` and ``Output`` nodes become pass-through nodes. An edge may name a
subgraph (meaning its only Input, or its only Output) or one of its ports as ``g.port``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import NetworkError
from ..resources import available_memory_bytes

INSTALL_HINT = "install the optional extra: pip install 'neurocompile[nir]' (or pip install '.[nir]')"


def require_nir():
    """Import ``nir`` and ``h5py`` or raise an error saying how to install them."""
    try:
        import h5py
        import nir
    except ImportError as exc:
        raise NetworkError(f"NIR support needs the packages 'nir' and 'h5py' ({exc}); "
                           f"{INSTALL_HINT}") from None
    return nir, h5py


class NirFileError(NetworkError):
    """A NIR file cannot be read or is malformed (the message names the file and the node)."""


@dataclass
class FlatGraph:
    """All nodes of a NIR file, nested graphs flattened; ``passthrough`` are subgraph ports."""

    nodes: dict = field(default_factory=dict)
    edges: list = field(default_factory=list)
    passthrough: set = field(default_factory=set)
    metadata: dict = field(default_factory=dict)


def _to_str(value):
    return value.decode("utf8") if isinstance(value, bytes) else value


#: Deepest nesting of HDF5 groups read (a NIR graph of graphs of ... nodes); real files nest a few.
MAX_NESTING = 64
#: A dataset larger than this (bytes) must not be more than :data:`MAX_EXPANSION` times larger
#: than what it occupies in the file: a compressed or unallocated block of zeros is not a model.
EXPANSION_CHECK_BYTES = 64 << 20
MAX_EXPANSION = 1000


class _Budget:
    """Bytes the datasets of one file may take in memory: half of what the machine has free."""

    def __init__(self, file):
        self.file = file
        self.left = available_memory_bytes() // 2
        self.limit = self.left

    def take(self, item, where: str) -> None:
        nbytes = int(item.size) * int(item.dtype.itemsize)
        if nbytes > EXPANSION_CHECK_BYTES:
            stored = int(item.id.get_storage_size())
            if nbytes > MAX_EXPANSION * max(stored, 1):
                raise NirFileError(
                    f"NIR file '{self.file}': dataset '{where}' declares {nbytes / 2**20:.0f} MiB but stores "
                    f"{stored} bytes (more than {MAX_EXPANSION}x expansion); refusing to read it")
        if nbytes > self.left:
            raise NirFileError(
                f"NIR file '{self.file}': dataset '{where}' needs {nbytes / 2**30:.2f} GiB; the file's datasets "
                f"may take at most {self.limit / 2**30:.1f} GiB (half of this machine's available memory)")
        self.left -= nbytes


def _group_to_dict(group, h5py, budget: _Budget, path: str = "node", depth: int = 0) -> dict:
    if depth > MAX_NESTING:
        raise NirFileError(f"NIR file '{budget.file}': group '{path}' is nested deeper than {MAX_NESTING} levels")
    out = {}
    for key, item in group.items():
        where = f"{path}/{_to_str(key)}"
        if isinstance(item, h5py.Group):
            out[_to_str(key)] = _group_to_dict(item, h5py, budget, where, depth + 1)
        else:
            budget.take(item, where)
            out[_to_str(key)] = _to_str(item[()])
    return out


def read_flat_graph(path) -> FlatGraph:
    """Read and flatten the NIR graph in ``path``."""
    nir, h5py = require_nir()
    file = Path(path)
    if not file.is_file():
        raise NirFileError(f"NIR file '{file}' does not exist")
    try:
        handle = h5py.File(file, "r")
    except OSError as exc:
        raise NirFileError(f"NIR file '{file}' is not an HDF5 file ({exc})") from None
    with handle:
        if "node" not in handle or not isinstance(handle["node"], h5py.Group):
            raise NirFileError(f"NIR file '{file}' has no top-level group 'node' (not a NIR graph)")
        root = _group_to_dict(handle["node"], h5py, _Budget(file))
    if root.get("type") != "NIRGraph":
        raise NirFileError(f"NIR file '{file}': the top-level node is a {root.get('type')!r}, "
                           "not a NIRGraph")
    flat = FlatGraph(metadata=dict(root.get("metadata", {})))
    _flatten(nir, root, "", flat, file)
    return flat


def _flatten(nir, graph: dict, prefix: str, flat: FlatGraph, file) -> tuple[list, list]:
    """Add the graph's nodes and edges to ``flat``; return its (Input, Output) flat names."""
    where = f"NIR file '{file}'" + (f", subgraph '{prefix[:-1]}'" if prefix else "")
    nodes = graph.get("nodes")
    if not isinstance(nodes, dict) or "edges" not in graph:
        raise NirFileError(f"{where}: a NIRGraph needs 'nodes' and 'edges'")
    ports: dict[str, tuple[list, list]] = {}
    inputs, outputs = [], []
    for name, data in nodes.items():
        flat_name = prefix + name
        if not isinstance(data, dict) or "type" not in data:
            raise NirFileError(f"{where}: node '{flat_name}' has no 'type'")
        kind = data["type"]
        if kind == "NIRGraph":
            ports[name] = _flatten(nir, data, flat_name + ".", flat, file)
            continue
        flat.nodes[flat_name] = _build_node(nir, data, flat_name, where)
        if kind == "Input":
            inputs.append(flat_name)
            if prefix:
                flat.passthrough.add(flat_name)
        elif kind == "Output":
            outputs.append(flat_name)
            if prefix:
                flat.passthrough.add(flat_name)
    edges = np.asarray(graph["edges"], dtype=object)
    if edges.size and (edges.ndim != 2 or edges.shape[1] != 2):
        raise NirFileError(f"{where}: 'edges' has shape {edges.shape}; expected (n, 2) node names")
    for src, dst in edges.reshape(-1, 2):
        src, dst = _to_str(src), _to_str(dst)
        a = _endpoint(src, nodes, ports, prefix, "source", (src, dst), where)
        b = _endpoint(dst, nodes, ports, prefix, "destination", (src, dst), where)
        flat.edges.append((a, b))
    return inputs, outputs


def _endpoint(name, nodes, ports, prefix, role, edge, where) -> str:
    """Flat name of an edge endpoint (a node, a subgraph or a subgraph's port)."""
    if name in nodes and name not in ports:
        return prefix + name
    head, _, tail = name.partition(".")
    if name in ports or (tail and head in ports):
        graph_name = name if name in ports else head
        inputs, outputs = ports[graph_name]
        candidates = inputs if role == "destination" else outputs
        if name in ports:
            if len(candidates) != 1:
                kind = "Input" if role == "destination" else "Output"
                raise NirFileError(f"{where}: edge {edge} names subgraph '{prefix + name}', which has "
                                   f"{len(candidates)} {kind} nodes; name one as '{name}.<{kind.lower()}>'")
            return candidates[0]
        wanted = f"{prefix}{head}.{tail}"
        if wanted in candidates:
            return wanted
    raise NirFileError(f"{where}: edge {edge} names {role} node '{prefix + name}', which does not "
                       f"exist; nodes here: {', '.join(sorted(nodes))}")


def _build_node(nir, data: dict, flat_name: str, where: str):
    kind = data["type"]
    supported = _supported(nir)
    if kind not in supported:
        raise NirFileError(f"{where}: node '{flat_name}' is a {kind!r}, which neurocompile does not "
                           f"import; supported primitives: {', '.join(sorted(supported))}")
    fields = dict(data)
    fields.pop("metadata", None)
    try:
        node = nir.dict2NIRNode(fields)
    except Exception as exc:  # noqa: BLE001 - nir raises assertions and TypeErrors alike
        detail = str(exc) or type(exc).__name__
        raise NirFileError(f"{where}: node '{flat_name}' ({kind}) is malformed: {detail}") from None
    node.metadata = dict(data.get("metadata", {}))
    return node


def _supported(nir) -> set[str]:
    return {"Input", "Output", "Affine", "Linear", "Scale", "Conv1d", "Conv2d", "SumPool2d",
            "AvgPool2d", "Flatten", "Delay", "Threshold", "I", "IF", "LI", "LIF", "CubaLI",
            "CubaLIF"}
