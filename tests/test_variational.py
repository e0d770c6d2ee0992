"""Variational runs end to end: expectation values against a dense reference, adjoint gradients against
finite differences, one fusion plan for many bindings, per-binding runs, the Qobj on the wire, and errors."""

import numpy as np
import pytest
from pauli_reference import pauli_sum_matrix, random_terms
from reference import apply

import gpuq
from gpuq import (
    Local,
    Parameter,
    ParameterVector,
    QobjValidationError,
    QuantumCircuit,
    SparsePauliOp,
)
from gpuq.circuit.gates import GATES, base_operator, gate_matrix
from gpuq.sim.adjoint_forms import DERIVATIVE_FORMS, derivative_operand
from gpuq.sim.fusion import fuse
from gpuq.sim.parametric import FusedTemplate

PARAMETERISED = sorted(name for name, spec in GATES.items() if spec.num_params)
FIXED = ["h", "cx", "s", "sx", "cz", "swap", "t"]
NQUBITS = 6  # wider than the CPU's fusion limit, so the plan has several blocks


def _random_circuit(nqubits, rng, params, gates=40):
    """Every parameterised gate at least once, angles that are expressions of several parameters."""
    qc = QuantumCircuit(nqubits)
    names = PARAMETERISED + list(rng.choice(PARAMETERISED + FIXED, gates - len(PARAMETERISED)))
    for name in rng.permutation(names):
        spec = GATES[name]
        qubits = [int(q) for q in rng.choice(nqubits, spec.num_qubits(), replace=False)]
        angles = []
        for _ in range(spec.num_params):
            a, b = (params[int(i)] for i in rng.choice(len(params), 2))
            angles.append([a, 2 * a - 0.3, a * b, -a / 2 + b][int(rng.integers(4))])
        getattr(qc, name)(*angles, *qubits)
    return qc


def _reference_state(qc, values):
    """The bound circuit through the dense reference simulator (no gpuq engine code)."""
    bound = qc.assign_parameters(values)
    state = np.zeros(1 << qc.num_qubits, dtype=complex)
    state[0] = 1
    for inst in bound.data:
        qubits = [bound.qubit_index(q) for q in inst.qubits]
        state = apply(state, qubits, gate_matrix(inst.name, inst.params, len(qubits)))
    return state


def _run(qc, **options):
    backend = Local.get_backend("statevector_simulator")
    return gpuq.execute(qc, backend, **options).result()


@pytest.fixture
def problem():
    rng = np.random.default_rng(7)
    theta = ParameterVector("theta", 3)
    phi = Parameter("phi")
    qc = _random_circuit(NQUBITS, rng, [*theta, phi])
    observables = [
        SparsePauliOp.from_list(random_terms(NQUBITS, 12, rng)),
        SparsePauliOp.from_list([("ZZ", 0.5), ("XI", -1.0)]),  # narrower: identity on the others
        SparsePauliOp.from_list(random_terms(NQUBITS, 5, rng, complex_coeffs=True)),
    ]
    rows = rng.uniform(-np.pi, np.pi, size=(3, 4))
    binds = {theta: rows[:, :3].tolist(), phi: rows[:, 3].tolist()}
    return qc, observables, rows, binds


def test_expectation_values_match_the_dense_reference(problem, device_name, precision):
    qc, observables, rows, binds = problem
    result = _run(qc, parameter_binds=[binds], observables=observables, device=device_name, precision=precision)
    values = result.get_expectation_values(0)
    assert values.shape == (3, 3) and np.iscomplexobj(values)  # the third observable is not Hermitian
    mats = [pauli_sum_matrix([(label.rjust(NQUBITS, "I"), c) for label, c in o.to_list()]) for o in observables]
    for b, row in enumerate(rows):
        state = _reference_state(qc, [row[3], *row[:3]])  # parameters order: phi, theta[0..2]
        expected = [np.vdot(state, m @ state) for m in mats]
        assert np.allclose(values[b], expected, atol=1e-10 if precision == "double" else 2e-5, rtol=0)


