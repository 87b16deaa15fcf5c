"""Loading damaged and crafted target files (neurocompile.target.loading, .validate).

The built-in target files (targets/emu.toml, targets/lava.toml) are mutated in seeded ways: a
key or a section deleted, values replaced by other types and by extreme or edge numbers, keys
and sections duplicated, unknown keys and sections added, control characters in strings, the
text truncated, bits flipped. Every case must end in a one-line TargetError naming the file
(``neurocompile build --target`` prints it as one line too), or
in a target on which a tiny network (LIF with a delay and a refractory period, plus an AdEx
and an HH neuron where the target runs them) compiles and runs 5 ms (every fourth case also saved and
loaded back) or is refused by a one-line NeurocompileError; never another exception, a hang or
an absurd allocation.
"""
from __future__ import annotations

import re
import resource
import warnings
from collections import Counter
from dataclasses import fields

import numpy as np
import pytest

import neurocompile as nc
from neurocompile.errors import NeurocompileError, TargetError
from neurocompile.target import Target, load_target
from neurocompile.target.layout import SECTIONS
from tests.helpers import TARGETS_DIR, assert_one_named_line, deadline, run_cli, write_text

SEED = 20240612
CASES = {"delete key": 40, "delete section": 14, "wrong type": 80, "edge number": 100, "several numbers": 100,
         "duplicate": 20, "unknown name": 20, "control characters": 20, "truncation": 30, "bit flips": 40}
#: Wall time one case (load, compile, 5 ms run) may take; a few hundredths of a second is usual.
CASE_SECONDS = 10.0

LINE = re.compile(r"^(?P<key>[A-Za-z_][A-Za-z0-9_]*)\s*=")
HEADER = re.compile(r"^\[(?P<section>[A-Za-z_]+)\]")

#: TOML literals of the wrong type, out of range, or not finite.
WRONG = ['"text"', '""', "[1, 2]", "[]", '["LIF", "LIF"]', '["Quantum"]', "{ a = 1 }", "-1", "0", "-0.0",
         "1000000000000000000000000000000", "9223372036854775807", "-9223372036854775808", "1e308", "-1e308",
         "5e-324", "nan", "-nan", "inf", "-inf", "true", "false", "1.5", "2024-01-01", "07:30:00",
         "1979-05-27T07:32:00Z", "[[1], [2]]", "[{ x = 1 }]"]
#: Strings with terminal escape sequences and other control characters (TOML escapes).
CONTROL = [r'"\u001b[31mred"', r'"\u001b]0;title\u0007"', r'"a\tb"', r'"line\nbreak"', r'"\u0000"',
           r'"\u009b2J"', r'"\u007f"', r'"\r"']


def _spec(section: str | None, key: str) -> dict | None:
    """The field metadata (kind, lo, hi) of ``section.key``, None for a top-level key."""
    if section not in SECTIONS:
        return None
    for f in fields(SECTIONS[section][0]):
        if f.name == key:
            return f.metadata
    return None


def _keys(lines: list[str]) -> list[tuple[int, str | None, str]]:
    """(line index, section or None, key) of every ``key = value`` line."""
    out, section = [], None
    for i, line in enumerate(lines):
        header = HEADER.match(line)
        if header:
            section = header["section"]
            continue
        match = LINE.match(line)
        if match:
            out.append((i, section, match["key"]))
    return out


def _headers(lines: list[str]) -> list[tuple[int, int, str]]:
    """(first line, end line, name) of every ``[section]``."""
    starts = [(i, HEADER.match(line)["section"]) for i, line in enumerate(lines) if HEADER.match(line)]
    return [(start, starts[k + 1][0] if k + 1 < len(starts) else len(lines), name)
            for k, (start, name) in enumerate(starts)]


