"""``parameter_binds`` and ``observables`` of ``compile()`` / ``execute()`` → each experiment's config.

Only the shape of what the caller gave is checked here (keys that are
parameters of the circuit, numbers, one dict per circuit); whether every
parameter is bound, the bindings' lengths agree and the observables fit the
circuit is checked where every Qobj is checked, in
``gpuq.providers.local.prepare`` (so a Qobj from the wire gets the same errors).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .circuit.parameter import Parameter, ParameterVector
from .exceptions import GpuqError, QobjValidationError
from .quantum_info import SparsePauliOp


def variational_fields(circuits: Sequence[Any], parameter_binds: Any, observables: Any) -> list[dict[str, Any]]:
    """The ``parameters`` / ``parameter_binds`` / ``observables`` config fields of each circuit.

    Args:
        circuits: the circuits being compiled.
        parameter_binds: None, or one dict per circuit mapping a ``Parameter`` to a value
            or a sequence of values (one per binding), or a ``ParameterVector`` to one
            list of values, or a sequence of such lists (one per binding).
        observables: None, a ``SparsePauliOp``, or a sequence of them, for every circuit.

    Raises:
        QobjValidationError: a malformed argument, naming it.
    """
    binds = _per_circuit_binds(parameter_binds, len(circuits))
    wire_observables = _observables(observables)
    fields = []
    for index, circuit in enumerate(circuits):
        try:
            parameters = circuit.parameters
        except GpuqError as exc:
            raise QobjValidationError(str(exc), f"experiments.{index}") from exc
        entry: dict[str, Any] = {}
        if parameters:
            entry["parameters"] = [p.name for p in parameters]
        bind = binds[index]
        if bind is not None:
            entry["parameter_binds"] = _binding_lists(bind, set(parameters), index)
        if wire_observables is not None:
            entry["observables"] = wire_observables
        fields.append(entry)
    return fields


def _per_circuit_binds(parameter_binds: Any, count: int) -> list[Mapping | None]:
    if parameter_binds is None:
        return [None] * count
    if isinstance(parameter_binds, Mapping):
        parameter_binds = [parameter_binds]
    binds = list(parameter_binds)
    if len(binds) != count or not all(isinstance(b, Mapping) for b in binds):
        raise QobjValidationError(
            f"parameter_binds takes one dict per circuit: {count} circuit(s), got {len(binds)} item(s)",
            "parameter_binds",
        )
    return binds


def _binding_lists(bind: Mapping, parameters: set[Parameter], index: int) -> dict[str, list[float]]:
    path = f"parameter_binds.{index}"
    lists: dict[str, list[float]] = {}
    for key, value in bind.items():
        if isinstance(key, ParameterVector):
            rows = np.asarray(value, dtype=object)
            table = rows[None, :] if rows.ndim == 1 else rows
            if table.ndim != 2 or table.shape[1] != len(key):
                raise QobjValidationError(
                    f"parameter vector {key.name!r} takes a list of {len(key)} values, or one such list per binding",
                    path,
                )
            pairs: list[tuple[Parameter, np.ndarray]] = [(element, table[:, j]) for j, element in enumerate(key)]
        elif isinstance(key, Parameter):
            values = np.asarray(value, dtype=object)
            pairs = [(key, values.reshape(-1) if values.ndim else values.reshape(1))]
        else:
            raise QobjValidationError(f"parameter_binds keys are Parameters or ParameterVectors, got {key!r}", path)
        for parameter, column in pairs:
            if parameter not in parameters:
                raise QobjValidationError(
                    f"parameter {parameter.name!r} is not in circuit {index}; it has "
                    f"{sorted(p.name for p in parameters)}",
                    path,
                )
            lists[parameter.name] = [_number(v, parameter.name, path) for v in column]
    return lists


def _number(value: Any, name: str, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise QobjValidationError(f"value {value!r} for parameter {name!r} is not a real number", path)
    return float(value)


def _observables(observables: Any) -> list[dict[str, Any]] | None:
    if observables is None:
        return None
    items = [observables] if isinstance(observables, SparsePauliOp) else list(observables)
    if not items:
        raise QobjValidationError("observables is empty; give at least one SparsePauliOp", "observables")
    for position, item in enumerate(items):
        if not isinstance(item, SparsePauliOp):
            raise QobjValidationError(
                f"observables must be gpuq.SparsePauliOp objects, got {type(item).__name__}", f"observables.{position}"
            )
    return [item.to_wire() for item in items]
