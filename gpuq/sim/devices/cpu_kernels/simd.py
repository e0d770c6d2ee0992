"""Dense k-qubit matrices with explicit SIMD: a group's amplitudes stay in vector registers.

The general kernel in ``matrix.py`` gathers groups into scratch lanes and
multiplies there; LLVM vectorises only part of it. Here the inner step is
written as LLVM IR (``numba.extending.intrinsic``): load the ``2**kh`` vectors
of a *vector group*, form the lane permutations that low targets need
(``shufflevector``), multiply by the matrix with packed fused multiply-adds,
and store, with no scratch and nothing left to the auto-vectoriser.

Layout. A vector holds ``LANES`` consecutive complex amplitudes, interleaved
(re, im), as the state is: 2 (double) or 4 (single) on AVX2, twice that when
the host has AVX-512 (``llvmlite``'s host features, read once at import). The
amplitude index's low ``log2(LANES)`` bits are the *lane bits*. Targets and
controls at or above them are *high*: they pick which vectors form a group,
and every lane does the same matrix-vector product on different groups.
Targets on lane bits are *low*: output lane ``l`` needs input lanes
``l ^ d`` for every ``d`` made of low-target bits, so each input vector is
permuted by every such ``d``; controls on lane bits make the lanes whose
control bits are 0 multiply by the identity. Both live in a per-lane *table*
of matrix entries built once per call (``build_table``): entry
``(row, column, d)`` is a pair of vectors, the real parts and the signed
imaginary parts, so that ``M x = sum(re * x) + swap(sum(im * x))`` (``swap``
exchanges each amplitude's re and im, once per output vector) costs two FMAs
per vector and matrix entry, the least a complex product needs, and keeps
only the inputs and two accumulators live (AVX2 has 16 vector registers).
Where every lane multiplies by the same matrix (no low target, no control on
a lane bit: most fused blocks) AVX-512 hosts use no table: each FMA broadcasts
one scalar of the matrix, and the imaginary sum's signs are applied once per
output, with the same roundings as the table's (``BROADCAST_UNIFORM``).

Determinism: every output is summed in a fixed order (columns, then ``d``)
with explicit FMAs in two chains per output, so results do not depend on the thread count.

Group-range contract (as ``matrix.py``): a call updates the groups
``[group_begin, group_end)`` of the scalar grouping. A vector group holds
``2**free_lane_bits`` consecutive groups; whole ones in the range run here,
the partial ones at its ends are left to the caller (``matrix.apply_matrix``).
"""

from __future__ import annotations

import functools

import llvmlite.binding as llvm
import numba
import numpy as np
from llvmlite import ir
from numba import prange, types
from numba.extending import intrinsic

from ..aligned import aligned_zeros
from ._layout import insert_zero_bits, mask_positions, real_view
from .prefetch import emit_prefetch

__all__ = ["MAX_TARGETS", "SIMD_BITS", "apply_matrix_simd", "build_table", "lane_bits", "simd_covers", "simd_layout"]

SIMD_BITS = 512 if llvm.get_host_cpu_features().get("avx512f", False) else 256
"""Width of the vectors the kernels are written with: AVX-512 when the host has it, else AVX2's 256 bits."""


BROADCAST_UNIFORM = SIMD_BITS == 512
"""Whether groups whose lanes all multiply by the same matrix broadcast its scalars (``_vector_group``'s
``uniform``) instead of reading the per-lane table. Measured only on AVX-512 (k = 4 passes 20-25% faster
on Zen 5), where the broadcast folds into the FMA; AVX2 has no such operand, each FMA would need its own
broadcast instruction, and no AVX2 machine was at hand to measure it, so AVX2 keeps the table."""


