"""CpuDevice against the reference simulator: gates, marginals, collapse and sampling."""

from __future__ import annotations

import numba
import numpy as np
import pytest
import reference

from gpuq.exceptions import SimulationError
from gpuq.sim.devices.cpu import CpuDevice, sorted_draws

TOLERANCE = {"single": 2e-6, "double": 1e-13}


@pytest.fixture(scope="module")
def cpu() -> CpuDevice:
    return CpuDevice()


@pytest.fixture(params=["single", "double"])
def precision(request) -> str:
    return request.param


def random_state(cpu: CpuDevice, nqubits: int, precision: str, seed: int):
    vector = reference.random_state(nqubits, np.random.default_rng(seed))
    dtype = np.complex64 if precision == "single" else np.complex128
    return vector, cpu.from_host(vector.astype(dtype))


def test_description_and_memory(cpu):
    assert cpu.kind == "cpu"
    assert cpu.description().startswith("CPU (")
    assert cpu.free_bytes() > 0
    assert 1 <= cpu.fusion_limit <= 6


def test_zero_state_and_copies(cpu, precision):
    state = cpu.zero_state(3, precision)
    assert state.dtype == (np.complex64 if precision == "single" else np.complex128)
    assert state[0] == 1 and np.count_nonzero(state) == 1
    host = cpu.to_host(state)
    twin = cpu.copy(state)
    state[0] = 0
    assert host[0] == 1 and twin[0] == 1


@pytest.mark.parametrize("nqubits", [3, 12, 20])
def test_states_start_on_a_cache_line(cpu, precision, nqubits):
    """Zero states, copies and states from the host start on a 64-byte line (NumPy only promises 16),
    so no vector access of the SIMD kernels straddles two lines, whatever the allocator hands out."""
    state = cpu.zero_state(nqubits, precision)
    from_host = cpu.from_host(np.arange(1 << nqubits, dtype=state.dtype)[::-1])
    for array in (state, cpu.copy(state), from_host):
        assert array.ctypes.data % 64 == 0
    assert state[0] == 1 and np.count_nonzero(state) == 1
    assert np.array_equal(from_host, np.arange(1 << nqubits)[::-1])
    with pytest.raises(SimulationError, match="1-D"):
        cpu.from_host(np.zeros((2, 2), dtype=state.dtype))


@pytest.mark.parametrize("k, controls", [(1, []), (1, [3]), (2, [0]), (3, []), (4, [5, 1])])
def test_apply_matrix(cpu, precision, k, controls):
    rng = np.random.default_rng(k)
    vector, state = random_state(cpu, 6, precision, k)
    targets = [int(q) for q in rng.permutation([q for q in range(6) if q not in controls])[:k]]
    matrix = reference.random_unitary(k, rng)
    cpu.apply_matrix(state, targets, matrix, controls)
    assert np.allclose(state, reference.apply(vector, targets, matrix, controls), atol=TOLERANCE[precision])


def test_apply_diagonal(cpu, precision):
    vector, state = random_state(cpu, 5, precision, 1)
    phases = np.exp(1j * np.arange(4))
    cpu.apply_diagonal(state, [4, 1], phases, [2])
    assert np.allclose(state, reference.apply(vector, [4, 1], np.diag(phases), [2]), atol=TOLERANCE[precision])


@pytest.mark.parametrize(
    "targets, perm, controls",
    [
        ([2], [1, 0], []),  # X: the fast entry
        ([0], [1, 0], [3, 4]),  # Toffoli-like
        ([1, 4], [0, 2, 1, 3], []),  # SWAP: the fast entry
        ([3, 0], [0, 2, 1, 3], [2]),  # Fredkin
        ([1, 4], [0, 1, 3, 2], []),  # CX(control 1 -> target 4) as a general permutation
        ([0, 2, 4], [1, 2, 3, 4, 5, 6, 7, 0], []),
    ],
)
def test_apply_permutation(cpu, precision, targets, perm, controls):
    vector, state = random_state(cpu, 5, precision, 2)
    matrix = np.zeros((len(perm), len(perm)))
    matrix[perm, np.arange(len(perm))] = 1
    cpu.apply_permutation(state, targets, np.array(perm), controls)
    assert np.allclose(state, reference.apply(vector, targets, matrix, controls), atol=TOLERANCE[precision])


@pytest.mark.parametrize(
    "call",
    [
        lambda cpu, s: cpu.apply_matrix(s, [5], np.eye(2)),
        lambda cpu, s: cpu.apply_matrix(s, [1, 1], np.eye(4)),
        lambda cpu, s: cpu.apply_matrix(s, [1], np.eye(4)),
        lambda cpu, s: cpu.apply_diagonal(s, [0], np.ones(2), [0]),
        lambda cpu, s: cpu.apply_permutation(s, [0, 1], np.array([0, 0, 1, 2])),
        lambda cpu, s: cpu.collapse(s, [0], 2, 0.5),
        lambda cpu, s: cpu.collapse(s, [0], 1, 0.0),
    ],
)
def test_bad_arguments_raise(cpu, call):
    state = cpu.zero_state(3, "double")
    with pytest.raises(SimulationError):
        call(cpu, state)


@pytest.mark.parametrize("qubits", [[0], [4], [3, 1], [0, 2, 4], [4, 3, 2, 1, 0]])
def test_marginal_probabilities(cpu, precision, qubits):
    vector, state = random_state(cpu, 5, precision, 3)
    got = cpu.marginal_probabilities(state, qubits)
    assert got.dtype == np.float64
    assert np.allclose(got, reference.marginal(vector, qubits), atol=10 * TOLERANCE[precision])


