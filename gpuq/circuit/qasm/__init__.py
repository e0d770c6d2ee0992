"""OpenQASM 2.0 import and export.

``loads`` / ``load`` read a program into a ``QuantumCircuit``; ``dumps``
writes one. The reading follows the OpenQASM 2.0 specification with Qiskit's
``qelib1.inc`` (which adds ``p``, ``u``, ``sx``, ``sxdg``, ``csx``, ``cu``,
``rxx``, ``rzz``, ``rccx``, ``rc3x``, ``c3x``, ``c3sqrtx``, ``c4x`` to the
original header). User ``gate`` definitions are expanded at parse time into
library gates. See ``docs/qasm.md`` for what is and is not supported.

The work is split by job:

- ``grammar``: the Lark grammar, syntax errors, and ``error_at`` (the error at a token);
- ``parser_cache``: the built parser and qelib1.inc's tree, saved in the user's cache for the next process;
- ``limits``: the caps that keep reading hostile text bounded (sizes, expansion, nesting, literals);
- ``qelib1``: the header and how its gates map onto the library;
- ``reader``: tree → circuit, statement by statement, with its checks;
- ``expressions``: parameter expressions, compiled once and evaluated without recursion;
- ``expansion``: gate definitions and their expansion into library gates;
- ``matrices``: unitaries of small circuits (to recognise library gates among user gates);
- ``writer``: circuit → text, with ``decompose`` for the exact decompositions it needs.

A ``QasmError`` reads ``file:line:column: problem`` (``line:column: problem``
for text that came from no file); ``exc.line``, ``exc.column``, ``exc.source``
and ``exc.reason`` hold the parts.
"""

from __future__ import annotations

import os
from pathlib import Path

from ...exceptions import QasmError
from .reader import Reader
from .writer import dumps

__all__ = ["dump", "dumps", "load", "loads"]


def loads(text: str, name: str | None = None, base_dir: str | os.PathLike | None = None):
    """Build a circuit from OpenQASM 2.0 text.

    Args:
        text: the program.
        name: the circuit's name (a fresh one when omitted).
        base_dir: where ``include`` looks for files other than qelib1.inc (default: the working directory).

    Raises:
        QasmError: a syntax or semantic error, or a cap of ``limits`` exceeded, with the line and column.
    """
    if not isinstance(text, str):
        raise QasmError(f"expected OpenQASM text as a str, got {type(text).__name__}")
    return Reader(name, Path(base_dir) if base_dir is not None else None).run(text)


def load(path: str | os.PathLike):
    """Build a circuit from an OpenQASM 2.0 file; the circuit is named after the file's stem.

    Errors name the file as ``path`` gives it, as in ``examples/bad.qasm:4:5: ...``.

    Raises:
        QasmError: the file cannot be read, or its text is not valid OpenQASM 2.0.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise QasmError("no such file", source=str(path)) from None
    except IsADirectoryError:
        raise QasmError("is a directory, not an OpenQASM file", source=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise QasmError(f"cannot be read: {exc}", source=str(path)) from exc
    return Reader(path.stem, path.parent).run(text, source=str(path))


def dump(circuit, path: str | os.PathLike) -> None:
    """Write ``circuit`` to ``path`` as OpenQASM 2.0."""
    Path(path).write_text(dumps(circuit), encoding="utf-8")
