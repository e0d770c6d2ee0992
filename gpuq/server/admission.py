"""Decide whether a job submission may be queued: JSON, schema, caps, options and instructions.

Everything a worker would reject for the request's own sake is rejected
here, before anything is stored, as a ``Rejection`` naming the field at fault
and, for a cap, the limit (``errors.HTTP_STATUS`` picks the HTTP status).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import pydantic

from ..exceptions import BackendNotFoundError, MalformedRequestError, NoWorkerError, QobjValidationError, Rejection
from ..models.api import JobSubmission
from ..models.options import RunOptions
from ..models.qobj import Qobj
from ..models.validation import qobj_error
from ..providers.local.prepare import prepare
from .catalog import Catalog
from .db import QOBJ_ID_LENGTH
from .jsonshape import check_json_shape
from .limits import BackendLimits, check_qobj, check_request_bytes


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
        Rejection: the first problem found, naming its field and, for a cap, the limit.
    """
    data = _parse_json(body)
    name = data.get("backend")
    if isinstance(name, str):
        check_request_bytes(len(body), _limits(catalog, name))
    check_json_shape(data)
    try:
        # Strict: JSON types as the schema says them ("shots": "100" or true is no integer).
        submission = JobSubmission.model_validate_json(body, strict=True)
    except pydantic.ValidationError as exc:
        error = qobj_error(exc)
        raise Rejection(error.reason, error.path or None) from exc
    backend = catalog.backend(submission.backend)
    qobj = submission.qobj
    if len(qobj.qobj_id) > QOBJ_ID_LENGTH:
        raise Rejection(
            f"{len(qobj.qobj_id)} characters is over the limit of {QOBJ_ID_LENGTH}", "qobj.qobj_id", QOBJ_ID_LENGTH
        )
    try:
        prepared = prepare(qobj, backend, check_devices=False)
        options = prepared.options
        check_qobj(
            qobj, prepared.shots, catalog.limits_for(submission.backend), method=backend.method, memory=options.memory
        )
    except QobjValidationError as exc:
        raise Rejection(exc.reason, f"qobj.{exc.path}" if exc.path else "qobj") from exc
    needs_gpu = backend.device == "gpu" or options.device == "gpu"
    if needs_gpu and gpu_workers() == 0:
        raise NoWorkerError(backend.name())
    return Admitted(backend.name(), qobj, options, needs_gpu)


def _limits(catalog: Catalog, name: str) -> BackendLimits:
    """The caps of the backend ``name``; a name the server does not offer is the request's fault."""
    try:
        return catalog.limits_for(name)
    except BackendNotFoundError as exc:
        raise Rejection(str(exc), "backend") from exc


def _parse_json(body: bytes) -> dict:
    if not body:
        raise MalformedRequestError("the request has no body; send a JSON object with 'backend' and 'qobj'", "body")
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise MalformedRequestError(f"not valid JSON: {exc}", "body") from exc
    if not isinstance(data, dict):
        raise Rejection(f"expected a JSON object with 'backend' and 'qobj', got {type(data).__name__}", "body")
    return data
