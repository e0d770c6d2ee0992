"""The density-matrix method against the independent dense reference (tests/noise_reference.py).

Every error kind of gpuq.noise follows gates of every kernel family (dense,
diagonal, permutation, controlled) on every qubit position, in both
precisions, on both devices (the GPU through the CuPy stand-in with
``--gpu-standin``). The reference's channels are Qiskit Aer's own Kraus
matrices, so the error constructors are checked too. Mid-circuit
measurement, reset, conditions and readout errors are checked on the exact
classical distribution, and counts against it with a stated bound.
"""

from __future__ import annotations

import numpy as np
import pytest
from gate_matrices import SWAP, SX, H, X, Z
from noise_reference import distribution, final_density, total_variation, tv_bound
from qiskit.quantum_info import Kraus
from qiskit_aer import noise as aer
from reference import embed, random_unitary

import gpuq
from gpuq import Local, QuantumCircuit
from gpuq.exceptions import InsufficientMemoryError, QobjValidationError
from gpuq.noise import (
    NoiseModel,
    QuantumError,
    ReadoutError,
    amplitude_damping_error,
    depolarizing_error,
    pauli_error,
    phase_damping_error,
    thermal_relaxation_error,
)
from gpuq.providers.local.prepare import prepare
from gpuq.sim.chunks import Chunker
from gpuq.sim.noisy.density import density_plan, marginal, trace_probabilities

S = np.diag([1, 1j])


def _aer_kraus(error) -> list[np.ndarray]:
    return list(Kraus(error.to_quantumchannel()).data)


def _noisy_circuit(rng: np.random.Generator, nqubits: int):
    """A circuit, its gpuq noise model, and the same program for the reference (Aer's channels)."""
    qc = QuantumCircuit(nqubits)
    model = NoiseModel()
    program: list[tuple] = []

    def gate(matrix, targets, controls=()):
        program.append(("gate", embed(nqubits, targets, matrix, controls), list(range(nqubits)), None))

    def channel(aer_error, qubits):
        program.append(("channel", _aer_kraus(aer_error), list(qubits), None))

    model.add_all_qubit_quantum_error(amplitude_damping_error(0.2, 0.1), "h")
    model.add_all_qubit_quantum_error(thermal_relaxation_error(50.0, 70.0, 10.0, 0.05), "x")
    model.add_all_qubit_quantum_error(thermal_relaxation_error(50.0, 30.0, 10.0, 0.05), "s")
    model.add_all_qubit_quantum_error(depolarizing_error(0.15, 2), "cx")
    model.add_all_qubit_quantum_error(pauli_error([("XZ", 0.1), ("YI", 0.05), ("II", 0.85)]), "cz")
    model.add_all_qubit_quantum_error(depolarizing_error(0.2, 3), "ccx")
    model.add_all_qubit_quantum_error(phase_damping_error(0.3), "reset")
    for q in range(nqubits):
        u = random_unitary(1, rng)
        qc.unitary(u, [q])
        model.add_quantum_error(depolarizing_error(0.05 + 0.02 * q, 1), "unitary", [q])
        gate(u, [q])
        channel(aer.depolarizing_error(0.05 + 0.02 * q, 1), [q])
    v = random_unitary(1, rng)  # a complex error: conj(K) and K differ, so the superoperator's order shows
    for q in (0, nqubits - 1):
        qc.sx(q)
        gate(SX, [q])
        model.add_quantum_error(QuantumError([(v, 0.6), (np.eye(2), 0.4)]), "sx", [q])
        program.append(("channel", [np.sqrt(0.6) * v, np.sqrt(0.4) * np.eye(2)], [q], None))
    for q in range(nqubits):
        for name, matrix, error in (
            ("h", H, aer.amplitude_damping_error(0.2, 0.1)),
            ("x", X, aer.thermal_relaxation_error(50.0, 70.0, 10.0, 0.05)),
            ("s", S, aer.thermal_relaxation_error(50.0, 30.0, 10.0, 0.05)),
        ):
            getattr(qc, name)(q)
            gate(matrix, [q])
            channel(error, [q])
    for a in range(nqubits):
        b = (a + 1) % nqubits
        qc.cx(b, a)
        gate(X, [a], [b])
        channel(aer.depolarizing_error(0.15, 2), [b, a])
        qc.cz(a, b)
        gate(Z, [b], [a])
        channel(aer.pauli_error([("XZ", 0.1), ("YI", 0.05), ("II", 0.85)]), [a, b])
        qc.swap(a, b)
        gate(SWAP, [a, b])
        u = random_unitary(2, rng)
        qc.unitary(u, [b, a])
        gate(u, [b, a])
        model.add_quantum_error(amplitude_damping_error(0.1).tensor(phase_damping_error(0.2)), "unitary", [b, a])
        channel(aer.amplitude_damping_error(0.1).tensor(aer.phase_damping_error(0.2)), [b, a])
    qc.ccx(2, 0, 1)
    gate(X, [1], [2, 0])
    channel(aer.depolarizing_error(0.2, 3), [2, 0, 1])
    qc.reset(1)
    program.append(("reset", 1, None))
    channel(aer.phase_damping_error(0.3), [1])
    qc.h(1)
    gate(H, [1])
    channel(aer.amplitude_damping_error(0.2, 0.1), [1])
    return qc, model, program


