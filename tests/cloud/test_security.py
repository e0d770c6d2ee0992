"""Access and admission: tokens, other users' jobs, and bad or oversized requests, on a real server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

import gpuq
from gpuq import AccountError, CloudError
from gpuq.providers.cloud import CloudProvider

from .helpers import ServerProcess, add_user, basis_circuit

pytestmark = pytest.mark.cloud

LIMITS = {
    "default": {"max_request_bytes": 65536, "max_shots": 5000, "max_experiments": 4},
    "backends": {"qasm_simulator": {"max_qubits": 5}},
}


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """One server for the module (no workers: admission needs none), with small caps, and two users."""
    directory: Path = tmp_path_factory.mktemp("lab")
    (directory / "limits.json").write_text(json.dumps(LIMITS))
    db_url = f"sqlite:///{directory / 'jobs.db'}"
    tokens = {name: add_user(db_url, name) for name in ("alice", "bob")}
    server = ServerProcess(db_url, directory, workers=0, extra=["--limits", str(directory / "limits.json")]).start()
    yield server, tokens
    server.stop()


def _api(server: ServerProcess, path: str) -> str:
    return f"{server.url}/api/v1{path}"


def _qobj(
    nqubits: int = 2, header: dict | None = None, first: dict | None = None, memory_slots: int = 1, **config
) -> dict:
    """A one-experiment Qobj; ``header`` is the experiment's, ``first`` replaces its first instruction."""
    return {
        "config": config,
        "experiments": [
            {
                "config": {"n_qubits": nqubits, "memory_slots": memory_slots},
                "header": header or {},
                "instructions": [
                    first or {"name": "h", "qubits": [0]},
                    {"name": "measure", "qubits": [0], "memory": [0]},
                ],
            }
        ],
    }


def _nested(depth: int) -> dict:
    """``{"a": {"a": ... {}}}``, ``depth`` objects deep."""
    value: dict = {}
    for _ in range(depth - 1):
        value = {"a": value}
    return value


ENDPOINTS = [
    ("GET", "/openapi.json"),
    ("GET", "/backends"),
    ("GET", "/backends/qasm_simulator"),
    ("GET", "/jobs"),
    ("GET", "/user"),
    ("POST", "/jobs"),
    ("GET", "/jobs/x"),
    ("GET", "/jobs/x/result"),
    ("POST", "/jobs/x/cancel"),
]


@pytest.mark.parametrize("method,path", ENDPOINTS)
@pytest.mark.parametrize("header", [None, "Bearer not-a-token", "Basic YWxpY2U6eA==", "Bearer "])
def test_every_endpoint_needs_a_valid_token(lab, method, path, header):
    server, _ = lab
    headers = {"Authorization": header} if header else {}
    answer = requests.request(method, _api(server, path), headers=headers, json={}, timeout=10)
    assert answer.status_code == 401
    assert "bearer token" in answer.json()["detail"]
    assert answer.headers["www-authenticate"] == "Bearer"


def test_health_needs_no_token(lab):
    server, _ = lab
    assert requests.get(f"{server.url}/health", timeout=10).json()["status"] == "ok"


def test_the_schema_is_for_token_holders(lab):
    server, tokens = lab
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert requests.get(f"{server.url}{path}", timeout=10).status_code == 404
    schema = requests.get(
        _api(server, "/openapi.json"), headers={"Authorization": f"Bearer {tokens['alice']}"}, timeout=10
    ).json()
    assert "/api/v1/jobs" in schema["paths"] and "Qobj" in schema["components"]["schemas"]


def test_a_bad_token_is_an_account_error(lab):
    server, _ = lab
    with pytest.raises(AccountError) as caught:
        CloudProvider().enable_account("gpuq_wrong", server.url)
    assert caught.value.status_code == 401 and "bearer token" in caught.value.server_message


