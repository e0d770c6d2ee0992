"""The gate library: name → qubit count, parameter count and operator.

Every gate is described as an optional number of leading *control* qubits and
a *base* operator on the remaining qubits. The engine uses that split (it
applies the base with a control mask instead of a bigger matrix), and the
base says how it is best applied:

* ``diagonal``: a vector of phases (Z, S, T, P, RZ, RZZ, …);
* ``permutation``: amplitudes move without arithmetic (X, SWAP);
* ``matrix``: a dense ``2**k × 2**k`` matrix.

Qubit order inside an operator is little-endian, as in Qiskit: the gate's
first base qubit is bit 0 of the operator's index. For a controlled gate the
controls come first in the argument list (``cx(control, target)``).
"""

from __future__ import annotations

import cmath
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from numbers import Real

import numpy as np

from ..exceptions import CircuitError
from .parameter import ParameterExpression

_SQRT1_2 = 1 / math.sqrt(2)


@dataclass(frozen=True)
class BaseOperator:
    """The uncontrolled part of a gate, as the engine applies it.

    Attributes:
        kind: "diagonal", "permutation" or "matrix".
        operand: the phases, the permutation (index m moves to operand[m]) or the matrix.
    """

    kind: str
    operand: np.ndarray

    @property
    def num_qubits(self) -> int:
        """Number of qubits the operator acts on."""
        return int(self.operand.shape[0]).bit_length() - 1

    def to_matrix(self) -> np.ndarray:
        """The operator as a dense complex matrix."""
        if self.kind == "matrix":
            return np.asarray(self.operand, dtype=complex)
        if self.kind == "diagonal":
            return np.diag(np.asarray(self.operand, dtype=complex))
        dim = self.operand.shape[0]
        matrix = np.zeros((dim, dim), dtype=complex)
        matrix[self.operand, np.arange(dim)] = 1
        return matrix


@dataclass(frozen=True)
class GateSpec:
    """What the library knows of one gate name.

    Attributes:
        name: the gate's name, as in OpenQASM's qelib1.inc.
        num_params: number of real parameters.
        num_controls: leading qubits that act as controls (None: variable, as for ``mcx``).
        base_qubits: qubits of the base operator.
        base: parameters → the base operator.
    """

    name: str
    num_params: int
    num_controls: int | None
    base_qubits: int
    base: Callable[..., BaseOperator]

    def num_qubits(self, num_controls: int | None = None) -> int:
        """Total qubit count (for a variable-control gate, give the number of controls)."""
        return (self.num_controls if self.num_controls is not None else num_controls or 0) + self.base_qubits


def _diag(*phases: complex) -> BaseOperator:
    return BaseOperator("diagonal", np.array(phases, dtype=complex))


def _perm(*targets: int) -> BaseOperator:
    return BaseOperator("permutation", np.array(targets, dtype=np.int64))


def _mat(rows: Sequence[Sequence[complex]] | np.ndarray) -> BaseOperator:
    return BaseOperator("matrix", np.array(rows, dtype=complex))


def _u3(theta: float, phi: float, lam: float) -> BaseOperator:
    c, s = math.cos(theta / 2), math.sin(theta / 2)
    return _mat([[c, -cmath.exp(1j * lam) * s], [cmath.exp(1j * phi) * s, cmath.exp(1j * (phi + lam)) * c]])


def _rx(theta: float) -> BaseOperator:
    c, s = math.cos(theta / 2), math.sin(theta / 2)
    return _mat([[c, -1j * s], [-1j * s, c]])


def _ry(theta: float) -> BaseOperator:
    c, s = math.cos(theta / 2), math.sin(theta / 2)
    return _mat([[c, -s], [s, c]])


def _rz(theta: float) -> BaseOperator:
    return _diag(cmath.exp(-0.5j * theta), cmath.exp(0.5j * theta))


def _phase(lam: float) -> BaseOperator:
    return _diag(1, cmath.exp(1j * lam))


