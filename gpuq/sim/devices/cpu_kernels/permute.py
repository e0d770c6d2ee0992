"""Permute the amplitudes of k targets (X, CX, SWAP, ...) where all controls are 1.

Twin of ``kernels/permute.cu`` (``apply_permutation``, ``apply_x``, ``apply_swap``,
each ``_c64`` / ``_c128``).

Index contract (as in the CUDA file): one work item of ``apply_permutation`` is
one group of ``2**k`` amplitudes (the grouping of ``apply_matrix``); the
amplitude at ``base + offset(m)`` moves to ``base + offset(perm[m])``. The Numba
kernel moves runs of consecutive groups at once (same result, vectorised copies).
``apply_x`` is the case ``perm = [1, 0]`` on one target, ``apply_swap`` the case
``perm = [0, 2, 1, 3]`` on two; both walk stretches of equally spaced groups
(in tiles, ``aliasing.swap_tiled``, when the swapped amplitudes alias in the
L1 cache: a multiple of 256 MiB apart).
Every entry updates the groups (pairs) in ``[group_begin, group_end)`` only.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import prange

from ._layout import local_offsets, task_layout, task_range, task_span, task_start
from .aliasing import TILE, aliased, swap_tiled

_ONE = np.uint64(1)

_SHARES = 64
"""Buffer-holding shares of ``apply_permutation``: enough to balance 2 to 64 threads."""
_MOVED_AMPLITUDES = 2048
"""Amplitudes buffered at once by ``apply_permutation`` (32 KiB in double: stays in L1/L2)."""


@numba.njit(nogil=True, cache=True, inline="always")
def _copy_stretch(source, first, stride, count, target, at, target_stride):
    """``target[at + target_stride * i] = source[first + stride * i]`` for ``i < count``."""
    for i in range(count):
        target[at + target_stride * i] = source[first + stride * i]


@numba.njit(parallel=True, nogil=True, cache=True)
def apply_permutation(state, nqubits, targets, ntargets, control_mask, perm, group_begin, group_end):
    """Move the amplitude at local index ``m`` of every group to local index ``perm[m]``.

    Runs of ``lanes`` consecutive groups move together: for every ``m`` that
    moves, the run's amplitudes at ``offset(m)`` (one equally spaced stretch)
    are copied out to a buffer, then copied back in at ``offset(perm[m])``,
    so the inner loops are strided copies LLVM vectorises; fixed points
    (``perm[m] == m``, half of a CX) are not touched.
    """
    dim = 1 << ntargets
    offsets = local_offsets(targets, ntargets)
    positions, npos, stride, chunk, _ = task_layout(nqubits, targets, ntargets, control_mask)
    first, ntasks = task_range(chunk, group_begin, group_end)
    lanes = max(1, min(chunk, _MOVED_AMPLITUDES // dim))
    ustride = np.uint64(stride)
    ulanes = np.uint64(lanes)
    shares = min(ntasks, _SHARES)
    for share in prange(shares):
        buf = np.empty(dim * lanes, dtype=state.dtype)
        for i in range(ntasks * share // shares, ntasks * (share + 1) // shares):
            task = first + i
            start = np.uint64(task_start(task, chunk, positions, npos, control_mask))
            lo, hi = 0, chunk
            if i == 0 or i == ntasks - 1:  # only the ends of the range can be partial tasks
                lo, hi = task_span(task, chunk, group_begin, group_end)
            for run in range(lo, hi, lanes):
                base = start + ustride * np.uint64(run)
                count = np.uint64(min(lanes, hi - run))
                for m in range(dim):
                    if perm[m] != m:
                        at = np.uint64(m) * ulanes
                        if ustride == _ONE:
                            _copy_stretch(state, base + offsets[m], _ONE, count, buf, at, _ONE)
                        else:
                            _copy_stretch(state, base + offsets[m], ustride, count, buf, at, _ONE)
                for m in range(dim):
                    if perm[m] != m:
                        at = np.uint64(m) * ulanes
                        if ustride == _ONE:
                            _copy_stretch(buf, at, _ONE, count, state, base + offsets[perm[m]], _ONE)
                        else:
                            _copy_stretch(buf, at, _ONE, count, state, base + offsets[perm[m]], ustride)


@numba.njit(nogil=True, cache=True, inline="always")
def _swap_stretch(state, start, stride, chunk, offset_a, offset_b):
    """Exchange the amplitudes at ``offset_a`` and ``offset_b`` of ``chunk`` groups ``stride`` apart."""
    for lo in range(chunk):
        base = start + stride * lo
        a = state[base + offset_a]
        state[base + offset_a] = state[base + offset_b]
        state[base + offset_b] = a


@numba.njit(parallel=True, nogil=True, cache=True)
def _swap_tasks(state, nqubits, targets, ntargets, control_mask, offset_a, offset_b, group_begin, group_end):
    """``_swap_stretch`` over the groups of ``targets`` in ``[group_begin, group_end)``: whole tasks in
    parallel, the groups of partial tasks at the range's ends one at a time (a task may be 2 groups, so
    the loop over tasks carries nothing else)."""
    positions, npos, stride, chunk, _ = task_layout(nqubits, targets, ntargets, control_mask)
    first = (group_begin + chunk - 1) // chunk  # the whole tasks: [first, first + ntasks)
    ntasks = max(group_end // chunk - first, 0)
    head_end = min(first * chunk, group_end)
    for g in range(group_begin, head_end):
        _swap_stretch(state, np.uint64(task_start(g, 1, positions, npos, control_mask)), _ONE, _ONE, offset_a, offset_b)
    for g in range(max((first + ntasks) * chunk, head_end), group_end):
        _swap_stretch(state, np.uint64(task_start(g, 1, positions, npos, control_mask)), _ONE, _ONE, offset_a, offset_b)
    ustride = np.uint64(stride)
    uchunk = np.uint64(chunk)
    for i in prange(ntasks):
        start = np.uint64(task_start(first + i, chunk, positions, npos, control_mask))
        if ustride == _ONE:
            _swap_stretch(state, start, _ONE, uchunk, offset_a, offset_b)
        else:
            _swap_stretch(state, start, ustride, uchunk, offset_a, offset_b)


def _swap(state, nqubits, targets, control_mask, offset_a, offset_b, group_begin, group_end):
    """``_swap_tasks``, or its tiled twin when the two offsets' amplitudes alias in the L1 cache."""
    targets = np.array(targets, dtype=np.int32)
    ua, ub = np.uint64(offset_a), np.uint64(offset_b)
    if aliased(state.itemsize * abs(offset_b - offset_a)):  # a multiple of 256 MiB apart: see aliasing.py
        swap_tiled(state, nqubits, targets, len(targets), control_mask, ua, ub, group_begin, group_end, TILE)
    else:
        _swap_tasks(state, nqubits, targets, len(targets), control_mask, ua, ub, group_begin, group_end)


def apply_x(state, nqubits, target, control_mask, group_begin, group_end):
    """Swap the amplitudes of every pair (base, base | 1 << target) where controls are 1."""
    _swap(state, nqubits, [target], control_mask, 0, 1 << target, group_begin, group_end)


def apply_swap(state, nqubits, target0, target1, control_mask, group_begin, group_end):
    """Swap the |01> and |10> amplitudes of (target0, target1) in every group where controls are 1."""
    _swap(state, nqubits, [target0, target1], control_mask, 1 << target0, 1 << target1, group_begin, group_end)
