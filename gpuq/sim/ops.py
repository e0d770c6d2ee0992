"""Lower a Qobj experiment into engine operations, validating it on the way.

Lowering is the one place where a Qobj's instructions are checked against
what the engine can do: every problem raises ``QobjValidationError`` with the
path of the offending field (``experiments.0.instructions.3.qubits``). The
backend calls it synchronously in ``run()``, so a bad Qobj fails before any
job exists; the engine then trusts the operations it receives.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..circuit.gates import GATES, base_operator, check_unitary
from ..exceptions import CircuitError, QobjValidationError
from ..models.qobj import Experiment


@dataclass(frozen=True)
class GateOp:
    """A unitary update: ``operand`` on ``targets`` where every control is 1.

    Attributes:
        kind: "matrix", "diagonal" or "permutation".
        targets: qubits of the operand; ``targets[j]`` is bit j of its index.
        controls: control qubits.
        operand: the matrix, the phases, or the permutation.
        condition: ``(clbits, value)`` or None.
        name: the source gate's name (or "fused").
    """

    kind: str
    targets: tuple[int, ...]
    controls: tuple[int, ...]
    operand: np.ndarray
    condition: tuple[tuple[int, ...], int] | None = None
    name: str = ""

    @property
    def qubits(self) -> tuple[int, ...]:
        """Every qubit the operation touches."""
        return self.targets + self.controls


@dataclass(frozen=True)
class MeasureOp:
    """Measure ``qubit`` into classical bit ``clbit``."""

    qubit: int
    clbit: int
    condition: tuple[tuple[int, ...], int] | None = None


@dataclass(frozen=True)
class ResetOp:
    """Reset ``qubit`` to |0⟩."""

    qubit: int
    condition: tuple[tuple[int, ...], int] | None = None


@dataclass(frozen=True)
class BarrierOp:
    """A fusion boundary; does nothing to the state."""


Op = GateOp | MeasureOp | ResetOp | BarrierOp


def lower_experiment(experiment: Experiment, index: int = 0, allow_nonunitary: bool = True) -> list[Op]:
    """Translate and validate one experiment's instructions.

    Args:
        experiment: the experiment.
        index: its position in the Qobj, for error paths.
        allow_nonunitary: False for the unitary simulator (no measure, reset or condition).

    Raises:
        QobjValidationError: naming the field and the problem.
    """
    nqubits = experiment.config.n_qubits
    nclbits = experiment.config.memory_slots
    ops: list[Op] = []
    for position, inst in enumerate(experiment.instructions):
        path = f"experiments.{index}.instructions.{position}"
        _check_indices(inst.qubits, nqubits, "qubit", f"{path}.qubits")
        _check_indices(inst.memory, nclbits, "clbit", f"{path}.memory")
        condition = None
        if inst.condition is not None:
            _check_indices(inst.condition.clbits, nclbits, "clbit", f"{path}.condition.clbits")
            condition = (tuple(inst.condition.clbits), inst.condition.value)
        if not allow_nonunitary and (inst.name in ("measure", "reset") or condition is not None):
            raise QobjValidationError(
                f"{inst.name!r} with measurement, reset or condition is not allowed on the unitary simulator",
                f"{path}.name",
            )
        ops.extend(_lower_one(inst, condition, path))
    return ops


def _check_indices(values: list[int], limit: int, kind: str, path: str) -> None:
    for value in values:
        if not 0 <= value < limit:
            raise QobjValidationError(f"{kind} index {value} out of range: the experiment has {limit} {kind}s", path)
    if len(set(values)) != len(values):
        raise QobjValidationError(f"repeated {kind} in {values}", path)


def _lower_one(inst, condition, path: str) -> list[Op]:
    name = inst.name
    if name == "barrier":
        return [BarrierOp()]
    if name in ("measure", "reset") and inst.params:
        raise QobjValidationError(f"{name!r} takes no parameters", f"{path}.params")
    if name == "measure":
        if len(inst.memory) != len(inst.qubits) or not inst.qubits:
            raise QobjValidationError("measure needs one clbit in 'memory' per qubit", f"{path}.memory")
        return [MeasureOp(q, c, condition) for q, c in zip(inst.qubits, inst.memory)]
    if name == "reset":
        if not inst.qubits:
            raise QobjValidationError("reset needs at least one qubit", f"{path}.qubits")
        return [ResetOp(q, condition) for q in inst.qubits]
    if inst.memory:
        raise QobjValidationError(f"{name!r} writes no clbits", f"{path}.memory")
    if name == "unitary":
        return [_lower_unitary(inst, condition, path)]
    return [_lower_gate(inst, condition, path)]


def _lower_unitary(inst, condition, path: str) -> GateOp:
    if inst.matrix is None:
        raise QobjValidationError("unitary needs a 'matrix'", f"{path}.matrix")
    try:
        matrix = check_unitary(inst.matrix_array())
    except (CircuitError, ValueError) as exc:
        raise QobjValidationError(str(exc), f"{path}.matrix") from exc
    if matrix.shape[0] != 1 << len(inst.qubits):
        raise QobjValidationError(
            f"a {matrix.shape[0]}x{matrix.shape[0]} matrix does not act on {len(inst.qubits)} qubit(s)",
            f"{path}.matrix",
        )
    return GateOp("matrix", tuple(inst.qubits), (), matrix, condition, "unitary")


def _lower_gate(inst, condition, path: str) -> GateOp:
    spec = GATES.get(inst.name)
    if spec is None:
        raise QobjValidationError(
            f"unknown instruction {inst.name!r}; known: "
            f"{', '.join(sorted(GATES) + ['barrier', 'measure', 'reset', 'unitary'])}",
            f"{path}.name",
        )
    if len(inst.params) != spec.num_params:
        raise QobjValidationError(
            f"{inst.name!r} takes {spec.num_params} parameter(s), got {len(inst.params)}", f"{path}.params"
        )
    if spec.num_controls is None:
        if len(inst.qubits) < spec.base_qubits + 1:
            raise QobjValidationError(f"{inst.name!r} needs at least {spec.base_qubits + 1} qubits", f"{path}.qubits")
        ncontrols = len(inst.qubits) - spec.base_qubits
    else:
        ncontrols = spec.num_controls
        if len(inst.qubits) != spec.num_qubits():
            raise QobjValidationError(
                f"{inst.name!r} acts on {spec.num_qubits()} qubit(s), got {len(inst.qubits)}", f"{path}.qubits"
            )
    base = base_operator(inst.name, inst.params)
    qubits = tuple(inst.qubits)
    return GateOp(base.kind, qubits[ncontrols:], qubits[:ncontrols], base.operand, condition, inst.name)
