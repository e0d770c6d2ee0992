"""Multiply the state by a diagonal on k targets where all controls are 1.

Twin of ``kernels/diagonal.cu`` (``apply_diagonal_c64`` / ``apply_diagonal_c128``).

Index contract (as in the CUDA file): one work item is one group of ``2**k``
amplitudes at ``base + offset(m)`` (the grouping of ``apply_matrix``); it
multiplies the amplitude at ``base + offset(m)`` by ``diag[m]``.

Speed: a task walks its stretch of groups once per diagonal entry, so the
innermost loop scales equally spaced amplitudes by one constant (unit stride
gets its own inlined copy).
"""

from __future__ import annotations

import numba
import numpy as np
from numba import prange

from ._layout import FASTMATH, local_offsets, task_layout, task_start

_ONE = np.uint64(1)


@numba.njit(nogil=True, cache=True, fastmath=FASTMATH, inline="always")
def _scale_stretch(state, first, stride, chunk, factor):
    for lo in range(chunk):
        state[first + stride * lo] *= factor


@numba.njit(parallel=True, nogil=True, cache=True, fastmath=FASTMATH)
def apply_diagonal(state, nqubits, targets, ntargets, control_mask, diag):
    """Multiply amplitude ``base + offset(m)`` of every group by ``diag[m]``."""
    dim = 1 << ntargets
    offsets = local_offsets(targets, ntargets)
    positions, npos, stride, chunk, ntasks = task_layout(nqubits, targets, ntargets, control_mask)
    ustride = np.uint64(stride)
    uchunk = np.uint64(chunk)
    for task in prange(ntasks):
        start = np.uint64(task_start(task, chunk, positions, npos, control_mask))
        for m in range(dim):
            if ustride == _ONE:
                _scale_stretch(state, start + offsets[m], _ONE, uchunk, diag[m])
            else:
                _scale_stretch(state, start + offsets[m], ustride, uchunk, diag[m])
