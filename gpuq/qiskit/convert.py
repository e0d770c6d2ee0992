"""Qiskit circuits → gpuq experiments, in memory, instruction by instruction.

Only the qubits a circuit touches are simulated: they are renumbered
``0..k-1`` in their original order (a 3-qubit circuit transpiled onto a
30-qubit target simulates 3 qubits). Classical bits keep their indices, and
the header lists the classical registers as Aer's does, so counts and memory
read exactly as Aer's. Gate names and parameter conventions of the native
gates are Qiskit's (``gpuq.circuit.gates`` follows them); everything else is
refused with the names of the offending instructions.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from qiskit.circuit import (
    ClassicalRegister,
    Clbit,
    IfElseOp,
    ParameterExpression,
    QuantumCircuit,
)
from qiskit.exceptions import QiskitError

from ..circuit.gates import GATES
from ..exceptions import CircuitError
from ..models.qobj import (
    Condition,
    Experiment,
    ExperimentConfig,
    ExperimentHeader,
    Instruction,
)

SKIPPED = frozenset({"delay"})
"""Instructions that do nothing to an ideal simulation."""

DIRECT = frozenset(GATES) | {"unitary", "measure", "reset", "barrier"}
"""Qiskit instruction names that become the gpuq instruction of the same name."""


class UnsupportedInstructionError(CircuitError, QiskitError):
    """A circuit holds instructions gpuq cannot convert; ``names`` lists them.

    It is both a gpuq ``CircuitError`` and a ``QiskitError``, so either kind of handler catches it.
    """

    def __init__(self, message: str, names: Iterable[str] = ()):
        CircuitError.__init__(self, message)
        self.message = message
        self.names = sorted(set(names))

    def __str__(self) -> str:
        return self.message


@dataclass
class ConvertedCircuit:
    """One Qiskit circuit as a gpuq experiment, and what is needed to read its result back.

    Attributes:
        experiment: the gpuq experiment (compact qubits, the circuit's clbits).
        qubits: the circuit's index of each simulated qubit (simulated qubit j is ``qubits[j]``).
        num_qubits: the Qiskit circuit's qubit count.
        measures: the circuit measures at least once (Aer returns counts only then).
        saves_statevector: it ends with ``save_statevector``.
        header: the result header, as Aer writes it.
    """

    experiment: Experiment
    qubits: tuple[int, ...]
    num_qubits: int
    measures: bool
    saves_statevector: bool
    header: dict[str, Any] = field(default_factory=dict)


def convert_circuit(circuit: QuantumCircuit, index: int = 0, compact: bool = True) -> ConvertedCircuit:
    """Convert one Qiskit circuit.

    Args:
        circuit: the circuit.
        index: its position in the run, for messages.
        compact: simulate only the qubits it touches (False keeps them all, as a unitary needs).

    Raises:
        UnsupportedInstructionError: an instruction gpuq does not simulate, an
            unbound parameter, or a condition / save it cannot honour; the message names them.
    """
    if not isinstance(circuit, QuantumCircuit):
        raise CircuitError(f"expected a qiskit QuantumCircuit at position {index}, got {type(circuit).__name__}")
    qubit_index = {bit: i for i, bit in enumerate(circuit.qubits)}
    entries = [(inst, inst.name) for inst in circuit.data]  # one pass over Qiskit's data
    unknown = {name for _, name in entries if name not in _KNOWN}
    if unknown:
        raise _unknown_error(circuit, unknown)
    if compact:
        used = {qubit_index[q] for inst, name in entries if name not in _NO_QUBITS for q in inst.qubits}
    else:
        used = set(qubit_index.values())
    touched = sorted(used) or [0]  # a circuit touching no qubit still simulates one
    renumbered = {circuit.qubits[q]: j for j, q in enumerate(touched) if q < circuit.num_qubits}
    builder = _Builder(circuit, renumbered, {bit: i for i, bit in enumerate(circuit.clbits)})
    for inst, name in entries:
        builder.add(inst, name)
    phase = circuit.global_phase + builder.phase
    if isinstance(phase, ParameterExpression):
        _unbound(circuit, phase.parameters)
    header = {
        "creg_sizes": [[r.name, r.size] for r in circuit.cregs],
        "global_phase": float(phase),
        "memory_slots": circuit.num_clbits,
        "n_qubits": circuit.num_qubits,
        "name": circuit.name,
        "qreg_sizes": [[r.name, r.size] for r in circuit.qregs],
        "metadata": circuit.metadata or {},
    }
    experiment = Experiment(
        header=ExperimentHeader(
            name=circuit.name,
            n_qubits=len(touched),
            memory_slots=circuit.num_clbits,
            creg_sizes=[(r.name, r.size) for r in circuit.cregs],
            global_phase=float(phase),
        ),
        config=ExperimentConfig(n_qubits=len(touched), memory_slots=circuit.num_clbits),
        instructions=builder.instructions,
    )
    return ConvertedCircuit(experiment, tuple(touched), circuit.num_qubits, builder.measures, builder.saves, header)


_NO_QUBITS = frozenset({"barrier", "delay", "save_statevector", "global_phase"})
"""Instructions whose qubits are not thereby simulated."""


_KNOWN = DIRECT | SKIPPED | {"if_else", "save_statevector", "global_phase"}
"""Every instruction name the converter handles."""


def _unknown_error(circuit: QuantumCircuit, unknown: set[str]) -> UnsupportedInstructionError:
    """The error naming every instruction of ``circuit`` that has no gpuq counterpart, all at once."""
    return UnsupportedInstructionError(
        f"circuit {circuit.name!r} uses {', '.join(sorted(unknown))}, which gpuq does not simulate natively; "
        "run qiskit.transpile(circuit, backend) first to rewrite them into the gates the backend's target lists",
        unknown,
    )


def _unbound(circuit: QuantumCircuit, parameters: Iterable[Any]) -> None:
    names = ", ".join(sorted(str(p) for p in parameters))
    raise UnsupportedInstructionError(
        f"circuit {circuit.name!r} has unbound parameters ({names}); bind them with "
        "circuit.assign_parameters(...) first, or use gpuq.qiskit.SamplerV2 / "
        "EstimatorV2 with parameter values",
        ["parameters"],
    )


def _params(circuit: QuantumCircuit, params: list[Any]) -> list[float]:
    """Gate parameters as floats (bound expressions evaluated); an unbound one is an error."""
    return [param if type(param) is float else _number(circuit, param) for param in params]


def _number(circuit: QuantumCircuit, param: Any) -> float:
    if isinstance(param, ParameterExpression):
        if param.parameters:
            _unbound(circuit, param.parameters)
        param = param.numeric()
    value = float(np.real(param))
    if not math.isfinite(value):
        raise UnsupportedInstructionError(f"circuit {circuit.name!r} has a gate parameter {value}", ["parameters"])
    return value


class _Builder:
    """Collects the gpuq instructions of one circuit, tracking measurements and the saved state."""

    def __init__(self, circuit: QuantumCircuit, qubits: dict, clbits: dict):
        self.circuit = circuit
        self.qubits = qubits
        self.clbits = clbits
        self.instructions: list[Instruction] = []
        self.phase: Any = 0.0
        self.measures = False
        self.saves = False

    def add(self, inst, name: str) -> None:
        """Append the gpuq form of the circuit instruction ``inst``, named ``name``."""
        if self.saves and name not in ("barrier", "delay"):
            raise self._save_error(f"{name!r} after save_statevector")
        if name in SKIPPED:
            return
        if name == "global_phase":
            self.phase = self.phase + _params(self.circuit, inst.params)[0]
        elif name == "save_statevector":
            self._save(inst)
        elif name == "if_else":
            self._if_else(inst)
        else:
            self.measures |= name == "measure"
            self.instructions.append(self._instruction(inst, name, inst.qubits, inst.clbits, None))

    def _instruction(self, inst, name: str, qargs, cargs, condition: Condition | None) -> Instruction:
        """``inst`` (a Qiskit circuit instruction) on the outer circuit's ``qargs`` and ``cargs``."""
        fields: dict[str, Any] = {"name": name, "qubits": [self.qubits[q] for q in qargs]}
        if name == "unitary":
            matrix = np.asarray(inst.operation.to_matrix(), dtype=complex)
            fields["matrix"] = np.stack([matrix.real, matrix.imag], axis=-1).tolist()
        elif name != "barrier" and inst.params:
            fields["params"] = _params(self.circuit, inst.params)
        if cargs:
            fields["memory"] = [self.clbits[c] for c in cargs]
        if condition is not None:
            fields["condition"] = condition
        return Instruction(**fields)

    def _save(self, inst) -> None:
        if len(inst.qubits) != self.circuit.num_qubits:
            raise self._save_error("save_statevector on some qubits only (gpuq saves the state of every qubit)")
        if self.measures or any(i.name in ("reset", "measure") or i.condition for i in self.instructions):
            raise self._save_error("save_statevector after measurements, resets or conditions")
        self.saves = True

    def _save_error(self, what: str) -> UnsupportedInstructionError:
        return UnsupportedInstructionError(
            f"circuit {self.circuit.name!r}: {what} is not supported; gpuq saves the "
            "final state of a circuit of gates, with save_statevector last",
            ["save_statevector"],
        )

    def _if_else(self, inst) -> None:
        op: IfElseOp = inst.operation
        true_body, false_body = op.blocks[0], (op.blocks[1] if len(op.blocks) > 1 else None)
        if false_body is not None and any(i.operation.name not in ("barrier", "delay") for i in false_body.data):
            raise self._if_error("an else branch")
        condition = self._condition(op.condition)
        outer = {bit: inst.qubits[i] for i, bit in enumerate(true_body.qubits)}
        for body_inst in true_body.data:
            name = body_inst.operation.name
            if name in ("barrier", "delay"):
                continue
            if name not in GATES and name != "unitary":
                raise self._if_error(f"{name!r} in its body (only gates can be conditioned)")
            self.instructions.append(
                self._instruction(body_inst, name, [outer[q] for q in body_inst.qubits], (), condition)
            )

    def _condition(self, condition) -> Condition:
        if not isinstance(condition, tuple):
            raise self._if_error(f"the condition {condition} (gpuq conditions are (clbit, value) or (register, value))")
        target, value = condition
        if isinstance(target, Clbit):
            return Condition(clbits=[self.clbits[target]], value=int(bool(value)))
        if isinstance(target, ClassicalRegister):
            if not 0 <= int(value) < 1 << target.size:
                raise self._if_error(f"the value {value} for the {target.size}-bit register {target.name!r}")
            return Condition(clbits=[self.clbits[bit] for bit in target], value=int(value))
        raise self._if_error(f"the condition on {target!r}")

    def _if_error(self, what: str) -> UnsupportedInstructionError:
        return UnsupportedInstructionError(
            f"circuit {self.circuit.name!r}: an if_else with {what} is not supported; "
            "gpuq converts if_else((clbit or register, value)) whose body is gates, "
            "with no else branch",
            ["if_else"],
        )