def _final_rho(device, precision, qc, model, fusion_max_qubits):
    backend = Local.get_backend("qasm_simulator")
    qobj = gpuq.compile(qc, backend, noise_model=model, method="density_matrix", precision=precision)
    spec = prepare(qobj, backend, check_devices=False).experiments[0].noise
    n = qc.num_qubits
    chunks = Chunker(device, 2 * n, precision, lambda: False)
    state = device.zero_state(2 * n, precision)
    for op in density_plan(spec.ops, n, fusion_max_qubits):
        chunks.apply(state, op)
    return device, state


@pytest.mark.parametrize("nqubits", [3, 4])
@pytest.mark.parametrize("fusion", [1, 4])
def test_density_matrix_equals_the_dense_reference(device, precision, atol, rng, nqubits, fusion):
    qc, model, program = _noisy_circuit(rng, nqubits)
    expected = final_density(nqubits, program)
    _, state = _final_rho(device, precision, qc, model, fusion)
    dim = 1 << nqubits
    rho = device.to_host(state).reshape(dim, dim)
    assert np.max(np.abs(rho - expected)) < 10 * atol
    probabilities = trace_probabilities(device, state, nqubits)
    assert np.max(np.abs(probabilities - np.diag(expected).real)) < 10 * atol
    assert np.max(np.abs(marginal(probabilities, [2, 0]) - _marginal(np.diag(expected).real, [2, 0]))) < 10 * atol


def _marginal(probabilities: np.ndarray, qubits: list[int]) -> np.ndarray:
    out = np.zeros(1 << len(qubits))
    for index, p in enumerate(probabilities):
        out[sum(((index >> q) & 1) << j for j, q in enumerate(qubits))] += p
    return out


def _mid_circuit(rng: np.random.Generator):
    """Measurement, reset, conditions and readout errors under noise; the program for the reference."""
    qc = QuantumCircuit(3, 3)
    model = NoiseModel()
    model.add_all_qubit_quantum_error(amplitude_damping_error(0.25), "h")
    model.add_all_qubit_quantum_error(depolarizing_error(0.2, 1), "x")
    model.add_all_qubit_quantum_error(pauli_error([("X", 0.1), ("I", 0.9)]), "measure")
    model.add_all_qubit_readout_error(ReadoutError([[0.9, 0.1], [0.25, 0.75]]))
    model.add_readout_error(ReadoutError([[0.8, 0.2], [0.05, 0.95]]), [2])
    readout = {0: [[0.9, 0.1], [0.25, 0.75]], 1: [[0.9, 0.1], [0.25, 0.75]], 2: [[0.8, 0.2], [0.05, 0.95]]}
    u = random_unitary(1, rng)
    program: list[tuple] = []

    def measure(q, c, condition=None):
        program.append(("channel", _aer_kraus(aer.pauli_error([("X", 0.1), ("I", 0.9)])), [q], condition))
        program.append(("measure", q, c, condition))
        program.append(("readout", c, readout[q], condition))

    qc.h(0)
    program += [("gate", H, [0], None), ("channel", _aer_kraus(aer.amplitude_damping_error(0.25)), [0], None)]
    qc.unitary(u, [1])
    program.append(("gate", u, [1], None))
    qc.measure(0, 0)
    measure(0, 0)
    qc.x(2).c_if(0, 1)
    program += [("gate", X, [2], ([0], 1)), ("channel", _aer_kraus(aer.depolarizing_error(0.2, 1)), [2], ([0], 1))]
    qc.reset(0)
    program.append(("reset", 0, None))
    qc.h(0)
    program += [("gate", H, [0], None), ("channel", _aer_kraus(aer.amplitude_damping_error(0.25)), [0], None)]
    qc.measure(1, 1)
    measure(1, 1)
    qc.measure(2, 2)
    measure(2, 2)
    qc.measure(0, 0)
    measure(0, 0)
    return qc, model, distribution(3, program)


SHOTS = 20_000


@pytest.mark.parametrize("method", ["density_matrix", "trajectory"])
def test_mid_circuit_measurement_reset_conditions_and_readout_follow_the_exact_distribution(
    device_name, precision, rng, method
):
    qc, model, exact = _mid_circuit(rng)
    result = gpuq.execute(
        qc,
        "qasm_simulator",
        noise_model=model,
        method=method,
        shots=SHOTS,
        seed_simulator=11,
        device=device_name,
        precision=precision,
    ).result()
    assert result.results[0].metadata["method"] == method
    counts = result.results[0].data.counts
    assert sum(counts.values()) == SHOTS
    assert total_variation(counts, exact) < tv_bound(exact, SHOTS)


