"""OpenQASM 2.0 → ``QuantumCircuit``: walks the parse tree, checks it, and inlines user gates.

Every gate call ends as one library gate: qelib1 gates map onto the library
(``qasm_qelib1.NATIVE``), and user ``gate`` definitions are expanded at each
call with their parameters evaluated, down to library gates. A user gate whose
name is a library gate (``iswap``, ``ryy``, as ``dumps`` writes them) becomes
that library gate when its definition has the same matrix up to global phase;
otherwise it is expanded like any other.

Every problem is a ``QasmError`` with the line and column of the token at
fault.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from lark import Token, Tree

from ..exceptions import CircuitError, QasmError
from .gates import GATES, gate_matrix
from .instruction import CircuitInstruction, Condition, Operation
from .qasm_grammar import parse
from .qasm_qelib1 import NATIVE, QELIB1
from .quantumcircuit import QuantumCircuit
from .register import ClassicalRegister, QuantumRegister

_FUNCTIONS = {"sin": math.sin, "cos": math.cos, "tan": math.tan, "exp": math.exp, "ln": math.log, "sqrt": math.sqrt}
_MAX_INCLUDE_DEPTH = 16
_MAX_MATCH_QUBITS = 3


@dataclass
class BodyOp:
    """One statement of a gate body: a call (or a barrier) on the gate's own qubit arguments."""

    name: str
    token: Any
    params: list
    qargs: list[int]


@dataclass
class GateDef:
    """A gate known to the program: built in, from qelib1, or declared by the user."""

    name: str
    params: tuple[str, ...]
    qargs: tuple[str, ...]
    body: list[BodyOp] = field(default_factory=list)
    native: str | None = None
    native_params: Any = None
    from_include: bool = False
    match_cache: dict = field(default_factory=dict)


_BUILTINS = {
    "U": GateDef("U", ("theta", "phi", "lambda"), ("q",), native="u"),
    "CX": GateDef("CX", (), ("c", "t"), native="cx"),
}


def _error(message: str, token: Any, source: str | None = None) -> QasmError:
    """A QasmError at ``token``'s line and column (none when the token is None)."""
    where = f" (in {source})" if source else ""
    line = getattr(token, "line", None)
    column = getattr(token, "column", None)
    return QasmError(message + where, line, column)


