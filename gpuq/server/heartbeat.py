"""A worker's heartbeats, sent by a process of their own so that no work in the worker can hold them up.

A heartbeat thread inside the worker shared its interpreter lock with the
work: while the worker turned a large result into JSON (one long call that
never lets go of the lock), the thread could not run, the job's heartbeat
went 8.5 s stale at a 0.5 s interval, and with a short lease the job was
taken away and run twice. So each worker starts one small companion process
(``python -m gpuq.server.heartbeat``) and tells it, on a pipe, which job it
holds; the companion records the heartbeat every interval and touches the
worker's record. It ends when the worker closes the pipe, and is killed
with it (Linux's parent-death signal), so a dead worker's job still stops
beating and is recovered as before.

The worker itself only reads, on a thread of its own, whether it still holds
the job and whether its cancellation was requested (``JobStore.holding``): a
late answer there delays a cancellation, never costs the job.
"""

from __future__ import annotations

import json
import logging
import os
import select
import subprocess
import sys
import time
from dataclasses import asdict, dataclass

log = logging.getLogger("gpuq.worker")


@dataclass(frozen=True)
class BeatConfig:
    """What the companion needs: where the store is, whose job it beats for, and how often."""

    db_url: str
    worker: str
    host: str
    has_gpu: bool
    interval: float
    touch_interval: float
    log_format: str = "text"


class HeartbeatProcess:
    """The companion process of one worker; ``beat_for`` names the job it holds (None: none)."""

    def __init__(self, config: BeatConfig):
        self.config = config
        self._process: subprocess.Popen | None = None
        self._job: str | None = None

    def start(self) -> None:
        """Start the companion (the store URL goes on its pipe, not its command line, which anyone may read)."""
        self._process = subprocess.Popen(
            [sys.executable, "-m", "gpuq.server.heartbeat"], stdin=subprocess.PIPE, text=True, bufsize=1
        )
        self._send(json.dumps(asdict(self.config)))
        self._send(self._job or "")

    def beat_for(self, job_id: str | None) -> None:
        """From now on, send the heartbeats of ``job_id`` (None: of no job); restarts a companion that died."""
        self._job = job_id
        if not self.alive():
            log.warning("the heartbeat process of worker %s was gone; starting another", self.config.worker)
            self.start()
        else:
            self._send(job_id or "")

    def alive(self) -> bool:
        """True while the companion runs."""
        return self._process is not None and self._process.poll() is None

    def stop(self) -> None:
        """End the companion now (it keeps nothing worth a graceful end; it may still be importing)."""
        if self._process is None:
            return
        if self._process.stdin is not None:
            try:
                self._process.stdin.close()
            except OSError:
                pass
        self._process.terminate()
        try:
            self._process.wait(5.0)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    def _send(self, line: str) -> None:
        assert self._process is not None and self._process.stdin is not None
        try:
            self._process.stdin.write(line + "\n")
            self._process.stdin.flush()
        except (BrokenPipeError, OSError):
            pass  # it died; the next beat_for starts another


def _lines(fd: int, timeout: float, pending: bytearray) -> list[str] | None:
    """The complete lines that arrive on ``fd`` within ``timeout`` seconds; None at end of file."""
    ready, _, _ = select.select([fd], [], [], max(0.0, timeout))
    if not ready:
        return []
    chunk = os.read(fd, 65536)
    if not chunk:
        return None
    pending.extend(chunk)
    *lines, rest = pending.split(b"\n")
    pending[:] = rest
    return [line.decode() for line in lines]


def main() -> None:
    """The companion's loop: read the configuration, then beat for the named job until the pipe closes."""
    import sqlalchemy as sa

    from .logs import setup_logging
    from .procs import die_with_parent
    from .store import JobStore

    fd, pending = sys.stdin.fileno(), bytearray()
    received: list[str] = []
    while not received:
        lines = _lines(fd, 60.0, pending)
        if lines is None:
            return
        received += lines
    config = BeatConfig(**json.loads(received[0]))
    setup_logging("info", config.log_format)
    die_with_parent(os.getppid())
    store = JobStore(config.db_url)
    job: str | None = None
    for line in received[1:]:
        job = line.strip() or None
    next_beat = last_touch = time.monotonic()
    try:
        while True:
            lines = _lines(fd, next_beat - time.monotonic(), pending)
            if lines is None:
                return
            for line in lines:
                job = line.strip() or None
            if time.monotonic() < next_beat:
                continue
            next_beat = time.monotonic() + config.interval
            try:
                if job is not None:
                    store.heartbeat(job, config.worker)
                if job is not None and time.monotonic() - last_touch > config.touch_interval:
                    last_touch = time.monotonic()
                    store.touch_worker(config.worker, config.host, config.has_gpu)
            except sa.exc.SQLAlchemyError as exc:  # a store that is briefly away: the next beat tries again
                log.warning("heartbeat of job %s failed: %s", job, exc)
    finally:
        store.close()


if __name__ == "__main__":
    main()
