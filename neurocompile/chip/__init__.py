"""The chip: its integer rules, written once, for the quantizer and every back end (docs/chip.md).

* :mod:`.numbers`: shifts, decays, wrap-around, saturation, rounding multiplies;
* :mod:`.dendrite`: how synaptic input is summed, scaled (the floor rule), delayed and read;
* :mod:`.lif`, :mod:`.adex`: the neuron updates and their typed parameter records;
* :mod:`.host`: when bias updates (step currents) take effect;
* :mod:`.costs`: the activity counters and the energy and latency they cost;
* :mod:`.overflow`: strict mode's error.

The number formats come from the target (:class:`neurocompile.target.Precision`). The
emulator (:mod:`neurocompile.emu`) and the Lava processes (:mod:`neurocompile.lava`) call
these functions; they implement no rule of their own.
"""
from __future__ import annotations

from typing import NamedTuple

from .adex import (ADEX_PROBES, ADEX_REGISTERS, EXPIF_PROBES, HH_PROBES, HH_REGISTERS, IZHIKEVICH_PROBES,
                   AdexParams, ExpTable, FixedCoefficient, adex_soma_step, build_exp_lut)
from .lif import LIF_PROBES, LIF_REGISTERS, LifParams, lif_soma_step
from .overflow import ChipOverflowError


class Soma(NamedTuple):
    """What the chip knows of a neuron model: which update runs it and its state registers.

    ``bank``: neurons with the same bank run the same integer update (LI is a LIF that never
    spikes). ``registers``: integer state, in :attr:`QuantizedPopulation.state` order.
    ``probes``: probe variable (``"v"``, ``"I_syn"``, ...) -> the register that holds it.
    ``params``: the record type of its parameters. ``counted_saturation``: the register whose
    saturation a run counts as the bank's state saturations.
    """

    bank: str
    registers: tuple
    probes: dict
    params: type
    counted_saturation: str


LIF_SOMA = Soma("LIF", LIF_REGISTERS, LIF_PROBES, LifParams, "v")
ADEX_SOMA = Soma("AdEx", ADEX_REGISTERS, ADEX_PROBES, AdexParams, "w")
# ExpIF and Izhikevich run on the AdEx bank's soma (docs/chip.md sections 5 and 5.6); the
# bank counts the saturations of one register for all its neurons.
EXPIF_SOMA = Soma("AdEx", ADEX_REGISTERS, EXPIF_PROBES, AdexParams, "w")
IZHIKEVICH_SOMA = Soma("AdEx", ADEX_REGISTERS, IZHIKEVICH_PROBES, AdexParams, "w")
# An HH row adds its gates; a step outside its gate tables counts as its state saturation.
HH_SOMA = Soma("AdEx", HH_REGISTERS, HH_PROBES, AdexParams, "w")
#: Model name (:attr:`QuantizedPopulation.model`) -> its soma.
SOMAS = {"LIF": LIF_SOMA, "LI": LIF_SOMA, "DiscreteLIF": LIF_SOMA, "DiscreteLI": LIF_SOMA, "AdEx": ADEX_SOMA,
         "ExpIF": EXPIF_SOMA, "Izhikevich": IZHIKEVICH_SOMA, "HH": HH_SOMA}

__all__ = ["ADEX_SOMA", "AdexParams", "ChipOverflowError", "ExpTable", "FixedCoefficient", "LIF_SOMA",
           "LifParams", "SOMAS", "Soma", "adex_soma_step", "build_exp_lut", "lif_soma_step"]
