"""The remote workflow end to end, against a real server process with a temporary database."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
import threading
from collections import defaultdict
from pathlib import Path

import pytest

import gpuq
from gpuq import AccountError, JobStatus
from gpuq.providers.cloud import CloudProvider

from .helpers import JOB_TIMEOUT, REPO, add_user, basis_circuit, child_env, expected_key, run_gpuq, wait_until

pytestmark = pytest.mark.cloud


def _ghz(n: int = 3):
    circuit = gpuq.QuantumCircuit(n, n, name=f"ghz{n}")
    circuit.h(0)
    for qubit in range(n - 1):
        circuit.cx(qubit, qubit + 1)
    circuit.measure(list(range(n)), list(range(n)))
    return circuit


def test_remote_workflow(sqlite_url, servers, workers, config_dir):
    token = add_user(sqlite_url, "alice")
    server = servers(sqlite_url, workers=0)  # no worker yet: submitted jobs stay QUEUED

    env = child_env(GPUQ_CONFIG_DIR=str(config_dir), GPUQ_TOKEN=token)
    saved = run_gpuq("account", "save", "--url", server.url, env=env)
    assert saved.returncode == 0, saved.stderr
    accounts_file = config_dir / "accounts.json"
    assert stat.S_IMODE(accounts_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(config_dir.stat().st_mode) == 0o700
    listed = run_gpuq("account", "list", env=env)
    assert server.url in listed.stdout and token not in listed.stdout

    cloud = CloudProvider().load_account()
    assert cloud.active_account()["user"] == "alice"
    names = [backend.name() for backend in cloud.backends()]
    assert {"qasm_simulator", "statevector_simulator", "unitary_simulator"} <= set(names)
    backend = cloud.get_backend("qasm_simulator")
    assert backend.configuration().local is False and backend.configuration().max_shots >= 1000

    jobs = [backend.run(_ghz(n), shots=300 + n, seed_simulator=11 + n) for n in (2, 3, 4)]
    assert [job.status() for job in jobs] == [JobStatus.QUEUED] * 3
    assert [job.queue_position() for job in jobs] == [1, 2, 3]
    assert backend.status().pending_jobs == 3
    assert jobs[2].cancel() and jobs[2].status() is JobStatus.CANCELLED
    assert backend.status().pending_jobs == 2
    assert jobs[1].queue_position() == 2 and jobs[0].creation_date() < jobs[1].creation_date()

    workers(sqlite_url)  # a worker joins: the queue drains
    result = jobs[0].result(timeout=JOB_TIMEOUT, wait=0.1)
    local = gpuq.execute(_ghz(2), gpuq.Local.get_backend("qasm_simulator_cpu"), shots=302, seed=13).result()
    assert result.get_counts() == local.get_counts()
    assert result.job_id == jobs[0].job_id() and jobs[0].queue_position() is None
    second = jobs[1].result(timeout=JOB_TIMEOUT, wait=0.1).get_counts()
    assert set(second) == {"000", "111"} and sum(second.values()) == 303
    assert jobs[0].error_message() is None
    with pytest.raises(gpuq.JobCancelledError):
        jobs[2].result()

    listed_jobs = backend.jobs(limit=10)
    assert [job.job_id() for job in listed_jobs] == [job.job_id() for job in reversed(jobs)]
    assert [job.job_id() for job in cloud.jobs(status=JobStatus.CANCELLED)] == [jobs[2].job_id()]

    # A new Python process picks the job up by id and gets the same result.
    script = (
        "import json, gpuq; gpuq.Cloud.load_account(); "
        "job = gpuq.Cloud.get_backend('qasm_simulator').retrieve_job(JOB_ID); "
        "print(json.dumps({'counts': job.result().get_counts(), 'created': job.creation_date().isoformat()}))"
    ).replace("JOB_ID", repr(jobs[0].job_id()))
    later = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert later.returncode == 0, later.stderr
    answer = json.loads(later.stdout)
    assert answer == {"counts": result.get_counts(), "created": jobs[0].creation_date().isoformat()}

    deleted = run_gpuq("account", "delete", env=env)
    assert deleted.returncode == 0, deleted.stderr
    with pytest.raises(AccountError, match="no saved account"):
        CloudProvider().load_account()


@pytest.mark.parametrize("backend_name", ["statevector_simulator", "unitary_simulator"])
def test_states_survive_the_wire(sqlite_url, servers, backend_name):
    token = add_user(sqlite_url, "alice")
    server = servers(sqlite_url, workers=1)
    circuit = gpuq.QuantumCircuit(2, name="bell")
    circuit.h(0)
    circuit.cx(0, 1)
    remote = CloudProvider().enable_account(token, server.url).get_backend(backend_name).run(circuit)
    local = gpuq.Local.get_backend(backend_name).run(circuit)
    getter = "get_statevector" if backend_name.startswith("statevector") else "get_unitary"
    expected = getattr(local.result(), getter)()
    assert (getattr(remote.result(timeout=JOB_TIMEOUT, wait=0.1), getter)() == expected).all()


def test_fifty_jobs_five_threads_two_workers(db_url, servers):
    token = add_user(db_url, "alice")
    server = servers(db_url, workers=2)
    cloud = CloudProvider().enable_account(token, server.url)
    backend = cloud.get_backend("qasm_simulator")
    submitted: dict[int, gpuq.providers.cloud.CloudJob] = {}
    lock = threading.Lock()

    def submit(thread: int) -> None:
        for index in range(10):
            value = thread * 10 + index
            job = backend.run(basis_circuit(value % 8, name=f"job{value}"), shots=100 + value, seed_simulator=value)
            with lock:
                submitted[value] = job

    threads = [threading.Thread(target=submit, args=(t,)) for t in range(5)]
    for thread in threads:
        thread.start()
    # Watch every queued job's position while the threads submit and the workers drain the queue.
    positions: dict[str, list[int]] = defaultdict(list)

    def watch() -> bool:
        page = cloud.jobs(limit=100)
        for job in page:
            if job.queue_position(refresh=False) is not None:
                positions[job.job_id()].append(job.queue_position(refresh=False))
        return len(page) == 50 and all(job.info().status in ("DONE", "ERROR", "CANCELLED") for job in page)

    wait_until(watch, timeout=JOB_TIMEOUT, interval=0.02, message=lambda: f"50 jobs to finish; log:\n{server.log()}")
    for thread in threads:
        thread.join()

    for value, job in submitted.items():
        result = job.result(timeout=10)
        assert result.get_counts() == {expected_key(value % 8): 100 + value}, value
        assert result.job_id == job.job_id() and result.results[0].header.name == f"job{value}"
        assert job.info().attempts == 1
    for job_id, seen in positions.items():
        assert seen == sorted(seen, reverse=True), f"queue position of {job_id} grew: {seen}"
    assert any(len(seen) > 1 for seen in positions.values())  # positions were really watched moving
    assert backend.status().pending_jobs == 0
    _assert_engine_never_loaded(server.process.pid)


def _assert_engine_never_loaded(pid: int) -> None:
    """The API process ran no simulation: Numba's libraries were never even mapped into it."""
    maps = Path(f"/proc/{pid}/maps")
    if not maps.exists():
        pytest.skip("no /proc here to look into the server process")
    assert "numba" not in maps.read_text(), "the API process loaded the engine"
