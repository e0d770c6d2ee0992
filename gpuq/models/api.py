"""The job server's HTTP bodies, around the Qobj and Result wire format.

Shared by the server (``gpuq.server``) and the cloud client
(``gpuq.providers.cloud``); it lives here, with the other wire models, so
that the client never imports the server package and its dependencies.
"""

from __future__ import annotations

import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .backend import BackendConfiguration, BackendProperties, BackendStatus
from .qobj import Qobj

API_PREFIX = "/api/v1"


class JobSubmission(BaseModel):
    """``POST /api/v1/jobs``: a Qobj for a named backend.

    Run options go in ``qobj.config`` (``shots``, ``seed_simulator``,
    ``precision``, ...), where the backend's option model checks them.
    """

    model_config = ConfigDict(extra="forbid")

    backend: str = Field(min_length=1, max_length=200)
    qobj: Qobj


class JobInfo(BaseModel):
    """Where a job stands."""

    job_id: str
    backend: str
    status: str = Field(description="QUEUED, RUNNING, DONE, ERROR or CANCELLED")
    creation_date: datetime.datetime
    start_date: datetime.datetime | None = None
    end_date: datetime.datetime | None = None
    queue_position: int | None = Field(None, description="1 for the next job to run; null when not queued")
    error_message: str | None = None
    cancel_requested: bool = False
    attempts: int = 0
    note: str | None = Field(None, description="why the job was requeued or stopped, when it was")
    qobj_id: str = ""


class JobList(BaseModel):
    """A page of jobs, newest first; pass ``next`` as ``before`` to get the following page."""

    jobs: list[JobInfo]
    next: str | None = None


class BackendInfo(BaseModel):
    """A backend of the server: what it is, its properties, and its queue."""

    name: str
    configuration: BackendConfiguration
    properties: BackendProperties
    status: BackendStatus


class BackendList(BaseModel):
    """Every backend of the server."""

    backends: list[BackendInfo]


class UserInfo(BaseModel):
    """The user a token belongs to."""

    name: str


class Health(BaseModel):
    """``GET /health``: the server answers; how many jobs are queued and running, how many workers are connected."""

    status: str = "ok"
    version: str
    jobs: dict[str, int] = Field(default_factory=dict)
    workers: int = 0


class ErrorBody(BaseModel):
    """Every error answer: what went wrong and, when it applies, the field and the limit."""

    detail: str
    field: str | None = None
    limit: Any | None = None
