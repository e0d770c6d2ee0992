"""The wire format: Qobj round trips, Result accessors and count-key layout."""

import numpy as np
import pytest

from gpuq import ClassicalRegister, JobError, QobjValidationError, QuantumCircuit, QuantumRegister, compile
from gpuq.models import ExperimentHeader, ExperimentResult, ExperimentResultData, Qobj, Result, format_key
from gpuq.models.validation import load_qobj


def _circuit():
    q, a, b = QuantumRegister(3, "q"), ClassicalRegister(2, "a"), ClassicalRegister(1, "b")
    qc = QuantumCircuit(q, a, b, name="sample")
    qc.h(q)
    qc.unitary(np.array([[0, 1j], [1j, 0]]), [q[2]])
    qc.measure(q[0], a[1])
    qc.x(q[1]).c_if(a, 2)
    qc.measure([q[1], q[2]], [a[0], b[0]])
    return qc


def test_qobj_round_trips_through_json_unchanged():
    qobj = compile([_circuit(), QuantumCircuit(1, name="empty")], shots=10, memory=True, seed=5, precision="single")
    text = qobj.model_dump_json()
    again = Qobj.model_validate_json(text)
    assert again == qobj
    assert again.model_dump_json() == text
    assert again.config.precision == "single" and again.config.seed_simulator == 5


def test_compile_records_the_register_layout():
    experiment = compile(_circuit()).experiments[0]
    assert experiment.header.creg_sizes == [("a", 2), ("b", 1)]
    assert experiment.header.memory_slots == 3
    conditioned = next(i for i in experiment.instructions if i.condition)
    assert conditioned.condition.clbits == [0, 1] and conditioned.condition.value == 2


def test_count_keys_put_the_last_register_leftmost_and_clbit0_rightmost():
    header = ExperimentHeader(memory_slots=3, creg_sizes=[("a", 2), ("b", 1)])
    # clbits: a[0]=1 (bit 0), a[1]=0 (bit 1), b[0]=1 (bit 2)
    assert format_key("0x5", header) == "1 01"
    assert format_key("0x2", ExperimentHeader(memory_slots=4)) == "0010"


def _result():
    header = ExperimentHeader(name="bell", memory_slots=2, creg_sizes=[("c", 2)])
    data = ExperimentResultData(
        counts={"0x0": 3, "0x3": 5}, memory=["0x0", "0x3"], statevector=np.array([1, 0, 0, 1j]) / np.sqrt(2)
    )
    return Result(
        backend_name="qasm_simulator", job_id="j", results=[ExperimentResult(shots=8, header=header, data=data)]
    )


def test_result_getters_by_name_index_circuit_and_default():
    result = _result()
    circuit = QuantumCircuit(2, name="bell")
    for key in (None, 0, "bell", circuit):
        assert result.get_counts(key) == {"00": 3, "11": 5}
    assert result.get_memory() == ["00", "11"]
    np.testing.assert_allclose(result.get_statevector(), np.array([1, 0, 0, 1j]) / np.sqrt(2))
    with pytest.raises(JobError, match="no experiment named 'nope'"):
        result.get_counts("nope")
    with pytest.raises(JobError, match="no unitary"):
        result.get_unitary()


def test_result_json_round_trip_keeps_complex_arrays():
    result = _result()
    again = Result.model_validate_json(result.model_dump_json())
    np.testing.assert_array_equal(again.get_statevector(), result.get_statevector())
    assert again.get_counts() == result.get_counts()


@pytest.mark.parametrize(
    "mutate, path",
    [
        (lambda d: d["experiments"][0]["instructions"][0].update(qubits=[-1]), "experiments.0.instructions.0.qubits"),
        (lambda d: d["experiments"][0].update(config={"n_qubits": 0}), "experiments.0.config.n_qubits"),
        (lambda d: d.update(experiments=[]), "experiments"),
        (lambda d: d.update(surprise=1), "surprise"),
    ],
)
def test_bad_qobj_names_the_field(mutate, path):
    data = compile(_circuit()).to_dict()
    mutate(data)
    with pytest.raises(QobjValidationError) as info:
        load_qobj(data)
    assert info.value.path == path


def test_qobj_from_text_that_is_not_json():
    with pytest.raises(QobjValidationError, match="JSON"):
        load_qobj("{not json")
