"""Results through a real server: streamed in pieces, binary to gpuq clients, JSON to others, bounded in API memory.

Issue 19 item 2: four parallel fetches of a 352 MB result took the API
from 117 MiB to 2.4 GiB, because each fetch held the whole result as text
and again as the answer's body.
"""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest
import requests

from gpuq import Local, QuantumCircuit
from gpuq.models.result import Result
from gpuq.models.result_wire import CONTENT_TYPE, decode
from gpuq.providers.cloud import CloudProvider
from gpuq.server.auth import add_user
from gpuq.server.store import JobStore

from .helpers import JOB_TIMEOUT

pytestmark = pytest.mark.cloud


def _token(db_url: str) -> str:
    store = JobStore(db_url)
    try:
        return add_user(store, "alice")
    finally:
        store.close()


def _circuit(nqubits: int) -> QuantumCircuit:
    """Distinct amplitudes everywhere (nothing for compression to fold away)."""
    circuit = QuantumCircuit(nqubits, name="product")
    for qubit in range(nqubits):
        circuit.ry(0.3 + 0.17 * qubit, qubit)
        circuit.rz(0.11 + 0.05 * qubit, qubit)
    return circuit


def _vm_hwm_kib(pid: int) -> int:
    """Peak resident memory of a process so far (KiB)."""
    with open(f"/proc/{pid}/status", encoding="ascii") as handle:
        return next(int(line.split()[1]) for line in handle if line.startswith("VmHWM:"))


def test_a_statevector_comes_back_exactly_as_binary_and_as_json(db_url, servers):
    token = _token(db_url)
    server = servers(db_url, workers=1)
    circuit = _circuit(10)
    job = CloudProvider().enable_account(token, server.url).get_backend("statevector_simulator_cpu").run(circuit)
    cloud = job.result(timeout=JOB_TIMEOUT).get_statevector()
    local = Local.get_backend("statevector_simulator_cpu").run(circuit).result().get_statevector()
    assert cloud.dtype == local.dtype and np.allclose(cloud, local, rtol=0, atol=1e-12)

    url, auth = f"{server.url}/api/v1/jobs/{job.job_id()}/result", {"Authorization": f"Bearer {token}"}
    binary = requests.get(url, headers={**auth, "Accept": CONTENT_TYPE}, timeout=60)
    assert binary.headers["content-type"] == CONTENT_TYPE
    assert np.array_equal(decode([binary.content]).get_statevector(), cloud)
    plain = requests.get(url, headers=auth, timeout=60)  # a client that knows only JSON
    assert plain.headers["content-type"] == "application/json"
    assert np.array_equal(Result.model_validate_json(plain.content).get_statevector(), cloud)
    assert len(binary.content) < len(plain.content) / 2


def test_parallel_fetches_of_a_large_result_hold_the_api_to_pieces(sqlite_url, servers):
    token = _token(sqlite_url)
    server = servers(sqlite_url, workers=1)
    backend = CloudProvider().enable_account(token, server.url).get_backend("statevector_simulator_cpu")
    job = backend.run(_circuit(20))
    job.wait_for_final_state(timeout=JOB_TIMEOUT)
    url, auth = f"{server.url}/api/v1/jobs/{job.job_id()}/result", {"Authorization": f"Bearer {token}"}
    before = _vm_hwm_kib(server.process.pid)
    sizes, errors = [], []

    def fetch() -> None:
        try:
            with requests.get(url, headers=auth, timeout=300, stream=True) as answer:
                sizes.append(sum(len(piece) for piece in answer.iter_content(1 << 16)))
        except requests.RequestException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=fetch) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    growth_bytes = (_vm_hwm_kib(server.process.pid) - before) * 1024
    assert not errors and len(sizes) == 4 and len(set(sizes)) == 1
    # Holding the result whole, even once, would grow the API by its size; four at once, by four times it.
    assert growth_bytes < sizes[0], f"the API grew by {growth_bytes} bytes for a {sizes[0]}-byte result"
    vector = job.result().get_statevector()  # the client reads the same result, binary, in pieces
    assert vector.shape == (1 << 20,) and np.isclose(np.vdot(vector, vector).real, 1.0)
    assert json.loads(requests.get(f"{server.url}/health", timeout=30).text)["status"] == "ok"
