"""Reading damaged and crafted NIR files (neurocompile.nir.files, .read, .mapping).

The real files of the NIR paper (../shared/nir-paper) are mutated in seeded ways: datasets and
groups deleted, values replaced by NaN, infinities, huge, tiny, zero and negative numbers,
datasets rewritten in other dtypes and shapes, node types renamed, nodes renamed, edges broken
(missing nodes, escape sequences in names, wrong shapes), metadata of the wrong kind, the file
truncated, bits flipped. Every case must end in a one-line NeurocompileError naming the file
(``neurocompile build`` prints it as one line too), or in a network that compiles for the
emulator and runs 1 ms, or is refused there by a one-line NeurocompileError; never another
exception, a hang or an absurd allocation.
"""
from __future__ import annotations

import resource
import shutil
import subprocess
import sys
import warnings
from collections import Counter

import numpy as np
import pytest

import neurocompile as nc
from neurocompile.errors import NeurocompileError
from tests.helpers import NIR_PAPER_DIR, assert_one_named_line, deadline, run_cli

h5py = pytest.importorskip("h5py", reason="NIR import needs the 'nir' extra (pip install '.[nir]')")
pytest.importorskip("nir", reason="NIR import needs the 'nir' extra (pip install '.[nir]')")

from neurocompile.nir import read_nir  # noqa: E402  (after the skip: needs the extra)

SEED = 20240613
CASES = {"delete": 45, "values": 70, "dtypes": 45, "shapes": 45, "types": 30, "edges": 40, "names": 20,
         "metadata": 35, "truncation": 20, "bit flips": 50}
FILES = ["lif_norse.nir", "lif_rockpool.nir", "two_lif_neurons.nir", "braille_noDelay_bias_zero.nir",
         "braille_noDelay_noBias_subtract.nir", "braille_noDelay_bias_zero_subgraph.nir", "cnn_sinabs.nir"]
#: Wall time one case (read, compile, 1 ms run) may take; the CNN takes about 0.3 s.
CASE_SECONDS = 20.0

TYPES = ["LIF", "CubaLIF", "IF", "I", "LI", "CubaLI", "Linear", "Affine", "Scale", "Delay", "Threshold", "Flatten",
         "Conv1d", "Conv2d", "SumPool2d", "AvgPool2d", "Input", "Output", "NIRGraph", "Quantum", "", "lif",
         "\x1b[2JLIF", "LIF\n", "\u202eFIL"]
NAMES = ["ghost", "\x1b[31mred", "a.b", "input.x", "0", "line\nbreak", "x" * 300, "\u202e", " "]


def _datasets(f) -> list[str]:
    out = []
    f.visititems(lambda name, item: out.append(name) if isinstance(item, h5py.Dataset) else None)
    return out


def _items(f) -> list[str]:
    out = []
    f.visit(out.append)
    return out


def _node_groups(f) -> list[str]:
    """Paths of the node groups (each has a ``type``), nested graphs included."""
    return [name for name in _items(f) if isinstance(f[name], h5py.Group) and "type" in f[name]
            and name != "node"]


def _replace(f, path: str, data, dtype=None) -> None:
    del f[path]
    f.create_dataset(path, data=data, dtype=dtype)


def _numeric(f) -> list[str]:
    return [p for p in _datasets(f) if f[p].dtype.kind in "biuf"]


def _bad_values(rng, array: np.ndarray) -> np.ndarray:
    """``array`` with some entries (or all) replaced by one extreme value."""
    out = np.array(array, dtype=np.float64 if array.dtype.kind == "f" else array.dtype)
    flat = out.reshape(-1)
    if flat.size == 0:
        return np.array([np.nan])
    if out.dtype.kind == "f":
        value = rng.choice([np.nan, np.inf, -np.inf, 1e30, -1e30, 1e300, -1e300, 1e-300, 5e-324, 0.0, -1.0, 3.4e38])
    else:
        value = rng.choice([0, -1, -(2**31), 2**31, 2**62, 10**6, 10**9])
        if out.dtype.kind == "u" and value < 0:
            out = out.astype(np.int64)
            flat = out.reshape(-1)
    if rng.random() < 0.5:
        flat[:] = value
    else:
        flat[rng.integers(flat.size, size=rng.integers(1, 4))] = value
    return out


