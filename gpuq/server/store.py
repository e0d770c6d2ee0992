"""The persistent job store: users, jobs, the queue, and the record of every state change.

Every state change is one conditional ``UPDATE`` (compare and set on the id,
the status and, for a running job, the worker that holds it), so the rules
hold on SQLite and PostgreSQL alike, with any number of API processes and
workers on any number of hosts:

- claiming is atomic: of two workers racing for a job, exactly one gets it;
- a worker whose job was taken from it (it stopped sending heartbeats) cannot
  record a result afterwards;
- ``queue_order`` is arrival order, and a requeued job goes to the back, so a
  waiting job's position never grows; which job runs next is the fair share
  of ``claims`` (first in, first out while one user waits).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .claims import QueueClaims
from .db import (
    CANCELLED,
    ERROR,
    FINAL_STATUSES,
    QUEUED,
    RUNNING,
    create_schema,
    jobs,
    make_engine,
    normalise_url,
    transaction,
    utcnow,
)
from .queue_views import QueueViews
from .registry import WorkerRegistry
from .results import ResultPieces, write_pieces
from .users import UserRegistry

MAX_ATTEMPTS = 2
"""A job whose worker dies is run again once; a second death marks it ERROR."""


@dataclass(frozen=True)
class JobRecord:
    """One row of the jobs table (the Qobj and result stay as JSON text)."""

    seq: int
    id: str
    user_id: int
    backend: str
    needs_gpu: bool
    status: str
    qobj_id: str
    created_at: datetime.datetime
    started_at: datetime.datetime | None
    finished_at: datetime.datetime | None
    queue_order: int | None
    attempts: int
    cancel_requested: bool
    worker: str | None
    worker_space: str | None
    heartbeat_at: datetime.datetime | None
    error: str | None
    note: str | None

    @property
    def is_final(self) -> bool:
        """True once DONE, ERROR or CANCELLED."""
        return self.status in FINAL_STATUSES


_RECORD_COLUMNS = [jobs.c[name] for name in JobRecord.__dataclass_fields__]


def _record(row: Any) -> JobRecord:
    return JobRecord(**{name: getattr(row, name) for name in JobRecord.__dataclass_fields__})


class JobStore(QueueClaims, ResultPieces, UserRegistry, QueueViews, WorkerRegistry):
    """Users and jobs in one SQLAlchemy database.

    Args:
        url: an SQLAlchemy URL (``sqlite:///path``, ``postgresql+psycopg://...``)
            or a file path, taken as SQLite.
    """

    def __init__(self, url: str):
        self.url = normalise_url(url)
        self.engine = make_engine(self.url)
        create_schema(self.engine)

    def close(self) -> None:
        """Release the store's connections."""
        self.engine.dispose()

    # ------------------------------------------------------------- submitting
    def submit(
        self, user_id: int, backend: str, qobj_json: str, qobj_id: str, job_id: str, needs_gpu: bool = False
    ) -> JobRecord:
        """Queue a validated Qobj as a new job at the back of the queue."""
        now = utcnow()
        with transaction(self.engine, write=True) as conn:
            order = _next_queue_order(conn)
            conn.execute(
                jobs.insert().values(
                    id=job_id,
                    user_id=user_id,
                    backend=backend,
                    needs_gpu=needs_gpu,
                    status=QUEUED,
                    qobj_id=qobj_id,
                    qobj=qobj_json,
                    created_at=now,
                    queue_order=order,
                    attempts=0,
                    cancel_requested=False,
                )
            )
        record = self.get(job_id)
        assert record is not None
        return record

    # ---------------------------------------------------------------- reading
    def get(self, job_id: str, user_id: int | None = None) -> JobRecord | None:
        """A job by id; with ``user_id``, only when that user owns it."""
        query = sa.select(*_RECORD_COLUMNS).where(jobs.c.id == job_id)
        if user_id is not None:
            query = query.where(jobs.c.user_id == user_id)
        with transaction(self.engine) as conn:
            row = conn.execute(query).first()
        return None if row is None else _record(row)

    def qobj_json(self, job_id: str) -> str:
        """The job's Qobj, as submitted (JSON text)."""
        with transaction(self.engine) as conn:
            return conn.execute(sa.select(jobs.c.qobj).where(jobs.c.id == job_id)).scalar_one()

    def result_json(self, job_id: str) -> str | None:
        """The job's Result as JSON text, or None when there is none (yet)."""
        with transaction(self.engine) as conn:
            return conn.execute(sa.select(jobs.c.result).where(jobs.c.id == job_id)).scalar_one_or_none()

    def list_jobs(
        self,
        user_id: int | None,
        backend: str | None = None,
        status: str | None = None,
        limit: int = 10,
        before: str | None = None,
    ) -> tuple[list[JobRecord], str | None]:
        """A page of a user's jobs (``None``: everyone's, for administrators), newest first, and the next cursor.

        ``before`` is the id of the last job of the previous page: the page
        holds jobs created strictly before it, found by the (user, creation
        date) index, so a long history costs no more than a short one. The
        cursor is None when there are no more.
        """
        mine = jobs.c.user_id == user_id if user_id is not None else sa.true()
        query = sa.select(*_RECORD_COLUMNS).where(mine)
        if backend is not None:
            query = query.where(jobs.c.backend == backend)
        if status is not None:
            query = query.where(jobs.c.status == status)
        with transaction(self.engine) as conn:
            if before is not None:
                anchor = conn.execute(sa.select(jobs.c.created_at, jobs.c.seq).where(jobs.c.id == before, mine)).first()
                if anchor is None:
                    return [], None
                query = query.where(
                    sa.or_(
                        jobs.c.created_at < anchor.created_at,
                        sa.and_(jobs.c.created_at == anchor.created_at, jobs.c.seq < anchor.seq),
                    )
                )
            query = query.order_by(jobs.c.created_at.desc(), jobs.c.seq.desc()).limit(limit + 1)
            records = [_record(row) for row in conn.execute(query)]
        more = len(records) > limit
        records = records[:limit]
        return records, (records[-1].id if more and records else None)

    # ------------------------------------------------------------- cancelling
    def cancel(self, job_id: str, user_id: int | None) -> JobRecord | None:
        """Cancel a queued job at once; ask a running one to stop at its next gate boundary.

        ``user_id`` None cancels anyone's job (for administrators). Returns the
        job as it is afterwards, or None when the user has no such job.
        """
        with transaction(self.engine, write=True) as conn:
            now = utcnow()
            owned = sa.and_(jobs.c.id == job_id, jobs.c.user_id == user_id if user_id is not None else sa.true())
            conn.execute(
                jobs.update()
                .where(owned, jobs.c.status == QUEUED)
                .values(status=CANCELLED, finished_at=now, cancel_requested=True)
            )
            conn.execute(jobs.update().where(owned, jobs.c.status == RUNNING).values(cancel_requested=True))
        return self.get(job_id, user_id)

    # ---------------------------------------------------------------- workers
    def heartbeat(self, job_id: str, worker: str) -> tuple[bool, bool]:
        """Record that ``worker`` still runs the job.

        Returns (still held by this worker, cancellation requested).
        """
        with transaction(self.engine, write=True) as conn:
            held = conn.execute(jobs.update().where(*_held(job_id, worker)).values(heartbeat_at=utcnow())).rowcount
            cancel = conn.execute(sa.select(jobs.c.cancel_requested).where(jobs.c.id == job_id)).scalar()
        return held == 1, bool(cancel)

    def holding(self, job_id: str, worker: str) -> tuple[bool, bool]:
        """Whether ``worker`` still holds the job, and whether its cancellation was requested (reads only)."""
        query = sa.select(jobs.c.worker, jobs.c.status, jobs.c.cancel_requested).where(jobs.c.id == job_id)
        with transaction(self.engine) as conn:
            row = conn.execute(query).first()
        if row is None:
            return False, False
        return row.worker == worker and row.status == RUNNING, bool(row.cancel_requested)

    def finish(
        self,
        job_id: str,
        worker: str,
        status: str,
        result_json: str | None = None,
        error: str | None = None,
        pieces: list[bytes] | None = None,
    ) -> bool:
        """Record the end of a job run by ``worker``; False when the job was no longer its own.

        The result is ``pieces`` (``result_wire.encode``), or ``result_json``
        as earlier releases kept it.
        """
        assert status in FINAL_STATUSES
        with transaction(self.engine, write=True) as conn:
            held = (
                conn.execute(
                    jobs.update()
                    .where(*_held(job_id, worker))
                    .values(status=status, result=result_json, error=error, finished_at=utcnow(), heartbeat_at=None)
                ).rowcount
                == 1
            )
            if held and pieces:
                write_pieces(conn, job_id, pieces)
            return held

    def release(self, job_id: str, worker: str, reason: str) -> bool:
        """Put a job back in the queue without counting the attempt (its worker was asked to stop).

        A job whose cancellation was requested meanwhile ends CANCELLED instead.
        """
        with transaction(self.engine, write=True) as conn:
            cancel = conn.execute(sa.select(jobs.c.cancel_requested).where(*_held(job_id, worker))).scalar()
            if cancel:
                values: dict[str, Any] = {"status": CANCELLED, "finished_at": utcnow()}
            else:
                values = {
                    "status": QUEUED,
                    "queue_order": _next_queue_order(conn),
                    "started_at": None,
                    "attempts": jobs.c.attempts - 1,
                }
            return (
                conn.execute(
                    jobs.update()
                    .where(*_held(job_id, worker))
                    .values(worker=None, worker_space=None, heartbeat_at=None, note=reason, **values)
                ).rowcount
                == 1
            )

    def recover(
        self, job_id: str, worker: str, reason: str, max_attempts: int = MAX_ATTEMPTS, count_attempt: bool = True
    ) -> str | None:
        """Deal with a job whose worker died: requeue it once, else mark it ERROR with the reason.

        ``count_attempt=False`` (the worker died with its server, not on its
        own) requeues the job and gives the attempt back.

        Returns the job's new status, or None when the worker no longer held it.
        """
        with transaction(self.engine, write=True) as conn:
            row = conn.execute(
                sa.select(jobs.c.attempts, jobs.c.cancel_requested).where(*_held(job_id, worker))
            ).first()
            if row is None:
                return None
            now = utcnow()
            if row.cancel_requested:
                values: dict[str, Any] = {"status": CANCELLED, "finished_at": now, "note": reason}
            elif not count_attempt:
                values = {
                    "status": QUEUED,
                    "queue_order": _next_queue_order(conn),
                    "started_at": None,
                    "attempts": jobs.c.attempts - 1,
                    "note": f"requeued: {reason}",
                }
            elif row.attempts < max_attempts:
                values = {
                    "status": QUEUED,
                    "queue_order": _next_queue_order(conn),
                    "started_at": None,
                    "note": f"requeued: {reason}",
                }
            else:
                values = {
                    "status": ERROR,
                    "finished_at": now,
                    "note": reason,
                    "error": f"{reason}; the job was tried {row.attempts} times and is not retried again",
                }
            updated = conn.execute(
                jobs.update()
                .where(*_held(job_id, worker))
                .values(worker=None, worker_space=None, heartbeat_at=None, **values)
            ).rowcount
        return values["status"] if updated == 1 else None

    def queued_gpu_jobs(self) -> list[JobRecord]:
        """Every QUEUED job that needs a GPU."""
        with transaction(self.engine) as conn:
            query = sa.select(*_RECORD_COLUMNS).where(jobs.c.status == QUEUED, jobs.c.needs_gpu == sa.true())
            rows = conn.execute(query)
            return [_record(row) for row in rows]

    def note_queued(self, job_id: str, note: str) -> None:
        """Say in a waiting job why it waits."""
        with transaction(self.engine, write=True) as conn:
            conn.execute(
                jobs.update()
                .where(jobs.c.id == job_id, jobs.c.status == QUEUED, sa.or_(jobs.c.note.is_(None), jobs.c.note != note))
                .values(note=note)
            )

    def fail_queued(self, job_id: str, error: str) -> bool:
        """End a job that is still QUEUED as ERROR with ``error``; False when it no longer waits."""
        with transaction(self.engine, write=True) as conn:
            return (
                conn.execute(
                    jobs.update()
                    .where(jobs.c.id == job_id, jobs.c.status == QUEUED)
                    .values(status=ERROR, error=error, note=error, finished_at=utcnow())
                ).rowcount
                == 1
            )

    def running_jobs(self) -> list[JobRecord]:
        """Every job now RUNNING, with the worker that holds it."""
        with transaction(self.engine) as conn:
            rows = conn.execute(sa.select(*_RECORD_COLUMNS).where(jobs.c.status == RUNNING))
            return [_record(row) for row in rows]


def _held(job_id: str, worker: str) -> tuple:
    return jobs.c.id == job_id, jobs.c.worker == worker, jobs.c.status == RUNNING


def _next_queue_order(conn: Connection) -> int:
    """The back of the queue; call inside a write transaction."""
    if conn.dialect.name == "postgresql":
        # Serialise enqueues until commit, so queue order is commit order and a
        # job that becomes visible later never lands ahead of one already seen.
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(7262002)"))
    last = conn.execute(sa.select(sa.func.max(jobs.c.queue_order))).scalar()
    return int(last or 0) + 1