def lane_bits(itemsize: int) -> int:
    """``log2`` of the complex amplitudes per vector for reals of ``itemsize`` bytes (4 or 8)."""
    return (SIMD_BITS // (8 * itemsize)).bit_length() - 2


def _submasks(mask: int) -> list[int]:
    """The submasks of ``mask``, the i-th with the bits of ``i`` deposited at ``mask``'s set bits."""
    bits = [b for b in range(mask.bit_length()) if mask >> b & 1]
    return [sum(((i >> j) & 1) << b for j, b in enumerate(bits)) for i in range(1 << len(bits))]


@intrinsic
def _vector_group(typingctx, f, vbase, voffsets, table, kh, low_mask, uniform, ahead):
    """Update one vector group in place: ``f`` reals, first vector at real ``vbase``, ``voffsets[c]``
    the real offset of vector ``c`` (``2**kh`` of them), and prefetch each vector's line ``ahead``
    reals on (``_prefetch_ahead``; 0 for none); ``kh``, ``low_mask`` (the low targets' lane
    bits) and ``uniform`` are compile-time constants. ``table`` is ``build_table``'s per-lane table, or
    where every lane multiplies by the same matrix (``uniform``: no low target, no lane control) the
    matrix's own reals, each entry broadcast from one scalar: a sixteenth of the table to keep in L1
    and, on AVX-512, loads folded into the FMAs as embedded broadcasts."""
    if not all(isinstance(x, types.IntegerLiteral) for x in (kh, low_mask, uniform)):
        return None
    nh, lm, same = kh.literal_value, low_mask.literal_value, bool(uniform.literal_value)
    dtype = f.dtype
    reals = SIMD_BITS // dtype.bitwidth
    sig = types.void(f, vbase, voffsets, table, kh, low_mask, uniform, ahead)

    def codegen(context, builder, signature, args):
        fa = context.make_array(signature.args[0])(context, builder, args[0])
        oa = context.make_array(signature.args[2])(context, builder, args[2])
        ta = context.make_array(signature.args[3])(context, builder, args[3])
        scalar = context.get_value_type(dtype)
        vty = ir.VectorType(scalar, reals)
        mask_type = ir.VectorType(ir.IntType(32), reals)
        name = f"llvm.fma.v{reals}f{dtype.bitwidth}"
        fma = builder.module.globals.get(name) or ir.Function(builder.module, ir.FunctionType(vty, [vty] * 3), name)
        i64 = ir.IntType(64)
        align = dtype.bitwidth // 8
        dim = 1 << nh
        ds = _submasks(lm)

        def vector_at(base_ptr, index):
            return builder.bitcast(builder.gep(base_ptr, [index]), vty.as_pointer())

        pointers = []
        for c in range(dim):
            offset = builder.load(builder.gep(oa.data, [ir.Constant(i64, c)]))
            pointers.append(vector_at(fa.data, builder.add(args[1], offset)))
        loaded = [builder.load(p, align=align) for p in pointers]
        # Prefetch, for writing, the same vectors of the next run, ``ahead`` reals on (0: none).
        with builder.if_then(builder.icmp_unsigned("!=", args[7], ir.Constant(i64, 0))):
            for p in pointers:
                emit_prefetch(builder, builder.gep(builder.bitcast(p, scalar.as_pointer()), [args[7]]), write=True)
        # An empty asm statement hands back the table's address as a value LLVM cannot see through, so
        # the matrix loads stay in the group: hoisted out of the run loop, they are copied to the stack
        # at every run, which costs more than the run itself when the run is a group or two.
        table_type = ta.data.type
        table_data = builder.asm(ir.FunctionType(table_type, [table_type]), "", "=r,0", [ta.data], True)
        swap = ir.Constant(mask_type, [i ^ 1 for i in range(reals)])
        splat = ir.Constant(mask_type, [0] * reals)

        def entry(r, c, di, part):
            """Entry (r, c, di)'s real (part 0) or imaginary part as a vector; per lane, the imaginary
            part is (+Im, -Im) per amplitude, uniform it is Im everywhere (signs applied at the end)."""
            if same:
                value = builder.load(builder.gep(table_data, [ir.Constant(i64, 2 * (r * dim + c) + part)]))
                one = builder.insert_element(ir.Constant(vty, ir.Undefined), value, ir.Constant(ir.IntType(32), 0))
                return builder.shuffle_vector(one, one, splat)
            index = ((r * dim + c) * len(ds) + di) * 2 * reals + part * reals
            return builder.load(vector_at(table_data, ir.Constant(i64, index)), align=align)

        signs = ir.Constant(vty, [-1.0 if i % 2 == 0 else 1.0 for i in range(reals)])  # i * (a + ib) = -b + ia
        permuted = []  # permuted[c][di]: vector c with lanes l ^ d
        for x in loaded:
            row = []
            for d in ds:
                lanes = [2 * ((i // 2) ^ d) + i % 2 for i in range(reals)]
                row.append(x if d == 0 else builder.shuffle_vector(x, x, ir.Constant(mask_type, lanes)))
            permuted.append(row)
        for r in range(dim):
            acc_re = acc_im = None  # sums of re * x and of im * x: the output is acc_re + swap(acc_im)
            for c in range(dim):
                for di in range(len(ds)):
                    re, im = entry(r, c, di, 0), entry(r, c, di, 1)
                    p = permuted[c][di]
                    acc_re = builder.fmul(re, p) if acc_re is None else builder.call(fma, [re, p, acc_re])
                    acc_im = builder.fmul(im, p) if acc_im is None else builder.call(fma, [im, p, acc_im])
            turned = builder.shuffle_vector(acc_im, acc_im, swap)
            out = builder.call(fma, [turned, signs, acc_re]) if same else builder.fadd(acc_re, turned)
            builder.store(out, pointers[r], align=align)
        return context.get_dummy_value()

    return sig, codegen


_BLOCK = 512
"""Vector groups per parallel task."""


@functools.cache
def _kernel(kh: int, low_mask: int, uniform: int):
    """The parallel kernel for ``2**kh`` vectors per group, low targets ``low_mask`` and a ``uniform``
    (1) or per-lane (0) table.

    One Numba function per shape, made here so that ``kh`` and ``low_mask`` are
    compile-time constants of the intrinsic (Numba's on-disk cache keys a
    closure by the values it holds). Vector group ``vg``'s first vector is
    ``vg`` with zero bits inserted at ``vpositions``, OR ``vctrl`` (vector
    indices: amplitude index >> lane bits). A *run* of ``run`` consecutive
    groups (``_run``) has first vectors ``2**shift`` apart, so it computes its
    base once.
    """

    def kernel(state, reals, vpositions, vnpos, vctrl, voffsets, table, vbegin, vend, run, shift, ahead):
        f = real_view(state)
        first = vbegin // _BLOCK
        for b in prange((vend + _BLOCK - 1) // _BLOCK - first):
            vg = max(vbegin, (first + b) * _BLOCK)
            hi = min(vend, (first + b + 1) * _BLOCK)
            while vg < hi:
                start = vg - vg % run
                v0 = np.uint64(insert_zero_bits(start, vpositions, vnpos) | vctrl)
                end = min(hi, start + run)
                for g in range(vg, end):
                    _vector_group(
                        f, (v0 + (np.uint64(g - start) << shift)) * reals, voffsets, table, kh, low_mask, uniform, ahead
                    )
                vg = end

    return numba.njit(parallel=True, nogil=True, cache=True)(kernel)


@numba.njit(nogil=True, cache=True)
def _spread(value, bits, count):
    """Bit ``i`` of ``value`` placed at bit ``bits[i]``, for ``i < count``."""
    out = 0
    for i in range(count):
        out |= ((value >> i) & 1) << bits[i]
    return out


@numba.njit(nogil=True, cache=True)
def build_table(matrix, targets, ntargets, lbits, low_mask, lane_ctrl, table):
    """Fill ``table`` (reals) with the per-lane matrix entries of ``_vector_group``.

    Entry ``(r, c, di)`` (``r, c`` indices of the high targets, ``di`` the
    ``di``-th submask ``d`` of ``low_mask``) is two vectors: lane ``l`` of the
    first holds ``Re M[row, col]`` twice, of the second ``(+Im, -Im)``, where
    ``row`` joins ``r`` with lane ``l``'s low-target bits and ``col`` joins
    ``c`` with those of ``l ^ d``; lanes whose lane-control bits are not all
    1 hold the identity's entries instead.
    """
    lanes = 1 << lbits
    reals = 2 * lanes
    dim = 1 << ntargets
    high = np.empty(ntargets, dtype=np.int64)  # matrix bit of each high target, ascending in index order
    low = np.zeros(lbits, dtype=np.int64)  # matrix bit of the target on each lane bit
    kh = 0
    for j in range(ntargets):
        if targets[j] >= lbits:
            high[kh] = j
            kh += 1
        else:
            low[targets[j]] = j
    low_bits = np.empty(lbits, dtype=np.int64)
    nlow = mask_positions(low_mask, low_bits)
    dh, nd = 1 << kh, 1 << nlow
    for r in range(dh):
        for c in range(dh):
            for di in range(nd):
                d = _spread(di, low_bits, nlow)
                entry = ((r * dh + c) * nd + di) * 2 * reals
                for lane in range(lanes):
                    row = _spread(r, high, kh)
                    col = _spread(c, high, kh)
                    for b in range(nlow):
                        row |= ((lane >> low_bits[b]) & 1) << low[low_bits[b]]
                        col |= (((lane ^ d) >> low_bits[b]) & 1) << low[low_bits[b]]
                    if lane & lane_ctrl == lane_ctrl:
                        value = matrix[row * dim + col]
                    else:
                        value = matrix.dtype.type(1.0 if row == col else 0.0)
                    table[entry + 2 * lane] = value.real
                    table[entry + 2 * lane + 1] = value.real
                    table[entry + reals + 2 * lane] = value.imag
                    table[entry + reals + 2 * lane + 1] = -value.imag


def simd_layout(nqubits, targets, ntargets, control_mask, lbits):
    """The vector grouping of an operand: ``(kh, low_mask, lane_ctrl, vpositions, vnpos, vctrl,
    vhigh, free_lane_bits)`` where ``vhigh`` lists the high targets' vector-index bits in target order."""
    lane = (1 << lbits) - 1
    low_mask = 0
    vhigh = []
    for j in range(ntargets):
        t = int(targets[j])
        if t < lbits:
            low_mask |= 1 << t
        else:
            vhigh.append(t - lbits)
    control_mask = int(control_mask)
    lane_ctrl = control_mask & lane
    vctrl = control_mask >> lbits
    vpositions = np.zeros(64, dtype=np.int64)
    vnpos = int(mask_positions(vctrl | sum(1 << b for b in vhigh), vpositions))
    free_lane_bits = lbits - (low_mask | lane_ctrl).bit_count()
    return len(vhigh), low_mask, lane_ctrl, vpositions, vnpos, vctrl, vhigh, free_lane_bits


MAX_TARGETS = 4
"""Most targets the SIMD kernel takes: the CPU's fusion limit. Its code is unrolled (``4**k`` FMA pairs
per group), so a larger operand (a user's unitary, a GPU-sized fusion) goes to the scalar kernels."""


def _run(vpositions, vnpos) -> tuple[int, int]:
    """``(run, shift)``: groups ``g`` in the same aligned block of ``run`` have first vectors
    ``(g - start) << shift`` after the block's first, ``shift`` being the number of special vector
    bits at the bottom (0 when vector bit 0 is free) and ``run`` the groups spanned by the free bits
    above them, up to the next special bit (at most ``_BLOCK``)."""
    shift = 0
    while shift < vnpos and vpositions[shift] == shift:
        shift += 1
    free = int(vpositions[shift]) - shift if shift < vnpos else 64
    return 1 << min(free, _BLOCK.bit_length() - 1), shift


def _prefetch_ahead(kh, uniform, run, shift, vpositions, vnpos) -> int:
    """Vectors between a group's vectors and the same vectors of the next run, for the kernel to
    prefetch; 0 for no prefetch.

    A target on the lower vector bits splits each stream into interleaved fronts (vector ``v`` with
    ``v + 8``, then ``v + 1`` with ``v + 9``, ...) that the hardware prefetchers follow poorly: such
    passes measured up to 2x slower than on high targets, and prefetching the next run brought most
    within 10% of them; groups read through the per-lane table gained as much (docs/benchmarks.md,
    "Prefetching the next run"). Left to the hardware: uniform groups in long runs from vector 0
    (sequential streams, where prefetching cost 7-9%) and uniform one-target groups, too few
    instructions for the prefetches to hide in (40% slower with them).
    """
    if uniform and (kh < 2 or (run == _BLOCK and shift == 0)):
        return 0
    return int(insert_zero_bits(run, vpositions, vnpos))


def simd_covers(state, nqubits, ntargets) -> bool:
    """Whether ``apply_matrix`` uses the SIMD kernel: at most ``MAX_TARGETS`` targets on a state of
    whole vectors. Every placement qualifies: with the matrix loads kept in the group (the empty
    asm in ``_vector_group``) and runs that step over targets on the lowest vector bits (``_run``),
    the kernel measured faster than the scalar one wherever the targets sit (docs/benchmarks.md)."""
    return ntargets <= MAX_TARGETS and nqubits >= lane_bits(state.itemsize // 2)


def apply_matrix_simd(state, nqubits, targets, ntargets, control_mask, matrix, group_begin, group_end):
    """Apply ``matrix`` to the whole vector groups inside ``[group_begin, group_end)``; return the
    ``(begin, end)`` group range done, so the caller updates the partial groups at either end."""
    reals = SIMD_BITS // (8 * state.itemsize // 2)
    lbits = lane_bits(state.itemsize // 2)
    kh, low_mask, lane_ctrl, vpositions, vnpos, vctrl, vhigh, free = simd_layout(
        nqubits, targets, ntargets, control_mask, lbits
    )
    vbegin = (group_begin + (1 << free) - 1) >> free
    vend = group_end >> free
    if vend <= vbegin:
        return group_begin, group_begin
    uniform = BROADCAST_UNIFORM and low_mask == 0 and lane_ctrl == 0
    if uniform:  # all targets high, in target order: the table is the matrix, in the state's precision
        table = np.ascontiguousarray(matrix, dtype=state.dtype).view(np.float32 if state.itemsize == 8 else np.float64)
    else:
        nd = 1 << low_mask.bit_count()
        table = aligned_zeros(((1 << kh) ** 2) * nd * 2 * reals, np.float32 if state.itemsize == 8 else np.float64)
        build_table(matrix, targets, ntargets, lbits, low_mask, lane_ctrl, table)
    voffsets = np.array(
        [sum(((c >> i) & 1) << b for i, b in enumerate(vhigh)) * reals for c in range(1 << kh)], dtype=np.uint64
    )
    run, shift = _run(vpositions, vnpos)
    ahead = _prefetch_ahead(kh, uniform, run, shift, vpositions, vnpos) * reals
    _kernel(kh, low_mask, int(uniform))(
        state,
        np.uint64(reals),
        vpositions,
        vnpos,
        vctrl,
        voffsets,
        table,
        vbegin,
        vend,
        run,
        np.uint64(shift),
        np.uint64(ahead),
    )
    return vbegin << free, vend << free
