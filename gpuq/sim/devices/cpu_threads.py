"""How many of Numba's threads a CPU kernel call uses: one for small states, all of them otherwise.

Shared by ``cpu.py`` (gate kernels) and ``cpu_pauli.py`` (Pauli kernels), which
cannot import each other.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

SERIAL_BELOW = 1 << 14
"""States with fewer amplitudes run on one thread: waking the pool costs more than the pass."""


@contextmanager
def threads_for(state: np.ndarray) -> Iterator[None]:
    """Run the enclosed kernels on one thread for small states (threads are per calling thread in Numba)."""
    if state.shape[0] >= SERIAL_BELOW:
        yield
        return
    import numba  # imported by the kernel that runs next anyway; not at this module's import

    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(before)
