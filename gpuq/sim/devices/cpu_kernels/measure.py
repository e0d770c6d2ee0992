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

Memory: a marginal's only large array is its output. ``all_probabilities`` and
``marginal_per_outcome`` also fill any range of outcomes with exactly the
values of the whole marginal, which is how the chunked sampler (``sample.py``)
walks a marginal without holding it.
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
def marginal_per_outcome(state, nqubits, qubits, nmeasured, first, out):
    """Many outcomes: ``out[b]`` is outcome ``first + b``'s probability, each summed by one thread.

    An outcome's sum runs over the other qubits' values in ascending order,
    whatever ``len(out)`` and ``first`` are, so a chunk of outcomes gets exactly
    the values the whole marginal has (the chunked sampler relies on that).
    ``qubits`` may come in any order: bit ``j`` of the outcome is ``qubits[j]``.
    Keys go in blocks; a block walks the other qubits' values outermost so
    that, for ascending ``qubits``, neighbouring keys read neighbouring amplitudes.
    """
    positions = np.zeros(64, dtype=np.int64)
    measured_mask = 0
    for j in range(nmeasured):
        measured_mask |= 1 << qubits[j]
    npos = mask_positions(measured_mask, positions)
    rest = 1 << (nqubits - npos)
    count = out.shape[0]
    block = min(count, _KEY_BLOCK)
    for chunk in prange(count // block):
        placed = np.empty(block, dtype=np.uint64)
        for b in range(block):
            key = first + chunk * block + b
            where = 0
            for j in range(nmeasured):
                where |= ((key >> j) & 1) << qubits[j]
            placed[b] = where
            out[chunk * block + b] = 0.0
        for r in range(rest):
            other = np.uint64(insert_zero_bits(r, positions, npos))
            for b in range(block):
                out[chunk * block + b] += _norm2(state[other | placed[b]])


@numba.njit(parallel=True, nogil=True, cache=True)
def all_probabilities(state, first, out):
    """Every qubit in ascending order: ``out[i]`` is ``|state[first + i]|**2`` in float64."""
    count = out.shape[0]
    source = state[first : first + count]
    for block in prange((count + _BLOCK - 1) // _BLOCK):
        for i in range(np.uint64(block * _BLOCK), np.uint64(min(count, (block + 1) * _BLOCK))):
            out[i] = _norm2(source[i])


def marginal_probabilities(state, nqubits, qubits, nmeasured, out):
    """Write the float64 marginal of ``qubits[:nmeasured]`` into ``out`` (bit ``j`` of its index is ``qubits[j]``).

    ``qubits`` may come in any order. No state-sized temporary: few outcomes go
    through per-slice histograms (at most ``_SLICES * _HISTOGRAM_LIMIT`` floats),
    many are summed per outcome straight into ``out``. A Python dispatcher, so
    that only the variant a job uses is compiled.
    """
    if is_every_qubit_in_order(qubits, nmeasured, nqubits):
        all_probabilities(state, 0, out)
    elif (1 << nmeasured) <= _HISTOGRAM_LIMIT:
        order = np.argsort(qubits[:nmeasured], kind="stable")
        ascending = np.ascontiguousarray(qubits[:nmeasured][order])
        if np.array_equal(order, np.arange(nmeasured)):
            _marginal_histogram(state, nqubits, ascending, nmeasured, out)
        else:  # the histogram is fastest on ascending qubits: run it on them, then reorder the bits
            out[:] = _reorder_bits(_histogram(state, nqubits, ascending, nmeasured), order)
    else:
        marginal_per_outcome(state, nqubits, qubits, nmeasured, 0, out)


def is_every_qubit_in_order(qubits, nmeasured, nqubits) -> bool:
    """True when ``qubits[:nmeasured]`` is ``0, 1, …, nqubits - 1``: the marginal is ``|a|**2`` itself."""
    return nmeasured == nqubits and all(int(qubits[j]) == j for j in range(nmeasured))


def uses_histogram(nmeasured) -> bool:
    """True when the marginal of ``nmeasured`` qubits is small enough for the histogram variant."""
    return (1 << nmeasured) <= _HISTOGRAM_LIMIT


def _histogram(state, nqubits, ascending, nmeasured):
    out = np.empty(1 << nmeasured, dtype=np.float64)
    _marginal_histogram(state, nqubits, ascending, nmeasured, out)
    return out


def _reorder_bits(probs: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Turn a marginal over ``qubits[order]`` (ascending) into one over ``qubits``.

    As a C-order tensor of shape ``(2,)*m``, axis ``a`` holds index bit ``m-1-a``.
    Result bit ``j`` is ``qubits[j]``, which is bit ``where[j]`` of the input,
    ``where`` being the inverse of ``order``.
    """
    m = order.shape[0]
    where = np.empty(m, dtype=np.int64)
    where[order] = np.arange(m)
    axes = [m - 1 - int(where[m - 1 - a]) for a in range(m)]
    return np.ascontiguousarray(probs.reshape((2,) * m).transpose(axes)).reshape(-1)
