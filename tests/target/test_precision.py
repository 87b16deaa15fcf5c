"""The target's number formats (neurocompile.target.precision)."""
from __future__ import annotations

from dataclasses import replace

from neurocompile.target import LOIHI_PRECISION, load_target


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
