"""The chip emulator: bit-exact integer execution of compiled programs.

:mod:`.layout` lays a program out in memory, :mod:`.state` holds a run's state, :mod:`.kernel`
is the compiled loop of the phases of a step, run fused for many steps or one step at a time by
:mod:`.stepper` (step-by-step and strict); :mod:`.run` drives them (:func:`~.run.emulate`). The integer rules themselves
are the chip layer's (:mod:`neurocompile.chip`), specified in ``docs/chip.md``.

(Nothing is imported here: the command line imports :mod:`.warmup` before numpy and numba.)
"""
