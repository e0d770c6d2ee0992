"""A worker: claim the job at the head of the queue, run it on the local engine, record the outcome.

Run by ``gpuq serve`` (as child processes) or on its own with ``gpuq
worker --db URL`` on any host that reaches the database. While a job runs, a
companion process (``heartbeat``) tells the store the worker is alive, and a
thread here picks up cancellation requests; the engine checks them at every
gate boundary. Asked to
stop (SIGTERM, Ctrl-C), a worker puts its job back in the queue.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from ..exceptions import JobCancelledError
from ..models.result import Result
from ..models.result_wire import encode
from ..models.validation import load_qobj
from ..providers.local import Local, LocalSimulator
from ..providers.local.prepare import prepare
from ..providers.local.runner import run_prepared
from ..sim.devices.select import gpu_unavailable_reason
from .db import CANCELLED, DONE, ERROR
from .heartbeat import BeatConfig, HeartbeatProcess
from .logs import setup_logging
from .procs import die_with_parent, new_worker_id, process_space
from .recovery import reap
from .store import JobRecord, JobStore

log = logging.getLogger("gpuq.worker")


@dataclass(frozen=True)
class WorkerSettings:
    """How a worker polls and proves it is alive.

    Attributes:
        poll_interval: seconds between looks at an empty queue.
        heartbeat_interval: seconds between heartbeats (and checks for cancellation) while a job runs.
        lease: seconds without a heartbeat after which a worker counts as gone.
        max_jobs: stop after this many jobs (None: run until stopped).
        max_run_time: seconds a job may run before it is stopped and ends ERROR (None: no limit).
    """

    poll_interval: float = 0.2
    heartbeat_interval: float = 0.5
    lease: float = 30.0
    max_jobs: int | None = None
    max_run_time: float | None = None


class Worker:
    """One worker process's loop."""

    def __init__(
        self,
        store: JobStore,
        settings: WorkerSettings | None = None,
        parent_pid: int | None = None,
        log_format: str = "text",
    ):
        self.store = store
        self.settings = settings or WorkerSettings()
        self.worker_id = new_worker_id(parent_pid)
        self.space = process_space()
        self._parent_pid = parent_pid
        self._stop = threading.Event()
        reason = gpu_unavailable_reason()
        self.has_gpu = reason is None
        self._no_gpu_reason = reason
        self._beats = HeartbeatProcess(
            BeatConfig(
                store.url,
                self.worker_id,
                socket.gethostname(),
                self.has_gpu,
                self.settings.heartbeat_interval,
                self._touch_interval,
                log_format,
            )
        )

    def stop(self) -> None:
        """Finish soon: a running job stops at its next gate boundary and goes back in the queue."""
        self._stop.set()

    def run(self) -> int:
        """Take and run jobs until stopped; returns the number of jobs run."""
        done, last_reap, last_touch = 0, 0.0, time.monotonic()
        self.store.register_worker(self.worker_id, socket.gethostname(), self.has_gpu)
        gpu = "with a GPU" if self.has_gpu else f"without a GPU ({self._no_gpu_reason}): GPU jobs are left to others"
        log.info("worker %s started, %s", self.worker_id, gpu)
        self._beats.start()
        try:
            while not self._stop.is_set() and not self._orphaned():
                try:
                    record = self.store.claim(self.worker_id, self.space, self.has_gpu)
                    if record is None and time.monotonic() - last_touch > self._touch_interval:
                        last_touch = time.monotonic()
                        self.store.touch_worker(self.worker_id, socket.gethostname(), self.has_gpu)
                    if record is None and time.monotonic() - last_reap > min(self.settings.lease / 2, 5.0):
                        last_reap = time.monotonic()
                        reap(self.store, self.settings.lease)  # leases only: dead pids are the supervisor's
                except sa.exc.OperationalError as exc:
                    log.warning("worker %s cannot reach the job store (%s); retrying", self.worker_id, exc)
                    self._stop.wait(max(self.settings.poll_interval, 1.0))
                    continue
                if record is None:
                    self._stop.wait(self.settings.poll_interval)
                    continue
                self._run_job(record)
                done += 1
                if self.settings.max_jobs is not None and done >= self.settings.max_jobs:
                    break
        finally:
            self._beats.stop()
            self.store.remove_worker(self.worker_id)
        log.info("worker %s stopped after %d job(s)", self.worker_id, done)
        return done

    @property
    def _touch_interval(self) -> float:
        return min(self.settings.lease / 3, 2.0)

    def _orphaned(self) -> bool:
        return self._parent_pid is not None and os.getppid() != self._parent_pid

    def _run_job(self, record: JobRecord) -> None:
        cancel, lost, finished = threading.Event(), threading.Event(), threading.Event()
        self._beats.beat_for(record.id)
        beat = threading.Thread(
            target=self._watch, args=(record.id, cancel, lost, finished), name="gpuq-job-watch", daemon=True
        )
        beat.start()
        fields: dict[str, object] = {"job_id": record.id, "backend": record.backend, "worker": self.worker_id}
        log.info("worker %s runs job %s on %s", self.worker_id, record.id, record.backend, extra=fields)
        started = time.monotonic()
        limit = self.settings.max_run_time
        deadline = time.monotonic() + limit if limit is not None else None

        def overdue() -> bool:
            return deadline is not None and time.monotonic() > deadline

        try:
            status, pieces, error = self._execute(
                record,
                lambda: cancel.is_set() or lost.is_set() or self._stop.is_set() or overdue(),
                cancel.is_set,
                overdue,
            )
        finally:
            finished.set()
            beat.join()
            self._beats.beat_for(None)
        fields.update(status=status or "QUEUED", seconds=round(time.monotonic() - started, 6))
        log.info("job %s ended %s", record.id, fields["status"], extra=fields)
        if status is None:
            self.store.release(record.id, self.worker_id, f"worker {self.worker_id} was stopped; job requeued")
        elif not self._finish(record.id, status, pieces, error):
            log.warning(
                "job %s was taken from worker %s (missed heartbeats); its outcome is dropped", record.id, self.worker_id
            )

    def _finish(self, job_id: str, status: str, pieces: list[bytes] | None, error: str | None) -> bool:
        """Record the outcome; a result the store refuses (too large for it) makes the job ERROR, saying so.

        Without this, the refusal would end the worker, and the job would be
        run again for the same refusal.
        """
        try:
            return self.store.finish(job_id, self.worker_id, status, error=error, pieces=pieces)
        except sa.exc.DBAPIError as exc:
            if pieces is None:
                raise
            size = sum(len(piece) for piece in pieces)
            log.warning("job %s: the store refused its result of %d bytes: %s", job_id, size, exc)
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else type(exc).__name__
            return self.store.finish(
                job_id,
                self.worker_id,
                ERROR,
                None,
                f"the job ran, but the job store could not keep its result ({size} bytes): {reason}",
            )

    def _execute(
        self,
        record: JobRecord,
        should_stop: Callable[[], bool],
        cancel_requested: Callable[[], bool],
        overdue: Callable[[], bool],
    ) -> tuple[str | None, list[bytes] | None, str | None]:
        """Run the job; returns (final status or None to requeue, result pieces, error message)."""
        try:
            qobj = load_qobj(self.store.qobj_json(record.id))
            backend = Local.get_backend(record.backend)
            assert isinstance(backend, LocalSimulator)
            result = run_prepared(prepare(qobj, backend), should_stop, record.id)
        except JobCancelledError:
            if self._stop.is_set() and not cancel_requested():
                return None, None, None
            if overdue() and not cancel_requested():
                return (
                    ERROR,
                    None,
                    (
                        f"the job ran longer than this server's limit of {self.settings.max_run_time:g} s "
                        "(gpuq serve --max-run-time) and was stopped"
                    ),
                )
            return CANCELLED, None, None
        except Exception as exc:  # a failed job keeps its reason; the worker goes on
            log.exception("job %s failed", record.id)
            return ERROR, None, f"{type(exc).__name__}: {exc}"
        return _outcome(result)

    def _watch(self, job_id: str, cancel: threading.Event, lost: threading.Event, finished: threading.Event) -> None:
        """Read, every heartbeat interval, whether the job is still ours and whether it should stop.

        The heartbeats themselves come from the companion process; this
        thread only reads, so when the work holds it up, a cancellation is
        seen late but the job is never lost for it.
        """
        while not finished.wait(self.settings.heartbeat_interval):
            try:
                held, cancel_requested = self.store.holding(job_id, self.worker_id)
            except sa.exc.SQLAlchemyError as exc:
                log.warning("cannot read the state of job %s: %s", job_id, exc)
                continue
            if not held:
                lost.set()
            if cancel_requested:
                cancel.set()
            if not self._beats.alive():
                self._beats.beat_for(job_id)
            if self._orphaned():
                # The server that started this worker is gone; let the restarted one requeue the job.
                os._exit(1)


def _outcome(result: Result) -> tuple[str, list[bytes], str | None]:
    """The job's status, its result as the compressed pieces the store keeps, and the failures' message."""
    failures = [f"{r.header.name}: {r.status}" for r in result.results if not r.success]
    error = "; ".join(failures) or None
    status = ERROR if failures and len(failures) == len(result.results) else DONE
    return status, list(encode(result)), error


def worker_main(db_url: str, settings: WorkerSettings, parent_pid: int | None = None, log_format: str = "text") -> None:
    """Entry point of a worker process: open the store, run until SIGTERM or SIGINT.

    ``log_format`` is ``text`` or ``json`` (see ``logs``).
    """
    if parent_pid is not None and not die_with_parent(parent_pid):
        return
    setup_logging("info", log_format)
    store = JobStore(db_url)
    worker = Worker(store, settings, parent_pid, log_format)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: worker.stop())
    try:
        worker.run()
    finally:
        store.close()
