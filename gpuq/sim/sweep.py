"""Expectation values of many bindings: every Pauli string's value on every binding's final state.

The passes come from ``batched.batched_passes`` (built once for all bindings).
A device with ``expectation_sweep`` (the CPU) runs small states in one
compiled call per batch of bindings, a binding per thread
(``cpu_kernels/sweep.py``); otherwise, or when the states of every thread do
not fit the memory allowed, each binding is one state walked through the
passes with the device's kernels, as the engine does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..exceptions import InsufficientMemoryError, JobCancelledError
from .batched import BatchedPass
from .chunks import apply_kind
from .expectation import PauliTable
from .memory import check_memory, run_memory


def string_values(
    device: Any,
    passes: Sequence[BatchedPass],
    nbindings: int,
    nqubits: int,
    precision: str,
    table: PauliTable,
    should_stop: Callable[[], bool],
    max_memory_mb: int | None = None,
) -> np.ndarray:
    """``<P_j>`` of every string of ``table`` (columns) on every binding's final state (rows), float64."""
    threads = device.sweep_threads(nqubits, nbindings) if hasattr(device, "expectation_sweep") else 0
    if threads:
        try:
            need = run_memory(nqubits, precision, method="statevector", copies=threads)
            check_memory(need, device.free_bytes(), device.kind, "expectation sweep", max_memory_mb)
        except InsufficientMemoryError:
            pass  # one state at a time below
        else:
            return device.expectation_sweep(
                passes, nbindings, nqubits, precision, table.x_masks, table.z_masks, should_stop
            )
    values = np.zeros((nbindings, len(table.x_masks)))
    for b in range(nbindings):
        psi = device.zero_state(nqubits, precision)
        for step in passes:
            if should_stop():
                raise JobCancelledError("cancelled")
            apply_kind(device, psi, step.kind, list(step.targets), step.at(b), list(step.controls))
        values[b] = device.pauli_expectations(psi, table.x_masks, table.z_masks)
    return values
