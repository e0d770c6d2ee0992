"""Noisy jobs through the real job server: the noise model (with bindings and observables) travels in the
Qobj and runs in a worker."""

from __future__ import annotations

import numpy as np
import pytest

import gpuq
from gpuq import Parameter, QuantumCircuit
from gpuq.noise import NoiseModel, ReadoutError, amplitude_damping_error, depolarizing_error
from gpuq.providers.cloud import CloudProvider
from gpuq.quantum_info import SparsePauliOp

from .helpers import JOB_TIMEOUT, add_user

pytestmark = pytest.mark.cloud


def test_a_noisy_job_runs_on_the_server_as_it_does_locally(sqlite_url, servers):
    token = add_user(sqlite_url, "alice")
    server = servers(sqlite_url, workers=1)
    qc = QuantumCircuit(2, 2)
    qc.h(0)
    qc.cx(0, 1)
    qc.measure([0, 1], [0, 1])
    model = NoiseModel()
    model.add_all_qubit_quantum_error(amplitude_damping_error(0.2), "h")
    model.add_all_qubit_quantum_error(depolarizing_error(0.1, 2), "cx")
    model.add_all_qubit_readout_error(ReadoutError([[0.95, 0.05], [0.1, 0.9]]))
    options = {"noise_model": model, "method": "density_matrix", "shots": 500, "seed_simulator": 3, "device": "cpu"}
    backend = CloudProvider().enable_account(token, server.url).get_backend("qasm_simulator")
    remote = backend.run(qc, **options).result(timeout=JOB_TIMEOUT, wait=0.1)
    local = gpuq.execute(qc, gpuq.Local.get_backend("qasm_simulator"), **options).result()
    assert remote.get_counts() == local.get_counts()  # the same seed on the same device: the same draws
    assert remote.results[0].metadata["method"] == "density_matrix"
    assert len(remote.get_counts()) == 4  # noise reaches the states an ideal Bell pair never shows


def test_noisy_expectation_values_of_bindings_run_on_the_server_as_they_do_locally(sqlite_url, servers):
    token = add_user(sqlite_url, "alice")
    server = servers(sqlite_url, workers=1)
    theta = Parameter("theta")
    qc = QuantumCircuit(2)
    qc.ry(theta, 0)
    qc.cx(0, 1)
    model = NoiseModel()
    model.add_all_qubit_quantum_error(amplitude_damping_error(0.2), "ry")
    model.add_all_qubit_quantum_error(depolarizing_error(0.1, 2), "cx")
    options = {
        "noise_model": model,
        "parameter_binds": [{theta: [0.3, 2.0]}],
        "observables": [SparsePauliOp.from_list([("ZZ", 1.0), ("XI", 0.5)])],
        "device": "cpu",
    }
    backend = CloudProvider().enable_account(token, server.url).get_backend("qasm_simulator")
    remote = backend.run(qc, **options).result(timeout=JOB_TIMEOUT, wait=0.1)
    local = gpuq.execute(qc, gpuq.Local.get_backend("qasm_simulator"), **options).result()
    assert remote.results[0].metadata["method"] == "density_matrix"
    assert np.allclose(remote.get_expectation_values(0), local.get_expectation_values(0), atol=1e-12)
    assert remote.get_expectation_values(0).shape == (2, 1)
