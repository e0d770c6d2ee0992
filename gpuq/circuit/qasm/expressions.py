"""Parameter expressions: checked once, compiled to a postfix program, evaluated without recursion.

A parse tree of an expression is as deep as the expression is long (``1+1+…``
and ``----1`` nest one level per term), so walking it recursively fails on
hostile text. ``compile_expression`` walks it with an explicit stack, refuses
more than ``MAX_EXPRESSION_NODES`` nodes, resolves names and functions, and
returns an ``Expression`` whose ``evaluate`` runs the postfix program on a
value stack. A gate body's expressions are compiled once, at the definition,
and evaluated at every call.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lark import Token, Tree

from .grammar import error_at
from .limits import MAX_EXPRESSION_NODES, MAX_NUMBER_DIGITS

FUNCTIONS: dict[str, Callable[[float], float]] = {
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "exp": math.exp,
    "ln": math.log,
    "sqrt": math.sqrt,
}
"""The functions OpenQASM 2.0 expressions may call."""


def _power(left: float, right: float) -> float:
    value = left**right
    if isinstance(value, complex):
        raise ValueError(f"{left} ^ {right} is not a real number")
    return float(value)


_BINARY: dict[str, Callable[[float, float], float]] = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "div": operator.truediv,
    "pow": _power,
}

# Postfix instructions: (_PUSH, value), (_LOAD, parameter name), (_UNARY, f), (_BINARY_OP, f).
_PUSH, _LOAD, _UNARY, _BINARY_OP = range(4)


@dataclass(frozen=True)
class Expression:
    """A checked expression, ready to evaluate.

    Attributes:
        code: the postfix program.
        token: the expression's first token, where errors in evaluating it are reported.
    """

    code: tuple[tuple[int, Any], ...]
    token: Token

    def evaluate(self, env: dict[str, float]) -> float:
        """The value with the gate parameters in ``env``.

        Raises:
            QasmError: the arithmetic fails (a division by zero, ``ln(0)``, an overflow), at ``token``.
        """
        stack: list[float] = []
        try:
            for kind, arg in self.code:
                if kind == _PUSH:
                    stack.append(arg)
                elif kind == _LOAD:
                    stack.append(env[arg])
                elif kind == _UNARY:
                    stack[-1] = arg(stack[-1])
                else:
                    right = stack.pop()
                    stack[-1] = arg(stack[-1], right)
        except (ZeroDivisionError, OverflowError, ValueError) as exc:
            raise error_at(f"cannot evaluate the expression: {exc}", self.token) from None
        return stack[0]


def first_token(node: Any) -> Token:
    """The leftmost token of a subtree (found without recursion)."""
    while isinstance(node, Tree):
        node = node.children[0]
    return node


def compile_expression(tree: Any, names: tuple[str, ...], where: str | None) -> Expression:
    """Check an expression and compile it.

    Args:
        tree: the expression's parse tree.
        names: the parameters it may use.
        where: the gate whose body it is in, for messages (None at the top level, where no names exist).

    Raises:
        QasmError: an unknown name or function, a number literal or an expression over its cap.
    """
    code: list[tuple[int, Any]] = []
    nodes = 0
    pending: list[tuple[Any, bool]] = [(tree, False)]
    while pending:
        node, children_done = pending.pop()
        if children_done:
            code.append(_operation(node))
            continue
        nodes += 1
        if nodes > MAX_EXPRESSION_NODES:
            raise error_at(
                f"expression longer than {MAX_EXPRESSION_NODES} numbers, names and operators", first_token(tree)
            )
        kind = node.data
        if kind in ("number", "pi", "variable"):
            code.append(_leaf(node, names, where))
            continue
        if kind == "call" and str(node.children[0]) not in FUNCTIONS:
            raise error_at(
                f"unknown function {str(node.children[0])!r}; expected one of {', '.join(FUNCTIONS)}", node.children[0]
            )
        pending.append((node, True))
        operands = [child for child in node.children if isinstance(child, Tree)]
        pending.extend((child, False) for child in reversed(operands))
    return Expression(tuple(code), first_token(tree))


def _leaf(node: Tree, names: tuple[str, ...], where: str | None) -> tuple[int, Any]:
    token = node.children[0]
    assert isinstance(token, Token), "the grammar's leaves (pi, number, name) hold one token"
    if node.data == "pi":
        return _PUSH, math.pi
    if node.data == "number":
        if len(token) > MAX_NUMBER_DIGITS:
            raise error_at(f"number literal of {len(token)} characters; at most {MAX_NUMBER_DIGITS} are allowed", token)
        return _PUSH, float(token)
    if str(token) not in names:
        if where is None:
            known = "; names can only be used inside a gate definition, for its parameters"
        else:
            known = f"; the parameters of {where} are {', '.join(names)}" if names else f"; {where} has no parameters"
        raise error_at(f"unknown parameter {str(token)!r}{known}", token)
    return _LOAD, str(token)


def _operation(node: Tree) -> tuple[int, Any]:
    if node.data == "neg":
        return _UNARY, operator.neg
    if node.data == "call":
        return _UNARY, FUNCTIONS[str(node.children[0])]
    return _BINARY_OP, _BINARY[node.data]