def test_a_density_matrix_counts_4_to_the_n_amplitudes_before_it_runs():
    qc = QuantumCircuit(12, 12)
    qc.h(range(12))
    qc.measure(range(12), range(12))
    model = NoiseModel()
    model.add_all_qubit_quantum_error(depolarizing_error(0.01, 1), "h")
    with pytest.raises(InsufficientMemoryError, match="density matrix"):  # 4**12 * 16 B = 256 MiB
        gpuq.execute(qc, "qasm_simulator_cpu", noise_model=model, method="density_matrix", max_memory_mb=200)
    result = gpuq.execute(
        qc, "qasm_simulator_cpu", noise_model=model, method="trajectory", max_memory_mb=200, shots=10
    ).result()
    assert sum(result.get_counts().values()) == 10


def test_noise_is_refused_where_it_cannot_run():
    qc = QuantumCircuit(2, 2)
    qc.cx(0, 1)
    qc.measure([0, 1], [0, 1])
    wrong_size = NoiseModel()
    wrong_size.add_all_qubit_quantum_error(depolarizing_error(0.1, 1), "unitary")
    qc2 = QuantumCircuit(2)
    qc2.unitary(np.eye(4), [0, 1])
    with pytest.raises(QobjValidationError, match="1-qubit error for 'unitary' cannot follow it"):
        gpuq.execute(qc2, "qasm_simulator", noise_model=wrong_size)
    model = NoiseModel()
    model.add_all_qubit_quantum_error(depolarizing_error(0.1, 2), "cx")
    with pytest.raises(QobjValidationError, match="need the qasm simulator, not the statevector"):
        gpuq.execute(qc, "statevector_simulator", noise_model=model)
    pytest.importorskip("mpi4py", reason="the test extra brings mpi4py")
    with pytest.raises(QobjValidationError, match="a noise model does not run distributed yet"):
        gpuq.execute(qc, "qasm_simulator", noise_model=model, mpi=True)


def test_auto_takes_the_cheaper_method_and_says_why():
    def run(nqubits, model, shots):
        qc = QuantumCircuit(nqubits, nqubits)
        qc.h(range(nqubits))
        qc.measure(range(nqubits), range(nqubits))
        result = gpuq.execute(qc, "qasm_simulator_cpu", noise_model=model, shots=shots, seed_simulator=1).result()
        return result.results[0].metadata["method"], result.results[0].metadata["method_reason"]

    heavy = NoiseModel()
    heavy.add_all_qubit_quantum_error(amplitude_damping_error(0.3), "h")
    light = NoiseModel()
    light.add_all_qubit_quantum_error(depolarizing_error(0.001, 1), "h")
    readout_only = NoiseModel()
    readout_only.add_all_qubit_readout_error(ReadoutError([[0.9, 0.1], [0.1, 0.9]]))
    assert run(3, heavy, 4000) == (
        "density_matrix",
        "auto: about 2629 distinct noise draws cost more than one density matrix",
    )
    assert run(10, light, 1000)[0] == "trajectory"
    assert run(3, readout_only, 100) == (
        "trajectory",
        "auto: no quantum errors, so one statevector per outcome is exact",
    )


def test_the_density_matrix_runs_ideal_circuits_too():
    qc = QuantumCircuit(2, 2)
    qc.h(0)
    qc.cx(0, 1)
    qc.measure([0, 1], [0, 1])
    result = gpuq.execute(qc, "qasm_simulator_cpu", method="density_matrix", shots=4000, seed_simulator=2).result()
    counts = result.get_counts()
    assert set(counts) == {"00", "11"} and abs(counts["00"] - 2000) < 4 * 50
    assert result.results[0].metadata["method"] == "density_matrix"


def test_small_cpu_density_matrices_run_on_one_thread_and_give_the_threads_back():
    import numba

    from gpuq.providers.local.runner import run_prepared
    from gpuq.sim.devices.select import cpu_device
    from gpuq.sim.noisy.run import SERIAL_DENSITY_QUBITS, serial_if_small

    device = cpu_device()
    before = numba.get_num_threads()
    with serial_if_small(device, "density_matrix", SERIAL_DENSITY_QUBITS):
        assert numba.get_num_threads() == 1
    assert numba.get_num_threads() == before
    with serial_if_small(device, "density_matrix", SERIAL_DENSITY_QUBITS + 1):
        assert numba.get_num_threads() == before
    with serial_if_small(device, "trajectory", 3):
        assert numba.get_num_threads() == before
    qc = QuantumCircuit(2, 2)
    qc.h(0)
    qc.measure([0, 1], [0, 1])
    backend = Local.get_backend("qasm_simulator_cpu")
    job = prepare(gpuq.compile(qc, backend, method="density_matrix", shots=10), backend)
    run_prepared(job, lambda: False, "in-this-thread")  # the walk runs here, on one thread
    assert numba.get_num_threads() == before
