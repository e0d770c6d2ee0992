"""Matrix facts about quantum channels: checks, Pauli matrices, Kraus forms and superoperators.

Conventions are gpuq's (and Qiskit's): qubit ``j`` of a k-qubit operator is
bit ``j`` of its row and column index, so a Pauli label's rightmost
character acts on qubit 0. A channel is a list of Kraus matrices ``K_i``
with ``sum K_i^dagger K_i = I`` (trace preserving); its superoperator acts
on a density matrix stored row-major (``vec[r * d + c] = rho[r, c]``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..exceptions import NoiseError

ATOL = 1e-8
"""Tolerance of every check: probabilities summing to 1, unitarity, trace preservation."""

MAX_ERROR_QUBITS = 3
"""Widest quantum error: its superoperator acts on 2k qubits of a density matrix, and the
dense kernel takes at most 6 targets."""

_PAULI = {
    "I": np.eye(2, dtype=complex),
    "X": np.array([[0, 1], [1, 0]], dtype=complex),
    "Y": np.array([[0, -1j], [1j, 0]], dtype=complex),
    "Z": np.array([[1, 0], [0, -1]], dtype=complex),
}


def pauli_matrix(label: str) -> np.ndarray:
    """The matrix of a Pauli label such as ``"XZ"`` (its rightmost character on qubit 0).

    Raises:
        NoiseError: an empty label or a character other than I, X, Y, Z.
    """
    if not isinstance(label, str) or not label or any(ch not in _PAULI for ch in label.upper()):
        raise NoiseError(f"{label!r} is not a Pauli label (characters I, X, Y, Z; the rightmost acts on qubit 0)")
    matrix = np.eye(1, dtype=complex)
    for ch in label.upper():
        matrix = np.kron(matrix, _PAULI[ch])
    return matrix


def as_operator(value: Any, what: str) -> np.ndarray:
    """``value`` as a complex ``2**k x 2**k`` matrix with 1 <= k <= MAX_ERROR_QUBITS.

    Raises:
        NoiseError: not a square matrix of a power-of-two size, too wide, or not finite.
    """
    try:
        matrix = np.array(value, dtype=complex)
    except (TypeError, ValueError) as exc:
        raise NoiseError(f"{what} is not a matrix of numbers: {exc}") from None
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or matrix.shape[0] < 2:
        raise NoiseError(f"{what} must be a square matrix of size 2**k, got shape {matrix.shape}")
    size = matrix.shape[0]
    if size & (size - 1):
        raise NoiseError(f"{what} has size {size}, which is not a power of two")
    if size > 1 << MAX_ERROR_QUBITS:
        raise NoiseError(f"{what} acts on {size.bit_length() - 1} qubits; errors act on at most {MAX_ERROR_QUBITS}")
    if not np.all(np.isfinite(matrix)):
        raise NoiseError(f"{what} has entries that are not finite")
    return matrix


def num_qubits_of(matrix: np.ndarray) -> int:
    """k for a ``2**k x 2**k`` matrix."""
    return int(matrix.shape[0]).bit_length() - 1


def is_unitary(matrix: np.ndarray, atol: float = ATOL) -> bool:
    """``U^dagger U = I`` within ``atol``."""
    return bool(np.allclose(matrix.conj().T @ matrix, np.eye(matrix.shape[0]), atol=atol))


def is_identity_up_to_phase(matrix: np.ndarray, atol: float = ATOL) -> bool:
    """``matrix`` is ``e^{i phi} I``."""
    phase = matrix[0, 0]
    return bool(abs(abs(phase) - 1) <= atol and np.allclose(matrix, phase * np.eye(matrix.shape[0]), atol=atol))


def check_cptp(kraus: Sequence[np.ndarray], what: str, atol: float = ATOL) -> None:
    """Raise unless the Kraus matrices form a completely positive, trace-preserving channel.

    A channel given by Kraus matrices is completely positive by construction; it
    preserves the trace exactly when ``sum K_i^dagger K_i = I``.

    Raises:
        NoiseError: no matrices, matrices of different sizes, or ``sum K^dagger K`` away from
            the identity (the message gives the largest deviation).
    """
    if not kraus:
        raise NoiseError(f"{what} has no Kraus matrices")
    sizes = {k.shape for k in kraus}
    if len(sizes) != 1:
        raise NoiseError(f"{what} mixes Kraus matrices of shapes {sorted(sizes)}")
    total = sum(k.conj().T @ k for k in kraus)
    deviation = float(np.max(np.abs(total - np.eye(total.shape[0]))))
    if deviation > atol:
        raise NoiseError(
            f"{what} is not trace preserving: sum of K^dagger K differs from the identity by {deviation:.3g} "
            f"(tolerance {atol:g}), so it is not a CPTP channel"
        )


def choi(kraus: Sequence[np.ndarray]) -> np.ndarray:
    """The Choi matrix ``sum_i vec(K_i) vec(K_i)^dagger`` (column-stacking vec), of size ``d^2``."""
    columns = np.stack([k.reshape(-1, order="F") for k in kraus], axis=1)
    return columns @ columns.conj().T


def canonical_kraus(kraus: Sequence[np.ndarray], atol: float = ATOL) -> list[np.ndarray]:
    """The canonical Kraus matrices of a channel (orthogonal, from the Choi matrix's eigenvectors),
    largest first, dropping those of weight below ``atol``."""
    values, vectors = np.linalg.eigh(choi(kraus))
    dim = kraus[0].shape[0]
    order = np.argsort(values)[::-1]
    return [np.sqrt(values[i]) * vectors[:, i].reshape(dim, dim, order="F") for i in order if values[i] > atol]


def superoperator(kraus: Sequence[np.ndarray]) -> np.ndarray:
    """``sum_i K_i (x) conj(K_i)``: the channel on a row-major vectorised density matrix.

    On a density matrix of ``n`` qubits stored as a state of ``2n`` (column bits low,
    row bits high), it acts on the targets ``(q_0..q_{k-1}, q_0+n..q_{k-1}+n)``.
    """
    dim = kraus[0].shape[0]
    total = np.zeros((dim * dim, dim * dim), dtype=complex)
    for k in kraus:
        total += np.kron(k, k.conj())
    return total
