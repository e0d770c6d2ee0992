"""Starting on a store that cannot be used says so in one line; a new SQLite store is private."""

from __future__ import annotations

import json
import os
import socket
import stat

import pytest

from gpuq.server.store import JobStore

from .helpers import run_gpuq

pytestmark = pytest.mark.cloud


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again: nothing listens there


SERVE, ADD_USER, WORKER = ["serve", "--port", "9", "--workers", "0"], ["server", "add-user", "alice"], ["worker"]


@pytest.mark.parametrize(
    "command,kind,words",
    [
        (ADD_USER, "directory", "is a directory"),
        (ADD_USER, "text file", "file is not a database"),
        (ADD_USER, "corrupt database", "file is not a database"),
        (ADD_USER, "unwritable place", "No such file or directory"),
        (ADD_USER, "postgres down", "Connection refused"),
        (SERVE, "corrupt database", "file is not a database"),
        (SERVE, "postgres down", "Connection refused"),
        (WORKER, "directory", "is a directory"),
    ],
)
def test_a_store_that_cannot_be_used_is_a_one_line_error(tmp_path, kind, words, command):
    db = {
        "directory": str(tmp_path),
        "text file": str(tmp_path / "notes.txt"),
        "corrupt database": str(tmp_path / "corrupt.db"),
        "unwritable place": "/proc/gpuq/jobs.db",
        "postgres down": f"postgresql://gpuq@127.0.0.1:{_closed_port()}/gpuq",
    }[kind]
    (tmp_path / "notes.txt").write_text("not a database\n")
    (tmp_path / "corrupt.db").write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    done = run_gpuq(*command, "--db", db)
    assert done.returncode == 1 and done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith("gpuq: error: cannot ") and words in done.stderr, done.stderr


def test_a_new_sqlite_store_is_readable_by_its_owner_only(tmp_path):
    old = os.umask(0o022)
    try:
        store = JobStore(f"sqlite:///{tmp_path / 'jobs.db'}")
        store.user_names()
    finally:
        os.umask(old)
    try:
        made = sorted(path.name for path in tmp_path.iterdir())
        assert "jobs.db" in made and "jobs.db-wal" in made, made
        for name in made:
            assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600, name
    finally:
        store.close()


@pytest.mark.parametrize(
    "limits, words",
    [
        ({"backends": {"qasm_simulator": {"max_qubitz": 3}}}, "backends.qasm_simulator.max_qubitz: unknown key"),
        ({"qasm_simulator": {"max_qubits": 3}}, "qasm_simulator: unknown key (allowed: default, backends)"),
        ({"default": {"max_qubits": 0}}, "default.max_qubits: Input should be greater than or equal to 1"),
    ],
)
def test_a_bad_limits_file_is_a_one_line_error_naming_the_key(tmp_path, limits, words):
    path = tmp_path / "limits.json"
    path.write_text(json.dumps(limits))
    done = run_gpuq("serve", "--limits", str(path), "--db", str(tmp_path / "jobs.db"))
    assert done.returncode == 1 and done.stderr.count("\n") == 1, done.stderr
    assert words in done.stderr and "pydantic" not in done.stderr, done.stderr
