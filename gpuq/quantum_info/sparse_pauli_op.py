"""``SparsePauliOp``: a weighted sum of Pauli strings, the observable of expectation values.

Labels are written as in Qiskit: the *rightmost* character acts on qubit 0,
so ``"XZI"`` is I on qubit 0, Z on qubit 1 and X on qubit 2. Coefficients are
complex, as in Qiskit; a sum with real coefficients is Hermitian and its
expectation value is real, one with complex coefficients is not and its
expectation value is complex.

The engine sees each string as an X mask, a Z mask (bit q set where the string
has X or Y, respectively Z or Y, on qubit q) and a coefficient (``masks()``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from numbers import Number
from typing import Any

import numpy as np

from ..exceptions import GpuqError

MAX_QUBITS = 63
"""Widest Pauli string: masks are 64-bit integers, as are amplitude indices."""

_PAULI = {"I": (0, 0), "X": (1, 0), "Y": (1, 1), "Z": (0, 1)}
_SINGLE = {
    "I": np.eye(2, dtype=complex),
    "X": np.array([[0, 1], [1, 0]], dtype=complex),
    "Y": np.array([[0, -1j], [1j, 0]], dtype=complex),
    "Z": np.array([[1, 0], [0, -1]], dtype=complex),
}


class PauliError(GpuqError, ValueError):
    """Raised when a ``SparsePauliOp`` is malformed: bad labels, widths or coefficients."""


def _scalar(value: Any, what: str) -> complex:
    if isinstance(value, bool) or not isinstance(value, (Number, np.number)):
        raise PauliError(f"{what} must be a number, got {value!r}")
    number = complex(value)  # type: ignore[arg-type]
    if not (math.isfinite(number.real) and math.isfinite(number.imag)):
        raise PauliError(f"{what} must be finite, got {value!r}")
    return number


class SparsePauliOp:
    """A sum ``sum_j coeffs[j] * paulis[j]`` of Pauli strings on ``num_qubits`` qubits.

    Args:
        data: one label (``"XZI"``) or a sequence of labels of equal length.
        coeffs: one coefficient per label (default all 1).

    Raises:
        PauliError: an empty sum, a character outside ``IXYZ``, labels of different
            lengths, too many qubits, or a coefficient that is not a finite number.
    """

    def __init__(self, data: str | Sequence[str], coeffs: Iterable[Any] | None = None):
        labels = [data] if isinstance(data, str) else list(data)
        if not labels:
            raise PauliError("a SparsePauliOp needs at least one Pauli string")
        values = [1.0] * len(labels) if coeffs is None else list(coeffs)
        if len(values) != len(labels):
            raise PauliError(f"{len(labels)} Pauli string(s) but {len(values)} coefficient(s)")
        for label in labels:
            _check_label(label)
        widths = {len(label) for label in labels}
        if len(widths) != 1:
            raise PauliError(f"every Pauli string must have the same length, got lengths {sorted(widths)}")
        self._labels = [str(label) for label in labels]
        self._coeffs = np.array(
            [_scalar(c, f"the coefficient of {lab!r}") for c, lab in zip(values, labels)], dtype=complex
        )

    @classmethod
    def from_list(cls, terms: Iterable[tuple[str, Any]]) -> SparsePauliOp:
        """Build from ``[(label, coefficient), ...]``, e.g. ``[("XZI", 0.5), ("IIZ", -1)]``."""
        pairs = list(terms)
        for pair in pairs:
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise PauliError(f"from_list takes (label, coefficient) pairs, got {pair!r}")
        return cls([label for label, _ in pairs], [coeff for _, coeff in pairs])

    # ------------------------------------------------------------ properties
    @property
    def num_qubits(self) -> int:
        """Number of qubits every string acts on."""
        return len(self._labels[0])

    @property
    def paulis(self) -> list[str]:
        """The labels, in order."""
        return list(self._labels)

    @property
    def coeffs(self) -> np.ndarray:
        """The coefficients (complex), in order."""
        return self._coeffs.copy()

    @property
    def size(self) -> int:
        """Number of terms."""
        return len(self._labels)

    def __len__(self) -> int:
        return self.size

    def is_hermitian(self, atol: float = 1e-12) -> bool:
        """True when every coefficient of the simplified sum is real (within ``atol``)."""
        return bool(np.all(np.abs(self.simplify(atol).coeffs.imag) <= atol))

    def to_list(self) -> list[tuple[str, complex]]:
        """``[(label, coefficient), ...]``."""
        return list(zip(self._labels, self._coeffs.tolist()))

    # ------------------------------------------------------------ arithmetic
    def _check_width(self, other: Any) -> SparsePauliOp:
        if not isinstance(other, SparsePauliOp):
            raise PauliError(f"cannot combine a SparsePauliOp with {type(other).__name__}")
        if other.num_qubits != self.num_qubits:
            raise PauliError(f"cannot add operators on {self.num_qubits} and {other.num_qubits} qubits")
        return other

    def __add__(self, other: Any) -> SparsePauliOp:
        other = self._check_width(other)
        return SparsePauliOp(self._labels + other._labels, np.concatenate([self._coeffs, other._coeffs]))

    def __sub__(self, other: Any) -> SparsePauliOp:
        return self + (-self._check_width(other))

    def __mul__(self, scalar: Any) -> SparsePauliOp:
        return SparsePauliOp(self._labels, self._coeffs * _scalar(scalar, "a scalar factor"))

    __rmul__ = __mul__

    def __truediv__(self, scalar: Any) -> SparsePauliOp:
        value = _scalar(scalar, "a scalar divisor")
        if value == 0:
            raise PauliError("division of a SparsePauliOp by zero")
        return self * (1 / value)

    def __neg__(self) -> SparsePauliOp:
        return self * -1

    def simplify(self, atol: float = 1e-12) -> SparsePauliOp:
        """Merge repeated strings and drop terms whose coefficient is within ``atol`` of zero.

        A sum that cancels completely becomes the identity string with coefficient 0.
        """
        merged: dict[str, complex] = {}
        for label, coeff in zip(self._labels, self._coeffs):
            merged[label] = merged.get(label, 0) + coeff
        kept = [(label, c) for label, c in merged.items() if abs(c) > atol]
        if not kept:
            return SparsePauliOp("I" * self.num_qubits, [0])
        return SparsePauliOp([label for label, _ in kept], [c for _, c in kept])

    # ------------------------------------------------------------ the engine's view
    def masks(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(x_masks, z_masks, coeffs)``: per string, bit q of the X mask is set for X or Y on qubit q,
        of the Z mask for Z or Y; as uint64, uint64 and complex128 arrays."""
        xs = np.zeros(self.size, dtype=np.uint64)
        zs = np.zeros(self.size, dtype=np.uint64)
        for j, label in enumerate(self._labels):
            x = z = 0
            for qubit, char in enumerate(reversed(label)):
                xbit, zbit = _PAULI[char]
                x |= xbit << qubit
                z |= zbit << qubit
            xs[j], zs[j] = x, z
        return xs, zs, self._coeffs.copy()

    def to_matrix(self) -> np.ndarray:
        """The dense ``2**n x 2**n`` matrix (little-endian: qubit 0 is bit 0 of the index); small n only."""
        if self.num_qubits > 14:
            raise PauliError(f"to_matrix of {self.num_qubits} qubits would need {4**self.num_qubits * 16} bytes")
        total = np.zeros((1 << self.num_qubits,) * 2, dtype=complex)
        for label, coeff in zip(self._labels, self._coeffs):
            term = np.ones((1, 1), dtype=complex)
            for char in label:  # leftmost first: it is the highest qubit, the outermost Kronecker factor
                term = np.kron(term, _SINGLE[char])
            total += coeff * term
        return total

    # ------------------------------------------------------------ wire
    def to_wire(self) -> dict[str, Any]:
        """``{"paulis": [...], "coeffs": [[re, im], ...]}``: the Qobj's form."""
        return {"paulis": list(self._labels), "coeffs": [[c.real, c.imag] for c in self._coeffs.tolist()]}

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> SparsePauliOp:
        """Inverse of ``to_wire``."""
        return cls(data["paulis"], [complex(re, im) for re, im in data["coeffs"]])

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, SparsePauliOp)
            and self._labels == other._labels
            and bool(np.array_equal(self._coeffs, other._coeffs))
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        terms = ", ".join(f"({label!r}, {_short(c)})" for label, c in zip(self._labels, self._coeffs))
        return f"SparsePauliOp.from_list([{terms}])"


def _short(coeff: complex) -> str:
    return f"{coeff.real:g}" if coeff.imag == 0 else f"{coeff:g}"


def _check_label(label: Any) -> None:
    if not isinstance(label, str) or not label:
        raise PauliError(f"a Pauli string is a non-empty str of I, X, Y, Z, got {label!r}")
    bad = sorted(set(label) - set(_PAULI))
    if bad:
        raise PauliError(
            f"Pauli string {label!r} has character(s) {bad}; only I, X, Y and Z are allowed "
            "(the rightmost acts on qubit 0)"
        )
    if len(label) > MAX_QUBITS:
        raise PauliError(f"Pauli string of {len(label)} qubits; at most {MAX_QUBITS} are supported")
