"""``NoiseModel``: which error follows which instruction, and how measurements misread.

The semantics are Qiskit Aer's. A quantum error added for an instruction
name acts after every such instruction (before it, for ``measure``); one
added for specific qubits replaces the all-qubit error on exactly those
qubits, in that order. Adding a second error for the same instruction (and
qubits) composes it after the first. A readout error acts on the recorded
bits of ``measure``; a qubit's own readout error replaces the all-qubit one,
and a new readout error for the same qubits replaces the old. Ideal errors
are not added.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from ..circuit.gates import GATES
from ..exceptions import NoiseError
from .errors import QuantumError
from .readout import ReadoutError

logger = logging.getLogger(__name__)


class NoiseModel:
    """Quantum errors per instruction (all qubits, or specific ones) and readout errors per qubit."""

    def __init__(self, basis_gates: Sequence[str] | None = None):
        self._basis_gates: set[str] = set(basis_gates) if basis_gates is not None else {"id", "rz", "sx", "cx"}
        self._default_errors: dict[str, QuantumError] = {}
        self._local_errors: dict[str, dict[tuple[int, ...], QuantumError]] = {}
        self._default_readout: ReadoutError | None = None
        self._local_readout: dict[tuple[int, ...], ReadoutError] = {}

    # ---------------------------------------------------------------- facts
    @property
    def basis_gates(self) -> list[str]:
        """The gates the model's errors refer to, and the defaults (sorted)."""
        return sorted(self._basis_gates)

    @property
    def noise_instructions(self) -> list[str]:
        """Instructions with an error, ``measure`` included when a readout error exists (sorted)."""
        names = set(self._default_errors) | set(self._local_errors)
        if self._default_readout is not None or self._local_readout:
            names.add("measure")
        return sorted(names)

    @property
    def noise_qubits(self) -> list[int]:
        """Qubits named by a specific error (sorted)."""
        qubits = {q for errors in self._local_errors.values() for key in errors for q in key}
        return sorted(qubits | {q for key in self._local_readout for q in key})

    def is_ideal(self) -> bool:
        """True when the model has no error at all."""
        return not (self._default_errors or self._local_errors or self._default_readout or self._local_readout)

    # ------------------------------------------------------------ building
    def add_basis_gates(self, instructions: str | Iterable[str]) -> None:
        """Add gate names to ``basis_gates`` (names that are not gates are ignored, as in Aer)."""
        for name in _names(instructions):
            if name in GATES:
                self._basis_gates.add(name)

    def add_all_qubit_quantum_error(
        self, error: QuantumError, instructions: str | Iterable[str], warnings: bool = True
    ) -> None:
        """Apply ``error`` after every listed instruction, on whatever qubits it acts.

        Raises:
            NoiseError: ``error`` is not a ``QuantumError``, or its size does not fit an instruction.
        """
        error = _quantum(error)
        if error.ideal():
            return
        for name in _names(instructions):
            _check_size(error, name)
            if name in self._default_errors:
                if warnings:
                    logger.warning("an all-qubit error already exists for %r; composing with the new one", name)
                self._default_errors[name] = self._default_errors[name].compose(error)
            else:
                self._default_errors[name] = error
            self.add_basis_gates(name)

    def add_quantum_error(
        self, error: QuantumError, instructions: str | Iterable[str], qubits: Sequence[int], warnings: bool = True
    ) -> None:
        """Apply ``error`` after the listed instructions on exactly ``qubits`` (in that order).

        Raises:
            NoiseError: not a ``QuantumError``, qubits that are not distinct non-negative integers,
                or an error whose size is not ``len(qubits)``.
        """
        error = _quantum(error)
        key = _qubits(qubits)
        if error.ideal():
            return
        if error.num_qubits != len(key):
            raise NoiseError(f"a {error.num_qubits}-qubit error cannot act on the {len(key)} qubit(s) {list(key)}")
        for name in _names(instructions):
            _check_size(error, name)
            errors = self._local_errors.setdefault(name, {})
            if key in errors:
                if warnings:
                    logger.warning("an error already exists for %r on %s; composing with the new one", name, key)
                errors[key] = errors[key].compose(error)
            else:
                errors[key] = error
            self.add_basis_gates(name)

    def add_all_qubit_readout_error(self, error: ReadoutError | Any, warnings: bool = True) -> None:
        """Misread every measured qubit with a one-qubit ``error`` (replacing an earlier one).

        Raises:
            NoiseError: not a one-qubit readout error.
        """
        error = _readout(error)
        if error.ideal():
            return
        if error.number_of_qubits != 1:
            raise NoiseError("an all-qubit readout error must be a one-qubit error")
        if self._default_readout is not None and warnings:
            logger.warning("an all-qubit readout error already exists; replacing it")
        self._default_readout = error

    def add_readout_error(self, error: ReadoutError | Any, qubits: Sequence[int], warnings: bool = True) -> None:
        """Misread ``qubits`` with ``error`` (replacing an earlier one on the same qubits).

        Raises:
            NoiseError: not a readout error, bad qubits, or a size that is not ``len(qubits)``.
        """
        error = _readout(error)
        key = _qubits(qubits)
        if error.ideal():
            return
        if error.number_of_qubits != len(key):
            raise NoiseError(f"a {error.number_of_qubits}-qubit readout error cannot read the qubits {list(key)}")
        if key in self._local_readout and warnings:
            logger.warning("a readout error already exists for %s; replacing it", key)
        self._local_readout[key] = error

    # -------------------------------------------------------------- lookups
    def quantum_error(self, name: str, qubits: Sequence[int]) -> QuantumError | None:
        """The error that follows ``name`` on ``qubits``: the specific one, else the all-qubit one."""
        local = self._local_errors.get(name, {}).get(tuple(qubits))
        return local if local is not None else self._default_errors.get(name)

    def readout_errors(self) -> tuple[ReadoutError | None, dict[tuple[int, ...], ReadoutError]]:
        """The all-qubit readout error (or None) and the specific ones by their qubits."""
        return self._default_readout, dict(self._local_readout)

    # ----------------------------------------------------------------- wire
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data (the Qobj's ``config.noise_model``); ``from_dict`` rebuilds the same model."""
        quantum = [
            {"instructions": [name], "qubits": None, **error.to_dict()} for name, error in self._default_errors.items()
        ]
        quantum += [
            {"instructions": [name], "qubits": list(key), **error.to_dict()}
            for name, errors in self._local_errors.items()
            for key, error in errors.items()
        ]
        readout = [{"qubits": None, **self._default_readout.to_dict()}] if self._default_readout else []
        readout += [{"qubits": list(key), **error.to_dict()} for key, error in self._local_readout.items()]
        return {"basis_gates": self.basis_gates, "quantum_errors": quantum, "readout_errors": readout}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NoiseModel:
        """Rebuild a model from ``to_dict``'s data, checking every error.

        Raises:
            NoiseError: malformed data or an invalid error (the message says which entry).
        """
        if not isinstance(data, dict):
            raise NoiseError("a noise model must be a JSON object")
        unknown = sorted(set(data) - {"basis_gates", "quantum_errors", "readout_errors"})
        if unknown:
            raise NoiseError(
                f"unknown noise model key {unknown[0]!r}; keys are basis_gates, quantum_errors, readout_errors"
            )
        model = cls(basis_gates=data.get("basis_gates"))
        for kind in ("quantum_errors", "readout_errors"):
            entries = data.get(kind) or []
            if not isinstance(entries, list):
                raise NoiseError(f"{kind} must be a list")
            for index, entry in enumerate(entries):
                try:
                    _add_entry(model, kind, entry)
                except (NoiseError, KeyError, TypeError, AttributeError) as exc:
                    raise NoiseError(f"{kind}.{index}: {exc}") from None
        return model

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NoiseModel) and other.to_dict() == self.to_dict()

    __hash__ = None  # type: ignore[assignment]  # a model is mutable

    def __repr__(self) -> str:
        return f"NoiseModel(noise instructions {self.noise_instructions}, noise qubits {self.noise_qubits})"


