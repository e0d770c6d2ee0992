"""Adjoint differentiation: every parameter gradient of every observable in O(gates) passes.

As PennyLane Lightning does it. With ``|psi> = U_N ... U_1 |0>`` and
``lambda = O |psi>``, walk the gates backwards; before undoing gate i,
``lambda`` is ``U_{i+1}^dag ... U_N^dag O |psi>`` and, once it is undone,
``psi`` is ``U_{i-1} ... U_1 |0>``, so ``d<O>/d theta_i = 2 Re <lambda| dU_i/d theta_i |psi>``.
States alive: ``psi``, one scratch state, and one ``lambda`` per Hermitian part
of the observables (a sum with complex coefficients is two: its real and
imaginary coefficients, recombined by linearity).

A gate's derivative is exact and taken from the library's own matrices: an
angle of *half* frequency (``cos/sin(theta/2)``, no constant term: every
rotation, and the theta of ``u``/``u3``/``cu``) has ``dU/dtheta = U(theta + pi) / 2``;
a *phase* angle (``A + e^{i phi} B``: ``p``, ``u1``, the phi and lambda of ``u``,
``cu``'s gamma) has ``dU/dphi = i (U(phi) - U(phi + pi)) / 2``. A controlled gate's
derivative is that on the controls' all-ones subspace and zero elsewhere.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..circuit.gates import base_operator
from ..exceptions import JobCancelledError
from .engine import apply_gate
from .expectation import PauliTable
from .ops import GateOp, Op
from .parametric import ParametricCircuit

HALF, PHASE = "half", "phase"

DERIVATIVE_FORMS: dict[str, tuple[str, ...]] = {
    "rx": (HALF,),
    "ry": (HALF,),
    "rz": (HALF,),
    "crx": (HALF,),
    "cry": (HALF,),
    "crz": (HALF,),
    "rxx": (HALF,),
    "ryy": (HALF,),
    "rzz": (HALF,),
    "p": (PHASE,),
    "u1": (PHASE,),
    "cp": (PHASE,),
    "cu1": (PHASE,),
    "u2": (PHASE, PHASE),
    "u3": (HALF, PHASE, PHASE),
    "u": (HALF, PHASE, PHASE),
    "cu3": (HALF, PHASE, PHASE),
    "cu": (HALF, PHASE, PHASE, PHASE),
}
"""How each angle of each parameterised library gate enters its matrix (see the module docstring)."""


def derivative_operand(name: str, angles: Sequence[float], which: int) -> np.ndarray:
    """d(base operand)/d(angles[which]) of gate ``name``: a matrix, or a diagonal for diagonal gates."""
    shifted = list(angles)
    shifted[which] += math.pi
    moved = base_operator(name, shifted).operand
    if DERIVATIVE_FORMS[name][which] == HALF:
        return 0.5 * moved
    return 0.5j * (base_operator(name, angles).operand - moved)


def derivative_op(op: GateOp, operand: np.ndarray) -> GateOp:
    """The derivative as an operation on targets + controls: ``operand`` where every control is 1, else 0."""
    ntargets, ncontrols = len(op.targets), len(op.controls)
    qubits = op.targets + op.controls
    if ncontrols == 0:
        return GateOp(op.kind, qubits, (), operand)
    dim = 1 << ntargets
    on = ((1 << ncontrols) - 1) << ntargets
    if op.kind == "diagonal":
        diag = np.zeros(dim << ncontrols, dtype=complex)
        diag[on : on + dim] = operand
        return GateOp("diagonal", qubits, (), diag)
    matrix = np.zeros((dim << ncontrols,) * 2, dtype=complex)
    matrix[on : on + dim, on : on + dim] = operand
    return GateOp("matrix", qubits, (), matrix)


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
) -> np.ndarray:
    """Gradients (observables x parameters) at binding ``row``; ``psi`` is the final state and is consumed.

    Args:
        device: the device holding ``psi``.
        psi: the final state of ``ops`` (overwritten: it is walked back to |0>).
        circuit: the parametric circuit (its slots and parameters).
        ops: its operations bound to ``row`` (gates only).
        row: the binding's parameter values.
        table: the observables' strings and weights.
        should_stop: cancellation check, called once per gate.
    """
    gradients = np.zeros((table.weights.shape[0], len(circuit.parameters)), dtype=complex)
    parts = hermitian_parts(table)
    lambdas = []
    for _, _, real in parts:
        out = device.copy(psi)
        used = np.nonzero(real)[0]
        device.apply_pauli_sum(psi, table.x_masks[used], table.z_masks[used], real[used], out)
        lambdas.append(out)
    slot_at = {slot.position: s for s, slot in enumerate(circuit.slots)}
    angles = circuit.angles(row)
    chains = circuit.angle_derivatives(row)
    scratch = device.copy(psi)
    for position in range(len(ops) - 1, -1, -1):
        op = ops[position]
        if not isinstance(op, GateOp):
            continue
        if should_stop():
            raise JobCancelledError("cancelled")
        undo = inverse_op(op)
        apply_gate(device, psi, undo)
        s = slot_at.get(position)
        if s is not None:
            slot = circuit.slots[s]
            for which, chain in enumerate(chains[s]):
                if not chain:
                    continue
                step = derivative_op(op, derivative_operand(slot.name, angles[s], which))
                scratch[...] = psi  # NumPy and CuPy arrays alike: a copy into memory already held
                apply_gate(device, scratch, step)
                for (k, factor, _), lam in zip(parts, lambdas):
                    d_angle = 2.0 * device.inner_product(lam, scratch).real
                    for j, d_param in chain.items():
                        gradients[k, j] += factor * d_angle * d_param
        for lam in lambdas:
            apply_gate(device, lam, undo)
    return gradients
