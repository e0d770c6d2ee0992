"""Fair share between users: the next job is the oldest of the user with the fewest running, least recently served.

On SQLite and PostgreSQL, through the real store. Before fair share the
queue was first in, first out across users, and a user who queued many
jobs made everyone else's wait behind all of them.
"""

from __future__ import annotations

import threading
import uuid

import pytest
import sqlalchemy as sa

from gpuq.server.auth import add_user
from gpuq.server.db import DONE, transaction, users
from gpuq.server.store import JobStore

pytestmark = pytest.mark.cloud


@pytest.fixture
def store(db_url):
    store = JobStore(db_url)
    yield store
    store.close()


def _users(store: JobStore, *names: str) -> dict[str, int]:
    for name in names:
        add_user(store, name)
    with transaction(store.engine) as conn:
        return {row.name: row.id for row in conn.execute(sa.select(users.c.name, users.c.id))}


def _queue(store: JobStore, user_id: int, count: int, label: str) -> dict[str, str]:
    """Submit ``count`` jobs; returns their ids mapped to labels ``label1``, ``label2``, ..."""
    return {
        store.submit(user_id, "qasm_simulator", "{}", f"{label}{n}", str(uuid.uuid4())).id: f"{label}{n}"
        for n in range(1, count + 1)
    }


def test_with_one_worker_users_take_turns(store):
    ids = _users(store, "alice", "bob", "carol")
    labels = {**_queue(store, ids["alice"], 6, "a"), **_queue(store, ids["bob"], 2, "b")}
    labels.update(_queue(store, ids["carol"], 1, "c"))
    order = []
    while (record := store.claim("host:1:w", "space")) is not None:
        order.append(labels[record.id])
        assert store.finish(record.id, "host:1:w", DONE, "{}")
    # First in, first out would have run a1..a6 before bob's and carol's first jobs.
    assert order == ["a1", "b1", "c1", "a2", "b2", "a3", "a4", "a5", "a6"]


def test_the_user_with_fewer_running_jobs_goes_first(store):
    ids = _users(store, "alice", "bob")
    labels = {**_queue(store, ids["alice"], 3, "a"), **_queue(store, ids["bob"], 3, "b")}
    first, second = store.claim("host:1:w", "space"), store.claim("host:2:w", "space")
    assert [labels[first.id], labels[second.id]] == ["a1", "b1"]
    assert store.finish(second.id, "host:2:w", DONE, "{}")
    # bob was served last, but alice has a job running and bob none: bob's next job goes first.
    assert labels[store.claim("host:3:w", "space").id] == "b2"
    # One running each now: alice, served longer ago, is next.
    assert labels[store.claim("host:4:w", "space").id] == "a2"


def test_claims_by_fair_share_stay_atomic_across_threads(store):
    ids = _users(store, "alice", "bob", "carol")
    submitted = set()
    for name, count in (("alice", 30), ("bob", 15), ("carol", 5)):
        submitted |= set(_queue(store, ids[name], count, name))
    claimed: list[str] = []
    lock = threading.Lock()

    def claim_all(worker: str) -> None:
        while (record := store.claim(worker, "space")) is not None:
            with lock:
                claimed.append(record.id)
            store.finish(record.id, worker, DONE, "{}")

    threads = [threading.Thread(target=claim_all, args=(f"host:{n}:w",)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(claimed) == sorted(submitted)  # each job exactly once
