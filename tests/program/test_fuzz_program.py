"""Loading damaged and crafted ``.ncp`` files (neurocompile.program.archive, .validate).

One small valid program (LIF with drawn delays, a receptor population with conductances, an
NMDA gate with its magnesium block, short-term plasticity, a negative-exponent projection) is
mutated in seeded ways: bit flips and truncations of the file, array members replaced by
out-of-range values, other dtypes and other shapes, and edits of the manifest JSON. Every case
must end in a one-line NeurocompileError or in a load whose 5 ms run completes; never another
exception, a crash or a hang. An accepted mutant also runs under numba's bounds checks.
"""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import warnings
import zipfile
from collections import Counter

import numpy as np
import pytest

import neurocompile as nc
from neurocompile.errors import NeurocompileError
from tests.helpers import run_cli

SEED = 20240611
CASES = {"bit flips": 120, "truncations": 50, "array values": 160, "array dtypes": 70, "array shapes": 90,
         "manifest edits": 130}


def _network() -> nc.Network:
    net = nc.Network("fuzz", dt=0.1, seed=3)
    src = net.spike_source("src", 4, times=[0.5, 1.0, 1.5, 2.0, 3.0], indices=[0, 1, 2, 3, 0])
    lif = nc.LIF(tau_mem=10.0, tau_syn=2.0, v_rest=0.0, v_reset=0.0, v_th=1.0, refractory=0.5)
    a = net.population("a", 6, lif)
    receptors = nc.LIF(tau_mem=20.0, v_rest=-60.0, v_reset=-65.0, v_th=-40.0, refractory=2.0,
                       receptors={"ampa": nc.CondExp(tau=5.0, E_rev=0.0), "nmda": nc.NMDA(mg=1.0)})
    b = net.population("b", 3, receptors)
    net.connect(src, a, nc.AllToAll(), weight=0.8, delay=nc.Uniform(0.1, 0.5))
    net.connect(a, b, nc.AllToAll(), weight=0.5, receptor="ampa", delay=0.3,
                stp=nc.TsodyksMarkram(U=0.5, tau_rec=100.0))
    net.connect(src, b, nc.AllToAll(), weight=0.2, receptor="nmda")
    net.connect(a, a, nc.FixedProbability(0.5, seed=1), weight=-0.3, delay=nc.Uniform(0.1, 1.0))
    net.connect(src, a, nc.AllToAll(), weight=0.002)  # a negative exponent: floored rings
    net.probe(a, "spikes")
    net.probe(b[:2], "v")
    net.probe(b[:1], "g_ampa")
    return net


