"""Reading a ``.ncp`` archive without trusting it: the zip container and its ``.npy`` members.

A program file is a zip of ``.npy`` members written by :func:`numpy.savez` (stored, not
compressed). This module reads such a file as untrusted input:

* a file that is not a zip is named for what it looks like (a Python network file, a NIR
  graph, a target description, text, ...) and the command that fits it;
* only members the manifest names are ever decompressed, and every member's name must be
  ``<identifier>.npy``;
* each member's ``.npy`` header is parsed first (never pickle, never an object dtype, only
  bool/int/float); the bytes its shape needs must equal the uncompressed size the zip
  directory declares, and the sum over the named members must fit a budget (see
  :func:`size_budget`) before any array data is read.

Every failure is a :class:`~neurocompile.program.files.ProgramFileError` naming the file.
"""
from __future__ import annotations

import json
import math
import re
import struct
import zipfile
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ..errors import NeurocompileError, UnreadableFileError

#: Largest manifest member (bytes): the manifest holds names, numbers and reports, never arrays.
MANIFEST_CAP_BYTES = 256 << 20
#: Largest total of the array members a program may decompress to, whatever its manifest says.
HARD_CAP_BYTES = 16 << 30
#: Allowance per neuron and per synapse entry for the budget of a compressed archive (bytes):
#: a neuron carries a few dozen per-neuron arrays, a synapse at most 16 bytes (post index,
#: mantissa, delay, its share of the route tables), both with room to spare.
BYTES_PER_NEURON = 8192
BYTES_PER_SYNAPSE = 64
#: Fixed part of that budget: lookup tables, spike trains, bias updates.
BUDGET_SLACK_BYTES = 64 << 20
#: The dtypes an array member may have (numpy kinds): bool, signed, unsigned, float.
ARRAY_KINDS = "biuf"
#: Members are named by the encoder as ``a<k>.npy`` (and ``manifest.npy``); anything else in
#: the archive is rejected from the zip directory, without decompressing it.
MEMBER_NAME = re.compile(r"[A-Za-z0-9_]{1,64}\.npy")
MANIFEST = "manifest"
#: Exceptions the zip and npy readers raise on damaged input (never on our own mistakes).
READ_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, KeyError,
               NotImplementedError, RuntimeError, struct.error, OverflowError, UnicodeDecodeError)


class ProgramFileError(NeurocompileError):
    """A ``.ncp`` file is missing, truncated, of another format or of an unsupported version,
    or holds values the chip cannot run."""


class UnreadableProgramFileError(ProgramFileError, UnreadableFileError):
    """A ``.ncp`` file is missing, a directory or cannot be read."""


class MemberHeader(NamedTuple):
    """An array member as its ``.npy`` header declares it."""

    info: zipfile.ZipInfo
    dtype: np.dtype
    shape: tuple
    fortran_order: bool
    data_offset: int


def not_a_program(path: Path) -> ProgramFileError:
    """The error for a file that is not a zip archive, saying what it looks like and which
    command fits it."""
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if not head:
        return ProgramFileError(f"'{path}' is truncated or corrupt: it is empty, not a neurocompile program")
    if head.startswith(b"\x89HDF"):
        return ProgramFileError(f"'{path}' is not a neurocompile program: it looks like a NIR graph (HDF5): "
                                f"use `neurocompile build {path}`")
    if head.startswith(b"\x93NUMPY"):
        return ProgramFileError(f"'{path}' is not a neurocompile program: it is a single NumPy array (.npy); "
                                f"programs are written by `neurocompile build`")
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        # a cut inside a multi-byte character at the end of the sample is still text
        try:
            text = head[:-3].decode("utf-8")
        except UnicodeDecodeError:
            text = None
    if text is None or "\x00" in text:
        return ProgramFileError(f"'{path}' is truncated or corrupt: it is binary data, not a zip archive, so "
                                f"not a neurocompile program (programs are written by `neurocompile build`)")
    if path.suffix == ".py" or re.search(r"^\s*(import \w|from [\w.]+ import |def \w|#!)", text, re.M):
        return ProgramFileError(f"'{path}' is not a neurocompile program: it looks like a Python network file: "
                                f"use `neurocompile build {path}`")
    if re.search(r"^\s*\[(chip|core|precision|board)\]", text, re.M):
        return ProgramFileError(f"'{path}' is not a neurocompile program: it looks like a target description "
                                f"(TOML): use `neurocompile build NET.py --target {path}`")
    return ProgramFileError(f"'{path}' is truncated or corrupt: it is a text file, not a zip archive, so not "
                            f"a neurocompile program (programs are written by `neurocompile build`)")


