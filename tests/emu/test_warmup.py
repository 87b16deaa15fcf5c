"""The kernel warm-up helper (neurocompile.emu.warmup): its process, and its argument types."""
from __future__ import annotations

import sys

import neurocompile as nc
from tests.helpers import compile_quietly


def run_tiny_program() -> None:
    """One step of a two-neuron program: a real run of the LIF kernel in this process."""
    net = nc.Network("kernel-warm-up", dt=0.1)
    pop = net.population("a", 2, nc.LIF(tau_mem=10.0, tau_syn=5.0, v_rest=0.0, v_reset=0.0, v_th=1.0))
    net.connect(pop, pop, nc.AllToAll(), weight=0.5)
    compile_quietly(net, placer="sequential").run(0.1)


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