@pytest.mark.parametrize("qubits, outcome", [([1], 1), ([0, 3], 2), ([4, 2, 0], 5)])
def test_collapse(cpu, precision, qubits, outcome):
    vector, state = random_state(cpu, 5, precision, 4)
    probability = reference.marginal(vector, qubits)[outcome]
    cpu.collapse(state, qubits, outcome, probability)
    keep = np.array([all(((i >> q) & 1) == ((outcome >> j) & 1) for j, q in enumerate(qubits)) for i in range(32)])
    want = np.where(keep, vector, 0) / np.sqrt(probability)
    assert np.allclose(state, want, atol=10 * TOLERANCE[precision])
    assert abs(np.linalg.norm(state) - 1) < 10 * TOLERANCE[precision]


def test_sample_statistics(cpu, precision):
    vector, state = random_state(cpu, 4, precision, 5)
    qubits = [3, 0, 2]
    shots = 40_000
    outcomes = cpu.sample(state, qubits, shots, seed=11)
    assert outcomes.dtype == np.int64 and outcomes.shape == (shots,)
    counts = np.bincount(outcomes, minlength=8)
    expected = reference.marginal(vector, qubits) * shots
    sigma = np.sqrt(expected + 1)
    assert np.all(np.abs(counts - expected) < 5 * sigma), (counts, expected)


def test_sample_counts_tally_the_same_draws(cpu, precision):
    vector, state = random_state(cpu, 5, precision, 8)
    qubits = [4, 1, 0]
    outcomes, counts = cpu.sample_counts(state, qubits, 30_000, seed=21)
    assert np.all(np.diff(outcomes) > 0) and counts.sum() == 30_000
    want_outcomes, want_counts = np.unique(cpu.sample(state, qubits, 30_000, seed=21), return_counts=True)
    assert np.array_equal(outcomes, want_outcomes) and np.array_equal(counts, want_counts)
    expected = reference.marginal(vector, qubits)[outcomes] * 30_000
    assert np.all(np.abs(counts - expected) < 5 * np.sqrt(expected + 1)), (counts, expected)


@pytest.mark.parametrize("probs", [[0, 0, 1, 0], [0.5, 0.5, 0, 0], [0, 0.25, 0, 0.75], [1e-300, 0, 0, 1]])
def test_sorted_draws_skip_outcomes_of_probability_zero(probs):
    outcomes = sorted_draws(np.array(probs), 100_000, np.random.default_rng(4))
    assert np.all(np.diff(outcomes) >= 0)
    assert set(outcomes.tolist()) <= {i for i, p in enumerate(probs) if p > 0}
    assert sorted_draws(np.array(probs), 0, np.random.default_rng(4)).shape == (0,)


def test_sample_never_draws_impossible_outcomes(cpu):
    state = cpu.zero_state(3, "double")
    cpu.apply_matrix(state, [1], np.array([[1, 1], [1, -1]]) / np.sqrt(2))
    outcomes = cpu.sample(state, [0, 1, 2], 5_000, seed=3)
    assert set(np.unique(outcomes).tolist()) == {0, 2}


def test_sample_order_is_random(cpu):
    state = cpu.zero_state(1, "double")
    cpu.apply_matrix(state, [0], np.array([[1, 1], [1, -1]]) / np.sqrt(2))
    outcomes = cpu.sample(state, [0], 1_000, seed=9)
    assert 0 < outcomes[:500].sum() < 500  # not sorted: both halves hold both outcomes
    assert 0 < outcomes[500:].sum() < 500


def test_sample_seed_reproducible(cpu):
    _, state = random_state(cpu, 6, "double", 6)
    first = cpu.sample(state, [0, 1, 5], 2_000, seed=123)
    assert np.array_equal(first, cpu.sample(state, [0, 1, 5], 2_000, seed=123))
    assert not np.array_equal(first, cpu.sample(state, [0, 1, 5], 2_000, seed=124))


@pytest.mark.parametrize("qubits", [[0, 7, 15], list(range(14))])
def test_sample_independent_of_thread_count(cpu, qubits):
    _, state = random_state(cpu, 16, "double", 7)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = cpu.sample(state, qubits, 10_000, seed=5)
        marginal_one = cpu.marginal_probabilities(state, qubits)
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        many = cpu.sample(state, qubits, 10_000, seed=5)
        marginal_many = cpu.marginal_probabilities(state, qubits)
    finally:
        numba.set_num_threads(before)
    assert np.array_equal(marginal_one, marginal_many)
    assert np.array_equal(one, many)


def test_many_shots_of_a_wide_register(cpu):
    state = cpu.zero_state(20, "single")
    for qubit in range(20):
        cpu.apply_matrix(state, [qubit], np.array([[1, 1], [1, -1]]) / np.sqrt(2))
    outcomes = cpu.sample(state, list(range(20)), 1_000_000, seed=1)
    assert outcomes.min() >= 0 and outcomes.max() < 1 << 20
    assert abs(outcomes.mean() / ((1 << 20) - 1) - 0.5) < 0.01


@pytest.mark.parametrize("chunk", [0, 3, -4])
def test_sample_chunk_must_be_a_power_of_two(chunk):
    with pytest.raises(SimulationError, match="sample_chunk must be a power of two"):
        CpuDevice(sample_chunk=chunk)
