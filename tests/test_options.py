"""Run options: one model, their precedence, and clear errors for bad ones (issue 13 items 1, 5, 11)."""

import numpy as np
import pytest

import gpuq
from gpuq import QobjValidationError, QuantumCircuit
from gpuq.models import QobjConfig, RunOptions, merge_options
from gpuq.providers.local import Local


def _bell() -> QuantumCircuit:
    qc = QuantumCircuit(2, 2, name="bell")
    qc.h(0)
    qc.cx(0, 1)
    qc.measure([0, 1], [0, 1])
    return qc


def test_compile_writes_only_the_options_the_caller_passed():
    config = gpuq.compile(_bell()).config
    assert config.model_dump(exclude_none=True) == {}
    config = gpuq.compile(_bell(), shots=5, seed=3).config
    assert config.model_dump(exclude_none=True) == {"shots": 5, "seed_simulator": 3}


@pytest.mark.parametrize("how", ["execute", "run_circuit", "run_qobj"])
def test_backend_options_apply_when_the_caller_does_not_override_them(how):
    backend = Local.get_backend("qasm_simulator_cpu")
    backend.set_options(shots=7, memory=True, seed_simulator=11)
    if how == "execute":
        job = gpuq.execute(_bell(), backend)
    elif how == "run_circuit":
        job = backend.run(_bell())
    else:
        job = backend.run(gpuq.compile(_bell(), backend))
    result = job.result()
    assert result.results[0].shots == 7
    assert len(result.get_memory()) == 7
    assert result.results[0].seed_simulator == 11


def test_precedence_is_run_keywords_then_qobj_then_backend():
    backend = Local.get_backend("qasm_simulator_cpu")
    backend.set_options(shots=7)
    assert backend.run(gpuq.compile(_bell(), backend, shots=9)).result().results[0].shots == 9
    assert backend.run(gpuq.compile(_bell(), backend, shots=9), shots=3).result().results[0].shots == 3
    merged = merge_options(RunOptions(shots=7), QobjConfig(shots=9), {"shots": 3, "memory": None})
    assert merged.shots == 3 and merged.memory is False


def test_get_backend_hands_out_a_fresh_backend_each_time():
    first = Local.get_backend("qasm_simulator_cpu")
    first.set_options(shots=7)
    second = Local.get_backend("qasm_simulator_cpu")
    assert first is not second
    assert second.options.shots == RunOptions().shots
    assert gpuq.execute(_bell(), "qasm_simulator_cpu").result().results[0].shots == RunOptions().shots


@pytest.mark.parametrize(
    "call",
    [
        lambda b: b.set_options(precision="half"),
        lambda b: b.run(_bell(), precision="half"),
        lambda b: gpuq.execute(_bell(), b, precision="half"),
        lambda b: gpuq.compile(_bell(), b, precision="half"),
    ],
)
def test_a_bad_precision_names_the_option_and_the_allowed_values(call):
    with pytest.raises(QobjValidationError) as info:
        call(Local.get_backend("qasm_simulator_cpu"))
    message = str(info.value)
    assert "precision" in message and "'single' or 'double'" in message and "'half'" in message
    assert "\n" not in message and "pydantic" not in message


@pytest.mark.parametrize(
    "fields, names",
    [
        ({"device": "tpu"}, ("device", "'auto', 'cpu' or 'gpu'", "'tpu'")),
        (
            {"shots": 0},
            (
                "shots",
                "greater than or equal to 1",
            ),
        ),
        (
            {"shots": True},
            (
                "shots",
                "integer",
            ),
        ),
        (
            {"shots": "100"},
            (
                "shots",
                "integer",
            ),
        ),
        ({"memory": 1}, ("memory", "true or false")),
        ({"fusion_max_qubits": 9}, ("fusion_max_qubits", "less than or equal to 6")),
        ({"shots": 1, "shotz": 2}, ("'shotz'", "options are:", "shots")),
    ],
)
def test_every_bad_option_is_one_gpuq_error_naming_it(fields, names):
    backend = Local.get_backend("qasm_simulator_cpu")
    with pytest.raises(QobjValidationError) as info:
        backend.set_options(**fields)
    for name in names:
        assert name in str(info.value)
    assert "\n" not in str(info.value)


def test_numpy_integers_and_booleans_are_accepted():
    backend = Local.get_backend("qasm_simulator_cpu")
    backend.set_options(shots=np.int64(5), memory=np.bool_(True))
    assert backend.options.shots == 5 and backend.options.memory is True


def test_a_qobj_with_an_unknown_config_key_is_refused_with_the_list_of_options():
    qobj = gpuq.compile(_bell()).to_dict()
    qobj["config"]["shotz"] = 5
    with pytest.raises(QobjValidationError, match="unknown option 'shotz'; options are: .*shots"):
        Local.get_backend("qasm_simulator_cpu").run(qobj)


def test_compile_takes_a_backend_object_and_execute_resolves_names():
    with pytest.raises(QobjValidationError, match="backend object"):
        gpuq.compile(_bell(), "qasm_simulator")
    counts = gpuq.execute(_bell(), "qasm_simulator_cpu", shots=10, seed=1).result().get_counts()
    assert sum(counts.values()) == 10


def test_the_same_circuit_may_run_twice_in_one_job():
    qc = _bell()
    result = gpuq.execute([qc, qc], "qasm_simulator_cpu", shots=50, seed=2).result()
    assert [r.header.name for r in result.results] == ["bell", "bell"]
    assert sum(result.get_counts(1).values()) == 50
    with pytest.warns(UserWarning, match="2 experiments are named 'bell'"):
        assert result.get_counts("bell") == result.get_counts(0)
