"""Readout errors on several qubits together: the joint confusion matrix, in Aer's bit order, on both methods.

Aer's ``ReadoutError`` on qubits ``[q0, q1, ...]`` reads ``probabilities[m][n]``
with bit j of ``m`` and ``n`` the value of ``q_j``. Qiskit Aer 0.18 itself
never applies such an error to a Qiskit circuit (its measurements are
one-qubit instructions, and the explicit ``roerror`` instruction fails with
"stoull"), so Aer is the reference for the bit order through the tensor
product: ``e1.tensor(e0)`` on ``[q0, q1]`` is ``e0`` on ``q0`` and ``e1`` on
``q1``. Counts are checked against exact distributions (the circuits'
probabilities from Qiskit's ``Statevector``, the confusion applied here)
with ``noise_reference.tv_bound``, fixed seeds.
"""

from __future__ import annotations

import numpy as np
import pytest
from noise_reference import total_variation, tv_bound
from qiskit import QuantumCircuit as QiskitCircuit
from qiskit.quantum_info import Statevector
from qiskit_aer import AerSimulator
from qiskit_aer import noise as aer

import gpuq
import gpuq.noise as ours
from gpuq import QuantumCircuit
from gpuq.qiskit import GpuqSimulator
from gpuq.sim.noisy.lowering import ReadoutOp, add_noise
from gpuq.sim.ops import MeasureOp

METHODS = ["density_matrix", "trajectory"]

JOINT = np.array(
    [
        [0.7, 0.1, 0.2, 0.0],
        [0.05, 0.9, 0.0, 0.05],
        [0.0, 0.1, 0.8, 0.1],
        [0.0, 0.0, 0.3, 0.7],
    ]
)


def _confused(probabilities: np.ndarray, confusion: np.ndarray, qubits: list[int]) -> dict[int, float]:
    """The distribution of recorded values: ``qubits`` (bit j of the confusion's index is ``qubits[j]``)
    misread jointly."""
    out: dict[int, float] = {}
    for value, p in enumerate(probabilities):
        true = sum(((value >> q) & 1) << j for j, q in enumerate(qubits))
        base = value & ~sum(1 << q for q in qubits)
        for recorded, c in enumerate(confusion[true]):
            key = base | sum(((recorded >> j) & 1) << q for j, q in enumerate(qubits))
            out[key] = out.get(key, 0.0) + p * c
    return out


@pytest.mark.parametrize("method", METHODS)
def test_a_permutation_confusion_maps_every_outcome_in_aer_bit_order(method):
    """A confusion matrix that sends each true value to one recorded value shows the bit order exactly."""
    swap_and_flip = np.zeros((4, 4))
    for m, n in enumerate([2, 3, 1, 0]):
        swap_and_flip[m, n] = 1.0
    model = ours.NoiseModel()
    model.add_readout_error(ours.ReadoutError(swap_and_flip), [2, 0])
    qc = QuantumCircuit(3, 3)
    qc.x(2)  # true (q2, q0) = (1, 0): m = 0b01 = 1 -> n = 3: q2 = 1, q0 = 1
    qc.x(1)
    qc.measure([0, 1, 2], [0, 1, 2])
    counts = gpuq.execute(qc, "qasm_simulator", noise_model=model, method=method, shots=50).result().get_counts()
    assert counts == {"111": 50}


@pytest.mark.parametrize("method", METHODS)
def test_joint_readout_counts_follow_the_exact_distribution(method, device_name, precision):
    qc = QuantumCircuit(3, 3)
    qc.h(0)
    qc.cx(0, 2)
    qc.ry(0.7, 1)
    qc.measure([0, 1, 2], [0, 1, 2])
    model = ours.NoiseModel()
    model.add_readout_error(ours.ReadoutError(JOINT), [2, 0])
    model.add_all_qubit_readout_error(ours.ReadoutError([[0.9, 0.1], [0.2, 0.8]]))  # only qubit 1 takes it
    reference = QiskitCircuit(3)
    reference.h(0)
    reference.cx(0, 2)
    reference.ry(0.7, 1)
    probabilities = Statevector(reference).probabilities()
    exact = _confused(probabilities, JOINT, [2, 0])
    exact = _confused(np.array([exact.get(v, 0.0) for v in range(8)]), np.array([[0.9, 0.1], [0.2, 0.8]]), [1])
    shots = 4000
    result = gpuq.execute(
        qc,
        "qasm_simulator",
        noise_model=model,
        method=method,
        shots=shots,
        seed_simulator=9,
        device=device_name,
        precision=precision,
    ).result()
    assert total_variation(result.results[0].data.counts, exact) < tv_bound(exact, shots)


