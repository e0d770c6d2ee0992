"""Unitaries of small circuits, to tell whether a user gate definition is a library gate.

``reader`` runs a user gate named like a library gate (``iswap``, ``ryy``, as
``dumps`` writes them) as that library gate when its definition's matrix
equals the library's up to global phase; these helpers build that matrix.
The tests use them too, to compare circuits exactly.
"""

from __future__ import annotations

import numpy as np

from ...exceptions import CircuitError
from ..gates import gate_matrix
from ..quantumcircuit import QuantumCircuit


def equal_up_to_phase(a: np.ndarray, b: np.ndarray, atol: float = 1e-9) -> bool:
    """Whether ``a = e^{iγ}·b`` for some phase γ."""
    overlap = np.vdot(b, a)
    if abs(overlap) < 1e-12:
        return False
    return bool(np.allclose(a, b * (overlap / abs(overlap)), atol=atol))


def circuit_matrix(circuit: QuantumCircuit) -> np.ndarray:
    """The unitary of a small circuit of library gates (barriers skipped), little-endian over its qubits.

    Only for a few qubits: it builds the full matrix.
    """
    n = circuit.num_qubits
    total = np.eye(1 << n, dtype=complex).reshape((2,) * n + (1 << n,))
    for inst in circuit.data:
        if inst.name == "barrier":
            continue
        if inst.name in ("measure", "reset") or inst.condition is not None:
            raise CircuitError(f"{inst.name!r} has no matrix")
        targets = [circuit.qubit_index(q) for q in inst.qubits]
        if inst.name == "unitary":
            matrix = np.asarray(inst.operation.matrix)
        else:
            matrix = gate_matrix(inst.name, [float(p) for p in inst.params], len(targets))
        total = apply_matrix(total, matrix, targets, n)
    return total.reshape(1 << n, 1 << n)


def apply_matrix(tensor: np.ndarray, matrix: np.ndarray, targets: list[int], n: int) -> np.ndarray:
    """Apply a k-qubit matrix to a tensor whose first n axes are qubits n-1 … 0."""
    k = len(targets)
    gate = np.asarray(matrix, dtype=complex).reshape((2,) * (2 * k))
    # Matrix index bit j is targets[j]: axis order of the reshaped gate is bit k-1 … bit 0.
    axes = [n - 1 - targets[j] for j in reversed(range(k))]
    moved = np.tensordot(gate, tensor, axes=(list(range(k, 2 * k)), axes))
    return np.moveaxis(moved, list(range(k)), axes)
