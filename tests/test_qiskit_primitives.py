"""gpuq's SamplerV2 / EstimatorV2 against Qiskit's StatevectorSampler / StatevectorEstimator.

Estimator values are exact (compared to 1e-10). Sampler counts are compared
with the exact probabilities outcome by outcome, within 5 binomial standard
deviations plus one count (fixed seeds: each check is deterministic).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

pytest.importorskip("qiskit", minversion="2.1")

from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister, transpile
from qiskit.circuit.library import efficient_su2, real_amplitudes
from qiskit.primitives import StatevectorEstimator, StatevectorSampler
from qiskit.quantum_info import SparsePauliOp, Statevector

from gpuq.exceptions import CircuitError
from gpuq.qiskit import EstimatorV2, GpuqSimulator, SamplerV2


@pytest.fixture(scope="module")
def backend():
    return GpuqSimulator()


def _within(counts: dict[str, int], probabilities: dict[str, float], shots: int) -> None:
    for key in set(counts) | set(probabilities):
        p = probabilities.get(key, 0.0)
        assert abs(counts.get(key, 0) - shots * p) <= 5 * math.sqrt(shots * p * (1 - p)) + 1, key


def test_estimator_matches_statevector_estimator_with_broadcasting(backend):
    """Parameters (4, 1) x observables (3,) broadcast to (4, 3), exactly as Qiskit's reference."""
    ansatz = efficient_su2(3, reps=1)
    rng = np.random.default_rng(1)
    values = rng.uniform(-np.pi, np.pi, (4, 1, ansatz.num_parameters))
    observables = [
        SparsePauliOp.from_list([("XZI", 0.5), ("IYY", -1.25)]),
        SparsePauliOp.from_list([("ZZZ", 1.0), ("XII", 0.3)]),
        SparsePauliOp("IIY"),
    ]
    pub = (ansatz, observables, values)
    ours = EstimatorV2(backend=backend).run([pub]).result()[0]
    reference = StatevectorEstimator().run([pub]).result()[0]
    assert ours.data.evs.shape == (4, 3)
    np.testing.assert_allclose(ours.data.evs, reference.data.evs, atol=1e-10)
    assert ours.metadata["target_precision"] == 0.0


def test_estimator_runs_all_bindings_in_one_job(backend, monkeypatch):
    """Two PUBs with 5 and 3 bindings: one gpuq job per PUB, of 5 and 3 experiments (a spy on the real run)."""
    estimator = EstimatorV2(backend=backend)
    sizes = []
    simulator = type(estimator.backend.gpuq_backend)
    original = simulator.run

    def counting_run(self, qobj, **options):
        sizes.append(len(qobj.experiments))
        return original(self, qobj, **options)

    monkeypatch.setattr(simulator, "run", counting_run)
    ansatz = real_amplitudes(2, reps=1)
    rng = np.random.default_rng(2)
    estimator.run(
        [
            (ansatz, SparsePauliOp("ZZ"), rng.uniform(0, 1, (5, 4))),
            (ansatz, SparsePauliOp("XX"), rng.uniform(0, 1, (3, 4))),
        ]
    ).result()
    assert sizes == [5, 3]


def test_estimator_precision_adds_seeded_noise(backend):
    ansatz = real_amplitudes(2, reps=1)
    values = np.linspace(0, 1, 4 * 200).reshape(200, 4)
    pub = (ansatz, SparsePauliOp("ZI"), values)
    exact = EstimatorV2(backend=backend).run([pub]).result()[0].data.evs
    noisy = EstimatorV2(backend=backend, seed=3).run([pub], precision=0.05).result()[0]
    again = EstimatorV2(backend=backend, seed=3).run([pub], precision=0.05).result()[0]
    np.testing.assert_array_equal(noisy.data.evs, again.data.evs)
    residual = noisy.data.evs - exact
    # 200 draws of N(0, 0.05): the sample deviation lies within 20% of 0.05 with probability > 0.99.
    assert 0.04 < residual.std() < 0.06 and abs(residual.mean()) < 0.05 * 4 / math.sqrt(200)
    np.testing.assert_array_equal(noisy.data.stds, np.full(200, 0.05))


def test_estimator_refuses_measurements(backend):
    qc = QuantumCircuit(1, 1)
    qc.measure(0, 0)
    with pytest.raises(CircuitError, match="measure"):
        EstimatorV2(backend=backend).run([(qc, SparsePauliOp("Z"))]).result()


