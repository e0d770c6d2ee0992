"""``GET /metrics`` of a real server, and its JSON logs: what an operator's Prometheus and log collector read.

The store is filled through the store's own calls (jobs queued on two
backends, jobs that ran for known times, workers with and without a GPU),
then a server on loopback is scraped and its answer parsed with
prometheus_client's own parser.
"""

from __future__ import annotations

import datetime
import json
import socket
import uuid

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from gpuq.providers.cloud import CloudProvider
from gpuq.server.auth import add_user
from gpuq.server.db import CANCELLED, DONE, ERROR, jobs, transaction
from gpuq.server.store import JobStore

from .helpers import JOB_TIMEOUT, basis_circuit, wait_until

pytestmark = pytest.mark.cloud

RUN_SECONDS = {DONE: 0.03, ERROR: 100.0, CANCELLED: 2.0}
"""How long each finished job ran (set in its row): the histogram must count DONE and ERROR only."""


def _samples(text: str) -> dict[tuple[str, tuple], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _fill(db_url: str) -> None:
    store = JobStore(db_url)
    try:
        add_user(store, "alice")
        (user_id,) = store.users_by_id()
        for status, seconds in RUN_SECONDS.items():
            record = store.submit(user_id, "qasm_simulator_cpu", "{}", "q", str(uuid.uuid4()))
            assert store.claim("host:1:w", "space").id == record.id
            assert store.finish(record.id, "host:1:w", status, "{}" if status == DONE else None)
            start = datetime.datetime(2026, 1, 1, 12, 0, 0)
            with transaction(store.engine, write=True) as conn:
                conn.execute(
                    jobs.update()
                    .where(jobs.c.id == record.id)
                    .values(started_at=start, finished_at=start + datetime.timedelta(seconds=seconds))
                )
        for backend in ("qasm_simulator_cpu", "qasm_simulator_cpu", "statevector_simulator_cpu"):
            store.submit(user_id, backend, "{}", "q", str(uuid.uuid4()))
        store.register_worker(f"{socket.gethostname()}:1:gpu", "gpu-host", has_gpu=True)
        store.register_worker(f"{socket.gethostname()}:2:cpu", "cpu-host", has_gpu=False)
    finally:
        store.close()


def test_metrics_show_queues_statuses_workers_and_durations(db_url, servers):
    _fill(db_url)
    server = servers(db_url, workers=0)
    answer = requests.get(f"{server.url}/metrics", timeout=30)  # no token: counts only, no names
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    samples = _samples(answer.text)
    assert samples[("gpuq_queue_length", (("backend", "qasm_simulator_cpu"),))] == 2
    assert samples[("gpuq_queue_length", (("backend", "statevector_simulator_cpu"),))] == 1
    by_status = {status: samples[("gpuq_jobs", (("status", status),))] for status in (DONE, ERROR, CANCELLED)}
    assert by_status == {DONE: 1, ERROR: 1, CANCELLED: 1}
    assert samples[("gpuq_jobs", (("status", "QUEUED"),))] == 3
    assert samples[("gpuq_jobs", (("status", "RUNNING"),))] == 0
    assert samples[("gpuq_workers", (("gpu", "true"),))] == 1
    assert samples[("gpuq_workers", (("gpu", "false"),))] == 1
    assert samples[("gpuq_job_duration_seconds_count", ())] == 2
    assert samples[("gpuq_job_duration_seconds_sum", ())] == pytest.approx(100.03, abs=1e-3)
    buckets = {
        float(dict(labels)["le"]): value
        for (name, labels), value in samples.items()
        if name == "gpuq_job_duration_seconds_bucket"
    }
    assert buckets[0.01] == 0 and buckets[0.05] == 1 and buckets[60.0] == 1 and buckets[300.0] == 2
    assert buckets[float("inf")] == 2


def test_json_logs_carry_the_job_and_user(db_url, servers):
    store = JobStore(db_url)
    try:
        token = add_user(store, "alice")
    finally:
        store.close()
    server = servers(db_url, workers=1, extra=["--log-format", "json"])
    backend = CloudProvider().enable_account(token, server.url).get_backend("qasm_simulator_cpu")
    job = backend.run(basis_circuit(5), shots=8)
    assert job.result(timeout=JOB_TIMEOUT).get_counts() == {"101": 8}

    def records() -> list[dict]:
        lines = server.log_path.read_text().splitlines()
        return [json.loads(line) for line in lines if line.startswith("{")]

    ended = wait_until(
        lambda: [r for r in records() if r.get("job_id") == job.job_id() and r.get("status") == DONE],
        message=lambda: f"the worker's JSON record of the job's end in\n{server.log()}",
    )
    assert ended[0]["backend"] == "qasm_simulator_cpu" and ended[0]["level"] == "INFO" and ended[0]["seconds"] >= 0
    queued = [r for r in records() if r.get("job_id") == job.job_id() and r.get("user") == "alice"]
    assert queued and queued[0]["logger"] == "gpuq.server"
    # Every log line is JSON (uvicorn's too); only the server's own two messages on stderr are plain.
    plain = [line for line in server.log_path.read_text().splitlines() if line and not line.startswith("{")]
    assert all(line.startswith("gpuq: ") for line in plain), plain
