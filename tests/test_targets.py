"""Target descriptions: built-in files, user files, validation messages, helpers, round trip."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from dataclasses import replace

from neurocompile.errors import BuildError, TargetError
from neurocompile.target import (
    KNOWN_MODELS,
    LOIHI_PRECISION,
    CoreLocation,
    Hops,
    Target,
    available_targets,
    load_target,
)

REPO_TARGETS = Path(__file__).resolve().parents[1] / "targets"

# Davies et al. 2018, IEEE Micro, Table 2 (0.75 V).
PUBLISHED_ENERGY_PJ = {
    "synaptic_op_pj": 23.6,
    "neuron_update_active_pj": 81.0,
    "neuron_update_inactive_pj": 52.0,
    "spike_within_tile_pj": 1.7,
    "hop_east_west_pj": 3.0,
    "hop_north_south_pj": 4.0,
}
PUBLISHED_TIME_NS = {
    "synaptic_op_ns": 3.5,
    "neuron_update_active_ns": 8.4,
    "neuron_update_inactive_ns": 5.3,
    "spike_within_tile_ns": 2.1,
    "hop_east_west_ns": 4.1,
    "hop_north_south_ns": 6.5,
    "barrier_base_ns": 113.0,
}


def emu_text() -> str:
    return (REPO_TARGETS / "emu.toml").read_text(encoding="utf-8")


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


# ---- built-in targets -----------------------------------------------------------------------

def test_builtin_targets_are_listed():
    assert {"emu", "lava"} <= set(available_targets())


@pytest.mark.parametrize("name", ["emu", "lava"])
def test_builtin_targets_load_with_published_costs(name):
    target = load_target(name)
    assert target.name == name
    assert target.backend == name
    for key, value in PUBLISHED_ENERGY_PJ.items():
        assert getattr(target.energy, key) == pytest.approx(value), key
    for key, value in PUBLISHED_TIME_NS.items():
        assert getattr(target.time, key) == pytest.approx(value), key
    # Barrier over a full 32-tile Loihi mesh: 465 ns in Davies et al. 2018.
    assert target.barrier_ns(32) == pytest.approx(465.0, abs=0.1)
    assert target.precision.state_bits == 24
    assert target.precision.decay_bits == 12
    assert target.core.neurons == 1024
    assert target.core.fanin_axons == 4096


def test_lava_target_is_loihi_like():
    lava = load_target("lava")
    assert lava.cores_per_chip == 128
    assert lava.precision.weight_mantissa_range == (-256, 255)
    assert lava.precision.max_delay_steps == 62
    assert lava.model_support("LIF") == "native"
    assert lava.model_support("AdEx") == "custom_process"
    assert lava.adex is not None  # the custom AdEx process runs the chip's integer AdEx


def test_emu_target_runs_adex_natively():
    emu = load_target("emu")
    assert set(emu.models.native) == {"LIF", "LI", "AdEx"}
    assert emu.models.custom_process == ()
    assert emu.adex is not None
    assert emu.adex.exp_input_min < 0 < emu.adex.exp_input_max
    assert emu.adex.exp_input_step == pytest.approx(16.0 / 1023)


def test_known_models_match_model_registry():
    from neurocompile.models import MODELS

    assert set(KNOWN_MODELS) == set(MODELS)


def test_default_target_is_emu():
    assert load_target().name == "emu"


# ---- user files -----------------------------------------------------------------------------

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
        r"core\.neurons = 1024 must be an integer >= 1 \(got a float\)",
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
        r"core\.neurons = 0 must be an integer >= 1",
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
        lambda t: replace_line(t, "native", 'native = ["LIF", "Izhikevich"]'),
        r"unknown model in models\.native 'Izhikevich'; allowed: AdEx, LI, LIF",
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
        lambda t: replace_line(t, "neurons", "neurons = true"),
        r"core\.neurons = True must be an integer >= 1 \(got a boolean\)",
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


# ---- helpers and round trip -----------------------------------------------------------------

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
    with pytest.raises(TargetError, match=r"core\.synapse_entries = -1 must be an integer >= 1"):
        Target.from_dict(data, source="saved program")


def test_sizes_and_core_locations():
    emu = load_target("emu")
    assert emu.cores_per_chip == 64
    assert emu.tiles_per_chip == 16
    assert emu.total_cores == 256
    assert emu.max_neurons == 256 * 1024
    assert emu.core_location(0) == CoreLocation(0, 0, 0, 0)
    assert emu.core_location(5) == CoreLocation(0, 0, 1, 1)
    assert emu.core_location(255) == CoreLocation(3, 3, 3, 3)
    cores = np.arange(emu.total_cores)
    chip, row, col, slot = emu.core_location(cores)
    assert np.array_equal(emu.core_index(chip, row, col, slot), cores)
    assert emu.chip_position(3) == (1, 1)
    with pytest.raises(TargetError, match=r"core_index = 256 must be in 0\.\.255"):
        emu.core_location(256)


def test_hops_and_route_costs():
    emu = load_target("emu")
    # same tile: no hops, only the within-tile cost
    assert emu.hops(0, 3) == Hops(0, 0, 0)
    assert emu.spike_energy_pj(0, 3) == pytest.approx(1.7)
    # one tile east on the same chip
    assert emu.hops(0, 4) == Hops(1, 0, 0)
    assert emu.spike_energy_pj(0, 4) == pytest.approx(1.7 + 3.0)
    assert emu.spike_latency_ns(0, 4) == pytest.approx(2.1 + 4.1)
    # one tile south on the same chip
    assert emu.hops(0, 16) == Hops(0, 1, 0)
    # from the east edge of chip 0 to the west edge of chip 1: one inter-chip crossing
    east_edge = emu.core_index(0, 0, 3)
    west_edge_next_chip = emu.core_index(1, 0, 0)
    assert emu.hops(east_edge, west_edge_next_chip) == Hops(0, 0, 1)
    assert emu.route_cost(east_edge, west_edge_next_chip) == pytest.approx(10.0)
    # opposite corners of the 2 x 2 board
    assert emu.hops(0, 255) == Hops(6, 6, 2)
    assert emu.route_cost(0, 255) == pytest.approx(12 + 2 * 10.0)
    # vectorised form agrees with the scalar form
    src = np.array([0, 0, east_edge])
    dst = np.array([3, 255, west_edge_next_chip])
    hops = emu.hops(src, dst)
    assert hops.inter_chip.tolist() == [0, 2, 1]
    assert emu.route_cost(src, dst).tolist() == pytest.approx([0.0, 32.0, 10.0])


def test_precision_ranges():
    p = load_target("emu").precision
    assert p.state_range == (-(2**23), 2**23 - 1)
    assert p.bias_mantissa_range == (-4096, 4095)
    assert p.threshold_mantissa_max == 2**17 - 1
    assert p.decay_unity == 4096
    assert p.max_refractory_steps == 63


def test_precision_register_formats_of_loihi():
    p = load_target("emu").precision
    assert p.state_half == 2**23
    assert p.saturation_limit == 2**23 - 1
    assert p.dendrite_range == (-131072, 131071)  # 24 - 6 = 18 bits signed (docs/chip.md 3.3)
    assert p.weight_mantissa_range == (-256, 255)
    assert p.soma_widths == (24, 12, 6, 6)


def test_precision_register_formats_follow_the_widths():
    p = replace(LOIHI_PRECISION, state_bits=16, decay_bits=8, alignment_shift_bits=4,
                refractory_counter_bits=3)
    assert p.state_half == 2**15
    assert p.saturation_limit == 2**15 - 1
    assert p.state_range == (-(2**15), 2**15 - 1)
    assert p.dendrite_range == (-(2**11), 2**11 - 1)  # 16 - 4 = 12 bits signed
    assert p.soma_widths == (16, 8, 4, 3)
    assert p.max_refractory_steps == 7
    assert p.decay_unity == 256


def test_loihi_precision_is_the_lava_targets():
    assert load_target("lava").precision == LOIHI_PRECISION
    assert LOIHI_PRECISION.soma_widths == (24, 12, 6, 6)


def lif_only_lava() -> Target:
    """The lava target without its custom AdEx process (and so without the [adex] table)."""
    data = load_target("lava").to_dict()
    data["models"]["custom_process"] = []
    del data["adex"]
    return Target.from_dict(data)


def test_require_model_says_how_the_target_runs_it():
    lava = load_target("lava")
    assert lava.require_model("LIF", "Population 'exc'") == "native"
    assert lava.require_model("AdEx", "Population 'cell'") == "custom_process"
    assert load_target("emu").require_model("AdEx", "Population 'cell'") == "native"


def test_require_model_names_owner_model_target_and_supported_models():
    message = ("Population 'cell': model AdEx is not supported by target 'lava' "
               "(native: LIF, LI; custom processes: none)")
    with pytest.raises(BuildError, match=re.escape(message)):
        lif_only_lava().require_model("AdEx", "Population 'cell'")


def test_model_checks_of_a_build_share_the_error():
    import neurocompile as nc
    from neurocompile.quantize.network import quantize
    from neurocompile.quantize.support import model_support as check_model_support

    net = nc.Network("one_adex", dt=0.1)
    net.population("cell", 2, nc.AdEx(C=281.0, g_L=30.0, E_L=-70.6, V_T=-50.4, delta_T=2.0,
                                      a=4.0, tau_w=144.0, b=80.5, V_reset=-70.6, V_peak=-40.4,
                                      tau_syn=5.0))
    target = lif_only_lava()
    message = re.escape("Population 'cell': model AdEx is not supported by target 'lava' "
                        "(native: LIF, LI; custom processes: none)")
    with pytest.raises(BuildError, match=message):
        check_model_support(net, target)
    with pytest.raises(BuildError, match=message):
        quantize(net, target)
    assert check_model_support(net, load_target("lava")) == {"cell": "custom_process"}


def test_target_is_immutable():
    emu = load_target("emu")
    with pytest.raises(AttributeError):
        emu.core.neurons = 5  # type: ignore[misc]
