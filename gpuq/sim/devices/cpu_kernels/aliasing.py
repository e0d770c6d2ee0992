"""Pair passes (k = 1 dense, X, SWAP) whose two amplitude streams alias in the L1 data cache, walked in tiles.

Why: the L1 data cache of AMD Zen cores picks the way of a load with a way
predictor keyed by a hash of linear-address bits 12 to 27 (the "utag"). Two
lines whose addresses agree in bits 6 to 27, that is lines a multiple of
256 MiB apart, fall in the same set with the same utag, and the cache holds
only one of them: loading either evicts the other. A pair pass whose partner
amplitudes lie such a distance apart (a target at qubit 24 or above in double
precision, 25 in single) reads and writes both lines of a pair in each
iteration, so every access evicts its partner and is served from L2; measured
on a 2-core EPYC (Zen 3), a pass there took 3 to 4 times as long as on the
target one position lower, on one thread as on two, with or without huge pages
(the utag is computed from linear addresses, so neither the TLB nor the page
size is involved; see docs/benchmarks.md, issue 20).

Fix: the kernels here walk the same tasks of consecutive groups as the plain
kernels (``_layout.task_layout``, whole ranges ``[group_begin, group_end)``
included) but update each task in tiles of ``tile`` groups, in three phases
that each touch one of the aliased streams only: the partner amplitudes (at
``offset_b``) of the tile are copied into a per-thread scratch buffer, the
tile is updated between the ``offset_a`` amplitudes and the scratch, and the
scratch is copied back. Each line of either stream is then fetched into L1
once per phase instead of once per access; memory traffic is unchanged, the
extra copies stay within L1 and L2.

The plain kernels (``matrix._matrix_1``, ``permute._swap_tasks``) remain the
path for every other distance: the copies cost about a tenth of a pass there.
``aliased`` decides, from the distance in bytes between the paired streams.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import prange

from ._layout import FASTMATH, matrix_reals, pair_product, real_view, task_layout, task_range, task_span, task_start

ALIAS_SPAN = 1 << 28
"""Bytes between linear addresses that share an L1 set and utag on AMD Zen (hash of bits 12 to 27)."""
ALIAS_WINDOW = 1 << 15
"""Distances within this many bytes of a multiple of ``ALIAS_SPAN`` alias too: a pass keeps about an L1
(32 KiB) of each stream in flight, so partners a few lines off a multiple collide with a neighbour."""
TILE = 1024
"""Groups per tile: the tile's amplitudes and its scratch (16 KiB each in double) stay within L1. Measured
against 256, 512 and 2048 (docs/benchmarks.md): 256 and 512 were 5 to 25 % slower, 2048 within noise."""

_SHARES = 64
"""Scratch-holding shares of a pass: enough to balance 2 to 64 threads."""
_ONE = np.uint64(1)
_TWO = np.uint64(2)


def aliased(distance_bytes: int) -> bool:
    """Whether two streams ``distance_bytes`` apart collide in the L1 data cache (use the tiled kernels):
    near a non-zero multiple of ``ALIAS_SPAN`` (streams closer than that differ in their utag bits)."""
    rest = distance_bytes % ALIAS_SPAN
    return distance_bytes > ALIAS_WINDOW and min(rest, ALIAS_SPAN - rest) < ALIAS_WINDOW


@numba.njit(nogil=True, cache=True, inline="always")
def _load(f, at, step, count, scratch):
    """``scratch[2j], scratch[2j+1]`` = the (re, im) of the amplitude at real index ``at + step * j``."""
    for j in range(count):
        i = at + step * j
        scratch[_TWO * j] = f[i]
        scratch[_TWO * j + _ONE] = f[i + _ONE]


@numba.njit(nogil=True, cache=True, inline="always")
def _store(f, at, step, count, scratch):
    """The inverse of ``_load``: write the scratch back to the amplitudes it came from."""
    for j in range(count):
        i = at + step * j
        f[i] = scratch[_TWO * j]
        f[i + _ONE] = scratch[_TWO * j + _ONE]


@numba.njit(nogil=True, cache=True, fastmath=FASTMATH, inline="always")
def _mix(f, at, step, count, scratch, m):
    """Apply the 2x2 matrix (8 reals ``m``) to the pairs (amplitude at ``at + step * j``, scratch ``j``)."""
    for j in range(count):
        i0 = at + step * j
        s = _TWO * j
        f[i0], f[i0 + _ONE], scratch[s], scratch[s + _ONE] = pair_product(
            m, f[i0], f[i0 + _ONE], scratch[s], scratch[s + _ONE]
        )


@numba.njit(nogil=True, cache=True, inline="always")
def _exchange(f, at, step, count, scratch):
    """Exchange the amplitude at ``at + step * j`` with scratch ``j`` (a swap moves, never multiplies)."""
    for j in range(count):
        i0 = at + step * j
        s = _TWO * j
        re, im = f[i0], f[i0 + _ONE]
        f[i0], f[i0 + _ONE] = scratch[s], scratch[s + _ONE]
        scratch[s], scratch[s + _ONE] = re, im


@numba.njit(nogil=True, cache=True, fastmath=FASTMATH, inline="always")
def _tile(f, a, b, step, count, scratch, m, swap):
    """One tile of ``count`` groups: partners at real index ``b`` to the scratch, update, and back."""
    _load(f, b, step, count, scratch)
    if swap:
        _exchange(f, a, step, count, scratch)
    else:
        _mix(f, a, step, count, scratch, m)
    _store(f, b, step, count, scratch)


@numba.njit(nogil=True, cache=True, fastmath=FASTMATH, inline="always")
def _walk(state, nqubits, targets, ntargets, control_mask, offset_a, offset_b, m, swap, group_begin, group_end, tile):
    """Every group of ``[group_begin, group_end)``, task by task (threads share the tasks), tile by tile."""
    f = real_view(state)
    positions, npos, stride, chunk, _ = task_layout(nqubits, targets, ntargets, control_mask)
    first, ntasks = task_range(chunk, group_begin, group_end)
    step = np.uint64(2 * stride)
    shares = min(ntasks, _SHARES)
    for share in prange(shares):
        scratch = np.empty(2 * tile, dtype=f.dtype)
        for i in range(ntasks * share // shares, ntasks * (share + 1) // shares):
            task = first + i
            lo, hi = task_span(task, chunk, group_begin, group_end)
            start = task_start(task, chunk, positions, npos, control_mask) + stride * lo
            for done in range(0, hi - lo, tile):
                base = _TWO * np.uint64(start + stride * done)
                count = np.uint64(min(tile, hi - lo - done))
                a, b = base + _TWO * offset_a, base + _TWO * offset_b
                if step == _TWO:  # contiguous groups: a copy of the loops with a constant stride
                    _tile(f, a, b, _TWO, count, scratch, m, swap)
                else:
                    _tile(f, a, b, step, count, scratch, m, swap)


@numba.njit(parallel=True, nogil=True, cache=True, fastmath=FASTMATH)
def matrix_1_tiled(state, nqubits, targets, control_mask, matrix, group_begin, group_end, tile):
    """``matrix._matrix_1`` in tiles: the 2x2 row-major ``matrix`` on ``targets[0]`` where controls are 1."""
    m = matrix_reals(matrix)
    pair = np.uint64(1) << np.uint64(targets[0])
    _walk(state, nqubits, targets, 1, control_mask, np.uint64(0), pair, m, False, group_begin, group_end, tile)


@numba.njit(parallel=True, nogil=True, cache=True)
def swap_tiled(state, nqubits, targets, ntargets, control_mask, offset_a, offset_b, group_begin, group_end, tile):
    """``permute._swap_tasks`` in tiles: exchange the amplitudes at ``offset_a`` and ``offset_b`` of each group."""
    exchange = (0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0)  # its matrix, applied by moving amplitudes (exact)
    _walk(
        state,
        nqubits,
        targets,
        ntargets,
        control_mask,
        offset_a,
        offset_b,
        exchange,
        True,
        group_begin,
        group_end,
        tile,
    )
