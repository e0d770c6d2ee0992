"""Decide whether a job submission may be queued: JSON, schema, caps, options and instructions.

Everything a worker would reject for the request's own sake is rejected
here, before anything is stored, with the HTTP status to answer, the path of
the field at fault and, for a cap, the limit.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import pydantic

from ..exceptions import BackendNotFoundError, GpuqError, QobjValidationError
from ..models.qobj import Qobj
from ..models.validation import qobj_error
from ..models.options import RunOptions
from ..providers.local.prepare import prepare
from .catalog import Catalog
from .limits import LimitExceeded, check_qobj, check_request_bytes
from .schemas import JobSubmission


class Rejection(GpuqError):
    """A request that cannot be accepted, with the answer to give.

    Attributes:
        status_code: the HTTP status (400, 413, 422, or 503 when no worker can run the job).
        field: dotted path of the offending field, when one is at fault.
        limit: the cap that was exceeded, when one was.
    """

    def __init__(self, status_code: int, message: str, field: str | None = None, limit: int | None = None):
        self.status_code = status_code
        self.field = field
        self.limit = limit
        super().__init__(message)


@dataclass(frozen=True)
class Admitted:
    """A submission that passed every check."""

    backend: str
    qobj: Qobj
    options: RunOptions
    needs_gpu: bool


def admit(body: bytes, catalog: Catalog, gpu_workers: Callable[[], int]) -> Admitted:
    """Check a ``POST /api/v1/jobs`` body.

    Args:
        body: the request body.
        catalog: the backends on offer, with their caps.
        gpu_workers: how many live workers have a usable GPU (asked only for a job that needs one).

    Raises:
        Rejection: the first problem found, with its status, field and limit.
    """
    data = _parse_json(body)
    name = data.get("backend")
    if isinstance(name, str):
        try:
            check_request_bytes(len(body), catalog.limits_for(name))
        except BackendNotFoundError as exc:
            raise Rejection(422, f"backend: {exc}", "backend") from exc
        except LimitExceeded as exc:
            raise Rejection(exc.status_code, str(exc), exc.field, exc.limit) from exc
    try:
        submission = JobSubmission.model_validate(data)
    except pydantic.ValidationError as exc:
        error = qobj_error(exc)
        raise Rejection(422, str(error), error.path or None) from exc
    backend = catalog.backend(submission.backend)
    qobj = submission.qobj
    try:
        prepared = prepare(qobj, backend, check_devices=False)
        options = prepared.options
        check_qobj(qobj, prepared.shots, catalog.limits_for(submission.backend))
    except LimitExceeded as exc:
        raise Rejection(exc.status_code, str(exc), exc.field, exc.limit) from exc
    except QobjValidationError as exc:
        path = f"qobj.{exc.path}" if exc.path else "qobj"
        message = str(exc).removeprefix(f"{exc.path}: ") if exc.path else str(exc)
        raise Rejection(422, f"{path}: {message}", path) from exc
    needs_gpu = backend.device == "gpu" or options.device == "gpu"
    if needs_gpu and gpu_workers() == 0:
        raise Rejection(503, f"backend: {backend.name()} needs a GPU, and no worker with a usable GPU is connected "
                             "to this server; use a backend that is not pinned to the GPU, or ask its administrator",
                        "backend")
    return Admitted(backend.name(), qobj, options, needs_gpu)


def _parse_json(body: bytes) -> dict:
    if not body:
        raise Rejection(400, "body: the request has no body; send a JSON object with 'backend' and 'qobj'", "body")
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise Rejection(400, f"body: not valid JSON: {exc}", "body") from exc
    if not isinstance(data, dict):
        raise Rejection(422, f"body: expected a JSON object with 'backend' and 'qobj', got {type(data).__name__}",
                        "body")
    return data
