"""Progress reporting (:mod:`neurocompile.progress`): silent by default, and what the float
reference, the compiler and the emulator report to a listener, with results that do not
depend on whether anyone listens."""
from __future__ import annotations

import threading

import numpy as np
import pytest

import neurocompile as nc
from neurocompile import progress
from tests.helpers import compile_quietly, load_cuba


class Recorder(progress.Reporter):
    """Keeps every call: started tasks (description, total, unit), updates and finishes."""

    def __init__(self):
        self.started, self.finished, self.updates = [], [], []
        self.lock = threading.Lock()

    def start(self, description, total, unit):
        with self.lock:
            self.started.append((description, total, unit))
            return len(self.started) - 1

    def update(self, handle, completed, total, description):
        with self.lock:
            self.updates.append((handle, completed, total))

    def finish(self, handle, completed, total, description):
        with self.lock:
            self.finished.append((handle, description, completed, total))

    def final(self, prefix: str):
        """(completed, total) of the finished tasks whose description starts with ``prefix``."""
        return [(done, total) for _, description, done, total in self.finished if description.startswith(prefix)]


def test_nothing_is_reported_or_printed_without_a_reporter(capsys):
    assert not progress.listening()
    with progress.stage("work", total=3, unit="items") as task:
        task.advance(2)
        task.update(completed=3)
    assert task.completed == 0.0  # the silent task keeps nothing
    net = load_cuba()
    nc.simulate(net, 2.0)
    assert capsys.readouterr() == ("", "")


def test_a_task_reports_its_counts_and_ends_once():
    recorder = Recorder()
    with progress.reporting(recorder):
        assert progress.listening()
        with progress.stage("work", total=10, unit="items") as task:
            for _ in range(10):
                task.advance()
            task.close()
    assert not progress.listening()
    assert recorder.started == [("work", 10, "items")]
    assert recorder.finished == [(0, "work", 10, 10)]  # closed once, with every unit counted


def test_reporters_nest_and_restore_the_previous_one():
    outer, inner = Recorder(), Recorder()
    with progress.reporting(outer):
        with progress.reporting(inner):
            progress.stage("inner").close()
        progress.stage("outer").close()
    assert [d for _, d, _, _ in inner.finished] == ["inner"]
    assert [d for _, d, _, _ in outer.finished] == ["outer"]


def test_float_reference_reports_every_step_of_every_sample():
    net = load_cuba()
    recorder = Recorder()
    with progress.reporting(recorder):
        nc.simulate(net, 5.0)
    assert recorder.final("float reference") == [(50, 50)]


def test_compile_reports_quantization_placement_and_routing():
    net = load_cuba()
    recorder = Recorder()
    with progress.reporting(recorder):
        compile_quietly(net)
    described = [d for _, d, _, _ in recorder.finished]
    assert described[0] == "quantization" and recorder.final("quantization") == [(net.n_synapses + 4000,) * 2]
    assert any(d.startswith("placement: ") for d in described)
    assert recorder.final("routing") == [(3, 3)]


@pytest.mark.parametrize("engine", ["fast", "numpy"])
def test_chip_run_reports_steps_and_gives_the_same_result(monkeypatch, engine):
    from neurocompile.emu import run as emu_run

    prog = compile_quietly(load_cuba())
    quiet = prog.run(30.0, engine=engine)
    recorder = Recorder()
    monkeypatch.setattr(emu_run, "FIRST_REPORTED_STEPS", 7)  # many small kernel calls
    monkeypatch.setattr(emu_run, "REPORT_EVERY_S", 1e-6)
    with progress.reporting(recorder):
        heard = prog.run(30.0, engine=engine)
    assert recorder.final("chip run") == [(300, 300)]
    for name in quiet.counts:
        np.testing.assert_array_equal(quiet.counts[name], heard.counts[name])
    np.testing.assert_array_equal(quiet.spikes("exc"), heard.spikes("exc"))
    np.testing.assert_array_equal(quiet.trace("exc", "v", raw=True), heard.trace("exc", "v", raw=True))
    assert quiet.stats.totals() == heard.stats.totals()
