"""SQLite writers of one process queue on a lock of their own, never in SQLite's busy handler.

SQLite's busy handler makes a writer that finds the database locked sleep and
retry (up to 100 ms a time, no queue), so under 20 submitting threads some lost
the race for seconds: the submission latency tail of issue 19 (p99 2.9 s, max
4.3 s, median 0.2 s; see benchmarks/server_load.py). The test takes the busy
handler away (``busy_timeout`` 0): a writer that ever meets the lock held by
another thread of the process then fails at once with "database is locked".
"""

from __future__ import annotations

import threading
import uuid

import pytest
import sqlalchemy as sa

from gpuq.server.auth import add_user
from gpuq.server.store import JobStore

pytestmark = pytest.mark.cloud


def test_threads_writing_at_once_never_meet_the_sqlite_lock(sqlite_url):
    store = JobStore(sqlite_url)
    try:

        @sa.event.listens_for(store.engine, "connect")
        def _no_busy_wait(dbapi_connection, _record) -> None:
            dbapi_connection.execute("PRAGMA busy_timeout=0")

        store.engine.dispose()  # connections made from now on have no busy handler
        add_user(store, "alice")
        (user_id,) = store.users_by_id()
        failures: list[Exception] = []
        made: list[str] = []

        def submit_many() -> None:
            for _ in range(15):
                try:
                    made.append(store.submit(user_id, "qasm_simulator", "{}", "q", str(uuid.uuid4())).id)
                except sa.exc.OperationalError as exc:
                    failures.append(exc)

        threads = [threading.Thread(target=submit_many) for _ in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == [] and len(set(made)) == 300
        assert store.pending_counts() == {"qasm_simulator": 300}
    finally:
        store.close()
