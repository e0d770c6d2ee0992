"""Permute the amplitudes of k targets (X, CX, SWAP, ...) where all controls are 1.

Twin of ``kernels/permute.cu`` (``apply_permutation``, ``apply_x``, ``apply_swap``,
each ``_c64`` / ``_c128``).

Index contract (as in the CUDA file): one work item of ``apply_permutation`` is
one group of ``2**k`` amplitudes (the grouping of ``apply_matrix``); the
amplitude at ``base + offset(m)`` moves to ``base + offset(perm[m])``.
``apply_x`` is the case ``perm = [1, 0]`` on one target, ``apply_swap`` the case
``perm = [0, 2, 1, 3]`` on two; both walk stretches of equally spaced groups.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import prange

from ._layout import local_offsets, task_layout, task_start

_ONE = np.uint64(1)

_SHARES = 64


@numba.njit(parallel=True, nogil=True, cache=True)
def apply_permutation(state, nqubits, targets, ntargets, control_mask, perm):
    """Move the amplitude at local index ``m`` of every group to local index ``perm[m]``."""
    dim = 1 << ntargets
    offsets = local_offsets(targets, ntargets)
    positions, npos, stride, chunk, ntasks = task_layout(nqubits, targets, ntargets, control_mask)
    ustride = np.uint64(stride)
    shares = min(ntasks, _SHARES)
    for share in prange(shares):
        buf = np.empty(dim, dtype=state.dtype)
        for task in range(ntasks * share // shares, ntasks * (share + 1) // shares):
            start = np.uint64(task_start(task, chunk, positions, npos, control_mask))
            for lo in range(np.uint64(chunk)):
                base = start + ustride * lo
                for m in range(dim):
                    buf[m] = state[base + offsets[m]]
                for m in range(dim):
                    state[base + offsets[perm[m]]] = buf[m]


@numba.njit(nogil=True, cache=True, inline="always")
def _swap_stretch(state, start, stride, chunk, offset_a, offset_b):
    """Exchange the amplitudes at ``offset_a`` and ``offset_b`` of ``chunk`` groups ``stride`` apart."""
    for lo in range(chunk):
        base = start + stride * lo
        a = state[base + offset_a]
        state[base + offset_a] = state[base + offset_b]
        state[base + offset_b] = a


@numba.njit(parallel=True, nogil=True, cache=True)
def apply_x(state, nqubits, target, control_mask):
    """Swap the amplitudes of every pair (base, base | 1 << target) where controls are 1."""
    targets = np.array([target], dtype=np.int32)
    positions, npos, stride, chunk, ntasks = task_layout(nqubits, targets, 1, control_mask)
    ustride = np.uint64(stride)
    for task in prange(ntasks):
        start = np.uint64(task_start(task, chunk, positions, npos, control_mask))
        if ustride == _ONE:
            _swap_stretch(state, start, _ONE, np.uint64(chunk), np.uint64(0), np.uint64(1 << target))
        else:
            _swap_stretch(state, start, ustride, np.uint64(chunk), np.uint64(0), np.uint64(1 << target))


@numba.njit(parallel=True, nogil=True, cache=True)
def apply_swap(state, nqubits, target0, target1, control_mask):
    """Swap the |01> and |10> amplitudes of (target0, target1) in every group where controls are 1."""
    targets = np.array([target0, target1], dtype=np.int32)
    positions, npos, stride, chunk, ntasks = task_layout(nqubits, targets, 2, control_mask)
    ustride = np.uint64(stride)
    for task in prange(ntasks):
        start = np.uint64(task_start(task, chunk, positions, npos, control_mask))
        if ustride == _ONE:
            _swap_stretch(state, start, _ONE, np.uint64(chunk), np.uint64(1 << target0), np.uint64(1 << target1))
        else:
            _swap_stretch(state, start, ustride, np.uint64(chunk), np.uint64(1 << target0), np.uint64(1 << target1))