def test_gradients_match_finite_differences(problem, device_name):
    qc, observables, rows, binds = problem
    result = _run(qc, parameter_binds=[binds], observables=observables, gradient=True, device=device_name)
    gradients = result.get_gradients(0)
    assert gradients.shape == (3, 3, 4)
    assert [p.name for p in qc.parameters] == ["phi", "theta[0]", "theta[1]", "theta[2]"]
    step = 1e-5
    for b, row in enumerate(rows):
        ordered = np.array([row[3], *row[:3]])
        shifted = []
        for j in range(4):
            for sign in (1, -1):
                point = ordered.copy()
                point[j] += sign * step
                shifted.append({p: v for p, v in zip(qc.parameters, point)})
        swept = {p: [s[p] for s in shifted] for p in qc.parameters}
        values = _run(qc, parameter_binds=[swept], observables=observables, device=device_name).get_expectation_values(
            0
        )
        numeric = (values[0::2] - values[1::2]) / (2 * step)  # (parameters, observables)
        assert np.allclose(gradients[b], numeric.T, atol=1e-6, rtol=0)


@pytest.mark.parametrize("name", PARAMETERISED)
def test_each_gate_derivative_matches_finite_differences(name):
    rng = np.random.default_rng(3)
    angles = list(rng.uniform(-3, 3, GATES[name].num_params))
    assert len(DERIVATIVE_FORMS[name]) == GATES[name].num_params
    for which in range(len(angles)):
        up, down = list(angles), list(angles)
        up[which] += 1e-6
        down[which] -= 1e-6
        numeric = (base_operator(name, up).operand - base_operator(name, down).operand) / 2e-6
        assert np.allclose(derivative_operand(name, angles, which), numeric, atol=1e-8)


def test_every_parameterised_gate_has_a_derivative_form():
    assert sorted(DERIVATIVE_FORMS) == PARAMETERISED


def test_one_fusion_plan_serves_every_binding(problem):
    qc, observables, _rows, binds = problem
    result = _run(qc, parameter_binds=[binds], observables=observables)
    fusion = result.results[0].metadata["fusion"]
    assert fusion["plans_built"] == 1 and fusion["bindings"] == 3 and fusion["passes"] < fusion["gates"]
    # The reused plan equals a fresh plan of the bound circuit, binding by binding.
    from gpuq.providers.local.prepare import prepare

    prepared = prepare(
        gpuq.compile(qc, parameter_binds=[binds], observables=observables), Local.get_backend("statevector_simulator")
    )
    spec = prepared.experiments[0].variational
    template = FusedTemplate(spec.circuit, 4)
    for row in spec.bindings:
        ops = spec.circuit.bound_ops(row)
        reused, fresh = template.plan(ops), fuse(ops, 4)
        assert [op.targets for op in reused] == [op.targets for op in fresh]
        assert all(np.allclose(a.operand, b.operand, atol=1e-12) for a, b in zip(reused, fresh))


def test_bindings_without_observables_give_one_result_per_binding():
    theta = Parameter("theta")
    qc = QuantumCircuit(1, 1)
    qc.ry(theta, 0)
    qc.measure(0, 0)
    values = [0.0, np.pi, np.pi / 2]
    result = gpuq.execute(
        qc, "qasm_simulator", parameter_binds=[{theta: values}], shots=2000, seed_simulator=1
    ).result()
    assert len(result.results) == 3
    assert result.get_counts(0) == {"0": 2000} and result.get_counts(1) == {"1": 2000}
    assert 800 < result.get_counts(2)["1"] < 1200
    assert [r.metadata["binding"] for r in result.results] == [0, 1, 2]
    assert result.results[-1].metadata["fusion"]["plans_built"] == 1


