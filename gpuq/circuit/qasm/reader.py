"""OpenQASM 2.0 → ``QuantumCircuit``: walks the parse tree statement by statement and checks it.

Registers, gate definitions and operations are checked here, against the caps
of ``limits``; expressions are compiled by ``expressions`` and user gates
expanded by ``expansion``. Every problem is a ``QasmError`` with the line and
column of the token at fault, and the file when the text came from one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lark import Tree

from ...exceptions import QasmError
from ..instruction import Condition, Operation
from ..quantumcircuit import QuantumCircuit
from ..register import ClassicalRegister, QuantumRegister
from .expansion import BUILTINS, BodyOp, Expander, GateDef
from .expressions import compile_expression
from .grammar import error_at, parse, qelib1_tree
from .limits import MAX_CLBITS, MAX_GATE_NESTING, MAX_INCLUDE_NESTING, MAX_NUMBER_DIGITS, MAX_QUBITS
from .qelib1 import NATIVE


class Reader:
    """Builds one circuit from one program (and the files it includes).

    Args:
        name: the circuit's name (a fresh one when None).
        base_dir: where ``include`` looks for files other than qelib1.inc (None: the working directory).
    """

    def __init__(self, name: str | None, base_dir: Path | None):
        self.circuit = QuantumCircuit(name=name)
        self.expander = Expander(self.circuit)
        self.base_dir = base_dir
        self.gates: dict[str, GateDef] = dict(BUILTINS)
        self.qregs: dict[str, QuantumRegister] = {}
        self.cregs: dict[str, ClassicalRegister] = {}
        self.condition_bits: dict[str, tuple] = {}  # one tuple per register, shared by all its conditions
        self.source: str | None = None
        self.depth = 0
        self.included_qelib1 = False

    # --------------------------------------------------------------- program
    def run(self, text: str, source: str | None = None) -> QuantumCircuit:
        """Interpret ``text`` (read from the file named ``source``, if any) and return the circuit."""
        self._program(parse(text, source), source)
        return self.circuit

    def _program(self, tree: Tree, source: str | None) -> None:
        outer, self.source = self.source, source
        try:
            for node in tree.children:
                getattr(self, "_" + node.data)(node)
        except QasmError as exc:
            if exc.source is None and source is not None:
                raise QasmError(exc.reason, exc.line, exc.column, source) from None
            raise
        finally:
            self.source = outer

    def _version(self, node: Tree) -> None:
        token = node.children[0]
        if str(token) not in ("2", "2.0"):
            raise error_at(f"only OpenQASM 2.0 is supported, this program declares version {token}", token)

    def _include(self, node: Tree) -> None:
        token = node.children[0]
        filename = str(token)[1:-1]
        if filename == "qelib1.inc":
            self._include_qelib1(token)
            return
        path = (self.base_dir or Path.cwd()) / filename
        try:
            is_file = path.is_file()
        except (OSError, ValueError):  # a name too long, or with a NUL in it
            is_file = False
        if not is_file:
            raise error_at(
                f"cannot include {filename!r}: no such file (only qelib1.inc is built in; other "
                f"files are looked up next to the program)",
                token,
            )
        if self.depth >= MAX_INCLUDE_NESTING:
            raise error_at(f"includes nested deeper than {MAX_INCLUDE_NESTING} levels (an include cycle?)", token)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise error_at(f"cannot include {filename!r}: {exc.__class__.__name__}: {exc}", token) from None
        shown = filename if self.source is None else str(Path(self.source).parent / filename)
        self.depth += 1
        try:
            self._program(parse(text, shown), shown)
        finally:
            self.depth -= 1

    def _include_qelib1(self, token: Any) -> None:
        if self.included_qelib1:
            return
        self.included_qelib1 = True
        for name, gate in qelib1_gates().items():
            if name in self.gates and not self.gates[name].from_include:
                raise error_at(f"qelib1.inc defines gate {name!r}, which this program already defined", token)
            self.gates[name] = gate

    # ------------------------------------------------------------- registers
    def _qreg(self, node: Tree) -> None:
        self._register(node, QuantumRegister, self.qregs)

    def _creg(self, node: Tree) -> None:
        self._register(node, ClassicalRegister, self.cregs)

    def _register(self, node: Tree, kind: type, table: dict) -> None:
        name_token, size_token = node.children
        name, size = str(name_token), _integer(size_token)
        if name in self.qregs or name in self.cregs:
            raise error_at(f"register {name!r} is already declared", name_token)
        if name in self.gates and not self.gates[name].from_include:
            raise error_at(f"{name!r} is already the name of a gate", name_token)
        if size < 1:
            raise error_at(f"register {name!r} must have at least one bit, got size {size}", size_token)
        if kind is QuantumRegister:
            declared, cap, bits = self.circuit.num_qubits, MAX_QUBITS, "qubits"
        else:
            declared, cap, bits = self.circuit.num_clbits, MAX_CLBITS, "classical bits"
        if declared + size > cap:
            raise error_at(
                f"register {name!r} of size {size} takes the program past {cap:,} {bits}, "
                "the most a program may declare",
                size_token,
            )
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
        positions = {qarg: index for index, qarg in enumerate(qargs)}
        gate.body = [self._body_op(op, gate, positions) for op in body]
        gate.measure()
        if gate.nesting > MAX_GATE_NESTING:
            raise error_at(
                f"gate {name!r} nests gate definitions {gate.nesting} levels deep; at most "
                f"{MAX_GATE_NESTING} are allowed",
                name_token,
            )
        self.gates[name] = gate

    def _opaque(self, node: Tree) -> None:
        name_token = node.children[0]
        raise error_at(
            f"opaque gate {str(name_token)!r}: opaque gates have no definition, so gpuq cannot "
            "simulate them; declare it with 'gate' and a body instead",
            name_token,
        )

    def _check_new_gate(self, name_token: Any) -> None:
        name = str(name_token)
        if name in BUILTINS:
            raise error_at(f"{name!r} is a built-in gate and cannot be redefined", name_token)
        if name in self.gates and not self.gates[name].from_include:
            raise error_at(f"gate {name!r} is already defined", name_token)
        if name in self.qregs or name in self.cregs:
            raise error_at(f"{name!r} is already the name of a register", name_token)

    @staticmethod
    def _names(node: Tree | None, what: str) -> tuple[str, ...]:
        names: dict[str, None] = {}
        for token in node.children if node is not None else ():
            if str(token) in names:
                raise error_at(f"{what} {str(token)!r} is listed twice", token)
            names[str(token)] = None
        return tuple(names)

    def _body_op(self, node: Tree, gate: GateDef, positions: dict[str, int]) -> BodyOp:
        if node.data == "barrier":
            args = node.children[0].children
            return BodyOp(None, args[0].children[0], (), tuple(self._body_qarg(a, gate, positions) for a in args))
        name_token, params, args = self._call_parts(node)
        callee = self._lookup(name_token)
        expressions = tuple(compile_expression(expr, gate.params, f"gate {gate.name!r}") for expr in params)
        qargs = tuple(self._body_qarg(a, gate, positions) for a in args)
        self._check_arity(callee, name_token, len(expressions), len(qargs))
        if len(set(qargs)) != len(qargs):
            raise error_at(f"gate {callee.name!r} is given the same qubit twice", name_token)
        return BodyOp(callee, name_token, expressions, qargs)

    @staticmethod
    def _body_qarg(node: Tree, gate: GateDef, positions: dict[str, int]) -> int:
        token = node.children[0]
        if len(node.children) > 1:
            raise error_at(
                f"inside gate {gate.name!r} qubits are named by argument only; "
                f"'{token}[{node.children[1]}]' is not allowed",
                token,
            )
        if str(token) not in positions:
            raise error_at(
                f"{str(token)!r} is not a qubit argument of gate {gate.name!r} "
                f"(its arguments are {', '.join(gate.qargs)})",
                token,
            )
        return positions[str(token)]

    @staticmethod
    def _call_parts(node: Tree) -> tuple[Any, list, list]:
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
            raise error_at(f"unknown gate {name!r}{hint}", name_token)
        return gate

    @staticmethod
    def _check_arity(gate: GateDef, token: Any, nparams: int, nqargs: int) -> None:
        if nparams != len(gate.params):
            raise error_at(f"gate {gate.name!r} takes {len(gate.params)} parameter(s), got {nparams}", token)
        if nqargs != len(gate.qargs):
            raise error_at(f"gate {gate.name!r} acts on {len(gate.qargs)} qubit(s), got {nqargs}", token)

    # ------------------------------------------------------------ operations
    def _gate_call(self, node: Tree, condition: Condition | None = None) -> None:
        name_token, params, args = self._call_parts(node)
        gate = self._lookup(name_token)
        values = tuple(compile_expression(expr, (), None).evaluate({}) for expr in params)
        qubit_lists = [self._qubits(arg) for arg in args]
        self._check_arity(gate, name_token, len(values), len(qubit_lists))
        calls = self._broadcast(qubit_lists, name_token)
        self.expander.charge(gate.size * len(calls), name_token, gate.evaluations * len(calls))
        for qubits in calls:
            self.expander.apply(gate, values, qubits, condition, name_token)

    def _measure(self, node: Tree, condition: Condition | None = None) -> None:
        token = node.children[0].children[0]
        qubits = self._qubits(node.children[0])
        clbits = self._clbits(node.children[1])
        if len(qubits) != len(clbits):
            raise error_at(
                f"measure needs as many classical bits as qubits, got {len(qubits)} qubit(s) and {len(clbits)} bit(s)",
                token,
            )
        self.expander.charge(len(qubits), token)
        for qubit, clbit in zip(qubits, clbits):
            self.expander.append(Operation("measure", 1, 1), (qubit,), (clbit,), condition)

    def _reset(self, node: Tree, condition: Condition | None = None) -> None:
        qubits = self._qubits(node.children[0])
        self.expander.charge(len(qubits), node.children[0].children[0])
        for qubit in qubits:
            self.expander.append(Operation("reset", 1), (qubit,), (), condition)

    def _barrier(self, node: Tree) -> None:
        qubits = [q for arg in node.children[0].children for q in self._qubits(arg)]
        qubits = list(dict.fromkeys(qubits))
        self.expander.charge(len(qubits), node.children[0].children[0].children[0])
        self.expander.append(Operation("barrier", len(qubits)), tuple(qubits), (), None)

    def _if_op(self, node: Tree) -> None:
        name_token, value_token, op = node.children
        register = self.cregs.get(str(name_token))
        if register is None:
            what = "a quantum register" if str(name_token) in self.qregs else "not declared"
            raise error_at(f"if needs a classical register; {str(name_token)!r} is {what}", name_token)
        value = _integer(value_token)
        if value.bit_length() > register.size:
            raise error_at(
                f"value {value} does not fit in the {register.size} bit(s) of register {register.name!r}", value_token
            )
        clbits = self.condition_bits.setdefault(register.name, tuple(register))
        condition = Condition(clbits, value, register.name)
        getattr(self, "_" + op.data)(op, condition)

    # ------------------------------------------------------------- operands
    def _qubits(self, node: Tree) -> list:
        return self._bits(node, self.qregs, self.cregs, "quantum")

    def _clbits(self, node: Tree) -> list:
        return self._bits(node, self.cregs, self.qregs, "classical")

    @staticmethod
    def _bits(node: Tree, table: dict, other: dict, kind: str) -> list:
        token = node.children[0]
        register = table.get(str(token))
        if register is None:
            other_kind = "classical" if kind == "quantum" else "quantum"
            what = f"a {other_kind} register" if str(token) in other else "not declared"
            raise error_at(f"expected a {kind} register; {str(token)!r} is {what}", token)
        if len(node.children) == 1:
            return list(register)
        index_token = node.children[1]
        index = _integer(index_token)
        if index >= register.size:
            raise error_at(
                f"index {index} out of range for register {register.name!r} of size {register.size}", index_token
            )
        return [register[index]]

    @staticmethod
    def _broadcast(qubit_lists: list[list], token: Any) -> list[tuple]:
        sizes = {len(q) for q in qubit_lists if len(q) != 1}
        if len(sizes) > 1:
            raise error_at(f"registers of different sizes {sorted(sizes)} cannot be broadcast together", token)
        width = sizes.pop() if sizes else 1
        calls = [tuple(q[0] if len(q) == 1 else q[i] for q in qubit_lists) for i in range(width)]
        for qubits in calls:
            if len(set(qubits)) != len(qubits):
                raise error_at(f"gate {str(token)!r} is given the same qubit twice: {list(qubits)}", token)
        return calls


def _integer(token: Any) -> int:
    """The value of an integer literal, refused past ``MAX_NUMBER_DIGITS`` digits (before converting it)."""
    if len(token) > MAX_NUMBER_DIGITS:
        raise error_at(f"integer of {len(token)} digits; at most {MAX_NUMBER_DIGITS} are allowed", token)
    return int(str(token))


_QELIB1_CACHE: dict[str, GateDef] = {}


def qelib1_gates() -> dict[str, GateDef]:
    """qelib1's gates, read once per process, with natives attached."""
    if not _QELIB1_CACHE:
        reader = Reader("qelib1", None)
        reader._program(qelib1_tree(), None)
        for name, gate in reader.gates.items():  # in the order they are defined, each after the gates it calls
            if name in BUILTINS:
                continue
            gate.from_include = True
            if name in NATIVE:
                gate.native = NATIVE[name].name
                gate.native_params = NATIVE[name].params
            gate.measure()
            _QELIB1_CACHE[name] = gate
    return dict(_QELIB1_CACHE)
