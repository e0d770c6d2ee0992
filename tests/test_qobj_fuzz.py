"""Hostile Qobj input: every malformed Qobj is a ``QobjValidationError``, never another exception (issue 13 item 13)."""

import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gpuq
from gpuq import GpuqError, QobjValidationError, QuantumCircuit
from gpuq.providers.local import Local
from gpuq.providers.local.prepare import prepare

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


def _valid_qobj() -> dict:
    qc = QuantumCircuit(3, 2, name="fuzz")
    qc.h(0)
    qc.cx(0, 1)
    qc.rz(0.5, 2)
    qc.unitary([[0, 1], [1, 0]], [2])
    qc.x(1).c_if(qc.cregs[0], 1)
    qc.measure([0, 1], [0, 1])
    return gpuq.compile(qc, shots=5).to_dict()


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, prefix + (index,))


BASE = _valid_qobj()
PATHS = [path for path in _paths(BASE) if path]


def _replace(data, path, value):
    mutated = copy.deepcopy(data)
    node = mutated
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return mutated


@pytest.mark.parametrize(
    "matrix, words",
    [
        ([], "at least 1 item"),
        ([[]], "at least 1 item"),
        ([[[1, 0]], [[0, 0]]], "must be square"),
        ([[[1, 0], [0, 0]], [[0, 0]]], "must be square"),
    ],
)
def test_a_malformed_unitary_matrix_is_a_validation_error(matrix, words):
    qobj = _replace(BASE, ("experiments", 0, "instructions", 3, "matrix"), matrix)
    with pytest.raises(QobjValidationError, match=r"experiments\.0\.instructions\.3\.matrix") as info:
        Local.get_backend("qasm_simulator_cpu").run(qobj)
    assert words in str(info.value)


@pytest.mark.parametrize("phase", [float("nan"), float("inf")])
def test_a_global_phase_that_is_not_finite_is_refused(phase):
    qobj = _replace(BASE, ("experiments", 0, "header", "global_phase"), phase)
    with pytest.raises(QobjValidationError, match="global_phase"):
        Local.get_backend("qasm_simulator_cpu").run(qobj)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PATHS), json_values)
def test_any_single_field_replaced_gives_a_valid_qobj_or_a_validation_error(path, value):
    mutated = _replace(BASE, path, value)
    try:
        prepare(mutated, Local.get_backend("qasm_simulator_cpu"))
        prepare(json.dumps(mutated, allow_nan=True), Local.get_backend("unitary_simulator_cpu"))
    except GpuqError:
        pass
