"""Apply a dense ``2**k × 2**k`` matrix on k targets where all controls are 1.

Twin of ``kernels/matrix.cu`` (``apply_matrix_c64`` / ``apply_matrix_c128``).

Index contract (as in the CUDA file): ``targets[j]`` is bit ``j`` of the
row-major matrix's index; one work item is one group of ``2**k`` amplitudes at
``base + offset(m)``, ``base`` being the group index with zero bits inserted at
every target and control position, OR ``control_mask``. Items are independent;
a launch updates the groups in ``[group_begin, group_end)`` only.

Speed: the kernels walk tasks of consecutive groups at a constant stride
(``_layout.task_layout``) with unsigned indices, so LLVM vectorises the
innermost loops; unit stride gets its own inlined copy. ``k = 1`` updates the
pairs in registers. ``k >= 2`` gathers a task's groups into split (re, im)
lanes, multiplies four matrix columns per pass over the lanes (the loop LLVM
vectorises), and scatters each row back; its scratch is allocated once per
thread share, not per group. A range whose ends fall inside tasks has its
partial tasks updated one group at a time (``_one_by_one``, as the CUDA
kernel does); the engine's ranges are whole tasks. A 1-qubit matrix whose
pairs alias in the L1 cache (``aliasing.aliased``: a multiple of 256 MiB apart)
runs ``aliasing.matrix_1_tiled``, the same tasks walked in tiles.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import prange

from ._layout import (
    BLOCK,
    FASTMATH,
    local_offsets,
    matrix_reals,
    pair_product,
    real_view,
    task_layout,
    task_range,
    task_span,
    task_start,
)
from .aliasing import TILE, aliased, matrix_1_tiled
from .diagonal import apply_diagonal
from .simd import apply_matrix_simd, simd_covers

_ONE = np.uint64(1)
_TWO = np.uint64(2)
_SHARES = 64
"""Scratch-holding shares of the general kernel: enough to balance 2 to 64 threads."""
_LANE_AMPLITUDES = 2048
"""Amplitudes gathered per task by the general kernel (its scratch stays within L1/L2)."""
_MIN_LANES = 32


@numba.njit(nogil=True, cache=True, fastmath=FASTMATH, inline="always")
def _pairs(f, start, stride, chunk, pair, m):
    """One task of k = 1 on the interleaved reals ``f``; ``m`` holds the 8 reals of the matrix."""
    for lo in range(chunk):
        i0 = start + stride * lo
        i1 = i0 + pair
        f[i0], f[i0 + _ONE], f[i1], f[i1 + _ONE] = pair_product(m, f[i0], f[i0 + _ONE], f[i1], f[i1 + _ONE])


@numba.njit(parallel=True, nogil=True, cache=True, fastmath=FASTMATH)
def _matrix_1(state, nqubits, targets, control_mask, matrix, group_begin, group_end):
    f = real_view(state)
    positions, npos, stride, chunk, _ = task_layout(nqubits, targets, 1, control_mask)
    first, ntasks = task_range(chunk, group_begin, group_end)
    pair = np.uint64(2 << targets[0])  # distance in reals between the |0> and |1> amplitudes
    m = matrix_reals(matrix)
    step = np.uint64(2 * stride)
    for i in prange(ntasks):
        task = first + i
        start = task_start(task, chunk, positions, npos, control_mask)
        count = chunk
        if i == 0 or i == ntasks - 1:  # only the ends of the range can be partial tasks
            lo, hi = task_span(task, chunk, group_begin, group_end)
            start, count = start + stride * lo, hi - lo
        if step == _TWO:
            _pairs(f, _TWO * np.uint64(start), _TWO, np.uint64(count), pair, m)
        else:
            _pairs(f, _TWO * np.uint64(start), step, np.uint64(count), pair, m)


@numba.njit(nogil=True, cache=True, fastmath=FASTMATH)
def _one_by_one(state, group_begin, group_end, positions, npos, control_mask, offsets, matrix, dim):
    """Groups ``[group_begin, group_end)`` one at a time (the CUDA kernel's loop body), for any k."""
    column = np.empty(dim, dtype=state.dtype)
    for g in range(group_begin, group_end):
        base = np.uint64(task_start(g, 1, positions, npos, control_mask))
        for c in range(dim):
            column[c] = state[base + offsets[c]]
        for r in range(dim):
            acc = matrix[r * dim] * column[0]
            for c in range(1, dim):
                acc += matrix[r * dim + c] * column[c]
            state[base + offsets[r]] = acc


@numba.njit(parallel=True, nogil=True, cache=True, fastmath=FASTMATH)
def _matrix_groups(state, nqubits, targets, ntargets, control_mask, matrix, group_begin, group_end):
    """Any k, one group at a time in blocks of ``BLOCK`` groups: k = 0 (a controlled phase) on part of a state."""
    offsets = local_offsets(targets, ntargets)
    positions, npos, _, _, _ = task_layout(nqubits, targets, ntargets, control_mask)
    first, nblocks = task_range(BLOCK, group_begin, group_end)
    for i in prange(nblocks):
        lo, hi = task_span(first + i, BLOCK, group_begin, group_end)
        begin = (first + i) * BLOCK
        _one_by_one(state, begin + lo, begin + hi, positions, npos, control_mask, offsets, matrix, 1 << ntargets)


@numba.njit(nogil=True, cache=True, fastmath=FASTMATH, inline="always")
def _gather(f, xr, xi, offsets, dim, lanes, seg, base, step):
    """Copy the amplitudes of ``lanes`` groups into split lanes ``xr[c * lanes + lane]``.

    ``base[s]`` is the real index of the first group of segment ``s``; a segment's
    ``seg`` groups follow at ``step`` reals.
    """
    for s in range(lanes // seg):
        for c in range(dim):
            src = base[s] + _TWO * offsets[c]
            row = c * lanes + s * seg
            for lane in range(np.uint64(seg)):
                xr[row + lane] = f[src + step * lane]
                xi[row + lane] = f[src + step * lane + _ONE]


@numba.njit(nogil=True, cache=True, fastmath=FASTMATH, inline="always")
def _scatter(f, ar, ai, offset, lanes, seg, base, step):
    """Write one output row (split lanes) to the amplitude at ``offset`` of each group."""
    for s in range(lanes // seg):
        dst = base[s] + _TWO * offset
        first = s * seg
        for lane in range(np.uint64(seg)):
            f[dst + step * lane] = ar[first + lane]
            f[dst + step * lane + _ONE] = ai[first + lane]


@numba.njit(nogil=True, cache=True, fastmath=FASTMATH, inline="always")
def _row2(ar, ai, xr, xi, mr, mi, row, lanes):
    """``ar + i ai = sum_c matrix[row, c] * x[c]`` for a 2x2 matrix."""
    e = row * 2
    a0, b0, a1, b1 = mr[e], mi[e], mr[e + 1], mi[e + 1]
    x0r, x0i = xr[0:lanes], xi[0:lanes]
    x1r, x1i = xr[lanes : 2 * lanes], xi[lanes : 2 * lanes]
    for lane in range(lanes):
        ar[lane] = a0 * x0r[lane] - b0 * x0i[lane] + a1 * x1r[lane] - b1 * x1i[lane]
        ai[lane] = a0 * x0i[lane] + b0 * x0r[lane] + a1 * x1i[lane] + b1 * x1r[lane]


@numba.njit(nogil=True, cache=True, fastmath=FASTMATH, inline="always")
def _row(ar, ai, xr, xi, mr, mi, row, dim, lanes):
    """``ar + i ai = sum_c matrix[row, c] * x[c]``, four columns per pass over the lanes."""
    if dim == 2:
        _row2(ar, ai, xr, xi, mr, mi, row, lanes)
        return
    for cb in range(0, dim, 4):
        e = row * dim + cb
        a0, b0, a1, b1 = mr[e], mi[e], mr[e + 1], mi[e + 1]
        a2, b2, a3, b3 = mr[e + 2], mi[e + 2], mr[e + 3], mi[e + 3]
        x0r, x0i = xr[cb * lanes : (cb + 1) * lanes], xi[cb * lanes : (cb + 1) * lanes]
        x1r, x1i = xr[(cb + 1) * lanes : (cb + 2) * lanes], xi[(cb + 1) * lanes : (cb + 2) * lanes]
        x2r, x2i = xr[(cb + 2) * lanes : (cb + 3) * lanes], xi[(cb + 2) * lanes : (cb + 3) * lanes]
        x3r, x3i = xr[(cb + 3) * lanes : (cb + 4) * lanes], xi[(cb + 3) * lanes : (cb + 4) * lanes]
        first = cb == 0
        for lane in range(lanes):
            re = (
                a0 * x0r[lane]
                - b0 * x0i[lane]
                + a1 * x1r[lane]
                - b1 * x1i[lane]
                + a2 * x2r[lane]
                - b2 * x2i[lane]
                + a3 * x3r[lane]
                - b3 * x3i[lane]
            )
            im = (
                a0 * x0i[lane]
                + b0 * x0r[lane]
                + a1 * x1i[lane]
                + b1 * x1r[lane]
                + a2 * x2i[lane]
                + b2 * x2r[lane]
                + a3 * x3i[lane]
                + b3 * x3r[lane]
            )
            ar[lane] = re if first else ar[lane] + re
            ai[lane] = im if first else ai[lane] + im


@numba.njit(nogil=True, cache=True, fastmath=FASTMATH, inline="always")
def _lanes_task(f, xr, xi, ar, ai, base, mr, mi, offsets, dim, lanes, seg, step):
    """Gather, multiply and scatter the groups of one task (unit ``step`` gets its own copy)."""
    _gather(f, xr, xi, offsets, dim, lanes, seg, base, step)
    for row in range(dim):
        _row(ar, ai, xr, xi, mr, mi, row, dim, lanes)
        _scatter(f, ar, ai, offsets[row], lanes, seg, base, step)


@numba.njit(parallel=True, nogil=True, cache=True, fastmath=FASTMATH)
def _matrix_k(state, nqubits, targets, ntargets, control_mask, matrix, group_begin, group_end):
    """Any k >= 1: tasks of ``lanes`` groups made of stretches of ``seg``; the range's partial tasks one by one."""
    dim = 1 << ntargets
    f = real_view(state)
    offsets = local_offsets(targets, ntargets)
    positions, npos, stride, chunk, _ = task_layout(nqubits, targets, ntargets, control_mask)
    if group_end <= group_begin:
        return
    lanes = max(_MIN_LANES, _LANE_AMPLITUDES // dim)
    while lanes > group_end - group_begin:  # a power of two: the whole state's groups when they are fewer
        lanes //= 2
    seg = min(chunk, lanes)
    first = (group_begin + lanes - 1) // lanes  # the whole tasks in the range: [first, first + ntasks)
    ntasks = max(group_end // lanes - first, 0)
    if ntasks == 0:
        _one_by_one(state, group_begin, group_end, positions, npos, control_mask, offsets, matrix, dim)
        return
    _one_by_one(state, group_begin, first * lanes, positions, npos, control_mask, offsets, matrix, dim)
    _one_by_one(state, (first + ntasks) * lanes, group_end, positions, npos, control_mask, offsets, matrix, dim)
    step = np.uint64(2 * stride)
    mr = np.empty(dim * dim, dtype=f.dtype)
    mi = np.empty(dim * dim, dtype=f.dtype)
    for e in range(dim * dim):
        mr[e] = matrix[e].real
        mi[e] = matrix[e].imag
    shares = min(ntasks, _SHARES)
    for share in prange(shares):
        xr = np.empty(dim * lanes, dtype=f.dtype)
        xi = np.empty(dim * lanes, dtype=f.dtype)
        ar = np.empty(lanes, dtype=f.dtype)
        ai = np.empty(lanes, dtype=f.dtype)
        base = np.empty(lanes // seg, dtype=np.uint64)
        for i in range(ntasks * share // shares, ntasks * (share + 1) // shares):
            task = first + i
            for s in range(lanes // seg):
                base[s] = _TWO * np.uint64(task_start(task * (lanes // seg) + s, seg, positions, npos, control_mask))
            if step == _TWO:
                _lanes_task(f, xr, xi, ar, ai, base, mr, mi, offsets, dim, lanes, seg, _TWO)
            else:
                _lanes_task(f, xr, xi, ar, ai, base, mr, mi, offsets, dim, lanes, seg, step)


def apply_matrix(state, nqubits, targets, ntargets, control_mask, matrix, group_begin, group_end):
    """Apply the row-major ``matrix`` (flat, ``4**k`` entries) on ``targets[:ntargets]`` where controls are 1,
    to the groups ``[group_begin, group_end)``.

    A Python dispatcher, not a Numba one: Numba compiles every kernel a jitted
    function can reach, so a job that only needs one of these would pay to
    compile all three (``cpu_kernels`` compiles lazily, per kernel used).
    """
    if ntargets == 0 and group_begin == 0 and group_end == 1 << (nqubits - int(control_mask).bit_count()):
        apply_diagonal(state, nqubits, targets, 0, control_mask, matrix)  # a whole controlled phase: streamed
    elif ntargets == 0:
        _matrix_groups(state, nqubits, targets, 0, control_mask, matrix, group_begin, group_end)
    elif ntargets == 1 and aliased(state.itemsize << int(targets[0])):  # partners a multiple of 256 MiB apart
        matrix_1_tiled(state, nqubits, targets, control_mask, matrix, group_begin, group_end, TILE)
    elif simd_covers(state, nqubits, ntargets):
        done_begin, done_end = apply_matrix_simd(
            state, nqubits, targets, ntargets, control_mask, matrix, group_begin, group_end
        )
        for begin, end in ((group_begin, done_begin), (done_end, group_end)):  # partial vector groups at the ends
            if begin < end:
                _scalar_matrix(state, nqubits, targets, ntargets, control_mask, matrix, begin, end)
    else:
        _scalar_matrix(state, nqubits, targets, ntargets, control_mask, matrix, group_begin, group_end)


def _scalar_matrix(state, nqubits, targets, ntargets, control_mask, matrix, group_begin, group_end):
    """The kernels of this module for k >= 1 (an aliased 1-qubit pass is dispatched before these)."""
    if ntargets == 1:
        _matrix_1(state, nqubits, targets, control_mask, matrix, group_begin, group_end)
    else:
        _matrix_k(state, nqubits, targets, ntargets, control_mask, matrix, group_begin, group_end)
