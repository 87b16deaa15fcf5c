"""Hodgkin-Huxley on the chip's nonlinear soma (docs/chip.md section 5.9): the compile-time
checks (step size, gate-table range against the reversal potentials and the float run's
voltages), steps outside the tables counted at run time and named in strict mode, a saved
program running bit for bit, and the loader refusing gate tables that are not the target's."""
from __future__ import annotations

import dataclasses
import re
import warnings

import numpy as np
import pytest

import neurocompile as nc
from neurocompile.chip import ChipOverflowError
from neurocompile.chip.hh import HH_GATE_BITS
from neurocompile.program.archive import ProgramFileError
from neurocompile.target import load_target
from tests.helpers import adex_network, assert_same, compile_quietly, hh_network


def narrow_table_target(v_min: float):
    emu = load_target("emu")
    return dataclasses.replace(emu, hh=dataclasses.replace(emu.hh, gate_v_min=v_min))


def hyperpolarised(dt: float = 0.025) -> nc.Network:
    """One HH neuron pushed to about -110 mV by a -15 uA/cm2 step (below E_K = -77 mV)."""
    net = nc.Network("hyper", dt=dt)
    pop = net.population("n", 1, nc.HH(tau_syn=0.5))
    net.current(pop, nc.StepCurrent(times=[1.0], amplitudes=[-15.0]))
    net.probe(pop, "v")
    return net


def test_chip_step_must_keep_forward_euler_stable():
    net = nc.Network("coarse", dt=0.1)
    net.population("n", 2, nc.HH(tau_syn=0.5, I_e=10.0))
    with pytest.raises(nc.BuildError, match=re.escape(
            "HH 'n': dt = 0.1 ms gives dt (g_Na + g_K + g_L) / C_m = 15.6; the chip's forward-Euler voltage step "
            "needs at most 4 (dt <= 0.0256 ms here); the float reference runs at any dt")):
        nc.compile(net, "emu")
    assert nc.simulate(net, 5.0).n_steps == 50


def test_gate_tables_must_hold_the_reversal_potentials():
    net = nc.Network("k", dt=0.025)
    net.population("n", 1, nc.HH(tau_syn=0.5))
    with pytest.raises(nc.BuildError, match=re.escape(
            "HH 'n': reversal potential = -77 mV lies outside the gate tables' range -70..60 mV (the target's [hh] "
            "gate_v_min/gate_v_max): the chip would read the end entries there")):
        nc.compile(net, narrow_table_target(-70.0))


def test_float_run_leaving_the_gate_tables_is_refused_with_ranges():
    net = hyperpolarised()
    ref = nc.simulate(net, 30.0)
    low = float(ref.trace("n", "v").min())
    assert low < -90.0
    with pytest.raises(nc.BuildError, match=r"HH 'n': v reached in the float run = -\d+\.\d+ mV lies outside the "
                                            r"gate tables' range -90\.\.60 mV"):
        nc.compile(net, narrow_table_target(-90.0), ranges=ref)


def test_steps_outside_the_gate_tables_are_counted_and_named_in_strict_mode():
    net = hyperpolarised()
    program = compile_quietly(net, narrow_table_target(-90.0))  # no float run: nothing to check against
    result = program.run(30.0)
    assert result.stats.saturations["'n': voltage outside the gate tables"] > 100
    with pytest.raises(ChipOverflowError, match="voltage x .*lies outside the HH gate tables"):
        program.run(30.0, strict=True)


def test_saved_hh_program_runs_bit_for_bit(tmp_path):
    program = compile_quietly(hh_network())
    path = tmp_path / "hh.ncp"
    program.save(path)
    loaded = nc.load(path)
    assert_same(loaded.run(30.0), program.run(30.0))
    gates = program.quantized.populations["hh"].state
    assert all(0 < gates[g].max() < (1 << HH_GATE_BITS) for g in ("m", "h", "n"))


def test_loader_refuses_gate_tables_that_are_not_the_targets(tmp_path):
    program = compile_quietly(hh_network())
    tables = program.quantized.gate_tables
    values = np.array(tables.values)
    values[1, 100] += 1
    crafted = dataclasses.replace(program, quantized=dataclasses.replace(
        program.quantized, gate_tables=dataclasses.replace(tables, values=values)))
    path = tmp_path / "crafted.ncp"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        crafted.save(path)
    with pytest.raises(ProgramFileError, match=r"HH gate tables: values\[1, 100\] = \d+ must be the gate tables of "
                                               r"target 'emu' \(\[hh\] section\) at dt = 0.025 ms"):
        nc.load(path)


def test_loader_refuses_an_hh_row_in_a_population_without_gates(tmp_path):
    """An HH row updates gate registers only HH populations have: in an AdEx population it
    would reach past its bank's registers, so the loader names it."""
    program = compile_quietly(adex_network())
    adex = program.quantized.populations["adex"]
    crafted_pop = dataclasses.replace(adex, params=dataclasses.replace(adex.params, kind=np.full(adex.size, 2)))
    crafted = dataclasses.replace(program, quantized=dataclasses.replace(
        program.quantized, populations={**program.quantized.populations, "adex": crafted_pop}))
    path = tmp_path / "crafted.ncp"
    crafted.save(path)
    with pytest.raises(ProgramFileError, match=re.escape(
            "population 'adex': params.kind[0] = 2 must be 0 for the AdEx model")):
        nc.load(path)
