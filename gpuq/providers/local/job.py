"""Jobs of the local simulators: run in the background on one shared executor.

Numba and CuPy release the GIL, so a job's kernels run while the caller's
thread goes on. Jobs run one at a time (each already uses every core), in
submission order; ``status()`` is kept under a lock and is truthful at every
moment.

A job ends when its work returns or raises, or at once when it is cancelled
while queued; ``result()`` waits for that end, never for the jobs ahead of it.
A script never waits for work it no longer wants: when the interpreter exits
(the main thread ends or raises) every unfinished job is cancelled, and Ctrl-C
inside ``result()`` cancels the job waited for; each says so in one line on
stderr.
"""

from __future__ import annotations

import concurrent.futures
import os
import sys
import threading
import uuid
import weakref
from collections.abc import Callable

from ...exceptions import JobCancelledError, JobError, JobTimeoutError
from ...models.result import Result
from ..base import BaseJob, JobStatus

_EXECUTOR = concurrent.futures.ThreadPoolExecutor(
    max_workers=int(os.environ.get("GPUQ_MAX_PARALLEL_JOBS", "1")), thread_name_prefix="gpuq-job"
)

Work = Callable[[Callable[[], bool], str], Result]
"""The job's work: called with ``should_stop`` and the job id, returns the Result."""

_UNFINISHED: weakref.WeakSet[LocalJob] = weakref.WeakSet()
"""Submitted jobs that have not ended (the executor's queue keeps them alive until they do)."""
_UNFINISHED_LOCK = threading.Lock()


class LocalJob(BaseJob):
    """A job on a local simulator."""

    def __init__(self, backend, work: Work, job_id: str | None = None):
        self._backend = backend
        self._work = work
        self._job_id = job_id or str(uuid.uuid4())
        self._lock = threading.Lock()
        self._status = JobStatus.INITIALIZING
        self._stop = threading.Event()
        self._ended = threading.Event()
        self._error: str | None = None
        self._result: Result | None = None
        self._future: concurrent.futures.Future | None = None

    def submit(self) -> None:
        """Queue the job on the shared executor."""
        with self._lock:
            if self._future is not None:
                raise JobError(f"job {self._job_id} was already submitted")
            self._status = JobStatus.QUEUED
            with _UNFINISHED_LOCK:
                _UNFINISHED.add(self)
            self._future = _EXECUTOR.submit(self._run)

    def _run(self) -> None:
        with self._lock:
            if self._stop.is_set():
                self._end(JobStatus.CANCELLED)
                return
            self._status = JobStatus.RUNNING
        result: Result | None = None
        try:
            result = self._work(self._stop.is_set, self._job_id)
        except JobCancelledError:
            final = JobStatus.CANCELLED
        except Exception as exc:  # a failed job keeps its reason; the worker thread goes on
            final = JobStatus.ERROR
            self._error = f"{type(exc).__name__}: {exc}"
        else:
            final = JobStatus.DONE
            failures = [f"{r.header.name}: {r.status}" for r in result.results if not r.success]
            if failures:
                self._error = "; ".join(failures)
                if len(failures) == len(result.results):
                    final = JobStatus.ERROR
        with self._lock:
            if self._stop.is_set():  # cancel() said True: the job ends cancelled even if its work finished
                final, result = JobStatus.CANCELLED, None
            self._result = result
            self._end(final)

    def _end(self, final: JobStatus) -> None:
        """Record the final status and wake every ``result()`` (called with ``_lock`` held)."""
        self._status = final
        self._ended.set()
        with _UNFINISHED_LOCK:
            _UNFINISHED.discard(self)

    # --------------------------------------------------------------- BaseJob
    def job_id(self) -> str:
        """The job's unique id (a UUID)."""
        return self._job_id

    def backend(self):
        """The backend the job runs on."""
        return self._backend

    def status(self) -> JobStatus:
        """The status now."""
        with self._lock:
            return self._status

    def result(self, timeout: float | None = None) -> Result:
        """Block until the job ends, then return its result (see ``BaseJob.result``).

        A cancelled job raises ``JobCancelledError`` at once, even while other jobs run ahead
        of it. Ctrl-C while waiting cancels this job, says so on stderr and re-raises.
        """
        if self._future is None:
            raise JobError(f"job {self._job_id} was never submitted")
        try:
            ended = self._ended.wait(timeout)
        except KeyboardInterrupt:
            if not self._stop.is_set() and self.cancel():
                print(f"gpuq: interrupted; cancelled local job {self._job_id}", file=sys.stderr, flush=True)
            raise
        status = self.status()
        if status is JobStatus.CANCELLED:
            raise JobCancelledError(f"job {self._job_id} was cancelled")
        if not ended:
            raise JobTimeoutError(f"job {self._job_id} did not finish within {timeout} s; it is still {status.name}")
        if status is JobStatus.ERROR:
            raise JobError(f"job {self._job_id} failed: {self._error}")
        assert self._result is not None
        return self._result

    def cancel(self) -> bool:
        """Cancel: a queued job at once, a running one at the engine's next check (a fraction of a second).

        Returns True when the job is or will be cancelled, False when it had already ended otherwise.
        """
        with self._lock:
            if self._status is JobStatus.CANCELLED:
                return True
            if self._status.is_final:
                return False
            self._stop.set()
            if self._future is not None and self._future.cancel():
                self._end(JobStatus.CANCELLED)
            return True

    def error_message(self) -> str | None:
        """Why the job, or some of its experiments, failed; None when nothing failed."""
        return self._error

    def wait_for_final_state(self, timeout: float | None = None) -> JobStatus:
        """Block until the job ends (without raising on failure) and return its final status."""
        if self._future is not None:
            self._ended.wait(timeout)
        return self.status()


def _cancel_unfinished_jobs() -> None:
    """At interpreter exit, cancel every unfinished job so that the executor's join returns promptly."""
    with _UNFINISHED_LOCK:
        jobs = list(_UNFINISHED)
    cancelled = [job for job in jobs if not job._stop.is_set() and job.cancel()]
    if cancelled:
        print(
            f"gpuq: the script is exiting; cancelled {len(cancelled)} unfinished local job(s) "
            "(call job.result() to wait for a job)",
            file=sys.stderr,
            flush=True,
        )


# concurrent.futures joins its worker threads from a threading-atexit hook registered when it was
# imported (above); these hooks run last-registered first, so this one cancels before that join.
threading._register_atexit(_cancel_unfinished_jobs)  # type: ignore[attr-defined]