def _rxx(theta: float) -> BaseOperator:
    c, s = math.cos(theta / 2), -1j * math.sin(theta / 2)
    return _mat([[c, 0, 0, s], [0, c, s, 0], [0, s, c, 0], [s, 0, 0, c]])


def _ryy(theta: float) -> BaseOperator:
    c, s = math.cos(theta / 2), 1j * math.sin(theta / 2)
    return _mat([[c, 0, 0, s], [0, c, -s, 0], [0, -s, c, 0], [s, 0, 0, c]])


def _rzz(theta: float) -> BaseOperator:
    a, b = cmath.exp(-0.5j * theta), cmath.exp(0.5j * theta)
    return _diag(a, b, b, a)


def _cu(theta: float, phi: float, lam: float, gamma: float) -> BaseOperator:
    return _mat(cmath.exp(1j * gamma) * _u3(theta, phi, lam).operand)


_X = _perm(1, 0)
_Y = _mat([[0, -1j], [1j, 0]])
_Z = _diag(1, -1)
_H = _mat([[_SQRT1_2, _SQRT1_2], [_SQRT1_2, -_SQRT1_2]])
_SX = _mat([[0.5 + 0.5j, 0.5 - 0.5j], [0.5 - 0.5j, 0.5 + 0.5j]])
_SXDG = _mat([[0.5 - 0.5j, 0.5 + 0.5j], [0.5 + 0.5j, 0.5 - 0.5j]])
_SWAP = _perm(0, 2, 1, 3)
_ISWAP = _mat([[1, 0, 0, 0], [0, 0, 1j, 0], [0, 1j, 0, 0], [0, 0, 0, 1]])


def _spec(
    name: str, num_params: int, controls: int | None, base_qubits: int, base: Callable[..., BaseOperator]
) -> GateSpec:
    return GateSpec(name, num_params, controls, base_qubits, base)


GATES: dict[str, GateSpec] = {
    spec.name: spec
    for spec in [
        _spec("id", 0, 0, 1, lambda: _diag(1, 1)),
        _spec("x", 0, 0, 1, lambda: _X),
        _spec("y", 0, 0, 1, lambda: _Y),
        _spec("z", 0, 0, 1, lambda: _Z),
        _spec("h", 0, 0, 1, lambda: _H),
        _spec("s", 0, 0, 1, lambda: _diag(1, 1j)),
        _spec("sdg", 0, 0, 1, lambda: _diag(1, -1j)),
        _spec("t", 0, 0, 1, lambda: _diag(1, cmath.exp(0.25j * math.pi))),
        _spec("tdg", 0, 0, 1, lambda: _diag(1, cmath.exp(-0.25j * math.pi))),
        _spec("sx", 0, 0, 1, lambda: _SX),
        _spec("sxdg", 0, 0, 1, lambda: _SXDG),
        _spec("rx", 1, 0, 1, _rx),
        _spec("ry", 1, 0, 1, _ry),
        _spec("rz", 1, 0, 1, _rz),
        _spec("p", 1, 0, 1, _phase),
        _spec("u1", 1, 0, 1, _phase),
        _spec("u2", 2, 0, 1, lambda phi, lam: _u3(math.pi / 2, phi, lam)),
        _spec("u3", 3, 0, 1, _u3),
        _spec("u", 3, 0, 1, _u3),
        _spec("cx", 0, 1, 1, lambda: _X),
        _spec("cy", 0, 1, 1, lambda: _Y),
        _spec("cz", 0, 1, 1, lambda: _Z),
        _spec("ch", 0, 1, 1, lambda: _H),
        _spec("csx", 0, 1, 1, lambda: _SX),
        _spec("swap", 0, 0, 2, lambda: _SWAP),
        _spec("iswap", 0, 0, 2, lambda: _ISWAP),
        _spec("crx", 1, 1, 1, _rx),
        _spec("cry", 1, 1, 1, _ry),
        _spec("crz", 1, 1, 1, _rz),
        _spec("cp", 1, 1, 1, _phase),
        _spec("cu1", 1, 1, 1, _phase),
        _spec("cu3", 3, 1, 1, _u3),
        _spec("cu", 4, 1, 1, _cu),
        _spec("rxx", 1, 0, 2, _rxx),
        _spec("ryy", 1, 0, 2, _ryy),
        _spec("rzz", 1, 0, 2, _rzz),
        _spec("ccx", 0, 2, 1, lambda: _X),
        _spec("cswap", 0, 1, 2, lambda: _SWAP),
        _spec("mcx", 0, None, 1, lambda: _X),
    ]
}
"""Every named gate gpuq simulates natively."""


