"""Find running jobs whose worker is gone, and requeue them once or mark them ERROR with the reason.

Two signs that a worker is gone: its pid no longer exists, or it has sent no
heartbeat for a lease. Leases are checked by anyone (the server's supervisor
and every idle worker, on any host), so a cluster recovers whichever of its
processes survive; but a late heartbeat from a worker whose process is seen
alive, in the same process space, is not death.

Dead pids have one owner on a host: the server's supervisor. It learns of its
own children's deaths from their exit codes (which name the signal) and looks
at the pids of the other workers in its process space (standalone ``gpuq
worker`` processes); workers never look at pids. Two observers of one death
would race to record it, and the one without the exit code would win with a
vaguer reason.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Mapping

from .db import utcnow
from .procs import pid_alive, process_space, supervisor_pid, worker_pid
from .store import JobRecord, JobStore

log = logging.getLogger("gpuq.server")


def reap(
    store: JobStore, lease: float, dead: Mapping[str, str] | None = None, pid_gone: Callable[[int], bool] | None = None
) -> list[tuple[str, str]]:
    """Recover every running job whose worker is gone.

    A worker that died because its ``gpuq serve`` died (its supervisor's pid
    is gone too) did not fail on its own: its job is requeued without counting
    the attempt.

    Args:
        store: the job store.
        lease: seconds without a heartbeat after which a worker counts as gone.
        dead: worker name → why it died, for workers the caller saw die.
        pid_gone: given only by the owner of dead-pid detection on this host
            (the supervisor): True when the pid of a worker in this process
            space is gone and the caller does not account for it otherwise.

    Returns:
        (job id, new status) for every job recovered.
    """
    recovered = []
    now = utcnow()
    store.forget_workers(older_than=10 * lease)
    for record in store.running_jobs():
        gone = _gone(record, lease, now, dead or {}, pid_gone)
        if gone is None:
            continue
        reason, counts = gone
        status = store.recover(record.id, record.worker or "", reason, count_attempt=counts)
        if status is not None:
            log.warning("job %s: %s; now %s", record.id, reason, status)
            recovered.append((record.id, status))
    return recovered


def _gone(
    record: JobRecord,
    lease: float,
    now: datetime.datetime,
    dead: Mapping[str, str],
    pid_gone: Callable[[int], bool] | None,
) -> tuple[str, bool] | None:
    """Why the job's worker is gone, and whether that counts as an attempt; None while it is not gone."""
    worker = record.worker or "?"
    if worker in dead:
        return f"worker {worker} {dead[worker]} while running the job", True
    pid = worker_pid(worker)
    if pid_gone is not None and pid is not None and record.worker_space == process_space() and pid_gone(pid):
        server = supervisor_pid(worker)
        if server is not None and not pid_alive(server):
            return f"worker {worker} ended with its server (pid {server}) while running the job", False
        return f"worker {worker} ended while running the job (its process no longer exists)", True
    beat = record.heartbeat_at or record.started_at
    if beat is None or (now - beat).total_seconds() <= lease:
        return None
    if pid is not None and record.worker_space == process_space() and pid_alive(pid):
        return None  # alive, only late (a long step can starve its heartbeat thread): taking the job would run it twice
    return f"worker {worker} sent no heartbeat for {(now - beat).total_seconds():.0f} s (lease {lease:g} s)", True
