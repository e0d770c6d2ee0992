"""Multiply the state by a diagonal on k targets where all controls are 1.

Twin of ``kernels/diagonal.cu`` (``apply_diagonal_c64`` / ``apply_diagonal_c128``).

Index contract (as in the CUDA file): one work item is one amplitude ``i``;
when every control bit of ``i`` is 1 it is multiplied by ``diag[m]``, where bit
``j`` of ``m`` is bit ``targets[j]`` of ``i``.

Speed: the state is walked in contiguous tiles of ``2**TILE_BITS`` amplitudes,
so every pass streams through memory whichever qubits the diagonal touches
(a grouping by targets, as the dense kernel uses, strides through memory when
the targets are the lowest qubits). Within a tile, ``m`` splits into the bits
of the tile's base (one value per tile) and the bits of the offset (a table
built once per call); a tile whose base alone fixes ``m`` is scaled by one
constant, a loop LLVM vectorises.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import prange

from ._layout import FASTMATH, local_index, targets_mask

TILE_BITS = 12
"""Amplitudes per tile, as a power of two: the offset table (32 KiB) stays in L1/L2."""


@numba.njit(parallel=True, nogil=True, cache=True, fastmath=FASTMATH)
def apply_diagonal(state, nqubits, targets, ntargets, control_mask, diag):
    """Multiply amplitude ``i`` by ``diag[local_index(i)]`` where all controls of ``i`` are 1."""
    dim = 1 << ntargets
    tile_bits = min(nqubits, TILE_BITS)
    tile = 1 << tile_bits
    low = tile - 1
    # factors[m | dim] is 1: the entry of an amplitude whose low control bits are not all 1.
    factors = np.ones(2 * dim, dtype=state.dtype)
    factors[:dim] = diag
    low_controls = control_mask & low
    high_controls = control_mask & ~low
    offset_index = np.empty(tile, dtype=np.int64)
    for j in range(tile):
        offset_index[j] = local_index(j, targets, ntargets) | (0 if (j & low_controls) == low_controls else dim)
    uniform = ((targets_mask(targets, ntargets) | control_mask) & low) == 0
    for t in prange(1 << (nqubits - tile_bits)):
        base = t << tile_bits
        if (base & high_controls) != high_controls:
            continue
        base_index = local_index(base, targets, ntargets)
        first = np.uint64(base)
        if uniform:
            factor = factors[base_index]
            for j in range(np.uint64(tile)):
                state[first + j] *= factor
        else:
            for j in range(np.uint64(tile)):
                state[first + j] *= factors[offset_index[j] | base_index]
