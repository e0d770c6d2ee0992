"""Measurement support: squared magnitudes, marginals, and projection onto an outcome.

Twin of ``kernels/measure.cu`` (``probabilities``, ``collapse``, each ``_c64`` /
``_c128``). ``marginal_probabilities`` exists only here: on the GPU the marginal
is a CuPy reduction over the output of ``probabilities``.

Index contract (as in the CUDA file): ``probabilities`` writes
``probs[i] = |state[i]|**2`` in the state's real precision; ``collapse`` zeroes
``state[i]`` where ``i & qubit_mask != outcome_bits`` and scales the rest.

Reproducibility: ``marginal_probabilities`` splits the state into a fixed number
of slices (not one per thread) and adds the slices' partial sums in a fixed
order, so its result does not depend on the thread count.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import prange

from ._layout import insert_zero_bits, mask_positions

_BLOCK = 4096
_SLICES = 64
"""Fixed number of state slices of the histogram marginal (independent of the thread count)."""
_HISTOGRAM_LIMIT = 1 << 12
"""Largest marginal computed with per-slice histograms; wider ones are summed per outcome."""
_LONG_STRETCH = 8
"""Shortest stretch of amplitudes with one outcome worth a vectorised sum of its own."""
_KEY_BLOCK = 1024
"""Outcomes summed together by the per-outcome marginal."""
_SUM_MATH = {"contract", "reassoc"}
"""Vectorised sums inside one slice: the order is fixed at compile time, not by threads."""


@numba.njit(parallel=True, nogil=True, cache=True)
def probabilities(state, nqubits, probs):
    """Write ``|state[i]|**2`` into ``probs[i]`` for every amplitude."""
    size = 1 << nqubits
    nblocks = (size + _BLOCK - 1) // _BLOCK
    for block in prange(nblocks):
        for i in range(np.uint64(block * _BLOCK), np.uint64(min(size, (block + 1) * _BLOCK))):
            a = state[i]
            probs[i] = a.real * a.real + a.imag * a.imag


@numba.njit(parallel=True, nogil=True, cache=True)
def collapse(state, nqubits, qubit_mask, outcome_bits, scale):
    """Zero the amplitudes that disagree with ``outcome_bits`` on ``qubit_mask``; scale the others."""
    size = 1 << nqubits
    nblocks = (size + _BLOCK - 1) // _BLOCK
    mask = np.uint64(qubit_mask)
    bits = np.uint64(outcome_bits)
    factor = state.real.dtype.type(scale)
    for block in prange(nblocks):
        for i in range(np.uint64(block * _BLOCK), np.uint64(min(size, (block + 1) * _BLOCK))):
            if i & mask == bits:
                state[i] *= factor
            else:
                state[i] = 0


@numba.njit(nogil=True, cache=True, inline="always")
def _gather(index, qubits, nmeasured):
    """Outcome index of amplitude ``index``: bit ``qubits[j]`` becomes bit ``j``."""
    key = 0
    for j in range(nmeasured):
        key |= ((index >> qubits[j]) & 1) << j
    return key


@numba.njit(nogil=True, cache=True, inline="always")
def _norm2(a):
    """``|a|**2`` in float64."""
    return np.float64(a.real) * np.float64(a.real) + np.float64(a.imag) * np.float64(a.imag)


@numba.njit(nogil=True, cache=True, fastmath=_SUM_MATH)
def _stretch_sum(state, start, length):
    """Sum of ``|a|**2`` over ``length`` consecutive amplitudes, in float64."""
    total = 0.0
    for i in range(np.uint64(start), np.uint64(start + length)):
        total += _norm2(state[i])
    return total


@numba.njit(parallel=True, nogil=True, cache=True)
def _marginal_histogram(state, nqubits, qubits, nmeasured, out):
    """Few outcomes: per-slice histograms over a fixed number of slices, summed in slice order."""
    size = 1 << nqubits
    dim = 1 << nmeasured
    lowest = nqubits
    for j in range(nmeasured):
        lowest = min(lowest, qubits[j])
    slices = min(_SLICES, size)
    slice_len = size // slices
    stretch = min(1 << lowest, slice_len)  # consecutive amplitudes sharing one outcome
    partial = np.zeros((slices, dim))
    for s in prange(slices):
        if stretch >= _LONG_STRETCH:
            for start in range(s * slice_len, (s + 1) * slice_len, stretch):
                partial[s, _gather(start, qubits, nmeasured)] += _stretch_sum(state, start, stretch)
        else:
            for i in range(s * slice_len, (s + 1) * slice_len):
                partial[s, _gather(i, qubits, nmeasured)] += _norm2(state[np.uint64(i)])
    for key in range(dim):
        total = 0.0
        for s in range(slices):
            total += partial[s, key]
        out[key] = total


@numba.njit(parallel=True, nogil=True, cache=True)
def _marginal_per_outcome(state, nqubits, qubits, nmeasured, out):
    """Many outcomes: each outcome summed by one thread, over the other qubits in ascending order.

    Keys go in blocks; a block walks the other qubits' values outermost so
    that, for ascending ``qubits``, neighbouring keys read neighbouring amplitudes.
    """
    positions = np.zeros(64, dtype=np.int64)
    measured_mask = 0
    for j in range(nmeasured):
        measured_mask |= 1 << qubits[j]
    npos = mask_positions(measured_mask, positions)
    rest = 1 << (nqubits - npos)
    dim = 1 << nmeasured
    block = min(dim, _KEY_BLOCK)
    for first in prange(dim // block):
        placed = np.empty(block, dtype=np.uint64)
        for b in range(block):
            key = first * block + b
            where = 0
            for j in range(nmeasured):
                where |= ((key >> j) & 1) << qubits[j]
            placed[b] = where
            out[key] = 0.0
        for r in range(rest):
            other = np.uint64(insert_zero_bits(r, positions, npos))
            for b in range(block):
                out[first * block + b] += _norm2(state[other | placed[b]])


@numba.njit(parallel=True, nogil=True, cache=True)
def _all_probabilities(state, nqubits, out):
    """Every qubit in ascending order: the marginal is ``|a|**2`` itself, in float64."""
    size = 1 << nqubits
    for block in prange((size + _BLOCK - 1) // _BLOCK):
        for i in range(np.uint64(block * _BLOCK), np.uint64(min(size, (block + 1) * _BLOCK))):
            out[i] = _norm2(state[i])


def marginal_probabilities(state, nqubits, qubits, nmeasured, out):
    """Write the float64 marginal of ``qubits[:nmeasured]`` into ``out`` (bit ``j`` of its index is ``qubits[j]``).

    Fastest with ascending ``qubits`` (``CpuDevice`` sorts them and reorders the
    result). A Python dispatcher, so that only the variant a job uses is compiled.
    """
    in_order = nmeasured == nqubits
    for j in range(nmeasured):
        in_order = in_order and qubits[j] == j
    if in_order:
        _all_probabilities(state, nqubits, out)
    elif (1 << nmeasured) <= _HISTOGRAM_LIMIT:
        _marginal_histogram(state, nqubits, qubits, nmeasured, out)
    else:
        _marginal_per_outcome(state, nqubits, qubits, nmeasured, out)


@numba.njit(nogil=True, cache=True)
def running_total(probs):
    """``(sum, last)``: the sum of ``probs`` in index order (as ``draw_sorted`` adds them) and
    the last index with a non-zero probability. Host-side sampling, no CUDA twin."""
    total = 0.0
    last = 0
    for i in range(probs.shape[0]):
        if probs[i] > 0:
            last = i
        total += probs[i]
    return total, last


@numba.njit(nogil=True, cache=True)
def draw_sorted(probs, points, last, out):
    """``out[k]``: the outcome whose slice of the running sum of ``probs`` holds ``points[k]``.

    ``points`` ascend, so one walk over ``probs`` serves every draw: O(len(probs) + shots).
    An outcome of probability 0 has an empty slice and is never drawn; a point at or
    past the total (rounding) lands on ``last``, the last outcome that can occur.
    Host-side sampling, no CUDA twin.
    """
    i = 0
    upper = probs[0]
    for k in range(points.shape[0]):
        while points[k] >= upper and i < last:
            i += 1
            upper += probs[i]
        out[k] = i
