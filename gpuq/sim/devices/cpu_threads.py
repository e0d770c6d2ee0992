"""How many of Numba's threads a CPU kernel call uses: one for small states, all of them otherwise.

Shared by ``cpu.py`` (gate kernels) and ``cpu_pauli.py`` (Pauli kernels), which
cannot import each other.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

SERIAL_BELOW = 1 << 17
"""States with fewer amplitudes run on one thread: waking the pool costs more than the pass. Measured on
the project's loaded 2-core machine (load 10): the 27 passes of the 16-qubit corpus circuit ``dnn_n16``
took 37 ms serial against 533 ms on two threads, random-18's 71 passes 0.46 s against 1.49 s; at 20
qubits the two were within noise (2.3 and 2.7 s), so 2**17 (it was 2**14)."""


@contextmanager
def threads_for(state: np.ndarray) -> Iterator[None]:
    """Run the enclosed kernels on one thread for small states (threads are per calling thread in Numba)."""
    if state.shape[0] >= SERIAL_BELOW:
        yield
        return
    with one_thread():
        yield


@contextmanager
def one_thread() -> Iterator[None]:
    """Run every kernel called in the enclosed block on one thread: for a whole run of small passes,
    where waking the pool for each pass costs more than the pass on a busy machine."""
    import numba  # imported by the kernel that runs next anyway; not at this module's import

    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(before)
