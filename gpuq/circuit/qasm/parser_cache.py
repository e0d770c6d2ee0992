"""The Lark parser of the OpenQASM grammar, kept on disk so that a new process loads it instead of building it.

Building the LALR parser analyses the grammar and computes its tables (about
0.1 s of every ``gpuq run`` on a 2-core EPYC, more than simulating a small
circuit), and every program that includes qelib1.inc then parses its 42
gate definitions (another 30 ms). Both come out the same in every process,
so the parser and the trees of such fixed texts are saved once under the
user's cache directory (``$XDG_CACHE_HOME/gpuq/qasm``, else
``~/.cache/gpuq/qasm``) and later processes load them in milliseconds.

The file is trusted only when everything about it checks out, and is
otherwise ignored and rewritten: its name and header carry a SHA-256 key of
the grammar, the parser options, the fixed texts, Lark's version and
Python's version (a change to any of them makes a new file); the header
carries the SHA-256 of the payload, checked before the payload is unpickled
(a truncated or corrupt file is never loaded); and on POSIX the file must be
a regular file of the current user that no one else may write. It is written
under a temporary name and renamed, so a reader never sees half of it. A
cache directory that is missing and cannot be made, or is read-only, only
costs the build: no error reaches the caller.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import stat
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import lark
from lark import Lark, Tree

MAGIC = b"gpuq-lark-parser 1\n"
"""First line of a cache file; a new layout of the file gets a new number."""

MAX_BYTES = 4 << 20
"""Largest cache file read (the OpenQASM parser and qelib1.inc take about 100 kB): anything bigger is not ours."""


def cache_directory() -> Path | None:
    """Where the parser is cached: ``$XDG_CACHE_HOME/gpuq/qasm``, else ``~/.cache/gpuq/qasm`` (None: no home)."""
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = str(Path.home() / ".cache")
        except (RuntimeError, KeyError):  # no HOME and no password entry
            return None
    return Path(base) / "gpuq" / "qasm"


def cached_parser(
    grammar: str, options: dict[str, Any], texts: Sequence[str], directory: Path | None
) -> tuple[Lark, tuple[Tree, ...]]:
    """The LALR parser of ``grammar`` with ``options``, and the trees of ``texts`` (which must parse).

    They are loaded from ``directory`` when a valid copy is there; otherwise
    they are built and saved there for the next process (when ``directory``
    is None or cannot be written, they are only built).
    """
    key = _key(grammar, options, texts)
    path = None if directory is None else directory / f"parser-{key}.pickle"
    if path is not None:
        loaded = _load(path, key, len(texts))
        if loaded is not None:
            return loaded
    parser = Lark(grammar, **options)
    trees = tuple(parser.parse(text) for text in texts)
    if path is not None:
        _save(parser, trees, path, key)
    return parser, trees


def _key(grammar: str, options: dict[str, Any], texts: Sequence[str]) -> str:
    """Hex SHA-256 of everything the saved parser and trees depend on."""
    parts = (grammar, repr(sorted(options.items())), *texts, lark.__version__, sys.version)
    digest = hashlib.sha256(MAGIC)
    for part in parts:
        digest.update(part.encode() + b"\0")
    return digest.hexdigest()


def _load(path: Path, key: str, count: int) -> tuple[Lark, tuple[Tree, ...]] | None:
    """What was saved at ``path`` under ``key``, or None when there is nothing there to trust."""
    blob = _read_private(path)
    header = MAGIC + key.encode() + b"\n"
    digest_end = len(header) + 65  # 64 hex digits and a newline
    if blob is None or not blob.startswith(header) or blob[digest_end - 1 : digest_end] != b"\n":
        return None
    digest, payload = blob[len(header) : digest_end - 1], blob[digest_end:]
    if hashlib.sha256(payload).hexdigest().encode() != digest:
        return None
    try:
        parser_bytes, trees = pickle.loads(payload)
        parser = Lark.load(io.BytesIO(parser_bytes))
    except Exception:  # written by another Lark that passes the checks above: build instead
        return None
    if not (isinstance(trees, tuple) and len(trees) == count and all(isinstance(t, Tree) for t in trees)):
        return None
    return parser, trees


def _read_private(path: Path) -> bytes | None:
    """The bytes of ``path`` when it is a regular file of this user that no one else may write, else None."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as file:
        try:
            info = os.fstat(file.fileno())
            if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_BYTES:
                return None
            if hasattr(os, "getuid") and (info.st_uid != os.getuid() or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)):
                return None
            return file.read(MAX_BYTES + 1)
        except OSError:
            return None


def _save(parser: Lark, trees: tuple[Tree, ...], path: Path, key: str) -> None:
    """Write the parser and trees to ``path`` (atomically, readable by its owner only); give up on any OSError."""
    parser_bytes = io.BytesIO()
    parser.save(parser_bytes)
    payload = pickle.dumps((parser_bytes.getvalue(), trees), protocol=pickle.HIGHEST_PROTOCOL)
    blob = MAGIC + key.encode() + b"\n" + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".parser-", suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(blob)
        os.replace(temporary, path)
    except OSError:
        try:
            os.unlink(temporary)
        except OSError:
            pass