def test_the_qobj_carries_everything_over_json(problem):
    qc, observables, _rows, binds = problem
    backend = Local.get_backend("statevector_simulator")
    qobj = gpuq.compile(qc, backend, parameter_binds=[binds], observables=observables, gradient=True)
    again = gpuq.Qobj.model_validate_json(qobj.model_dump_json())
    direct = backend.run(qobj).result()
    wired = backend.run(again).result()
    assert np.array_equal(direct.get_gradients(0), wired.get_gradients(0))
    assert np.array_equal(
        gpuq.Result.model_validate_json(wired.model_dump_json()).get_expectation_values(0),
        wired.get_expectation_values(0),
    )


def test_plain_circuit_with_observables_is_one_binding():
    qc = QuantumCircuit(2)
    qc.h(0)
    qc.cx(0, 1)
    values = _run(qc, observables=[SparsePauliOp.from_list([("XX", 1), ("ZZ", 1), ("YY", 1)])])
    assert np.allclose(values.get_expectation_values(), [[1.0]], atol=1e-12)
    assert values.get_expectation_values().dtype == np.float64


@pytest.mark.parametrize(
    "build, options, message",
    [
        (lambda t: [("rx", t)], {}, "unbound parameters"),
        (lambda t: [("rx", t)], {"parameter_binds": [{}]}, "no binding for parameter"),
        (lambda t: [("rx", t), ("ry", t * 2)], {"parameter_binds": [{}], "observables": "wide"}, "no binding"),
        (lambda t: [("rx", t)], {"parameter_binds": [{"t": [1.0]}]}, "Parameters or ParameterVectors"),
        (lambda t: [("rx", 0.5)], {"observables": "wide"}, "acts on 3 qubits but the circuit has 2"),
        (lambda t: [("rx", 0.5)], {"gradient": True}, "gradient=True needs observables"),
        (lambda t: [("rx", 0.5)], {"gradient": True, "observables": "z"}, "circuit with parameters"),
        (lambda t: [("rx", 0.5), ("measure", None)], {"observables": "z"}, "measurements or resets"),
    ],
)
def test_bad_requests_are_validation_errors(build, options, message):
    t = Parameter("t")
    qc = QuantumCircuit(2, 1)
    for name, angle in build(t):
        qc.measure(0, 0) if name == "measure" else getattr(qc, name)(angle, 0)
    kinds = {"wide": [SparsePauliOp("XXX")], "z": [SparsePauliOp("ZI")]}
    if "observables" in options:
        options = dict(options, observables=kinds[options["observables"]])
    with pytest.raises(QobjValidationError, match=message):
        gpuq.execute(qc, "statevector_simulator", **options)


def test_binding_lists_of_different_lengths_are_refused():
    a, b = Parameter("a"), Parameter("b")
    qc = QuantumCircuit(1)
    qc.rx(a + b, 0)
    with pytest.raises(QobjValidationError, match="different lengths"):
        gpuq.execute(qc, "statevector_simulator", parameter_binds=[{a: [1, 2], b: [1, 2, 3]}])
    with pytest.raises(QobjValidationError, match="not in circuit 0"):
        gpuq.execute(qc, "statevector_simulator", parameter_binds=[{a: 1, b: 2, Parameter("c"): 3}])
    with pytest.raises(QobjValidationError, match="unitary simulator"):
        gpuq.execute(qc, "unitary_simulator", parameter_binds=[{a: 1, b: 2}])


def test_backend_run_takes_circuits_with_bindings_and_observables():
    theta = Parameter("theta")
    qc = QuantumCircuit(1)
    qc.ry(theta, 0)
    backend = Local.get_backend("statevector_simulator")
    result = backend.run(qc, parameter_binds=[{theta: [0.0, np.pi]}], observables=[SparsePauliOp("Z")]).result()
    assert np.allclose(result.get_expectation_values(0), [[1.0], [-1.0]], atol=1e-12)
