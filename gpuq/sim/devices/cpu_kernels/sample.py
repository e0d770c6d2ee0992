"""Exact inverse-CDF sampling in bounded memory: chunks of outcome probabilities, never the whole array.

Host-side sampling, no CUDA twin (the GPU follows the same algorithm with
CuPy's reductions). The draws are the ones one running sum over every
outcome would give, bit for bit (the full-array sampler this replaced):

1. **Chunk ends** (``scan``). The outcomes' probabilities are added in index
   order, chunk after chunk, and ``ends[c]`` keeps the running sum at chunk
   ``c``'s last outcome: exactly the float one sequential pass would hold
   there. The last outcome of positive probability is noted on the way.
2. **Draws** (``assign``). The points (ascending, scaled by the caller to the
   total) go to chunks by ``ends``: point ``x`` belongs to the first chunk with
   ``ends[c] > x``. Adding non-negative floats is monotone, so that chunk holds
   the first outcome whose running sum exceeds ``x``. Only chunks that hold
   points are read again, each walked from ``ends[c - 1]`` with the same
   additions as step 1, so every boundary is the same float.

Where the probabilities come from (``ChunkedMarginal``): every qubit measured
in order reads ``|a|**2`` from the state in place; a marginal small enough for
the histogram variant (``measure.uses_histogram``, at most 4096 outcomes) is
computed whole, as before; any other marginal is summed per outcome into a
buffer of ``chunk`` floats, one chunk at a time. Workspace: ``ends``
(``2**k / chunk`` floats) plus that buffer or small marginal, whatever the
number ``k`` of measured qubits.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import types
from numba.extending import overload

from .measure import (
    _norm2,
    is_every_qubit_in_order,
    marginal_per_outcome,
    marginal_probabilities,
    uses_histogram,
)


def weight(source, i):  # pragma: no cover - replaced by the overload inside Numba
    """Probability of entry ``i`` of a source: ``|a|**2`` of an amplitude, or the float itself."""
    raise NotImplementedError


@overload(weight, inline="always")
def _weight_overload(source, i):
    if isinstance(source.dtype, types.Complex):
        return lambda source, i: _norm2(source[i])
    return lambda source, i: np.float64(source[i])


@numba.njit(nogil=True, cache=True)
def scan(source, first, chunk, ends, running, last):
    """Step 1 over outcomes ``first .. first + len(source) - 1`` (``first`` starts a chunk).

    Adds their probabilities in index order onto ``running`` and writes the sum
    reached at each chunk's end (or at the source's end) into ``ends``; returns
    ``(running, last)``, ``last`` updated to the last outcome of positive probability.
    """
    count = source.shape[0]
    for start in range(0, count, chunk):
        for i in range(start, min(count, start + chunk)):
            p = weight(source, i)
            if p > 0:
                last = first + i
            running += p
        ends[(first + start) // chunk] = running
    return running, last


@numba.njit(nogil=True, cache=True)
def assign(source, first, chunk, ends, points, k, last, out):
    """Step 2 for ``points[k:]`` whose chunks ``source`` covers (it holds outcomes from ``first``).

    Returns the first ``k`` not assigned: the end of ``points``, or a point of a
    chunk past the source. Point ``x`` gets the first outcome whose running sum
    exceeds ``x``, as a sequential walk over all outcomes would give it; a point
    at or past the total (rounding) gets ``last``.
    """
    nchunks = ends.shape[0]
    stop = first + source.shape[0]
    c = -1
    i = 0
    upper = 0.0
    while k < points.shape[0]:
        x = points[k]
        if c < 0 or x >= ends[c]:
            c = np.searchsorted(ends, x, side="right")
            if c == nchunks:
                out[k:] = last
                return points.shape[0]
            i = c * chunk
            if i < first or i >= stop:
                return k
            upper = (ends[c - 1] if c > 0 else 0.0) + weight(source, i - first)
        end = min(stop, (c + 1) * chunk) - 1
        while x >= upper and i < end:  # ends[c] > x: the chunk's own additions pass x before its end
            i += 1
            upper += weight(source, i - first)
        out[k] = i
        k += 1
    return k


class ChunkedMarginal:
    """The marginal of some qubits of a state, or a probability array, walked ``chunk`` outcomes at a time.

    A state measured on every qubit in order, and a probability array, are read
    in place; a marginal small enough for the histogram variant is computed
    whole (at most 4096 floats), as ``measure.marginal_probabilities`` does; any
    other marginal is summed per outcome into a buffer of ``chunk`` floats, one
    chunk at a time. Every chunk's values equal the whole marginal's exactly.
    """

    def __init__(self, source: np.ndarray, chunk: int, nqubits: int = 0, qubits: np.ndarray | None = None):
        """``source``: a state with ``qubits`` (int32, any order) of its ``nqubits``, or a float64
        probability array with ``qubits`` None. ``chunk``: a power of two (any positive int for an array)."""
        self._buffer: np.ndarray | None = None
        self._whole_bytes = 0
        if qubits is None:
            self.size = source.shape[0]
        else:
            nmeasured = qubits.shape[0]
            self.size = 1 << nmeasured
            if not is_every_qubit_in_order(qubits, nmeasured, nqubits):
                if uses_histogram(nmeasured):
                    whole = np.empty(self.size, dtype=np.float64)
                    marginal_probabilities(source, nqubits, qubits, nmeasured, whole)
                    source = whole
                    self._whole_bytes = whole.nbytes
                else:
                    self._buffer = np.empty(min(chunk, self.size), dtype=np.float64)
                    self._state, self._nqubits, self._qubits = source, nqubits, qubits
        self.source = source
        self.chunk = max(1, min(chunk, self.size))
        self.ends = np.empty(-(-self.size // self.chunk), dtype=np.float64)
        self.last = -1

    @property
    def workspace_bytes(self) -> int:
        """Bytes this walk allocated: the chunk ends, plus the buffer or the small whole marginal."""
        buffer = self._buffer.nbytes if self._buffer is not None else 0
        return self.ends.nbytes + buffer + self._whole_bytes

    def total(self) -> float:
        """Step 1: fill ``ends`` and ``last``; return the sum of every probability, in index order."""
        if self._buffer is None:
            running, self.last = scan(self.source, 0, self.chunk, self.ends, 0.0, -1)
            return running
        running, last = 0.0, -1
        for c in range(self.ends.shape[0]):
            running, last = scan(self._fill(c), c * self.chunk, self.chunk, self.ends, running, last)
        self.last = last
        return running

    def assign(self, points: np.ndarray, out: np.ndarray) -> None:
        """Step 2: ``out[k]`` is the outcome of ``points[k]`` (ascending, below or at the total)."""
        if self._buffer is None:
            assign(self.source, 0, self.chunk, self.ends, points, 0, self.last, out)
            return
        k = 0
        while k < points.shape[0]:
            c = int(np.searchsorted(self.ends, points[k], side="right"))
            if c == self.ends.shape[0]:
                out[k:] = self.last
                return
            k = assign(self._fill(c), c * self.chunk, self.chunk, self.ends, points, k, self.last, out)

    def _fill(self, c: int) -> np.ndarray:
        """The probabilities of chunk ``c``, summed per outcome into the buffer."""
        assert self._buffer is not None
        marginal_per_outcome(
            self._state, self._nqubits, self._qubits, self._qubits.shape[0], c * self.chunk, self._buffer
        )
        return self._buffer