def _other_dtype(rng, array: np.ndarray):
    """(data, dtype) of ``array`` in another dtype, or text."""
    choice = int(rng.integers(9))
    if choice == 0:
        return np.asarray(array).astype(np.complex128), None
    if choice == 1:
        return np.full(np.shape(array), b"abc", dtype=object), h5py.string_dtype()
    if choice == 2:
        return np.asarray(array).astype(np.float16), None
    if choice == 3:
        return np.asarray(array).astype(bool), None
    if choice == 4:
        return np.asarray(array).astype(np.int8), None
    if choice == 5:
        return np.asarray(array).astype(np.uint64), None
    if choice == 6:
        return np.zeros(np.shape(array), dtype=[("a", "<i4"), ("b", "<f8")]), None
    if choice == 7:
        return np.full(np.shape(array), b"1.5", dtype="S3"), None
    return np.asarray(array).astype(">f8"), None


def _other_shape(rng, array: np.ndarray) -> np.ndarray:
    array = np.asarray(array)
    choice = int(rng.integers(7))
    if choice == 0 and array.size:
        return array.reshape(-1)[:-1]
    if choice == 1:
        return np.concatenate([array.reshape(-1), array.reshape(-1)[:1] if array.size else np.zeros(1, array.dtype)])
    if choice == 2:
        return array.reshape(1, *array.shape)
    if choice == 3:
        return np.asarray(array.reshape(-1)[0] if array.size else 0, dtype=array.dtype)
    if choice == 4:
        return np.zeros((0,) + array.shape[1:], dtype=array.dtype)
    if choice == 5:
        return array.T.copy() if array.ndim == 2 else array.reshape(-1, 1)
    return np.resize(array, (3, 5, 7)) if array.size else np.zeros((3, 5, 7), dtype=array.dtype)


def _mutate(rng, f, kind: str) -> None:
    """Apply one mutation of ``kind`` to the open HDF5 file ``f``."""
    def pick(seq):
        return seq[int(rng.integers(len(seq)))]

    if kind == "delete":
        del f[pick([p for p in _items(f) if p != "node"] or ["node"])]
    elif kind == "values":
        path = pick(_numeric(f))
        _replace(f, path, _bad_values(rng, f[path][()]))
    elif kind == "dtypes":
        path = pick(_numeric(f))
        data, dtype = _other_dtype(rng, f[path][()])
        _replace(f, path, data, dtype)
    elif kind == "shapes":
        path = pick(_numeric(f))
        _replace(f, path, _other_shape(rng, f[path][()]))
    elif kind == "types":
        path = pick(_node_groups(f) + ["node"]) + "/type"
        choice = int(rng.integers(4))
        if choice == 0:
            _replace(f, path, np.array([b"LIF", b"LI"], dtype=object), h5py.string_dtype())
        elif choice == 1:
            _replace(f, path, 7)
        else:
            _replace(f, path, pick(TYPES).encode("utf-8"), h5py.string_dtype())
    elif kind == "edges":
        graphs = [p for p in _node_groups(f) if "edges" in f[p]] + ["node"]
        path = pick(graphs) + "/edges"
        if path not in f:
            return
        edges = np.array([[e.decode("utf-8") if isinstance(e, bytes) else str(e) for e in row]
                          for row in f[path][()].reshape(-1, 2)], dtype=object)
        choice = int(rng.integers(6))
        if choice == 0 and edges.size:
            edges[rng.integers(edges.shape[0]), rng.integers(2)] = pick(NAMES)
        elif choice == 1 and edges.size:
            edges = np.concatenate([edges, edges[:1, ::-1]])  # a loop back
        elif choice == 2:
            edges = edges[: int(rng.integers(edges.shape[0] + 1))]
        elif choice == 3:
            _replace(f, path, np.arange(6).reshape(3, 2))
            return
        elif choice == 4:
            edges = np.concatenate([edges.reshape(-1), ["extra"]]).reshape(-1, 1)
        else:
            edges = np.concatenate([edges, edges])  # every edge twice
        encoded = np.array([[str(e).encode("utf-8") for e in row] for row in edges], dtype=object)
        _replace(f, path, encoded.reshape(edges.shape), h5py.string_dtype())
    elif kind == "names":
        path = pick(_node_groups(f))
        parent, _, _ = path.rpartition("/")
        new = pick([n for n in NAMES if "/" not in n and n != "."])
        if f"{parent}/{new}" not in f:
            f.move(path, f"{parent}/{new}")
    elif kind == "metadata":
        owner = pick(["node"] + _node_groups(f))
        group = f[owner].require_group("metadata")
        key = pick(["seed", "neurocompile_dt_ms", "neurocompile_semantics", "reset", "reset_delay", "strict",
                    "bias_onset_ms"])
        value = pick([-1, 0, 1e300, np.nan, np.inf, 2.5, "exact", "snntorch", "x", "\x1b[2J", True,
                      np.array([1, 2]), 2**62, "subtract", "none"])
        if key in group:
            del group[key]
        if isinstance(value, str):
            group.create_dataset(key, data=value.encode("utf-8"), dtype=h5py.string_dtype())
        else:
            group.create_dataset(key, data=value)


