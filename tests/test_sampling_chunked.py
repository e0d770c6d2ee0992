"""The chunked CPU sampler: exact against one sequential running sum, independent of the chunk size,
right in distribution at every qubit position, and within its stated workspace.

The full-array sampler it replaced assigned point ``x`` to the first outcome
whose running sum (``np.cumsum``, sequential) exceeds ``x``, or to the last
outcome of positive probability; ``sequential_draws`` restates that, and the
points below sit exactly on, just below and just above every running sum, so
a single boundary off by one rounding fails.
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
import reference

from gpuq.sim.devices.cpu import CpuDevice, sorted_draws
from gpuq.sim.devices.cpu_kernels import ChunkedMarginal
from gpuq.sim.memory import sampling_workspace

CHUNKS = [1, 2, 8, 64]


def sequential_draws(probs: np.ndarray, points: np.ndarray) -> np.ndarray:
    """The full-array sampler's answer: one sequential running sum, searched from the right."""
    running = np.cumsum(probs)
    last = int(np.flatnonzero(probs > 0)[-1])
    return np.minimum(np.searchsorted(running, points, side="right"), last)


def boundary_points(probs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Ascending points on, just below and just above every running sum, plus random ones and the total."""
    running = np.cumsum(probs)
    total = running[-1]
    points = np.concatenate(
        [running, np.nextafter(running, -np.inf), np.nextafter(running, np.inf), rng.random(200) * total, [0.0, total]]
    )
    return np.sort(points[(points >= 0) & (points <= total)])


def probability_arrays(rng: np.random.Generator) -> list[np.ndarray]:
    spiky = rng.random(300) * (rng.random(300) < 0.3)
    spiky[:7] = 0
    spiky[-9:] = 0
    return [np.array([1.0]), np.array([0.0, 0.0, 1e-300, 0.0]), rng.random(5), spiky, rng.exponential(size=1024) ** 8]


@pytest.mark.parametrize("chunk", [1, 2, 3, 8, 64, 4096])
def test_walk_matches_one_sequential_running_sum(chunk):
    rng = np.random.default_rng(chunk)
    for probs in probability_arrays(rng):
        marginal = ChunkedMarginal(probs, chunk)
        total = marginal.total()
        running = np.cumsum(probs)
        assert total == running[-1]  # bitwise: the same additions in the same order
        stops = np.minimum(np.arange(1, marginal.ends.shape[0] + 1) * marginal.chunk, probs.shape[0]) - 1
        assert np.array_equal(marginal.ends, running[stops])
        points = boundary_points(probs, rng)
        out = np.empty(points.shape[0], dtype=np.int64)
        marginal.assign(points, out)
        assert np.array_equal(out, sequential_draws(probs, points))


def test_sorted_draws_do_not_depend_on_the_chunk():
    probs = np.random.default_rng(3).random(777) ** 4
    want = sorted_draws(probs, 50_000, np.random.default_rng(9))
    for chunk in (1, 5, 64, 1 << 20):
        assert np.array_equal(sorted_draws(probs, 50_000, np.random.default_rng(9), chunk), want)


def _state(nqubits: int, precision: str, seed: int):
    vector = reference.random_state(nqubits, np.random.default_rng(seed))
    return vector, vector.astype(np.complex64 if precision == "single" else np.complex128)


CASES = {
    # name: (nqubits, measured qubits): every path of ChunkedMarginal
    "every qubit in order": (9, list(range(9))),
    "every qubit permuted": (8, [5, 0, 7, 1, 6, 2, 4, 3]),
    "few qubits": (7, [6, 0, 3]),
    "many qubits in order": (14, list(range(13))),
    "many qubits permuted": (14, [13, 2, 0, 11, 1, 3, 4, 12, 5, 6, 7, 9, 8]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_state_chunks_hold_the_whole_marginal_bit_for_bit(case, precision):
    nqubits, qubits = CASES[case]
    _, state = _state(nqubits, precision, 4)
    whole = CpuDevice().marginal_probabilities(state, qubits)
    points = boundary_points(whole, np.random.default_rng(5))
    want = sequential_draws(whole, points)
    for chunk in (8, 1 << 20):
        marginal = ChunkedMarginal(state, chunk, nqubits, np.asarray(qubits, dtype=np.int32))
        assert marginal.total() == np.cumsum(whole)[-1]
        out = np.empty(points.shape[0], dtype=np.int64)
        marginal.assign(points, out)
        assert np.array_equal(out, want)


@pytest.mark.parametrize("case", list(CASES))
def test_device_draws_do_not_depend_on_the_chunk(case, precision):
    nqubits, qubits = CASES[case]
    _, state = _state(nqubits, precision, 6)
    default = CpuDevice()
    want = default.sample(state, qubits, 20_000, seed=8)
    want_counts = default.sample_counts(state, qubits, 20_000, seed=8)
    for chunk in CHUNKS if nqubits < 12 else [8, 256]:
        tiny = CpuDevice(sample_chunk=chunk)
        assert np.array_equal(tiny.sample(state, qubits, 20_000, seed=8), want)
        got = tiny.sample_counts(state, qubits, 20_000, seed=8)
        assert all(np.array_equal(a, b) for a, b in zip(got, want_counts))


@pytest.mark.parametrize("chunk", [1, 4])
def test_every_qubit_position_samples_its_marginal(precision, chunk):
    """Each qubit alone, and all six in a shuffled order, within 5 sigma of the reference's marginal."""
    vector, state = _state(6, precision, 7)
    cpu = CpuDevice(sample_chunk=chunk)
    shots = 40_000
    orders = [[q] for q in range(6)] + [[4, 1, 5, 0, 3, 2]]
    for seed, qubits in enumerate(orders):
        counts = np.bincount(cpu.sample(state, qubits, shots, seed=seed), minlength=1 << len(qubits))
        expected = reference.marginal(vector, qubits) * shots
        assert np.all(np.abs(counts - expected) < 5 * np.sqrt(expected + 1)), (qubits, counts, expected)


def test_many_qubit_marginal_samples_its_distribution(precision):
    """8192 outcomes summed per outcome in chunks of 64: Pearson's chi-square over all outcomes stays
    below its mean plus 6 standard deviations (df = 8191: mean 8191, sd 128)."""
    nqubits, qubits = CASES["many qubits permuted"]
    vector, state = _state(nqubits, precision, 10)
    shots = 200_000
    outcomes, counts = CpuDevice(sample_chunk=64).sample_counts(state, qubits, shots, seed=12)
    expected = reference.marginal(vector, qubits) * shots
    observed = np.zeros_like(expected)
    observed[outcomes] = counts
    chi2 = float(np.sum((observed - expected) ** 2 / expected))
    df = expected.shape[0] - 1
    assert chi2 < df + 6 * np.sqrt(2 * df), chi2


@pytest.mark.parametrize("qubits", [[0], [3], [4], [2, 4], [4, 0, 3], [3, 1, 0, 4, 2]])
def test_marginals_at_every_position(precision, qubits):
    vector, state = _state(5, precision, 11)
    got = CpuDevice().marginal_probabilities(state, qubits)
    assert np.allclose(got, reference.marginal(vector, qubits), atol=2e-6 if precision == "single" else 1e-13)


@pytest.mark.parametrize("qubits", [list(range(13))[::-1], [12, *range(12)]])
def test_wide_permuted_marginals(precision, qubits):
    """13 qubits: summed per outcome in the given order (no reordered copy)."""
    vector, state = _state(13, precision, 12)
    got = CpuDevice().marginal_probabilities(state, qubits)
    assert np.allclose(got, reference.marginal(vector, qubits), atol=2e-6 if precision == "single" else 1e-13)


def _peak(call) -> int:
    call()  # compile first: Numba's own allocations are not the sampler's
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


WORKSPACE_CASES = {
    "every qubit in order": list(range(20)),
    "every qubit permuted": [19, *range(19)],
    "many qubits": list(range(1, 20)),
    "few qubits": [19, 3, 7],
}


@pytest.mark.parametrize("case", list(WORKSPACE_CASES))
def test_sampling_stays_within_its_stated_workspace(case):
    """A 20-qubit double state (16 MiB): the sampler allocates at most what memory.py counts,
    and, measuring every qubit, less than 1/16 of the state (no float per amplitude)."""
    qubits = WORKSPACE_CASES[case]
    cpu = CpuDevice(sample_chunk=1 << 14)
    state = np.full(1 << 20, 2.0**-10, dtype=np.complex128)
    shots = 1000
    peak = _peak(lambda: cpu.sample_counts(state, qubits, shots, seed=1))
    assert peak <= sampling_workspace(len(qubits), shots, chunk=1 << 14)
    assert _peak(lambda: cpu.sample(state, qubits, shots, seed=1)) <= sampling_workspace(
        len(qubits), shots, chunk=1 << 14
    )
    if len(qubits) == 20:
        assert peak < state.nbytes // 16


def test_permuted_marginal_allocates_only_its_output():
    state = np.full(1 << 18, 2.0**-9, dtype=np.complex128)
    qubits = [17, *range(17)]
    peak = _peak(lambda: CpuDevice().marginal_probabilities(state, qubits))
    assert peak <= 8 * (1 << 18) + (64 << 10)
