"""Both noisy methods' counts agree with Qiskit Aer's under the same model (real Aer, same circuit, same model).

The model is written twice, once with ``qiskit_aer.noise`` and once with
``gpuq.noise``, by the same calls; the circuit is built in Qiskit and run
through gpuq's Qiskit adapter, so Aer and gpuq see the same circuit. The
bound: two independent samples of ``shots`` draws each differ in total
variation by about ``sqrt(2)`` times one sample's expected distance from the
truth; the test allows 4 times that (``noise_reference.tv_bound`` on Aer's
exact density-matrix probabilities, times sqrt(2)), with fixed seeds.
"""

from __future__ import annotations

import numpy as np
import pytest
from noise_reference import tv_bound
from qiskit import QuantumCircuit, transpile
from qiskit_aer import AerSimulator
from qiskit_aer import noise as aer

import gpuq.noise as ours
from gpuq.qiskit import GpuqSimulator

SHOTS = 20_000


def _model(module):
    model = module.NoiseModel()
    model.add_all_qubit_quantum_error(module.depolarizing_error(0.02, 1), ["sx", "x", "h"])
    model.add_all_qubit_quantum_error(module.thermal_relaxation_error(60.0, 40.0, 2.0, 0.02), ["rz"])
    model.add_all_qubit_quantum_error(module.depolarizing_error(0.06, 2), ["cx"])
    model.add_quantum_error(module.amplitude_damping_error(0.15), ["h"], [1])
    model.add_quantum_error(
        module.phase_damping_error(0.2).compose(module.pauli_error([("Y", 0.05), ("I", 0.95)])), ["sx"], [2]
    )
    model.add_all_qubit_readout_error(module.ReadoutError([[0.96, 0.04], [0.07, 0.93]]))
    model.add_readout_error(module.ReadoutError([[0.9, 0.1], [0.15, 0.85]]), [3])
    return model


def _circuit() -> QuantumCircuit:
    rng = np.random.default_rng(17)
    qc = QuantumCircuit(4, 4)
    qc.h([0, 1])
    for layer in range(3):
        for q in range(4):
            qc.rz(float(rng.uniform(0, 2 * np.pi)), q)
            qc.sx(q)
        for q in range(layer % 2, 3, 2):
            qc.cx(q, q + 1)
    qc.x(2)
    qc.measure(range(4), range(4))
    return qc


def _tv(a: dict[str, int], b: dict[str, int]) -> float:
    keys = set(a) | set(b)
    return 0.5 * sum(abs(a.get(k, 0) / SHOTS - b.get(k, 0) / SHOTS) for k in keys)


@pytest.mark.parametrize("method, ran", [("density_matrix", "density_matrix"), ("statevector", "trajectory")])
def test_counts_agree_with_qiskit_aer_under_the_same_model(method, ran):
    """``method`` is Aer's name, as the adapter takes it; ``ran`` is the gpuq method it selects."""
    qc = _circuit()
    aer_counts = (
        AerSimulator(noise_model=_model(aer), method="density_matrix")
        .run(qc, shots=SHOTS, seed_simulator=5)
        .result()
        .get_counts()
    )
    exact_circuit = qc.remove_final_measurements(inplace=False)
    exact_circuit.save_probabilities_dict()
    exact = (
        AerSimulator(noise_model=_model(aer), method="density_matrix")
        .run(transpile(exact_circuit, AerSimulator(method="density_matrix")))
        .result()
        .data()["probabilities"]
    )
    backend = GpuqSimulator()
    ours_counts = backend.run(qc, shots=SHOTS, seed_simulator=5, noise_model=_model(ours), method=method).result()
    counts = ours_counts.get_counts()
    assert ours_counts.results[0].metadata["method"] == ran
    assert sum(counts.values()) == SHOTS
    bound = np.sqrt(2) * tv_bound({int(k, 16) if isinstance(k, str) else k: v for k, v in exact.items()}, SHOTS)
    assert _tv(counts, aer_counts) < bound
