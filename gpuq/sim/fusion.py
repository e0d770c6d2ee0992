"""Gate fusion: merge runs of gates into fewer passes over the state.

A statevector pass costs the same whether it applies one gate or a fused
block of several, as long as the block's arithmetic stays below the memory
bound. The planner walks a run of unconditioned gates and grows a block while
the union of the qubits it touches stays within ``max_qubits``; a block of
diagonal gates becomes one diagonal, anything else one dense matrix on the
block's qubits. A block of a single gate is left as it is, so its fast path
(diagonal, permutation, controls as a mask) is kept.

Fusion is exact up to rounding: the block's operator is the product of its
gates' operators, built with NumPy in double precision.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from .ops import GateOp


def fuse(gates: Sequence[GateOp], max_qubits: int) -> list[GateOp]:
    """Plan a run of gates (no conditions, no measurements) into fused operations.

    Args:
        gates: consecutive unitary operations.
        max_qubits: largest block; 1 or less turns fusion off.
    """
    if max_qubits <= 1:
        return list(gates)
    planned: list[GateOp] = []
    block: list[GateOp] = []
    qubits: set[int] = set()
    for gate in gates:
        union = qubits | set(gate.qubits)
        if block and len(union) > max_qubits:
            planned.append(_merge(block))
            block, union = [], set(gate.qubits)
        block.append(gate)
        qubits = union
    if block:
        planned.append(_merge(block))
    return planned


def _merge(block: list[GateOp]) -> GateOp:
    """One operation equal to applying ``block`` in order."""
    if len(block) == 1:
        return block[0]
    qubits = tuple(sorted({q for gate in block for q in gate.qubits}))
    if all(gate.kind == "diagonal" for gate in block):
        diag = np.ones(1 << len(qubits), dtype=complex)
        for gate in block:
            diag *= _diagonal_on(gate, qubits)
        return GateOp("diagonal", qubits, (), diag, None, "fused")
    matrix = np.eye(1 << len(qubits), dtype=complex)
    for gate in block:
        matrix = _apply_rows(gate, qubits, matrix)
    return GateOp("matrix", qubits, (), matrix, None, "fused")


def _local_masks(gate: GateOp, qubits: tuple[int, ...]) -> tuple[list[int], int]:
    position = {q: j for j, q in enumerate(qubits)}
    targets = [position[q] for q in gate.targets]
    cmask = 0
    for q in gate.controls:
        cmask |= 1 << position[q]
    return targets, cmask


def _gather(indices: np.ndarray, bits: Iterable[int]) -> np.ndarray:
    """Sub-index made of ``bits`` of each index (bit j of the result is bit bits[j])."""
    out = np.zeros_like(indices)
    for j, bit in enumerate(bits):
        out |= ((indices >> bit) & 1) << j
    return out


def _diagonal_on(gate: GateOp, qubits: tuple[int, ...]) -> np.ndarray:
    """The gate's diagonal expanded to the block's qubits."""
    targets, cmask = _local_masks(gate, qubits)
    index = np.arange(1 << len(qubits))
    diag = np.asarray(gate.operand, dtype=complex)[_gather(index, targets)]
    return np.where((index & cmask) == cmask, diag, 1)


def _dense(gate: GateOp) -> np.ndarray:
    if gate.kind == "matrix":
        return np.asarray(gate.operand, dtype=complex)
    if gate.kind == "diagonal":
        return np.diag(np.asarray(gate.operand, dtype=complex))
    dim = len(gate.operand)
    matrix = np.zeros((dim, dim), dtype=complex)
    matrix[gate.operand, np.arange(dim)] = 1
    return matrix


def _apply_rows(gate: GateOp, qubits: tuple[int, ...], matrix: np.ndarray) -> np.ndarray:
    """Return ``G @ matrix`` where G is ``gate`` embedded in the block's qubits."""
    targets, cmask = _local_masks(gate, qubits)
    tmask = sum(1 << t for t in targets)
    operand = _dense(gate)
    index = np.arange(1 << len(qubits))
    # Group rows: each group shares the non-target bits ("base") and holds 2**k rows.
    bases = index[((index & tmask) == 0) & ((index & cmask) == cmask)]
    offsets = np.zeros(1 << len(targets), dtype=np.int64)
    for m in range(len(offsets)):
        for j, t in enumerate(targets):
            if (m >> j) & 1:
                offsets[m] |= 1 << t
    rows = bases[:, None] | offsets[None, :]          # (groups, 2**k)
    result = matrix.copy()
    result[rows] = np.einsum("rs,gsc->grc", operand, matrix[rows])
    return result
