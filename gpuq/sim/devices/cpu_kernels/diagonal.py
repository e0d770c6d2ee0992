"""Multiply the state by a diagonal on k targets where all controls are 1.

Twin of ``kernels/diagonal.cu`` (``apply_diagonal_c64`` / ``apply_diagonal_c128``).

Index contract (as in the CUDA file): one work item is one group of ``2**k``
amplitudes at ``base + offset(m)`` (the grouping of ``apply_matrix``); it
multiplies the amplitude at ``base + offset(m)`` by ``diag[m]``.

Speed: a task walks the contiguous groups of a run once per diagonal entry, so
the innermost loop scales a contiguous stretch by one constant.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import prange

from ._layout import FASTMATH, local_offsets, task_base, task_layout


@numba.njit(parallel=True, nogil=True, cache=True, fastmath=FASTMATH)
def apply_diagonal(state, nqubits, targets, ntargets, control_mask, diag):
    """Multiply amplitude ``base + offset(m)`` of every group by ``diag[m]``."""
    dim = 1 << ntargets
    offsets = local_offsets(targets, ntargets)
    positions, npos, lowest, chunk, per_run, ntasks = task_layout(nqubits, targets, ntargets, control_mask)
    for task in prange(ntasks):
        start = np.uint64(task_base(task, positions, npos, lowest, chunk, per_run, control_mask))
        for m in range(dim):
            factor = diag[m]
            first = start + offsets[m]
            for lo in range(np.uint64(chunk)):
                state[first + lo] *= factor
