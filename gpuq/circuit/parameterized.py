"""Parameters of a circuit: ``QuantumCircuit.parameters`` and ``assign_parameters``.

A mixin of ``QuantumCircuit``, kept apart so that the circuit class stays about
registers and instructions. Gate angles may be ``ParameterExpression`` objects
until bound (``gates.gate_parameter`` accepts them); the global phase is a number.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from numbers import Real
from typing import Any

import numpy as np

from ..exceptions import CircuitError
from .parameter import Parameter, ParameterExpression, ParameterVector


def sorted_parameters(found: set[Parameter]) -> list[Parameter]:
    """``found`` in Qiskit's order (by name; elements of one vector by index), refusing duplicate names."""
    ordered = sorted(found, key=lambda p: p.sort_key())
    names: dict[str, Parameter] = {}
    for parameter in ordered:
        if names.setdefault(parameter.name, parameter) is not parameter:
            raise CircuitError(
                f"the circuit uses two different parameters named {parameter.name!r}; "
                "parameter names must be unique in a circuit"
            )
    return ordered


class ParameterizedMixin:
    """``parameters``, ``num_parameters`` and ``assign_parameters`` for ``QuantumCircuit``."""

    data: list

    @property
    def parameters(self) -> list[Parameter]:
        """The unbound parameters, ordered by name (elements of one vector by index), as Qiskit orders them."""
        found: set[Parameter] = set()
        for inst in self.data:
            for value in inst.operation.params:
                if isinstance(value, ParameterExpression):
                    found |= value.parameters
        return sorted_parameters(found)

    @property
    def num_parameters(self) -> int:
        """Number of unbound parameters."""
        return len(self.parameters)

    def assign_parameters(self, values: Mapping[Any, Any] | Sequence[Any], inplace: bool = False) -> Any:
        """Bind parameters to numbers (or other expressions); returns a new circuit unless ``inplace``.

        Args:
            values: a mapping from ``Parameter`` (or ``ParameterVector``, with a
                sequence of values) to values, or a sequence of values in
                ``self.parameters`` order.
            inplace: bind this circuit instead of a copy.

        Raises:
            CircuitError: a parameter not in the circuit, a sequence of the wrong
                length, or a value that is not a finite real number or an expression.
        """
        parameters = self.parameters
        binding = _binding(values, parameters)
        target = self if inplace else self.copy()  # type: ignore[attr-defined]
        for position, inst in enumerate(target.data):
            params = inst.operation.params
            if any(isinstance(p, ParameterExpression) for p in params):
                bound = tuple(_bind_value(p, binding) for p in params)
                target.data[position] = replace(inst, operation=replace(inst.operation, params=bound))
        return None if inplace else target


def _binding(values: Mapping[Any, Any] | Sequence[Any], parameters: list[Parameter]) -> dict[Parameter, Any]:
    if isinstance(values, Mapping):
        binding: dict[Parameter, Any] = {}
        for key, value in values.items():
            if isinstance(key, ParameterVector):
                items = list(value) if isinstance(value, (Sequence, np.ndarray)) else None
                if items is None or len(items) != len(key):
                    raise CircuitError(f"parameter vector {key.name!r} needs a sequence of {len(key)} values")
                binding.update(zip(key.params, items))
            elif isinstance(key, Parameter):
                binding[key] = value
            else:
                raise CircuitError(f"assign_parameters keys are Parameters or ParameterVectors, got {key!r}")
        unknown = [p.name for p in binding if p not in set(parameters)]
        if unknown:
            raise CircuitError(
                f"parameter(s) {sorted(unknown)} are not in the circuit; it has {[p.name for p in parameters]}"
            )
        return binding
    items = list(values)
    if len(items) != len(parameters):
        raise CircuitError(
            f"assign_parameters got {len(items)} value(s) for {len(parameters)} parameter(s) "
            f"{[p.name for p in parameters]}"
        )
    return dict(zip(parameters, items))


def _bind_value(value: Any, binding: Mapping[Parameter, Any]) -> Any:
    if not isinstance(value, ParameterExpression):
        return value
    relevant = {p: binding[p] for p in value.parameters if p in binding}
    for parameter, number in relevant.items():
        if not isinstance(number, ParameterExpression) and (
            isinstance(number, bool)
            or not isinstance(number, (Real, np.floating, np.integer))
            or not math.isfinite(float(number))
        ):
            raise CircuitError(f"value {number!r} for parameter {parameter.name!r} is not a finite real number")
    return value.bind(relevant) if relevant else value
