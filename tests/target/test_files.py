"""Target files (neurocompile.target.loading): user files, and validation messages that name the
file, the key, the value and the rule; the dict round trip."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from neurocompile.errors import TargetError
from neurocompile.target import Target, load_target
from tests.helpers import TARGETS_DIR


def emu_text() -> str:
    return (TARGETS_DIR / "emu.toml").read_text(encoding="utf-8")


def write(tmp_path: Path, text: str, name: str = "mine.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def replace_line(text: str, key: str, new_line: str | None) -> str:
    """Replace (or with None, delete) the first line assigning ``key``."""
    pattern = re.compile(rf"^{re.escape(key)}\s*=.*$", re.MULTILINE)
    assert pattern.search(text), f"test setup: no line for {key}"
    return pattern.sub("" if new_line is None else new_line, text, count=1)


def drop_section(text: str, section: str) -> str:
    """Remove a ``[section]`` table (header and keys) from TOML text."""
    start = text.index(f"\n[{section}]\n")
    end = text.find("\n[", start + 1)
    return text[:start] + (text[end:] if end != -1 else "\n")


def test_user_file_by_path(tmp_path):
    text = replace_line(emu_text(), "name", 'name = "my-chip"')
    text = replace_line(text, "neurons", "neurons = 256")
    path = write(tmp_path, text, "my_chip.toml")
    for spec in (path, str(path)):
        target = load_target(spec)
        assert target.name == "my-chip"
        assert target.core.neurons == 256
        assert str(path) in target.source


def test_user_file_with_optional_limits_and_one_chip(tmp_path):
    text = emu_text()
    text = replace_line(text, "chips", "chips = 1")
    text = replace_line(text, "chip_rows", None)
    text = replace_line(text, "chip_cols", None)
    text = text.replace("synapse_entries = 65536", "synapse_entries = 65536\nneuron_parameter_sets = 32")
    target = load_target(write(tmp_path, text))
    assert target.board.chips == 1
    assert (target.board.chip_rows, target.board.chip_cols) == (1, 1)
    assert target.core.neuron_parameter_sets == 32
    assert target.total_cores == 64


def test_integer_is_accepted_for_float_fields(tmp_path):
    text = replace_line(emu_text(), "hop_east_west_pj", "hop_east_west_pj = 3")
    target = load_target(write(tmp_path, text))
    assert isinstance(target.energy.hop_east_west_pj, float)
    assert target.energy.hop_east_west_pj == 3.0


# ---- malformed files: each names the key, the value and the rule ----------------------------

MALFORMED = [
    pytest.param(
        lambda t: t.replace("\n[core]", "\n[core]\nnuerons = 512"),
        r"unknown key in \[core\] 'nuerons' \(did you mean 'neurons'\?\)",
        id="unknown-key-with-suggestion",
    ),
    pytest.param(
        lambda t: t.replace("\n[energy]", "\n[enrgy]\nx = 1\n[energy]"),
        r"unknown top-level section or key 'enrgy' \(did you mean 'energy'\?\)",
        id="unknown-section",
    ),
    pytest.param(
        lambda t: replace_line(t, "fanin_axons", None),
        r"missing required key core\.fanin_axons",
        id="missing-key",
    ),
    pytest.param(
        lambda t: drop_section(t, "time"),
        r"missing required section \[time\]",
        id="missing-section",
    ),
    pytest.param(
        lambda t: replace_line(t, "neurons", "neurons = 1024.0"),
        r"core\.neurons = 1024 must be an integer in 1\.\.2147483647 \(got a float\)",
        id="float-for-int",
    ),
    pytest.param(
        lambda t: replace_line(t, "synaptic_op_pj", 'synaptic_op_pj = "23.6"'),
        r"energy\.synaptic_op_pj = '23\.6' must be a number >= 0 \(got a string\)",
        id="string-for-float",
    ),
    pytest.param(
        lambda t: replace_line(t, "native", 'native = "LIF"'),
        r"models\.native = 'LIF' must be a list of strings \(got a string\)",
        id="string-for-list",
    ),
    pytest.param(
        lambda t: replace_line(t, "neurons", "neurons = 0"),
        r"core\.neurons = 0 must be an integer in 1\.\.2147483647",
        id="non-positive-count",
    ),
    pytest.param(
        lambda t: replace_line(t, "cores", "cores = 128"),
        r"chip\.cores = 128 must equal chip\.mesh_rows \* chip\.mesh_cols \* chip\.cores_per_tile"
        r" = 4 \* 4 \* 4 = 64",
        id="mesh-product",
    ),
    pytest.param(
        lambda t: replace_line(t, "chips", "chips = 3"),
        r"board\.chips = 3 must equal board\.chip_rows \* board\.chip_cols = 2 \* 2 = 4",
        id="board-product",
    ),
    pytest.param(
        lambda t: replace_line(t, "weight_mantissa_bits", "weight_mantissa_bits = 40"),
        r"precision\.weight_mantissa_bits = 40 must be an integer in 2\.\.16",
        id="weight-bits-range",
    ),
    pytest.param(
        lambda t: replace_line(t, "state_bits", "state_bits = 4"),
        r"precision\.state_bits = 4 must be an integer in 8\.\.32",
        id="state-bits-range",
    ),
    pytest.param(
        lambda t: replace_line(t, "weight_exponent_min", "weight_exponent_min = 9"),
        r"precision\.weight_exponent_min = 9 must be <= precision\.weight_exponent_max = 7",
        id="exponent-order",
    ),
    pytest.param(
        lambda t: replace_line(t, "threshold_mantissa_bits", "threshold_mantissa_bits = 20"),
        r"precision\.threshold_mantissa_bits = 20 plus precision\.alignment_shift_bits = 6 "
        r"must be <= precision\.state_bits - 1 = 23",
        id="threshold-fits-state",
    ),
    pytest.param(
        lambda t: replace_line(t, "backend", 'backend = "loihi"'),
        r"unknown backend 'loihi'; allowed: emu, lava",
        id="unknown-backend",
    ),
    pytest.param(
        lambda t: replace_line(t, "native", 'native = ["LIF", "HodgkinHuxley"]'),
        r"unknown model in models\.native 'HodgkinHuxley'; allowed: AdEx, CondDualExp, CondExp, CurrentExp, "
        r"DiscreteLI, DiscreteLIF, ExpIF, HH, Izhikevich, LI, LIF, NMDA, STDP, TsodyksMarkram",
        id="unknown-model",
    ),
    pytest.param(
        lambda t: replace_line(t, "custom_process", 'custom_process = ["AdEx"]'),
        r"models\.custom_process = \['AdEx'\] must not repeat native models \(AdEx\)",
        id="custom-overlaps-native",
    ),
    pytest.param(
        lambda t: replace_line(t, "native", 'native = ["LIF", "LI"]'),
        r"section \[adex\] is only meaningful when models\.native or models\.custom_process lists AdEx",
        id="adex-section-without-adex",
    ),
    pytest.param(
        lambda t: replace_line(t, "exp_input_max", "exp_input_max = -9.0"),
        r"adex\.exp_input_min = -8 must be < adex\.exp_input_max = -9",
        id="adex-range-order",
    ),
    pytest.param(
        lambda t: replace_line(t, "hop_north_south_ns", "hop_north_south_ns = -6.5"),
        r"time\.hop_north_south_ns = -6\.5 must be a number >= 0",
        id="negative-time",
    ),
    pytest.param(
        lambda t: replace_line(t, "synaptic_op_pj", "synaptic_op_pj = nan"),
        r"energy\.synaptic_op_pj = nan must be a number >= 0 and finite",
        id="nan-energy",
    ),
    pytest.param(
        lambda t: replace_line(t, "format_version", "format_version = 2"),
        r"format_version = 2 is not supported",
        id="format-version",
    ),
    pytest.param(
        lambda t: replace_line(t, "name", 'name = "emu\\\\u001b[31mred"'),  # re.sub turns \\\\ into one backslash
        r"name = 'emu\\x1b\[31mred' must be printable text \(no control characters\)",
        id="escape-sequence-in-name",
    ),
    pytest.param(  # delays are int16 in programs and the emulator: 6000 ms at 0.1 ms would wrap
        lambda t: replace_line(t, "max_delay_steps", "max_delay_steps = 60000"),
        r"max_delay_steps = 60000 must be .*32767",
        id="delay-beyond-int16",
    ),
    pytest.param(
        lambda t: replace_line(t, "refractory_counter_bits", "refractory_counter_bits = 16"),
        r"refractory_counter_bits = 16 must be .*15",
        id="refractory-beyond-int16",
    ),
    pytest.param(
        lambda t: replace_line(t, "neurons", "neurons = true"),
        r"core\.neurons = True must be an integer in 1\.\.2147483647 \(got a boolean\)",
        id="bool-for-int",
    ),
]


@pytest.mark.parametrize("mutate, message", MALFORMED)
def test_malformed_target_files_are_rejected(tmp_path, mutate, message):
    path = write(tmp_path, mutate(emu_text()), "bad.toml")
    with pytest.raises(TargetError, match=message) as info:
        load_target(path)
    assert str(path) in str(info.value)  # every message names the file


def test_toml_syntax_error_names_file_and_line(tmp_path):
    text = emu_text().replace("neurons = 1024", "neurons = = 1024")
    line = text.splitlines().index("neurons = = 1024") + 1
    path = write(tmp_path, text, "broken.toml")
    with pytest.raises(TargetError, match=rf"broken\.toml'?: invalid TOML: .*line {line}"):
        load_target(path)


def test_missing_file_lists_builtin_targets(tmp_path):
    with pytest.raises(TargetError, match=r"nope\.toml' not found; built-in targets: .*emu.*lava"):
        load_target(tmp_path / "nope.toml")


def test_unknown_builtin_name_suggests_close_match():
    with pytest.raises(TargetError, match=r"unknown target 'lavaa' \(did you mean 'lava'\?\)"):
        load_target("lavaa")


def test_custom_process_rejected_on_emu_backend(tmp_path):
    text = replace_line(emu_text(), "native", 'native = ["LIF", "LI"]')
    text = drop_section(text, "adex")
    text = replace_line(text, "custom_process", 'custom_process = ["AdEx"]')
    with pytest.raises(TargetError, match=r"models\.custom_process = \['AdEx'\] must be empty "
                                          r"for backend 'emu'"):
        load_target(write(tmp_path, text))


def test_adex_native_requires_table(tmp_path):
    text = emu_text()
    text = drop_section(text, "adex")
    with pytest.raises(TargetError, match=r"missing section \[adex\].*the target runs AdEx"):
        load_target(write(tmp_path, text))


def test_section_that_is_not_a_table():
    data = load_target("emu").to_dict()
    data["core"] = 5
    with pytest.raises(TargetError, match=r"\[core\] = 5 must be a table"):
        Target.from_dict(data)


# ---- round trip ----------------------------------------------------------------------------

def test_round_trip_to_dict_from_dict():
    for name in ("emu", "lava"):
        target = load_target(name)
        data = target.to_dict()
        again = Target.from_dict(data)
        assert again == target
        assert again.to_dict() == data
        # to_dict gives plain TOML-compatible data: no tuples, no None
        assert isinstance(data["models"]["native"], list)
        assert "neuron_parameter_sets" not in data["core"]


def test_from_dict_validates_too():
    data = load_target("emu").to_dict()
    data["core"]["synapse_entries"] = -1
    with pytest.raises(TargetError, match=r"core\.synapse_entries = -1 must be an integer in 1\.\.2147483647"):
        Target.from_dict(data, source="saved program")
