"""Expectation values of Pauli sums on host statevectors, with NumPy, in Qiskit's bit order.

A Pauli string ``"XZI"`` acts on qubit 0 with its rightmost letter. As the
device kernels of DESIGN.md do, a string is an X mask and a Z mask:
``P|i⟩ = i^{#Y} (-1)^{popcount(i & z)} |i ^ x⟩``, so ``⟨ψ|P|ψ⟩ = i^{#Y} Σ_i
conj(ψ[i ^ x]) (-1)^{popcount(i & z)} ψ[i]``. Strings sharing an X mask share
the product ``conj(ψ[i ^ x]) ψ[i]``, computed once per mask for all states.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ..exceptions import CircuitError


def pauli_masks(label: str) -> tuple[int, int, int]:
    """``(x_mask, z_mask, number of Y)`` of a Pauli label, rightmost letter on qubit 0.

    Raises:
        CircuitError: a letter other than I, X, Y, Z.
    """
    x_mask = z_mask = num_y = 0
    for qubit, letter in enumerate(reversed(label.upper())):
        if letter not in "IXYZ":
            raise CircuitError(f"observable term {label!r}: {letter!r} is not a Pauli (I, X, Y, Z); "
                               "gpuq evaluates sums of Pauli strings")
        if letter in "XY":
            x_mask |= 1 << qubit
        if letter in "YZ":
            z_mask |= 1 << qubit
        num_y += letter == "Y"
    return x_mask, z_mask, num_y


def pauli_expectations(states: np.ndarray, labels: Sequence[str]) -> np.ndarray:
    """``⟨ψ_b|P_t|ψ_b⟩`` for every state (rows of ``states``) and Pauli label: shape (states, labels)."""
    states = np.atleast_2d(states)
    index = np.arange(states.shape[1], dtype=np.int64)
    out = np.zeros((states.shape[0], len(labels)), dtype=complex)
    by_x: dict[int, list[tuple[int, int, int]]] = {}
    for column, label in enumerate(labels):
        x_mask, z_mask, num_y = pauli_masks(label)
        by_x.setdefault(x_mask, []).append((column, z_mask, num_y))
    for x_mask, terms in by_x.items():
        product = np.conj(states[:, index ^ x_mask]) * states
        for column, z_mask, num_y in terms:
            out[:, column] = (1j ** num_y) * (product @ _signs(index, z_mask))
    return out


def _signs(index: np.ndarray, z_mask: int) -> np.ndarray:
    """``(-1)^{popcount(i & z_mask)}`` for every index ``i``."""
    parity = np.zeros(index.shape, dtype=np.int64)
    qubit = 0
    while z_mask >> qubit:
        if (z_mask >> qubit) & 1:
            parity ^= (index >> qubit) & 1
        qubit += 1
    return 1.0 - 2.0 * parity


def sum_expectations(states: np.ndarray, observables: Sequence[Mapping[str, complex]]) -> np.ndarray:
    """Expectation values of Pauli sums ``{label: coefficient}``: shape (states, observables)."""
    labels = sorted({label for observable in observables for label in observable})
    columns = {label: j for j, label in enumerate(labels)}
    terms = pauli_expectations(states, labels) if labels else np.zeros((len(np.atleast_2d(states)), 0))
    weights = np.zeros((len(labels), len(observables)), dtype=complex)
    for j, observable in enumerate(observables):
        for label, coefficient in observable.items():
            weights[columns[label], j] += coefficient
    return terms @ weights
