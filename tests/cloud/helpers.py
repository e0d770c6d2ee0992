"""Helpers of the cloud tests: real server and worker processes on loopback, circuits with known answers.

Nothing here imitates the server: ``ServerProcess`` runs ``python -m gpuq
serve`` on a free port with a temporary database, ``start_worker`` runs
``python -m gpuq worker``, and users are made with ``gpuq server add-user``.
The fixtures built on these live in ``conftest.py`` next to this module.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

REPO = Path(__file__).resolve().parents[2]

FAST_WORKER_ARGS = ["--poll-interval", "0.05", "--heartbeat", "0.2", "--lease", "30"]
"""Short polls so that the tests are quick; a long lease so a busy 2-core machine never looks dead."""

SERVER_START_TIMEOUT = 60.0
JOB_TIMEOUT = 120.0


def wait_until(
    predicate: Callable[[], Any],
    timeout: float = 30.0,
    interval: float = 0.05,
    message: str | Callable[[], str] = "condition",
) -> Any:
    """Poll ``predicate`` until it returns something true and return that; fail the test at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            text = message() if callable(message) else message
            pytest.fail(f"timed out after {timeout} s waiting for {text}")
        time.sleep(interval)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def child_env(**extra: str) -> dict[str, str]:
    """The environment of server and worker processes: this one, one Numba thread each (2-core CI)."""
    env = dict(os.environ)
    env.setdefault("NUMBA_NUM_THREADS", "1")
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def gpuq_command(*args: str) -> list[str]:
    """``python -m gpuq ARGS`` with this interpreter."""
    return [sys.executable, "-m", "gpuq", *args]


def run_gpuq(
    *args: str, env: dict[str, str] | None = None, input: str | None = None, timeout: float = 60.0
) -> subprocess.CompletedProcess:
    """Run a ``gpuq`` command to its end and return what it printed."""
    return subprocess.run(
        gpuq_command(*args),
        cwd=REPO,
        env=env or child_env(),
        input=input,
        text=True,
        capture_output=True,
        timeout=timeout,
        check=False,
    )


def add_user(db_url: str, name: str) -> str:
    """Create a user with ``gpuq server add-user`` and return the token (the last word printed)."""
    done = run_gpuq("server", "add-user", name, "--db", db_url)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()[-1]


class ServerProcess:
    """``gpuq serve`` on a free loopback port, its output kept in a log file."""

    def __init__(
        self, db_url: str, log_dir: Path, workers: int = 2, extra: list[str] | None = None, port: int | None = None
    ):
        self.db_url = db_url
        self.workers = workers
        self.extra = extra or []
        self.port = port or free_port()
        self.log_path = log_dir / f"server-{self.port}-{uuid.uuid4().hex[:6]}.log"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ServerProcess:
        """Start the server and wait until ``/health`` answers."""
        command = gpuq_command(
            "serve",
            "--port",
            str(self.port),
            "--db",
            self.db_url,
            "--workers",
            str(self.workers),
            "--log-level",
            "info",
            *FAST_WORKER_ARGS,
            *self.extra,
        )
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(command, cwd=REPO, env=child_env(), stdout=log, stderr=subprocess.STDOUT)
        wait_until(self._healthy, SERVER_START_TIMEOUT, 0.1, lambda: f"the server to answer; log:\n{self.log()}")
        return self

    def _healthy(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            pytest.fail(f"the server exited with {self.process.returncode}; log:\n{self.log()}")
        try:
            return requests.get(f"{self.url}/health", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def healthy(self) -> bool:
        """True when the process runs and ``/health`` answers 200."""
        return self.process is not None and self.process.poll() is None and self._healthy()

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Send a signal and wait for the process to end."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        """Stop gracefully (SIGTERM), or kill it after 20 s."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log(self) -> str:
        """The server's output so far (the last 6000 characters)."""
        try:
            return self.log_path.read_text(errors="replace")[-6000:]
        except OSError:
            return "<no log>"


def start_worker(db_url: str, log_dir: Path, *extra: str) -> subprocess.Popen:
    """A standalone ``gpuq worker`` on ``db_url``, its output in ``log_dir``."""
    log_path = log_dir / f"worker-{uuid.uuid4().hex[:6]}.log"
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            gpuq_command("worker", "--db", db_url, *FAST_WORKER_ARGS, *extra),
            cwd=REPO,
            env=child_env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def stop_process(process: subprocess.Popen) -> None:
    """Terminate a process this test started, then kill it if it does not end."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# ------------------------------------------------------------------- circuits
def basis_circuit(value: int, nqubits: int = 3, name: str | None = None):
    """A circuit preparing the basis state ``value`` and measuring it: its counts are known exactly."""
    from gpuq import QuantumCircuit

    circuit = QuantumCircuit(nqubits, nqubits, name=name or f"basis{value}")
    for qubit in range(nqubits):
        if value >> qubit & 1:
            circuit.x(qubit)
    circuit.measure(list(range(nqubits)), list(range(nqubits)))
    return circuit


def expected_key(value: int, nqubits: int = 3) -> str:
    """The count key of ``basis_circuit(value)``: clbit 0 rightmost."""
    return format(value, f"0{nqubits}b")


def slow_qobj(nqubits: int = 20, layers: int = 30000) -> dict:
    """A Qobj that runs for a long time (no fusion, thousands of full-state passes) and stops when asked.

    The tests never wait for it to end: they cancel it or kill its worker.
    """
    # Distinct angles on rotating qubits: nothing for an optimiser to cancel or merge.
    instructions = [
        {"name": "rx", "qubits": [layer % nqubits], "params": [0.1 + 1e-4 * layer]} for layer in range(layers)
    ]
    return {
        "config": {"shots": 1, "fusion_enable": False},
        "experiments": [{"header": {"name": "slow"}, "config": {"n_qubits": nqubits}, "instructions": instructions}],
    }


def job_row(db_url: str, job_id: str):
    """The job's row in the store (to find the worker that holds it)."""
    from gpuq.server.store import JobStore

    store = JobStore(db_url)
    try:
        return store.get(job_id)
    finally:
        store.close()


def dump(value: Any) -> str:
    """JSON text of ``value`` for failure messages."""
    return json.dumps(value, default=str, indent=1)[:3000]