def _mutants(tmp_path):
    """Yield (kind, file name, path of the mutant) for every seeded case."""
    rng = np.random.default_rng(SEED)
    originals = {name: (NIR_PAPER_DIR / name).read_bytes() for name in FILES}
    path = tmp_path / "mutant.nir"
    for kind, count in CASES.items():
        for _ in range(count):
            name = FILES[int(rng.integers(len(FILES)))]
            data = originals[name]
            if kind == "truncation":
                path.write_bytes(data[:int(rng.integers(len(data)))])
            elif kind == "bit flips":
                mutant = bytearray(data)
                for position in rng.integers(len(data), size=rng.integers(1, 17)):
                    mutant[position] ^= 1 << int(rng.integers(8))
                path.write_bytes(bytes(mutant))
            else:
                shutil.copyfile(NIR_PAPER_DIR / name, path)
                path.chmod(0o644)
                with h5py.File(path, "a") as f:
                    _mutate(rng, f, kind)
            yield kind, name, path


@pytest.fixture
def warm(nir_paper_dir):
    """Compile the emulator's kernels once, outside the per-case deadline."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nc.compile(read_nir(nir_paper_dir / "lif_norse.nir", dt=0.1), "emu").run(1.0)


def test_every_nir_mutant_is_a_named_error_or_a_run(warm, tmp_path, capsys):
    outcomes = Counter()
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for case, (kind, name, path) in enumerate(_mutants(tmp_path)):
        with deadline(CASE_SECONDS, f"case {case} ({kind} of {name})"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                # every other case lets the file say its time step (snnTorch's r = tau / dt)
                net = read_nir(path, dt=0.1 if case % 2 else None)
            except NeurocompileError as exc:
                assert_one_named_line(str(exc), "mutant.nir")
                outcomes[(kind, "named error")] += 1
                if case % 5 == 0:  # the command line says it in one line too, no traceback
                    dt = ["--dt", "0.1"] if case % 2 else []
                    code, _, err = run_cli(capsys, "build", path, *dt, "--out", tmp_path / "out")
                    assert code == 1 and err.startswith("error: ") and err.count("\n") == 1, err
                continue
            try:
                result = nc.compile(net, "emu", placer="sequential").run(1.0)
            except NeurocompileError as exc:
                assert_one_named_line(str(exc))
                outcomes[(kind, "refused by compile or run")] += 1
                continue
        assert result.n_steps == round(1.0 / net.dt)
        outcomes[(kind, "ran")] += 1
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before  # KiB on Linux
    assert grown < 1 << 20, f"peak memory grew by {grown / 2**20:.1f} GiB"
    total = sum(outcomes.values())
    assert total == sum(CASES.values()) >= 200
    ran = sum(n for (_, outcome), n in outcomes.items() if outcome == "ran")
    print(f"\n{total} NIR mutants: {total - ran} named errors, {ran} read and ran; " + ", ".join(
        f"{kind} {outcome}: {n}" for (kind, outcome), n in sorted(outcomes.items())))
    assert total - ran > 0.3 * total and ran > 0


# ---- what the fuzzing found: each was another exception, or a hang, before ---------------------

def _edited(nir_paper_dir, tmp_path, name: str, edit, out: str = "edited.nir"):
    """A copy of a paper file changed by ``edit(h5py.File)``."""
    path = tmp_path / out
    shutil.copyfile(nir_paper_dir / name, path)
    path.chmod(0o644)
    with h5py.File(path, "a") as f:
        edit(f)
    return path


def _put(path: str, value, dtype=None):
    return lambda f: _replace(f, path, value, dtype)


def _move_lif1(f):
    f.move("node/nodes/lif1", "node/nodes/\x1b[31mred")


def _non_utf8_name(f):
    f.move("node/nodes/1", "node/nodes/tmp")
    group = f["node/nodes"].create_group(b"\xb2x")
    for key in f["node/nodes/tmp"]:
        f.copy(f["node/nodes/tmp"][key], group, name=key)
    del f["node/nodes/tmp"]


@pytest.mark.parametrize("name, edit, message", [
    # a ValueError from broadcasting while guessing the time step the file implies
    ("braille_noDelay_bias_zero.nir", _put("node/nodes/lif1.lif/w_in", np.ones((38, 38))),
     r"NIR node 'lif1\.lif' \(CubaLIF\) in '.*edited\.nir': parameter 'w_in' has 1444 values but the node has 38"),
    # an AttributeError: edges that are numbers
    ("lif_norse.nir", _put("node/edges", np.arange(6).reshape(3, 2)),
     r"edited\.nir': edge \(0, 1\) is not a pair of node names"),
    # the list of nodes printed an escape sequence raw
    ("two_lif_neurons.nir", _move_lif1, r"nodes here: \\x1b\[31mred, in, lif2"),
    # a UnicodeDecodeError: a node name that is not UTF-8
    ("lif_norse.nir", _non_utf8_name, r"nodes here: 0, \\xb2x, input, output"),
    # 'Population 'in': size = -1 must be a positive integer', naming no file
    ("two_lif_neurons.nir", _put("node/nodes/in/shape", np.array([-1])),
     r"NIR node 'in' \(Input\) in '.*edited\.nir': input shape = \[-1\] must be a list of integers >= 1"),
    # a TypeError: int() of a 2-D declared shape
    ("lif_norse.nir", _put("node/nodes/output/shape", np.array([[1]])),
     r"NIR node 'output' \(Output\) in '.*edited\.nir': output shape = \[\[1\]\] must be a list of integers"),
    ("two_lif_neurons.nir", _put("node/nodes/in/shape", np.array([[1]])),
     r"NIR node 'in' \(Input\) in '.*edited\.nir': input shape = \[\[1\]\] must be a list of integers"),
    # an OverflowError from int(inf)
    ("lif_norse.nir", lambda f: f["node"].require_group("metadata").create_dataset("seed", data=np.inf),
     r"NIR file '.*edited\.nir': metadata\['seed'\] = inf must be an integer >= 0"),
    # a ValueError 'array is too big' (numpy) allocating a pooling kernel of 10^18 entries
    ("cnn_sinabs.nir", _put("node/nodes/4/kernel_size", np.array([10**9, 10**9])),
     r"NIR node '4' \(SumPool2d\) in '.*edited\.nir': a pooling kernel of \(1000000000, 1000000000\) needs up to"),
])
def test_malformed_files_the_fuzzing_found_are_named(nir_paper_dir, tmp_path, name, edit, message):
    path = _edited(nir_paper_dir, tmp_path, name, edit)
    with pytest.raises(NeurocompileError, match=message) as info:
        read_nir(path, dt=0.1)
    assert_one_named_line(str(info.value), "edited.nir")


def test_integers_and_delays_read_from_a_file_are_checked(nir_paper_dir, tmp_path):
    """A convolution's groups must be one integer (int() of an array was a TypeError); a Delay
    of inf or 1e300 s is named instead of wrapping its step count around."""
    path = _edited(nir_paper_dir, tmp_path, "cnn_sinabs.nir", _put("node/nodes/0/groups", np.array([1, 1])))
    with pytest.raises(NeurocompileError, match=r"NIR node '0' \(Conv2d\).*groups = \[1, 1\] must be one integer"):
        read_nir(path, dt=0.1)
    for k, delay in enumerate((np.inf, 1e300)):
        def add_delay(f, delay=delay):
            node = f["node/nodes"].create_group("d")
            node.create_dataset("type", data=b"Delay", dtype=h5py.string_dtype())
            node.create_dataset("delay", data=np.array([delay]))
            edges = [[a.decode(), b.decode()] for a, b in f["node/edges"][()]]
            edges = [["0", "d"] if e == ["0", "1"] else e for e in edges] + [["d", "1"]]
            _replace(f, "node/edges", np.array([[a.encode(), b.encode()] for a, b in edges], dtype=object),
                     h5py.string_dtype())
        path = _edited(nir_paper_dir, tmp_path, "lif_norse.nir", add_delay, f"delay{k}.nir")
        with pytest.raises(NeurocompileError, match=r"NIR node 'd' \(Delay\).*delays \(s\)") as info:
            read_nir(path, dt=0.1)
        assert_one_named_line(str(info.value), f"delay{k}.nir")


def test_damaged_hdf5_structures_are_named(nir_paper_dir, tmp_path):
    """A broken B-tree, local heap or symbol table, or a float type of no numpy dtype, made h5py
    raise RuntimeError, KeyError or ValueError."""
    data = (nir_paper_dir / "lif_norse.nir").read_bytes()
    for signature in (b"TREE", b"HEAP", b"SNOD"):
        at = data.index(signature, data.index(signature) + 1)  # the second: below the root group
        path = tmp_path / f"broken_{signature.decode()}.nir"
        path.write_bytes(data[:at + 3] + bytes([data[at + 3] ^ 0xFF]) + data[at + 4:])
        with pytest.raises(NeurocompileError, match=r"is damaged: HDF5 cannot read 'node'") as info:
            read_nir(path, dt=0.1)
        assert_one_named_line(str(info.value), path.name)
    # one bit of a dataset's float type: h5py's ValueError "Insufficient precision in available types"
    data = bytearray((nir_paper_dir / "braille_noDelay_bias_zero_subgraph.nir").read_bytes())
    assert data[23075] == 0
    data[23075] = 64
    path = tmp_path / "float_type.nir"
    path.write_bytes(bytes(data))
    with pytest.raises(NeurocompileError, match=r"is damaged: HDF5 cannot read '.*' \(Insufficient precision") as info:
        read_nir(path, dt=0.1)
    assert_one_named_line(str(info.value), path.name)


def _read_in_a_process(path) -> str:
    """What ``read_nir(path)`` raises, as '<type> <message>', read in a fresh process (a loop or
    a crash inside HDF5 cannot be caught in this one)."""
    script = ("import sys\nfrom neurocompile.nir import read_nir\ntry:\n    read_nir(sys.argv[1], dt=0.1)\n"
              "except Exception as exc:\n    print(type(exc).__name__, exc)\n")
    done = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_a_damaged_string_type_hdf5_would_crash_on_is_named(nir_paper_dir, tmp_path):
    """The kind of the top-level node's variable-length string type changed from 1 (string) to 5:
    h5py shows it as a sequence and HDF5 2.0 ends the process with SIGSEGV in H5T__conv_vlen
    when it is read."""
    data = bytearray((nir_paper_dir / "braille_noDelay_bias_zero_subgraph.nir").read_bytes())
    assert data[6320:6322] == b"\x19\x01"  # datatype message: version 1, variable-length; string
    data[6321] = 5
    path = tmp_path / "vlen_kind.nir"
    path.write_bytes(bytes(data))
    assert _read_in_a_process(path) == (f"NirFileError NIR file '{path}': dataset 'node/type' holds HDF5 "
                                        "variable-length sequence data; a NIR dataset is numbers or text\n")


def test_a_global_heap_hdf5_would_decode_forever_is_named(nir_paper_dir, tmp_path):
    """An object size in the heap that holds the strings (node types, edges) pointing into free
    space of size 0: HDF5 2.0 loops forever in H5HG__cache_heap_deserialize on the first string
    read."""
    data = bytearray((nir_paper_dir / "lif_rockpool.nir").read_bytes())
    heap = data.index(b"GCOL")
    fifth = heap + 16 + 4 * 24  # the fifth object (the first four take 24 bytes each)
    assert int.from_bytes(data[fifth:fifth + 2], "little") == 5
    data[fifth + 8:fifth + 16] = (2051).to_bytes(8, "little")  # its next object: size-0 free space
    path = tmp_path / "loops.nir"
    path.write_bytes(bytes(data))
    assert _read_in_a_process(path).startswith(
        f"NirFileError NIR file '{path}' is damaged: its HDF5 global heap at byte {heap}")
