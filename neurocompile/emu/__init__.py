"""The chip emulator: bit-exact integer execution of compiled programs.

:mod:`neurocompile.emu.arith` holds the chip's integer arithmetic (LIF and AdEx soma updates,
weight and bias scaling, the dendrite read-out); ``docs/chip.md`` is its written specification.
"""
