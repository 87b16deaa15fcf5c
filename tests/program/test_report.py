"""The program report (neurocompile.program.report) on crafted and damaged report dicts: a
missing entry shows as "-", an entry of the wrong kind is one ProgramFileError naming the
population (or projection, or receptor) and the key, from Python and from `inspect`."""
from __future__ import annotations

import copy
import dataclasses
import warnings

import numpy as np
import pytest

import neurocompile as nc
from neurocompile.program.report import (placement_table, population_quant_table, projection_quant_table,
                                         receptor_quant_table)
from tests.helpers import rewrite_manifest, run_cli


def _network() -> nc.Network:
    net = nc.Network("report", dt=0.1, seed=3)
    src = net.spike_source("src", 4, times=[0.5, 1.0], indices=[0, 1])
    a = net.population("a", 6, nc.LIF(tau_mem=10.0, tau_syn=2.0, v_rest=0.0, v_reset=0.0, v_th=1.0))
    receptors = nc.LIF(tau_mem=20.0, v_rest=-60.0, v_reset=-65.0, v_th=-40.0,
                       receptors={"ampa": nc.CondExp(tau=5.0, E_rev=0.0), "nmda": nc.NMDA(mg=1.0)})
    b = net.population("b", 3, receptors)
    net.connect(src, a, nc.AllToAll(), weight=0.8)
    net.connect(a, b, nc.AllToAll(), weight=0.5, receptor="ampa", stp=nc.TsodyksMarkram(U=0.5, tau_rec=100.0))
    net.connect(src, b, nc.AllToAll(), weight=0.2, receptor="nmda")
    return net


@pytest.fixture(scope="module")
def compiled():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return nc.compile(_network(), "emu")


@pytest.fixture
def program(compiled):
    return copy.deepcopy(compiled)


def _row(table, first: str) -> list[str]:
    """The plain-text cells of the row of ``table`` whose first cell is ``first``."""
    columns = [[str(cell) for cell in column.cells] for column in table.columns]
    k = columns[0].index(first)
    return [column[k] for column in columns]


def test_the_placement_metrics_name_their_rates(program):
    """Without rates, the default ones, said as such; with rates, where they come from."""
    assert _row(placement_table(program), "spike messages/step (uniform 10 Hz)")[1] == "0.01"
    rates = {name: np.full(q.size, 20.0) for name, q in program.quantized.populations.items()}
    assert _row(placement_table(program, rates, "float reference"),
                "spike messages/step (float reference rates)")[1] == "0.02"
    assert "(uniform 10 Hz)" in program.report()  # the text report wraps the label


def test_the_report_of_a_good_program_shows_every_entry(program):
    assert _row(population_quant_table(program), "a")[2:] == [
        "6", "10 -> 9.94", "2 -> 1.998", "0.00e+00", "0.00e+00", "4.77e-07 mV", "a_in 1%, u 1%"]
    assert "nmda" in program.report() and "Quantization issues:" in program.report()


def test_missing_entries_show_as_a_dash(program):
    program.quantized.populations["a"].report.clear()
    program.quantized.projections[0].report.clear()
    program.quantized.populations["b"].receptors.report["ampa"] = {}
    assert _row(population_quant_table(program), "a") == [
        "a", "LIF", "6", "-", "-", "-", "0.00e+00", "-", "-"]  # a missing bias error is no error
    assert _row(projection_quant_table(program), "src->a") == [
        "src->a", "-", "24", "-", "-", "-", "-", "-", "-", "-"]
    assert _row(receptor_quant_table(program), "b")[1:] == ["ampa", "-", "-", "-", "-", "g LSB -, F = -"]
    program.report()  # the whole report renders


@pytest.mark.parametrize("key, value, message", [
    ("voltage_lsb_mV", "abc", "population 'a': report['voltage_lsb_mV'] = 'abc' must be a number"),
    ("threshold_rel_error", [1, 2], "population 'a': report['threshold_rel_error'] = [1, 2] must be a number"),
    ("worst_input_vs_dendrite", True, "population 'a': report['worst_input_vs_dendrite'] = True must be a number"),
    ("tau_mem", "x", "population 'a': report['tau_mem'] = 'x' must be (requested, chip) values: two numbers or "
                     "non-empty arrays of numbers"),
    ("tau_syn", ([], [1.0]), "population 'a': report['tau_syn'] = ([], [1.0]) must be (requested, chip) values: "
                             "two numbers or non-empty arrays of numbers"),
    ("tau_syn", (np.array(["a"]), 2.0), "population 'a': report['tau_syn'] = (array(['a'], dtype='<U1'), 2.0) "
                                        "must be (requested, chip) values: two numbers or non-empty arrays of numbers"),
])
def test_a_population_entry_of_the_wrong_kind_is_named(program, key, value, message):
    program.quantized.populations["a"].report[key] = value
    with pytest.raises(nc.ProgramFileError) as err:
        program.report()
    assert str(err.value) == message


