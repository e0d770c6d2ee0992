"""Fixtures of the cloud tests: fresh job stores, servers and workers that are stopped afterwards.

The ``db_url`` fixture gives a fresh SQLite file, and a fresh PostgreSQL
database when ``GPUQ_TEST_POSTGRES_URL`` is set (``.ci/postgres.sh`` starts
one); without it the PostgreSQL cases skip and say why.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .helpers import ServerProcess, start_worker, stop_process

POSTGRES_ENV = "GPUQ_TEST_POSTGRES_URL"


def _postgres_database() -> Iterator[str]:
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f'{POSTGRES_ENV} is not set; start PostgreSQL with: eval "$(bash .ci/postgres.sh)"')
    import sqlalchemy as sa

    from gpuq.server.db import normalise_url

    url = sa.engine.make_url(normalise_url(base))
    name = f"gpuq_t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path) -> Iterator[str]:
    """A fresh, empty job store: an SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'jobs.db'}"
    else:
        yield from _postgres_database()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    """A fresh SQLite job store."""
    return f"sqlite:///{tmp_path / 'jobs.db'}"


@pytest.fixture
def config_dir(tmp_path, monkeypatch) -> Path:
    """A private ``GPUQ_CONFIG_DIR`` for saved accounts."""
    path = tmp_path / "config"
    monkeypatch.setenv("GPUQ_CONFIG_DIR", str(path))
    return path


@pytest.fixture
def servers(tmp_path) -> Iterator[Callable[..., ServerProcess]]:
    """Start servers with ``servers(db_url, workers=2, extra=[...])``; all are stopped afterwards."""
    started: list[ServerProcess] = []

    def start(db_url: str, workers: int = 2, extra: list[str] | None = None, port: int | None = None):
        server = ServerProcess(db_url, tmp_path, workers, extra, port).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def workers(tmp_path) -> Iterator[Callable[..., subprocess.Popen]]:
    """Start standalone workers with ``workers(db_url)``; all are stopped afterwards."""
    started: list[subprocess.Popen] = []

    def start(db_url: str, *extra: str) -> subprocess.Popen:
        process = start_worker(db_url, tmp_path, *extra)
        started.append(process)
        return process

    yield start
    for process in started:
        stop_process(process)