def test_other_users_jobs_are_invisible(lab):
    server, tokens = lab
    alice = CloudProvider().enable_account(tokens["alice"], server.url)
    bob = CloudProvider().enable_account(tokens["bob"], server.url)
    job = alice.get_backend("qasm_simulator").run(basis_circuit(1), shots=10)
    for call in (
        lambda: bob.retrieve_job(job.job_id()),
        lambda: bob.get_backend("qasm_simulator").retrieve_job(job.job_id()),
    ):
        with pytest.raises(CloudError) as caught:
            call()
        assert caught.value.status_code == 404
    headers = {"Authorization": f"Bearer {tokens['bob']}"}
    for method, suffix in (("GET", ""), ("GET", "/result"), ("POST", "/cancel")):
        answer = requests.request(method, _api(server, f"/jobs/{job.job_id()}{suffix}"), headers=headers, timeout=10)
        assert answer.status_code == 404, (method, suffix)
    assert job.job_id() not in [j.job_id() for j in bob.jobs(limit=100)]
    assert job.job_id() in [j.job_id() for j in alice.jobs(limit=100)]
    assert alice.retrieve_job(job.job_id()).status() is gpuq.JobStatus.QUEUED  # bob's cancel did nothing


@pytest.mark.parametrize(
    "body,status,field,words",
    [
        (b"{not json", 400, "body", "not valid JSON"),
        (b"", 400, "body", "no body"),
        (b"[1, 2]", 422, "body", "expected a JSON object"),
        (json.dumps({"qobj": _qobj()}).encode(), 422, "backend", "Field required"),
        (json.dumps({"backend": "nope", "qobj": _qobj()}).encode(), 422, "backend", "no backend named 'nope'"),
        (
            json.dumps({"backend": "qasm_simulator", "qobj": _qobj(nqubits="two")}).encode(),
            422,
            "qobj.experiments.0.config.n_qubits",
            "valid integer",
        ),
        (
            json.dumps({"backend": "qasm_simulator", "qobj": {"experiments": []}}).encode(),
            422,
            "qobj.experiments",
            "at least 1",
        ),
        (
            json.dumps({"backend": "qasm_simulator", "qobj": _qobj(shotz=5)}).encode(),
            422,
            "qobj.config.shotz",
            "unknown option",
        ),
        (
            json.dumps({"backend": "qasm_simulator", "qobj": _qobj(shots=-1)}).encode(),
            422,
            "qobj.config.shots",
            "greater than or equal to 1",
        ),
        # Strict types, finite numbers and bounded depth at the door, not an ERROR job or a 500 later.
        (
            json.dumps({"backend": "qasm_simulator", "qobj": _qobj(shots=True)}).encode(),
            422,
            "qobj.config.shots",
            "valid integer",
        ),
        (
            json.dumps({"backend": "qasm_simulator", "qobj": _qobj(shots="100")}).encode(),
            422,
            "qobj.config.shots",
            "valid integer",
        ),
        (
            json.dumps({"backend": "qasm_simulator", "qobj": _qobj(header={"global_phase": float("nan")})}).encode(),
            422,
            "qobj.experiments.0.header.global_phase",
            "not a finite number",
        ),
        (
            json.dumps({"backend": "qasm_simulator", "qobj": _qobj(header={"global_phase": float("inf")})}).encode(),
            422,
            "qobj.experiments.0.header.global_phase",
            "not a finite number",
        ),
        (
            json.dumps({"backend": "qasm_simulator", "qobj": _qobj(header={"deep": _nested(250)})}).encode(),
            422,
            "qobj.experiments.0.header.deep" + ".a" * 27,
            "more than 32 levels deep",
        ),
        (
            json.dumps({"backend": "qasm_simulator", "qobj": _qobj(header={"deep": _nested(400)})}).encode(),
            422,
            "qobj.experiments.0.header.deep" + ".a" * 27,
            "more than 32 levels deep",
        ),
        (
            json.dumps(
                {"backend": "qasm_simulator", "qobj": _qobj(first={"name": "unitary", "qubits": [0], "matrix": []})}
            ).encode(),
            422,
            "qobj.experiments.0.instructions.0.matrix",
            "at least 1 item",
        ),
    ],
)
def test_malformed_submissions_name_the_field(lab, body, status, field, words):
    server, tokens = lab
    answer = requests.post(
        _api(server, "/jobs"),
        data=body,
        timeout=10,
        headers={"Authorization": f"Bearer {tokens['alice']}", "Content-Type": "application/json"},
    )
    assert answer.status_code == status, answer.text
    error = answer.json()
    assert error["field"] == field and words in error["detail"], error