def _edge_values(meta: dict, line: str) -> list[str]:
    """Numbers at and around the bounds of a numeric key, and multiples of its value."""
    value = line.split("=", 1)[1].split("#", 1)[0].strip()
    lo, hi = meta["lo"], meta["hi"]
    if meta["kind"] == "int":
        v = int(value)
        picks = {1, 0, -1, 2, v + 1, v - 1, 2 * v, v // 2, v * 1000, 2**31 - 1, 2**31, 2**63 - 1}
        for bound in (lo, hi):
            if bound is not None:
                picks |= {bound, bound - 1, bound + 1}
        return [str(p) for p in sorted(picks) if abs(p) < 2**63]
    v = float(value)
    return [repr(p) for p in (0.0, -0.0, 1e-300, 1e300, v * 1e6, -v, v / 3, 1.0, 1e-9, 1e15)]


def _in_range(rng, meta: dict, line: str) -> str:
    """A random value of a numeric key within its bounds (bounded ints), or its value scaled."""
    value = line.split("=", 1)[1].split("#", 1)[0].strip()
    lo, hi = meta["lo"], meta["hi"]
    if meta["kind"] == "int" and lo is not None and hi is not None:
        return str(int(rng.integers(lo, hi + 1)))
    scaled = float(value) * 2.0 ** float(rng.uniform(-6, 6))
    return str(max(int(scaled), lo or 0)) if meta["kind"] == "int" else repr(scaled)


def _mutants():
    """Yield (kind, name of the file mutated, bytes) for every seeded case."""
    rng = np.random.default_rng(SEED)
    originals = {name: (TARGETS_DIR / f"{name}.toml").read_text(encoding="utf-8") for name in ("emu", "lava")}
    names = sorted(originals)

    def pick(seq):
        return seq[int(rng.integers(len(seq)))]

    for kind, count in CASES.items():
        for _ in range(count):
            base = pick(names)
            text = originals[base]
            lines = text.splitlines()
            keys = _keys(lines)
            if kind == "delete key":
                i, _, _ = pick(keys)
                del lines[i]
            elif kind == "delete section":
                start, end, _ = pick(_headers(lines))
                del lines[start:end]
            elif kind == "wrong type":
                i, _, key = pick(keys)
                lines[i] = f"{key} = {pick(WRONG)}"
            elif kind == "edge number":
                numeric = [(i, s, k) for i, s, k in keys if (_spec(s, k) or {}).get("kind") in ("int", "float")]
                i, section, key = pick(numeric)
                lines[i] = f"{key} = {pick(_edge_values(_spec(section, key), lines[i]))}"
            elif kind == "several numbers":  # in range one by one, so the rules between keys decide
                numeric = [(i, s, k) for i, s, k in keys if (_spec(s, k) or {}).get("kind") in ("int", "float")]
                for _ in range(int(rng.integers(2, 6))):
                    i, section, key = pick(numeric)
                    lines[i] = f"{key} = {_in_range(rng, _spec(section, key), lines[i])}"
            elif kind == "duplicate":
                choice = int(rng.integers(3))
                if choice == 0:
                    i, _, _ = pick(keys)
                    lines.insert(i + 1, lines[i])
                elif choice == 1:
                    start, end, name = pick(_headers(lines))
                    lines += [f"[{name}]", "neurons = 3"]
                else:
                    start, end, name = pick(_headers(lines))
                    lines[start] = f"[[{name}]]"  # an array of tables where a table belongs
            elif kind == "unknown name":
                choice = int(rng.integers(4))
                i, section, key = pick(keys)
                if choice == 0:
                    lines.insert(i + 1, f"{key}s = 1")
                elif choice == 1:
                    lines.append("[quantum]\nqubits = 5")
                elif choice == 2:
                    lines.insert(i + 1, rf'"\u001b[2J{key}" = 1')  # a key that clears the screen
                else:
                    lines.insert(0, 'extra = "x"')
            elif kind == "control characters":
                strings = [(i, s, k) for i, s, k in keys if k in ("name", "description", "native", "custom_process")]
                i, _, key = pick(strings)
                escaped = pick(CONTROL)
                lines[i] = f"{key} = [{escaped}]" if key in ("native", "custom_process") else f"{key} = {escaped}"
            if kind == "truncation":
                data = text.encode("utf-8")[:int(rng.integers(len(text)))]
            elif kind == "bit flips":
                data = bytearray(text.encode("utf-8"))
                for position in rng.integers(len(data), size=rng.integers(1, 9)):
                    data[position] ^= 1 << int(rng.integers(8))
                data = bytes(data)
            else:
                data = ("\n".join(lines) + "\n").encode("utf-8")
            yield kind, base, data


def _networks(target: Target) -> list[nc.Network]:
    """A LIF neuron behind a delayed spike source, and an AdEx and an HH neuron where the target
    runs them."""
    net = nc.Network("fuzz-lif", dt=0.1, seed=1)
    src = net.spike_source("src", 2, times=[0.5, 1.0, 2.0], indices=[0, 1, 0])
    lif = net.population("lif", 3, nc.LIF(tau_mem=10.0, tau_syn=2.0, v_rest=0.0, v_reset=0.0, v_th=1.0,
                                          refractory=0.5))
    net.connect(src, lif, nc.AllToAll(), weight=0.9, delay=0.4)
    net.connect(lif, lif, nc.AllToAll(), weight=-0.2)
    net.probe(lif, "spikes")
    net.probe(lif, "v")
    nets = [net]
    if target.model_support("AdEx") is not None:
        adex = nc.Network("fuzz-adex", dt=0.1, seed=1)
        src = adex.spike_source("src", 1, times=[0.5], indices=[0])
        pop = adex.population("adex", 1, nc.AdEx(C=200.0, g_L=10.0, E_L=-70.0, V_T=-50.0, delta_T=2.0, a=2.0,
                                                 tau_w=30.0, b=0.0, V_reset=-58.0, V_peak=0.0, tau_syn=5.0))
        adex.connect(src, pop, nc.AllToAll(), weight=300.0)
        adex.probe(pop, "spikes")
        nets.append(adex)
    if target.model_support("HH") is not None:
        hh = nc.Network("fuzz-hh", dt=0.025, seed=1)
        src = hh.spike_source("src", 1, times=[0.5], indices=[0])
        pop = hh.population("hh", 1, nc.HH(tau_syn=2.0))
        hh.connect(src, pop, nc.AllToAll(), weight=5.0)
        hh.probe(pop, "spikes")
        nets.append(hh)
    return nets


def _compile_and_run(target: Target, saved=None) -> None:
    """Compile and run the networks on ``target``; with ``saved`` (a path), save each program
    there and run it as loaded back (the loader checks the target it carries again)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for net in _networks(target):
            program = nc.compile(net, target)
            if saved is not None:
                program.save(saved)
                program = nc.load(saved)
            assert program.run(5.0).n_steps == round(5.0 / net.dt)


@pytest.fixture(scope="module")
def warm():
    """Compile the emulator's kernels once, outside the per-case deadline."""
    for name in ("emu", "lava"):
        _compile_and_run(load_target(name))


NET_FILE = """import neurocompile as nc
net = nc.Network("tiny", dt=0.1)
net.population("n", 2, nc.LIF(tau_mem=10.0, tau_syn=2.0, v_rest=0.0, v_reset=0.0, v_th=1.0))
"""


def test_every_target_mutant_is_a_named_error_or_a_run(warm, tmp_path, capsys):
    outcomes = Counter()
    path = tmp_path / "mutant.toml"
    net_file = write_text(tmp_path / "tiny.py", NET_FILE)
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for case, (kind, base, data) in enumerate(_mutants()):
        path.write_bytes(data)
        what = f"case {case} ({kind} of {base}.toml)"
        with deadline(CASE_SECONDS, what):
            try:
                target = load_target(path)
            except TargetError as exc:
                assert_one_named_line(str(exc), "mutant.toml")
                outcomes[(kind, "named error")] += 1
                if case % 8 == 0:  # the command line says it in one line too, no traceback
                    code, _, err = run_cli(capsys, "build", net_file, "--target", path, "--out", tmp_path / "out")
                    assert code == 1 and err.startswith("error: ") and err.count("\n") == 1, err
                continue
            try:
                _compile_and_run(target, saved=tmp_path / "program.ncp" if case % 4 == 0 else None)
            except NeurocompileError as exc:  # e.g. a model the target no longer runs
                assert_one_named_line(str(exc))
                outcomes[(kind, "refused by compile or run")] += 1
                continue
        outcomes[(kind, "ran")] += 1
    # peak resident memory of this process (KiB on Linux): no mutant allocated gigabytes
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before
    assert grown < 1 << 20, f"peak memory grew by {grown / 2**20:.1f} GiB"
    total = sum(outcomes.values())
    assert total == sum(CASES.values()) >= 300
    ran = sum(n for (_, outcome), n in outcomes.items() if outcome == "ran")
    print(f"\n{total} target mutants: {total - ran} named errors, {ran} loaded and ran; " + ", ".join(
        f"{kind} {outcome}: {n}" for (kind, outcome), n in sorted(outcomes.items())))
    assert total - ran > 0.6 * total and ran > 0


# ---- what the fuzzing found: each was another exception, or gigabytes, before -----------------

def _emu_with(**sections) -> dict:
    data = load_target("emu").to_dict()
    for section, values in sections.items():
        data[section].update(values)
    return data


@pytest.mark.parametrize("sections, message", [
    ({"chip": dict(mesh_rows=10**4, mesh_cols=10**4, cores_per_tile=1, cores=10**8)},  # was a MemoryError
     r"chip\.cores = 100000000 must be an integer in 1\.\.1048576"),
    ({"board": dict(chips=2**20, chip_rows=2**10, chip_cols=2**10)},  # 64 cores each: was 47.7 GiB
     r"board\.chips = 1048576 times chip\.cores = 64 is 67108864 cores; a board may have at most 1048576"),
    ({"core": dict(neurons=10**30)},  # was a numba TypingError in the placer
     r"core\.neurons = 1000000000000000000000000000000 must be an integer in 1\.\.2147483647"),
    ({"adex": dict(exp_input_max=710.0)},  # was an OverflowError from exp() when compiling
     r"adex\.exp_input_max = 710 must be a number in -64\.\.64"),
    ({"adex": dict(exp_input_max=16.0)},  # was a BuildError of an AdEx network, not of the file
     r"adex\.exp_input_max = 16 must be <= ln\(2\*\*\(precision\.state_bits - 1\) - 1\) = 15\.94"),
    ({"adex": dict(exp_input_min=-1000.0, exp_input_max=-900.0)},  # was a ZeroDivisionError
     r"adex\.exp_input_min = -1000 must be a number in -64\.\.64"),
    ({"hh": dict(gate_v_min=-1e308, gate_v_max=1e308)},  # was an OverflowError compiling an HH neuron
     r"hh\.gate_v_min = -1e\+308 must be a number in -1000\.\.1000"),
])
def test_absurd_sizes_and_ranges_are_refused_by_name(sections, message):
    with pytest.raises(TargetError, match=message) as info:
        Target.from_dict(_emu_with(**sections))
    assert_one_named_line(str(info.value))


def test_the_largest_board_and_cores_still_compile_quickly():
    """2^20 cores on one chip or on 2^20 chips, and per-core limits of 2^31 - 1 (the placer asked
    for 0 cores and failed in numpy), compile a tiny network in seconds. The deadline only
    guards against the old behaviour (gigabytes of placement arrays, a MemoryError after 191 s):
    it is generous because CI machines can be busy."""
    one = dict(chips=1, chip_rows=1, chip_cols=1)
    huge = 2**31 - 1
    for sections in ({"chip": dict(mesh_rows=2**10, mesh_cols=2**10, cores_per_tile=1, cores=2**20), "board": one},
                     {"chip": dict(mesh_rows=1, mesh_cols=1, cores_per_tile=1, cores=1),
                      "board": dict(chips=2**20, chip_rows=2**10, chip_cols=2**10)},
                     {"core": dict(neurons=huge, fanin_axons=huge, synapse_entries=huge, fanout_axons=huge,
                                   neuron_parameter_sets=huge)}):
        with deadline(90.0, f"a tiny network on {sections}"):
            _compile_and_run(Target.from_dict(_emu_with(**sections)))


def test_names_from_the_file_are_escaped_in_errors(tmp_path):
    text = (TARGETS_DIR / "emu.toml").read_text(encoding="utf-8")
    for line, shown in ((r'"\u001b[2Jneurons" = 1', r"'\x1b[2Jneurons' (did you mean 'neurons'?)"),
                        (r'native = ["LIF", "line\nbreak\u009b"]',
                         r"unknown model in models.native 'line\nbreak\x9b'")):
        key = line.split(" = ")[0]
        edited = text.replace("\n[core]\n", f"\n[core]\n{line}\n") if "neurons" in key else \
            re.sub(r"^native = .*$", line.replace("\\", "\\\\"), text, count=1, flags=re.MULTILINE)
        path = tmp_path / "escaped.toml"
        path.write_text(edited, encoding="utf-8")
        with pytest.raises(TargetError) as info:
            load_target(path)
        assert_one_named_line(str(info.value), "escaped.toml", shown)
