"""Noisy expectation values and parameter bindings, against an independent dense reference and Qiskit Aer.

The density-matrix values are exact: ``Tr(rho O)`` with rho evolved by
``noise_reference`` (dense Kraus sums of Aer's own channels) and ``O`` from
Qiskit's ``SparsePauliOp.to_matrix``. Trajectory values are means of
``N`` trajectories' ``<psi|O|psi>``, each in ``[-c, c]`` for ``c = sum |coeff|``,
so by Hoeffding ``|mean - exact| > 4 c / sqrt(N)`` has probability below
``2 exp(-8) < 1e-3``; with fixed seeds the tests are deterministic.
"""

from __future__ import annotations

import numpy as np
import pytest
from gate_matrices import SWAP, H, X, Z, rx, ry, rz
from noise_reference import distribution, final_density, total_variation, tv_bound
from qiskit.circuit import Parameter as QiskitParameter
from qiskit.quantum_info import Kraus, Pauli
from qiskit.quantum_info import SparsePauliOp as QiskitPauliOp
from qiskit_aer import noise as aer
from qiskit_aer.primitives import EstimatorV2 as AerEstimator
from reference import embed

import gpuq
import gpuq.noise as ours
from gpuq import Parameter, QuantumCircuit
from gpuq.exceptions import QobjValidationError
from gpuq.qiskit import EstimatorV2, GpuqSimulator
from gpuq.quantum_info import SparsePauliOp
from gpuq.sim.noisy.observables import pauli_traces

BINDINGS = [0.3, 1.7, -2.4]

OBSERVABLES = [
    SparsePauliOp(["ZII", "IXI", "IIY", "XYZ"], [0.5, -1.0, 0.25, 0.75]),
    SparsePauliOp(["YYI", "ZIX", "IZZ"], [1.0, 0.5, -0.3]),
]


def _dense(observable: SparsePauliOp) -> np.ndarray:
    return QiskitPauliOp(observable.paulis, observable.coeffs).to_matrix()


def test_pauli_traces_of_every_string_equal_the_dense_trace(device, precision, atol, rng):
    n = 3
    vectors = rng.normal(size=(3, 1 << n)) + 1j * rng.normal(size=(3, 1 << n))
    rho = sum(w * np.outer(v, v.conj()) / np.vdot(v, v) for w, v in zip((0.5, 0.3, 0.2), vectors))
    state = device.from_host(rho.reshape(-1).astype(np.complex64 if precision == "single" else np.complex128))
    labels = [a + b + c for a in "IXYZ" for b in "IXYZ" for c in "IXYZ"]
    xs, zs, _ = SparsePauliOp(labels).masks()
    traces = pauli_traces(device, state, n, xs, zs)
    expected = [np.trace(rho @ Pauli(label).to_matrix()) for label in labels]
    assert np.max(np.abs(traces - expected)) < 10 * atol


def _errors(module) -> dict:
    """An error of every kind per gate name, from ``module`` (``gpuq.noise`` or ``qiskit_aer.noise``)."""
    return {
        "h": module.amplitude_damping_error(0.2, 0.1),
        "rx": module.thermal_relaxation_error(50.0, 30.0, 10.0, 0.05),
        "ry": module.phase_damping_error(0.3),
        "rz": module.depolarizing_error(0.1, 1),
        "cx": module.depolarizing_error(0.15, 2),
        "cz": module.pauli_error([("XZ", 0.1), ("YI", 0.05), ("II", 0.85)]),
        "swap": module.amplitude_damping_error(0.1).tensor(module.phase_damping_error(0.2)),
    }


def _model(module):
    model = module.NoiseModel()
    for name, error in _errors(module).items():
        model.add_all_qubit_quantum_error(error, name)
    return model


