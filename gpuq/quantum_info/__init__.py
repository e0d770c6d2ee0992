"""Operators on qubits: ``SparsePauliOp``, the observables of expectation values."""

from .sparse_pauli_op import PauliError, SparsePauliOp

__all__ = ["PauliError", "SparsePauliOp"]
