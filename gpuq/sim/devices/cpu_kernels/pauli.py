"""Expectation values of Pauli strings, and a Pauli sum applied to a state.

Twin of ``kernels/pauli.cu`` (``expectation_groups``, ``apply_pauli_sum``), with
the same arguments and index contract (see the CUDA file's header): a string
is ``(x_mask, z_mask)``; ``expectation_groups`` serves every string of every X-mask
group in one call, each work item writing one partial sum per string, and
reads each pair of partner amplitudes once (the pair trick); ``apply_pauli_sum``
writes ``out = (sum_j c_j P_j) state`` amplitude by amplitude. Masks arrive as
int64 (bit patterns below 2**63), which keeps Numba's index arithmetic in
signed integers; sums are accumulated in float64 for both precisions.

Speed (CPU only, same results): the threads walk the groups *by class*, the X
mask's bits above ``SUPER_BITS``. Within a class every group pairs the
super-tile of ``2**SUPER_BITS`` amplitudes holding an item with the same
partner super-tile, so while both threads walk the items of a class in step,
the partners stay in the last-level cache and each item stays in L1/L2 for
all the class's groups: a 100-term sum reads the state from memory about once
per class instead of twice per term. Each tile walk asks for the partner run
``PREFETCH_RUNS`` runs ahead (``prefetch.py``): the partner runs come in the
order ``run ^ x_mask``, which the hardware prefetcher does not follow.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import prange

from ._layout import FASTMATH, real_view
from .prefetch import prefetch

_RUN_BITS = 6
_RUN = 1 << _RUN_BITS

PREFETCH_RUNS = 8
"""How far ahead (runs of 64 amplitudes) a tile walk prefetches the partner run. The 100-term sum on a
24-qubit state (``benchmarks.variational``'s ``pauli``, 100 X-mask groups) on the 2-core EPYC: 3.9 to
5.1 s without, 2.3 s 2 runs ahead, 1.4 to 2.0 s 4 to 16 ahead (medians of 3, interleaved, noisy host)."""

SUPER_BITS = 19
"""Amplitudes (log2) of the super-tiles a class pairs: two of them (16 MiB in double) fit the 32 MiB L3."""


@numba.njit(nogil=True, cache=True, inline="always")
def parity(value):
    """1 when ``value`` has an odd number of set bits (the xor folding of the CUDA file)."""
    value ^= value >> 32
    value ^= value >> 16
    value ^= value >> 8
    value ^= value >> 4
    value ^= value >> 2
    value ^= value >> 1
    return value & 1


@numba.njit(nogil=True, cache=True, inline="always")
def top_bit(value):
    """Position of the highest set bit of ``value`` (> 0): the pivot of an X mask."""
    bit = 0
    while value >> (bit + 1):
        bit += 1
    return bit


@numba.njit(nogil=True, cache=True, fastmath=FASTMATH)
def _string_on_tile(state, first, x_mask, pivot, z_mask, imag, chunk_bits):
    """One string's pair-trick sum over the contiguous tile at ``first`` (lane_bits 0, chunk_bits >= 6).

    The tile is walked in runs of 64 amplitudes: the sign of ``b`` is a per-run sign times a per-offset
    table (zero where the pivot bit is set, so a low pivot costs no branch), and the inner loop has
    no branch at all.
    """
    f = real_view(state)
    signs = np.empty(_RUN, dtype=np.float64)
    for lo in range(_RUN):
        own = x_mask == 0 or pivot >= _RUN_BITS or not (lo >> pivot) & 1
        signs[lo] = (-1.0 if parity(lo & z_mask) else 1.0) if own else 0.0
    low_x = x_mask & (_RUN - 1)
    high_x = x_mask & ~(_RUN - 1)
    total = 0.0
    last = (f.shape[0] >> 1) - 1  # amplitude indices wrap here: a prefetch past the end stays in the state
    for run in range(1 << (chunk_bits - _RUN_BITS)):
        base = first + (run << _RUN_BITS)
        ahead = ((base + (PREFETCH_RUNS << _RUN_BITS)) ^ high_x) & last
        for line in range(0, 2 * _RUN, 8):  # 8 doubles or 16 floats: at least one per 64-byte line
            prefetch(f, 2 * ahead + line)
        if x_mask != 0 and pivot >= _RUN_BITS and (base >> pivot) & 1:
            continue
        partner = base ^ high_x
        acc = 0.0
        for lo in range(_RUN):
            i = 2 * (base + lo)
            j = 2 * (partner + (lo ^ low_x))
            are, aim = np.float64(f[i]), np.float64(f[i + 1])
            pre, pim = np.float64(f[j]), np.float64(f[j + 1])
            if imag:
                acc += signs[lo] * (pre * aim - pim * are)
            else:
                acc += signs[lo] * (pre * are + pim * aim)
        total += -acc if parity(base & z_mask) else acc
    return total


@numba.njit(nogil=True, cache=True, fastmath=FASTMATH)
def group_on_item(
    state, w, x_mask, first_string, end_string, z_masks, imag_part, nstrings, chunk_bits, lane_bits, partial
):
    """Item ``w``'s partial sums of the strings ``[first_string, end_string)`` of one group (see the CUDA contract)."""
    row = w * nstrings
    for j in range(first_string, end_string):
        partial[row + j] = 0.0
    lanes = 1 << lane_bits
    first = ((w >> lane_bits) << (lane_bits + chunk_bits)) + (w & (lanes - 1))
    pivot = 0
    factor = 1.0
    if x_mask != 0:
        pivot = top_bit(x_mask)
        factor = 2.0
        if pivot >= chunk_bits + lane_bits or pivot < lane_bits:
            if (first >> pivot) & 1:
                return
    if lane_bits == 0 and chunk_bits >= _RUN_BITS:
        for j in range(first_string, end_string):
            partial[row + j] = factor * _string_on_tile(
                state, first, x_mask, pivot, z_masks[j], imag_part[j], chunk_bits
            )
        return
    for k in range(1 << chunk_bits):
        b = first + (k << lane_bits)
        if x_mask != 0 and (b >> pivot) & 1:
            continue
        a = state[b]
        p = state[b ^ x_mask]
        are, aim = np.float64(a.real), np.float64(a.imag)
        pre, pim = np.float64(p.real), np.float64(p.imag)
        re = pre * are + pim * aim
        im = pre * aim - pim * are
        for j in range(first_string, end_string):
            value = im if imag_part[j] else re
            if parity(b & z_masks[j]):
                partial[row + j] -= value
            else:
                partial[row + j] += value
    for j in range(first_string, end_string):
        partial[row + j] *= factor


@numba.njit(parallel=True, nogil=True, cache=True)
def _walk_classes(
    state,
    nqubits,
    ngroups,
    x_masks,
    starts,
    z_masks,
    imag_part,
    nstrings,
    chunk_bits,
    lane_bits,
    partial,
    threads,
    super_bits,
):
    """``expectation_groups`` on ``threads`` threads, walking the classes (X-mask bits from ``super_bits``) in step."""
    items = 1 << (nqubits - chunk_bits)
    order = np.argsort(x_masks >> super_bits, kind="mergesort")
    for t in prange(threads):
        start = 0
        while start < ngroups:
            cls = x_masks[order[start]] >> super_bits
            end = start
            while end < ngroups and x_masks[order[end]] >> super_bits == cls:
                end += 1
            for w in range(t, items, threads):
                for i in range(start, end):
                    g = order[i]
                    group_on_item(
                        state,
                        w,
                        x_masks[g],
                        starts[g],
                        starts[g + 1],
                        z_masks,
                        imag_part,
                        nstrings,
                        chunk_bits,
                        lane_bits,
                        partial,
                    )
            start = end


def expectation_groups(
    state, nqubits, ngroups, x_masks, starts, z_masks, imag_part, nstrings, chunk_bits, lane_bits, partial
):
    """Per work item and string: the pair-trick sum of ±Re (or ±Im) of conj(state[b ^ x]) * state[b] over its tile.

    A Python entry (the thread count is read here: a jitted function reading it cannot be cached).
    """
    _walk_classes(
        state,
        nqubits,
        ngroups,
        x_masks,
        starts,
        z_masks,
        imag_part,
        nstrings,
        chunk_bits,
        lane_bits,
        partial,
        numba.get_num_threads(),
        min(nqubits, SUPER_BITS),
    )


@numba.njit(parallel=True, nogil=True, cache=True, fastmath=FASTMATH)
def apply_pauli_sum(state, nqubits, x_masks, z_masks, coeffs, nterms, out):
    """``out[i] = sum_j coeffs[j] * (-1)^popcount((i ^ x_j) & z_j) * state[i ^ x_j]``."""
    for i in prange(1 << nqubits):
        re = 0.0
        im = 0.0
        for j in range(nterms):
            source = i ^ x_masks[j]
            a = state[source]
            are, aim = np.float64(a.real), np.float64(a.imag)
            sign = -1.0 if parity(source & z_masks[j]) else 1.0
            c = coeffs[j]
            re += sign * (c.real * are - c.imag * aim)
            im += sign * (c.real * aim + c.imag * are)
        out[i] = complex(re, im)
