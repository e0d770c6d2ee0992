"""The blocks of the adjoint's backward sweep, and each block's undo and derivative matrices.

The sweep (``adjoint.py``) undoes the circuit a block at a time. The blocks
come from the fusion planner (``fusion._Planner``) at ``ADJOINT_MAX_QUBITS``,
in program order, without moving diagonal gates: with one qubit, the RY and
RZ of a qubit are one block and every CX its own. A block with no
parameterised gate is merged and undone with the ordinary kernels; a block
with some is one fused step (``Device.adjoint_step``), for which this module
builds, in double, the undo matrix ``U^dagger`` and, for every angle ``d`` of
every gate ``j`` of the block, ``D = W_{j+1} dM_j W_j^dagger``, where
``M_j`` is gate j on the block's qubits and ``W_j = M_m ... M_j``. Then, with
``psi`` and ``lambda`` at the block's end, ``<lambda| W_{j+1} dM_j M_{j-1}
... M_1 |psi_start> = <lambda| D |psi>``: every derivative of the block is a
matrix element on the state *before* the undo, so one pass serves them all.
A lone rotation ``exp(-i t G / 2)`` gets ``D = -i G / 2``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .adjoint_forms import derivative_op, derivative_operand
from .fusion import _apply_rows, _dense, _Planner
from .ops import GateOp, Op

ADJOINT_MAX_QUBITS = 1
"""Widest block of the backward sweep (the gates of one qubit). Measured at 20 qubits (10-layer RY.RZ.CX
ansatz, double, loaded 2-core EPYC): see docs/design-notes.md, "Adjoint gradients in fused steps"."""


@dataclass(frozen=True)
class StepMatrices:
    """One fused step: where it acts, its undo, and its derivative matrices with the angle each belongs to.

    Attributes:
        targets: the step's targets.
        controls: its controls (a lone controlled gate keeps them; merged blocks have none).
        undo: ``U^dagger`` on the targets, complex128.
        derivatives: (angles, 2**k, 2**k) complex128.
        angles: ``(slot, angle index)`` of each derivative.
    """

    targets: tuple[int, ...]
    controls: tuple[int, ...]
    undo: np.ndarray
    derivatives: np.ndarray
    angles: tuple[tuple[int, int], ...]


def plan_sweep(ops: Sequence[Op], max_qubits: int = ADJOINT_MAX_QUBITS) -> list[list[int]]:
    """The gate positions of ``ops`` in blocks, in the order they apply (barriers and other ops skipped)."""
    positions = [i for i, op in enumerate(ops) if isinstance(op, GateOp)]
    planner = _Planner(max_qubits, max_qubits)
    index = {}
    for i in positions:
        gate = ops[i]
        assert isinstance(gate, GateOp)  # chosen just above
        tagged = GateOp(gate.kind, gate.targets, gate.controls, gate.operand, gate.condition, gate.name)
        index[id(tagged)] = i
        planner.add(tagged)
    planner.close_all()
    return [[index[id(gate)] for gate in block] for block in planner.closed]


def step_matrices(
    ops: Sequence[Op],
    block: Sequence[int],
    slot_at: dict[int, int],
    names: Sequence[str],
    angles: Sequence[Sequence[float]],
    wanted: Sequence[Sequence[bool]],
) -> StepMatrices:
    """The fused step of ``block`` (gate positions in order of application).

    Args:
        ops: one binding's operations.
        block: the block's gate positions.
        slot_at: position -> slot index, for the parameterised gates.
        names: each slot's gate name.
        angles: each slot's angles at this binding.
        wanted: for each slot and angle, whether its derivative is needed (it depends on a parameter).
    """
    gates = [_gate(ops[i]) for i in block]
    if len(gates) == 1:
        gate = gates[0]
        slot = slot_at[block[0]]
        derivatives, keys = [], []
        for which, need in enumerate(wanted[slot]):
            if need:
                d = derivative_operand(names[slot], angles[slot], which)
                derivatives.append(np.diag(d) if gate.kind == "diagonal" else np.asarray(d, dtype=complex))
                keys.append((slot, which))
        forward = _dense(gate)
        undo = forward.conj().T
        return StepMatrices(gate.targets, gate.controls, undo, np.array([d @ undo for d in derivatives]), tuple(keys))
    qubits = tuple(sorted({q for gate in gates for q in gate.qubits}))
    dim = 1 << len(qubits)
    suffix = np.eye(dim, dtype=complex)  # W_{j+1}: the gates after j, applied last first
    derivatives, keys = [], []
    for position, gate in zip(reversed(block), reversed(gates)):
        whole = suffix @ _embedded(gate, qubits)  # W_j = W_{j+1} M_j
        at = slot_at.get(position)
        if at is not None:
            for which in reversed(range(len(wanted[at]))):
                if wanted[at][which]:
                    step = derivative_op(gate, derivative_operand(names[at], angles[at], which))
                    derivatives.append(suffix @ _embedded(step, qubits) @ whole.conj().T)
                    keys.append((at, which))
        suffix = whole
    return StepMatrices(qubits, (), suffix.conj().T, np.array(derivatives[::-1]), tuple(keys[::-1]))


def _embedded(gate: GateOp, qubits: tuple[int, ...]) -> np.ndarray:
    """The gate's matrix on the block's qubits (bit j of the index is ``qubits[j]``)."""
    matrix = np.eye(1 << len(qubits), dtype=complex)
    _apply_rows(gate, qubits, matrix)
    return matrix


def _gate(op: Op) -> GateOp:
    assert isinstance(op, GateOp)  # blocks hold gate positions only
    return op
