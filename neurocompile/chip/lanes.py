"""32-bit integer arithmetic for compiled loops that must vectorise in 32-bit lanes.

numba types every arithmetic operation on integers narrower than 64 bits as int64, so a loop
over int32 registers computes in 64-bit lanes: half as many lanes per vector, and on CPUs
without a 64-bit vector multiply (AVX2) the multiply is emulated. The operations below take
integers of any width, truncate them to 32 bits and return an int32 computed in 32 bits
(two's complement wrap-around, as C's ``int32_t``; ``shr32`` is an arithmetic shift). They
give the same value as the 64-bit operation whenever the exact result fits in int32; callers
use them only where the chip's ranges guarantee that (:func:`neurocompile.chip.lif.lif_element32`
says which ranges). Without numba they are plain Python with the same wrap-around.
"""
from __future__ import annotations

from ..jit import COMPILED


def _wrap(x: int) -> int:
    """``x`` wrapped to a signed 32-bit value (what the compiled operations do on overflow)."""
    return ((int(x) + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)


if COMPILED:
    from llvmlite import ir
    from numba.core import types
    from numba.extending import intrinsic

    _I32 = ir.IntType(32)

    def _as_i32(builder, value, ty):
        """An LLVM integer of numba type ``ty`` truncated or sign/zero-extended to i32."""
        if ty.bitwidth > 32:
            return builder.trunc(value, _I32)
        if ty.bitwidth < 32:
            return builder.sext(value, _I32) if ty.signed else builder.zext(value, _I32)
        return value

    def _is_int(ty) -> bool:
        return isinstance(ty, (types.Integer, types.Boolean))

    def _binary(op: str, doc: str):
        @intrinsic
        def operation(typingctx, a, b):
            if not (_is_int(a) and _is_int(b)):
                return None

            def codegen(context, builder, sig, args):
                x = _as_i32(builder, args[0], _bits(sig.args[0]))
                y = _as_i32(builder, args[1], _bits(sig.args[1]))
                return getattr(builder, op)(x, y)
            return types.int32(a, b), codegen
        operation.__doc__ = doc
        return operation

    def _bits(ty):
        return types.uint8 if isinstance(ty, types.Boolean) else ty

    @intrinsic
    def i32(typingctx, a):
        """``a`` truncated to int32."""
        if not _is_int(a):
            return None

        def codegen(context, builder, sig, args):
            return _as_i32(builder, args[0], _bits(sig.args[0]))
        return types.int32(a), codegen

    @intrinsic
    def like(typingctx, proto, value):
        """``value`` converted to the integer type of ``proto`` (an integer, or an array of
        them: its element type), truncated or sign-extended: bounds compared with the elements
        of an int32 array then compare in 32-bit lanes."""
        target = proto.dtype if isinstance(proto, types.Array) else proto
        if not (isinstance(target, types.Integer) and _is_int(value)):
            return None

        def codegen(context, builder, sig, args):
            source, width = _bits(sig.args[1]), target.bitwidth
            x = args[1]
            if source.bitwidth > width:
                return builder.trunc(x, ir.IntType(width))
            if source.bitwidth < width:
                return builder.sext(x, ir.IntType(width)) if source.signed else builder.zext(x, ir.IntType(width))
            return x
        return target(proto, value), codegen

    add32 = _binary("add", "``a + b`` in 32 bits.")
    sub32 = _binary("sub", "``a - b`` in 32 bits.")
    mul32 = _binary("mul", "``a * b`` in 32 bits (the low 32 bits of the product).")
    shl32 = _binary("shl", "``a << b`` in 32 bits (``0 <= b < 32``).")
    shr32 = _binary("ashr", "``a >> b`` (arithmetic, floor) in 32 bits (``0 <= b < 32``).")
    and32 = _binary("and_", "``a & b`` in 32 bits.")
    xor32 = _binary("xor", "``a ^ b`` in 32 bits.")
else:  # pragma: no cover - numba is a core dependency
    def i32(a):
        return _wrap(a)

    def like(proto, value):
        return value

    def add32(a, b):
        return _wrap(_wrap(a) + _wrap(b))

    def sub32(a, b):
        return _wrap(_wrap(a) - _wrap(b))

    def mul32(a, b):
        return _wrap(_wrap(a) * _wrap(b))

    def shl32(a, b):
        return _wrap(_wrap(a) << b)

    def shr32(a, b):
        return _wrap(a) >> b

    def and32(a, b):
        return _wrap(_wrap(a) & _wrap(b))

    def xor32(a, b):
        return _wrap(_wrap(a) ^ _wrap(b))
