"""The CPU device's kernels for small states, in NumPy: nothing to compile, nothing to wake.

A state of at most ``2**SMALL_QUBITS`` amplitudes is updated here instead of
by the Numba kernels of ``cpu_kernels``. On a fresh install Numba would spend
seconds (tens on a loaded machine) compiling the kernels a 5-qubit job needs,
and even with a warm cache importing Numba and loading its cached kernels
costs more than such a job; these functions need neither. Measured on the
project's 2-core machine, they are also as fast as the serial Numba kernels
at this size (a pass is a few microseconds of NumPy calls either way).

Each function keeps the index contract of its Numba twin (and of
``kernels/*.cu``): groups of ``2**k`` amplitudes at ``base + offset(m)``,
``base`` being the group number with zero bits inserted at every target and
control position, OR the control mask; ranges of groups ``[begin, end)``.
The sampler draws exactly what ``cpu_kernels.sample`` draws: the same
float64 ``|a|**2``, added in index order (``numpy.cumsum`` is sequential), and
each point given to the first outcome whose running sum exceeds it.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

SMALL_QUBITS = 10
"""States of at most this many qubits use these kernels (``CpuDevice(small_qubits=...)`` changes it)."""


def local_offsets(targets: np.ndarray) -> np.ndarray:
    """``offsets[m]``: bit ``j`` of ``m`` placed at bit ``targets[j]``."""
    m = np.arange(1 << len(targets), dtype=np.int64)
    offsets = np.zeros_like(m)
    for j, target in enumerate(targets):
        offsets |= ((m >> j) & 1) << int(target)
    return offsets


def group_bases(nqubits: int, targets: np.ndarray, mask: int, begin: int, end: int) -> np.ndarray:
    """First amplitude of each group in ``[begin, end)``: zero bits inserted at targets and controls, OR ``mask``."""
    bases = np.arange(begin, end, dtype=np.int64)
    occupied = int(mask)
    for target in targets:
        occupied |= 1 << int(target)
    for position in range(nqubits):  # ascending, so each insertion leaves the lower ones in place
        if occupied >> position & 1:
            low = bases & ((1 << position) - 1)
            bases = ((bases >> position) << (position + 1)) | low
    return bases | int(mask)


def _group_indices(nqubits: int, targets: np.ndarray, mask: int, begin: int, end: int) -> np.ndarray:
    """``indices[g, m]``: the amplitude at local index ``m`` of group ``begin + g``."""
    return _cached_indices(nqubits, tuple(int(t) for t in targets), int(mask), int(begin), int(end))


@lru_cache(maxsize=1024)
def _cached_indices(nqubits: int, targets: tuple[int, ...], mask: int, begin: int, end: int) -> np.ndarray:
    """The index table of ``_group_indices``, built once per layout (a deep circuit repeats few of them)."""
    order = np.asarray(targets, dtype=np.int64)
    indices = group_bases(nqubits, order, mask, begin, end)[:, None] + local_offsets(order)[None, :]
    indices.setflags(write=False)
    return indices


def apply_matrix(state, nqubits, targets, mask, matrix, begin, end) -> None:
    """Multiply each group in ``[begin, end)`` by ``matrix`` (``2**k × 2**k``, row-major, state dtype)."""
    indices = _group_indices(nqubits, targets, mask, begin, end)
    state[indices] = state[indices] @ matrix.T


def apply_permutation(state, nqubits, targets, mask, perm, begin, end) -> None:
    """In each group of ``[begin, end)``, move the amplitude at local index ``m`` to ``perm[m]``."""
    indices = _group_indices(nqubits, targets, mask, begin, end)
    state[indices[:, perm]] = state[indices]


def local_index(nqubits: int, targets: np.ndarray) -> np.ndarray:
    """For every amplitude ``i``, the number whose bit ``j`` is bit ``targets[j]`` of ``i``."""
    return _cached_local_index(nqubits, tuple(int(t) for t in targets))


@lru_cache(maxsize=1024)
def _cached_local_index(nqubits: int, targets: tuple[int, ...]) -> np.ndarray:
    """The table of ``local_index``, built once per layout."""
    i = np.arange(1 << nqubits, dtype=np.int64)
    local = np.zeros_like(i)
    for j, target in enumerate(targets):
        local |= ((i >> target) & 1) << j
    local.setflags(write=False)
    return local


def apply_diagonal(state, nqubits, targets, mask, diag) -> None:
    """Multiply amplitude ``i`` by ``diag[local index of i]`` where the controls in ``mask`` are 1."""
    local = local_index(nqubits, targets)
    if mask:
        where = (np.arange(state.shape[0]) & mask) == mask
        state[where] *= diag[local[where]]
    else:
        state *= diag[local]


def probabilities(state) -> np.ndarray:
    """``|a|**2`` of every amplitude in float64, rounded as the Numba kernels round it."""
    re = state.real.astype(np.float64)
    im = state.imag.astype(np.float64)
    return re * re + im * im


def marginal_probabilities(state, nqubits, qubits) -> np.ndarray:
    """Probabilities of the outcomes of ``qubits``: bit ``j`` of the index is ``qubits[j]``."""
    probs = probabilities(state)
    key = local_index(nqubits, qubits)
    return np.bincount(key, weights=probs, minlength=1 << len(qubits))


def collapse(state, mask, bits, scale) -> None:
    """Zero the amplitudes whose bits under ``mask`` differ from ``bits``; scale the others."""
    keep = (np.arange(state.shape[0]) & mask) == bits
    state[keep] *= state.real.dtype.type(scale)
    state[~keep] = 0


class SmallMarginal:
    """The probabilities of some qubits' outcomes, with ``ChunkedMarginal``'s ``total`` and ``assign``."""

    def __init__(self, state: np.ndarray, nqubits: int, qubits: np.ndarray):
        """Every qubit in order is read from ``state`` as it is; any other choice is summed per outcome."""
        if qubits.tolist() == list(range(nqubits)):
            self.probs = probabilities(state)
        else:
            self.probs = marginal_probabilities(state, nqubits, qubits)
        self.running = np.cumsum(self.probs)  # sequential, as the Numba walk adds them

    def total(self) -> float:
        """The sum of every probability, added in index order."""
        return float(self.running[-1])

    def assign(self, points: np.ndarray, out: np.ndarray) -> None:
        """``out[k]``: the first outcome whose running sum exceeds ``points[k]``; the last outcome of
        positive probability for a point at or past the total (rounding)."""
        positive = np.flatnonzero(self.probs > 0)
        last = positive[-1] if positive.size else -1
        out[:] = np.minimum(np.searchsorted(self.running, points, side="right"), last)
