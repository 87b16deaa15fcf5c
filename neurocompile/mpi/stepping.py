"""The step loop that both partitioned modes (:mod:`.partition`, :mod:`.local`) share: the
compiled kernel called for one step and a subset of its sections (the spike exchange sits
between a step's soma and route phases), the steps with the spike sources' spikes and the
bias updates of a single-process run (:mod:`neurocompile.emu.run`), and what a run measured
of its exchange (:class:`Exchange`)."""
from __future__ import annotations

from typing import NamedTuple

from ..chip.host import BiasSchedule, bias_value
from ..emu.kernel import kernel_for
from ..emu.run import BLOCK_STEPS, _host_block


class Exchange(NamedTuple):
    """What a partitioned run measured of its spike exchange (this rank): the steps, the ids
    it sent and received in total, the seconds spent in the exchange and in the kernel, the
    number of exchanges (each an allgather of the message lengths and an allgatherv of the
    messages) and the window: the steps whose spikes one exchange carries (the last window
    may be shorter: ``exchanges == ceil(steps / window)``)."""

    steps: int
    sent: int
    received: int
    exchange_s: float
    compute_s: float
    exchanges: int
    window: int


def one_step_kernel(layout, state):
    """``call(step, sections, host, counters=None)``: the compiled kernel over step ``step``
    alone, running only ``sections`` (e.g. ``GATHER | SOMA`` before the exchange, ``ROUTE |
    CLOSE`` after it) with the host spikes ``host`` and the run's counters (or ``counters``:
    the same arrays but another per-core scratch, for a step closed later); returns what the
    kernel returns (the step it stopped at: ``step`` again when the spike record is full and
    must grow)."""
    kernel = kernel_for(layout)

    def call(step, sections, host, counters=None):
        return kernel(step, step + 1, sections, state.dimensions, layout.registers, layout.lif, layout.adex,
                      state.synapses, layout.fabric, state.lif, state.adex, state.dendrites, host, state.fired,
                      state.recording, state.counters if counters is None else counters, state.elements,
                      state.short_term, state.gates, state.learning)
    return call


def each_step(layout, state, bias_updates, streams: dict, n_steps: int):
    """Yield ``(step, row, host)`` for steps ``0 .. n_steps - 1``: ``host`` holds the spike
    sources' spikes (``streams``) of a block of up to ``BLOCK_STEPS`` steps, ``row`` is the
    step's row in it. The program's bias updates are written into the state at the step they
    take effect, as a single-process run does (a block ends there)."""
    schedule = BiasSchedule(bias_updates)
    step = 0
    while step < n_steps:
        stop = min(n_steps, step + BLOCK_STEPS)
        change = schedule.next_change(step)
        if change is not None:
            stop = min(stop, change)
        for update in schedule.at(step):
            layout.set_bias(state.lif_bias, state.adex_bias, update.population,
                            bias_value(update.bias_mant, update.bias_exp))
        host = _host_block(layout, streams, step, stop, 1)
        for at in range(step, stop):
            yield at, at - step, host
        step = stop
