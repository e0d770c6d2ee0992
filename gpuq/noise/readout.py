"""``ReadoutError``: a classical misreading of measured bits, as in Qiskit Aer.

``probabilities[i][j]`` is the probability of recording outcome ``j`` when
the true outcome is ``i``; for a k-qubit error, bit ``m`` of an outcome is
the m-th qubit the error is attached to.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..exceptions import NoiseError
from .channels import ATOL


class ReadoutError:
    """A readout error on k qubits, from its ``2**k x 2**k`` row-stochastic matrix.

    Raises:
        NoiseError: a matrix that is not square of size 2**k, a negative entry, or a row
            that does not sum to 1.
    """

    def __init__(self, probabilities: Any):
        self._probabilities = _checked(probabilities)

    @property
    def number_of_qubits(self) -> int:
        """Qubits the error reads."""
        return int(self._probabilities.shape[0]).bit_length() - 1

    @property
    def probabilities(self) -> np.ndarray:
        """A copy of the matrix: row = true outcome, column = recorded outcome."""
        return self._probabilities.copy()

    def ideal(self) -> bool:
        """True when every outcome is recorded as it is."""
        return bool(np.allclose(self._probabilities, np.eye(len(self._probabilities)), atol=ATOL))

    def compose(self, other: ReadoutError, front: bool = False) -> ReadoutError:
        """Aer's composition: ``other.probabilities @ self.probabilities`` (``front=True``: the reverse)."""
        other = _readout(other, "compose")
        if other.number_of_qubits != self.number_of_qubits:
            raise NoiseError("readout errors compose only with errors on as many qubits")
        pair = (self._probabilities, other._probabilities) if front else (other._probabilities, self._probabilities)
        return ReadoutError(pair[0] @ pair[1])

    def tensor(self, other: ReadoutError) -> ReadoutError:
        """``self (x) other``: ``other`` reads the low qubits."""
        return ReadoutError(np.kron(self._probabilities, _readout(other, "tensor")._probabilities))

    def expand(self, other: ReadoutError) -> ReadoutError:
        """``other (x) self``: this error reads the low qubits."""
        return ReadoutError(np.kron(_readout(other, "expand")._probabilities, self._probabilities))

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data: ``{"probabilities": rows}``."""
        return {"probabilities": self._probabilities.tolist()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReadoutError:
        """Rebuild from ``to_dict``'s data (checked as the constructor does)."""
        if not isinstance(data, dict) or "probabilities" not in data:
            raise NoiseError("a readout error must be {'probabilities': rows}")
        return cls(data["probabilities"])

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, ReadoutError)
            and other._probabilities.shape == self._probabilities.shape
            and bool(np.allclose(other._probabilities, self._probabilities, atol=ATOL))
        )

    __hash__ = None  # type: ignore[assignment]  # compared by value

    def __repr__(self) -> str:
        return f"ReadoutError({self._probabilities.tolist()})"


def _readout(other: Any, operation: str) -> ReadoutError:
    if not isinstance(other, ReadoutError):
        raise NoiseError(f"cannot {operation} a ReadoutError with {type(other).__name__}")
    return other


def _checked(probabilities: Any) -> np.ndarray:
    try:
        matrix = np.array(probabilities, dtype=float)
    except (TypeError, ValueError):
        raise NoiseError("readout probabilities must be a square matrix of numbers") from None
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or matrix.shape[0] < 2:
        raise NoiseError(f"readout probabilities must be a 2**k x 2**k matrix, got shape {matrix.shape}")
    if matrix.shape[0] & (matrix.shape[0] - 1):
        raise NoiseError(f"readout probabilities of size {matrix.shape[0]}: not a power of two")
    if not np.all(np.isfinite(matrix)) or np.any(matrix < -ATOL):
        raise NoiseError("readout probabilities must be finite and non-negative")
    sums = matrix.sum(axis=1)
    bad = np.flatnonzero(np.abs(sums - 1) > ATOL)
    if bad.size:
        raise NoiseError(f"row {int(bad[0])} of the readout probabilities sums to {sums[bad[0]]:.12g}, not 1")
    return np.clip(matrix, 0.0, None)
