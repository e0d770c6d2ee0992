"""The job store's tables and the engine that reaches them, for SQLite and any SQLAlchemy URL.

Six tables: ``users`` (a name and the SHA-256 of each token), ``jobs`` (the
Qobj, its life cycle and its result), ``workers`` (who is polling the queue,
and whether it has a GPU), ``result_pieces`` (results, compressed, in pieces
the API can stream), ``user_service`` (when each user was last served, for
fair share) and ``meta`` (the schema version). The
same tables serve one SQLite file on a lab workstation and one PostgreSQL
database shared by several hosts.

SQLite needs two adjustments to be shared safely by several processes: WAL
journaling (readers never block the writer) and write transactions that take
the write lock when they begin (``BEGIN IMMEDIATE``), so that a transaction
that read the queue never fails to upgrade its lock halfway.
"""

from __future__ import annotations

import datetime
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..exceptions import StoreError
from .migrate import migrate

QUEUED, RUNNING, DONE, ERROR, CANCELLED = "QUEUED", "RUNNING", "DONE", "ERROR", "CANCELLED"
STATUSES = (QUEUED, RUNNING, DONE, ERROR, CANCELLED)
"""A job's status, as the ``status`` column stores it."""
FINAL_STATUSES = frozenset({DONE, ERROR, CANCELLED})


SCHEMA_VERSION = 2
"""Kept in ``gpuq_meta`` for releases before migrations, which refuse a store newer than they know."""

QOBJ_ID_LENGTH = 200
"""Longest ``qobj_id`` the jobs table keeps (admission refuses longer ones)."""

metadata = sa.MetaData()

