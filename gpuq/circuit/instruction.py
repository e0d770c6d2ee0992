"""One operation in a circuit, and the handle returned by gate methods."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from ..exceptions import CircuitError
from .parameter import ParameterExpression
from .register import ClassicalRegister, Clbit, Qubit


@dataclass(frozen=True)
class Condition:
    """Run an operation only when the classical bits read ``value``.

    Attributes:
        clbits: the bits compared; bit ``j`` of ``value`` is ``clbits[j]``.
        value: the integer they must equal.
        register: the register's name when the condition is on a whole register.
    """

    clbits: tuple[Clbit, ...]
    value: int
    register: str | None = None


@dataclass(frozen=True)
class Operation:
    """What an instruction does: a gate, ``measure``, ``reset``, ``barrier`` or ``unitary``.

    Attributes:
        name: the operation's name.
        num_qubits: qubits it acts on.
        num_clbits: classical bits it writes.
        params: real parameters (gates only); a ``ParameterExpression`` until bound.
        matrix: the matrix of a ``unitary``; None otherwise.
        label: an optional display label.
    """

    name: str
    num_qubits: int
    num_clbits: int = 0
    params: tuple[float | ParameterExpression, ...] = ()
    matrix: np.ndarray | None = field(default=None, compare=False)
    label: str | None = None


@dataclass(frozen=True)
class CircuitInstruction:
    """An operation placed on specific bits, with an optional classical condition."""

    operation: Operation
    qubits: tuple[Qubit, ...]
    clbits: tuple[Clbit, ...] = ()
    condition: Condition | None = None

    @property
    def name(self) -> str:
        """The operation's name."""
        return self.operation.name

    @property
    def params(self) -> tuple[float | ParameterExpression, ...]:
        """The operation's parameters."""
        return self.operation.params


class InstructionSet:
    """The instructions one gate call appended; ``c_if`` conditions them all."""

    def __init__(self, circuit, positions: Sequence[int]):
        self._circuit = circuit
        self._positions = list(positions)

    def __len__(self) -> int:
        return len(self._positions)

    def c_if(self, classical: ClassicalRegister | Clbit | int, value: int) -> InstructionSet:
        """Make each instruction run only when ``classical`` equals ``value``.

        Args:
            classical: a classical register, one classical bit, or a clbit index.
            value: the value the register (or bit) must hold.

        Raises:
            CircuitError: unknown register or bit, or a value that does not fit.
        """
        condition = self._circuit._make_condition(classical, value)
        for position in self._positions:
            instruction = self._circuit.data[position]
            if instruction.operation.name == "barrier":
                raise CircuitError("a barrier cannot be conditioned")
            self._circuit.data[position] = replace(instruction, condition=condition)
        return self
