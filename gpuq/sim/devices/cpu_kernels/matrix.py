"""Apply a dense ``2**k × 2**k`` matrix on k targets where all controls are 1.

Twin of ``kernels/matrix.cu`` (``apply_matrix_c64`` / ``apply_matrix_c128``).

Index contract (as in the CUDA file): ``targets[j]`` is bit ``j`` of the
row-major matrix's index; one work item is one group of ``2**k`` amplitudes at
``base + offset(m)``, ``base`` being the group index with zero bits inserted at
every target and control position, OR ``control_mask``. Items are independent.

Speed: ``k = 1`` and ``k = 2`` have their own loops over the contiguous groups of
a run, with unsigned indices (no negative-index wraparound) so LLVM vectorises
them; larger ``k`` use one scratch buffer per thread share, allocated per call.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import prange

from ._layout import FASTMATH, local_offsets, real_view, task_base, task_layout

_ONE = np.uint64(1)
_TWO = np.uint64(2)
_SHARES = 64
"""Scratch-holding shares of the general kernel: enough to balance 2 to 64 threads."""


@numba.njit(parallel=True, nogil=True, cache=True, fastmath=FASTMATH)
def _matrix_1(state, nqubits, targets, control_mask, matrix):
    f = real_view(state)
    positions, npos, lowest, chunk, per_run, ntasks = task_layout(nqubits, targets, 1, control_mask)
    pair = np.uint64(2 << targets[0])  # distance in reals between the |0> and |1> amplitudes
    m00r, m00i, m01r, m01i = matrix[0].real, matrix[0].imag, matrix[1].real, matrix[1].imag
    m10r, m10i, m11r, m11i = matrix[2].real, matrix[2].imag, matrix[3].real, matrix[3].imag
    for task in prange(ntasks):
        start = np.uint64(2 * task_base(task, positions, npos, lowest, chunk, per_run, control_mask))
        for lo in range(np.uint64(chunk)):
            i0 = start + _TWO * lo
            i1 = i0 + pair
            a0r, a0i, a1r, a1i = f[i0], f[i0 + _ONE], f[i1], f[i1 + _ONE]
            f[i0] = m00r * a0r - m00i * a0i + m01r * a1r - m01i * a1i
            f[i0 + _ONE] = m00r * a0i + m00i * a0r + m01r * a1i + m01i * a1r
            f[i1] = m10r * a0r - m10i * a0i + m11r * a1r - m11i * a1i
            f[i1 + _ONE] = m10r * a0i + m10i * a0r + m11r * a1i + m11i * a1r


@numba.njit(parallel=True, nogil=True, cache=True, fastmath=FASTMATH)
def _matrix_2(state, nqubits, targets, control_mask, matrix):
    positions, npos, lowest, chunk, per_run, ntasks = task_layout(nqubits, targets, 2, control_mask)
    o1 = np.uint64(1 << targets[0])
    o2 = np.uint64(1 << targets[1])
    o3 = o1 | o2
    m00, m01, m02, m03 = matrix[0], matrix[1], matrix[2], matrix[3]
    m10, m11, m12, m13 = matrix[4], matrix[5], matrix[6], matrix[7]
    m20, m21, m22, m23 = matrix[8], matrix[9], matrix[10], matrix[11]
    m30, m31, m32, m33 = matrix[12], matrix[13], matrix[14], matrix[15]
    for task in prange(ntasks):
        start = np.uint64(task_base(task, positions, npos, lowest, chunk, per_run, control_mask))
        for lo in range(np.uint64(chunk)):
            i0 = start + lo
            a0, a1, a2, a3 = state[i0], state[i0 + o1], state[i0 + o2], state[i0 + o3]
            state[i0] = m00 * a0 + m01 * a1 + m02 * a2 + m03 * a3
            state[i0 + o1] = m10 * a0 + m11 * a1 + m12 * a2 + m13 * a3
            state[i0 + o2] = m20 * a0 + m21 * a1 + m22 * a2 + m23 * a3
            state[i0 + o3] = m30 * a0 + m31 * a1 + m32 * a2 + m33 * a3


@numba.njit(parallel=True, nogil=True, cache=True, fastmath=FASTMATH)
def _matrix_k(state, nqubits, targets, ntargets, control_mask, matrix):
    dim = 1 << ntargets
    offsets = local_offsets(targets, ntargets)
    positions, npos, lowest, chunk, per_run, ntasks = task_layout(nqubits, targets, ntargets, control_mask)
    shares = min(ntasks, _SHARES)
    for share in prange(shares):
        buf = np.empty(dim, dtype=state.dtype)
        for task in range(ntasks * share // shares, ntasks * (share + 1) // shares):
            start = np.uint64(task_base(task, positions, npos, lowest, chunk, per_run, control_mask))
            for lo in range(np.uint64(chunk)):
                base = start + lo
                for c in range(dim):
                    buf[c] = state[base + offsets[c]]
                for r in range(dim):
                    row = r * dim
                    acc = matrix[row] * buf[0]
                    for c in range(1, dim):
                        acc += matrix[row + c] * buf[c]
                    state[base + offsets[r]] = acc


@numba.njit(nogil=True, cache=True)
def apply_matrix(state, nqubits, targets, ntargets, control_mask, matrix):
    """Apply the row-major ``matrix`` (flat, ``4**k`` entries) on ``targets[:ntargets]`` where controls are 1."""
    if ntargets == 1:
        _matrix_1(state, nqubits, targets, control_mask, matrix)
    elif ntargets == 2:
        _matrix_2(state, nqubits, targets, control_mask, matrix)
    else:
        _matrix_k(state, nqubits, targets, ntargets, control_mask, matrix)
