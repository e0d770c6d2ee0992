"""``cupy.random.default_rng``: NumPy's PCG64 behind CuPy's Generator interface (other bits than CuPy's)."""

from __future__ import annotations

import numpy as np


class Generator:
    """The subset of ``cupy.random.Generator`` gpuq uses."""

    def __init__(self, seed) -> None:
        self._rng = np.random.default_rng(seed)

    def random(self, size=None, dtype=np.float64, out=None):
        """Uniforms in [0, 1) as a device array."""
        from . import api

        values = api.empty(size, dtype=dtype) if out is None else out
        values[...] = self._rng.random(size, dtype=dtype)
        return values


def default_rng(seed=None) -> Generator:
    """A generator seeded with ``seed`` (an int or None), as ``cupy.random.default_rng``."""
    if seed is not None and not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int or None, not {type(seed).__name__}")
    return Generator(seed)
