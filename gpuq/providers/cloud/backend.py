"""Backends of a gpuq server: the same ``run``, ``configuration``, ``properties``, ``status`` as local ones.

A cloud backend also lists the caller's past jobs on it and picks one up by
id, so work submitted from one Python session can be collected in another.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ...circuit.quantumcircuit import QuantumCircuit
from ...exceptions import JobError
from ...models.api import API_PREFIX, BackendInfo, JobInfo, JobList
from ...models.backend import BackendConfiguration, BackendProperties, BackendStatus
from ...models.options import QobjConfig, validate_options
from ...models.qobj import Qobj
from ...models.validation import load_qobj
from ..base import BaseBackend, JobStatus
from .client import CloudClient
from .job import CloudJob

if TYPE_CHECKING:
    from .provider import CloudProvider

_PAGE = 100
"""The most jobs the server returns in one page."""


class CloudBackend(BaseBackend):
    """A simulator on a gpuq server."""

    def __init__(self, provider: CloudProvider, client: CloudClient, info: BackendInfo):
        self._provider = provider
        self._client = client
        self._info = info

    def name(self) -> str:
        """The backend's name on the server, e.g. ``qasm_simulator_gpu``."""
        return self._info.name

    def configuration(self) -> BackendConfiguration:
        """What the backend accepts, with the server's caps (``n_qubits``, ``max_shots``, ``max_experiments``)."""
        return self._info.configuration

    def properties(self) -> BackendProperties:
        """Its properties (a noiseless simulator has none to report)."""
        return self._info.properties

    def status(self) -> BackendStatus:
        """Whether it takes jobs, and how many wait in the server's queue now (asks the server)."""
        info = BackendInfo.model_validate(self._client.get(f"{API_PREFIX}/backends/{quote(self.name(), safe='')}"))
        self._info = info
        return info.status

    def run(self, qobj: Qobj | dict | QuantumCircuit | Sequence[QuantumCircuit], **options: Any) -> CloudJob:
        """Validate and submit a Qobj (or circuits, compiled here); returns the job once the server queued it.

        Options (``shots``, ``seed_simulator``, ``precision``, ...) override the
        Qobj's config. The server checks the Qobj again, with its caps.

        Raises:
            QobjValidationError: a bad Qobj or an unknown option, naming the field.
            CloudError: the server refused the job (the message names the field and the limit).
        """
        qobj = load_qobj(self._compiled(qobj, options))
        if options:
            config = qobj.config.model_dump(exclude_none=True) | validate_options(options, "config")
            qobj = qobj.model_copy(update={"config": QobjConfig.model_validate(config)})
        body = f'{{"backend": {json.dumps(self.name())}, "qobj": {qobj.model_dump_json()}}}'.encode()
        return CloudJob(self, JobInfo.model_validate(self._client.post(f"{API_PREFIX}/jobs", body)))

    def jobs(self, limit: int = 10, status: JobStatus | str | None = None) -> list[CloudJob]:
        """The caller's jobs on this backend, newest first."""
        return [CloudJob(self, info) for info in list_jobs(self._client, limit, status, self.name())]

    def retrieve_job(self, job_id: str) -> CloudJob:
        """A job of the caller's on this backend, by id.

        Raises:
            CloudError: no such job for this user (HTTP 404).
            JobError: the job ran on another backend.
        """
        info = fetch_job(self._client, job_id)
        if info.backend != self.name():
            raise JobError(
                f"job {job_id} was submitted to {info.backend!r}, not {self.name()!r}; "
                "use gpuq.Cloud.retrieve_job(job_id)"
            )
        return CloudJob(self, info)


def fetch_job(client: CloudClient, job_id: str) -> JobInfo:
    """Where one of the caller's jobs stands."""
    return JobInfo.model_validate(client.get(f"{API_PREFIX}/jobs/{quote(job_id, safe='')}"))


def list_jobs(
    client: CloudClient, limit: int, status: JobStatus | str | None, backend_name: str | None
) -> list[JobInfo]:
    """Up to ``limit`` of the caller's jobs, newest first, fetched page by page."""
    status_name = status.name if isinstance(status, JobStatus) else (status.upper() if status else None)
    found: list[JobInfo] = []
    cursor = None
    while len(found) < limit:
        params: dict[str, Any] = {"limit": min(_PAGE, limit - len(found))}
        params.update({k: v for k, v in (("status", status_name), ("backend", backend_name), ("before", cursor)) if v})
        page = JobList.model_validate(client.get(f"{API_PREFIX}/jobs", params=params))
        found.extend(page.jobs)
        cursor = page.next
        if cursor is None:
            break
    return found
