"""Claiming jobs: which waiting job a worker takes next, by fair share between users.

A mixin of ``JobStore`` (which gives it ``engine`` and ``get``), kept apart
because it alone decides the order jobs run in.

Fair share: the next job is the oldest waiting job of the user who (1) has
the fewest jobs running now, then (2) was served least recently (the time
their last job was claimed, kept in ``gpuq_user_service``), then (3) has the
oldest waiting job. So a user who queued a thousand jobs does not make
another user's one job wait behind all of them: with one worker, users take
turns job by job (round-robin); with several, each user's running share is
kept even. With one user waiting this is first in, first out.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from .db import QUEUED, RUNNING, jobs, transaction, user_service, utcnow

if TYPE_CHECKING:
    from .store import JobRecord

_NEVER = datetime.datetime(1970, 1, 1)
"""The last service of a user never served: before anyone's."""


class QueueClaims:
    """Workers take jobs here, one at a time, in fair-share order."""

    engine: Engine

    if TYPE_CHECKING:

        def get(self, job_id: str, user_id: int | None = None) -> JobRecord | None: ...

    def claim(self, worker: str, worker_space: str, has_gpu: bool = True) -> JobRecord | None:
        """Take the next queued job for ``worker`` by fair share, or None when there is none it can run.

        Atomic across processes and hosts: the row is locked where the
        database can (``FOR UPDATE SKIP LOCKED``) and the update only applies
        while the job is still QUEUED, so two workers never get the same job.

        Args:
            worker: the worker's name.
            worker_space: where its pid means something (see ``procs.process_space``).
            has_gpu: False leaves the jobs that need a GPU to workers that have one.
        """
        waiting = [jobs.c.status == QUEUED]
        if not has_gpu:
            waiting.append(jobs.c.needs_gpu == sa.false())
        with transaction(self.engine) as conn:
            # A cheap look without the write lock: idle workers poll often.
            if conn.execute(sa.select(jobs.c.seq).where(*waiting).limit(1)).first() is None:
                return None
        for _ in range(20):
            with transaction(self.engine, write=True) as conn:
                head = conn.execute(_next_job(waiting)).first()
                if head is None:
                    return None
                now = utcnow()
                claimed = conn.execute(
                    jobs.update()
                    .where(jobs.c.id == head.id, jobs.c.status == QUEUED)
                    .values(
                        status=RUNNING,
                        worker=worker,
                        worker_space=worker_space,
                        started_at=now,
                        heartbeat_at=now,
                        attempts=jobs.c.attempts + 1,
                    )
                ).rowcount
                if claimed == 1:
                    _served(conn, head.user_id, now)
            if claimed == 1:
                return self.get(head.id)
        return None


def _next_job(waiting: list) -> sa.Select:
    """The waiting job to run next, by fair share (see the module's docstring), locked where the database can."""
    running = (
        sa.select(jobs.c.user_id, sa.func.count().label("running"))
        .where(jobs.c.status == RUNNING)
        .group_by(jobs.c.user_id)
        .subquery()
    )
    return (
        sa.select(jobs.c.id, jobs.c.user_id)
        .select_from(
            jobs.outerjoin(running, running.c.user_id == jobs.c.user_id).outerjoin(
                user_service, user_service.c.user_id == jobs.c.user_id
            )
        )
        .where(*waiting)
        .order_by(
            sa.func.coalesce(running.c.running, 0),
            sa.func.coalesce(user_service.c.last_claim_at, _NEVER),
            jobs.c.queue_order,
            jobs.c.seq,
        )
        .limit(1)
        .with_for_update(skip_locked=True, of=jobs)
    )


def _served(conn: Connection, user_id: int, now: datetime.datetime) -> None:
    """Record that one of the user's jobs was just claimed (an upsert, safe between racing workers)."""
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    statement = insert(user_service).values(user_id=user_id, last_claim_at=now)
    conn.execute(statement.on_conflict_do_update(index_elements=["user_id"], set_={"last_claim_at": now}))
