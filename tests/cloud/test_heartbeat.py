"""A worker's heartbeats come from a companion process: a worker held up in one long call keeps its job.

Issue 19 item 3: the heartbeat was a thread of the worker, and while the
worker turned a large result into JSON (one call that holds the interpreter
lock) the heartbeat went 8.5 s stale, so with a short lease the job was
taken away and run twice. Here the worker process is stopped outright
(SIGSTOP, a stronger hold than any lock): its job's heartbeat must go on.
And when the worker dies, its companion dies with it, so the death is seen.
"""

from __future__ import annotations

import datetime
import json
import os
import signal
import uuid

import pytest

from gpuq.server.auth import add_user
from gpuq.server.db import CANCELLED, RUNNING
from gpuq.server.procs import pid_alive, worker_pid
from gpuq.server.store import JobStore

from .helpers import job_row, slow_qobj, wait_until

pytestmark = pytest.mark.cloud


def _running_job(db_url: str, workers) -> tuple[JobStore, str, int]:
    store = JobStore(db_url)
    add_user(store, "alice")
    (user_id,) = store.users_by_id()
    job_id = store.submit(user_id, "qasm_simulator_cpu", json.dumps(slow_qobj()), "slow", str(uuid.uuid4())).id
    workers(db_url)
    # Running, and beaten for at least once since its claim (the claim itself sets the first heartbeat).
    row = wait_until(
        lambda: (r := job_row(db_url, job_id)).status == RUNNING and r.heartbeat_at > r.started_at and r,
        60,
        message="the job to run and send a heartbeat",
    )
    pid = worker_pid(row.worker)
    assert pid is not None
    return store, job_id, pid


def test_a_stopped_worker_keeps_beating_and_keeps_its_job(db_url, workers):
    store, job_id, pid = _running_job(db_url, workers)
    try:
        os.kill(pid, signal.SIGSTOP)
        try:
            stopped_at = store.get(job_id).heartbeat_at
            later = stopped_at + datetime.timedelta(seconds=1)  # five 0.2 s intervals after the stop
            wait_until(
                lambda: store.get(job_id).heartbeat_at > later,
                30,
                0.1,
                "heartbeats while the worker process is stopped",
            )
            assert store.get(job_id).status == RUNNING and worker_pid(store.get(job_id).worker) == pid
        finally:
            os.kill(pid, signal.SIGCONT)
        # The worker still reads cancellations itself and stops the job.
        store.cancel(job_id, None)
        wait_until(lambda: store.get(job_id).status == CANCELLED, 60, message="the job to be cancelled")
    finally:
        store.close()


def test_the_heartbeats_end_with_the_worker(db_url, workers):
    store, _, pid = _running_job(db_url, workers)
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as handle:
            children = [int(child) for child in handle.read().split()]
        assert len(children) == 1  # the companion
        os.kill(pid, signal.SIGKILL)
        wait_until(lambda: not pid_alive(children[0]), 30, message="the companion to die with its worker")
    finally:
        store.close()
