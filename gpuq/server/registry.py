"""The workers table: who polls the queue, from which host, whether it has a GPU, and when it was last seen.

A mixin of ``JobStore`` (which gives it ``engine``), kept apart because it
never touches a job.
"""

from __future__ import annotations

import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from .db import transaction, utcnow, workers


class WorkerRegistry:
    """Workers announce themselves here; the API and the supervisor read who is connected."""

    engine: Engine

    def register_worker(self, name: str, host: str, has_gpu: bool) -> None:
        """Announce a worker (and whether it can run GPU-pinned backends)."""
        now = utcnow()
        with transaction(self.engine, write=True) as conn:
            conn.execute(workers.delete().where(workers.c.name == name))
            conn.execute(workers.insert().values(name=name, host=host, has_gpu=has_gpu, started_at=now, seen_at=now))

    def touch_worker(self, name: str, host: str, has_gpu: bool) -> None:
        """Record that a worker is still there (announcing it again if its record was dropped meanwhile)."""
        now = utcnow()
        with transaction(self.engine, write=True) as conn:
            if conn.execute(workers.update().where(workers.c.name == name).values(seen_at=now)).rowcount == 0:
                conn.execute(
                    workers.insert().values(name=name, host=host, has_gpu=has_gpu, started_at=now, seen_at=now)
                )

    def remove_worker(self, name: str) -> None:
        """Forget a worker that stopped."""
        with transaction(self.engine, write=True) as conn:
            conn.execute(workers.delete().where(workers.c.name == name))

    def live_workers(self, lease: float) -> dict[str, bool]:
        """Workers seen within ``lease`` seconds, and whether each has a GPU."""
        since = utcnow() - datetime.timedelta(seconds=lease)
        with transaction(self.engine) as conn:
            rows = conn.execute(sa.select(workers.c.name, workers.c.has_gpu).where(workers.c.seen_at >= since))
            return {row.name: bool(row.has_gpu) for row in rows}

    def forget_workers(self, older_than: float) -> None:
        """Drop the records of workers not seen for ``older_than`` seconds (they died without saying so)."""
        since = utcnow() - datetime.timedelta(seconds=older_than)
        with transaction(self.engine, write=True) as conn:
            conn.execute(workers.delete().where(workers.c.seen_at < since))

    def last_gpu_worker_seen(self) -> datetime.datetime | None:
        """When a worker with a GPU was last seen, or None when the store remembers none."""
        with transaction(self.engine) as conn:
            query = sa.select(sa.func.max(workers.c.seen_at)).where(workers.c.has_gpu == sa.true())
            return conn.execute(query).scalar()
