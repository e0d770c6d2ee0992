"""QuantumCircuit: registers, bit arguments, broadcasting, composition, queries, drawing, errors."""

import numpy as np
import pytest

from gpuq import CircuitError, ClassicalRegister, QuantumCircuit, QuantumRegister


def test_integer_constructor_makes_q_and_c_registers():
    qc = QuantumCircuit(3, 2)
    assert (qc.num_qubits, qc.num_clbits) == (3, 2)
    assert [r.name for r in qc.qregs + qc.cregs] == ["q", "c"]


def test_register_bits_and_flat_indices_are_interchangeable():
    a, b = QuantumRegister(2, "a"), QuantumRegister(2, "b")
    qc = QuantumCircuit(a, b)
    qc.cx(a[1], 2)
    inst = qc.data[0]
    assert [qc.qubit_index(q) for q in inst.qubits] == [1, 2]


def test_broadcasting_over_registers():
    q, c = QuantumRegister(3, "q"), ClassicalRegister(3, "c")
    qc = QuantumCircuit(q, c)
    qc.h(q)
    qc.cx(q[0], [q[1], q[2]])
    qc.measure(q, c)
    assert qc.count_ops() == {"h": 3, "measure": 3, "cx": 2}
    assert [qc.qubit_index(i.qubits[1]) for i in qc.data if i.name == "cx"] == [1, 2]


def test_depth_counts_the_longest_path_and_ignores_barriers():
    qc = QuantumCircuit(3, 1)
    qc.h(0)
    qc.cx(0, 1)
    qc.barrier()
    qc.x(2)
    qc.measure(1, 0)
    qc.x(0).c_if(qc.cregs[0], 1)
    assert qc.depth() == 4  # h, cx, measure, conditioned x (reads the clbit the measure wrote)
    assert qc.size() == 5


def test_c_if_records_the_register_and_value():
    q, c = QuantumRegister(2, "q"), ClassicalRegister(2, "c")
    qc = QuantumCircuit(q, c)
    qc.x(q[1]).c_if(c, 3)
    assert qc.data[0].condition.value == 3
    assert qc.data[0].condition.register == "c"
    with pytest.raises(CircuitError, match="does not fit"):
        qc.x(q[0]).c_if(c, 4)


def test_compose_maps_qubits_and_extend_appends_in_place():
    inner = QuantumCircuit(2)
    inner.cx(0, 1)
    outer = QuantumCircuit(3)
    composed = outer.compose(inner, qubits=[2, 0])
    assert len(outer) == 0 and len(composed) == 1
    assert [composed.qubit_index(q) for q in composed.data[0].qubits] == [2, 0]
    outer.extend(inner)
    assert len(outer) == 1
    assert len(outer + inner) == 2


def test_drawing_shows_every_wire_and_gate():
    qc = QuantumCircuit(2, 2)
    qc.h(0)
    qc.cx(0, 1)
    qc.rz(0.5, 1)
    qc.measure([0, 1], [0, 1])
    text = str(qc)
    assert text.count("\n") == 3
    for symbol in ("H", "■", "X", "RZ(0.5)", "M", "╩"):
        assert symbol in text


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda qc: qc.h(5), "qubit index 5 out of range"),
        (lambda qc: qc.measure(0, 7), "clbit index 7 out of range"),
        (lambda qc: qc.cx(1, 1), "same qubit twice"),
        (lambda qc: qc._gate("rx", (), 0), "takes 1 parameter"),
        (lambda qc: qc._gate("u3", (1.0,), 0), "takes 3 parameter"),
        (lambda qc: qc._gate("foo", (), 0), "unknown gate 'foo'"),
        (lambda qc: qc.rx(float("nan"), 0), "not a finite real"),
        (lambda qc: qc.unitary(np.ones((2, 2)), 0), "not unitary"),
        (lambda qc: qc.unitary(np.eye(4), [0]), "acts on 2 qubit"),
        (lambda qc: qc.cx([0, 1], [0, 1, 2]), "cannot broadcast"),
    ],
)
def test_bad_operations_raise_clear_errors(build, message):
    qc = QuantumCircuit(3, 2)
    with pytest.raises(CircuitError, match=message):
        build(qc)


def test_register_validation():
    with pytest.raises(CircuitError, match="positive integer"):
        QuantumRegister(0)
    with pytest.raises(CircuitError, match="not valid"):
        QuantumRegister(2, "Bad-Name")
    q = QuantumRegister(2, "q")
    with pytest.raises(CircuitError, match="already used"):
        QuantumCircuit(q, ClassicalRegister(2, "q"))
    with pytest.raises(CircuitError, match="not a qubit of this circuit"):
        QuantumCircuit(q).h(QuantumRegister(1, "other")[0])
