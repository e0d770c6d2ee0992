"""Host arrays that start on a cache line, for states and the kernels' operand tables.

NumPy promises 16-byte alignment. A vector load or store that straddles two
cache lines costs two: with 64-byte AVX-512 vectors every access of a
16-byte-aligned state does, and dense passes measured up to 2x slower
(docs/benchmarks.md, "AVX-512"). NumPy only, so that small jobs need not load Numba.
"""

from __future__ import annotations

import numpy as np

VECTOR_ALIGNMENT = 64
"""Bytes: a cache line, and the width of an AVX-512 vector."""


def aligned_zeros(size: int, dtype) -> np.ndarray:
    """A zeroed 1-D array of ``size`` elements whose first starts a cache line (zeroed lazily, as ``np.zeros``)."""
    dtype = np.dtype(dtype)
    raw = np.zeros(size * dtype.itemsize + VECTOR_ALIGNMENT, dtype=np.uint8)
    skip = -raw.ctypes.data % VECTOR_ALIGNMENT
    return raw[skip : skip + size * dtype.itemsize].view(dtype)


def aligned_copy(array: np.ndarray) -> np.ndarray:
    """A C-ordered copy of ``array``, of the same shape, whose first element starts a cache line."""
    out = aligned_zeros(array.size, array.dtype).reshape(array.shape)
    out[...] = array
    return out
