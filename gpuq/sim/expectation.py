"""Exact expectation values of Pauli sums on a state held by a device.

Every distinct Pauli string of all the observables is evaluated once
(``Device.pauli_expectations``: one pass over the state per X mask, the
Z-only strings together), and each observable is its coefficients times those
values. A sum with complex coefficients is not Hermitian: its value is the
complex ``<psi|O|psi>``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..quantum_info import SparsePauliOp


@dataclass(frozen=True)
class PauliTable:
    """The distinct strings of several observables, and each observable as weights on them.

    Attributes:
        x_masks: int64 X mask of each distinct string.
        z_masks: int64 Z mask of each distinct string.
        weights: complex (observables, strings): observable k is ``sum_j weights[k, j] P_j``.
    """

    x_masks: np.ndarray
    z_masks: np.ndarray
    weights: np.ndarray

    @classmethod
    def build(cls, observables: Sequence[SparsePauliOp]) -> PauliTable:
        """Collect the distinct strings of ``observables``."""
        index: dict[tuple[int, int], int] = {}
        entries: list[tuple[int, int, complex]] = []
        for k, observable in enumerate(observables):
            xs, zs, coeffs = observable.masks()
            for x, z, c in zip(xs.tolist(), zs.tolist(), coeffs.tolist()):
                j = index.setdefault((x, z), len(index))
                entries.append((k, j, c))
        weights = np.zeros((len(observables), len(index)), dtype=complex)
        for k, j, c in entries:
            weights[k, j] += c
        keys = list(index)
        return cls(
            np.array([x for x, _ in keys], dtype=np.int64), np.array([z for _, z in keys], dtype=np.int64), weights
        )


def expectation_values(device: Any, state: Any, table: PauliTable) -> np.ndarray:
    """``<state|O_k|state>`` for every observable of ``table``, complex (imaginary parts exactly 0 when Hermitian)."""
    strings = device.pauli_expectations(state, table.x_masks, table.z_masks)
    return table.weights @ strings
