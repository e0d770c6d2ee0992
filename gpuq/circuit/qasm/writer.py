"""``QuantumCircuit`` → OpenQASM 2.0 text that includes qelib1.inc.

Gates that qelib1 names are written as they are. The others get a ``gate``
definition in terms of qelib1 gates, written once before the registers:
``iswap`` and ``ryy`` (under their own names, which ``loads`` maps back to
the library gates), ``mcx`` with five or more controls (``mcx_<k>``; with 1
to 4 controls it is ``cx``, ``ccx``, ``c3x`` or ``c4x``), and each
``unitary`` (``unitary_<i>``, exact up to a global phase, see
``decompose``). A circuit's ``global_phase`` has no OpenQASM 2 form and
is not written; no measurement can see it.

Parameters are written as multiples of pi when that gives back the very same
float (``pi/2``, ``-3*pi/4``), else with ``repr``, which reads back exactly.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ...exceptions import CircuitError
from ..parameter import ParameterExpression
from .decompose import Op, mcx_ops, unitary_ops
from .qelib1 import NATIVE

if TYPE_CHECKING:
    from ..quantumcircuit import QuantumCircuit

_QELIB1_NATIVE = {name for name, native in NATIVE.items() if native.name == name}
_MCX_NAMES = {1: "cx", 2: "ccx", 3: "c3x", 4: "c4x"}

_FIXED_DEFINITIONS = {
    "iswap": "gate iswap a,b { s a; s b; h a; cx a,b; cx b,a; h b; }",
    "ryy": ("gate ryy(theta) a,b { rx(pi/2) a; rx(pi/2) b; cx a,b; rz(theta) b; cx a,b; rx(-pi/2) a; rx(-pi/2) b; }"),
}


def format_param(value: float) -> str:
    """``value`` as an OpenQASM expression that evaluates back to the same float."""
    if isinstance(value, ParameterExpression):
        raise CircuitError(
            f"gate angle {value} has unbound parameters; OpenQASM 2 cannot express them: "
            "bind them first with circuit.assign_parameters(...)"
        )
    value = float(value)
    if not math.isfinite(value):
        raise CircuitError(f"parameter {value} is not finite and cannot be written to OpenQASM")
    if value == 0:
        return "0"
    if abs(value) > 65 * math.pi:
        return repr(value)
    for denominator in (1, 2, 3, 4, 6, 8, 12, 16, 32, 64):
        numerator = round(value / math.pi * denominator)
        if numerator == 0 or abs(numerator) > 64:
            continue
        if _pi_fraction(numerator, denominator) == value:
            sign = "-" if numerator < 0 else ""
            text = "pi" if abs(numerator) == 1 else f"{abs(numerator)}*pi"
            return sign + text + (f"/{denominator}" if denominator != 1 else "")
    return repr(value)


def _pi_fraction(numerator: int, denominator: int) -> float:
    """What the reader computes for ``[-][n*]pi[/d]``."""
    magnitude = math.pi if abs(numerator) == 1 else abs(numerator) * math.pi
    if denominator != 1:
        magnitude = magnitude / denominator
    return -magnitude if numerator < 0 else magnitude


class Writer:
    """Collects gate definitions and statements for one circuit."""

    def __init__(self, circuit: QuantumCircuit):
        self.circuit = circuit
        self.taken = {r.name for r in circuit.qregs + circuit.cregs}
        self.definitions: list[str] = []
        self.defined: dict[tuple, str] = {}

    def dumps(self) -> str:
        """The program text."""
        statements = [self._statement(inst) for inst in self.circuit.data]
        lines = ["OPENQASM 2.0;", 'include "qelib1.inc";']
        lines += self.definitions
        lines += [f"qreg {r.name}[{r.size}];" for r in self.circuit.qregs]
        lines += [f"creg {r.name}[{r.size}];" for r in self.circuit.cregs]
        lines += [s for s in statements if s]
        return "\n".join(lines) + "\n"

    # ----------------------------------------------------------- statements
    def _statement(self, inst: Any) -> str:
        name = inst.name
        qubits = [self._bit(q) for q in inst.qubits]
        if name == "barrier":
            return f"barrier {','.join(qubits)};" if qubits else ""
        prefix = self._condition(inst.condition) if inst.condition is not None else ""
        if name == "measure":
            return f"{prefix}measure {qubits[0]} -> {self._bit(inst.clbits[0])};"
        if name == "reset":
            return f"{prefix}reset {qubits[0]};"
        gate = self._gate_name(inst)
        params = f"({','.join(format_param(p) for p in inst.params)})" if inst.params and name != "unitary" else ""
        return f"{prefix}{gate}{params} {','.join(qubits)};"

    def _bit(self, bit) -> str:
        return f"{bit.register.name}[{bit.index}]"

    def _condition(self, condition) -> str:
        bits = tuple(condition.clbits)
        for register in self.circuit.cregs:
            if tuple(register) == bits:
                return f"if({register.name}=={condition.value}) "
        if len(bits) == 1 and bits[0].register.size == 1:
            return f"if({bits[0].register.name}=={condition.value}) "
        raise CircuitError(
            "OpenQASM 2 can only condition on a whole classical register; this circuit conditions on "
            f"bits {list(bits)}. Put those bits in a register of their own to export it"
        )

    # ----------------------------------------------------------------- gates
    def _gate_name(self, inst: Any) -> str:
        name = inst.name
        if name in _QELIB1_NATIVE:
            return name
        if name in _FIXED_DEFINITIONS:
            return self._define(
                name, name, lambda gate: _FIXED_DEFINITIONS[name].replace(f"gate {name}", f"gate {gate}", 1)
            )
        if name == "mcx":
            controls = len(inst.qubits) - 1
            if controls in _MCX_NAMES:
                return _MCX_NAMES[controls]
            return self._define(
                ("mcx", controls),
                f"mcx_{controls}",
                lambda gate: self._definition(gate, controls + 1, mcx_ops(tuple(range(controls)), controls)),
            )
        if name == "unitary":
            matrix = inst.operation.matrix
            key = ("unitary", matrix.shape, matrix.tobytes())
            count = sum(1 for k in self.defined if k[0] == "unitary")
            return self._define(
                key, f"unitary_{count}", lambda gate: self._definition(gate, len(inst.qubits), unitary_ops(matrix))
            )
        raise CircuitError(f"gate {name!r} has no OpenQASM 2 form that gpuq knows")

    def _define(self, key, wanted: str, build) -> str:
        if not isinstance(key, tuple):
            key = (key,)
        if key in self.defined:
            return self.defined[key]
        gate = wanted
        suffix = 1
        while gate in self.taken:
            gate = f"{wanted}_{suffix}"
            suffix += 1
        self.taken.add(gate)
        self.defined[key] = gate
        self.definitions.append(build(gate))
        return gate

    @staticmethod
    def _definition(gate: str, nqubits: int, ops: list[Op]) -> str:
        names = [f"q{i}" for i in range(nqubits)]
        body = []
        for op_name, params, qubits in ops:
            text = op_name + (f"({','.join(format_param(p) for p in params)})" if params else "")
            body.append(f"  {text} {','.join(names[q] for q in qubits)};")
        return f"gate {gate} {','.join(names)}\n{{\n" + "\n".join(body) + "\n}"


def dumps(circuit: QuantumCircuit) -> str:
    """``circuit`` as OpenQASM 2.0 text.

    Raises:
        CircuitError: a condition on bits that are not a whole register, or an operation with no OpenQASM 2 form.
    """
    return Writer(circuit).dumps()