def size_budget(tree: dict, on_disk: int) -> int:
    """Bytes the array members of a program with manifest ``tree`` may decompress to.

    An archive as :func:`numpy.savez` writes it stores its members uncompressed, so they
    never exceed the file's own size (``on_disk``): such files always fit. Beyond that (a
    compressed archive) the allowance follows the program's size as its manifest states it:
    the neurons of its populations and at most ``pre x post`` synapses per projection, capped
    by the synapse entries of the target's cores; never more than :data:`HARD_CAP_BYTES`.
    """
    sizes, pairs = {}, 0
    try:
        fields = tree["quantized"]["fields"]
        for name, node in fields["populations"]["__map__"]:
            size = node["fields"]["size"]
            sizes[name] = size if isinstance(size, int) and 0 <= size < 1 << 40 else 0
        for node in fields["projections"]["__tuple__"]:
            pairs += sizes.get(node["fields"]["pre"], 0) * sizes.get(node["fields"]["post"], 0)
        board = tree["target"]["board"]["chips"] * tree["target"]["chip"]["cores"]
        capacity = board * tree["target"]["core"]["synapse_entries"]
        synapses = min(pairs, capacity) if isinstance(capacity, int) and capacity > 0 else pairs
    except (KeyError, TypeError, ValueError):
        synapses = 0  # a malformed manifest is reported by the decoder; budget the file itself
    stated = BUDGET_SLACK_BYTES + BYTES_PER_NEURON * sum(sizes.values()) + BYTES_PER_SYNAPSE * synapses
    return min(HARD_CAP_BYTES, max(on_disk, stated))


