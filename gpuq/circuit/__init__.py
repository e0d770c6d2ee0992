"""Registers, circuits, the gate library and OpenQASM 2."""

from .gates import GATES, gate_matrix
from .instruction import CircuitInstruction, Condition, Operation
from .parameter import Parameter, ParameterExpression, ParameterVector
from .quantumcircuit import QuantumCircuit
from .register import ClassicalRegister, Clbit, QuantumRegister, Qubit

__all__ = [
    "CircuitInstruction",
    "ClassicalRegister",
    "Clbit",
    "Condition",
    "GATES",
    "Operation",
    "Parameter",
    "ParameterExpression",
    "ParameterVector",
    "QuantumCircuit",
    "QuantumRegister",
    "Qubit",
    "gate_matrix",
]
