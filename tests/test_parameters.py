"""Parameters: expressions, binding, derivatives, circuit parameters and their order, assign_parameters."""

import math

import numpy as np
import pytest

from gpuq import CircuitError, Parameter, ParameterVector, QuantumCircuit
from gpuq.circuit import ParameterExpression


def test_arithmetic_binds_to_the_number_python_computes():
    a, b = Parameter("a"), Parameter("b")
    expr = -(2 * a + b / 4 - 1.5) * a / (b - 0.5)
    values = {a: 0.7, b: -1.3}
    expected = -(2 * 0.7 + -1.3 / 4 - 1.5) * 0.7 / (-1.3 - 0.5)
    assert expr.bind(values) == pytest.approx(expected, rel=1e-15)
    assert expr.evaluate(values) == pytest.approx(expected, rel=1e-15)
    assert expr.parameters == {a, b}


def test_partial_binding_keeps_an_expression():
    a, b = Parameter("a"), Parameter("b")
    partial = (a * b).bind({a: 3})
    assert isinstance(partial, ParameterExpression) and partial.parameters == {b}
    assert partial.bind({b: 2}) == 6


@pytest.mark.parametrize(
    "make",
    [
        lambda a, b: a * a * b,
        lambda a, b: a / (b + 3) - 2 * a,
        lambda a, b: -(a - b) * (a + 0.25),
        lambda a, b: 1 / a,
    ],
)
def test_derivative_matches_finite_differences(make):
    a, b = Parameter("a"), Parameter("b")
    expr = make(a, b)
    point = {a: 0.8, b: -0.4}
    step = 1e-6
    for p in (a, b):
        up, down = dict(point), dict(point)
        up[p] += step
        down[p] -= step
        numeric = (expr.evaluate(up) - expr.evaluate(down)) / (2 * step)
        d = expr.derivative(p)
        exact = d.evaluate(point) if isinstance(d, ParameterExpression) else d
        assert exact == pytest.approx(numeric, abs=1e-6)


def test_bad_operands_and_values_are_circuit_errors():
    a = Parameter("a")
    with pytest.raises(CircuitError, match="finite real"):
        _ = a + "x"
    with pytest.raises(CircuitError, match="finite real"):
        _ = a * math.nan
    with pytest.raises(CircuitError, match="by zero"):
        _ = a / 0
    with pytest.raises(CircuitError, match="not a finite number"):
        (1 / a).bind({a: 0})
    with pytest.raises(CircuitError, match="unbound"):
        float(a + 1)
    with pytest.raises(CircuitError, match="non-empty string"):
        Parameter("")


def test_parameters_are_ordered_by_name_and_vector_index():
    v = ParameterVector("theta", 12)
    beta, alpha = Parameter("beta"), Parameter("alpha")
    qc = QuantumCircuit(2)
    for i in reversed(range(12)):
        qc.ry(v[i], i % 2)
    qc.rz(beta + alpha, 0)
    assert [p.name for p in qc.parameters] == ["alpha", "beta"] + [f"theta[{i}]" for i in range(12)]
    assert qc.num_parameters == 14


def test_two_parameters_of_one_name_are_refused():
    qc = QuantumCircuit(1)
    qc.rx(Parameter("t"), 0)
    qc.ry(Parameter("t"), 0)
    with pytest.raises(CircuitError, match="named 't'"):
        _ = qc.parameters


def test_assign_parameters_by_dict_vector_and_list_returns_a_new_circuit():
    v = ParameterVector("v", 2)
    phi = Parameter("phi")
    qc = QuantumCircuit(2)
    qc.rx(2 * phi, 0)
    qc.u(v[0], v[1], phi, 1)
    bound = qc.assign_parameters({phi: 0.5, v: [0.1, 0.2]})
    assert bound.parameters == [] and qc.num_parameters == 3
    assert bound.data[0].params == (1.0,) and bound.data[1].params == (0.1, 0.2, 0.5)
    by_list = qc.assign_parameters([0.5, 0.1, 0.2])
    assert [i.params for i in by_list.data] == [i.params for i in bound.data]
    partial = qc.assign_parameters({phi: 0.5})
    assert [p.name for p in partial.parameters] == ["v[0]", "v[1]"]


def test_assign_parameters_errors_name_the_problem():
    phi = Parameter("phi")
    qc = QuantumCircuit(1)
    qc.rx(phi, 0)
    with pytest.raises(CircuitError, match="not in the circuit"):
        qc.assign_parameters({Parameter("other"): 1.0})
    with pytest.raises(CircuitError, match="got 2 value"):
        qc.assign_parameters([1.0, 2.0])
    with pytest.raises(CircuitError, match="not a finite real"):
        qc.assign_parameters({phi: np.inf})
    with pytest.raises(CircuitError, match="not a finite real"):
        qc.assign_parameters({phi: "1"})


def test_gate_angles_accept_expressions_and_still_refuse_junk():
    qc = QuantumCircuit(2)
    a = Parameter("a")
    qc.crx(a - 1, 0, 1)
    qc.rz(a * 0 + 2, 0)  # still symbolic: it names a
    with pytest.raises(CircuitError, match="finite real number or a Parameter"):
        qc.rx("a", 0)
    assert "a" in qc.draw()


def test_qasm_export_of_an_unbound_circuit_is_a_clear_error():
    qc = QuantumCircuit(1)
    theta = Parameter("theta")
    qc.rx(theta, 0)
    with pytest.raises(CircuitError, match="unbound parameters.*assign_parameters"):
        qc.qasm()
    assert "rx(" in qc.assign_parameters([0.3]).qasm()


def test_wire_form_round_trips():
    a, b = Parameter("a"), Parameter("b[0]")
    expr = -(a * 2 - b) / (a + 1)
    back = ParameterExpression.from_wire(expr.to_wire(), {"a": a, "b[0]": b})
    values = {a: 0.3, b: 1.7}
    assert back.evaluate(values) == expr.evaluate(values)
    with pytest.raises(CircuitError, match="malformed"):
        ParameterExpression.from_wire(["pow", 1, 2], {})
    with pytest.raises(CircuitError, match="does not declare"):
        ParameterExpression.from_wire(["param", "z"], {})