@pytest.mark.parametrize(
    "qobj,field,limit",
    [
        (_qobj(nqubits=6), "qobj.experiments.0.config.n_qubits", 5),
        (_qobj(shots=5001), "qobj.config.shots", 5000),
        ({**_qobj(), "experiments": _qobj()["experiments"] * 5}, "qobj.experiments", 4),
        # A few hundred bytes asking for a result of gigabytes: every shot's outcome, 100001 bits wide.
        (_qobj(shots=5000, memory=True, memory_slots=100_001), "qobj.experiments.0", 128 * 2**20),
        (_qobj(shots=5000, memory_slots=200_001), "qobj.experiments.0", 128 * 2**20),
        (
            {**_qobj(shots=5000, memory=True), "experiments": _qobj(memory_slots=14_000)["experiments"] * 4},
            "qobj.experiments",
            128 * 2**20,
        ),
    ],
)
def test_caps_are_enforced_before_queueing(lab, qobj, field, limit):
    server, tokens = lab
    backend = CloudProvider().enable_account(tokens["alice"], server.url).get_backend("qasm_simulator")
    before = backend.status().pending_jobs
    with pytest.raises(CloudError) as caught:
        backend.run(qobj)
    assert caught.value.status_code == 422
    assert field in caught.value.server_message and f"limit of {limit}" in caught.value.server_message
    assert (caught.value.field, caught.value.limit) == (field, limit)
    assert backend.status().pending_jobs == before


def test_gpu_jobs_need_a_worker_with_a_gpu(lab):
    server, tokens = lab
    cloud = CloudProvider().enable_account(tokens["alice"], server.url)
    backend = cloud.get_backend("qasm_simulator_gpu")
    assert not backend.status().operational and "GPU" in backend.status().status_msg
    with pytest.raises(CloudError) as caught:
        backend.run(basis_circuit(1), shots=10)
    assert caught.value.status_code == 503 and "no worker with a usable GPU" in caught.value.server_message
    with pytest.raises(CloudError) as caught:
        cloud.get_backend("qasm_simulator").run(basis_circuit(1), shots=10, device="gpu")
    assert caught.value.status_code == 503


def test_caps_are_published_in_the_configuration(lab):
    server, tokens = lab
    config = CloudProvider().enable_account(tokens["alice"], server.url).get_backend("qasm_simulator").configuration()
    assert (config.n_qubits, config.max_shots, config.max_experiments) == (5, 5000, 4)
    assert config.extra["max_request_bytes"] == 65536


@pytest.mark.parametrize("chunked", [False, True])
def test_oversized_body_is_refused_and_the_server_goes_on(lab, chunked):
    server, tokens = lab
    qobj = _qobj()
    qobj["header"] = {"padding": "x" * 200_000}
    body = json.dumps({"backend": "qasm_simulator", "qobj": qobj}).encode()
    data = iter([body[i : i + 8192] for i in range(0, len(body), 8192)]) if chunked else body
    answer = requests.post(
        _api(server, "/jobs"),
        data=data,
        timeout=30,
        headers={"Authorization": f"Bearer {tokens['alice']}", "Content-Type": "application/json"},
    )
    assert answer.status_code == 413
    assert answer.json()["field"] == "body" and answer.json()["limit"] == 65536
    assert "65536" in answer.json()["detail"]
    assert server.healthy()


