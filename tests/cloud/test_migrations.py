"""Alembic migrations: a store made by the previous release (schema version 1, no migrations) is upgraded in place.

The fixtures ``fixtures/schema_v1_*.sql`` are that release's DDL, compiled
from its ``gpuq/server/db.py``. The upgraded store must keep every user, job
and result, serve the old JSON results as before, and end with exactly the
schema this release declares (Alembic's own comparison finds no difference).
"""

from __future__ import annotations

import datetime
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from gpuq import Local
from gpuq.exceptions import StoreError
from gpuq.models.result_wire import encode
from gpuq.providers.cloud import CloudProvider
from gpuq.server.auth import hash_token
from gpuq.server.db import DONE, SCHEMA_VERSION, metadata, normalise_url
from gpuq.server.store import JobStore

from .helpers import basis_circuit

pytestmark = pytest.mark.cloud

FIXTURES = Path(__file__).with_name("fixtures")


def _table(name: str, *columns: str) -> sa.TableClause:
    return sa.table(name, *(sa.column(column) for column in columns))


def _previous_release_store(db_url: str, result_json: str) -> dict[str, str]:
    """A store as the previous release left it: its DDL, a user, a finished job with its JSON result, a queued job."""
    engine = sa.create_engine(normalise_url(db_url))
    ddl = (FIXTURES / f"schema_v1_{engine.dialect.name}.sql").read_text()
    chunks = ("\n".join(line for line in chunk.splitlines() if not line.startswith("--")) for chunk in ddl.split(";\n"))
    now = datetime.datetime(2026, 11, 30, 12, 0, 0)
    ids = {"done": str(uuid.uuid4()), "queued": str(uuid.uuid4()), "token": "gpuq_previous_release_token"}
    users = _table("gpuq_users", "name", "token_hash", "created_at")
    jobs = _table(
        "gpuq_jobs",
        "id",
        "user_id",
        "backend",
        "needs_gpu",
        "status",
        "qobj_id",
        "qobj",
        "result",
        "created_at",
        "finished_at",
        "queue_order",
        "attempts",
        "cancel_requested",
    )
    common = {
        "backend": "qasm_simulator",
        "needs_gpu": False,
        "qobj_id": "q",
        "qobj": "{}",
        "created_at": now,
        "attempts": 0,
        "cancel_requested": False,
    }
    with engine.begin() as conn:
        for statement in filter(str.strip, chunks):
            conn.exec_driver_sql(statement)
        conn.execute(users.insert().values(name="alice", token_hash=hash_token(ids["token"]), created_at=now))
        user_id = conn.execute(sa.text("SELECT id FROM gpuq_users")).scalar_one()
        conn.execute(
            jobs.insert().values(
                id=ids["done"], user_id=user_id, status=DONE, result=result_json, finished_at=now, **common
            )
        )
        conn.execute(jobs.insert().values(id=ids["queued"], user_id=user_id, status="QUEUED", queue_order=1, **common))
    engine.dispose()
    return ids


def test_a_store_of_the_previous_release_is_upgraded_and_keeps_its_jobs(db_url, servers):
    circuit = basis_circuit(5)
    old_result = Local.get_backend("qasm_simulator").run(circuit, shots=33, seed_simulator=3).result()
    ids = _previous_release_store(db_url, old_result.model_dump_json())

    store = JobStore(db_url)  # opening it upgrades it
    try:
        with store.engine.connect() as conn:
            assert MigrationContext.configure(conn).get_current_revision() == "0002"
            assert compare_metadata(MigrationContext.configure(conn), metadata) == []
            version = conn.execute(sa.text("SELECT value FROM gpuq_meta WHERE key = 'schema_version'")).scalar_one()
            assert int(version) == SCHEMA_VERSION
        assert store.result_json(ids["done"]) == old_result.model_dump_json()
        assert not store.has_result_pieces(ids["done"])
        # The waiting job runs, and its result is kept the new way.
        claimed = store.claim("host:1:w", "space")
        assert claimed.id == ids["queued"]
        assert store.finish(claimed.id, "host:1:w", DONE, pieces=list(encode(old_result)))
        assert store.has_result_pieces(claimed.id)
    finally:
        store.close()

    # The old JSON result is still served, to the old token, and read by the client.
    server = servers(db_url, workers=0)
    cloud = CloudProvider().enable_account(ids["token"], server.url)
    for job_id in (ids["done"], ids["queued"]):
        assert cloud.retrieve_job(job_id).result().get_counts() == old_result.get_counts() == {"101": 33}


def test_a_store_at_a_revision_this_gpuq_does_not_know_is_refused(sqlite_url):
    JobStore(sqlite_url).close()
    engine = sa.create_engine(normalise_url(sqlite_url))
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    engine.dispose()
    with pytest.raises(StoreError, match="revision 9999, which this gpuq does not know; upgrade gpuq"):
        JobStore(sqlite_url)
