"""Sweeps built for every binding at once: batched slot operands, batched block merges, the compiled CPU sweep.

The operands are checked against ``base_operator`` gate by gate (every
parameterised gate, angles that are expressions mixed with numbers), and whole
sweeps against the dense reference simulator of ``test_variational``, across
more bindings than one compiled batch holds.
"""

import numpy as np
import pytest
from pauli_reference import pauli_sum_matrix, random_terms
from test_variational import PARAMETERISED, _random_circuit, _reference_state, _run

from gpuq import Local, Parameter, ParameterVector, SparsePauliOp, compile
from gpuq.circuit.gates import GATES, base_operator
from gpuq.providers.local.prepare import prepare
from gpuq.sim.batched import batched_passes, slot_operands
from gpuq.sim.devices.cpu_sweep import SWEEP_BATCH
from gpuq.sim.parametric import FusedTemplate, ParametricCircuit, Slot


@pytest.mark.parametrize("name", PARAMETERISED)
def test_slot_operands_match_base_operator_for_every_gate(name):
    rng = np.random.default_rng(11)
    a, b = Parameter("a"), Parameter("b")
    nparams = GATES[name].num_params
    # The first angle is always symbolic; the others alternate between expressions and plain numbers.
    angles = tuple([2 * a - b / 3, 0.7, a * b][k % 3] if k else a + 0.25 for k in range(nparams))
    circuit = ParametricCircuit((), [Slot(0, name, angles)], [a, b])
    bindings = rng.uniform(-4, 4, (9, 2))
    (operands,) = slot_operands(circuit, bindings)
    for row, operand in zip(bindings, operands):
        values = {a: row[0], b: row[1]}
        expected = base_operator(name, [x.evaluate(values) if not isinstance(x, float) else x for x in angles])
        assert np.allclose(operand, expected.operand, atol=1e-12, rtol=0)


def test_a_non_finite_angle_leaves_the_sweep_to_the_per_binding_path():
    a = Parameter("a")
    circuit = ParametricCircuit((), [Slot(0, "rx", (1 / a,))], [a])
    assert slot_operands(circuit, np.array([[1.0], [0.0]])) is None


def test_sweeps_longer_than_a_batch_match_the_dense_reference(device_name, precision):
    rng = np.random.default_rng(5)
    nqubits = 5
    theta = ParameterVector("theta", 3)
    qc = _random_circuit(nqubits, rng, list(theta), gates=45)
    observable = SparsePauliOp.from_list(random_terms(nqubits, 8, rng))
    rows = rng.uniform(-np.pi, np.pi, size=(SWEEP_BATCH + 7, 3))
    binds = {p: rows[:, k].tolist() for k, p in enumerate(theta)}
    result = _run(qc, parameter_binds=[binds], observables=[observable], device=device_name, precision=precision)
    assert result.results[0].metadata["fusion"]["batched"]
    matrix = pauli_sum_matrix(observable.to_list())
    values = result.get_expectation_values(0)[:, 0]
    for row, value in zip(rows, values):
        state = _reference_state(qc, list(row))
        assert value == pytest.approx(np.vdot(state, matrix @ state).real, abs=1e-10 if precision == "double" else 2e-5)


def test_batched_passes_equal_the_template_plan_binding_by_binding():
    rng = np.random.default_rng(9)
    theta = ParameterVector("theta", 4)
    qc = _random_circuit(6, rng, list(theta))
    rows = rng.uniform(-3, 3, size=(5, 4))
    observable = SparsePauliOp.from_list([("Z", 1.0)])
    binds = [{p: rows[:, k].tolist() for k, p in enumerate(theta)}]
    qobj = compile(qc, parameter_binds=binds, observables=[observable])
    prepared = prepare(qobj, Local.get_backend("statevector_simulator"))
    spec = prepared.experiments[0].variational
    template = FusedTemplate(spec.circuit, 4)
    passes = batched_passes(template, spec.bindings)
    for b, row in enumerate(spec.bindings):
        plan = template.plan(spec.circuit.bound_ops(row))
        assert [(p.kind, p.targets, p.controls) for p in passes] == [(op.kind, op.targets, op.controls) for op in plan]
        for step, op in zip(passes, plan):
            assert np.allclose(step.at(b), op.operand, atol=1e-12, rtol=0)