def _circuit_and_models():
    """A 3-qubit circuit with one parameter and errors of every kind on every qubit, its gpuq model, and
    ``program(t)``: the same circuit at ``t`` for the dense reference, with Aer's Kraus matrices."""
    t = Parameter("t")
    qc = QuantumCircuit(3)
    model = _model(ours)
    errors = _errors(aer)
    steps: list[tuple] = []  # (error name, binding value -> matrix, targets, controls)
    for q in range(3):
        qc.h(q)
        steps.append(("h", lambda v: H, [q], []))
        qc.rx(t * (q + 1), q)
        steps.append(("rx", lambda v, k=q + 1: rx(k * v), [q], []))
        qc.ry(0.4 + q, q)
        steps.append(("ry", lambda v, a=0.4 + q: ry(a), [q], []))
    for a in range(3):
        b = (a + 1) % 3
        qc.cx(b, a)
        steps.append(("cx", lambda v: X, [a], [b]))
        qc.rz(t, a)
        steps.append(("rz", lambda v: rz(v), [a], []))
        qc.cz(a, b)
        steps.append(("cz", lambda v: Z, [b], [a]))
        qc.swap(a, b)
        steps.append(("swap", lambda v: SWAP, [a, b], []))

    def program(value: float) -> list[tuple]:
        out: list[tuple] = []
        for name, matrix, targets, controls in steps:
            out.append(("gate", embed(3, targets, matrix(value), controls), [0, 1, 2], None))
            error = errors[name]
            out.append(("channel", list(Kraus(error.to_quantumchannel()).data), controls + targets, None))
        return out

    return qc, t, model, program


def _exact_values(program, bindings=BINDINGS) -> np.ndarray:
    return np.array([[np.trace(final_density(3, program(v)) @ _dense(o)).real for o in OBSERVABLES] for v in bindings])


def _run(qc, t, model, method, bindings=BINDINGS, **options):
    return gpuq.execute(
        qc,
        "qasm_simulator",
        noise_model=model,
        method=method,
        observables=OBSERVABLES,
        parameter_binds=[{t: bindings}],
        seed_simulator=11,
        **options,
    ).result()


def test_density_matrix_expectation_values_equal_the_dense_reference(device_name, precision, atol):
    qc, t, model, program = _circuit_and_models()
    result = _run(qc, t, model, "density_matrix", device=device_name, precision=precision)
    values = np.asarray(result.get_expectation_values(0))
    assert values.shape == (len(BINDINGS), len(OBSERVABLES))
    assert np.max(np.abs(values - _exact_values(program))) < 20 * atol
    assert result.results[0].metadata["method"] == "density_matrix"


def test_trajectory_expectation_values_are_within_the_stated_bound(device_name, precision):
    qc, t, model, program = _circuit_and_models()
    trajectories, bindings = 1000, BINDINGS[:2]  # nearly every trajectory draws its own noise: ~1000 walks each
    result = _run(qc, t, model, "trajectory", bindings, device=device_name, precision=precision, shots=trajectories)
    values = np.asarray(result.get_expectation_values(0))
    errors = np.asarray(result.results[0].metadata["standard_errors"])
    scale = np.array([np.abs(o.coeffs).sum() for o in OBSERVABLES])
    deviation = np.abs(values - _exact_values(program, bindings))
    assert np.all(deviation < 4 * scale / np.sqrt(trajectories))
    assert np.all(errors > 0) and np.all(errors <= scale / np.sqrt(trajectories - 1))
    assert np.all(deviation < 5 * errors)  # the reported standard error describes the spread
    assert result.results[0].metadata["trajectories"] == trajectories


def test_auto_takes_the_exact_density_matrix_for_observables():
    qc, t, model, program = _circuit_and_models()
    result = _run(qc, t, model, "auto", shots=10)
    assert result.results[0].metadata["method"] == "density_matrix"
    assert np.max(np.abs(np.asarray(result.get_expectation_values(0)) - _exact_values(program))) < 1e-10


def test_bindings_without_observables_are_noisy_runs_one_result_each():
    qc, t, model, program = _circuit_and_models()
    measured = qc.copy()
    measured.measure_all()
    shots = 4000
    result = gpuq.execute(
        measured,
        "qasm_simulator",
        noise_model=model,
        method="density_matrix",
        parameter_binds=[{t: BINDINGS}],
        shots=shots,
        seed_simulator=5,
    ).result()
    assert len(result.results) == len(BINDINGS)
    for b, value in enumerate(BINDINGS):
        steps = program(value) + [("measure", q, q, None) for q in range(3)]
        exact = distribution(3, steps)
        assert result.results[b].metadata["binding"] == b
        assert total_variation(result.results[b].data.counts, exact) < tv_bound(exact, shots)


