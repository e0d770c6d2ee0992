"""Index arithmetic shared by the Numba kernels: the twin of ``kernels/common.cuh``.

The dense and permutation kernels' work items are *groups*: group ``g`` has zero bits inserted at every
target and control position, then the control bits set, giving ``base``; its
amplitudes are ``base + offset(m)``. Consecutive groups form equally spaced
*stretches* (contiguous when qubit 0 is neither target nor control); the CPU
kernels walk them in *tasks* of at most ``BLOCK`` consecutive groups, so that the
innermost loop has a constant stride (vectorisable, unsigned indices) and
threads get equal shares. A launch covers a range ``[group_begin, group_end)``
of groups (the engine splits long passes so that it can stop between them):
``task_range`` gives the tasks that meet it, ``task_span`` the part of a task
inside it; with the whole range every task is whole, as before ranges existed.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import types
from numba.extending import overload

BLOCK = 2048
"""Most consecutive groups in one task: big enough for the SIMD loop, small enough to balance threads."""

FASTMATH = {"contract"}
"""Allow fused multiply-add (no reassociation, so results do not depend on the thread count)."""


def real_view(state):  # pragma: no cover - replaced by the overload inside Numba
    """The state as its interleaved (re, im) real array."""
    raise NotImplementedError


@overload(real_view, inline="always")
def _real_view_overload(state):
    if state.dtype == types.complex64:
        return lambda state: state.view(np.float32)
    return lambda state: state.view(np.float64)


@numba.njit(nogil=True, cache=True)
def mask_positions(mask, positions):
    """Write the set bits of ``mask`` ascending into ``positions``; return their count."""
    count = 0
    bit = 0
    while mask != 0:
        if mask & 1:
            positions[count] = bit
            count += 1
        mask >>= 1
        bit += 1
    return count


@numba.njit(nogil=True, cache=True)
def targets_mask(targets, ntargets):
    """Bit mask of the first ``ntargets`` qubits in ``targets``."""
    mask = 0
    for j in range(ntargets):
        mask |= 1 << targets[j]
    return mask


@numba.njit(nogil=True, cache=True)
def insert_zero_bits(value, positions, count):
    """Insert a zero bit at each of ``count`` ascending ``positions`` into ``value``."""
    for i in range(count):
        p = positions[i]
        low = value & ((1 << p) - 1)
        value = ((value >> p) << (p + 1)) | low
    return value


@numba.njit(nogil=True, cache=True)
def local_offsets(targets, ntargets):
    """``offsets[m]``: bit ``j`` of ``m`` placed at bit ``targets[j]`` (targets need not be sorted)."""
    dim = 1 << ntargets
    offsets = np.zeros(dim, dtype=np.uint64)
    for m in range(dim):
        offset = 0
        for j in range(ntargets):
            offset |= ((m >> j) & 1) << targets[j]
        offsets[m] = offset
    return offsets


@numba.njit(nogil=True, cache=True)
def local_index(index, targets, ntargets):
    """``m`` with bit ``j`` equal to bit ``targets[j]`` of ``index`` (the inverse of ``local_offsets``)."""
    m = 0
    for j in range(ntargets):
        m |= ((index >> targets[j]) & 1) << j
    return m


@numba.njit(nogil=True, cache=True)
def task_layout(nqubits, targets, ntargets, control_mask):
    """Split the groups of an operand into tasks of consecutive groups at a constant stride.

    Group ``g``'s low bits fill the lowest free (non-target, non-control) bits
    of the index, so the groups whose indices differ only there form a
    *stretch*: equally spaced bases, ``stride = 2**f0`` apart, where ``f0`` is
    the lowest free bit. A task is ``chunk`` consecutive groups of one stretch:
    group ``task * chunk + lo`` has base ``task_start(task) + lo * stride``.

    Returns ``(positions, npos, stride, chunk, ntasks)``.
    """
    positions = np.zeros(64, dtype=np.int64)
    special = targets_mask(targets, ntargets) | control_mask
    npos = mask_positions(special, positions)
    free0 = 0
    while (special >> free0) & 1:
        free0 += 1
    run_bits = 0  # free bits in a row from free0 upwards
    while free0 + run_bits < nqubits and not (special >> (free0 + run_bits)) & 1:
        run_bits += 1
    chunk = min(1 << run_bits, BLOCK)
    ngroups = 1 << (nqubits - npos)
    return positions, npos, 1 << free0, chunk, ngroups // chunk


@numba.njit(nogil=True, cache=True)
def task_start(task, chunk, positions, npos, control_mask):
    """Base index of the first group of ``task`` (its groups follow at ``task_layout``'s stride)."""
    return insert_zero_bits(task * chunk, positions, npos) | control_mask


@numba.njit(nogil=True, cache=True)
def task_range(chunk, group_begin, group_end):
    """``(first task, number of tasks)`` of the tasks of ``chunk`` groups that meet ``[group_begin, group_end)``."""
    if group_end <= group_begin:
        return 0, 0
    first = group_begin // chunk
    return first, (group_end + chunk - 1) // chunk - first


@numba.njit(nogil=True, cache=True, inline="always")
def task_span(task, chunk, group_begin, group_end):
    """``(lo_begin, lo_end)``: the groups ``task * chunk + lo`` of ``task`` that lie in ``[group_begin, group_end)``."""
    first = task * chunk
    return max(group_begin - first, 0), min(group_end - first, chunk)


@numba.njit(nogil=True, cache=True, inline="always")
def matrix_reals(matrix):
    """The 2x2 row-major complex ``matrix`` as its 8 reals (re, im of each entry): k = 1 kernels keep them
    in registers."""
    return (
        matrix[0].real,
        matrix[0].imag,
        matrix[1].real,
        matrix[1].imag,
        matrix[2].real,
        matrix[2].imag,
        matrix[3].real,
        matrix[3].imag,
    )


@numba.njit(nogil=True, cache=True, fastmath=FASTMATH, inline="always")
def pair_product(m, a0r, a0i, a1r, a1i):
    """The 2x2 matrix whose 8 reals are ``m`` (``matrix_reals``) times the pair ``(a0, a1)``, as 4 reals."""
    m00r, m00i, m01r, m01i, m10r, m10i, m11r, m11i = m
    return (
        m00r * a0r - m00i * a0i + m01r * a1r - m01i * a1i,
        m00r * a0i + m00i * a0r + m01r * a1i + m01i * a1r,
        m10r * a0r - m10i * a0i + m11r * a1r - m11i * a1i,
        m10r * a0i + m10i * a0r + m11r * a1i + m11i * a1r,
    )
