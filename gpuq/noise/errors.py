"""``QuantumError``: a noise channel as a mixture of terms, each a unitary or a Kraus channel.

As in Qiskit Aer, a quantum error is a list of terms drawn with fixed
probabilities. Keeping the mixture (rather than one list of Kraus matrices)
is what lets trajectories draw a unitary term without looking at the state;
only a term that is a general Kraus channel needs the state's weights. A term
here is ``(probability, kraus)``: a one-matrix term whose matrix is unitary is
a unitary term. Composition, tensor and expand follow Aer:
``a.compose(b)`` is a then b, ``a.tensor(b)`` puts b on the low qubits.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from ..exceptions import NoiseError
from .channels import (
    ATOL,
    as_operator,
    check_cptp,
    is_identity_up_to_phase,
    is_unitary,
    num_qubits_of,
    pauli_matrix,
    superoperator,
)
from .channels import (
    canonical_kraus as canonical_form,
)

Term = tuple[float, tuple[np.ndarray, ...]]
"""``(probability, kraus)``: the term is drawn with ``probability`` and then acts as the channel ``kraus``."""


class QuantumError:
    """A noise channel on ``num_qubits`` qubits: terms drawn by probability, each unitary or Kraus.

    Build one with the functions of ``gpuq.noise`` (``depolarizing_error``, ...)
    or directly from ``noise_ops``:

    * a list of ``(operator, probability)`` pairs, where an operator is a Pauli label
      (``"XZ"``, rightmost on qubit 0), a unitary matrix, or a list of Kraus matrices
      (one channel);
    * a list of Kraus matrices: one channel, drawn with probability 1.

    Raises:
        NoiseError: probabilities that are negative or do not sum to 1, a matrix that is
            not unitary where one was meant, Kraus matrices that are not trace preserving,
            or terms of different sizes.
    """

    def __init__(self, noise_ops: Any):
        self._terms: tuple[Term, ...] = _terms_of(noise_ops)

    @classmethod
    def _from_terms(cls, terms: Iterable[Term]) -> QuantumError:
        error = cls.__new__(cls)
        error._terms = tuple((p, kraus) for p, kraus in terms if p > 0)
        return error

    # ---------------------------------------------------------------- facts
    @property
    def num_qubits(self) -> int:
        """Qubits the error acts on."""
        return num_qubits_of(self._terms[0][1][0])

    @property
    def probabilities(self) -> list[float]:
        """Each term's probability."""
        return [p for p, _ in self._terms]

    @property
    def terms(self) -> tuple[Term, ...]:
        """The ``(probability, kraus)`` terms."""
        return self._terms

    @property
    def size(self) -> int:
        """Number of terms."""
        return len(self._terms)

    def is_unitary_mixture(self) -> bool:
        """Every term is one unitary, so trajectories draw a term without reading the state."""
        return all(len(kraus) == 1 and is_unitary(kraus[0]) for _, kraus in self._terms)

    def ideal(self) -> bool:
        """True when every term is the identity (up to a phase): the error does nothing."""
        return all(len(kraus) == 1 and is_identity_up_to_phase(kraus[0]) for _, kraus in self._terms)

    def kraus(self) -> list[np.ndarray]:
        """Kraus matrices of the whole channel: ``sqrt(p) K`` for every term and matrix."""
        return [math.sqrt(p) * k for p, kraus in self._terms for k in kraus]

    def superoperator(self) -> np.ndarray:
        """The channel on a row-major vectorised density matrix (``channels.superoperator``)."""
        return superoperator(self.kraus())

    # ---------------------------------------------------------- composition
    def compose(self, other: QuantumError, front: bool = False) -> QuantumError:
        """This error then ``other`` (``front=True``: ``other`` then this), on the same qubits.

        Raises:
            NoiseError: ``other`` is not a ``QuantumError`` of the same size.
        """
        other = _same_kind(self, other, "compose")
        if other.num_qubits != self.num_qubits:
            raise NoiseError(f"cannot compose a {self.num_qubits}-qubit error with a {other.num_qubits}-qubit error")
        first, second = (other, self) if front else (self, other)
        return QuantumError._from_terms(
            (p * q, tuple(b @ a for a in ka for b in kb)) for p, ka in first._terms for q, kb in second._terms
        )

    def tensor(self, other: QuantumError) -> QuantumError:
        """``self (x) other``: ``other`` acts on the low qubits, this error on the ones above."""
        return _tensor(self, _same_kind(self, other, "tensor"))

    def expand(self, other: QuantumError) -> QuantumError:
        """``other (x) self``: this error acts on the low qubits, ``other`` on the ones above."""
        return _tensor(_same_kind(self, other, "expand"), self)

    # ----------------------------------------------------------------- wire
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data: ``{"terms": [{"probability": p, "kraus": [[[re, im], ...], ...]}]}``."""
        return {
            "terms": [
                {"probability": p, "kraus": [np.stack([k.real, k.imag], axis=-1).tolist() for k in kraus]}
                for p, kraus in self._terms
            ]
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> QuantumError:
        """Rebuild from ``to_dict``'s data, checking it as the constructor does.

        Raises:
            NoiseError: malformed data, or data that is not a valid error.
        """
        try:
            pairs = [
                ([np.asarray(k, dtype=float) @ np.array([1, 1j]) for k in term["kraus"]], term["probability"])
                for term in data["terms"]
            ]
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise NoiseError(f"a quantum error must be {{'terms': [{{'probability', 'kraus'}}]}}: {exc}") from None
        return cls(pairs)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, QuantumError) or other.num_qubits != self.num_qubits:
            return False
        return bool(np.allclose(self.superoperator(), other.superoperator(), atol=ATOL))

    __hash__ = None  # type: ignore[assignment]  # equal errors are equal channels, which have no cheap hash

    def __repr__(self) -> str:
        kinds = ", ".join(f"{p:.4g}: {'unitary' if len(k) == 1 else f'kraus[{len(k)}]'}" for p, k in self._terms)
        return f"QuantumError({self.num_qubits} qubit(s); {kinds})"


def kraus_error(noise_ops: Sequence[Any], canonical_kraus: bool = False) -> QuantumError:
    """A channel given by Kraus matrices, checked completely positive and trace preserving.

    Args:
        noise_ops: the Kraus matrices ``K_i`` (``sum K_i^dagger K_i = I``).
        canonical_kraus: replace them with the channel's canonical (orthogonal) Kraus matrices.

    Raises:
        NoiseError: not a list of equal-size square matrices, or not trace preserving.
    """
    if isinstance(noise_ops, np.ndarray) and noise_ops.ndim == 2:
        noise_ops = [noise_ops]
    if not isinstance(noise_ops, (list, tuple, np.ndarray)) or len(noise_ops) == 0:
        raise NoiseError("kraus_error needs a non-empty list of Kraus matrices")
    kraus = [as_operator(k, f"Kraus matrix {i}") for i, k in enumerate(noise_ops)]
    check_cptp(kraus, "the Kraus channel")
    if canonical_kraus:
        kraus = canonical_form(kraus)
    return QuantumError._from_terms([(1.0, tuple(kraus))])


def _same_kind(error: QuantumError, other: Any, operation: str) -> QuantumError:
    if not isinstance(other, QuantumError):
        raise NoiseError(f"cannot {operation} a QuantumError with {type(other).__name__}")
    return other


def _tensor(high: QuantumError, low: QuantumError) -> QuantumError:
    if high.num_qubits + low.num_qubits > 3:
        raise NoiseError(f"a {high.num_qubits + low.num_qubits}-qubit error is wider than 3 qubits")
    return QuantumError._from_terms(
        (p * q, tuple(np.kron(a, b) for a in ka for b in kb)) for p, ka in high.terms for q, kb in low.terms
    )


def _terms_of(noise_ops: Any) -> tuple[Term, ...]:
    """Check and normalise the constructor's argument (see ``QuantumError``)."""
    if isinstance(noise_ops, QuantumError):
        return noise_ops.terms
    if (isinstance(noise_ops, np.ndarray) and noise_ops.ndim == 3) or _all_matrices(noise_ops):
        return kraus_error(list(noise_ops)).terms
    try:
        pairs = [(op, float(p)) for op, p in noise_ops]
    except (TypeError, ValueError):
        raise NoiseError(
            "a QuantumError takes a list of (operator, probability) pairs or a list of Kraus matrices"
        ) from None
    if not pairs:
        raise NoiseError("a QuantumError needs at least one term")
    probabilities = np.array([p for _, p in pairs])
    if not np.all(np.isfinite(probabilities)) or np.any(probabilities < -ATOL):
        raise NoiseError(f"probabilities must be finite and non-negative, got {probabilities.tolist()}")
    if abs(probabilities.sum() - 1) > ATOL:
        raise NoiseError(f"probabilities must sum to 1, they sum to {probabilities.sum():.12g}")
    terms = []
    for index, (op, p) in enumerate(pairs):
        terms.append((max(p, 0.0), _term_operators(op, index)))
    sizes = {kraus[0].shape[0] for _, kraus in terms}
    if len(sizes) != 1:
        raise NoiseError(f"the terms act on different numbers of qubits (sizes {sorted(sizes)})")
    return tuple((p, kraus) for p, kraus in terms if p > 0) or (terms[0],)


def _term_operators(op: Any, index: int) -> tuple[np.ndarray, ...]:
    if isinstance(op, str):
        return (pauli_matrix(op),)
    if isinstance(op, QuantumError):
        raise NoiseError(f"term {index}: nest errors with compose, not as a term")
    if _all_matrices(op):
        kraus = [as_operator(k, f"term {index}, Kraus matrix {j}") for j, k in enumerate(op)]
        check_cptp(kraus, f"term {index}")
        return tuple(kraus)
    matrix = as_operator(op, f"term {index}")
    if not is_unitary(matrix):
        raise NoiseError(f"term {index} is not unitary; give a non-unitary channel as a list of Kraus matrices")
    return (matrix,)


def _all_matrices(value: Any) -> bool:
    """A non-empty list whose items are all 2-D arrays (a list of Kraus matrices)."""
    if not isinstance(value, (list, tuple)) or not value:
        return False
    try:
        return all(np.ndim(item) == 2 and not isinstance(item, str) for item in value)
    except (TypeError, ValueError):
        return False
