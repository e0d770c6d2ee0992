"""Gate definitions, and their expansion into library instructions under the reader's caps.

Every gate call ends as library gates: a gate with a ``native`` library gate
(``U``, ``CX``, most of qelib1) is appended as that gate; a user ``gate`` is
expanded at each call, its body's expressions evaluated with the call's
parameter values. A user gate whose name is a library gate (``iswap``,
``ryy``, as ``dumps`` writes them) becomes that library gate when its
definition has the same matrix up to global phase.

A body refers to the ``GateDef`` objects of the gates it calls, bound when the
body is read, as OpenQASM 2.0 means it (a later definition of the same name
does not change an earlier gate). So each definition knows, when it is read,
how deep its expansion nests (``nesting``, capped by ``MAX_GATE_NESTING``, which
also bounds the recursion here), a bound on the instructions and calls one call
makes (``size``) and how many expression terms it evaluates (``evaluations``). The
reader charges a call these bounds before expanding it, so a call that would
take the program past ``MAX_OPERATIONS`` or ``MAX_EVALUATIONS`` is refused
before any of it is expanded: doubling definitions fail at once rather than
after 2^k steps.

Whether a user gate is its library namesake is decided once per definition,
by comparing matrices at two fixed, generic sets of parameter values: matrix
entries are analytic in the parameters, so a definition that equals the
library gate there equals it everywhere (a definition that does not is
expanded, which is exact in any case).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ...exceptions import CircuitError
from ..gates import GATES, gate_matrix
from ..instruction import CircuitInstruction, Condition, Operation
from ..quantumcircuit import QuantumCircuit
from ..register import QuantumRegister
from .expressions import Expression
from .grammar import error_at
from .limits import MAX_EVALUATIONS, MAX_OPERATIONS
from .matrices import circuit_matrix, equal_up_to_phase

_MAX_MATCH_QUBITS = 3
_MAX_MATCH_SIZE = 4096
_MAX_MATCH_EVALUATIONS = 65_536
"""A definition larger than these is expanded without being compared with the library gate of its name."""
_MATCH_POINTS = ((0.7319, -1.1853, 2.4107, 0.3391), (-2.0573, 0.4829, -0.9166, 1.7702))
"""Parameter values at which a definition is compared with its library namesake (generic: no multiples of pi)."""


@dataclass
class BodyOp:
    """One statement of a gate body: a call of ``gate`` (None for a barrier) on the gate's own qubit arguments."""

    gate: GateDef | None
    token: Any
    params: tuple[Expression, ...]
    qargs: tuple[int, ...]


@dataclass
class GateDef:
    """A gate known to the program: built in, from qelib1, or declared by the user.

    Attributes:
        size: what one call is charged, at least the work it does: 1 for a native gate; for a user gate,
            1 for the call plus its body's (a barrier on k qubits counted as k); up to ``MAX_OPERATIONS + 1``.
        evaluations: how many expression terms one call evaluates, counted up to ``MAX_EVALUATIONS + 1``.
        nesting: how many levels of definitions a call expands through (0 for a native gate).
        is_library_gate: whether the definition equals the library gate of its name (None: not decided yet).
    """

    name: str
    params: tuple[str, ...]
    qargs: tuple[str, ...]
    body: list[BodyOp] = field(default_factory=list)
    native: str | None = None
    native_params: Any = None
    from_include: bool = False
    size: int = 1
    evaluations: int = 0
    nesting: int = 0
    is_library_gate: bool | None = None

    def measure(self) -> None:
        """Set ``size``, ``evaluations`` and ``nesting`` from the body (whose gates are already measured)."""
        if self.native is not None:
            self.size, self.evaluations, self.nesting = 1, 0, 0
            return
        called = [(op, op.gate) for op in self.body if op.gate is not None]
        self.nesting = 1 + max((gate.nesting for _, gate in called), default=0)
        size = 1 + sum(len(op.qargs) if op.gate is None else op.gate.size for op in self.body)
        evaluations = sum(gate.evaluations + sum(len(expr.code) for expr in op.params) for op, gate in called)
        self.size = min(size, MAX_OPERATIONS + 1)
        self.evaluations = min(evaluations, MAX_EVALUATIONS + 1)


BUILTINS = {
    "U": GateDef("U", ("theta", "phi", "lambda"), ("q",), native="u"),
    "CX": GateDef("CX", (), ("c", "t"), native="cx"),
}
"""OpenQASM 2.0's two built-in gates."""


