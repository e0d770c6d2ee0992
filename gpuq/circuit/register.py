"""Quantum and classical registers and the bits they hold."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..exceptions import CircuitError

_NAME = re.compile(r"[a-z][a-zA-Z0-9_]*")


@dataclass(frozen=True, eq=False)
class Bit:
    """One bit of a register; equal only to itself."""

    register: Register
    index: int

    def __repr__(self) -> str:
        return f"{self.register.name}[{self.index}]"


class Qubit(Bit):
    """A qubit of a ``QuantumRegister``."""


class Clbit(Bit):
    """A classical bit of a ``ClassicalRegister``."""


class Register:
    """An ordered, named group of bits.

    Args:
        size: number of bits (1 or more).
        name: a valid OpenQASM identifier; a fresh one is made when omitted.
    """

    bit_type: type[Bit] = Bit
    prefix = "r"
    _counter = itertools.count()

    def __init__(self, size: int, name: str | None = None):
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise CircuitError(f"register size must be a positive integer, got {size!r}")
        if name is None:
            name = f"{self.prefix}{next(self._counter)}"
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise CircuitError(
                f"register name {name!r} is not valid: it must start with a lowercase letter "
                "and contain only letters, digits and underscores"
            )
        self.name = name
        self.size = size
        self._bits = [self.bit_type(self, i) for i in range(size)]

    def __len__(self) -> int:
        return self.size

    def __iter__(self) -> Iterator[Bit]:
        return iter(self._bits)

    def __getitem__(self, key):
        try:
            return self._bits[key]
        except IndexError:
            raise CircuitError(f"index {key} out of range for register {self.name!r} of size {self.size}") from None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.size}, {self.name!r})"


class QuantumRegister(Register):
    """A register of qubits."""

    bit_type = Qubit
    prefix = "q"


class ClassicalRegister(Register):
    """A register of classical bits."""

    bit_type = Clbit
    prefix = "c"
