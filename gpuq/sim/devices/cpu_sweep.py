"""``CpuDevice.expectation_sweep``: many bindings of small states in compiled batches (``cpu_kernels/sweep.py``).

A mixin, like ``cpu_pauli.py``. Bindings go to the kernel in batches of
``SWEEP_BATCH``, so a cancelled job stops within one batch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from ...exceptions import JobCancelledError
from .base import control_mask, state_dtype
from .pauli_groups import grouped_strings

if TYPE_CHECKING:
    from ..batched import BatchedPass

SWEEP_MAX_QUBITS = 18
"""Largest state swept a binding per thread (4 MiB in double: a thread's state stays in its share of L3)."""

SWEEP_BATCH = 64
"""Bindings per compiled call: cancellation is checked between calls."""

_KINDS = ("matrix", "diagonal", "permutation")
"""Pass kinds, numbered as ``cpu_kernels.sweep``'s MATRIX, DIAGONAL and PERMUTATION."""


class CpuSweepMixin:
    """``sweep_threads`` and ``expectation_sweep`` on NumPy states."""

    def sweep_threads(self, nqubits: int, nbindings: int) -> int:
        """States ``expectation_sweep`` holds at once (one per thread), or 0 when bindings should run one by one."""
        if nqubits > SWEEP_MAX_QUBITS or nbindings < 2:
            return 0
        import numba  # imported on first use: Numba is not loaded for small jobs

        return min(numba.get_num_threads(), nbindings)

    def expectation_sweep(
        self,
        passes: Sequence[BatchedPass],
        nbindings: int,
        nqubits: int,
        precision: str,
        x_masks: np.ndarray,
        z_masks: np.ndarray,
        should_stop: Callable[[], bool],
    ) -> np.ndarray:
        """``<P_j>`` (columns) of every string on every binding's final state after ``passes`` (rows)."""
        from .cpu_kernels import sweep as kernels

        dtype = state_dtype(precision)
        kinds, targets, ntargets, masks, operands, starts, strides = _flatten(passes, nbindings, dtype)
        groups = grouped_strings(x_masks, z_masks)
        sums = np.zeros((nbindings, groups.nstrings))
        threads = self.sweep_threads(nqubits, nbindings)
        for first in range(0, nbindings, SWEEP_BATCH):
            if should_stop():
                raise JobCancelledError("cancelled")
            count = min(SWEEP_BATCH, nbindings - first)
            kernels.sweep_expectations(
                np.zeros(1, dtype=dtype),
                nqubits,
                first,
                count,
                kinds,
                targets,
                ntargets,
                masks,
                operands,
                starts,
                strides,
                groups.x_masks,
                groups.starts,
                groups.z_masks,
                groups.imag_part,
                sums[first : first + count],
                min(threads, count),
            )
        values = np.zeros((nbindings, len(x_masks)))
        values[:, groups.positions] = groups.weights * sums
        return values


def _flatten(passes: Sequence[BatchedPass], nbindings: int, dtype: type) -> tuple[np.ndarray, ...]:
    """The passes as the kernel's flat arrays: kinds, targets, ntargets, control masks, operands, starts, strides."""
    count = len(passes)
    kinds = np.empty(count, dtype=np.int32)
    targets = np.zeros((count, max([len(p.targets) for p in passes] + [1])), dtype=np.int32)
    ntargets = np.empty(count, dtype=np.int32)
    masks = np.empty(count, dtype=np.int64)
    starts = np.empty(count, dtype=np.int64)
    strides = np.empty(count, dtype=np.int64)
    chunks = []
    at = 0
    for k, step in enumerate(passes):
        kind = step.kind
        if kind == "matrix" and not step.targets:  # a controlled global phase: a one-entry diagonal
            kind = "diagonal"
        kinds[k] = _KINDS.index(kind)
        targets[k, : len(step.targets)] = step.targets
        ntargets[k] = len(step.targets)
        masks[k] = control_mask(step.controls)
        operand = np.asarray(step.operand).reshape(-1)
        starts[k] = at
        strides[k] = operand.size // nbindings if step.batched else 0
        chunks.append(operand)
        at += operand.size
    operands: np.ndarray = np.ascontiguousarray(np.concatenate(chunks), dtype=dtype)
    return kinds, targets, ntargets, masks, operands, starts, strides
