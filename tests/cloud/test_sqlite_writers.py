"""How SQLite writers wait for the write lock: in a queue within a process, by 1 ms retries across processes.

SQLite's busy handler makes a writer that finds the database locked sleep and
retry (1, 2, 5, ... up to 100 ms a time, no queue), so under 20 submitting
threads some lost the race for seconds: the submission latency tail of issue
19 (p99 2.9 s, max 4.3 s, median 0.2 s; see benchmarks/server_load.py).
SQLite's own statement trace shows every attempt to take the lock: each
``BEGIN IMMEDIATE`` that runs, whether it gets the lock or not.
"""

from __future__ import annotations

import sqlite3
import threading
import uuid

import pytest
import sqlalchemy as sa

from gpuq.server.auth import add_user
from gpuq.server.store import JobStore

pytestmark = pytest.mark.cloud


def _traced_store(sqlite_url: str) -> tuple[JobStore, int, list[str]]:
    """A store with a user, whose connections report every statement they run into the returned list."""
    store = JobStore(sqlite_url)
    add_user(store, "alice")
    (user_id,) = store.users_by_id()
    statements: list[str] = []

    @sa.event.listens_for(store.engine, "connect")
    def _trace(dbapi_connection, _record) -> None:
        dbapi_connection.set_trace_callback(statements.append)

    store.engine.dispose()  # connections made from now on are traced
    return store, user_id, statements


def test_threads_of_one_process_queue_for_the_lock_and_never_retry(sqlite_url):
    store, user_id, statements = _traced_store(sqlite_url)
    try:
        made: list[str] = []

        def submit_many() -> None:
            for _ in range(15):
                made.append(store.submit(user_id, "qasm_simulator", "{}", "q", str(uuid.uuid4())).id)

        threads = [threading.Thread(target=submit_many) for _ in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(set(made)) == 300 and store.pending_counts() == {"qasm_simulator": 300}
        # One attempt per write: no thread ever met the lock held by another thread of the process.
        assert statements.count("BEGIN IMMEDIATE") == 300
    finally:
        store.close()


def test_a_writer_retries_while_another_process_holds_the_lock(sqlite_url):
    store, user_id, statements = _traced_store(sqlite_url)
    other = sqlite3.connect(store.engine.url.database, isolation_level=None, check_same_thread=False)
    try:
        other.execute("BEGIN IMMEDIATE")  # another writer (as a worker process would be) holds the lock
        release = threading.Timer(0.5, other.execute, args=("COMMIT",))
        release.start()
        record = store.submit(user_id, "qasm_simulator", "{}", "q", str(uuid.uuid4()))
        release.join()
        assert store.get(record.id) is not None
        # SQLite's busy handler would have waited inside one attempt; the writer tried again and again.
        assert statements.count("BEGIN IMMEDIATE") > 2
    finally:
        other.close()
        store.close()
