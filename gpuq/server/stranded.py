"""Jobs that no connected worker can run: say in the job why it waits, and fail it after a while.

A job that needs a GPU is refused at submission when no worker with a GPU is
connected; but one that was accepted can be left behind when its GPU worker
goes away. Its note then says why it waits, and once no GPU worker has been
seen for ``gpu_wait`` seconds (counted from its submission at the earliest)
it ends ERROR saying so, instead of staying QUEUED forever.
"""

from __future__ import annotations

import logging

from .db import utcnow
from .store import JobStore

log = logging.getLogger("gpuq.server")

WAITING_NOTE = "waiting for a worker with a usable GPU: none is connected now"


def check_stranded(store: JobStore, lease: float, gpu_wait: float) -> list[str]:
    """Note why queued GPU jobs wait, and fail those that waited ``gpu_wait`` seconds; returns the failed ids."""
    if any(store.live_workers(lease).values()):
        return []
    jobs = store.queued_gpu_jobs()
    if not jobs:
        return []
    now, last_seen = utcnow(), store.last_gpu_worker_seen()
    failed = []
    for record in jobs:
        since = max(record.created_at, last_seen) if last_seen is not None else record.created_at
        waited = (now - since).total_seconds()
        if waited <= gpu_wait:
            store.note_queued(record.id, WAITING_NOTE)
            continue
        reason = (
            f"no worker with a usable GPU was connected for {waited:.0f} s (the server waits "
            f"{gpu_wait:g} s: gpuq serve --gpu-wait); the job needs one"
        )
        if store.fail_queued(record.id, reason):
            log.warning("job %s: %s", record.id, reason)
            failed.append(record.id)
    return failed
