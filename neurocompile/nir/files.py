"""Read a NIR HDF5 file into one flat graph of NIR nodes, with errors that name the node.

We read the HDF5 groups ourselves and build each node with the ``nir`` package's own classes
(so parameter defaults such as a missing ``v_reset`` agree with it), but without
``nir.read``'s graph type check: shapes are checked later, node by node, with messages that
name the node, and an ``Output`` whose declared shape disagrees with what reaches it is only
a warning (it computes nothing), as ``nir.read(type_check=False)`` would allow. Of each node we
read only what the import uses: its type, its primitive's parameters and the metadata entries
``read_nir`` interprets; any other dataset stays in the file, unread (a warning names it).

Nested ``NIRGraph`` nodes are flattened: node ``n`` of subgraph ``g`` becomes ``g.n``; the
subgraph's own ``Input`` and ``Output`` nodes become pass-through nodes. An edge may name a
subgraph (meaning its only Input, or its only Output) or one of its ports as ``g.port``.
"""
from __future__ import annotations

import dataclasses
import mmap
import warnings
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
    # a name that is not UTF-8 (a damaged file) keeps its bytes as backslash escapes; an error names it
    return value.decode("utf8", errors="backslashreplace") if isinstance(value, bytes) else value


#: Deepest nesting of HDF5 groups read (a NIR graph of graphs of ... nodes); real files nest a few.
MAX_NESTING = 64
#: A dataset larger than this (bytes) must not be more than :data:`MAX_EXPANSION` times larger
#: than what it occupies in the file: a compressed or unallocated block of zeros is not a model.
EXPANSION_CHECK_BYTES = 64 << 20
MAX_EXPANSION = 1000
#: HDF5 datatype classes by number (H5Tpublic.h), and those a NIR file's datasets use: numbers,
#: text and booleans (h5py stores them as an enum).
HDF5_CLASSES = {0: "integer", 1: "float", 2: "time", 3: "string", 4: "bitfield", 5: "opaque", 6: "compound",
                7: "reference", 8: "enum", 9: "variable-length sequence", 10: "array"}
READABLE_CLASSES = frozenset({0, 1, 3, 8})
#: The NIR primitives neurocompile imports.
SUPPORTED = frozenset({"Input", "Output", "Affine", "Linear", "Scale", "Conv1d", "Conv2d", "SumPool2d",
                       "AvgPool2d", "Flatten", "Delay", "Threshold", "I", "IF", "LI", "LIF", "CubaLI",
                       "CubaLIF"})


class NirImportWarning(UserWarning):
    """Something in a NIR file was accepted although it is not quite consistent."""


#: The metadata entries :func:`~neurocompile.nir.read_nir` interprets (written by ``write_nir``);
#: a node's or a graph's other metadata entries are not read.
NODE_METADATA = ("reset", "reset_delay", "strict", "bias_onset_ms")
GRAPH_METADATA = ("neurocompile_dt_ms", "neurocompile_semantics", "seed")