def test_a_joint_error_reads_only_runs_that_measure_all_its_qubits():
    """Measured apart (a gate between), the qubits take their own one-qubit errors, as Aer looks errors up by
    the measured qubits; a clbit overwritten later in the run takes no part."""
    model = ours.NoiseModel()
    model.add_readout_error(ours.ReadoutError(JOINT), [0, 1])
    model.add_readout_error(ours.ReadoutError([[0.9, 0.1], [0.2, 0.8]]), [1])
    qc = QuantumCircuit(2, 3)
    qc.measure(0, 0)
    qc.x(1)
    qc.measure(1, 1)
    apart = gpuq.compile(qc, noise_model=model)
    qc2 = QuantumCircuit(2, 3)
    qc2.measure(0, 2)
    qc2.measure(1, 1)
    qc2.measure(0, 0)
    together = gpuq.compile(qc2, noise_model=model)
    backend = gpuq.Local.get_backend("qasm_simulator")
    from gpuq.providers.local.prepare import prepare

    def readouts(qobj):
        ops = prepare(qobj, backend, check_devices=False).experiments[0].noise.ops
        return [(op.clbits, op.probabilities.shape) for op in ops if isinstance(op, ReadoutOp)]

    assert readouts(apart) == [((1,), (2, 2))]
    assert readouts(together) == [((0, 1), (4, 4))]


def test_joint_readout_lowering_keeps_aer_placement_of_single_errors():
    model = ours.NoiseModel()
    model.add_all_qubit_readout_error(ours.ReadoutError([[0.9, 0.1], [0.2, 0.8]]))
    ops = add_noise([MeasureOp(0, 0), MeasureOp(1, 1), MeasureOp(2, 2)], model, "experiments.0")
    assert [type(op).__name__ for op in ops] == ["MeasureOp", "ReadoutOp"] * 3


@pytest.mark.parametrize("method", ["density_matrix", "statevector"])
def test_a_tensor_product_joint_error_agrees_with_aer_per_qubit_errors(method):
    e0 = [[0.92, 0.08], [0.15, 0.85]]
    e1 = [[0.8, 0.2], [0.05, 0.95]]
    qc = QiskitCircuit(3, 3)
    qc.h(0)
    qc.cx(0, 1)
    qc.ry(1.1, 2)
    qc.cx(2, 0)
    qc.measure([0, 1, 2], [0, 1, 2])
    aer_model = aer.NoiseModel()
    aer_model.add_readout_error(aer.ReadoutError(e0), [2])
    aer_model.add_readout_error(aer.ReadoutError(e1), [0])
    ours_model = ours.NoiseModel()
    ours_model.add_readout_error(ours.ReadoutError(e1).tensor(ours.ReadoutError(e0)), [2, 0])
    shots = 20_000
    aer_counts = AerSimulator(noise_model=aer_model).run(qc, shots=shots, seed_simulator=5).result().get_counts()
    result = GpuqSimulator().run(qc, shots=shots, seed_simulator=5, noise_model=ours_model, method=method).result()
    counts = result.get_counts()
    probabilities = Statevector(qc.remove_final_measurements(inplace=False)).probabilities()
    exact = _confused(_confused_array(probabilities, e0, 2), np.array(e1), [0])
    tv = 0.5 * sum(abs(counts.get(k, 0) - aer_counts.get(k, 0)) / shots for k in set(counts) | set(aer_counts))
    assert tv < np.sqrt(2) * tv_bound(exact, shots)


def _confused_array(probabilities: np.ndarray, confusion, qubit: int) -> np.ndarray:
    exact = _confused(probabilities, np.array(confusion), [qubit])
    return np.array([exact.get(v, 0.0) for v in range(len(probabilities))])
