"""Adjoint differentiation: every parameter gradient of every observable in O(gates) passes.

As PennyLane Lightning does it. With ``|psi> = U_N ... U_1 |0>`` and
``lambda = O |psi>``, walk the gates backwards; before undoing gate i,
``lambda`` is ``U_{i+1}^dag ... U_N^dag O |psi>`` and, once it is undone,
``psi`` is ``U_{i-1} ... U_1 |0>``, so ``d<O>/d theta_i = 2 Re <lambda| dU_i/d theta_i |psi>``.
States alive: ``psi`` and one ``lambda`` per Hermitian part of the observables
(a sum with complex coefficients is two: its real and imaginary coefficients,
recombined by linearity), held as one stack.

The walk goes a block at a time (``adjoint_blocks.py``): a block without
parameterised gates is merged and undone on every state with the ordinary
kernels; a block with some is one fused pass (``Device.adjoint_step``) that
reads ``psi`` and every ``lambda`` once, adds up ``<lambda| D |psi>`` for each
of the block's angles and writes the undone states: four state traffics for
one lambda where the unfused walk made about ten per angle (undo psi, copy
it, apply the derivative, an inner product, undo lambda). The derivatives are
exact and come from the library's own matrices (``adjoint_forms.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..exceptions import JobCancelledError
from .adjoint_blocks import ADJOINT_MAX_QUBITS, plan_sweep, step_matrices
from .engine import apply_gate
from .expectation import PauliTable
from .fusion import _dense, merge_block
from .ops import GateOp, Op
from .parametric import ParametricCircuit

_NONE = np.zeros((0, 2, 2), dtype=complex)
"""No derivative: a fused step that only undoes a one-target block on psi and every lambda."""


def inverse_op(op: GateOp) -> GateOp:
    """``op``'s inverse (adjoint): conjugate transpose, conjugate phases, or the inverse permutation."""
    if op.kind == "matrix":
        operand = np.ascontiguousarray(np.asarray(op.operand).conj().T)
    elif op.kind == "diagonal":
        operand = np.conj(op.operand)
    else:
        operand = np.argsort(op.operand)
    return GateOp(op.kind, op.targets, op.controls, operand)


def hermitian_parts(table: PauliTable) -> list[tuple[int, complex, np.ndarray]]:
    """``(observable, factor, real weights)``: observable k is the sum of ``factor * weights`` over its parts."""
    parts = []
    for k, weights in enumerate(table.weights):
        for factor, real in ((1.0, weights.real), (1j, weights.imag)):
            if np.any(real):
                parts.append((k, factor, np.ascontiguousarray(real)))
    return parts


def adjoint_gradients(
    device: Any,
    psi: Any,
    circuit: ParametricCircuit,
    ops: Sequence[Op],
    row: np.ndarray,
    table: PauliTable,
    should_stop: Any,
    max_qubits: int = ADJOINT_MAX_QUBITS,
) -> np.ndarray:
    """Gradients (observables x parameters) at binding ``row``; ``psi`` is the final state and is consumed.

    Args:
        device: the device holding ``psi``.
        psi: the final state of ``ops`` (overwritten: it is walked back to |0>).
        circuit: the parametric circuit (its slots and parameters).
        ops: its operations bound to ``row`` (gates only).
        row: the binding's parameter values.
        table: the observables' strings and weights.
        should_stop: cancellation check, called once per block.
        max_qubits: widest block of the sweep (``adjoint_blocks.plan_sweep``).
    """
    gradients = np.zeros((table.weights.shape[0], len(circuit.parameters)), dtype=complex)
    parts = hermitian_parts(table)
    nqubits = int(psi.shape[0]).bit_length() - 1
    lambdas = device.adjoint_states(len(parts), nqubits, "single" if psi.dtype == np.complex64 else "double")
    for lam, (_, _, real) in zip(lambdas, parts):
        used = np.nonzero(real)[0]
        device.apply_pauli_sum(psi, table.x_masks[used], table.z_masks[used], real[used], lam)
    slot_at = {slot.position: s for s, slot in enumerate(circuit.slots)}
    names = [slot.name for slot in circuit.slots]
    angles = circuit.angles(row)
    chains = circuit.angle_derivatives(row)
    wanted = [[bool(chain) for chain in per_slot] for per_slot in chains]
    factors = np.array([factor for _, factor, _ in parts])
    observables = [k for k, _, _ in parts]
    for block in reversed(plan_sweep(ops, max_qubits)):
        if should_stop():
            raise JobCancelledError("cancelled")
        if not any(position in slot_at for position in block):
            undo = inverse_op(merge_block([_gate(ops[i]) for i in block]))
            if len(undo.targets) == 1:  # one call for every state: a pass costs a thread wake-up on the CPU
                device.adjoint_step(psi, lambdas, undo.targets, undo.controls, _dense(undo), _NONE, should_stop)
                continue
            apply_gate(device, psi, undo)
            for lam in lambdas:
                apply_gate(device, lam, undo)
            continue
        step = step_matrices(ops, block, slot_at, names, angles, wanted)
        values = device.adjoint_step(
            psi, lambdas, step.targets, step.controls, step.undo, step.derivatives, should_stop
        )
        for (slot, which), column in zip(step.angles, values.T):
            d_angle = 2.0 * column.real * factors  # one per part
            for j, d_param in chains[slot][which].items():
                np.add.at(gradients[:, j], observables, d_angle * d_param)
    return gradients


def _gate(op: Op) -> GateOp:
    assert isinstance(op, GateOp)  # sweep blocks hold gate positions only
    return op
