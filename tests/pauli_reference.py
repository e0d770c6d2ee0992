"""Dense oracles for Pauli sums, sharing no code with gpuq: products of ``reference.embed`` per qubit."""

from __future__ import annotations

import numpy as np
from reference import apply, embed

SINGLE = {"I": np.eye(2), "X": np.array([[0, 1], [1, 0]]), "Y": np.array([[0, -1j], [1j, 0]]), "Z": np.diag([1, -1])}


def pauli_sum_matrix(terms: list[tuple[str, complex]]) -> np.ndarray:
    """The dense matrix of ``[(label, coeff), ...]``; label[-1] acts on qubit 0."""
    n = len(terms[0][0])
    total = np.zeros((1 << n, 1 << n), dtype=complex)
    for label, coeff in terms:
        term = np.eye(1 << n, dtype=complex)
        for qubit, char in enumerate(reversed(label)):
            term = embed(n, [qubit], SINGLE[char]) @ term
        total += coeff * term
    return total


def string_expectation(label: str, state: np.ndarray) -> complex:
    """``<state|P|state>`` of one string, applied qubit by qubit (matrix-vector products: cheap at 10+ qubits)."""
    image = np.asarray(state, dtype=complex)
    for qubit, char in enumerate(reversed(label)):
        if char != "I":
            image = apply(image, [qubit], SINGLE[char])
    return complex(np.vdot(np.asarray(state, dtype=complex), image))


def random_terms(
    nqubits: int, count: int, rng: np.random.Generator, complex_coeffs: bool = False, alphabet: str = "IXYZ"
) -> list[tuple[str, complex]]:
    """``count`` random Pauli strings with random coefficients (some X masks repeated on purpose)."""
    terms = []
    for j in range(count):
        if j and rng.random() < 0.3:  # share an earlier string's X/Y positions: a group of several strings
            base = terms[int(rng.integers(len(terms)))][0]
            label = "".join(c if c in "XY" else rng.choice(["I", "Z"]) for c in base)
            label = "".join(rng.choice(["X", "Y"]) if c in "XY" else c for c in label)
        else:
            label = "".join(rng.choice(list(alphabet)) for _ in range(nqubits))
        coeff = rng.normal() + (1j * rng.normal() if complex_coeffs else 0)
        terms.append((label, coeff))
    return terms
