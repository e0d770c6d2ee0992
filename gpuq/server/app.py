"""The HTTP API: FastAPI routes over the job store; no simulation ever runs here.

Every route but ``/health`` and ``/metrics`` (counts only, no names) needs a
bearer token. A user sees, fetches and cancels only their own jobs: someone
else's job answers 404, exactly like a job that does not exist. Routes raise
gpuq errors; ``errors`` turns each into its HTTP status and an ``ErrorBody``
(``detail``, and ``field`` / ``limit`` when they apply).
"""

from __future__ import annotations

import datetime
import logging
import uuid
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response, StreamingResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..exceptions import (
    GpuqError,
    JobNotFoundError,
    NoResultError,
    NotAuthenticatedError,
    Rejection,
    TooManyJobsError,
)
from ..models.api import (
    API_PREFIX,
    BackendInfo,
    BackendList,
    ErrorBody,
    Health,
    JobInfo,
    JobList,
    JobSubmission,
    UserInfo,
)
from ..models.result import Result
from ..models.result_wire import CONTENT_TYPE as RESULT_CONTENT_TYPE
from ..models.result_wire import json_pieces
from .admission import admit
from .auth import authenticate
from .body import read_body
from .catalog import Catalog
from .db import DONE, STATUSES
from .errors import error_response, json_error
from .metrics import store_registry
from .store import JobRecord, JobStore
from .users import User

log = logging.getLogger("gpuq.server")

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody},
    404: {"model": ErrorBody},
    422: {"model": ErrorBody},
}


def current_user(request: Request) -> User:
    """The user of the request's bearer token; 401 without a valid one."""
    user = authenticate(request.app.state.store, request.headers.get("authorization"))
    if user is None:
        raise NotAuthenticatedError()
    return user


CurrentUser = Annotated[User, Depends(current_user)]
"""A route parameter that requires a valid token and holds its user."""