def test_sampler_matches_statevector_sampler_per_register(backend):
    """Two registers, parameter array of shape (2, 3): BitArray shapes, bit order and distributions as Qiskit's."""
    ansatz = real_amplitudes(3, reps=1)
    qc = QuantumCircuit(QuantumRegister(3), ClassicalRegister(2, "low"), ClassicalRegister(1, "high"))
    qc.compose(ansatz, inplace=True)
    qc.measure([0, 1], [0, 1])
    qc.measure(2, 2)
    values = np.random.default_rng(4).uniform(-np.pi, np.pi, (2, 3, ansatz.num_parameters))
    shots = 3000
    ours = SamplerV2(backend=backend, seed=5).run([(qc, values)], shots=shots).result()[0]
    reference = StatevectorSampler(seed=5).run([(qc, values)], shots=shots).result()[0]
    for name in ("low", "high"):
        assert getattr(ours.data, name).shape == getattr(reference.data, name).shape == (2, 3)
        assert getattr(ours.data, name).num_bits == getattr(reference.data, name).num_bits
        assert getattr(ours.data, name).num_shots == shots
    assert ours.metadata == reference.metadata
    for index in np.ndindex(2, 3):
        state = Statevector(ansatz.assign_parameters(values[index]))
        _within(ours.data.low[index].get_counts(), state.probabilities_dict([0, 1]), shots)
        _within(ours.data.high[index].get_counts(), state.probabilities_dict([2]), shots)
    assert ours.join_data().shape == (2, 3)


def test_sampler_bit_order_is_deterministic_and_exact(backend):
    qc = QuantumCircuit(QuantumRegister(4), ClassicalRegister(3, "c"), ClassicalRegister(9, "wide"))
    qc.x([0, 3])
    qc.measure([0, 1, 3], [0, 2, 1])
    qc.measure(3, qc.cregs[1][7])
    qc.measure(0, qc.cregs[1][0])
    ours = SamplerV2(backend=backend).run([qc], shots=4).result()[0]
    reference = StatevectorSampler().run([qc], shots=4).result()[0]
    assert ours.data.c.get_counts() == reference.data.c.get_counts() == {"011": 4}
    assert ours.data.wide.get_counts() == reference.data.wide.get_counts() == {"010000001": 4}
    np.testing.assert_array_equal(ours.data.wide.array, reference.data.wide.array)


def test_sampler_runs_ghz_with_mid_circuit_measurement_and_conditional(backend):
    """StatevectorSampler refuses this circuit; gpuq runs it: q2 is flipped back whenever q0 read 1."""
    qc = QuantumCircuit(QuantumRegister(3), ClassicalRegister(1, "mid"), ClassicalRegister(3, "out"))
    qc.h(0)
    qc.cx(0, 1)
    qc.cx(1, 2)
    qc.measure(0, 0)
    with qc.if_test((qc.cregs[0], 1)):
        qc.x(2)
    qc.measure([0, 1, 2], [1, 2, 3])
    result = SamplerV2(backend=backend, seed=6).run([transpile(qc, backend)], shots=2000).result()[0]
    _within(result.data.out.get_counts(), {"000": 0.5, "011": 0.5}, 2000)
    np.testing.assert_array_equal(result.data.mid.array[:, 0], result.data.out.array[:, 0] & 1)


def test_sampler_one_job_for_all_pubs_of_a_shot_count(backend, monkeypatch):
    """Bindings of all PUBs with the same shots run together: one run per distinct shot count."""
    sampler = SamplerV2(backend=backend, seed=1)
    ansatz = real_amplitudes(2, reps=1)
    ansatz.measure_all()
    rng = np.random.default_rng(7)
    job = sampler.run([(ansatz, rng.uniform(0, 1, (3, 4))), (ansatz, rng.uniform(0, 1, (2, 4)))], shots=10)
    results = job.result()
    assert [r.data.meas.shape for r in results] == [(3,), (2,)]
    calls = []
    original = GpuqSimulator.run

    def counting_run(self, circuits, **options):
        calls.append(len(circuits))
        return original(self, circuits, **options)

    monkeypatch.setattr(GpuqSimulator, "run", counting_run)
    sampler.run([(ansatz, rng.uniform(0, 1, (3, 4))), (ansatz, rng.uniform(0, 1, (2, 4)))], shots=10).result()
    sampler.run([(ansatz, rng.uniform(0, 1, (3, 4))), (ansatz, rng.uniform(0, 1, (2, 4)), 20)], shots=10).result()
    assert calls == [5, 3, 2]