def _add_entry(model: NoiseModel, kind: str, entry: dict[str, Any]) -> None:
    qubits = entry.get("qubits")
    if kind == "quantum_errors":
        error = QuantumError.from_dict(entry)
        if qubits is None:
            model.add_all_qubit_quantum_error(error, entry["instructions"], warnings=False)
        else:
            model.add_quantum_error(error, entry["instructions"], qubits, warnings=False)
        return
    readout = ReadoutError.from_dict(entry)
    if qubits is None:
        model.add_all_qubit_readout_error(readout, warnings=False)
    else:
        model.add_readout_error(readout, qubits, warnings=False)


def _names(instructions: str | Iterable[str]) -> list[str]:
    names = [instructions] if isinstance(instructions, str) else list(instructions)
    for name in names:
        if not isinstance(name, str) or not name:
            raise NoiseError(f"instructions are named by strings, got {name!r}")
    return names


def _qubits(qubits: Sequence[int]) -> tuple[int, ...]:
    try:
        key = tuple(int(q) for q in qubits)
    except (TypeError, ValueError):
        raise NoiseError(f"qubits must be a sequence of integers, got {qubits!r}") from None
    if not key or any(q < 0 for q in key) or len(set(key)) != len(key):
        raise NoiseError(f"qubits must be distinct non-negative integers, got {list(key)}")
    return key


def _quantum(error: Any) -> QuantumError:
    if not isinstance(error, QuantumError):
        raise NoiseError(f"expected a QuantumError, got {type(error).__name__}")
    return error


def _readout(error: Any) -> ReadoutError:
    return error if isinstance(error, ReadoutError) else ReadoutError(error)


def _check_size(error: QuantumError, name: str) -> None:
    """A library gate of fixed size takes only an error of that size."""
    spec = GATES.get(name)
    size = 1 if name in ("measure", "reset") else spec.num_qubits() if spec and spec.num_controls is not None else None
    if size is not None and error.num_qubits != size:
        raise NoiseError(f"a {error.num_qubits}-qubit error cannot follow the {size}-qubit instruction {name!r}")
