"""Marginals and sampling on the GPU in bounded extra memory: a walk over chunks of the state.

The probabilities of the whole state are never materialised. ``ChunkWalk``
computes ``|amplitude|^2`` of one chunk at a time into one reused buffer (the
``probabilities`` kernel of ``kernels/measure.cu`` launched on a slice), so the
extra memory is that buffer and a float64 running sum of the same length,
whatever the number of measured qubits.

Sampling is an exact inverse-CDF walk, as cuStateVec's sampler does: one pass
sums each chunk's probability; the shots' uniforms are sorted and assigned to
chunks by the chunks' running totals; a second pass visits only the chunks that
received uniforms and finds each one's amplitude index by a binary search in the
chunk's cumulative sum. The uniforms are drawn first, in shot order, so undoing
the sort gives the outcomes in random order.

``cupy`` is passed in: this module never imports it (the GPU device does).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

CHUNK_MIN_BITS = 16
"""States of up to 2^16 amplitudes are walked as one chunk (buffers of at most 768 KiB)."""

CHUNK_FRACTION_BITS = 5
"""Beyond that, a chunk is at most 1/32 of the amplitudes: buffers at most 1/21 of a single state, 1/64 of a double."""

CHUNK_MAX_BITS = 24
"""And at most 2^24 amplitudes (128 MiB float64 running sum): see docs/devices.md for why, on H100/H200."""


def chunk_bits(nqubits: int, max_bits: int = CHUNK_MAX_BITS) -> int:
    """log2 of the amplitudes per chunk for a state of ``nqubits``."""
    if nqubits <= CHUNK_MIN_BITS:
        return min(nqubits, max_bits)
    return max(1, min(max(CHUNK_MIN_BITS, nqubits - CHUNK_FRACTION_BITS), max_bits))


def workspace_bytes(nqubits: int, real_itemsize: int, max_bits: int = CHUNK_MAX_BITS) -> int:
    """Extra device bytes of a marginal or a sampling walk, shots apart: the chunk buffers."""
    items = 1 << chunk_bits(nqubits, max_bits)
    return items * (real_itemsize + (8 if real_itemsize != 8 else 0))


def _run_axes(nbits: int, ascending: list[int]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Shape of ``2**nbits`` probabilities with each run of measured (or unmeasured) bits as one axis.

    Axes go from the highest bit down (C order), so the axes left after summing
    the unmeasured ones, flattened, index the ascending measured bits. Merging
    runs keeps the axis count within CuPy's limit (32) for any state size.
    Returns the shape and the axes to sum.
    """
    measured = set(ascending)
    shape: list[int] = []
    summed: list[int] = []
    bit = nbits - 1
    while bit >= 0:
        flag = bit in measured
        length = 0
        while bit >= 0 and (bit in measured) == flag:
            length += 1
            bit -= 1
        if not flag:
            summed.append(len(shape))
        shape.append(1 << length)
    return tuple(shape), tuple(summed)


def outcome_bits(xp: Any, indices: Any, qubits: Sequence[int]) -> Any:
    """Outcome of each amplitude index: bit ``j`` is bit ``qubits[j]`` of the index (int64)."""
    outcome = xp.zeros(indices.shape[0], dtype=xp.int64)
    for j, qubit in enumerate(qubits):
        outcome |= ((indices >> int(qubit)) & 1) << j
    return outcome


class ChunkWalk:
    """One state's probabilities, chunk by chunk, in two reused buffers.

    Args:
        cupy: the CuPy module.
        size: amplitudes of the state.
        bits: log2 of the amplitudes per chunk.
        fill: ``fill(first, count, out)`` writes ``|state[first:first+count]|^2`` into ``out``.
        real_dtype: the dtype ``fill`` writes (float32 for a single-precision state).
    """

    def __init__(self, cupy: Any, size: int, bits: int, fill: Callable[[int, int, Any], None], real_dtype: Any) -> None:
        self.cupy = cupy
        self.size = size
        self.bits = bits
        self.chunk = 1 << bits
        self.count = size >> bits
        self._fill = fill
        self._probs = cupy.empty(self.chunk, dtype=real_dtype)
        # A float64 state's probabilities take their running sum in place; a float32 one needs its own.
        self._cdf = self._probs if self._probs.dtype == cupy.float64 else cupy.empty(self.chunk, dtype=cupy.float64)

    def probabilities(self, index: int) -> Any:
        """The probabilities of chunk ``index`` (valid until the next call)."""
        self._fill(index * self.chunk, self.chunk, self._probs)
        return self._probs

    def totals(self) -> np.ndarray:
        """Host float64 array: each chunk's total probability."""
        cupy = self.cupy
        totals = cupy.empty(self.count, dtype=cupy.float64)
        for index in range(self.count):
            totals[index] = cupy.sum(self.probabilities(index), dtype=cupy.float64)
        return cupy.asnumpy(totals)

    def running_sum(self, index: int) -> Any:
        """The float64 cumulative sum of chunk ``index``'s probabilities (valid until the next call)."""
        return self.cupy.cumsum(self.probabilities(index), dtype=self.cupy.float64, out=self._cdf)

    def marginal(self, ascending: list[int]) -> np.ndarray:
        """Host float64 marginal over ``ascending`` qubits (bit ``j`` of its index is ``ascending[j]``)."""
        cupy = self.cupy
        low = [q for q in ascending if q < self.bits]
        high = [q for q in ascending if q >= self.bits]
        marginal = np.zeros(1 << len(ascending), dtype=np.float64)
        shape, summed = _run_axes(self.bits, low)
        width = 1 << len(low)
        for index in range(self.count):
            probs = self.probabilities(index)
            if summed:
                part = cupy.sum(probs.reshape(shape), axis=summed, dtype=cupy.float64).reshape(-1)
            else:
                part = probs.astype(cupy.float64)
            first = index << self.bits
            place = sum(((first >> q) & 1) << j for j, q in enumerate(high)) * width
            marginal[place : place + width] += cupy.asnumpy(part)
        return marginal

    def sample_sorted(self, uniforms: Any) -> Any:
        """Amplitude indices drawn by ascending float64 ``uniforms`` in [0, 1): an int64 device array.

        The uniforms are scaled by the state's total probability (so a state a
        little off norm 1 is sampled as normalised). A uniform that rounding puts
        at or past a chunk's end goes to the chunk's last amplitude of positive
        probability, never to one of probability zero.
        """
        cupy = self.cupy
        totals = self.totals()
        ends = np.cumsum(totals)
        starts = ends - totals
        scaled = uniforms * float(ends[-1])
        bounds = cupy.asnumpy(cupy.searchsorted(scaled, cupy.asarray(ends), side="left")).astype(np.int64)
        positive = np.flatnonzero(totals > 0)
        last = int(positive[-1]) if positive.size else self.count - 1
        bounds[last:] = scaled.shape[0]
        indices = cupy.empty(scaled.shape[0], dtype=cupy.int64)
        low = 0
        for index in range(self.count):
            high = int(bounds[index])
            if high > low:
                cdf = self.running_sum(index)
                local = cupy.searchsorted(cdf, scaled[low:high] - starts[index], side="right")
                # The last amplitude of positive probability: where the running sum first reaches its end.
                top = cupy.searchsorted(cdf, cdf[-1:], side="left")
                indices[low:high] = cupy.minimum(local, top) + (index << self.bits)
            low = high
        return indices
