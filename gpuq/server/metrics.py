"""``GET /metrics``: the server's state in Prometheus' text format, read from the job store at each scrape.

Every figure comes from the database, not from counters in one process, so
it is the same whichever API process answers, survives restarts, and
covers workers on other hosts:

- ``gpuq_queue_length{backend}``: jobs waiting, per backend;
- ``gpuq_jobs{status}``: jobs by status (the final ones over the store's whole history);
- ``gpuq_workers{gpu}``: workers seen within the lease, with and without a GPU;
- ``gpuq_job_duration_seconds``: a histogram of the run time (start to end) of the jobs that ran to DONE or ERROR.

A scrape costs a few index scans and one pass over the finished jobs' dates.
"""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa
from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from .db import DONE, ERROR, STATUSES, jobs, transaction
from .store import JobStore

DURATION_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)
"""Upper bounds (seconds) of the job-duration histogram's buckets; ``+Inf`` follows."""


class StoreCollector(Collector):
    """Reads the metrics above from ``store`` whenever Prometheus scrapes."""

    def __init__(self, store: JobStore, lease: float):
        self.store = store
        self.lease = lease

    def collect(self) -> Iterator[Metric]:
        """One family per metric; the store is read once per call."""
        queue = GaugeMetricFamily("gpuq_queue_length", "Jobs waiting in the queue, per backend.", labels=["backend"])
        for backend, count in sorted(self.store.pending_counts().items()):
            queue.add_metric([backend], count)
        yield queue

        by_status = GaugeMetricFamily("gpuq_jobs", "Jobs in the store, by status.", labels=["status"])
        counts = self._status_counts()
        for status in STATUSES:
            by_status.add_metric([status], counts.get(status, 0))
        yield by_status

        live = self.store.live_workers(self.lease)
        workers = GaugeMetricFamily("gpuq_workers", "Workers seen within the lease.", labels=["gpu"])
        workers.add_metric(["true"], sum(1 for gpu in live.values() if gpu))
        workers.add_metric(["false"], sum(1 for gpu in live.values() if not gpu))
        yield workers

        buckets, total, count = self._durations()
        yield HistogramMetricFamily(
            "gpuq_job_duration_seconds",
            "Run time of the jobs that ended DONE or ERROR, from start to end.",
            buckets=[*((_bound(le), n) for le, n in zip(DURATION_BUCKETS, buckets)), ("+Inf", count)],
            sum_value=total,
        )

    def _status_counts(self) -> dict[str, int]:
        query = sa.select(jobs.c.status, sa.func.count()).group_by(jobs.c.status)
        with transaction(self.store.engine) as conn:
            return {status: int(count) for status, count in conn.execute(query)}

    def _durations(self) -> tuple[list[int], float, int]:
        """Cumulative count per bucket, sum of seconds, and count of the finished jobs that ran."""
        with transaction(self.store.engine) as conn:
            seconds = _seconds_between(conn.dialect.name, jobs.c.started_at, jobs.c.finished_at)
            columns = [sa.func.count(), sa.func.coalesce(sa.func.sum(seconds), 0.0)]
            columns += [
                sa.func.coalesce(sa.func.sum(sa.case((seconds <= le, 1), else_=0)), 0) for le in DURATION_BUCKETS
            ]
            ran = sa.and_(jobs.c.status.in_((DONE, ERROR)), jobs.c.started_at.is_not(None))
            row = conn.execute(sa.select(*columns).where(ran, jobs.c.finished_at.is_not(None))).one()
        return [int(n) for n in row[2:]], float(row[1]), int(row[0])


def _seconds_between(dialect: str, start: sa.ColumnElement, end: sa.ColumnElement) -> sa.ColumnElement:
    """``end - start`` in seconds, in the dialect's SQL (the store keeps naive UTC datetimes)."""
    if dialect == "sqlite":
        return (sa.func.julianday(end) - sa.func.julianday(start)) * 86400.0
    return sa.extract("epoch", end - start)


def _bound(value: float) -> str:
    return repr(float(value))


def store_registry(store: JobStore, lease: float) -> CollectorRegistry:
    """A registry holding just the store's collector (not the process-wide default one)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(store, lease))
    return registry
