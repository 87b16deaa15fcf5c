"""The built-in targets (targets/emu.toml, targets/lava.toml): published costs, Loihi's limits,
the models they run."""
from __future__ import annotations

import pytest

from neurocompile.target import KNOWN_MODELS, available_targets, load_target


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
    assert set(emu.models.native) == {"LIF", "LI", "AdEx", "ExpIF", "Izhikevich", "HH", "DiscreteLIF", "DiscreteLI", "STDP",
                                      "CurrentExp", "CondExp", "CondDualExp", "NMDA", "TsodyksMarkram"}
    assert emu.models.custom_process == ()
    assert emu.adex is not None
    assert emu.adex.exp_input_min < 0 < emu.adex.exp_input_max
    assert emu.adex.exp_input_step == pytest.approx(16.0 / 1023)


def test_known_models_match_model_registry():
    from neurocompile.models import MODELS
    from neurocompile.models.receptors import RECEPTORS

    assert set(KNOWN_MODELS) == set(MODELS) | set(RECEPTORS) | {"TsodyksMarkram", "STDP"}


def test_default_target_is_emu():
    assert load_target().name == "emu"


def test_target_is_immutable():
    emu = load_target("emu")
    with pytest.raises(AttributeError):
        emu.core.neurons = 5  # type: ignore[misc]
