"""The chip's integer register formats: the ``[precision]`` section of a target file.

:class:`Precision` is the one description of these formats. The quantizer, the emulator's soma
arithmetic and the Lava emitter all read their widths and ranges from it (docs/chip.md
sections 2 to 5). :data:`LOIHI_PRECISION` is the format of Loihi as Lava models it.
"""
from __future__ import annotations

from dataclasses import dataclass

from .spec import spec_field

__all__ = ["LOIHI_PRECISION", "Precision"]


@dataclass(frozen=True)
class Precision:
    """Integer number formats of the chip. All widths are in bits.

    * ``weight_mantissa_bits``: signed two's-complement width of a synaptic weight mantissa,
      including the sign bit (9 gives -256..255). At least 2, so that a sign fits. The weight is
      ``mantissa * 2**exponent``. Each connection shares one exponent in
      ``weight_exponent_min..weight_exponent_max``.
    * ``state_bits``: width of the signed state registers (24 on Loihi): the LIF current ``u``
      and voltage ``v``, and the AdEx voltage ``x``, adaptation ``w`` and synaptic current
      ``i``. Only the LIF current ``u`` wraps around (Lava's rule, docs/chip.md section 4.2).
      The voltages and all AdEx registers saturate to ``-saturation_limit..saturation_limit``.
    * ``decay_bits``: width of the decay constants. A decay ``d`` multiplies the state by
      ``1 - d / 2**decay_bits`` per step. Loihi and Lava use 12; 4..16 is accepted, for
      exploring other chips.
    * ``alignment_shift_bits``: left shift that aligns synaptic input and the threshold
      mantissa with the most significant bits of the state (6 on Loihi).
    * ``threshold_mantissa_bits``: unsigned threshold mantissa; the effective threshold is
      ``mantissa << alignment_shift_bits``.
    * ``bias_mantissa_bits``: signed width including sign. The bias is
      ``mantissa * 2**exponent`` with exponent in ``bias_exponent_min..bias_exponent_max``.
    * ``refractory_counter_bits``: the refractory period may be at most
      ``2**refractory_counter_bits - 1`` steps.
    * ``max_delay_steps``: longest synaptic delay, in time steps.
    """

    weight_mantissa_bits: int = spec_field(
        "int", "signed weight mantissa width incl. sign", lo=2, hi=16)
    weight_exponent_min: int = spec_field("int", "smallest shared weight exponent", lo=-32, hi=32)
    weight_exponent_max: int = spec_field("int", "largest shared weight exponent", lo=-32, hi=32)
    state_bits: int = spec_field("int", "signed width of current and voltage", lo=8, hi=32)
    decay_bits: int = spec_field("int", "width of decay constants (Loihi: 12)", lo=4, hi=16)
    alignment_shift_bits: int = spec_field(
        "int", "left shift of synaptic input and threshold into the state", lo=0, hi=24)
    threshold_mantissa_bits: int = spec_field(
        "int", "unsigned threshold mantissa width", lo=1, hi=31)
    bias_mantissa_bits: int = spec_field(
        "int", "signed bias mantissa width incl. sign", lo=2, hi=32)
    bias_exponent_min: int = spec_field("int", "smallest bias exponent", lo=-32, hi=32)
    bias_exponent_max: int = spec_field("int", "largest bias exponent", lo=-32, hi=32)
    # 15: the emulator holds refractory counters as int16
    refractory_counter_bits: int = spec_field(
        "int", "width of the refractory counter", lo=1, hi=15)
    # 32767: delays are int16 in programs and in the emulator's synapse arrays
    max_delay_steps: int = spec_field("int", "longest synaptic delay in steps", lo=0, hi=32767)

    # ---- mantissas ----------------------------------------------------------------------
    @property
    def weight_mantissa_range(self) -> tuple[int, int]:
        """Smallest and largest weight mantissa (inclusive)."""
        return _signed_range(self.weight_mantissa_bits)

    @property
    def bias_mantissa_range(self) -> tuple[int, int]:
        """Smallest and largest bias mantissa (inclusive)."""
        return _signed_range(self.bias_mantissa_bits)

    @property
    def threshold_mantissa_max(self) -> int:
        """Largest threshold mantissa."""
        return (1 << self.threshold_mantissa_bits) - 1

    # ---- state registers ----------------------------------------------------------------
    @property
    def state_range(self) -> tuple[int, int]:
        """Smallest and largest value of a ``state_bits`` two's-complement register (inclusive)."""
        return _signed_range(self.state_bits)

    @property
    def state_half(self) -> int:
        """``2**(state_bits - 1)``, called ``M`` in docs/chip.md.

        The wrapped LIF current lies in ``-M+1..M`` (Lava's rule keeps ``+M``, section 4.2).
        """
        return 1 << (self.state_bits - 1)

    @property
    def saturation_limit(self) -> int:
        """Saturating registers hold ``-limit..limit``, with ``limit = state_half - 1``.

        The range is symmetric, as Lava's voltage clamp: ``-M`` is never produced. This applies
        to the LIF voltage and to every AdEx register (docs/chip.md sections 4.2 and 5.1).
        """
        return self.state_half - 1

    @property
    def dendrite_range(self) -> tuple[int, int]:
        """Smallest and largest dendritic input ``a_in`` as the soma reads it (inclusive).

        ``a_in`` is ``state_bits - alignment_shift_bits`` bits signed (18 on Loihi:
        -131072..131071), so that ``a_in << alignment_shift_bits`` fits the state register;
        larger sums saturate to this range (docs/chip.md section 3.3).
        """
        return _signed_range(self.state_bits - self.alignment_shift_bits)

    @property
    def decay_unity(self) -> int:
        """Decay constant meaning "decay fully in one step" (``2**decay_bits``)."""
        return 1 << self.decay_bits

    @property
    def max_refractory_steps(self) -> int:
        """Longest refractory period in steps."""
        return (1 << self.refractory_counter_bits) - 1

    @property
    def soma_widths(self) -> tuple[int, int, int, int]:
        """``(state_bits, decay_bits, alignment_shift_bits, refractory_counter_bits)``.

        The widths the soma's integer update depends on; the other fields only bound what the
        quantizer may produce. Equal to ``LOIHI_PRECISION.soma_widths`` (24, 12, 6, 6) when a
        neuron's update is Loihi's, e.g. when Lava's own LIF process may run it.
        """
        return (self.state_bits, self.decay_bits, self.alignment_shift_bits,
                self.refractory_counter_bits)


def _signed_range(bits: int) -> tuple[int, int]:
    """Smallest and largest value of a ``bits``-wide two's-complement integer."""
    half = 1 << (bits - 1)
    return -half, half - 1


#: Loihi's formats as Lava 0.10 models them: the ``[precision]`` section of targets/lava.toml,
#: where each value is sourced (a test checks that the two agree).
LOIHI_PRECISION = Precision(
    weight_mantissa_bits=9,
    weight_exponent_min=-8,
    weight_exponent_max=7,
    state_bits=24,
    decay_bits=12,
    alignment_shift_bits=6,
    threshold_mantissa_bits=17,
    bias_mantissa_bits=13,
    bias_exponent_min=0,
    bias_exponent_max=7,
    refractory_counter_bits=6,
    max_delay_steps=62,
)
