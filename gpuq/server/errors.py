"""The HTTP answer to every error: one table of statuses, one body shape.

Routes and admission raise gpuq errors and never choose a status; the
status of an error is that of the nearest class in its ancestry listed in
``HTTP_STATUS``. Anything else is a bug of the server: it answers 500 with an
error id that the log repeats, and never with the exception's text, which
may quote SQL or paths.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping

from fastapi.responses import JSONResponse

from ..exceptions import (
    BackendNotFoundError,
    ClientGoneError,
    JobNotFoundError,
    MalformedRequestError,
    NoResultError,
    NotAuthenticatedError,
    NoWorkerError,
    QobjValidationError,
    Rejection,
    RequestTimeoutError,
    RequestTooLargeError,
    TooManyJobsError,
)
from ..models.api import ErrorBody

log = logging.getLogger("gpuq.server")

HTTP_STATUS: dict[type[Exception], int] = {
    MalformedRequestError: 400,
    ClientGoneError: 400,
    NotAuthenticatedError: 401,
    BackendNotFoundError: 404,
    JobNotFoundError: 404,
    RequestTimeoutError: 408,
    NoResultError: 409,
    RequestTooLargeError: 413,
    Rejection: 422,
    TooManyJobsError: 429,
    QobjValidationError: 422,
    NoWorkerError: 503,
}
"""The HTTP status of each error class the API answers with; subclasses inherit their parent's."""


def http_status(exc: BaseException) -> int | None:
    """The status ``HTTP_STATUS`` gives the error's class or its nearest listed ancestor; None if none is listed."""
    for cls in type(exc).__mro__:
        if cls in HTTP_STATUS:
            return HTTP_STATUS[cls]
    return None


def error_response(exc: Exception) -> JSONResponse:
    """The answer to an error raised while serving a request."""
    status = http_status(exc)
    if status is None:
        error_id = uuid.uuid4().hex[:12]
        log.error("internal error %s while answering a request", error_id, exc_info=exc)
        return json_error(500, f"internal server error (error id {error_id} in the server's log)")
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, NotAuthenticatedError) else None
    if isinstance(exc, Rejection):
        return json_error(status, str(exc), exc.field, exc.limit, headers)
    field = exc.path or None if isinstance(exc, QobjValidationError) else None
    return json_error(status, str(exc), field, headers=headers)


def json_error(
    status: int,
    detail: str,
    field: str | None = None,
    limit: int | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """An ``ErrorBody`` answer."""
    body = ErrorBody(detail=detail, field=field, limit=limit).model_dump()
    return JSONResponse(status_code=status, content=body, headers=dict(headers) if headers else None)
