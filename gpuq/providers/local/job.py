"""Jobs of the local simulators: run in the background on one shared executor.

Numba and CuPy release the GIL, so a job's kernels run while the caller's
thread goes on. Jobs run one at a time (each already uses every core), in
submission order; ``status()`` is kept under a lock and is truthful at every
moment.
"""

from __future__ import annotations

import concurrent.futures
import os
import threading
import uuid
from collections.abc import Callable

from ...exceptions import JobCancelledError, JobError, JobTimeoutError
from ...models.result import Result
from ..base import BaseJob, JobStatus

_EXECUTOR = concurrent.futures.ThreadPoolExecutor(
    max_workers=int(os.environ.get("GPUQ_MAX_PARALLEL_JOBS", "1")), thread_name_prefix="gpuq-job")

Work = Callable[[Callable[[], bool], str], Result]
"""The job's work: called with ``should_stop`` and the job id, returns the Result."""


class LocalJob(BaseJob):
    """A job on a local simulator."""

    def __init__(self, backend, work: Work, job_id: str | None = None):
        self._backend = backend
        self._work = work
        self._job_id = job_id or str(uuid.uuid4())
        self._lock = threading.Lock()
        self._status = JobStatus.INITIALIZING
        self._stop = threading.Event()
        self._error: str | None = None
        self._result: Result | None = None
        self._future: concurrent.futures.Future | None = None

    def submit(self) -> None:
        """Queue the job on the shared executor."""
        with self._lock:
            if self._future is not None:
                raise JobError(f"job {self._job_id} was already submitted")
            self._status = JobStatus.QUEUED
            self._future = _EXECUTOR.submit(self._run)

    def _run(self) -> None:
        with self._lock:
            if self._stop.is_set():
                self._status = JobStatus.CANCELLED
                return
            self._status = JobStatus.RUNNING
        try:
            result = self._work(self._stop.is_set, self._job_id)
        except JobCancelledError:
            final, result = JobStatus.CANCELLED, None
        except Exception as exc:  # a failed job keeps its reason; the worker thread goes on
            final, result = JobStatus.ERROR, None
            self._error = f"{type(exc).__name__}: {exc}"
        else:
            final = JobStatus.DONE
            failures = [f"{r.header.name}: {r.status}" for r in result.results if not r.success]
            if failures:
                self._error = "; ".join(failures)
                if len(failures) == len(result.results):
                    final = JobStatus.ERROR
        with self._lock:
            self._result = result
            self._status = final

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
        """Block until the job ends, then return its result (see ``BaseJob.result``)."""
        if self._future is None:
            raise JobError(f"job {self._job_id} was never submitted")
        done, _ = concurrent.futures.wait([self._future], timeout=timeout)
        if not done:
            raise JobTimeoutError(f"job {self._job_id} did not finish within {timeout} s; it is still {self.status().name}")
        status = self.status()
        if status is JobStatus.CANCELLED:
            raise JobCancelledError(f"job {self._job_id} was cancelled")
        if status is JobStatus.ERROR:
            raise JobError(f"job {self._job_id} failed: {self._error}")
        assert self._result is not None
        return self._result

    def cancel(self) -> bool:
        """Cancel: a queued job at once, a running one at the next gate boundary.

        Returns True when the job is or will be cancelled, False when it had already ended otherwise.
        """
        with self._lock:
            if self._status is JobStatus.CANCELLED:
                return True
            if self._status.is_final:
                return False
            self._stop.set()
            if self._future is not None and self._future.cancel():
                self._status = JobStatus.CANCELLED
            return True

    def error_message(self) -> str | None:
        """Why the job, or some of its experiments, failed; None when nothing failed."""
        return self._error

    def wait_for_final_state(self, timeout: float | None = None) -> JobStatus:
        """Block until the job ends (without raising on failure) and return its final status."""
        if self._future is not None:
            concurrent.futures.wait([self._future], timeout=timeout)
        return self.status()