class _Reader:
    """Reads the datasets the import uses, each checked first; the others are only named.

    The datasets of one file may take half of what the machine has free in memory.
    """

    def __init__(self, file, nir, h5py):
        self.file, self.nir, self.h5py = file, nir, h5py
        self.left = available_memory_bytes() // 2
        self.limit = self.left
        self.skipped: list[str] = []
        self.at = "node"  # the group or dataset being read, for the error of a damaged file

    def dataset(self, item, where: str):
        """The value of dataset ``item`` (at ``where``), refused if it would not fit."""
        self.at = where
        if not isinstance(item, self.h5py.Dataset):
            raise NirFileError(f"NIR file '{self.file}': '{where}' is a group; expected a dataset")
        # HDF5 2.0 crashes (SIGSEGV in H5T__conv_vlen) reading a variable-length type whose kind
        # is damaged, which h5py shows as a sequence; NIR stores only numbers and text
        kind = item.id.get_type().get_class()
        if kind not in READABLE_CLASSES:
            raise NirFileError(f"NIR file '{self.file}': dataset '{where}' holds HDF5 "
                               f"{HDF5_CLASSES.get(kind, f'class {kind}')} data; a NIR dataset is numbers or text")
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
        return _to_str(item[()])

    def metadata_value(self, item, where: str):
        """The value of a metadata entry the import interprets: one number or one string."""
        if isinstance(item, self.h5py.Dataset) and item.shape != ():
            raise NirFileError(f"NIR file '{self.file}': dataset '{where}' has shape {item.shape}; "
                               "a metadata entry read_nir interprets is one value")
        value = self.dataset(item, where)
        return value.item() if isinstance(value, np.generic) else value

    def node(self, group, where: str, depth: int = 0) -> dict:
        """A node group as a dict: its ``type``, the datasets its primitive is built from (a
        NIRGraph's ``nodes`` and ``edges``) and the metadata entries the import interprets.
        Other datasets are not read (their names go to ``skipped``), nor is anything of a node
        whose type is not a primitive we import (the error names it later)."""
        if depth > MAX_NESTING:
            raise NirFileError(f"NIR file '{self.file}': graph '{where}' is nested deeper than "
                               f"{MAX_NESTING} levels")
        self.at = where
        if not isinstance(group, self.h5py.Group):
            return {}  # not a node: the graph's check names it
        out = {}
        if "type" in group:
            kind = self.dataset(group["type"], f"{where}/type")
            if not isinstance(kind, str):
                raise NirFileError(f"NIR file '{self.file}': dataset '{where}/type' is not a primitive's name")
            out["type"] = kind
        kind = out.get("type")
        if kind == "NIRGraph":
            wanted, metadata_keys = {"edges"}, GRAPH_METADATA
        elif kind in SUPPORTED:
            wanted, metadata_keys = _parameters(self.nir, kind), NODE_METADATA
        else:
            return out
        for key, item in group.items():
            key = _to_str(key)
            path = f"{where}/{key}"
            if key == "type":
                continue
            if key == "metadata" and isinstance(item, self.h5py.Group):
                out["metadata"] = {name: self.metadata_value(item[name], f"{path}/{name}")
                                   for name in metadata_keys if name in item}
            elif kind == "NIRGraph" and key == "nodes" and isinstance(item, self.h5py.Group):
                out["nodes"] = {_to_str(name): self.node(sub, f"{path}/{_to_str(name)}", depth + 1)
                                for name, sub in item.items()}
            elif key in wanted:
                if kind != "NIRGraph" and isinstance(item, self.h5py.Dataset) and item.dtype.kind not in "biuf":
                    raise NirFileError(f"NIR file '{self.file}': dataset '{path}' holds {item.dtype} values; "
                                       "a parameter of a NIR node is numbers")
                out[key] = self.dataset(item, path)
            else:
                self.skipped.append(path)
        return out


def _parameters(nir, kind: str) -> set[str]:
    """The datasets a node of primitive ``kind`` is built from: its class's constructor fields
    (an Input's or an Output's ``shape`` stands for its type)."""
    if kind in ("Input", "Output"):
        return {"shape"}
    return {f.name for f in dataclasses.fields(getattr(nir, kind)) if f.init} - {"metadata"}


#: The signature of an HDF5 superblock, found at byte 0 or at 512, 1024, 2048, ... after a user block.
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
#: The signature of an HDF5 global heap collection, which holds a file's variable-length strings
#: (node types, edges).
GLOBAL_HEAP_SIGNATURE = b"GCOL"


