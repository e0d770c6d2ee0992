"""How each parameterised gate's matrix depends on its angles, and its exact derivative.

An angle of *half* frequency (``cos/sin(theta/2)``, no constant term: every
rotation, and the theta of ``u``/``u3``/``cu``) has ``dU/dtheta = U(theta + pi) / 2``;
a *phase* angle (``A + e^{i phi} B``: ``p``, ``u1``, the phi and lambda of ``u``,
``cu``'s gamma) has ``dU/dphi = i (U(phi) - U(phi + pi)) / 2``. A controlled gate's
derivative is that on the controls' all-ones subspace and zero elsewhere. The
same forms let ``batched.py`` write an operand as a weighted sum of its operands
at the angles 0 and pi.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..circuit.gates import base_operator
from .ops import GateOp

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
