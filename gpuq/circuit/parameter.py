"""Symbolic gate angles: ``Parameter``, ``ParameterVector`` and ``ParameterExpression``.

An expression is a small immutable tree over parameters and real numbers
(``+``, ``-``, ``*``, ``/`` and unary minus). It can be bound (some or all
parameters replaced by numbers or other expressions), evaluated, and
differentiated with respect to one parameter, which is how gradients follow
the chain rule from a gate's angle to the circuit's parameters.

Parameters are identified by object, as in Qiskit, and named; a circuit may
not hold two different parameters of the same name, because names are what
travel in the Qobj (``to_wire`` / ``from_wire``: nested JSON lists such as
``["mul", 2.0, ["param", "theta"]]``).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterator, Mapping
from numbers import Real
from typing import Any, Union

import numpy as np

from ..exceptions import CircuitError

Value = Union[float, "ParameterExpression"]

_BINARY: dict[str, Callable[[float, float], float]] = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "div": operator.truediv,
}
_SYMBOL = {"add": "+", "sub": "-", "mul": "*", "div": "/"}


def _as_expression(value: Any) -> ParameterExpression:
    if isinstance(value, ParameterExpression):
        return value
    if isinstance(value, (Real, np.floating, np.integer)) and not isinstance(value, bool):
        number = float(value)
        if math.isfinite(number):
            return ParameterExpression(("const", number))
    raise CircuitError(f"a parameter expression combines parameters and finite real numbers, not {value!r}")


class ParameterExpression:
    """A real-valued expression of parameters; the angle of a gate until it is bound.

    Build one from ``Parameter`` objects with ``+ - * /`` and unary minus.
    """

    __slots__ = ("_tree",)

    def __init__(self, tree: tuple):
        self._tree = tree

    # ------------------------------------------------------------ arithmetic
    def _binary(self, op: str, other: Any, reflected: bool = False) -> ParameterExpression:
        other_expr = _as_expression(other)
        left, right = (other_expr, self) if reflected else (self, other_expr)
        return ParameterExpression((op, left._tree, right._tree))

    def __add__(self, other: Any) -> ParameterExpression:
        return self._binary("add", other)

    def __radd__(self, other: Any) -> ParameterExpression:
        return self._binary("add", other, True)

    def __sub__(self, other: Any) -> ParameterExpression:
        return self._binary("sub", other)

    def __rsub__(self, other: Any) -> ParameterExpression:
        return self._binary("sub", other, True)

    def __mul__(self, other: Any) -> ParameterExpression:
        return self._binary("mul", other)

    def __rmul__(self, other: Any) -> ParameterExpression:
        return self._binary("mul", other, True)

    def __truediv__(self, other: Any) -> ParameterExpression:
        if not isinstance(other, ParameterExpression) and _as_expression(other)._tree[1] == 0:
            raise CircuitError("division of a parameter expression by zero")
        return self._binary("div", other)

    def __rtruediv__(self, other: Any) -> ParameterExpression:
        return self._binary("div", other, True)

    def __neg__(self) -> ParameterExpression:
        return ParameterExpression(("neg", self._tree))

    def __pos__(self) -> ParameterExpression:
        return self

    # --------------------------------------------------------------- queries
    @property
    def parameters(self) -> set[Parameter]:
        """The parameters the expression depends on."""
        found: set[Parameter] = set()
        _collect(self._tree, found)
        return found

    def bind(self, values: Mapping[Parameter, Any]) -> Value:
        """Replace the parameters in ``values`` (numbers or expressions); a float when none is left.

        Raises:
            CircuitError: a value is not a finite real number or an expression,
                or the result is not finite (division by zero).
        """
        trees = {p: _as_expression(v)._tree for p, v in values.items()}
        bound = ParameterExpression(_substitute(self._tree, trees))
        if bound.parameters:
            return bound
        result = _evaluate(bound._tree, {})
        if not math.isfinite(result):
            raise CircuitError(f"binding {self} gives {result}, not a finite number")
        return result

    def evaluate(self, values: Mapping[Parameter, float]) -> float:
        """The expression's value; ``values`` must give every parameter it uses."""
        missing = self.parameters - set(values)
        if missing:
            raise CircuitError(f"no value for parameter(s) {sorted(p.name for p in missing)} of {self}")
        return _evaluate(self._tree, values)

    def evaluate_columns(self, columns: Mapping[Parameter, np.ndarray]) -> np.ndarray:
        """The expression's values for many bindings at once: ``columns`` maps each parameter to its values.

        Division by zero gives NaN, as ``evaluate`` does; the caller checks finiteness.
        """
        missing = self.parameters - set(columns)
        if missing:
            raise CircuitError(f"no value for parameter(s) {sorted(p.name for p in missing)} of {self}")
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray(_evaluate_columns(self._tree, columns), dtype=np.float64)

    def derivative(self, parameter: Parameter) -> Value:
        """d(self)/d(parameter), as an expression (or a float when constant)."""
        tree = _derivative(self._tree, parameter)
        expression = ParameterExpression(tree)
        return expression if expression.parameters else _evaluate(tree, {})

    # ----------------------------------------------------------------- wire
    def to_wire(self) -> Any:
        """The expression as nested JSON lists naming parameters by name (see the module docstring)."""
        return _to_wire(self._tree)

    @staticmethod
    def from_wire(data: Any, parameters: Mapping[str, Parameter]) -> ParameterExpression:
        """Rebuild an expression from ``to_wire`` data, with ``parameters`` giving each name its object.

        Raises:
            CircuitError: malformed data or an unknown name.
        """
        return ParameterExpression(_from_wire(data, parameters))

    def __float__(self) -> float:
        if self.parameters:
            raise CircuitError(f"expression {self} has unbound parameters {sorted(p.name for p in self.parameters)}")
        return _evaluate(self._tree, {})

    def __str__(self) -> str:
        return _format(self._tree)

    def __format__(self, spec: str) -> str:
        return str(self)

    def __repr__(self) -> str:
        return f"ParameterExpression({self})"