class Archive:
    """An open program file; use as a context manager. :meth:`manifest` reads the manifest,
    :meth:`arrays` the members it names."""

    def __init__(self, path: Path):
        self.path = path
        with open(path, "rb") as fh:
            magic = fh.read(4)
        if magic not in (b"PK\x03\x04", b"PK\x05\x06"):
            raise not_a_program(path)
        self.on_disk = path.stat().st_size
        self._zip = self._guard(lambda: zipfile.ZipFile(path))
        self.members: dict[str, zipfile.ZipInfo] = {}
        for info in self._zip.infolist():
            if not MEMBER_NAME.fullmatch(info.filename):
                self.close()
                raise ProgramFileError(f"'{path}' is not a neurocompile program: member {info.filename!r} is not "
                                       f"a NumPy array (.npy) named like the program's members")
            if info.filename in self.members:
                self.close()
                raise ProgramFileError(f"'{path}' is corrupt: member {info.filename!r} occurs twice")
            self.members[info.filename] = info

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        zf = getattr(self, "_zip", None)
        if zf is not None:
            zf.close()

    def _guard(self, read, member: str = ""):
        """``read()``, with the reader's own exceptions as one named error."""
        try:
            return read()
        except ProgramFileError:
            raise
        except READ_ERRORS as exc:
            where = f" (member {member!r})" if member else ""
            raise ProgramFileError(f"'{self.path}' is truncated or corrupt and cannot be read as a neurocompile "
                                   f"program{where}: {type(exc).__name__}: {_one_line(exc)}") from None

    def manifest(self) -> dict:
        """The manifest as a dict (JSON), read within :data:`MANIFEST_CAP_BYTES`."""
        name = f"{MANIFEST}.npy"
        if name not in self.members:
            raise ProgramFileError(f"'{self.path}' is not a neurocompile program (no manifest)")
        header = self._header(name, MANIFEST_CAP_BYTES)
        if header.dtype != np.uint8 or len(header.shape) != 1:
            raise ProgramFileError(f"'{self.path}': the manifest member has dtype {header.dtype} and shape "
                                   f"{header.shape}; it must be a 1-D uint8 array (UTF-8 JSON)")
        raw = self._data(header)
        try:
            tree = json.loads(raw.tobytes().decode("utf-8"))
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise ProgramFileError(f"'{self.path}' is truncated or corrupt: its manifest is not valid UTF-8 JSON "
                                   f"({type(exc).__name__}: {_one_line(exc)})") from None
        if not isinstance(tree, dict):
            raise ProgramFileError(f"'{self.path}' is not a neurocompile program: its manifest is a "
                                   f"{type(tree).__name__}, not a JSON object")
        return tree

    def arrays(self, keys: set, budget: int) -> dict:
        """The members named ``keys`` (without ``.npy``) as writable native-order arrays.

        Every header is read and checked against the zip directory first; no data is read
        unless all of them together fit ``budget`` bytes.
        """
        headers = {}
        for key in sorted(keys):
            name = f"{key}.npy"
            if key == MANIFEST or name not in self.members:
                raise ProgramFileError(f"'{self.path}' is incomplete: the manifest refers to array {key!r}, "
                                       f"which the archive does not hold")
            headers[key] = self._header(name, budget)
        total = sum(h.info.file_size for h in headers.values())
        if total > budget:
            raise ProgramFileError(f"'{self.path}': its arrays would take {total} bytes uncompressed; a program of "
                                   f"this size and target may take at most {budget} bytes")
        return {key: self._data(header) for key, header in headers.items()}

    def _header(self, name: str, cap: int) -> MemberHeader:
        """Parse and check the ``.npy`` header of member ``name``; its whole size must be at
        most ``cap`` bytes (from the zip directory, before decompressing anything)."""
        info = self.members[name]
        if info.file_size > cap:
            raise ProgramFileError(f"'{self.path}': member {name!r} declares {info.file_size} bytes "
                                   f"uncompressed; at most {cap} are allowed")

        def read():
            with self._zip.open(info) as fh:
                version = np.lib.format.read_magic(fh)
                if version == (1, 0):
                    shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
                elif version in ((2, 0), (3, 0)):
                    shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh)
                else:
                    raise ValueError(f"unsupported .npy version {version}")
                return MemberHeader(info, dtype, shape, fortran, fh.tell())

        header = self._guard(read, name)
        dtype = header.dtype
        if dtype.hasobject or dtype.fields is not None or dtype.subdtype is not None or dtype.kind not in ARRAY_KINDS:
            raise ProgramFileError(f"'{self.path}': member {name!r} has dtype {dtype}; program arrays are bool, "
                                   f"integer or float (never objects)")
        needed = header.data_offset + math.prod(header.shape) * dtype.itemsize
        if needed != info.file_size:
            raise ProgramFileError(f"'{self.path}' is truncated or corrupt: member {name!r} declares shape "
                                   f"{header.shape} of {dtype} ({needed} bytes with its header) but holds "
                                   f"{info.file_size} bytes")
        return header

    def _data(self, header: MemberHeader) -> np.ndarray:
        """The member's array (its size was checked by :meth:`_header`)."""
        info = header.info

        def read():
            with self._zip.open(info) as fh:
                fh.read(header.data_offset)
                # zipfile stops at the directory's size and checks the CRC at the end
                return fh.read(info.file_size - header.data_offset)

        data = self._guard(read, info.filename)
        count = math.prod(header.shape)
        if len(data) != count * header.dtype.itemsize:
            raise ProgramFileError(f"'{self.path}' is truncated or corrupt: member {info.filename!r} ends early")
        array = np.frombuffer(bytearray(data), dtype=header.dtype, count=count)
        array = array.reshape(header.shape, order="F" if header.fortran_order else "C")
        if not header.dtype.isnative:
            array = array.astype(header.dtype.newbyteorder("="))
        return array


def _one_line(exc) -> str:
    return " ".join(str(exc).split())[:200]
