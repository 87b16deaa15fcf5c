"""Negative weight exponents on the emulator: per-(projection, delay) floored rings."""
from __future__ import annotations

from tests.helpers import compile_quietly, negative_exponent_network


def test_negative_exponent_network_uses_separate_rings():
    prog = compile_quietly(negative_exponent_network(), placer="sequential")
    assert min(p.weight_exp for p in prog.quantized.projections) < 0