def test_gradients_under_noise_are_refused_by_name():
    qc, t, model, _ = _circuit_and_models()
    with pytest.raises(QobjValidationError, match="gradients are not computed under a noise model") as info:
        gpuq.execute(
            qc,
            "qasm_simulator",
            noise_model=model,
            observables=OBSERVABLES,
            parameter_binds=[{t: BINDINGS}],
            gradient=True,
        )
    assert info.value.path == "config.gradient"


def _aer_pub():
    """The circuit of ``_circuit_and_models`` in Qiskit, with the observables and bindings as a PUB."""
    from qiskit import QuantumCircuit as QiskitCircuit

    t = QiskitParameter("t")
    qc = QiskitCircuit(3)
    for q in range(3):
        qc.h(q)
        qc.rx(t * (q + 1), q)
        qc.ry(0.4 + q, q)
    for a in range(3):
        b = (a + 1) % 3
        qc.cx(b, a)
        qc.rz(t, a)
        qc.cz(a, b)
        qc.swap(a, b)
    observables = [QiskitPauliOp(o.paulis, o.coeffs) for o in OBSERVABLES]
    return (qc, [[o] for o in observables], [[v] for v in BINDINGS])


@pytest.mark.parametrize("method", ["automatic", "statevector"])
def test_estimator_with_a_noise_model_agrees_with_aer(device_name, precision, atol, method):
    _, _, model, _ = _circuit_and_models()
    pub = _aer_pub()
    aer_options = {"noise_model": _model(aer), "method": "density_matrix"}
    expected = AerEstimator(options={"backend_options": aer_options}).run([pub]).result()[0].data.evs
    backend = GpuqSimulator(noise_model=model, method=method, device=device_name, precision=precision)
    if method == "automatic":  # exact: the density matrix, as Aer's
        ours_ = EstimatorV2(backend=backend).run([pub]).result()[0]
        assert np.max(np.abs(ours_.data.evs - expected)) < 20 * atol
        assert np.all(ours_.data.stds == 0)
        return
    precision_target = 0.05  # ceil(1 / 0.05**2) = 400 trajectories
    ours_ = EstimatorV2(backend=backend).run([pub], precision=precision_target).result()[0]
    assert ours_.metadata["trajectories"] == 400
    scale = np.array([[np.abs(o.coeffs).sum()] for o in OBSERVABLES])
    assert np.all(np.abs(ours_.data.evs - expected) < 4 * scale / np.sqrt(400))
    assert np.all((ours_.data.stds > 0) & (ours_.data.stds <= scale / np.sqrt(399)))
    assert np.all(np.abs(ours_.data.evs - expected) < 5 * ours_.data.stds)


def test_auto_averages_trajectories_above_the_density_matrix_limit():
    """Above 13 qubits "auto" estimates by trajectories; <X_0> after H and a depolarizing error of
    parameter p is exactly 1 - p (each of the N = 400 trajectories gives +1 or -1: bound 4 / sqrt(N))."""
    qc = QuantumCircuit(14)
    qc.h(range(14))
    model = ours.NoiseModel()
    model.add_quantum_error(ours.depolarizing_error(0.2, 1), "h", [0])  # one channel: a few walks, not 400
    result = gpuq.execute(
        qc, "qasm_simulator", noise_model=model, observables=[SparsePauliOp(["X"])], shots=400, seed_simulator=2
    ).result()
    metadata = result.results[0].metadata
    assert metadata["method"] == "trajectory"
    assert "more than 13 qubits" in metadata["method_reason"]
    assert metadata["walks"] <= 4
    assert abs(result.get_expectation_values(0)[0, 0] - 0.8) < 4 / np.sqrt(400)
    assert 0 < metadata["standard_errors"][0][0] <= 1 / np.sqrt(399)
