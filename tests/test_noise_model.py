"""gpuq.noise: the errors equal Qiskit Aer's channels, bad errors are refused by name, models round-trip the wire."""

from __future__ import annotations

import json

import numpy as np
import pytest
from qiskit.quantum_info import Kraus
from qiskit_aer import noise as aer

from gpuq.exceptions import NoiseError, QobjValidationError
from gpuq.models.options import RunOptions, validate_options
from gpuq.noise import (
    NoiseModel,
    QuantumError,
    ReadoutError,
    amplitude_damping_error,
    depolarizing_error,
    kraus_error,
    pauli_error,
    thermal_relaxation_error,
)


def _aer_superoperator(error) -> np.ndarray:
    """Aer's channel as gpuq's row-major superoperator, sum K (x) conj(K), from Qiskit's Kraus matrices."""
    return sum(np.kron(k, k.conj()) for k in Kraus(error.to_quantumchannel()).data)


PAIRS = {
    "depolarizing-1": (lambda m: m.depolarizing_error(0.12, 1)),
    "depolarizing-2": (lambda m: m.depolarizing_error(0.3, 2)),
    "depolarizing-max": (lambda m: m.depolarizing_error(4 / 3, 1)),
    "amplitude": (lambda m: m.amplitude_damping_error(0.2)),
    "amplitude-thermal": (lambda m: m.amplitude_damping_error(0.2, 0.1)),
    "phase": (lambda m: m.phase_damping_error(0.35)),
    "thermal-t2-above-t1": (lambda m: m.thermal_relaxation_error(50.0, 70.0, 10.0, 0.05)),
    "thermal-t2-below-t1": (lambda m: m.thermal_relaxation_error(50.0, 30.0, 10.0, 0.05)),
    "pauli": (lambda m: m.pauli_error([("XZ", 0.2), ("YI", 0.1), ("II", 0.7)])),
    "compose": (lambda m: m.pauli_error([("X", 0.3), ("I", 0.7)]).compose(m.amplitude_damping_error(0.3))),
    "compose-front": (
        lambda m: m.pauli_error([("X", 0.3), ("I", 0.7)]).compose(m.amplitude_damping_error(0.3), front=True)
    ),
    "tensor": (lambda m: m.depolarizing_error(0.1, 1).tensor(m.amplitude_damping_error(0.3))),
    "expand": (lambda m: m.depolarizing_error(0.1, 1).expand(m.phase_damping_error(0.3))),
}


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_each_error_is_the_channel_aer_builds_from_the_same_call(name):
    ours, theirs = PAIRS[name](__import__("gpuq.noise", fromlist=["x"])), PAIRS[name](aer)
    assert np.max(np.abs(ours.superoperator() - _aer_superoperator(theirs))) < 1e-12


def test_depolarizing_is_the_textbook_formula_on_a_random_density_matrix(rng):
    a = rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4))
    rho = a @ a.conj().T
    rho /= np.trace(rho)
    p = 0.37
    out = sum(k @ rho @ k.conj().T for k in depolarizing_error(p, 2).kraus())
    assert np.allclose(out, (1 - p) * rho + p * np.eye(4) / 4, atol=1e-13)


def test_unitary_mixtures_are_known_as_such_and_kraus_terms_are_not():
    assert depolarizing_error(0.1, 2).is_unitary_mixture()
    assert pauli_error([("X", 0.5), ("I", 0.5)]).is_unitary_mixture()
    assert not amplitude_damping_error(0.1).is_unitary_mixture()
    assert depolarizing_error(0.0, 1).ideal() and not depolarizing_error(0.01, 1).ideal()


@pytest.mark.parametrize(
    "build, words",
    [
        (lambda: kraus_error([np.eye(2), np.eye(2)]), "not trace preserving"),
        (lambda: kraus_error([np.diag([1.0, 0.5])]), "not trace preserving"),
        (lambda: kraus_error([np.eye(2), np.eye(4)]), "shapes"),
        (lambda: kraus_error([np.ones((3, 3))]), "not a power of two"),
        (lambda: kraus_error([]), "non-empty"),
        (lambda: depolarizing_error(1.5, 1), r"between 0 and 1\.33333"),
        (lambda: depolarizing_error(0.1, 4), "from 1 to 3"),
        (lambda: pauli_error([("X", 0.5), ("I", 0.6)]), "sum to 1"),
        (lambda: pauli_error([("X", -0.1), ("I", 1.1)]), "non-negative"),
        (lambda: pauli_error([("XQ", 1.0)]), "not a Pauli label"),
        (lambda: pauli_error([("X", 0.5), ("II", 0.5)]), "different lengths"),
        (lambda: amplitude_damping_error(1.2), "at most 1"),
        (lambda: thermal_relaxation_error(10.0, 30.0, 1.0), r"at most 2 \* t1"),
        (lambda: thermal_relaxation_error(10.0, 5.0, -1.0), "non-negative"),
        (lambda: QuantumError([(np.diag([1.0, 0.5]), 1.0)]), "not unitary"),
        (lambda: ReadoutError([[0.9, 0.2], [0.1, 0.9]]), "row 0"),
        (lambda: ReadoutError([[1.0, 0.0, 0.0], [0, 1, 0], [0, 0, 1]]), "power of two"),
    ],
)
def test_invalid_errors_raise_noise_error_saying_what_is_wrong(build, words):
    with pytest.raises(NoiseError, match=words):
        build()