def create_app(
    store: JobStore,
    catalog: Catalog,
    version: str,
    lease: float = 30.0,
    body_timeout: float = 30.0,
    max_queued: int | None = None,
) -> FastAPI:
    """The API over ``store``, offering the backends of ``catalog``.

    ``lease`` is how recently a worker must have been seen to count as connected;
    ``body_timeout`` how long a submission's body may pause before it is refused;
    ``max_queued`` how many jobs one user may have waiting (None: no cap).
    """
    # The schema is served to token holders only (every route but /health and /metrics needs a token).
    app = FastAPI(
        title="gpuq job server", version=version, responses=_ERRORS, openapi_url=None, docs_url=None, redoc_url=None
    )
    app.state.store = store
    _add_error_handlers(app)

    def owned_job(job_id: str, user: User) -> JobRecord:
        record = store.get(job_id, user.id)
        if record is None:
            raise JobNotFoundError(job_id, user.name)
        return record

    def gpu_workers() -> int:
        return sum(store.live_workers(lease).values())

    @app.get("/health", response_model=Health)
    def health() -> Health:
        return Health(version=version, jobs=store.active_counts(), workers=len(store.live_workers(lease)))

    metrics = store_registry(store, lease)

    @app.get("/metrics", include_in_schema=False)
    def prometheus_metrics() -> Response:
        return Response(content=generate_latest(metrics), media_type=CONTENT_TYPE_LATEST)

    @app.get(f"{API_PREFIX}/openapi.json", include_in_schema=False)
    def openapi(user: CurrentUser) -> dict[str, Any]:
        return _openapi(app)

    @app.get(f"{API_PREFIX}/user", response_model=UserInfo)
    def whoami(user: CurrentUser) -> UserInfo:
        return UserInfo(name=user.name)

    @app.get(f"{API_PREFIX}/backends", response_model=BackendList)
    def list_backends(user: CurrentUser) -> BackendList:
        pending, workers = store.pending_counts(), store.live_workers(lease)
        return BackendList(backends=[catalog.info(name, pending.get(name, 0), workers) for name in catalog.names()])

    @app.get(f"{API_PREFIX}/backends/{{name}}", response_model=BackendInfo)
    def get_backend(name: str, user: CurrentUser) -> BackendInfo:
        catalog.backend(name)  # BackendNotFoundError: 404
        return catalog.info(name, store.pending_counts().get(name, 0), store.live_workers(lease))

    @app.post(
        f"{API_PREFIX}/jobs",
        response_model=JobInfo,
        status_code=201,
        openapi_extra=_SUBMISSION_BODY,
        responses={400: {"model": ErrorBody}, 413: {"model": ErrorBody}, 503: {"model": ErrorBody}},
    )
    async def submit_job(request: Request, user: CurrentUser) -> JobInfo:
        body = await read_body(request, catalog.largest_request(), body_timeout)
        admitted = await run_in_threadpool(admit, body, catalog, gpu_workers)
        if max_queued is not None:
            queued = await run_in_threadpool(store.queued_count, user.id)
            if queued >= max_queued:
                raise TooManyJobsError(user.name, max_queued)
        record = await run_in_threadpool(
            store.submit,
            user.id,
            admitted.backend,
            admitted.qobj.model_dump_json(),
            admitted.qobj.qobj_id,
            str(uuid.uuid4()),
            admitted.needs_gpu,
        )
        fields = {"user": user.name, "job_id": record.id, "backend": record.backend}
        log.info("user %s queued job %s on %s", user.name, record.id, record.backend, extra=fields)
        return await run_in_threadpool(_info, store, record)

    @app.get(f"{API_PREFIX}/jobs", response_model=JobList)
    def list_jobs(
        user: CurrentUser,
        backend: str | None = None,
        status: str | None = None,
        limit: Annotated[int, Query(ge=1, le=100)] = 10,
        before: str | None = None,
    ) -> JobList:
        if status is not None and status.upper() not in STATUSES:
            raise Rejection(f"unknown status {status!r}; use one of {', '.join(STATUSES)}", "status")
        records, cursor = store.list_jobs(user.id, backend, status.upper() if status else None, limit, before)
        positions = store.queue_positions(records)
        return JobList(jobs=[_info(store, record, positions.get(record.id)) for record in records], next=cursor)

    @app.get(f"{API_PREFIX}/jobs/{{job_id}}", response_model=JobInfo)
    def get_job(job_id: str, user: CurrentUser) -> JobInfo:
        return _info(store, owned_job(job_id, user))

    @app.get(f"{API_PREFIX}/jobs/{{job_id}}/result", responses={200: {"model": Result}, 409: {"model": ErrorBody}})
    def get_result(job_id: str, user: CurrentUser, request: Request) -> Response:
        """The Result, streamed a piece at a time: binary (``result_wire``) to clients that accept it, else JSON."""
        record = owned_job(job_id, user)
        if record.status == DONE and store.has_result_pieces(job_id):
            pieces = store.result_pieces(job_id)
            if RESULT_CONTENT_TYPE in request.headers.get("accept", ""):
                return StreamingResponse(pieces, media_type=RESULT_CONTENT_TYPE)
            return StreamingResponse(json_pieces(pieces), media_type="application/json")
        text = store.result_json(job_id) if record.status == DONE else None  # kept by an earlier release
        if text is None:
            raise NoResultError(job_id, record.status, record.error)
        return Response(content=text, media_type="application/json")

    @app.post(f"{API_PREFIX}/jobs/{{job_id}}/cancel", response_model=JobInfo)
    def cancel_job(job_id: str, user: CurrentUser) -> JobInfo:
        owned_job(job_id, user)
        record = store.cancel(job_id, user.id)
        assert record is not None
        return _info(store, record)

    return app


_SUBMISSION_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/JobSubmission"}}},
    }
}
"""The body of POST /jobs, which the route reads itself (to cap its size before parsing)."""


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The API's OpenAPI description, with the submission body and the models it nests."""
    if app.openapi_schema is None:
        schema = get_openapi(title=app.title, version=app.version, routes=app.routes)
        submission = JobSubmission.model_json_schema(ref_template="#/components/schemas/{model}")
        models = schema.setdefault("components", {}).setdefault("schemas", {})
        models.update(submission.pop("$defs", {}))
        models["JobSubmission"] = submission
        app.openapi_schema = schema
    return app.openapi_schema


def _info(store: JobStore, record: JobRecord, position: int | None = None) -> JobInfo:
    """The job's ``JobInfo``; ``position`` when already known (a listing asks for a page's in one query)."""
    if position is None:
        position = store.queue_position(record)
    return JobInfo(
        job_id=record.id,
        backend=record.backend,
        status=record.status,
        creation_date=record.created_at.replace(tzinfo=datetime.timezone.utc),
        start_date=_utc(record.started_at),
        end_date=_utc(record.finished_at),
        queue_position=position,
        error_message=record.error,
        cancel_requested=record.cancel_requested,
        attempts=record.attempts,
        note=record.note,
        qobj_id=record.qobj_id,
    )


def _utc(value: datetime.datetime | None) -> datetime.datetime | None:
    return None if value is None else value.replace(tzinfo=datetime.timezone.utc)


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(GpuqError)
    async def _gpuq(_request: Request, exc: GpuqError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return json_error(exc.status_code, str(exc.detail), headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        loc = [str(part) for part in first.get("loc", ()) if part not in ("query", "path", "body", "header")]
        field = ".".join(loc) or None
        return error_response(Rejection(first.get("msg", "invalid request"), field))

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        return error_response(exc)