class Expander:
    """Appends to one circuit, expanding user gates; the reader charges each statement's cost first.

    ``charge`` keeps a program within ``MAX_OPERATIONS`` and ``MAX_EVALUATIONS``:
    each statement is charged before it runs with a bound on its instructions
    that also covers its work: a barrier on k qubits counts k, for the k qubits
    it holds, and each user-gate call expanded counts 1, so that neither empty
    bodies nor long chains of definitions calling one another come for free.
    """

    def __init__(self, circuit: QuantumCircuit):
        self.circuit = circuit
        self.instructions = 0
        self.evaluations = 0

    def charge(self, instructions: int, token: Any, evaluations: int = 0) -> None:
        """Count a statement's cost, refusing it (before any of its work) when it goes past a cap."""
        if self.instructions + instructions > MAX_OPERATIONS:
            raise error_at(
                f"this statement takes the circuit past {MAX_OPERATIONS:,} instructions, the most a "
                "program may have (counted after expanding gate definitions, with one more for each "
                "user-gate call and one for each qubit of a barrier)",
                token,
            )
        if self.evaluations + evaluations > MAX_EVALUATIONS:
            raise error_at(
                f"expanding this statement takes the program past {MAX_EVALUATIONS:,} evaluated "
                "expression terms, the most a program may need",
                token,
            )
        self.instructions += instructions
        self.evaluations += evaluations

    def append(self, operation: Operation, qubits: tuple, clbits: tuple, condition: Condition | None) -> None:
        """Append one instruction."""
        self.circuit.data.append(CircuitInstruction(operation, qubits, clbits, condition))

    def apply(
        self,
        gate: GateDef,
        values: tuple[float, ...],
        qubits: tuple,
        condition: Condition | None,
        token: Any,
        match: bool = True,
    ) -> None:
        """Append ``gate`` with parameter ``values`` on ``qubits``: as its library gate, or expanded."""
        if gate.native is not None:
            params = gate.native_params(values) if gate.native_params else values
            self._append_gate(gate.native, params, qubits, condition, token)
            return
        if match and self._library_match(gate, values):
            self._append_gate(gate.name, values, qubits, condition, token)
            return
        env = dict(zip(gate.params, values))
        for op in gate.body:
            op_qubits = tuple(qubits[i] for i in op.qargs)
            if op.gate is None:
                if condition is None:
                    self.append(Operation("barrier", len(op_qubits)), op_qubits, (), None)
                continue
            op_values = tuple(expr.evaluate(env) for expr in op.params)
            self.apply(op.gate, op_values, op_qubits, condition, token)

    def _library_match(self, gate: GateDef, values: tuple[float, ...]) -> bool:
        """Whether the library gate of ``gate``'s name equals its definition up to global phase (decided once)."""
        if gate.is_library_gate is None:
            spec = GATES.get(gate.name)
            gate.is_library_gate = (
                spec is not None
                and spec.num_controls is not None
                and spec.num_params == len(values)
                and spec.num_qubits() == len(gate.qargs) <= _MAX_MATCH_QUBITS
                and gate.size <= _MAX_MATCH_SIZE
                and gate.evaluations <= _MAX_MATCH_EVALUATIONS
                and all(self._matches_at(gate, point[: len(values)]) for point in _MATCH_POINTS)
            )
        return gate.is_library_gate

    def _matches_at(self, gate: GateDef, values: tuple[float, ...]) -> bool:
        try:
            actual = self._definition_matrix(gate, values)
        except CircuitError:
            return False
        return equal_up_to_phase(actual, gate_matrix(gate.name, values))

    @staticmethod
    def _definition_matrix(gate: GateDef, values: tuple[float, ...]) -> np.ndarray:
        """The matrix of ``gate``'s expansion on its own qubits (little-endian over its arguments)."""
        scratch = Expander(QuantumCircuit(QuantumRegister(len(gate.qargs), "q"), name="scratch"))
        scratch.apply(gate, values, tuple(scratch.circuit.qubits), None, None, match=False)
        return circuit_matrix(scratch.circuit)

    def _append_gate(self, name: str, params: tuple[float, ...], qubits: tuple, condition, token) -> None:
        for value in params:
            if not math.isfinite(value):
                raise error_at(f"gate {name!r} parameter evaluates to {value}, which is not finite", token)
        self.append(Operation(name, len(qubits), params=tuple(float(v) for v in params)), qubits, (), condition)