@pytest.mark.parametrize("qobj_id,words", [("x" * 201, "over the limit of 200"), ("a\x00b", "NUL character")])
def test_strings_no_store_can_keep_are_refused_without_echoing_sql(db_url, servers, qobj_id, words):
    token = add_user(db_url, "alice")
    server = servers(db_url, workers=0)
    body = json.dumps({"backend": "qasm_simulator", "qobj": {**_qobj(), "qobj_id": qobj_id}}).encode()
    answer = requests.post(
        _api(server, "/jobs"),
        data=body,
        timeout=30,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert answer.status_code == 422 and "INSERT" not in answer.text and "gpuq_jobs" not in answer.text, answer.text
    assert answer.json()["field"] == "qobj.qobj_id" and words in answer.json()["detail"]


def test_one_user_cannot_fill_the_queue(sqlite_url, servers):
    tokens = {name: add_user(sqlite_url, name) for name in ("alice", "bob")}
    server = servers(sqlite_url, workers=0, extra=["--max-queued-jobs", "2"])
    alice = CloudProvider().enable_account(tokens["alice"], server.url).get_backend("qasm_simulator")
    waiting = [alice.run(basis_circuit(value), shots=5) for value in range(2)]
    with pytest.raises(CloudError) as caught:
        alice.run(basis_circuit(3), shots=5)
    assert (caught.value.status_code, caught.value.field, caught.value.limit) == (429, "user", 2)
    assert "already has 2 jobs waiting" in caught.value.server_message
    bob = CloudProvider().enable_account(tokens["bob"], server.url).get_backend("qasm_simulator")
    assert bob.run(basis_circuit(1), shots=5).status() is gpuq.JobStatus.QUEUED  # others are not held up
    assert waiting[0].cancel()
    assert alice.run(basis_circuit(3), shots=5).status() is gpuq.JobStatus.QUEUED  # room again


def test_server_keeps_serving_after_bad_requests(lab):
    server, tokens = lab
    headers = {"Authorization": f"Bearer {tokens['alice']}"}
    for body in (b"\xff\xfe", b"{" * 100_000 + b"}" * 100_000, b'{"backend": 1, "qobj": null}'):
        answer = requests.post(_api(server, "/jobs"), data=body, headers=headers, timeout=30)
        assert 400 <= answer.status_code < 500, answer.text
    assert requests.get(_api(server, "/jobs?limit=0"), headers=headers, timeout=10).status_code == 422
    assert requests.get(_api(server, "/jobs?status=nope"), headers=headers, timeout=10).json()["field"] == "status"
    job = (
        CloudProvider()
        .enable_account(tokens["alice"], server.url)
        .get_backend("qasm_simulator")
        .run(basis_circuit(2), shots=5)
    )
    assert job.status() is gpuq.JobStatus.QUEUED  # accepted: no workers on this server, so it waits
    assert server.healthy()


def test_saved_credentials_are_private(config_dir_private):
    path = Path(CloudProvider.save_account("gpuq_secret_token_123456", "http://127.0.0.1:9/"))
    assert path.parent == config_dir_private
    assert oct(path.stat().st_mode & 0o777) == oct(0o600)
    assert oct(path.parent.stat().st_mode & 0o777) == oct(0o700)
    assert "gpuq_secret_token_123456" in path.read_text()
    listed = CloudProvider.saved_accounts()
    assert listed["default"]["url"] == "http://127.0.0.1:9"
    assert "secret_token" not in listed["default"]["token"]


@pytest.fixture
def config_dir_private(tmp_path, monkeypatch):
    path = tmp_path / "deep" / "config"
    monkeypatch.setenv("GPUQ_CONFIG_DIR", str(path))
    return path


def test_job_timeout_is_bounded(lab):
    """``result(timeout)`` returns control on time even though the job never runs."""
    server, tokens = lab
    job = (
        CloudProvider()
        .enable_account(tokens["alice"], server.url)
        .get_backend("qasm_simulator")
        .run(basis_circuit(0), shots=5)
    )
    with pytest.raises(gpuq.JobTimeoutError, match="still QUEUED"):
        job.result(timeout=0.3, wait=0.05)
    assert job.cancel() and job.status() is gpuq.JobStatus.CANCELLED