def test_local_errors_override_the_all_qubit_error_and_repeats_compose():
    model = NoiseModel()
    everywhere, here = depolarizing_error(0.1, 1), amplitude_damping_error(0.2)
    model.add_all_qubit_quantum_error(everywhere, ["h", "x"], warnings=False)
    model.add_quantum_error(here, "h", [3], warnings=False)
    assert model.quantum_error("h", (0,)) == everywhere
    assert model.quantum_error("h", (3,)) == here
    assert model.quantum_error("x", (3,)) == everywhere
    assert model.quantum_error("cx", (0, 1)) is None
    model.add_quantum_error(here, "h", [3], warnings=False)
    assert model.quantum_error("h", (3,)) == here.compose(here)
    assert model.noise_instructions == ["h", "x"] and model.noise_qubits == [3]


def test_model_refuses_errors_that_do_not_fit_their_instruction():
    model = NoiseModel()
    with pytest.raises(NoiseError, match="2-qubit error cannot follow the 1-qubit instruction 'h'"):
        model.add_all_qubit_quantum_error(depolarizing_error(0.1, 2), "h")
    with pytest.raises(NoiseError, match="cannot act on the 2 qubit"):
        model.add_quantum_error(depolarizing_error(0.1, 1), "cx", [0, 1])
    with pytest.raises(NoiseError, match="one-qubit"):
        model.add_all_qubit_readout_error(ReadoutError(np.eye(4)[::-1]))
    with pytest.raises(NoiseError, match="expected a QuantumError"):
        model.add_all_qubit_quantum_error("depolarizing", "h")


def _full_model() -> NoiseModel:
    model = NoiseModel()
    model.add_all_qubit_quantum_error(depolarizing_error(0.05, 1), ["h", "sx"])
    model.add_all_qubit_quantum_error(thermal_relaxation_error(40.0, 30.0, 2.0), ["x"])
    model.add_quantum_error(depolarizing_error(0.1, 2), "cx", [0, 1])
    model.add_all_qubit_readout_error(ReadoutError([[0.97, 0.03], [0.05, 0.95]]))
    model.add_readout_error(ReadoutError([[0.9, 0.1], [0.2, 0.8]]), [2])
    return model


def test_a_model_round_trips_through_json_and_the_run_options():
    model = _full_model()
    data = json.loads(json.dumps(model.to_dict()))
    again = NoiseModel.from_dict(data)
    assert again == model
    assert again.quantum_error("x", (4,)) == thermal_relaxation_error(40.0, 30.0, 2.0)
    assert RunOptions(noise_model=model).noise_model == model.to_dict()


def test_a_bad_model_on_the_wire_is_a_validation_error_naming_the_option_and_the_entry():
    data = _full_model().to_dict()
    data["quantum_errors"][0]["terms"][0]["probability"] = 0.5
    with pytest.raises(
        QobjValidationError, match=r"config\.noise_model: quantum_errors\.0: probabilities must sum to 1"
    ):
        validate_options({"noise_model": data}, "config")
    data = _full_model().to_dict()
    data["quantum_errors"][1]["terms"][2]["kraus"][0][0][0] = [3.0, 0.0]
    with pytest.raises(QobjValidationError, match="not trace preserving"):
        validate_options({"noise_model": data}, "config")
    with pytest.raises(QobjValidationError, match="config.method: input should be"):
        validate_options({"method": "stabilizer"}, "config")


def test_a_model_with_an_unknown_key_is_refused_not_run_ideal():
    with pytest.raises(QobjValidationError, match="unknown noise model key 'errors'"):
        validate_options({"noise_model": {"errors": 3}})