class Reader:
    """Builds one circuit from one program (and the files it includes)."""

    def __init__(self, name: str | None, base_dir: Path | None):
        self.circuit = QuantumCircuit(name=name)
        self.base_dir = base_dir
        self.gates: dict[str, GateDef] = dict(_BUILTINS)
        self.qregs: dict[str, QuantumRegister] = {}
        self.cregs: dict[str, ClassicalRegister] = {}
        self.source: str | None = None
        self.depth = 0
        self.included_qelib1 = False

    # --------------------------------------------------------------- program
    def run(self, text: str, source: str | None = None) -> QuantumCircuit:
        """Interpret ``text`` and return the circuit."""
        self._program(parse(text, source), source)
        return self.circuit

    def _program(self, tree: Tree, source: str | None) -> None:
        outer, self.source = self.source, source
        try:
            for node in tree.children:
                getattr(self, "_" + node.data)(node)
        finally:
            self.source = outer

    def _version(self, node: Tree) -> None:
        token = node.children[0]
        if str(token) not in ("2", "2.0"):
            raise _error(f"only OpenQASM 2.0 is supported, this program declares version {token}", token, self.source)

    def _include(self, node: Tree) -> None:
        token = node.children[0]
        filename = str(token)[1:-1]
        if filename == "qelib1.inc":
            self._include_qelib1(token)
            return
        path = (self.base_dir or Path.cwd()) / filename
        if not path.is_file():
            raise _error(f"cannot include {filename!r}: no such file (only qelib1.inc is built in; other "
                         f"files are looked up next to the program)", token, self.source)
        if self.depth >= _MAX_INCLUDE_DEPTH:
            raise _error(f"includes nested deeper than {_MAX_INCLUDE_DEPTH} levels (an include cycle?)", token, self.source)
        self.depth += 1
        try:
            self._program(parse(path.read_text(), filename), filename)
        finally:
            self.depth -= 1

    def _include_qelib1(self, token: Any) -> None:
        if self.included_qelib1:
            return
        self.included_qelib1 = True
        for name, gate in _qelib1_gates().items():
            if name in self.gates and not self.gates[name].from_include:
                raise _error(f"qelib1.inc defines gate {name!r}, which this program already defined", token, self.source)
            self.gates[name] = gate

    # ------------------------------------------------------------- registers
    def _qreg(self, node: Tree) -> None:
        self._register(node, QuantumRegister, self.qregs)

    def _creg(self, node: Tree) -> None:
        self._register(node, ClassicalRegister, self.cregs)

    def _register(self, node: Tree, kind: type, table: dict) -> None:
        name_token, size_token = node.children
        name, size = str(name_token), int(str(size_token))
        if name in self.qregs or name in self.cregs:
            raise _error(f"register {name!r} is already declared", name_token, self.source)
        if name in self.gates and not self.gates[name].from_include:
            raise _error(f"{name!r} is already the name of a gate", name_token, self.source)
        if size < 1:
            raise _error(f"register {name!r} must have at least one bit, got size {size}", size_token, self.source)
        register = kind(size, name)
        table[name] = register
        self.circuit.add_register(register)

    # ----------------------------------------------------------------- gates
    def _gate_def(self, node: Tree) -> None:
        name_token, param_node, qarg_node, *body = node.children
        name = str(name_token)
        params = self._names(param_node.children[0] if param_node.children else None, "parameter")
        qargs = self._names(qarg_node, "qubit argument")
        self._check_new_gate(name_token)
        gate = GateDef(name, params, qargs)
        for op in body:
            gate.body.append(self._body_op(op, gate))
        self.gates[name] = gate

    def _opaque(self, node: Tree) -> None:
        name_token = node.children[0]
        raise _error(f"opaque gate {str(name_token)!r}: opaque gates have no definition, so gpuq cannot "
                     "simulate them; declare it with 'gate' and a body instead", name_token, self.source)

    def _check_new_gate(self, name_token: Any) -> None:
        name = str(name_token)
        if name in _BUILTINS:
            raise _error(f"{name!r} is a built-in gate and cannot be redefined", name_token, self.source)
        if name in self.gates and not self.gates[name].from_include:
            raise _error(f"gate {name!r} is already defined", name_token, self.source)
        if name in self.qregs or name in self.cregs:
            raise _error(f"{name!r} is already the name of a register", name_token, self.source)

    def _names(self, node: Tree | None, what: str) -> tuple[str, ...]:
        names: list[str] = []
        for token in (node.children if node is not None else ()):
            if str(token) in names:
                raise _error(f"{what} {str(token)!r} is listed twice", token, self.source)
            names.append(str(token))
        return tuple(names)

    def _body_op(self, node: Tree, gate: GateDef) -> BodyOp:
        if node.data == "barrier":
            args = node.children[0].children
            return BodyOp("barrier", args[0].children[0], [], [self._body_qarg(a, gate) for a in args])
        name_token, params, args = self._call_parts(node)
        callee = self._lookup(name_token)
        for expr in params:
            self._check_expr(expr, gate.params, f"gate {gate.name!r}")
        qargs = [self._body_qarg(a, gate) for a in args]
        self._check_arity(callee, name_token, len(params), len(qargs))
        if len(set(qargs)) != len(qargs):
            raise _error(f"gate {callee.name!r} is given the same qubit twice", name_token, self.source)
        return BodyOp(callee.name, name_token, params, qargs)

    def _body_qarg(self, node: Tree, gate: GateDef) -> int:
        token = node.children[0]
        if len(node.children) > 1:
            raise _error(f"inside gate {gate.name!r} qubits are named by argument only; "
                         f"'{token}[{node.children[1]}]' is not allowed", token, self.source)
        if str(token) not in gate.qargs:
            raise _error(f"{str(token)!r} is not a qubit argument of gate {gate.name!r} "
                         f"(its arguments are {', '.join(gate.qargs)})", token, self.source)
        return gate.qargs.index(str(token))

    def _check_expr(self, expr, names: tuple[str, ...], where: str | None) -> None:
        if isinstance(expr, Token):
            return
        if expr.data == "variable" and str(expr.children[0]) not in names:
            token = expr.children[0]
            if where is None:
                known = "; names can only be used inside a gate definition, for its parameters"
            else:
                known = f"; the parameters of {where} are {', '.join(names)}" if names else f"; {where} has no parameters"
            raise _error(f"unknown parameter {str(token)!r}{known}", token, self.source)
        if expr.data == "call" and str(expr.children[0]) not in _FUNCTIONS:
            token = expr.children[0]
            raise _error(f"unknown function {str(token)!r}; expected one of {', '.join(_FUNCTIONS)}", token, self.source)
        for child in expr.children:
            if isinstance(child, Tree):
                self._check_expr(child, names, where)

    def _call_parts(self, node: Tree) -> tuple[Any, list, list]:
        first: Any = node.children[0]
        if first.type == "U":
            return first, list(node.children[1].children), [node.children[2]]
        if first.type == "CX":
            return first, [], list(node.children[1:])
        params = node.children[1].children[0].children if node.children[1].children else []
        return first, list(params), list(node.children[2].children)

    def _lookup(self, name_token: Any) -> GateDef:
        name = str(name_token)
        gate = self.gates.get(name)
        if gate is None:
            hint = ""
            if name in NATIVE and not self.included_qelib1:
                hint = '; it is defined in qelib1.inc: add include "qelib1.inc"; after the OPENQASM line'
            elif name in ("measure", "reset"):
                hint = f"; {name} cannot be used inside a gate definition"
            raise _error(f"unknown gate {name!r}{hint}", name_token, self.source)
        return gate

    def _check_arity(self, gate: GateDef, token: Any, nparams: int, nqargs: int) -> None:
        if nparams != len(gate.params):
            raise _error(f"gate {gate.name!r} takes {len(gate.params)} parameter(s), got {nparams}", token, self.source)
        if nqargs != len(gate.qargs):
            raise _error(f"gate {gate.name!r} acts on {len(gate.qargs)} qubit(s), got {nqargs}", token, self.source)

    # ------------------------------------------------------------ operations
    def _gate_call(self, node: Tree, condition: Condition | None = None) -> None:
        name_token, params, args = self._call_parts(node)
        gate = self._lookup(name_token)
        for expr in params:
            self._check_expr(expr, (), None)
        values = tuple(self._evaluate(expr, {}) for expr in params)
        qubit_lists = [self._qubits(arg) for arg in args]
        self._check_arity(gate, name_token, len(values), len(qubit_lists))
        for qubits in self._broadcast(qubit_lists, name_token):
            self._apply(gate, values, qubits, condition, name_token)

    def _measure(self, node: Tree, condition: Condition | None = None) -> None:
        qubits = self._qubits(node.children[0])
        clbits = self._clbits(node.children[1])
        if len(qubits) != len(clbits):
            raise _error(f"measure needs as many classical bits as qubits, got {len(qubits)} qubit(s) and "
                         f"{len(clbits)} bit(s)", node.children[0].children[0], self.source)
        for qubit, clbit in zip(qubits, clbits):
            self._append(Operation("measure", 1, 1), (qubit,), (clbit,), condition)

    def _reset(self, node: Tree, condition: Condition | None = None) -> None:
        for qubit in self._qubits(node.children[0]):
            self._append(Operation("reset", 1), (qubit,), (), condition)

    def _barrier(self, node: Tree) -> None:
        qubits = [q for arg in node.children[0].children for q in self._qubits(arg)]
        qubits = list(dict.fromkeys(qubits))
        self._append(Operation("barrier", len(qubits)), tuple(qubits), (), None)

    def _if_op(self, node: Tree) -> None:
        name_token, value_token, op = node.children
        register = self.cregs.get(str(name_token))
        if register is None:
            what = "a quantum register" if str(name_token) in self.qregs else "not declared"
            raise _error(f"if needs a classical register; {str(name_token)!r} is {what}", name_token, self.source)
        value = int(str(value_token))
        if value >= 1 << register.size:
            raise _error(f"value {value} does not fit in the {register.size} bit(s) of register "
                         f"{register.name!r}", value_token, self.source)
        condition = Condition(tuple(register), value, register.name)  # type: ignore[arg-type]
        getattr(self, "_" + op.data)(op, condition)

    # ------------------------------------------------------------ expansion
    def _apply(self, gate: GateDef, values: tuple[float, ...], qubits: tuple, condition, token: Any,
               match: bool = True) -> None:
        if gate.native is not None:
            params = gate.native_params(values) if gate.native_params else values
            self._append_gate(gate.native, params, qubits, condition, token)
            return
        if match and self._library_match(gate, values) is not None:
            self._append_gate(gate.name, values, qubits, condition, token)
            return
        env = dict(zip(gate.params, values))
        for op in gate.body:
            op_qubits = tuple(qubits[i] for i in op.qargs)
            if op.name == "barrier":
                if condition is None:
                    self._append(Operation("barrier", len(op_qubits)), op_qubits, (), None)
                continue
            op_values = tuple(self._evaluate(expr, env) for expr in op.params)
            self._apply(self.gates[op.name] if op.name not in _BUILTINS else _BUILTINS[op.name],
                        op_values, op_qubits, condition, token)

    def _library_match(self, gate: GateDef, values: tuple[float, ...]) -> str | None:
        """The library gate of the same name, when the definition equals it up to global phase."""
        spec = GATES.get(gate.name)
        if (spec is None or spec.num_controls is None or spec.num_params != len(values)
                or spec.num_qubits() != len(gate.qargs) or len(gate.qargs) > _MAX_MATCH_QUBITS):
            return None
        if values not in gate.match_cache:
            try:
                actual = self._definition_matrix(gate, values)
            except CircuitError:
                actual = None
            expected = gate_matrix(gate.name, values)
            gate.match_cache[values] = actual is not None and _equal_up_to_phase(actual, expected)
        return gate.name if gate.match_cache[values] else None

    def _definition_matrix(self, gate: GateDef, values: tuple[float, ...]) -> np.ndarray:
        """The matrix of ``gate``'s expansion on its own qubits (little-endian over its arguments)."""
        scratch = Reader.__new__(Reader)
        scratch.__dict__.update(self.__dict__)
        scratch.circuit = QuantumCircuit(QuantumRegister(len(gate.qargs), "q"), name="scratch")
        scratch._apply(gate, values, tuple(scratch.circuit.qubits), None, None, match=False)
        return circuit_matrix(scratch.circuit)

    def _append_gate(self, name: str, params: tuple[float, ...], qubits: tuple, condition, token) -> None:
        for value in params:
            if not math.isfinite(value):
                raise _error(f"gate {name!r} parameter evaluates to {value}, which is not finite", token, self.source)
        self._append(Operation(name, len(qubits), params=tuple(float(v) for v in params)), qubits, (), condition)

    def _append(self, operation: Operation, qubits: tuple, clbits: tuple, condition) -> None:
        self.circuit.data.append(CircuitInstruction(operation, qubits, clbits, condition))

    # ------------------------------------------------------------- operands
    def _qubits(self, node: Tree) -> list:
        return self._bits(node, self.qregs, self.cregs, "quantum")

    def _clbits(self, node: Tree) -> list:
        return self._bits(node, self.cregs, self.qregs, "classical")

    def _bits(self, node: Tree, table: dict, other: dict, kind: str) -> list:
        token = node.children[0]
        register = table.get(str(token))
        if register is None:
            what = f"a {'classical' if kind == 'quantum' else 'quantum'} register" if str(token) in other else "not declared"
            raise _error(f"expected a {kind} register; {str(token)!r} is {what}", token, self.source)
        if len(node.children) == 1:
            return list(register)
        index_token = node.children[1]
        index = int(str(index_token))
        if index >= register.size:
            raise _error(f"index {index} out of range for register {register.name!r} of size {register.size}",
                         index_token, self.source)
        return [register[index]]

    def _broadcast(self, qubit_lists: list[list], token: Any) -> list[tuple]:
        sizes = {len(q) for q in qubit_lists if len(q) != 1}
        if len(sizes) > 1:
            raise _error(f"registers of different sizes {sorted(sizes)} cannot be broadcast together", token, self.source)
        width = sizes.pop() if sizes else 1
        calls = [tuple(q[0] if len(q) == 1 else q[i] for q in qubit_lists) for i in range(width)]
        for qubits in calls:
            if len(set(qubits)) != len(qubits):
                raise _error(f"gate {str(token)!r} is given the same qubit twice: {list(qubits)}", token, self.source)
        return calls

    # ------------------------------------------------------------ expressions
    def _evaluate(self, expr, env: dict[str, float]) -> float:
        try:
            return _evaluate(expr, env)
        except (ZeroDivisionError, OverflowError, ValueError) as exc:
            token = next(expr.scan_values(lambda v: isinstance(v, Token)), None) if isinstance(expr, Tree) else expr
            raise _error(f"cannot evaluate the expression: {exc}", token, self.source) from None


