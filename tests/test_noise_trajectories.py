"""Trajectories: Kraus draws weighted by ||K psi||^2, shots grouped by noise pattern, seeded, exact in distribution."""

from __future__ import annotations

import numpy as np
import pytest
from noise_reference import final_density, total_variation, tv_bound
from reference import embed, random_state
from test_noise_density import _noisy_circuit

import gpuq
from gpuq import QuantumCircuit
from gpuq.noise import (
    NoiseModel,
    amplitude_damping_error,
    depolarizing_error,
    kraus_error,
    pauli_error,
    thermal_relaxation_error,
)
from gpuq.sim.chunks import Chunker
from gpuq.sim.noisy.lowering import channel_op
from gpuq.sim.noisy.trajectories import TrajectoryWalker
from gpuq.sim.ops import GateOp


def _random_channel(k: int, rng: np.random.Generator, count: int = 3):
    """A random k-qubit channel: the blocks of a random isometry (sum K^dagger K = I)."""
    dim = 1 << k
    z = rng.normal(size=(count * dim, dim)) + 1j * rng.normal(size=(count * dim, dim))
    q, _ = np.linalg.qr(z)
    return kraus_error([q[i * dim : (i + 1) * dim] for i in range(count)])


@pytest.mark.parametrize("qubits", [(0,), (2,), (3,), (1, 3), (3, 0), (2, 0, 1)])
def test_kraus_weights_read_from_pauli_expectations_equal_the_norms_of_k_psi(device, precision, atol, rng, qubits):
    n = 4
    error = _random_channel(len(qubits), rng).compose(
        amplitude_damping_error(0.3).tensor(depolarizing_error(0.1, len(qubits) - 1))
        if len(qubits) > 1
        else amplitude_damping_error(0.3)
    )
    op = channel_op(error, qubits)
    psi = random_state(n, rng)
    state = device.from_host(psi.astype(np.complex64 if precision == "single" else np.complex128))
    walker = TrajectoryWalker([op], Chunker(device, n, precision, lambda: False), np.random.default_rng(1))
    for term in op.terms:
        weights = walker._kraus_weights(state, qubits, term)
        norms = np.array([np.linalg.norm(embed(n, qubits, k) @ psi) ** 2 for k in term.kraus])
        assert np.allclose(weights, norms / norms.sum(), atol=10 * atol)


def test_each_group_continues_on_k_psi_normalised(device, precision, atol, rng):
    n, qubits = 3, (2, 0)
    op = channel_op(_random_channel(2, rng, count=4), qubits)
    psi = random_state(n, rng)
    dtype = np.complex64 if precision == "single" else np.complex128
    chunks = Chunker(device, n, precision, lambda: False)
    walker = TrajectoryWalker([op], chunks, np.random.default_rng(5))
    groups = walker.split(device.from_host(psi.astype(dtype)), op, 4000, 0)
    assert sum(g.shots for g in groups) == 4000 and len(groups) == 4
    for group in groups:
        branch = device.from_host(psi.astype(dtype))
        group.settle(branch)
        after = device.to_host(branch)
        candidates = [embed(n, qubits, k) @ psi for k in op.terms[0].kraus]
        assert any(np.allclose(after, c / np.linalg.norm(c), atol=10 * atol) for c in candidates)


def test_trajectory_counts_follow_the_dense_reference_on_every_error_kind(device_name, precision, rng):
    qc, model, program = _noisy_circuit(rng, 3)
    probabilities = np.diag(final_density(3, program)).real
    exact = {i: float(p) for i, p in enumerate(probabilities)}
    measured = qc.copy()
    measured.measure_all()
    shots = 2000  # nearly every shot draws its own noise here: about 2000 walks
    result = gpuq.execute(
        measured,
        "qasm_simulator",
        noise_model=model,
        method="trajectory",
        shots=shots,
        seed_simulator=3,
        device=device_name,
        precision=precision,
    ).result()
    assert total_variation(result.results[0].data.counts, exact) < tv_bound(exact, shots)


def _rare_noise():
    qc = QuantumCircuit(4, 4)
    qc.h(0)
    for q in range(3):
        qc.cx(q, q + 1)
    qc.measure(range(4), range(4))
    model = NoiseModel()
    model.add_quantum_error(pauli_error([("IX", 0.02), ("II", 0.98)]), "cx", [0, 1])
    return qc, model


def test_shots_that_draw_the_same_noise_share_one_walk():
    qc, model = _rare_noise()
    result = gpuq.execute(
        qc, "qasm_simulator_cpu", noise_model=model, method="trajectory", shots=10_000, seed_simulator=2
    ).result()
    metadata = result.results[0].metadata
    assert metadata["walks"] == 2  # X drawn or not: two states walked for 10,000 shots
    counts = result.get_counts()
    # the X (the label's rightmost character: the error's qubit 0, cx's control) after cx(0, 1) flips qubit 0
    assert set(counts) == {"0000", "1111", "0001", "1110"}
    assert abs(counts["0001"] + counts["1110"] - 200) < 4 * np.sqrt(200)


