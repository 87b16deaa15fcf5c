"""The fast emulator engine (compiled kernel) against the step-by-step numpy engine: identical
spikes, traces and counters (no timings)."""
from __future__ import annotations

import pytest

from tests.helpers import (adex_network, assert_same, compile_quietly, lif_network, load_cuba, negative_exponent_network,
                           hh_network, nonlinear_network)


@pytest.mark.parametrize("build", [lif_network, negative_exponent_network, adex_network, nonlinear_network,
                                   hh_network])
def test_fast_and_numpy_engines_agree(build):
    prog = compile_quietly(build(), placer="sequential")
    fast = prog.run(30.0)
    ref = prog.run(30.0, engine="numpy")
    assert sum(int(c.sum()) for c in fast.counts.values()) > 0
    assert_same(fast, ref)


def test_fast_path_matches_reference_on_cuba_with_placer_spectral():
    prog = compile_quietly(load_cuba(), placer="spectral")
    assert_same(prog.run(20.0), prog.run(20.0, engine="numpy"))


def test_long_run_spans_several_kernel_blocks(monkeypatch):
    from neurocompile.emu import run

    monkeypatch.setattr(run, "BLOCK_STEPS", 7)  # blocks, bias changes and record growth mixed
    prog = compile_quietly(lif_network(), placer="sequential")
    assert_same(prog.run(25.0), prog.run(25.0, engine="numpy"))