class Parameter(ParameterExpression):
    """A named, unbound real parameter of a circuit (``gpuq.Parameter("theta")``).

    Two parameters are the same only if they are the same object; names are
    for display and for the Qobj, so a circuit refuses two parameters of one name.
    """

    __slots__ = ("_name",)

    def __init__(self, name: str):
        if not isinstance(name, str) or not name:
            raise CircuitError(f"a parameter's name must be a non-empty string, got {name!r}")
        self._name = name
        super().__init__(("param", self))

    @property
    def name(self) -> str:
        """The parameter's name."""
        return self._name

    def sort_key(self) -> tuple[str, int]:
        """Qiskit's order of ``QuantumCircuit.parameters``: by name, vector elements by index."""
        return (self._name, -1)

    def __eq__(self, other: object) -> bool:
        return self is other

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self) -> str:
        return f"Parameter({self._name})"


class ParameterVectorElement(Parameter):
    """Element ``index`` of a ``ParameterVector``, named ``"<vector>[<index>]"``."""

    __slots__ = ("_index", "_vector")

    def __init__(self, vector: ParameterVector, index: int):
        super().__init__(f"{vector.name}[{index}]")
        self._vector = vector
        self._index = index

    @property
    def vector(self) -> ParameterVector:
        """The vector this element belongs to."""
        return self._vector

    @property
    def index(self) -> int:
        """Position in its vector."""
        return self._index

    def sort_key(self) -> tuple[str, int]:
        return (self._vector.name, self._index)


class ParameterVector:
    """``length`` parameters named ``name[0]``, ``name[1]``, ...; indexable and iterable."""

    def __init__(self, name: str, length: int = 0):
        if not isinstance(name, str) or not name:
            raise CircuitError(f"a parameter vector's name must be a non-empty string, got {name!r}")
        if isinstance(length, bool) or not isinstance(length, (int, np.integer)) or length < 0:
            raise CircuitError(f"a parameter vector's length must be a non-negative integer, got {length!r}")
        self._name = name
        self._params = [ParameterVectorElement(self, i) for i in range(int(length))]

    @property
    def name(self) -> str:
        """The vector's name."""
        return self._name

    @property
    def params(self) -> list[ParameterVectorElement]:
        """Its elements, in order."""
        return list(self._params)

    def __len__(self) -> int:
        return len(self._params)

    def __getitem__(self, key: Any) -> Any:
        return self._params[key]

    def __iter__(self) -> Iterator[ParameterVectorElement]:
        return iter(self._params)

    def __repr__(self) -> str:
        return f"ParameterVector({self._name!r}, length={len(self)})"