def test_seeded_runs_repeat_and_other_seeds_differ():
    qc, _ = _rare_noise()
    model = NoiseModel()
    model.add_all_qubit_quantum_error(thermal_relaxation_error(20.0, 30.0, 3.0), "h")
    model.add_all_qubit_quantum_error(depolarizing_error(0.05, 2), "cx")

    def run(method, seed):
        return (
            gpuq.execute(
                qc, "qasm_simulator_cpu", noise_model=model, method=method, shots=2000, seed_simulator=seed, memory=True
            )
            .result()
            .results[0]
            .data
        )

    for method in ("trajectory", "density_matrix"):
        first, again, other = run(method, 7), run(method, 7), run(method, 8)
        assert first.counts == again.counts and first.memory == again.memory
        assert first.memory != other.memory


def test_copies_that_do_not_fit_walk_one_shot_at_a_time():
    # one state and the sampler's workspace: 2.2 MiB; with the 25 copies 300 shots may need: 3.8 MiB
    qc = QuantumCircuit(12, 12)
    qc.h(0)
    for q in range(11):
        qc.cx(q, q + 1)
    qc.measure(range(12), range(12))
    model = NoiseModel()
    model.add_all_qubit_quantum_error(depolarizing_error(0.3, 1), "h")

    def run(**options):
        return gpuq.execute(
            qc, "qasm_simulator_cpu", noise_model=model, method="trajectory", shots=300, seed_simulator=4, **options
        ).result()

    grouped, alone = run(), run(max_memory_mb=3)
    assert grouped.results[0].metadata["walk"] == "shots grouped by outcome"
    assert alone.results[0].metadata["walk"].startswith("one shot at a time")
    assert alone.results[0].metadata["walks"] == 300
    assert set(alone.get_counts()) == set(grouped.get_counts()) == {"0" * 12, "1" * 12}


def test_channels_moved_to_the_end_of_their_fused_block_act_where_the_circuit_puts_them(device, precision, atol, rng):
    """Unitary errors of probability 1 (one term): the fused plan's state equals the reference with them in place."""
    from reference import apply

    from gpuq.providers.local.prepare import prepare
    from gpuq.sim.noisy.lowering import ChannelOp
    from gpuq.sim.noisy.trajectories import trajectory_plan

    n = 4
    qc = QuantumCircuit(n)
    model = NoiseModel()
    model.add_all_qubit_quantum_error(pauli_error([("Y", 1.0)]), "h")
    model.add_all_qubit_quantum_error(pauli_error([("XZ", 1.0)]), "cx")
    psi = np.zeros(1 << n, dtype=complex)
    psi[0] = 1
    h = np.array([[1, 1], [1, -1]]) / np.sqrt(2)
    y, x, z = np.array([[0, -1j], [1j, 0]]), np.array([[0, 1], [1, 0]]), np.diag([1, -1])
    for q in range(n):
        u = random_unitary_1(rng)
        qc.unitary(u, [q])
        psi = apply(psi, [q], u)
        qc.h(q)
        psi = apply(apply(psi, [q], h), [q], y)
    for a, b in ((0, 1), (3, 2), (1, 3), (2, 0)):
        qc.cx(a, b)
        psi = apply(psi, [b], x, [a])
        psi = apply(apply(psi, [a], z), [b], x)  # "XZ": Z on the error's qubit 0 (a), X on qubit 1 (b)
        qc.s(b)
        psi = apply(psi, [b], np.diag([1, 1j]))
    backend = gpuq.Local.get_backend("qasm_simulator")
    qobj = gpuq.compile(qc, backend, noise_model=model, method="trajectory")
    ops = prepare(qobj, backend, check_devices=False).experiments[0].noise.ops
    plan = trajectory_plan(ops, 4)
    assert sum(isinstance(op, ChannelOp) for op in plan) == 2 * n  # one per h and per cx
    assert any(isinstance(op, ChannelOp) and len(op.qubits) > 2 for op in plan)  # some moved to a wider block
    chunks = Chunker(device, n, precision, lambda: False)
    state = device.zero_state(n, precision)
    for op in plan:
        if isinstance(op, ChannelOp):
            (term,) = op.terms
            op = GateOp("matrix", op.qubits, (), term.kraus[0])
        chunks.apply(state, op)
    assert np.allclose(device.to_host(state), psi, atol=10 * atol)


def random_unitary_1(rng):
    from reference import random_unitary

    return random_unitary(1, rng)


@pytest.mark.parametrize("qubits", [(0,), (14, 3), (7, 15, 1)])
def test_on_large_states_kraus_weights_come_from_the_pauli_kernels(device, precision, atol, rng, qubits):
    """Above HOST_WEIGHTS_QUBITS the weights are Pauli expectation values of K^dagger K, read in place."""
    from gpuq.sim.noisy.trajectories import HOST_WEIGHTS_QUBITS

    n = HOST_WEIGHTS_QUBITS + 2
    op = channel_op(_random_channel(len(qubits), rng), qubits)
    psi = random_state(n, rng)
    state = device.from_host(psi.astype(np.complex64 if precision == "single" else np.complex128))
    walker = TrajectoryWalker([op], Chunker(device, n, precision, lambda: False), np.random.default_rng(1))
    (term,) = op.terms
    weights = walker._kraus_weights(state, qubits, term)
    tensor = psi.reshape((2,) * n)
    axes = [n - 1 - q for q in reversed(qubits)]  # qubits[0] is the kraus matrices' bit 0
    norms = []
    for k in term.kraus:
        moved = np.tensordot(
            k.reshape((2,) * (2 * len(qubits))), tensor, axes=(range(len(qubits), 2 * len(qubits)), axes)
        )
        norms.append(np.vdot(moved, moved).real)
    assert np.allclose(weights, np.array(norms) / sum(norms), atol=10 * atol)
