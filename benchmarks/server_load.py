"""Load test of the job server on loopback: N jobs submitted from T threads, run to the end by its workers.

Starts a real ``gpuq serve`` (a fresh SQLite file, or a fresh database on
the PostgreSQL server of ``--postgres URL``) on a free 127.0.0.1 port, makes
a user, and has ``--threads`` threads submit ``--jobs`` small jobs (a
3-qubit basis circuit, 16 shots) over HTTP as fast as the server answers.
It then waits for every job to end and reports:

- submissions/s: jobs accepted per second of the submission phase;
- end-to-end jobs/s: jobs finished per second from the first submission to the last end;
- p50/p95/p99/max of the submission latency (one POST, as the client sees it)
  and of the end-to-end latency (submitted to finished, from the server's dates).

Bounded: it stops by itself after ``--deadline`` seconds whatever happened
(reporting the jobs that did not end), and stops the server it started.
Nothing leaves the machine. Run from the repository root::

    python3 -m benchmarks.server_load --jobs 500 --threads 20
    python3 -m benchmarks.server_load --postgres postgresql://user@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]

QOBJ = {
    "config": {"shots": 16, "seed_simulator": 7},
    "experiments": [
        {
            "header": {"name": "basis5"},
            "config": {"n_qubits": 3, "memory_slots": 3},
            "instructions": [
                {"name": "x", "qubits": [0]},
                {"name": "x", "qubits": [2]},
                {"name": "measure", "qubits": [0, 1, 2], "memory": [0, 1, 2]},
            ],
        }
    ],
}
"""A job that runs in milliseconds: the test measures the server, not the simulator."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _gpuq(*args: str) -> list[str]:
    return [sys.executable, "-m", "gpuq", *args]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("NUMBA_NUM_THREADS", "1")
    return env


def _postgres_database(base: str) -> tuple[str, object]:
    """A fresh database on the server of ``base``; returns its URL and a callable that drops it."""
    import sqlalchemy as sa

    from gpuq.server.db import normalise_url

    url = sa.engine.make_url(normalise_url(base))
    name = f"gpuq_load_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


def _percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return {
        "p50": statistics.median(ordered),
        "p95": at(0.95),
        "p99": at(0.99),
        "max": ordered[-1],
    }


def _parse_date(text: str) -> float:
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def run(db_url: str, jobs: int, threads: int, workers: int, deadline: float, log_path: Path) -> dict:
    """Start a server on ``db_url``, load it, stop it; returns the figures."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    added = subprocess.run(
        _gpuq("server", "add-user", "load", "--db", db_url), env=_env(), capture_output=True, text=True, check=True
    )
    headers = {"Authorization": f"Bearer {added.stdout.split()[-1]}"}
    command = _gpuq("serve", "--port", str(port), "--db", db_url, "--workers", str(workers), "--log-level", "warning")
    command += ["--poll-interval", "0.05", "--max-connections", "1024"]
    with open(log_path, "ab") as log:
        server = subprocess.Popen(command, env=_env(), stdout=log, stderr=subprocess.STDOUT)
    stop_at = time.monotonic() + deadline
    try:
        while True:
            try:
                if requests.get(f"{base}/health", timeout=2).json()["workers"] >= workers:
                    break
            except requests.RequestException:
                pass
            if server.poll() is not None or time.monotonic() > stop_at:
                raise RuntimeError(f"the server did not start; see {log_path}")
            time.sleep(0.1)
        _load(base, headers, workers, 1, stop_at)  # warm-up: each worker imports and compiles once
        return _load(base, headers, jobs, threads, stop_at)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _load(base: str, headers: dict[str, str], jobs: int, threads: int, stop_at: float) -> dict:
    body = json.dumps({"backend": "qasm_simulator_cpu", "qobj": QOBJ})
    lock = threading.Lock()
    latencies: list[float] = []
    ids: list[str] = []
    failures: list[str] = []
    next_index = [0]

    def submitter() -> None:
        session = requests.Session()
        while time.monotonic() < stop_at:
            with lock:
                if next_index[0] >= jobs:
                    return
                next_index[0] += 1
            start = time.perf_counter()
            try:
                answer = session.post(
                    f"{base}/api/v1/jobs",
                    data=body,
                    headers={**headers, "Content-Type": "application/json"},
                    timeout=120,
                )
            except requests.RequestException as exc:
                with lock:
                    failures.append(type(exc).__name__)
                continue
            elapsed = time.perf_counter() - start
            with lock:
                if answer.status_code == 201:
                    latencies.append(elapsed)
                    ids.append(answer.json()["job_id"])
                else:
                    failures.append(f"{answer.status_code}: {answer.text[:200]}")

    first = time.time()
    pool = [threading.Thread(target=submitter, daemon=True) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(max(0.0, stop_at - time.monotonic()))
    submitted = time.time()

    # Wait for the queue to drain (or the deadline), then read every job's dates.
    while time.monotonic() < stop_at:
        counts = requests.get(f"{base}/health", timeout=30).json()["jobs"]
        if counts.get("QUEUED", 0) + counts.get("RUNNING", 0) == 0:
            break
        time.sleep(0.25)
    ends, e2e, statuses = [], [], {}
    with requests.Session() as session:
        for job_id in ids:
            info = session.get(f"{base}/api/v1/jobs/{job_id}", headers=headers, timeout=30).json()
            statuses[info["status"]] = statuses.get(info["status"], 0) + 1
            if info.get("end_date"):
                end = _parse_date(info["end_date"])
                ends.append(end)
                e2e.append(end - _parse_date(info["creation_date"]))
    return {
        "jobs": jobs,
        "threads": threads,
        "accepted": len(ids),
        "refused_or_failed": len(failures),
        "first_failures": sorted(set(failures))[:5],
        "statuses": statuses,
        "submit_seconds": submitted - first,
        "submissions_per_s": len(ids) / (submitted - first),
        "end_to_end_jobs_per_s": (len(ends) / (max(ends) - first)) if ends else 0.0,
        "submit_latency_s": _percentiles(latencies),
        "end_to_end_latency_s": _percentiles(e2e),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=500)
    parser.add_argument("--threads", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2, help="worker processes of the server (default 2)")
    parser.add_argument("--deadline", type=float, default=600.0, help="stop after this many seconds (default 600)")
    parser.add_argument("--postgres", metavar="URL", help="use a fresh database on this PostgreSQL server")
    parser.add_argument("--out", metavar="FILE", help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="gpuq-load-") as tmp:
        drop = None
        if args.postgres:
            db_url, drop = _postgres_database(args.postgres)
            store = "postgresql"
        else:
            db_url, store = f"sqlite:///{tmp}/jobs.db", "sqlite"
        try:
            figures = run(db_url, args.jobs, args.threads, args.workers, args.deadline, Path(tmp) / "server.log")
        finally:
            if drop is not None:
                drop()  # type: ignore[operator]
    figures.update(
        store=store,
        workers=args.workers,
        machine=f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
    )
    print(json.dumps(figures, indent=1))
    if args.out:
        Path(args.out).write_text(json.dumps(figures, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
