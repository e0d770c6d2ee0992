"""An administrator lists and cancels anyone's jobs, from the command line, on the store itself."""

from __future__ import annotations

import uuid

import pytest

from gpuq.server.auth import add_user
from gpuq.server.db import CANCELLED
from gpuq.server.store import JobStore

from .helpers import run_gpuq

pytestmark = pytest.mark.cloud


def test_an_administrator_lists_and_cancels_anyones_jobs(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'jobs.db'}"
    store = JobStore(db_url)
    try:
        for name in ("alice", "bob"):
            add_user(store, name)
        ids = {name: uid for uid, name in store.users_by_id().items()}
        made = {
            name: store.submit(ids[name], "qasm_simulator", "{}", "q", str(uuid.uuid4())).id
            for name in ("alice", "bob")
        }
    finally:
        store.close()

    listing = run_gpuq("server", "jobs", "--db", db_url)
    assert listing.returncode == 0, listing.stderr
    rows = listing.stdout.splitlines()
    assert len(rows) == 2 and made["bob"] in rows[0] and "bob" in rows[0] and made["alice"] in rows[1]
    only_bob = run_gpuq("server", "jobs", "--user", "bob", "--db", db_url)
    assert only_bob.stdout.count("\n") == 1 and made["bob"] in only_bob.stdout

    cancelled = run_gpuq("server", "cancel", made["alice"], "--db", db_url)
    assert cancelled.returncode == 0 and "cancelled" in cancelled.stdout, cancelled.stderr
    store = JobStore(db_url)
    try:
        assert store.get(made["alice"]).status == CANCELLED
    finally:
        store.close()
    missing = run_gpuq("server", "cancel", "no-such-job", "--db", db_url)
    assert missing.returncode == 1 and missing.stderr == "gpuq: error: no job 'no-such-job' in this job store\n"