def test_a_report_that_is_not_a_dict_is_named(program):
    pops = program.quantized.populations
    pops["a"] = dataclasses.replace(pops["a"], report=7)
    with pytest.raises(nc.ProgramFileError) as err:
        program.report()
    assert str(err.value) == "population 'a': report = 7 must be a dict of report entries"


@pytest.mark.parametrize("index, key, value, message", [
    (0, "weight_exp", 1.5, "projection 'src->a': report['weight_exp'] = 1.5 must be an integer"),
    (0, "sign_mode", 3, "projection 'src->a': report['sign_mode'] = 3 must be text"),
    (0, "rel_rms_error", {"x": 1}, "projection 'src->a': report['rel_rms_error'] = {'x': 1} must be a number"),
    (1, "stp", {"U": "x", "tau_rec": (1.0, 1.0), "tau_fac": (0.0, 0.0)},
     "projection 'a->b': report['stp']['U'] = 'x' must be (requested, chip) values: two numbers or non-empty "
     "arrays of numbers"),
    (1, "stp", [1, 2], "projection 'a->b': report['stp'] = [1, 2] must be a dict of report entries"),
    (2, "nmda_gate", {"a": (0.1,)}, "projection 'src->b': report['nmda_gate']['a'] = (0.1,) must be (requested, "
                                    "chip) values: two numbers or non-empty arrays of numbers"),
])
def test_a_projection_entry_of_the_wrong_kind_is_named(program, index, key, value, message):
    program.quantized.projections[index].report[key] = value
    with pytest.raises(nc.ProgramFileError) as err:
        program.report()
    assert str(err.value) == message


def test_a_receptor_entry_of_the_wrong_kind_is_named(program):
    reports = program.quantized.populations["b"].receptors.report
    reports["nmda"]["mg_block"]["mg"] = "one"
    with pytest.raises(nc.ProgramFileError) as err:
        program.report()
    assert str(err.value) == ("population 'b', receptor 'nmda': receptors.report['nmda']['mg_block']['mg'] = "
                              "'one' must be a number")
    reports["nmda"] = 5
    with pytest.raises(nc.ProgramFileError) as err:
        program.report()
    assert str(err.value) == "population 'b', receptor 'nmda': receptors.report['nmda'] = 5 must be a dict of report entries"


def test_a_long_value_is_shortened_in_the_message(program):
    program.quantized.populations["a"].report["voltage_lsb_mV"] = list(range(10**5))
    with pytest.raises(nc.ProgramFileError) as err:
        program.report()
    assert str(err.value) == ("population 'a': report['voltage_lsb_mV'] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, "
                              "13, 14, 15, 16... must be a number")


def test_brackets_in_report_text_are_text_not_markup(program):
    reports = program.quantized.populations["b"].receptors.report
    reports["[/oops]"] = reports.pop("ampa")
    reports["[/oops]"]["kind"] = "[bold]current"
    text = program.report(width=200)
    assert "[/oops]" in text and "[bold]current" in text


def _with_report_entry(population: str, key: str, value):
    """A manifest edit setting ``report[key] = value`` for ``population``."""
    def edit(tree):
        for name, pop in tree["quantized"]["fields"]["populations"]["__map__"]:
            if name == population:
                entries = pop["fields"]["report"]["__map__"]
                entries[:] = [entry for entry in entries if entry[0] != key] + [[key, value]]
    return edit


def test_inspect_names_the_file_the_population_and_the_key(compiled, tmp_path, capsys):
    path = tmp_path / "damaged.ncp"
    compiled.save(path)
    rewrite_manifest(path, _with_report_entry("a", "voltage_lsb_mV", "abc"))
    program = nc.load(path)  # the loader checks what runs; the report is for people
    assert program.run(1.0).n_steps == 10
    code, _, err = run_cli(capsys, "inspect", path)
    assert code == 1
    assert err == f"error: '{path}': population 'a': report['voltage_lsb_mV'] = 'abc' must be a number\n"
