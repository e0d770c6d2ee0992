"""Jobs on a gpuq server: the common job methods, plus creation date, queue position and polling.

The status string the server sends goes through one dictionary; one this
client does not know is an error that quotes it, never a guess. Once a job is
final, its status and result are kept and the server is not asked again.
"""

from __future__ import annotations

import datetime
import threading
import time
from typing import TYPE_CHECKING
from urllib.parse import quote

from ...exceptions import CloudError, JobCancelledError, JobError, JobTimeoutError
from ...models.api import API_PREFIX, JobInfo
from ...models.result import Result
from ...models.result_wire import CONTENT_TYPE as RESULT_CONTENT_TYPE
from ...models.result_wire import decode
from ..base import BaseJob, JobStatus

if TYPE_CHECKING:
    from .backend import CloudBackend

SERVER_STATUS = {
    "INITIALIZING": JobStatus.INITIALIZING,
    "QUEUED": JobStatus.QUEUED,
    "VALIDATING": JobStatus.VALIDATING,
    "RUNNING": JobStatus.RUNNING,
    "CANCELLED": JobStatus.CANCELLED,
    "DONE": JobStatus.DONE,
    "ERROR": JobStatus.ERROR,
}
"""The server's status strings and what they mean here."""

_FIRST_POLL = 0.05
"""Seconds before the first poll of ``result()``; the interval then doubles up to ``wait``."""


def job_status(text: str) -> JobStatus:
    """The ``JobStatus`` of a server status string.

    Raises:
        CloudError: a string this client does not know (quoted in the message).
    """
    try:
        return SERVER_STATUS[text]
    except KeyError:
        raise CloudError(
            f"the server reported the job status {text!r}, which this gpuq does not know "
            f"(known: {', '.join(SERVER_STATUS)}); upgrade gpuq"
        ) from None


class CloudJob(BaseJob):
    """A job on a gpuq server."""

    def __init__(self, backend: CloudBackend, info: JobInfo):
        self._backend = backend
        self._client = backend._client
        self._info = info
        self._status = job_status(info.status)
        self._result: Result | None = None
        self._lock = threading.Lock()

    # --------------------------------------------------------------- BaseJob
    def job_id(self) -> str:
        """The job's id on the server."""
        return self._info.job_id

    def backend(self) -> CloudBackend:
        """The backend the job was submitted to."""
        return self._backend

    def status(self) -> JobStatus:
        """The status now (asks the server unless the job is already final)."""
        return self.refresh()._status

    def result(self, timeout: float | None = None, wait: float = 2.0) -> Result:
        """Poll until the job ends, then fetch its result.

        Args:
            timeout: give up after this many seconds (None: wait as long as it takes).
            wait: the longest pause between two polls; the first comes after 50 ms.

        Raises:
            JobTimeoutError: ``timeout`` ran out; the job goes on.
            JobCancelledError: the job was cancelled.
            JobError: the job failed; the message gives the server's reason.
            CloudError: the server could not be asked.
        """
        status = self.wait_for_final_state(timeout, wait)
        if status is JobStatus.CANCELLED:
            raise JobCancelledError(f"job {self.job_id()} was cancelled")
        if status is JobStatus.ERROR:
            raise JobError(f"job {self.job_id()} failed: {self._info.error_message or 'no reason given'}")
        with self._lock:
            if self._result is None:
                self._result = self._fetch_result()
            return self._result

    def cancel(self) -> bool:
        """Cancel: a queued job at once, a running one at its next gate boundary.

        Returns True when the job is or will be cancelled, False when it had already ended otherwise.
        """
        if self._status.is_final:
            return self._status is JobStatus.CANCELLED
        data = self._client.post(self._path("/cancel"), idempotent=True)
        self._update(JobInfo.model_validate(data))
        return self._status is JobStatus.CANCELLED or (not self._status.is_final and self._info.cancel_requested)

    def error_message(self) -> str | None:
        """Why the job, or some of its experiments, failed; None when nothing failed."""
        return self.refresh()._info.error_message

    # ------------------------------------------------------------ cloud only
    def creation_date(self) -> datetime.datetime:
        """When the server accepted the job (UTC)."""
        return self._info.creation_date

    def queue_position(self, refresh: bool = True) -> int | None:
        """1 for the next job to run; None when the job is not waiting."""
        if refresh:
            self.refresh()
        return self._info.queue_position

    def wait_for_final_state(self, timeout: float | None = None, wait: float = 2.0) -> JobStatus:
        """Poll until the job ends and return its final status (never raises for a failed job).

        Raises:
            JobTimeoutError: ``timeout`` ran out; the job goes on.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        pause = min(_FIRST_POLL, wait)
        while not self.status().is_final:
            if deadline is not None and time.monotonic() >= deadline:
                raise JobTimeoutError(
                    f"job {self.job_id()} did not finish within {timeout} s; it is still {self._status.name}"
                )
            sleep = pause if deadline is None else min(pause, max(0.0, deadline - time.monotonic()))
            time.sleep(sleep)
            pause = min(pause * 2, wait)
        return self._status

    def refresh(self) -> CloudJob:
        """Ask the server where the job stands (nothing to ask once it is final)."""
        if not self._status.is_final:
            self._update(JobInfo.model_validate(self._client.get(self._path())))
        return self

    def info(self) -> JobInfo:
        """Everything the server last said about the job."""
        return self._info

    def _fetch_result(self) -> Result:
        """The Result, read as the server streams it: binary (``result_wire``) where offered, else JSON."""
        accept = f"{RESULT_CONTENT_TYPE}, application/json"
        content_type, pieces = self._client.get_pieces(self._path("/result"), accept)
        try:
            if content_type.startswith(RESULT_CONTENT_TYPE):
                return decode(pieces)
            return Result.model_validate_json(b"".join(pieces))
        except ValueError as exc:
            raise CloudError(f"the result of job {self.job_id()} from the server cannot be read: {exc}") from exc

    def _path(self, suffix: str = "") -> str:
        return f"{API_PREFIX}/jobs/{quote(self.job_id(), safe='')}{suffix}"

    def _update(self, info: JobInfo) -> None:
        status = job_status(info.status)
        with self._lock:
            self._info, self._status = info, status

    def __repr__(self) -> str:
        return f"<CloudJob('{self.job_id()}', {self._status.name})>"
