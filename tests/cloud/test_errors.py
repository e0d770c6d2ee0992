"""The API's one table of HTTP statuses, and what an error answer may say."""

from __future__ import annotations

import json

import pytest

from gpuq.exceptions import (
    BackendNotFoundError,
    ClientGoneError,
    JobNotFoundError,
    LimitExceeded,
    MalformedRequestError,
    NoResultError,
    NotAuthenticatedError,
    NoWorkerError,
    Rejection,
    RequestTimeoutError,
    RequestTooLargeError,
    TooManyJobsError,
)
from gpuq.server.errors import error_response


@pytest.mark.parametrize(
    "error,status",
    [
        (MalformedRequestError("not valid JSON", "body"), 400),
        (ClientGoneError(10), 400),
        (NotAuthenticatedError(), 401),
        (RequestTimeoutError(1.5), 408),
        (JobNotFoundError("j1", "alice"), 404),
        (BackendNotFoundError("nope", ["qasm_simulator"]), 404),
        (NoResultError("j1", "RUNNING"), 409),
        (RequestTooLargeError("body", 1024, 4096), 413),
        (LimitExceeded("qobj.config.shots", 10, 11, "shots"), 422),
        (Rejection("unknown status 'X'", "status"), 422),
        (TooManyJobsError("alice", 5), 429),
        (NoWorkerError("qasm_simulator_gpu"), 503),
    ],
)
def test_each_error_has_its_status_and_names_its_field(error, status):
    answer = error_response(error)
    body = json.loads(answer.body)
    assert answer.status_code == status and body["detail"] == str(error)
    assert body["field"] == getattr(error, "field", None) and body["limit"] == getattr(error, "limit", None)
    assert ("WWW-Authenticate" in answer.headers) == (status == 401)


def test_an_unexpected_error_answers_500_without_its_text(caplog):
    answer = error_response(RuntimeError('INSERT INTO gpuq_jobs (id) VALUES ("secret")'))
    body = json.loads(answer.body)
    assert answer.status_code == 500 and "secret" not in answer.body.decode() and "INSERT" not in body["detail"]
    error_id = body["detail"].split("error id ")[1].split(" ")[0]
    assert error_id in caplog.text and "secret" in caplog.text  # the log keeps it, for the administrator
