"""The job store on SQLite and PostgreSQL: queue order, atomic claims, recovery, paging, tokens."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import threading
import uuid

import pytest
import sqlalchemy as sa

from gpuq.exceptions import GpuqError, UserError, UserExistsError
from gpuq.server.auth import add_user, authenticate, hash_token
from gpuq.server.db import (
    CANCELLED,
    DONE,
    ERROR,
    QUEUED,
    RUNNING,
    jobs,
    normalise_url,
    transaction,
    users,
    utcnow,
    workers,
)
from gpuq.server.procs import process_space
from gpuq.server.recovery import reap
from gpuq.server.store import JobStore
from gpuq.server.stranded import check_stranded

pytestmark = pytest.mark.cloud


@pytest.fixture
def store(db_url):
    store = JobStore(db_url)
    yield store
    store.close()


def _user(store: JobStore, name: str = "alice") -> int:
    add_user(store, name)
    with transaction(store.engine) as conn:
        return conn.execute(sa.select(users.c.id).where(users.c.name == name)).scalar_one()


def _submit(store: JobStore, user_id: int, backend: str = "qasm_simulator"):
    return store.submit(user_id, backend, "{}", "q", str(uuid.uuid4()))


def test_tokens_are_stored_hashed(store):
    token = add_user(store, "alice")
    with transaction(store.engine) as conn:
        stored = conn.execute(sa.select(users.c.token_hash)).scalar_one()
    assert token not in stored and stored == hash_token(token)
    assert authenticate(store, f"Bearer {token}").name == "alice"
    assert authenticate(store, f"Bearer {token}x") is None
    assert authenticate(store, token) is None
    assert authenticate(store, None) is None
    with pytest.raises(UserExistsError) as exists:
        add_user(store, "alice")
    assert exists.value.name == "alice" and "--new-token" in str(exists.value)
    new = add_user(store, "alice", replace_token=True)
    assert authenticate(store, f"Bearer {token}") is None
    assert authenticate(store, f"bearer {new}").name == "alice"
    with pytest.raises(UserError, match="only letters, digits") as bad:
        add_user(store, "no spaces please")
    assert isinstance(bad.value, GpuqError) and bad.value.name == "no spaces please"


def test_queue_is_fifo_and_positions_only_shrink(store):
    user = _user(store)
    records = [_submit(store, user, backend) for backend in ("qasm_simulator", "statevector_simulator") * 3]
    assert [store.queue_position(store.get(r.id)) for r in records] == [1, 2, 3, 4, 5, 6]
    assert store.pending_counts() == {"qasm_simulator": 3, "statevector_simulator": 3}
    first = store.claim("host:1:a", "space")
    assert first.id == records[0].id and first.status == RUNNING and first.attempts == 1
    assert store.queue_position(store.get(first.id)) is None
    # The worker dies: the job is requeued at the back, and nobody waiting moves back.
    assert store.recover(first.id, "host:1:a", "worker died") == QUEUED
    positions = [store.queue_position(store.get(r.id)) for r in records]
    assert positions == [6, 1, 2, 3, 4, 5]
    assert "requeued: worker died" in store.get(first.id).note


def test_claims_are_atomic_across_threads(store):
    user = _user(store)
    submitted = {_submit(store, user).id for _ in range(40)}
    claimed: list[str] = []
    lock = threading.Lock()

    def claim_all(name: str) -> None:
        while (record := store.claim(f"host:{name}:x", "space")) is not None:
            with lock:
                claimed.append(record.id)

    threads = [threading.Thread(target=claim_all, args=(str(i),)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(claimed) == sorted(submitted)  # each job exactly once
    assert store.pending_counts() == {}


def test_only_the_holder_records_the_outcome(store):
    user = _user(store)
    record = _submit(store, user)
    store.claim("host:1:a", "space")
    assert store.heartbeat(record.id, "host:2:b") == (False, False)
    assert store.heartbeat(record.id, "host:1:a") == (True, False)
    assert store.recover(record.id, "host:1:a", "lost") == QUEUED
    store.claim("host:2:b", "space")
    assert not store.finish(record.id, "host:1:a", DONE, "{}")  # the first worker lost it
    assert store.finish(record.id, "host:2:b", DONE, '{"ok": true}')
    assert store.get(record.id).status == DONE and store.result_json(record.id) == '{"ok": true}'


def test_second_death_marks_error_with_the_reason(store):
    user = _user(store)
    record = _submit(store, user)
    for attempt in (1, 2):
        claimed = store.claim(f"host:{attempt}:w", "space")
        assert claimed.attempts == attempt
        status = store.recover(record.id, f"host:{attempt}:w", f"worker {attempt} was killed by SIGKILL")
    assert status == ERROR
    final = store.get(record.id)
    assert final.status == ERROR and "killed by SIGKILL" in final.error and "tried 2 times" in final.error


def test_release_does_not_count_and_honours_cancel(store):
    user = _user(store)
    record = _submit(store, user)
    store.claim("host:1:a", "space")
    assert store.release(record.id, "host:1:a", "worker stopped")
    again = store.get(record.id)
    assert again.status == QUEUED and again.attempts == 0
    store.claim("host:1:a", "space")
    store.cancel(record.id, user)
    assert store.get(record.id).cancel_requested and store.get(record.id).status == RUNNING
    assert store.release(record.id, "host:1:a", "worker stopped")
    assert store.get(record.id).status == CANCELLED


def test_cancel_queued_at_once_and_only_own_jobs(store):
    alice, bob = _user(store, "alice"), _user(store, "bob")
    record = _submit(store, alice)
    assert store.cancel(record.id, bob) is None
    assert store.get(record.id).status == QUEUED
    assert store.cancel(record.id, alice).status == CANCELLED
    assert store.claim("host:1:a", "space") is None


def test_stale_heartbeat_is_reaped(store):
    user = _user(store)
    record = _submit(store, user)
    store.claim("elsewhere:123:a", "another-host")
    assert reap(store, lease=30.0) == []
    old = utcnow() - datetime.timedelta(seconds=120)
    with transaction(store.engine, write=True) as conn:
        conn.execute(jobs.update().where(jobs.c.id == record.id).values(heartbeat_at=old))
    assert reap(store, lease=30.0) == [(record.id, QUEUED)]
    assert "no heartbeat" in store.get(record.id).note


def test_a_late_heartbeat_of_a_live_process_here_is_not_death(store):
    user = _user(store)
    alive, dead = _submit(store, user), _submit(store, user)
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    store.claim(f"here:{os.getpid()}:a", process_space())  # this test's own process: alive
    store.claim(f"here:{int(ended.stdout)}:b", process_space())  # a process that has ended
    old = utcnow() - datetime.timedelta(seconds=120)
    with transaction(store.engine, write=True) as conn:
        conn.execute(jobs.update().values(heartbeat_at=old))
    assert reap(store, lease=30.0) == [(dead.id, QUEUED)]
    assert store.get(alive.id).status == RUNNING and "no heartbeat" in store.get(dead.id).note


def test_a_page_of_queue_positions_is_one_query(store):
    alice, bob = _user(store, "alice"), _user(store, "bob")
    for index in range(120):
        _submit(store, alice if index % 3 else bob)
    store.claim("host:1:a", "space")  # the head leaves the queue; later positions shift down
    page, _ = store.list_jobs(alice, limit=60)
    statements = []

    def record(_conn, _cursor, statement, *_):
        statements.append(statement)

    sa.event.listen(store.engine, "before_cursor_execute", record)
    positions = store.queue_positions(page)
    sa.event.remove(store.engine, "before_cursor_execute", record)
    assert len([s for s in statements if "gpuq_jobs" in s]) == 1, statements
    assert positions == {record.id: store.queue_position(record) for record in page if record.status == QUEUED}
    assert len(positions) == 60 and min(positions.values()) > 1


def test_a_gpu_job_left_without_a_gpu_worker_says_why_and_fails_in_time(store):
    user = _user(store)
    store.register_worker("gpuhost:1:a", "gpuhost", has_gpu=True)
    gpu_job = store.submit(user, "qasm_simulator_gpu", "{}", "q", str(uuid.uuid4()), needs_gpu=True)
    cpu_job = _submit(store, user)
    assert check_stranded(store, lease=30.0, gpu_wait=60.0) == []  # its worker is there
    assert store.get(gpu_job.id).note is None
    store.remove_worker("gpuhost:1:a")  # ... and goes away
    assert check_stranded(store, lease=30.0, gpu_wait=60.0) == []
    assert store.get(gpu_job.id).status == QUEUED and "none is connected" in store.get(gpu_job.id).note
    assert check_stranded(store, lease=30.0, gpu_wait=0.0) == [gpu_job.id]
    failed = store.get(gpu_job.id)
    assert failed.status == ERROR and "no worker with a usable GPU" in failed.error and "--gpu-wait" in failed.error
    assert store.get(cpu_job.id).status == QUEUED and store.get(cpu_job.id).note is None


def test_listing_is_newest_first_paged_and_filtered(store):
    alice, bob = _user(store, "alice"), _user(store, "bob")
    made = [_submit(store, alice, "qasm_simulator" if i % 3 else "statevector_simulator") for i in range(25)]
    _submit(store, bob)
    seen, cursor = [], None
    while True:
        page, cursor = store.list_jobs(alice, limit=7, before=cursor)
        seen += [r.id for r in page]
        if cursor is None:
            break
    assert seen == [r.id for r in reversed(made)]
    statevector, _ = store.list_jobs(alice, backend="statevector_simulator", limit=100)
    assert [r.id for r in statevector] == [r.id for r in reversed(made) if r.backend == "statevector_simulator"]
    store.cancel(made[0].id, alice)
    cancelled, cursor = store.list_jobs(alice, status=CANCELLED)
    assert [r.id for r in cancelled] == [made[0].id] and cursor is None
    assert len(store.list_jobs(bob, limit=100)[0]) == 1


def test_workers_without_a_gpu_leave_gpu_jobs_to_others(store):
    user = _user(store)
    gpu_job = store.submit(user, "qasm_simulator_gpu", "{}", "q", str(uuid.uuid4()), needs_gpu=True)
    cpu_job = _submit(store, user)
    assert store.claim("cpu-host:1:a", "space", has_gpu=False).id == cpu_job.id
    assert store.claim("cpu-host:1:a", "space", has_gpu=False) is None
    assert store.claim("gpu-host:2:b", "space", has_gpu=True).id == gpu_job.id


def test_live_workers_are_those_seen_within_the_lease(store):
    store.register_worker("a:1:x", "a", has_gpu=False)
    store.register_worker("b:2:y", "b", has_gpu=True)
    assert store.live_workers(lease=30) == {"a:1:x": False, "b:2:y": True}
    old = utcnow() - datetime.timedelta(seconds=100)
    with transaction(store.engine, write=True) as conn:
        conn.execute(workers.update().where(workers.c.name == "b:2:y").values(seen_at=old))
    assert store.live_workers(lease=30) == {"a:1:x": False}
    store.touch_worker("b:2:y", "b", has_gpu=True)
    assert store.live_workers(lease=30) == {"a:1:x": False, "b:2:y": True}
    store.remove_worker("a:1:x")
    assert list(store.live_workers(lease=30)) == ["b:2:y"]
    store.forget_workers(older_than=0)
    store.touch_worker("b:2:y", "b", has_gpu=True)  # a forgotten worker that is still there comes back
    assert store.live_workers(lease=30) == {"b:2:y": True}


def test_a_new_sqlite_directory_is_private(tmp_path):
    store = JobStore(str(tmp_path / "new" / "jobs.db"))
    store.close()
    assert (tmp_path / "new").stat().st_mode & 0o777 == 0o700


def test_urls_people_type_are_accepted():
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("/tmp/x.db") == "sqlite:////tmp/x.db"
    assert normalise_url("sqlite:///rel.db").startswith("sqlite:////")
