"""Registers, circuits, the gate library and OpenQASM 2."""

from .gates import GATES, gate_matrix
from .instruction import CircuitInstruction, Condition, Operation
from .quantumcircuit import QuantumCircuit
from .register import ClassicalRegister, Clbit, QuantumRegister, Qubit

__all__ = [
    "CircuitInstruction",
    "ClassicalRegister",
    "Clbit",
    "Condition",
    "GATES",
    "Operation",
    "QuantumCircuit",
    "QuantumRegister",
    "Qubit",
    "gate_matrix",
]
