"""Validate and lower an experiment's parameters, bindings and observables (part of ``prepare``).

Every problem is a ``QobjValidationError`` naming the field: an unbound
circuit without ``parameter_binds``, a missing or unknown binding, bindings of
different lengths, an expression naming an undeclared parameter, an
observable wider than the circuit (a narrower one acts as identity on the
higher qubits), observables on a circuit with measurements, resets or
conditions (they are evaluated on the final state), ``gradient`` without
observables or parameters, or any of it on the unitary simulator.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ...circuit.parameter import Parameter, ParameterExpression
from ...exceptions import CircuitError, GpuqError, QobjValidationError
from ...models.options import RunOptions
from ...models.qobj import Experiment
from ...quantum_info import SparsePauliOp
from ...sim.ops import GateOp, MeasureOp, Op, ResetOp, lower_experiment

if TYPE_CHECKING:  # the variational engine is imported by variational runs only
    from ...sim.variational import VariationalSpec


def lower_variational(
    experiment: Experiment, index: int, method: str, options: RunOptions
) -> tuple[tuple[Op, ...], VariationalSpec | None]:
    """Lower ``experiment``; with parameters, bindings or observables, also the spec of its variational run.

    Raises:
        QobjValidationError: naming the field and the problem (see the module docstring).
    """
    config = experiment.config
    path = f"experiments.{index}"
    parameters = _declared(config.parameters, f"{path}.config.parameters")
    by_name = {p.name: p for p in parameters}
    angles = _angles(experiment, by_name, path)
    placeholder = experiment.model_copy(
        update={
            "instructions": [
                inst.model_copy(update={"params": [0.0 if isinstance(v, list) else v for v in inst.params]})
                for inst in experiment.instructions
            ]
        }
    )
    ops = tuple(lower_experiment(placeholder, index, allow_nonunitary=method != "unitary"))
    variational = bool(parameters or angles) or config.parameter_binds is not None or config.observables is not None
    if not variational:
        if options.gradient:
            raise QobjValidationError(
                "gradient=True needs observables (and parameters) to differentiate", f"{path}.config.observables"
            )
        return ops, None
    if method == "unitary":
        raise QobjValidationError(
            "parameters, parameter_binds and observables need the qasm or statevector "
            "simulator, not the unitary simulator",
            f"{path}.config",
        )
    bindings = _bindings(config.parameter_binds, parameters, f"{path}.config.parameter_binds")
    observables = _observables(config.observables, config.n_qubits, f"{path}.config.observables")
    if observables is not None:
        _check_final_state(ops, path)
    if options.gradient and (observables is None or not parameters):
        raise QobjValidationError(
            "gradient=True needs observables and a circuit with parameters",
            f"{path}.config.observables" if observables is None else f"{path}.config.parameters",
        )
    from ...sim.parametric import ParametricCircuit, Slot
    from ...sim.variational import VariationalSpec

    positions = _op_positions(experiment)
    slots = [Slot(positions[i], experiment.instructions[i].name, values) for i, values in angles.items()]
    circuit = ParametricCircuit(ops, slots, parameters)
    return ops, VariationalSpec(circuit, bindings, observables, bool(options.gradient and observables))


def _declared(names: list[str] | None, path: str) -> list[Parameter]:
    names = names or []
    if len(set(names)) != len(names):
        raise QobjValidationError(f"parameter names must be unique, got {names}", path)
    return [Parameter(name) for name in names]


def _angles(experiment: Experiment, by_name: dict[str, Parameter], path: str) -> dict[int, tuple[Any, ...]]:
    """Instruction position → its angles, for every instruction with a symbolic angle."""
    found: dict[int, tuple[Any, ...]] = {}
    for position, inst in enumerate(experiment.instructions):
        if not any(isinstance(v, list) for v in inst.params):
            continue
        values: list[Any] = []
        for v in inst.params:
            if not isinstance(v, list):
                values.append(v)
                continue
            try:
                expression = ParameterExpression.from_wire(v, by_name)
            except CircuitError as exc:
                raise QobjValidationError(str(exc), f"{path}.instructions.{position}.params") from exc
            values.append(expression if expression.parameters else float(expression))
        found[position] = tuple(values)
    return found


def _bindings(binds: dict[str, list[float]] | None, parameters: list[Parameter], path: str) -> np.ndarray:
    names = [p.name for p in parameters]
    if binds is None:
        if parameters:
            raise QobjValidationError(
                f"the circuit has unbound parameters {names}; give their values in "
                "parameter_binds (or bind them with assign_parameters)",
                path,
            )
        return np.zeros((1, 0))
    unknown = sorted(set(binds) - set(names))
    if unknown:
        raise QobjValidationError(
            f"parameter_binds names {unknown}, which the circuit does not have; its parameters are {names}", path
        )
    missing = [name for name in names if name not in binds]
    if missing:
        raise QobjValidationError(f"no binding for parameter(s) {missing}", path)
    lengths = {name: len(values) for name, values in binds.items()}
    if len(set(lengths.values())) > 1:
        raise QobjValidationError(f"binding arrays have different lengths: {lengths}", path)
    if parameters and not next(iter(lengths.values())):
        raise QobjValidationError("parameter_binds holds no binding (empty value lists)", path)
    rows = np.array([binds[name] for name in names], dtype=float).T if names else np.zeros((1, 0))
    if not np.all(np.isfinite(rows)):
        raise QobjValidationError("parameter values must be finite numbers", path)
    return np.ascontiguousarray(rows)


def _observables(wire: list | None, nqubits: int, path: str) -> tuple[SparsePauliOp, ...] | None:
    if wire is None:
        return None
    if not wire:
        raise QobjValidationError("observables is empty", path)
    observables = []
    for k, item in enumerate(wire):
        try:
            op = SparsePauliOp.from_wire(item.model_dump())
        except GpuqError as exc:
            raise QobjValidationError(str(exc), f"{path}.{k}") from exc
        if op.num_qubits > nqubits:
            raise QobjValidationError(
                f"observable {k} acts on {op.num_qubits} qubits but the circuit has {nqubits}", f"{path}.{k}"
            )
        pad = "I" * (nqubits - op.num_qubits)
        observables.append(SparsePauliOp([pad + label for label in op.paulis], op.coeffs) if pad else op)
    return tuple(observables)


def _check_final_state(ops: tuple[Op, ...], path: str) -> None:
    for op in ops:
        if isinstance(op, (MeasureOp, ResetOp)) or getattr(op, "condition", None) is not None:
            what = "conditions" if isinstance(op, GateOp) else "measurements or resets"
            raise QobjValidationError(
                f"observables are evaluated on the final state, so the circuit may not "
                f"contain {what}; remove them (or run without observables)",
                f"{path}.instructions",
            )


def _op_positions(experiment: Experiment) -> dict[int, int]:
    """Instruction position → position of its lowered operation (a gate lowers to exactly one)."""
    positions, count = {}, 0
    for position, inst in enumerate(experiment.instructions):
        positions[position] = count
        count += len(inst.qubits) if inst.name in ("measure", "reset") else 1
    return positions
