"""A variational job through the real job server: bindings, observables and gradients travel in the Qobj."""

from __future__ import annotations

import numpy as np
import pytest

import gpuq
from gpuq import Parameter, ParameterVector, QuantumCircuit, SparsePauliOp
from gpuq.providers.cloud import CloudProvider

from .helpers import JOB_TIMEOUT, add_user

pytestmark = pytest.mark.cloud


def test_expectation_values_and_gradients_over_the_server(sqlite_url, servers):
    token = add_user(sqlite_url, "alice")
    server = servers(sqlite_url, workers=1)
    theta, phi = ParameterVector("theta", 2), Parameter("phi")
    qc = QuantumCircuit(2)
    qc.ry(theta[0], 0)
    qc.ry(theta[1] * phi, 1)
    qc.cx(0, 1)
    options = {
        "parameter_binds": [{theta: [[0.1, 0.2], [0.3, -0.4]], phi: [1.0, 2.0]}],
        "observables": [SparsePauliOp.from_list([("ZZ", 1.0), ("XI", 0.5)])],
        "gradient": True,
    }
    backend = CloudProvider().enable_account(token, server.url).get_backend("statevector_simulator")
    remote = backend.run(qc, **options).result(timeout=JOB_TIMEOUT, wait=0.1)
    local = gpuq.execute(qc, gpuq.Local.get_backend("statevector_simulator"), **options).result()
    assert np.allclose(remote.get_expectation_values(0), local.get_expectation_values(0), atol=1e-12)
    assert np.allclose(remote.get_gradients(0), local.get_gradients(0), atol=1e-12)
    assert remote.get_gradients(0).shape == (2, 1, 3)