def _evaluate(expr, env: dict[str, float]) -> float:
    kind = expr.data
    if kind == "number":
        return float(expr.children[0])
    if kind == "pi":
        return math.pi
    if kind == "variable":
        return env[str(expr.children[0])]
    if kind == "call":
        return _FUNCTIONS[str(expr.children[0])](_evaluate(expr.children[1], env))
    if kind == "neg":
        return -_evaluate(expr.children[0], env)
    left, right = (_evaluate(child, env) for child in expr.children)
    if kind == "add":
        return left + right
    if kind == "sub":
        return left - right
    if kind == "mul":
        return left * right
    if kind == "div":
        return left / right
    if kind == "pow":
        value = left ** right
        if isinstance(value, complex):
            raise ValueError(f"{left} ^ {right} is not a real number")
        return float(value)
    raise AssertionError(f"unknown expression node {kind}")  # pragma: no cover - the grammar has no others


def _equal_up_to_phase(a: np.ndarray, b: np.ndarray, atol: float = 1e-9) -> bool:
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
            matrix = gate_matrix(inst.name, inst.params, len(targets))
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


_QELIB1_CACHE: dict[str, GateDef] = {}


def _qelib1_gates() -> dict[str, GateDef]:
    """qelib1's gates, read once per process, with natives attached."""
    if not _QELIB1_CACHE:
        reader = Reader("qelib1", None)
        reader._program(parse(QELIB1, "qelib1.inc"), "qelib1.inc")
        for name, gate in reader.gates.items():
            if name in _BUILTINS:
                continue
            gate.from_include = True
            if name in NATIVE:
                gate.native = NATIVE[name].name
                gate.native_params = NATIVE[name].params
            _QELIB1_CACHE[name] = gate
    return dict(_QELIB1_CACHE)
