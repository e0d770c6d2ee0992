"""OpenQASM 2.0 import and export.

``loads`` / ``load`` read a program into a ``QuantumCircuit``; ``dumps``
writes one. The reading follows the OpenQASM 2.0 specification with Qiskit's
``qelib1.inc`` (which adds ``p``, ``u``, ``sx``, ``sxdg``, ``csx``, ``cu``,
``rxx``, ``rzz``, ``rccx``, ``rc3x``, ``c3x``, ``c3sqrtx``, ``c4x`` to the
original header). User ``gate`` definitions are expanded at parse time into
library gates. See ``docs/qasm.md`` for what is and is not supported.

The work is split by job: ``qasm_grammar`` (the Lark grammar and syntax
errors), ``qasm_qelib1`` (the header and how its gates map onto the library),
``qasm_reader`` (tree → circuit), ``qasm_writer`` (circuit → text) and
``qasm_decompose`` (exact decompositions the writer needs).
"""

from __future__ import annotations

import os
from pathlib import Path

from ..exceptions import QasmError
from .qasm_reader import Reader
from .qasm_writer import dumps

__all__ = ["dump", "dumps", "load", "loads"]


def loads(text: str, name: str | None = None, base_dir: str | os.PathLike | None = None):
    """Build a circuit from OpenQASM 2.0 text.

    Args:
        text: the program.
        name: the circuit's name (a fresh one when omitted).
        base_dir: where ``include`` looks for files other than qelib1.inc (default: the working directory).

    Raises:
        QasmError: a syntax or semantic error, with the line and column.
    """
    if not isinstance(text, str):
        raise QasmError(f"expected OpenQASM text as a str, got {type(text).__name__}")
    return Reader(name, Path(base_dir) if base_dir is not None else None).run(text)


def load(path: str | os.PathLike):
    """Build a circuit from an OpenQASM 2.0 file; the circuit is named after the file's stem.

    Raises:
        QasmError: the file cannot be read, or its text is not valid OpenQASM 2.0.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise QasmError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise QasmError(f"{path}: is a directory, not an OpenQASM file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise QasmError(f"{path}: cannot be read: {exc}") from exc
    reader = Reader(path.stem, path.parent)
    try:
        return reader.run(text, source=None)
    except QasmError as exc:
        raise QasmError(f"{path.name}: {exc.reason}", exc.line, exc.column) from None


def dump(circuit, path: str | os.PathLike) -> None:
    """Write ``circuit`` to ``path`` as OpenQASM 2.0."""
    Path(path).write_text(dumps(circuit), encoding="utf-8")