@pytest.fixture(scope="module")
def original(tmp_path_factory):
    """(file bytes, {member: bytes}, manifest dict) of the valid program."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        program = nc.compile(_network(), "emu")
    path = tmp_path_factory.mktemp("fuzz") / "fuzz.ncp"
    program.save(path)
    data = path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    manifest = json.loads(np.load(io.BytesIO(members["manifest.npy"])).tobytes().decode("utf-8"))
    assert nc.load(path).run(5.0).counts["src"].sum() > 0
    return data, members, manifest


def _zip(members: dict) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        for name, payload in members.items():
            zf.writestr(name, payload)
    return out.getvalue()


def _npy(array, allow_pickle=False) -> bytes:
    out = io.BytesIO()
    np.save(out, array, allow_pickle=allow_pickle)
    return out.getvalue()


def _with_manifest(members: dict, tree) -> dict:
    text = json.dumps(tree) if not isinstance(tree, str) else tree
    return {**members, "manifest.npy": _npy(np.frombuffer(text.encode("utf-8"), dtype=np.uint8))}


def _out_of_range(rng, array: np.ndarray) -> np.ndarray:
    """``array`` with a few entries pushed far outside any sensible range (or one entry moved
    by one: the off-by-one at a limit)."""
    out = array.copy()
    if out.size == 0:
        return np.arange(3, dtype=array.dtype if array.dtype.kind != "b" else np.int64)
    k = rng.integers(out.size, size=rng.integers(1, 3))
    flat = out.reshape(-1)
    if out.dtype.kind == "b":
        return out.astype(np.int64) + 2
    if out.dtype.kind == "f":
        flat[k] = rng.choice([np.nan, np.inf, -np.inf, -1e300, 1e300, -1.0])
        return out
    info = np.iinfo(out.dtype)
    choice = rng.integers(5)
    if choice == 0:
        flat[k] = info.max
    elif choice == 1:
        flat[k] = info.min
    elif choice == 2:
        flat[k] = np.clip(flat[k].astype(np.int64) + 1, info.min, info.max)
    elif choice == 3:
        flat[k] = np.clip(flat[k].astype(np.int64) - 1, info.min, info.max)
    else:
        flat[k] = np.clip(flat[k].astype(np.int64) + 10**6, info.min, info.max)
    return out


def _other_dtype(rng, array: np.ndarray):
    """(npy bytes) of ``array`` in another dtype, sometimes a pickled object array."""
    choice = rng.integers(6)
    if choice == 0:
        return _npy(np.array([{"x": 1}] * max(array.size, 1), dtype=object), allow_pickle=True)
    if choice == 1:
        return _npy(np.array(["abc"] * max(array.size, 1)))
    if choice == 2:
        return _npy(array.astype(np.complex128))
    if choice == 3:
        return _npy(array.astype(np.float32) + 0.5)
    if choice == 4:
        return _npy(np.zeros(array.shape, dtype=[("a", "<i4"), ("b", "<f8")]))
    return _npy(array.astype(">i8") if array.dtype.kind in "biu" else array.astype(np.int8))


def _other_shape(rng, array: np.ndarray) -> np.ndarray:
    choice = rng.integers(5)
    if choice == 0 and array.size:
        return array.reshape(-1)[:-1]
    if choice == 1:
        return np.concatenate([array.reshape(-1), array.reshape(-1)[:1] if array.size else np.zeros(1, array.dtype)])
    if choice == 2:
        return array.reshape(1, -1)
    if choice == 3:
        return np.asarray(array.reshape(-1)[0] if array.size else 0, dtype=array.dtype)
    return np.zeros(0, dtype=array.dtype)


def _leaves(node, path=()):
    """Paths of every value in a manifest tree (containers and scalars)."""
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, path + (key,))
    elif isinstance(node, list):
        for k, value in enumerate(node):
            yield from _leaves(value, path + (k,))


def _edit(rng, tree, paths):
    """A copy of ``tree`` with one value replaced, removed or nested absurdly deep."""
    tree = json.loads(json.dumps(tree))
    path = paths[rng.integers(len(paths))]
    if not path:
        return rng.choice(["[]", "7", '"x"', "{" * 5000 + "}" * 5000, "[" * 100000 + "]" * 100000])
    parent = tree
    for key in path[:-1]:
        parent = parent[key]
    replacements = [0, -3, 1000, 40, -1e300, 1e300, float("nan"), float("inf"), "", "x", None, True, [], {},
                    {"__array__": "a0"}, {"__array__": "missing"}, {"__dataclass__": "Popen", "fields": {}},
                    {"__tuple__": [1, 2]}, {"__map__": [[1]]}, {"__source__": "poisson", "rate": 5},
                    [[[[[[[[[]]]]]]]]]]
    choice = rng.integers(len(replacements) + 1)
    if choice == len(replacements):
        if isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent.pop(path[-1])
    else:
        parent[path[-1]] = replacements[choice]
    return tree


TARGETED = [  # manifest edits the audit found accepted or crashing
    (("quantized", "fields", "dt"), 0), (("quantized", "fields", "dt"), -0.1), (("quantized", "fields", "dt"), "0.1"),
    (("target", "precision", "max_delay_steps"), 2), (("target", "board", "chips"), 1),
    (("target", "core", "neurons"), 1), (("placement", "fields", "n_cores"), 10**9),
    (("quantized", "fields", "seed"), -1), (("version",), 3), (("format",), "other"),
]


def _mutants(original):
    """Yield (kind, file bytes) for every seeded case."""
    data, members, manifest = original
    rng = np.random.default_rng(SEED)
    arrays = sorted(name for name in members if name != "manifest.npy")
    loaded = {name: np.load(io.BytesIO(members[name])) for name in arrays}
    for _ in range(CASES["bit flips"]):
        mutant = bytearray(data)
        for position in rng.integers(len(data), size=rng.integers(1, 9)):
            mutant[position] ^= 1 << int(rng.integers(8))
        yield "bit flips", bytes(mutant)
    for _ in range(CASES["truncations"]):
        yield "truncations", data[:int(rng.integers(len(data)))]
    for kind, change in (("array values", lambda a: _npy(_out_of_range(rng, a))),
                         ("array dtypes", lambda a: _other_dtype(rng, a)),
                         ("array shapes", lambda a: _npy(_other_shape(rng, a)))):
        for _ in range(CASES[kind]):
            name = arrays[rng.integers(len(arrays))]
            yield kind, _zip({**members, name: change(loaded[name])})
    paths = list(_leaves(manifest))
    for path, value in TARGETED:
        tree = json.loads(json.dumps(manifest))
        node = tree
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
        yield "manifest edits", _zip(_with_manifest(members, tree))
    for _ in range(CASES["manifest edits"] - len(TARGETED)):
        yield "manifest edits", _zip(_with_manifest(members, _edit(rng, manifest, paths)))


def _one_line_cli_error(capsys, command: str, path) -> None:
    code, _, err = run_cli(capsys, command, path)
    assert code == 1 and err.startswith("error: ") and err.count("\n") == 1, (command, err)


def test_every_mutant_is_a_named_error_or_a_run(original, tmp_path, capsys):
    outcomes = Counter()
    path = tmp_path / "mutant.ncp"
    for case, (kind, payload) in enumerate(_mutants(original)):
        path.write_bytes(payload)
        try:
            program = nc.load(path)
        except NeurocompileError as exc:
            message = str(exc)
            assert message and "\n" not in message, (kind, message)
            assert "mutant.ncp" in message, (kind, message)  # names the file
            outcomes[(kind, "named error")] += 1
            if case % 8 == 0:  # the command line says the same in one line, no traceback
                for command in ("run", "inspect"):
                    _one_line_cli_error(capsys, command, path)
            continue
        code, _, err = run_cli(capsys, "inspect", path)  # shows the file, or names what it cannot show
        assert code == 0 or (code == 1 and err.count("\n") == 1), (kind, err)
        try:
            result = program.run(5.0)
        except NeurocompileError as exc:  # a value the run itself refuses, by name
            assert str(exc) and "\n" not in str(exc), (kind, str(exc))
            outcomes[(kind, "run refused")] += 1
            continue
        assert result.n_steps == 50
        outcomes[(kind, "ran")] += 1
    total = sum(outcomes.values())
    assert total == sum(CASES.values()) >= 500
    errors = sum(n for (_, outcome), n in outcomes.items() if outcome != "ran")
    ran = total - errors
    print(f"\n{total} mutants: {errors} named errors, {ran} loaded and ran; " + ", ".join(
        f"{kind} {outcome}: {n}" for (kind, outcome), n in sorted(outcomes.items())))
    assert errors > 0.7 * total and ran > 0  # the mutations reach the checks, and harmless ones still run


# Specific values the audit found accepted: each must be refused, naming field and limit.
@pytest.mark.parametrize("field, value, expected", [
    ("delay_steps", 0, "delay_steps"), ("delay_steps", -3, "delay_steps"), ("delay_steps", 1000, "1..62"),
    ("weight_exp", 40, "weight_exp"), ("weight_mant", 300, "weight_mant"), ("post_index", 6, "post_index"),
    ("indptr_last", 10**6, "indptr"), ("indptr_short", None, "indptr"), ("core", 256, "core_of"),
    ("routes_short", None, "messages"),
])
def test_audited_values_are_refused_by_name(original, tmp_path, field, value, expected):
    data, members, manifest = original
    program = nc.load(_write(tmp_path / "ok.ncp", data))
    qp = program.quantized.projections[3]  # a -> a: drawn delays, inhibitory
    key = {"delay_steps": qp.delay_steps, "weight_mant": qp.weight_mant, "post_index": qp.post_index,
           "indptr_last": qp.indptr, "indptr_short": qp.indptr, "core": program.placement.core_of["a"],
           "routes_short": program.routes["a"].messages}
    array = key.get(field, None)
    tree = manifest
    if field == "weight_exp":
        tree = json.loads(json.dumps(manifest))
        tree["quantized"]["fields"]["projections"]["__tuple__"][3]["fields"]["weight_exp"] = value
        payload = _zip(_with_manifest(members, tree))
    else:
        name = _member_of(members, array)
        changed = np.array(array)
        if field == "indptr_short":
            changed = changed[:-1]
        elif field == "routes_short":
            changed = changed[:-2]
        elif field == "indptr_last":
            changed[-1] += value
        else:
            changed[1] = value
        payload = _zip({**members, name: _npy(changed)})
    with pytest.raises(nc.ProgramFileError, match=expected) as info:
        nc.load(_write(tmp_path / "bad.ncp", payload))
    assert "\n" not in str(info.value) and "bad.ncp" in str(info.value)


def _member_of(members: dict, array: np.ndarray) -> str:
    """The archive member that holds ``array`` (by value, shape and dtype)."""
    for name, payload in members.items():
        stored = np.load(io.BytesIO(payload))
        if stored.dtype == array.dtype and stored.shape == array.shape and np.array_equal(stored, array):
            return name
    raise AssertionError("array not found")


def _write(path, payload: bytes):
    path.write_bytes(payload)
    return path


def test_zip_bomb_and_foreign_files_are_refused_cheaply(original, tmp_path):
    data, members, _ = original
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, payload in members.items():
            zf.writestr(name, payload)
        zf.writestr("a9999.npy", b"\0" * (400 << 20))  # referenced by nothing: never decompressed
    path = _write(tmp_path / "bomb.ncp", bomb.getvalue())
    assert path.stat().st_size < 2 << 20
    assert nc.load(path).run(5.0).n_steps == 50
    referenced = {**members, "a0.npy": _npy(np.zeros(50 << 20))}  # named by the manifest, far over budget
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, payload in referenced.items():
            zf.writestr(name, payload)
    with pytest.raises(nc.ProgramFileError, match="at most"):
        nc.load(_write(tmp_path / "bomb2.ncp", bomb.getvalue()))
    with pytest.raises(nc.ProgramFileError, match="not a NumPy array"):
        nc.load(_write(tmp_path / "extra.ncp", _zip({**members, "evil.pkl": b"x"})))
    with pytest.raises(nc.ProgramFileError, match=r"Python network file: use `neurocompile build .*net.py`"):
        nc.load(_write(tmp_path / "net.py", b"import neurocompile as nc\nnet = nc.Network('x')\n"))
    with pytest.raises(nc.ProgramFileError, match="binary data"):
        nc.load(_write(tmp_path / "random.ncp", np.random.default_rng(1).bytes(3000)))
    with pytest.raises(nc.ProgramFileError, match="NIR graph"):
        nc.load(_write(tmp_path / "g.nir", b"\x89HDF\r\n\x1a\n" + bytes(100)))


BOUNDSCHECK_SCRIPT = """
import sys
import numba
import numpy as np
import neurocompile as nc