def _collect(tree: tuple, found: set) -> None:
    kind = tree[0]
    if kind == "param":
        found.add(tree[1])
    elif kind != "const":
        for child in tree[1:]:
            _collect(child, found)


def _substitute(tree: tuple, trees: Mapping[Parameter, tuple]) -> tuple:
    kind = tree[0]
    if kind == "param":
        return trees.get(tree[1], tree)
    if kind == "const":
        return tree
    return (kind, *(_substitute(child, trees) for child in tree[1:]))


def _evaluate(tree: tuple, values: Mapping[Parameter, float]) -> float:
    kind = tree[0]
    if kind == "const":
        return tree[1]
    if kind == "param":
        return float(values[tree[1]])
    if kind == "neg":
        return -_evaluate(tree[1], values)
    right = _evaluate(tree[2], values)
    if kind == "div" and right == 0:
        return math.nan
    return _BINARY[kind](_evaluate(tree[1], values), right)


def _evaluate_columns(tree: tuple, columns: Mapping[Parameter, np.ndarray]) -> Any:
    kind = tree[0]
    if kind == "const":
        return tree[1]
    if kind == "param":
        return np.asarray(columns[tree[1]], dtype=np.float64)
    if kind == "neg":
        return -_evaluate_columns(tree[1], columns)
    left, right = _evaluate_columns(tree[1], columns), _evaluate_columns(tree[2], columns)
    if kind == "div":
        return np.where(np.asarray(right) == 0, np.nan, np.divide(left, right))
    return _BINARY[kind](left, right)


def _derivative(tree: tuple, parameter: Parameter) -> tuple:
    kind = tree[0]
    if kind == "const":
        return ("const", 0.0)
    if kind == "param":
        return ("const", 1.0 if tree[1] is parameter else 0.0)
    if kind == "neg":
        return ("neg", _derivative(tree[1], parameter))
    left, right = tree[1], tree[2]
    d_left, d_right = _derivative(left, parameter), _derivative(right, parameter)
    if kind in ("add", "sub"):
        return (kind, d_left, d_right)
    if kind == "mul":
        return ("add", ("mul", d_left, right), ("mul", left, d_right))
    # (f / g)' = (f' g - f g') / g^2
    return ("div", ("sub", ("mul", d_left, right), ("mul", left, d_right)), ("mul", right, right))


def _to_wire(tree: tuple) -> Any:
    kind = tree[0]
    if kind == "const":
        return tree[1]
    if kind == "param":
        return ["param", tree[1].name]
    return [kind, *(_to_wire(child) for child in tree[1:])]


def _from_wire(data: Any, parameters: Mapping[str, Parameter]) -> tuple:
    if isinstance(data, (int, float)) and not isinstance(data, bool):
        if not math.isfinite(data):
            raise CircuitError(f"a constant in a parameter expression must be finite, got {data}")
        return ("const", float(data))
    head = data[0] if isinstance(data, list) and data and isinstance(data[0], str) else None
    if head == "param" and len(data) == 2 and isinstance(data[1], str):
        if data[1] not in parameters:
            raise CircuitError(f"expression names parameter {data[1]!r}, which the experiment does not declare")
        return ("param", parameters[data[1]])
    arity = {"neg": 1, **{op: 2 for op in _BINARY}}
    if head in arity and len(data) == arity[head] + 1:
        return (data[0], *(_from_wire(child, parameters) for child in data[1:]))
    raise CircuitError(
        f"malformed parameter expression {data!r}: expected a number, ['param', name], "
        f"['neg', e] or [op, e, e] with op one of {sorted(_BINARY)}"
    )


def _format(tree: tuple) -> str:
    kind = tree[0]
    if kind == "const":
        return f"{tree[1]:g}"
    if kind == "param":
        return tree[1].name
    if kind == "neg":
        return f"-({_format(tree[1])})"
    return f"({_format(tree[1])} {_SYMBOL[kind]} {_format(tree[2])})"