def gate_spec(name: str) -> GateSpec:
    """Look a gate up by name.

    Raises:
        CircuitError: the name is not in the library.
    """
    try:
        return GATES[name]
    except KeyError:
        raise CircuitError(f"unknown gate {name!r}; known gates: {', '.join(sorted(GATES))}") from None


def gate_parameter(name: str, value: object) -> float | ParameterExpression:
    """Check one gate angle: a finite real number, or an expression kept symbolic until bound.

    Raises:
        CircuitError: anything else (a string, a bool, NaN, infinity).
    """
    if isinstance(value, ParameterExpression):
        return value if value.parameters else float(value)
    if (
        isinstance(value, (Real, np.floating, np.integer))
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    ):
        return float(value)
    raise CircuitError(f"gate {name!r} parameter {value!r} is not a finite real number or a Parameter expression")


def base_operator(name: str, params: Sequence[float]) -> BaseOperator:
    """The base operator of gate ``name`` with ``params``.

    Raises:
        CircuitError: unknown gate, or the wrong number of parameters.
    """
    spec = gate_spec(name)
    if len(params) != spec.num_params:
        raise CircuitError(f"gate {name!r} takes {spec.num_params} parameter(s), got {len(params)}")
    return spec.base(*(float(p) for p in params))


def gate_matrix(name: str, params: Sequence[float] = (), num_qubits: int | None = None) -> np.ndarray:
    """The full matrix of a gate, controls included, little-endian over its qubit arguments.

    Args:
        name: gate name.
        params: its parameters.
        num_qubits: total qubit count, needed only for ``mcx``.
    """
    spec = gate_spec(name)
    base = base_operator(name, params).to_matrix()
    total = num_qubits if num_qubits is not None else spec.num_qubits()
    ncontrols = total - spec.base_qubits
    return controlled_matrix(base, ncontrols)


def controlled_matrix(base: np.ndarray, num_controls: int) -> np.ndarray:
    """Embed ``base`` under ``num_controls`` controls placed on the lowest bits."""
    if num_controls == 0:
        return base
    dim_c = 1 << num_controls
    dim = base.shape[0] * dim_c
    full = np.eye(dim, dtype=complex)
    rows = [(r << num_controls) | (dim_c - 1) for r in range(base.shape[0])]
    full[np.ix_(rows, rows)] = base
    return full


def check_unitary(matrix: np.ndarray, atol: float = 1e-8) -> np.ndarray:
    """Return ``matrix`` as a complex array after checking it is a square unitary of size ``2**k``.

    Raises:
        CircuitError: not square, not a power of two, or not unitary.
    """
    matrix = np.asarray(matrix, dtype=complex)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise CircuitError(f"unitary must be a square matrix, got shape {matrix.shape}")
    dim = matrix.shape[0]
    if dim < 2 or dim & (dim - 1):
        raise CircuitError(f"unitary size must be a power of two (2, 4, 8, …), got {dim}")
    if not np.allclose(matrix.conj().T @ matrix, np.eye(dim), atol=atol):
        raise CircuitError("matrix is not unitary (U†U differs from the identity)")
    return matrix