users = sa.Table(
    "gpuq_users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

jobs = sa.Table(
    "gpuq_jobs",
    metadata,
    # seq orders rows and breaks ties; id is the public job id (a UUID).
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("id", sa.String(36), nullable=False, unique=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("gpuq_users.id"), nullable=False),
    sa.Column("backend", sa.String(200), nullable=False),
    sa.Column("needs_gpu", sa.Boolean, nullable=False, default=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("qobj_id", sa.String(QOBJ_ID_LENGTH), nullable=False),
    sa.Column("qobj", sa.Text, nullable=False),
    sa.Column("result", sa.Text, nullable=True),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("started_at", sa.DateTime, nullable=True),
    sa.Column("finished_at", sa.DateTime, nullable=True),
    # Place in the queue while QUEUED; a requeued job gets a new, larger one, so
    # no waiting job ever moves back.
    sa.Column("queue_order", sa.BigInteger, nullable=True),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("cancel_requested", sa.Boolean, nullable=False, default=False),
    sa.Column("worker", sa.String(300), nullable=True),
    sa.Column("worker_space", sa.String(200), nullable=True),
    sa.Column("heartbeat_at", sa.DateTime, nullable=True),
    sa.Index("ix_gpuq_jobs_queue", "status", "queue_order", "seq"),
    sa.Index("ix_gpuq_jobs_order", "queue_order"),
    sa.Index("ix_gpuq_jobs_user_created", "user_id", "created_at", "seq"),
)

workers = sa.Table(
    "gpuq_workers",
    metadata,
    sa.Column("name", sa.String(300), primary_key=True),
    sa.Column("host", sa.String(255), nullable=False),
    sa.Column("has_gpu", sa.Boolean, nullable=False),
    sa.Column("started_at", sa.DateTime, nullable=False),
    sa.Column("seen_at", sa.DateTime, nullable=False),
)

result_pieces = sa.Table(
    "gpuq_result_pieces",
    metadata,
    # A finished job's result in the compressed format of gpuq.models.result_wire, one row per piece.
    sa.Column("job_id", sa.String(36), sa.ForeignKey("gpuq_jobs.id"), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("data", sa.LargeBinary, nullable=False),
)

user_service = sa.Table(
    "gpuq_user_service",
    metadata,
    # When the user's last job was claimed: fair share serves the least recently served first.
    sa.Column("user_id", sa.Integer, sa.ForeignKey("gpuq_users.id"), primary_key=True),
    sa.Column("last_claim_at", sa.DateTime, nullable=False),
)

meta = sa.Table(
    "gpuq_meta",
    metadata,
    sa.Column("key", sa.String(100), primary_key=True),
    sa.Column("value", sa.String(200), nullable=False),
)


def utcnow() -> datetime.datetime:
    """Now, in UTC, without tzinfo (as stored)."""
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def normalise_url(url: str) -> str:
    """Accept the URL spellings people type: ``postgres://`` and ``postgresql://`` use psycopg 3.

    A bare path is taken as an SQLite file.
    """
    if "://" not in url:
        return "sqlite:///" + os.path.abspath(os.path.expanduser(url))
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        path = url[len("sqlite:///") :]
        if path and path != ":memory:":
            return "sqlite:///" + os.path.abspath(os.path.expanduser(path))
    return url


def make_engine(url: str) -> Engine:
    """An engine for ``url``, set up for several processes sharing the database.

    Raises:
        StoreError: the URL is malformed, its driver is not installed, or an SQLite file cannot be made.
    """
    url = normalise_url(url)
    try:
        if url.startswith("sqlite"):
            path = sa.engine.make_url(url).database
            if path and path != ":memory:":
                _private_file(path)
            engine = sa.create_engine(url, connect_args={"timeout": 60, "check_same_thread": False})
            _setup_sqlite(engine)
        else:
            engine = sa.create_engine(url, pool_pre_ping=True)
    except (sa.exc.ArgumentError, ImportError, sa.exc.NoSuchModuleError, OSError) as exc:
        raise StoreError(f"cannot open the job store {masked_url(url)}: {exc}") from exc
    return engine


def _private_file(path: str) -> None:
    """Create the SQLite file readable by its owner only (SQLite gives its -wal and -shm files the same mode).

    The store holds every user's circuits and results; a new directory for it is private too.
    """
    directory = os.path.dirname(path) or "."
    if not os.path.isdir(directory):
        os.makedirs(directory, mode=0o700, exist_ok=True)
    if os.path.isdir(path):
        raise IsADirectoryError(f"{path} is a directory")
    if not os.path.exists(path):
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


def masked_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "<an URL SQLAlchemy cannot read>"


def _setup_sqlite(engine: Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(WRITE_LOCK_WAIT * 1000)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        if conn.get_execution_options().get("gpuq_write", False):
            _begin_immediate(conn.connection.dbapi_connection)
        else:
            conn.exec_driver_sql("BEGIN")


WRITE_LOCK_WAIT = 60.0
"""Seconds an SQLite writer waits for the write lock before it fails."""


def _begin_immediate(dbapi_connection: Any) -> None:
    """``BEGIN IMMEDIATE``, retried every millisecond while another process holds the write lock.

    SQLite's own busy handler sleeps 1, 2, 5, 10, ... then 100 ms between
    tries, so a writer often slept long after the lock was free; with the
    writers of a process queued behind one (``transaction``), that sleep
    stopped them all.
    """
    deadline = time.monotonic() + WRITE_LOCK_WAIT
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=0")
    try:
        while True:
            try:
                cursor.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
            time.sleep(0.001)
    finally:
        cursor.execute(f"PRAGMA busy_timeout={int(WRITE_LOCK_WAIT * 1000)}")
        cursor.close()


_WRITE_LOCKS: weakref.WeakKeyDictionary[Engine, threading.Lock] = weakref.WeakKeyDictionary()
_WRITE_LOCKS_GUARD = threading.Lock()


def _write_lock(engine: Engine) -> threading.Lock:
    """The lock that queues this process's SQLite writers for ``engine``."""
    with _WRITE_LOCKS_GUARD:
        return _WRITE_LOCKS.setdefault(engine, threading.Lock())


@contextmanager
def transaction(engine: Engine, write: bool = False) -> Iterator[Connection]:
    """A connection inside one transaction, committed on success and rolled back on error.

    ``write=True`` takes SQLite's write lock at the start; on PostgreSQL it
    changes nothing (row locks and conditional updates do the work there).

    On SQLite, the threads of one process also queue for a lock of their own
    before they ask for the database's: SQLite's busy handler makes a waiting
    writer sleep and retry (up to 100 ms at a time), and with 20 threads
    writing at once the unlucky ones kept losing the race, for seconds
    (submission latency p99 2.9 s, max 4.3 s, with a median of 0.2 s).
    A thread blocked on a lock is woken as soon as it is free.
    """
    lock = _write_lock(engine) if write and engine.dialect.name == "sqlite" else nullcontext()
    with lock, engine.connect() as conn:
        conn.execution_options(gpuq_write=write)
        with conn.begin():
            yield conn


def create_schema(engine: Engine) -> None:
    """Bring the store's schema up to this gpuq's: create it when empty, else run the migrations it lacks.

    Raises:
        StoreError: the database cannot be reached or read, or holds a schema newer than this gpuq knows.
    """
    try:
        _create_schema(engine)
    except sa.exc.SQLAlchemyError as exc:
        # The driver's first line says what is wrong; the rest (SQL, parameters, hints) is for the log.
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise StoreError(f"cannot use the job store {masked_url(engine.url.render_as_string())}: {reason}") from exc


def _create_schema(engine: Engine) -> None:
    with transaction(engine, write=True) as conn:
        if conn.dialect.name == "postgresql":
            # Several processes may start at once; one migrates, the others wait.
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(7262001)"))
        tables = set(sa.inspect(conn).get_table_names())
        if meta.name in tables:
            row = conn.execute(sa.select(meta.c.value).where(meta.c.key == "schema_version")).first()
            if row is not None and int(row.value) > SCHEMA_VERSION:
                raise StoreError(
                    f"the job store has schema version {row.value}, newer than this gpuq ({SCHEMA_VERSION}); "
                    "upgrade gpuq"
                )
        migrate(conn, tables)
        conn.execute(meta.delete().where(meta.c.key == "schema_version"))
        conn.execute(meta.insert().values(key="schema_version", value=str(SCHEMA_VERSION)))


def default_db_url() -> str:
    """``GPUQ_SERVER_DB`` when set, else an SQLite file in ``~/.gpuq``."""
    return os.environ.get("GPUQ_SERVER_DB") or "sqlite:///" + os.path.join(
        os.path.expanduser("~"), ".gpuq", "server.db"
    )