@numba.njit
def past_the_end(a):
    return a[a.size]

try:
    past_the_end(np.zeros(3))
except IndexError:
    pass
else:
    raise SystemExit("bounds checks are off")
result = nc.load(sys.argv[1]).run(5.0)
print("ran", result.n_steps, int(sum(c.sum() for c in result.counts.values())))
"""


def test_an_accepted_mutant_runs_within_bounds(original, tmp_path):
    """Values at the edges the loader accepts (the longest delay, the last neuron, extreme
    mantissas) run with numba's bounds checks on, in a fresh process and cache."""
    data, members, _ = original
    program = nc.load(_write(tmp_path / "ok.ncp", data))
    qp = program.quantized.projections[3]
    delays, post, mant = (np.array(a) for a in (qp.delay_steps, qp.post_index, qp.weight_mant))
    delays[:] = program.target.precision.max_delay_steps
    post[:] = 5  # the last neuron of 'a'
    assert qp.sign_mode == "inhibitory"
    mant[:] = -255  # the strongest inhibitory 9-bit mantissa
    changed = dict(members)
    for array, new in ((qp.delay_steps, delays), (qp.post_index, post), (qp.weight_mant, mant)):
        changed[_member_of(members, array)] = _npy(new)
    path = _write(tmp_path / "edge.ncp", _zip(changed))
    nc.load(path)  # accepted
    env = {**os.environ, "NUMBA_BOUNDSCHECK": "1", "NUMBA_CACHE_DIR": str(tmp_path / "numba-cache")}
    done = subprocess.run([sys.executable, "-c", BOUNDSCHECK_SCRIPT, str(path)], env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("ran 50")
