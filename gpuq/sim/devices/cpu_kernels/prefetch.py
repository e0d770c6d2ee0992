"""A software prefetch for Numba kernels whose second stream the hardware prefetcher cannot follow.

The Pauli kernel (``pauli.py``) reads an item's runs in order and each
run's partner at ``run ^ x_mask``: when the X mask has bits among the run
index, the partner runs come in a scrambled order, one kibibyte at a time,
and every run began with a cache miss. Asking for the partner run a few runs
ahead hides that latency; it changes no result (a prefetch only moves data
into the cache and never faults).
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.extending import intrinsic

__all__ = ["emit_prefetch", "prefetch"]


@intrinsic
def prefetch(typingctx, array, index):
    """Ask for the cache line holding ``array[index]`` (read, keep in every level): LLVM's ``llvm.prefetch``."""
    if not isinstance(array, types.Array) or not isinstance(index, types.Integer):
        return None
    signature = types.void(array, index)

    def codegen(context, builder, signature, args):
        data = context.make_array(signature.args[0])(context, builder, args[0]).data
        emit_prefetch(builder, builder.gep(data, [args[1]]))
        return context.get_dummy_value()

    return signature, codegen


def emit_prefetch(builder: ir.IRBuilder, address: ir.Value, write: bool = False) -> None:
    """Emit ``llvm.prefetch`` of the line at ``address`` (a pointer of any type) into every cache level,
    for reading or, with ``write``, for writing (the line then comes exclusive, ready for a store).
    For kernels written as LLVM IR (``simd.py``); ``prefetch`` is the intrinsic Numba code calls."""
    byte_pointer = ir.IntType(8).as_pointer()
    i32 = ir.IntType(32)
    function = builder.module.declare_intrinsic(
        "llvm.prefetch", fnty=ir.FunctionType(ir.VoidType(), [byte_pointer, i32, i32, i32])
    )
    # read (0) or write (1), highest locality (3), data cache (1)
    locality, data_cache = ir.Constant(i32, 3), ir.Constant(i32, 1)
    builder.call(function, [builder.bitcast(address, byte_pointer), ir.Constant(i32, int(write)), locality, data_cache])
