"""The Qobj: the compiled, self-contained description of a job.

A Qobj round-trips through JSON unchanged (``model_dump_json`` /
``model_validate_json``) and is what the cloud server receives. Qubits and
classical bits are flat indices; registers survive only in the headers, which
the result uses to format count keys.
"""

from __future__ import annotations

import math
import uuid
from typing import Annotated, Any, Literal, Optional, Union

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .options import QobjConfig

ComplexPair = tuple[float, float]
"""A complex number on the wire: ``[real, imag]``."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Condition(_Model):
    """Run the instruction only when the integer read from ``clbits`` equals ``value``.

    Bit ``j`` of ``value`` is the value of classical bit ``clbits[j]``.
    """

    clbits: list[int] = Field(min_length=1)
    value: int = Field(ge=0)

    @model_validator(mode="after")
    def _value_fits(self) -> Condition:
        if self.value >= 1 << len(self.clbits):
            raise ValueError(f"value {self.value} does not fit in {len(self.clbits)} bit(s)")
        return self


class Instruction(_Model):
    """One operation on flat qubit and clbit indices.

    Attributes:
        name: a gate of the library, or ``measure``, ``reset``, ``barrier``, ``unitary``.
        qubits: the qubits it acts on, in the gate's argument order.
        params: real gate parameters; an unbound one is an expression tree naming the
            experiment's ``parameters`` (``gpuq.circuit.ParameterExpression.to_wire``).
        memory: for ``measure``, the clbit of each measured qubit.
        matrix: for ``unitary``, rows of ``[real, imag]`` pairs; ``qubits[0]`` is bit 0.
        condition: an optional classical condition.
        label: an optional display label.
    """

    name: str = Field(min_length=1)
    qubits: list[int] = Field(default_factory=list)
    params: list[Union[float, list[Any]]] = Field(default_factory=list)
    memory: list[int] = Field(default_factory=list)
    matrix: Optional[list[Annotated[list[ComplexPair], Field(min_length=1)]]] = Field(None, min_length=1)
    condition: Optional[Condition] = None
    label: Optional[str] = None

    @field_validator("qubits", "memory")
    @classmethod
    def _non_negative(cls, values: list[int]) -> list[int]:
        for value in values:
            if value < 0:
                raise ValueError(f"index {value} is negative")
        return values

    @field_validator("params")
    @classmethod
    def _finite(cls, values: list[Any]) -> list[Any]:
        for value in values:
            if isinstance(value, float) and not math.isfinite(value):
                raise ValueError(f"parameter {value} is not finite")
        return values

    @field_validator("matrix")
    @classmethod
    def _square(cls, rows: Optional[list[list[ComplexPair]]]) -> Optional[list[list[ComplexPair]]]:
        if rows is None:
            return rows
        if not rows or any(len(row) != len(rows) for row in rows):
            shape = f"{len(rows)} row(s) of lengths {sorted({len(row) for row in rows})}" if rows else "no rows"
            raise ValueError(
                f"a unitary matrix must be square, with as many [real, imag] pairs per row as rows; got {shape}"
            )
        return rows

    def matrix_array(self) -> np.ndarray:
        """The ``unitary`` matrix as a complex NumPy array."""
        pairs = np.asarray(self.matrix, dtype=float)
        return pairs[..., 0] + 1j * pairs[..., 1]


class ExperimentHeader(BaseModel):
    """What the result needs to present one experiment: names and register layout."""

    model_config = ConfigDict(extra="allow")

    name: str = "experiment"
    n_qubits: int = Field(default=0, ge=0)
    memory_slots: int = Field(default=0, ge=0)
    qreg_sizes: list[tuple[str, int]] = Field(default_factory=list)
    creg_sizes: list[tuple[str, int]] = Field(default_factory=list)
    global_phase: float = 0.0

    @field_validator("global_phase")
    @classmethod
    def _finite_phase(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError(f"global_phase must be a finite number, got {value}")
        return value


class Observable(_Model):
    """A Pauli sum on the wire (``gpuq.SparsePauliOp.to_wire``): labels, rightmost character on qubit 0."""

    paulis: list[str] = Field(min_length=1)
    coeffs: list[ComplexPair]


class ExperimentConfig(_Model):
    """Per-experiment sizes, and what a variational run needs (docs/variational.md).

    Attributes:
        n_qubits: qubits of the circuit.
        memory_slots: its classical bits.
        parameters: names of the circuit's unbound parameters, in ``QuantumCircuit.parameters``
            order (the order of gradients).
        parameter_binds: each parameter's value in every binding (all lists of one length).
        observables: Pauli sums whose exact expectation values are computed on the final state.
    """

    n_qubits: int = Field(ge=1, le=64)
    memory_slots: int = Field(default=0, ge=0)
    parameters: Optional[list[str]] = None
    parameter_binds: Optional[dict[str, list[float]]] = None
    observables: Optional[list[Observable]] = None


class Experiment(_Model):
    """One circuit, compiled."""

    header: ExperimentHeader = Field(default_factory=ExperimentHeader)
    config: ExperimentConfig
    instructions: list[Instruction] = Field(default_factory=list)


class QobjHeader(BaseModel):
    """Free-form information about the job (the backend it was compiled for, a description)."""

    model_config = ConfigDict(extra="allow")

    backend_name: Optional[str] = None


class Qobj(_Model):
    """A compiled job: configuration, header and experiments."""

    qobj_id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    type: Literal["QASM"] = "QASM"
    schema_version: str = "1.0"
    config: QobjConfig = Field(default_factory=QobjConfig)
    header: QobjHeader = Field(default_factory=QobjHeader)
    experiments: list[Experiment] = Field(min_length=1)

    def to_dict(self) -> dict[str, Any]:
        """The Qobj as plain JSON-compatible data."""
        return self.model_dump(mode="json")
