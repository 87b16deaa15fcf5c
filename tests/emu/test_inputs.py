"""Per-run inputs of ``Program.run``: currents act like step currents, bad inputs are named."""
from __future__ import annotations

import numpy as np
import pytest

import neurocompile as nc
from neurocompile.errors import NetworkError
from tests.helpers import compile_quietly, input_network


def test_input_currents_act_like_a_step_current_from_time_zero():
    with_input = input_network()
    with_step = input_network()
    with_step.current(with_step["hidden"], nc.StepCurrent(times=[0.0], amplitudes=[3.0]))
    a = compile_quietly(with_input, placer="sequential").run(20.0, inputs={"hidden": np.full(20, 3.0)})
    b = compile_quietly(with_step, placer="sequential").run(20.0)
    for name in ("hidden", "out"):
        np.testing.assert_array_equal(a.counts[name], b.counts[name])
    assert a.counts["hidden"].sum() > 0


def test_bad_inputs_are_rejected_with_names():
    prog = compile_quietly(input_network(), placer="sequential")
    with pytest.raises(NetworkError, match="pixels.*shape"):
        prog.run(10.0, inputs={"pixels": np.zeros((50, 16), dtype=bool)})
    with pytest.raises(NetworkError, match="nope"):
        prog.run(10.0, inputs={"nope": np.zeros(3)})
    with pytest.raises(NetworkError, match="batch"):
        prog.run(10.0, inputs={"pixels": np.zeros((2, 100, 16), dtype=bool), "hidden": np.zeros((3, 20))})
    with pytest.raises(NetworkError, match="engine"):
        prog.run(10.0, engine="turbo")
