"""The kernel warm-up helper (neurocompile.emu.warmup): its process, and its argument types."""
from __future__ import annotations

import sys

import neurocompile as nc
from tests.helpers import compile_quietly


def run_tiny_program(threads=None) -> None:
    """One step of a two-neuron program: a real run of the LIF kernel (with ``threads=2``, of
    its threaded variant) in this process."""
    net = nc.Network("kernel-warm-up", dt=0.1)
    pop = net.population("a", 2, nc.LIF(tau_mem=10.0, tau_syn=5.0, v_rest=0.0, v_reset=0.0, v_th=1.0))
    net.connect(pop, pop, nc.AllToAll(), weight=0.5)
    compile_quietly(net, placer="sequential").run(0.1, threads=threads)


class FakeHelperProcess:
    """Stands in for the helper's ``subprocess.Popen``: records its command and the wait."""

    def __init__(self, args, **kwargs):
        self.args = list(args)
        self.waited = False

    def poll(self):
        return 0 if self.waited else None

    def wait(self, timeout=None):
        self.waited = True
        return 0

    def kill(self):
        self.waited = True


def test_kernel_warm_up_process_and_its_skip_when_the_kernel_is_loaded(monkeypatch):
    from neurocompile.emu import warmup
    from neurocompile.emu.kernel import run_steps_lif

    warmup.finish()  # no helper left over from a build earlier in this process
    monkeypatch.delenv(warmup.THREADS_VARIABLE, raising=False)  # a thread count would add the threaded variant
    started = []

    def popen(args, **kwargs):
        started.append(FakeHelperProcess(args, **kwargs))
        return started[-1]

    monkeypatch.setattr(warmup.subprocess, "Popen", popen)

    # The kernel is loaded here (a real run): nothing to warm up, no process.
    run_tiny_program()
    assert run_steps_lif.signatures
    warmup.start()
    warmup.finish()
    assert started == []

    # A process without the kernel: one helper that compiles it, waited for by finish().
    monkeypatch.delitem(sys.modules, "neurocompile.emu.kernel")
    warmup.start()
    warmup.start()  # a second call while the helper runs starts no other
    assert len(started) == 1
    assert started[0].args[0] == sys.executable and "compile_kernel()" in started[0].args[-1]
    assert not started[0].waited
    warmup.finish()
    assert started[0].waited
    warmup.finish()  # nothing left to wait for
    assert len(started) == 1


def test_the_warm_up_signature_is_the_one_real_runs_use():
    """The helper compiles the kernel from hand-made arguments: their types must be a real run's."""
    from neurocompile.emu import warmup
    from neurocompile.emu.kernel import run_steps_lif

    run_tiny_program()
    warmup.compile_kernel()  # the helper's job: no new variant when the types match
    assert len(run_steps_lif.signatures) == 1, (
        "kernel argument types changed: update neurocompile.emu.warmup.kernel_arguments")
    assert tuple(run_steps_lif.signatures[0]) == warmup.kernel_argument_types()


def test_a_thread_count_above_one_has_the_helper_compile_the_threaded_variant(monkeypatch):
    from neurocompile.emu import threads, warmup

    assert warmup.THREADS_VARIABLE == threads.THREADS_VARIABLE
    monkeypatch.delenv(warmup.THREADS_VARIABLE, raising=False)
    assert not warmup.wants_threaded() and not warmup.wants_threaded(1)
    assert warmup.wants_threaded(2) and warmup.wants_threaded("4")
    assert not warmup.wants_threaded("two")  # the run names the error, not the helper
    monkeypatch.setenv(warmup.THREADS_VARIABLE, "2")
    assert warmup.wants_threaded() and not warmup.wants_threaded(1)  # a given count wins
    assert warmup.threads_argument(["build", "net.py"]) is None
    assert warmup.threads_argument(["build", "net.py", "--threads", "2"]) == "2"
    assert warmup.threads_argument(["build", "--threads=3", "net.py", "--threads", "1"]) == "1"

    warmup.finish()
    started = []

    def popen(args, **kwargs):
        started.append(FakeHelperProcess(args, **kwargs))
        return started[-1]

    monkeypatch.setattr(warmup.subprocess, "Popen", popen)
    monkeypatch.delitem(sys.modules, "neurocompile.emu.kernel")
    monkeypatch.delenv(warmup.THREADS_VARIABLE)
    warmup.start(threads=2)
    warmup.finish()
    warmup.start()
    warmup.finish()
    assert [helper.args[-1].endswith("compile_kernel(threaded=True)") for helper in started] == [True, False]


def test_the_threaded_warm_up_signature_is_the_one_threaded_runs_use():
    from neurocompile.emu import warmup
    from neurocompile.emu.kernel import THREADED

    run_tiny_program(threads=2)
    warmup.compile_kernel(threaded=True)
    threaded = THREADED[False, False]
    assert len(threaded.signatures) == 1, (
        "kernel argument types changed: update neurocompile.emu.warmup.kernel_arguments")
    assert tuple(threaded.signatures[0]) == warmup.kernel_argument_types()