def _check_global_heaps(file: Path) -> None:
    """Refuse a file whose global heap collections HDF5 would decode forever.

    HDF5 (up to 2.0 at least) decodes a collection object by object, each step as long as the
    object's recorded size; a damaged size can make a step of 0 bytes (or one that wraps
    around), and reading any string of the file then never returns. The collections are found
    by their signature and walked here by the same rule first (a few microseconds per object).
    """
    with open(file, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        length_size = _length_size(data)
        if length_size is None:
            return  # no superblock HDF5 reads: it refuses the file itself
        header = 8 + length_size  # signature, version, 3 reserved bytes, collection size
        start = data.find(GLOBAL_HEAP_SIGNATURE)
        while start != -1:
            if data[start + 4:start + 8] == b"\x01\x00\x00\x00" and start + header <= len(data):
                size = int.from_bytes(data[start + 8:start + header], "little")
                if start + size <= len(data):  # else HDF5 cannot read the collection: its error
                    _walk_global_heap(file, data, start, size, length_size)
            start = data.find(GLOBAL_HEAP_SIGNATURE, start + 1)


def _length_size(data) -> int | None:
    """The "size of lengths" field of the file's superblock, None if there is no superblock."""
    offset = 0
    while offset + 16 <= len(data):
        if data[offset:offset + 8] == HDF5_SIGNATURE:
            version = data[offset + 8]
            return data[offset + (14 if version < 2 else 10)]
        offset = 512 if offset == 0 else 2 * offset
    return None


def _walk_global_heap(file: Path, data, start: int, size: int, length_size: int) -> None:
    """Step through the objects of the collection at ``start`` as HDF5 does (H5HGcache.c)."""
    object_header = 8 + length_size  # index, reference count, 4 reserved bytes, object size
    wrap = 1 << 64
    position = 8 + length_size
    while position < size:
        if position + object_header > size:
            return  # the rest is free space
        at = start + position
        index = int.from_bytes(data[at:at + 2], "little")
        stored = int.from_bytes(data[at + 8:at + object_header], "little")
        # an object is padded to 8 bytes; the free-space object (index 0) counts its header
        step = (object_header + (stored + 7) // 8 * 8) % wrap if index else stored
        if step == 0 or step >= wrap // 2:
            raise NirFileError(f"NIR file '{file}' is damaged: its HDF5 global heap at byte {start} has an "
                               f"object of size {stored} at byte {at}, which HDF5 would read forever")
        position += step


def read_flat_graph(path) -> FlatGraph:
    """Read and flatten the NIR graph in ``path``.

    Only the datasets the import uses are read (each checked before it is read); any other
    dataset of a node is named in one :class:`NirImportWarning` and left in the file.
    """
    nir, h5py = require_nir()
    file = Path(path)
    if not file.is_file():
        raise NirFileError(f"NIR file '{file}' does not exist")
    try:
        handle = h5py.File(file, "r")
    except OSError as exc:
        raise NirFileError(f"NIR file '{file}' is not an HDF5 file ({exc})") from None
    reader = _Reader(file, nir, h5py)
    with handle:
        _check_global_heaps(file)
        try:
            if "node" not in handle or not isinstance(handle["node"], h5py.Group):
                raise NirFileError(f"NIR file '{file}' has no top-level group 'node' (not a NIR graph)")
            root = reader.node(handle["node"], "node")
        except NirFileError:
            raise
        # what h5py raises for a damaged file (ValueError, TypeError: a type with no numpy dtype)
        except (OSError, RuntimeError, KeyError, ValueError, TypeError) as exc:
            detail = exc.args[0] if exc.args else type(exc).__name__
            raise NirFileError(f"NIR file '{file}' is damaged: HDF5 cannot read '{reader.at}' "
                               f"({detail})") from None
    if root.get("type") != "NIRGraph":
        raise NirFileError(f"NIR file '{file}': the top-level node is a {root.get('type')!r}, "
                           "not a NIRGraph")
    if reader.skipped:
        warnings.warn(f"NIR file '{file}': ignored (not read) datasets that are no parameter of their "
                      f"node: {', '.join(map(repr, reader.skipped))}", NirImportWarning, stacklevel=3)
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
        if not (isinstance(src, str) and isinstance(dst, str)):
            raise NirFileError(f"{where}: edge ({src!r}, {dst!r}) is not a pair of node names")
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
    if kind not in SUPPORTED:
        raise NirFileError(f"{where}: node '{flat_name}' is a {kind!r}, which neurocompile does not "
                           f"import; supported primitives: {', '.join(sorted(SUPPORTED))}")
    fields = dict(data)
    fields.pop("metadata", None)
    try:
        node = nir.dict2NIRNode(fields)
    except Exception as exc:  # noqa: BLE001 - nir raises assertions and TypeErrors alike
        detail = str(exc) or type(exc).__name__
        raise NirFileError(f"{where}: node '{flat_name}' ({kind}) is malformed: {detail}") from None
    node.metadata = dict(data.get("metadata", {}))
    return node
