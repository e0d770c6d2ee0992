"""Processes die; jobs are not lost: a killed server, a killed worker, a killed standalone worker."""

from __future__ import annotations

import os
import signal

import pytest

from gpuq import JobStatus
from gpuq.providers.cloud import CloudProvider
from gpuq.server.procs import pid_alive, worker_pid

from .helpers import JOB_TIMEOUT, add_user, basis_circuit, expected_key, job_row, slow_qobj, wait_until

pytestmark = pytest.mark.cloud


def _running_worker(url: str, job_id: str, attempt: int) -> tuple[str, int]:
    """Wait until the job runs its ``attempt``-th time; return the worker's name and pid."""

    def running():
        row = job_row(url, job_id)
        return row if row.status == "RUNNING" and row.attempts == attempt else None

    row = wait_until(running, timeout=JOB_TIMEOUT, message=f"job {job_id} to run (attempt {attempt})")
    return row.worker, worker_pid(row.worker)


def test_server_killed_with_jobs_queued_and_one_running(sqlite_url, servers):
    token = add_user(sqlite_url, "alice")
    server = servers(sqlite_url, workers=1)
    backend = CloudProvider().enable_account(token, server.url).get_backend("qasm_simulator")
    finished = backend.run(basis_circuit(7), shots=77)
    counts = finished.result(timeout=JOB_TIMEOUT, wait=0.1).get_counts()
    slow = backend.run(slow_qobj())
    _, pid = _running_worker(sqlite_url, slow.job_id(), 1)
    quick = [backend.run(basis_circuit(value), shots=20 + value) for value in range(5)]
    assert [job.status() for job in quick] == [JobStatus.QUEUED] * 5

    server.kill(signal.SIGKILL)
    wait_until(lambda: not pid_alive(pid), timeout=10, message="the worker to die with its server")
    assert job_row(sqlite_url, slow.job_id()).status == "RUNNING"  # nobody has noticed yet

    servers(sqlite_url, workers=1, port=server.port)  # same address: the client's jobs carry on
    again = CloudProvider().enable_account(token, server.url).retrieve_job(finished.job_id())
    assert again.status() is JobStatus.DONE and again.result().get_counts() == counts == {expected_key(7): 77}
    for value, job in enumerate(quick):
        assert job.result(timeout=JOB_TIMEOUT, wait=0.1).get_counts() == {expected_key(value): 20 + value}
    slow.refresh()
    info = slow.info()
    # The worker died with its server: that is no attempt of the job's, so it is not "tried 2 times" later.
    assert info.status in ("QUEUED", "RUNNING"), info
    assert info.attempts == (1 if info.status == "RUNNING" else 0), info
    assert "requeued" in info.note and str(pid) in info.note and "with its server" in info.note, info
    assert slow.cancel()
    assert slow.wait_for_final_state(timeout=JOB_TIMEOUT, wait=0.1) is JobStatus.CANCELLED


def test_graceful_stop_puts_the_running_job_back(sqlite_url, servers):
    token = add_user(sqlite_url, "alice")
    server = servers(sqlite_url, workers=1)
    backend = CloudProvider().enable_account(token, server.url).get_backend("qasm_simulator")
    slow = backend.run(slow_qobj())
    _running_worker(sqlite_url, slow.job_id(), 1)
    server.stop()  # SIGTERM: the worker stops at a gate boundary and gives the job back
    assert server.process.returncode == 0, server.log()
    row = job_row(sqlite_url, slow.job_id())
    assert (row.status, row.attempts) == ("QUEUED", 0) and "was stopped" in row.note, (row, server.log())

    servers(sqlite_url, workers=1, port=server.port)
    _running_worker(sqlite_url, slow.job_id(), 1)  # it resumes, as a first attempt
    assert slow.cancel()
    assert slow.wait_for_final_state(timeout=JOB_TIMEOUT, wait=0.1) is JobStatus.CANCELLED


def test_killed_worker_is_accounted_for_and_replaced(sqlite_url, servers):
    token = add_user(sqlite_url, "alice")
    server = servers(sqlite_url, workers=2)
    backend = CloudProvider().enable_account(token, server.url).get_backend("qasm_simulator")
    slow = backend.run(slow_qobj())

    _, first_pid = _running_worker(sqlite_url, slow.job_id(), 1)
    os.kill(first_pid, signal.SIGKILL)
    _, second_pid = _running_worker(sqlite_url, slow.job_id(), 2)  # requeued once, and running again
    assert "SIGKILL" in job_row(sqlite_url, slow.job_id()).note
    assert server.healthy()

    os.kill(second_pid, signal.SIGKILL)  # a second death: the job is not retried again
    assert slow.wait_for_final_state(timeout=JOB_TIMEOUT, wait=0.1) is JobStatus.ERROR
    assert "SIGKILL" in slow.error_message() and "tried 2 times" in slow.error_message()

    # The server goes on serving, and replaced its workers.
    assert server.healthy()
    again = backend.run(basis_circuit(6), shots=64)
    assert again.result(timeout=JOB_TIMEOUT, wait=0.1).get_counts() == {expected_key(6): 64}


def test_killed_standalone_worker_is_noticed(db_url, servers, workers):
    token = add_user(db_url, "alice")
    server = servers(db_url, workers=0)  # workers run on their own, as on other hosts
    backend = CloudProvider().enable_account(token, server.url).get_backend("qasm_simulator")
    first = workers(db_url)
    slow = backend.run(slow_qobj())
    quick = backend.run(basis_circuit(3), shots=33)
    worker, pid = _running_worker(db_url, slow.job_id(), 1)
    assert pid == first.pid
    first.kill()
    first.wait()
    # The server's supervisor sees, on this host, that the worker's process is gone.
    wait_until(
        lambda: job_row(db_url, slow.job_id()).status == "QUEUED",
        timeout=30,
        message="the dead worker's job to be requeued",
    )
    assert worker in job_row(db_url, slow.job_id()).note
    workers(db_url)
    assert quick.result(timeout=JOB_TIMEOUT, wait=0.1).get_counts() == {expected_key(3): 33}
    assert slow.cancel()
    assert slow.wait_for_final_state(timeout=JOB_TIMEOUT, wait=0.1) is JobStatus.CANCELLED


def test_a_job_past_the_run_time_limit_ends_in_error(sqlite_url, servers):
    token = add_user(sqlite_url, "alice")
    server = servers(sqlite_url, workers=1, extra=["--max-run-time", "5"])
    backend = CloudProvider().enable_account(token, server.url).get_backend("qasm_simulator")
    slow = backend.run(slow_qobj())
    assert slow.wait_for_final_state(timeout=JOB_TIMEOUT, wait=0.1) is JobStatus.ERROR
    assert "longer than this server's limit of 5 s" in slow.error_message()
    assert job_row(sqlite_url, slow.job_id()).attempts == 1  # stopped, not retried
    assert server.healthy()
