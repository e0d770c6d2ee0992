"""Every binding's fused passes at once: the operands of a sweep built with array arithmetic.

Building the passes binding by binding (``FusedTemplate.plan``) costs a few
milliseconds of Python per binding: every slot's matrix from ``base_operator``
and every block containing a slot merged again. Here each slot's operand is
computed for all bindings together, and each such block is merged once with
batched matrix products, so a sweep of 1000 bindings pays the Python once.

A gate's operand is multilinear in its angles' basis functions, the forms the
adjoint also relies on (``adjoint_forms.DERIVATIVE_FORMS``): a *half* angle enters
as ``cos(t/2) U(0) + sin(t/2) U(pi)``, a *phase* angle as
``(1 + e^{it})/2 U(0) + (1 - e^{it})/2 U(pi)``. So the operand at any angles
is a weighted sum of the operands at the corners ``{0, pi}^m`` (``m``
symbolic angles), computed once per slot with ``base_operator``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import product

import numpy as np

from ..circuit.gates import base_operator
from ..circuit.parameter import ParameterExpression
from .adjoint_forms import DERIVATIVE_FORMS, HALF
from .fusion import _gather, _local_masks, _row_groups
from .ops import GateOp
from .parametric import FusedTemplate, ParametricCircuit


@dataclass(frozen=True)
class BatchedPass:
    """One fused pass for every binding.

    Attributes:
        kind: "matrix", "diagonal" or "permutation".
        targets: its target qubits.
        controls: its control qubits.
        operand: the operand shared by every binding, or, when ``batched``, one per binding (first axis).
        batched: whether ``operand`` has a leading binding axis.
    """

    kind: str
    targets: tuple[int, ...]
    controls: tuple[int, ...]
    operand: np.ndarray
    batched: bool

    def at(self, binding: int) -> np.ndarray:
        """The operand of one binding."""
        return self.operand[binding] if self.batched else self.operand


def slot_operands(circuit: ParametricCircuit, bindings: np.ndarray) -> list[np.ndarray] | None:
    """Each slot's operand for every binding, shape (bindings, ...); None when a gate or value does not allow it.

    None (the caller then builds binding by binding, which reports the problem as before) when a slot's gate
    has no multilinear form or an angle is not finite for some binding.
    """
    columns = {p: bindings[:, j] for j, p in enumerate(circuit.parameters)}
    operands = []
    for slot in circuit.slots:
        forms = DERIVATIVE_FORMS.get(slot.name)
        if forms is None:
            return None
        symbolic = [a for a, angle in enumerate(slot.angles) if isinstance(angle, ParameterExpression)]
        values = {}
        for a in symbolic:
            angle = slot.angles[a]
            assert isinstance(angle, ParameterExpression)  # chosen just above
            values[a] = np.broadcast_to(angle.evaluate_columns(columns), (len(bindings),))
            if not np.all(np.isfinite(values[a])):
                return None
        total: np.ndarray | None = None
        for corner in product((0, 1), repeat=len(symbolic)):
            angles = [float(a) if not isinstance(a, ParameterExpression) else 0.0 for a in slot.angles]
            weight = np.ones(len(bindings), dtype=complex)
            for a, side in zip(symbolic, corner):
                angles[a] = np.pi * side
                weight = weight * _basis(forms[a], side, values[a])
            term = np.multiply.outer(weight, np.asarray(base_operator(slot.name, angles).operand, dtype=complex))
            total = term if total is None else total + term
        assert total is not None  # a slot has at least one symbolic angle
        operands.append(total)
    return operands


def _basis(form: str, side: int, values: np.ndarray) -> np.ndarray:
    """The weight of corner ``side`` (angle 0 or pi) of one angle, for every binding's value."""
    if form == HALF:
        return np.sin(values / 2) if side else np.cos(values / 2)
    phase = np.exp(1j * values)
    return (1 - phase) / 2 if side else (1 + phase) / 2


def batched_passes(template: FusedTemplate, bindings: np.ndarray) -> list[BatchedPass] | None:
    """The template's passes for every row of ``bindings``; None when ``slot_operands`` declines."""
    circuit = template.circuit
    operands = slot_operands(circuit, bindings)
    if operands is None:
        return None
    by_position = {slot.position: operand for slot, operand in zip(circuit.slots, operands)}
    passes = []
    for fixed, block in zip(template.fixed, template.blocks):
        if fixed is not None:
            passes.append(BatchedPass(fixed.kind, fixed.targets, fixed.controls, np.asarray(fixed.operand), False))
            continue
        gates = [circuit.ops[i] for i in block]
        assert all(isinstance(gate, GateOp) for gate in gates)  # template blocks hold gates only
        passes.append(merge_batched(gates, [by_position.get(i) for i in block], len(bindings)))  # type: ignore[arg-type]
    return passes


def merge_batched(gates: Sequence[GateOp], operands: Sequence[np.ndarray | None], nbindings: int) -> BatchedPass:
    """``fusion.merge_block`` for every binding: ``operands[i]`` replaces gate i's operand when not None."""
    if len(gates) == 1:
        gate, operand = gates[0], operands[0]
        if operand is None:
            return BatchedPass(gate.kind, gate.targets, gate.controls, np.asarray(gate.operand), False)
        return BatchedPass(gate.kind, gate.targets, gate.controls, operand, True)
    qubits = tuple(sorted({q for gate in gates for q in gate.qubits}))
    dim = 1 << len(qubits)
    if all(gate.kind == "diagonal" for gate in gates):
        diag = np.ones((nbindings, dim), dtype=complex)
        index = np.arange(dim)
        for gate, operand in zip(gates, operands):
            targets, cmask = _local_masks(gate, qubits)
            values = np.asarray(gate.operand if operand is None else operand, dtype=complex)
            diag *= np.where((index & cmask) == cmask, values[..., _gather(index, targets)], 1)
        return BatchedPass("diagonal", qubits, (), diag, True)
    matrix = np.broadcast_to(np.eye(dim, dtype=complex), (nbindings, dim, dim)).copy()
    for gate, operand in zip(gates, operands):
        targets, cmask = _local_masks(gate, qubits)
        rows = _row_groups(tuple(targets), cmask, len(qubits))
        dense = _dense(gate, operand)
        matrix[:, rows] = np.matmul(dense[:, None] if dense.ndim == 3 else dense, matrix[:, rows])
    return BatchedPass("matrix", qubits, (), matrix, True)


def _dense(gate: GateOp, operand: np.ndarray | None) -> np.ndarray:
    """The gate's matrix: (d, d), or (bindings, d, d) when its operand is per binding."""
    if gate.kind == "permutation":  # never per binding: permutations have no angle
        perm = np.asarray(gate.operand, dtype=np.int64)
        dense = np.zeros((len(perm), len(perm)), dtype=complex)
        dense[perm, np.arange(len(perm))] = 1
        return dense
    values = np.asarray(gate.operand if operand is None else operand, dtype=complex)
    if gate.kind == "diagonal":
        dim = values.shape[-1]
        dense = np.zeros((*values.shape[:-1], dim, dim), dtype=complex)
        dense[..., np.arange(dim), np.arange(dim)] = values
        return dense
    return values
