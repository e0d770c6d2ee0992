"""Find running jobs whose worker is gone, and requeue them once or mark them ERROR with the reason.

Two signs that a worker is gone: its pid no longer exists (seen only from the
same process space, so at once) or it has sent no heartbeat for a lease
(seen from anywhere, after the lease). The server's supervisor and every idle
worker run this, so a cluster recovers whichever of its processes survive.
"""

from __future__ import annotations

import datetime
import logging

from .procs import pid_alive, process_space, worker_pid
from .store import JobRecord, JobStore, utcnow

log = logging.getLogger("gpuq.server")


def reap(store: JobStore, lease: float, dead_reasons: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """Recover every running job whose worker is gone.

    Args:
        store: the job store.
        lease: seconds without a heartbeat after which a worker counts as gone.
        dead_reasons: worker name → why it died, for workers the caller saw die.

    Returns:
        (job id, new status) for every job recovered.
    """
    recovered = []
    now = utcnow()
    store.forget_workers(older_than=10 * lease)
    for record in store.running_jobs():
        reason = _gone_reason(record, lease, now, dead_reasons or {})
        if reason is None:
            continue
        status = store.recover(record.id, record.worker or "", reason)
        if status is not None:
            log.warning("job %s: %s; now %s", record.id, reason, status)
            recovered.append((record.id, status))
    return recovered


def _gone_reason(record: JobRecord, lease: float, now: datetime.datetime, dead: dict[str, str]) -> str | None:
    worker = record.worker or "?"
    if worker in dead:
        return f"worker {worker} {dead[worker]} while running the job"
    pid = worker_pid(worker)
    if record.worker_space == process_space() and pid is not None and not pid_alive(pid):
        return f"worker {worker} ended while running the job (its process no longer exists)"
    beat = record.heartbeat_at or record.started_at
    if beat is not None and (now - beat).total_seconds() > lease:
        return f"worker {worker} sent no heartbeat for {(now - beat).total_seconds():.0f} s (lease {lease:g} s)"
    return None
