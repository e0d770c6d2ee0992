"""The ``Target`` of a gpuq backend: every gate gpuq simulates natively, on any qubits.

gpuq's gate library uses Qiskit's names and conventions, so each native gate
is the Qiskit standard gate of the same name. There is no coupling map (all
gates act on any qubits), so ``transpile`` keeps a circuit's gates that gpuq
runs natively and rewrites only the others.
"""

from __future__ import annotations

from qiskit.circuit import Barrier, Delay, IfElseOp, Measure, Parameter, Reset
from qiskit.circuit.library import MCXGate, UnitaryGate, get_standard_gate_name_mapping
from qiskit.transpiler import Target

from ..circuit.gates import GATES
from .instructions import SaveStatevector

VARIADIC = {"mcx": MCXGate, "unitary": UnitaryGate}
"""Native instructions of any width: listed by class, as Qiskit's Target allows."""


def native_gates() -> dict[str, object]:
    """gpuq's native gate names → the Qiskit gate object (with free parameters) or variadic class."""
    standard = get_standard_gate_name_mapping()
    gates: dict[str, object] = {}
    for name in GATES:
        gates[name] = VARIADIC.get(name) or standard[name]
    gates["unitary"] = UnitaryGate
    return gates


def build_target(num_qubits: int, method: str) -> Target:
    """The target of a backend simulating up to ``num_qubits`` qubits with ``method``.

    The unitary method lists gates only (it cannot measure, reset or branch);
    the others add measure, reset, delay, if_else and save_statevector.
    """
    target = Target(description=f"gpuq {method} simulator", num_qubits=num_qubits, dt=None)
    for name, gate in native_gates().items():
        target.add_instruction(gate, name=name)
    target.add_instruction(Barrier, name="barrier")
    target.add_instruction(Delay(Parameter("t")), name="delay")
    if method != "unitary":
        target.add_instruction(Measure(), name="measure")
        target.add_instruction(Reset(), name="reset")
        target.add_instruction(IfElseOp, name="if_else")
        target.add_instruction(SaveStatevector, name="save_statevector")
    return target
