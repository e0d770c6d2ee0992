"""The CPU's NumPy kernels for small states (``cpu_small``) against the dense reference and the Numba kernels.

Every operation of the device seam, on random states of 1 to 8 qubits, for
every target position (each qubit is the first target once, other targets and
controls drawn at random), in both precisions: dense matrices (k = 0 to 4,
with and without controls, whole and on partial ranges of groups), diagonals
(k = 0 to 4), permutations (the X and SWAP cases and general ones),
marginals, collapse, and sampling, whose draws must be the Numba sampler's for
the same seed. ``CpuDevice(small_qubits=-1)`` is the Numba path; the default
device takes the NumPy path at these sizes. Also: a small job on a fresh
process does not import Numba.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import reference
from conftest import TOLERANCE

from gpuq.sim.devices import cpu_small
from gpuq.sim.devices.base import group_count
from gpuq.sim.devices.cpu import CpuDevice

SIZES = (1, 2, 3, 5, 8)
NUMPY = CpuDevice()
NUMBA = CpuDevice(small_qubits=-1)


def permutation_matrix(perm) -> np.ndarray:
    """Input m goes to output perm[m]."""
    matrix = np.zeros((len(perm), len(perm)))
    matrix[np.asarray(perm), np.arange(len(perm))] = 1
    return matrix


def cases(nqubits: int, rng: np.random.Generator):
    """(targets, controls) with every qubit first among the targets, k = 0 to 4 and 0 to 2 controls."""
    for first in range(nqubits):
        others = [int(q) for q in rng.permutation(nqubits) if q != first]
        for k in range(1, min(4, nqubits) + 1):
            for ncontrols in range(min(2, nqubits - k) + 1):
                yield (first, *others[: k - 1]), tuple(others[k - 1 : k - 1 + ncontrols])
        yield (), (first,)  # k = 0: a controlled phase


def both(state: np.ndarray, run) -> tuple[np.ndarray, np.ndarray]:
    """``run(device, copy)`` on the NumPy and the Numba paths; the two resulting states."""
    out = []
    for device in (NUMPY, NUMBA):
        copy = state.copy()
        run(device, copy)
        out.append(copy)
    return out[0], out[1]


@pytest.mark.parametrize("nqubits", SIZES)
def test_dense_matrices_whole_and_in_ranges(nqubits, precision):
    rng = np.random.default_rng(100 + nqubits)
    dtype = np.complex64 if precision == "single" else np.complex128
    for targets, controls in cases(nqubits, rng):
        matrix = reference.random_unitary(len(targets), rng)
        start = reference.random_state(nqubits, rng).astype(dtype)
        want = reference.apply(start, targets, matrix, controls)
        small, numba = both(start, lambda d, s: d.apply_matrix(s, targets, matrix, controls))
        np.testing.assert_allclose(small, want, atol=TOLERANCE[precision], err_msg=f"{targets} {controls}")
        np.testing.assert_allclose(numba, want, atol=TOLERANCE[precision])
        count = group_count(nqubits, len(targets), len(controls))
        cut = int(rng.integers(0, count + 1))
        ranged = start.copy()
        NUMPY.apply_matrix(ranged, targets, matrix, controls, groups=(0, cut))
        NUMPY.apply_matrix(ranged, targets, matrix, controls, groups=(cut, count))
        np.testing.assert_allclose(ranged, want, atol=TOLERANCE[precision], err_msg=f"cut {cut}")


@pytest.mark.parametrize("nqubits", SIZES)
def test_diagonals(nqubits, precision):
    rng = np.random.default_rng(200 + nqubits)
    dtype = np.complex64 if precision == "single" else np.complex128
    for targets, controls in cases(nqubits, rng):
        diag = np.exp(1j * rng.uniform(0, 2 * np.pi, 1 << len(targets)))
        start = reference.random_state(nqubits, rng).astype(dtype)
        want = reference.apply(start, targets, np.diag(diag), controls)
        small, numba = both(start, lambda d, s: d.apply_diagonal(s, targets, diag, controls))
        np.testing.assert_allclose(small, want, atol=TOLERANCE[precision], err_msg=f"{targets} {controls}")
        np.testing.assert_allclose(small, numba, atol=TOLERANCE[precision])


@pytest.mark.parametrize("nqubits", SIZES)
def test_permutations(nqubits, precision):
    rng = np.random.default_rng(300 + nqubits)
    dtype = np.complex64 if precision == "single" else np.complex128
    for targets, controls in cases(nqubits, rng):
        k = len(targets)
        perms = [rng.permutation(1 << k), np.array([1, 0]) if k == 1 else np.array([0, 2, 1, 3])]
        for perm in perms if k in (1, 2) else perms[:1]:
            start = reference.random_state(nqubits, rng).astype(dtype)
            want = reference.apply(start, targets, permutation_matrix(perm), controls)
            small, numba = both(start, lambda d, s, p=perm: d.apply_permutation(s, targets, p, controls))
            np.testing.assert_array_equal(small, want.astype(dtype), err_msg=f"{targets} {controls} {perm}")
            np.testing.assert_array_equal(small, numba)
            count = group_count(nqubits, k, len(controls))
            cut = int(rng.integers(0, count + 1))
            ranged = start.copy()
            NUMPY.apply_permutation(ranged, targets, perm, controls, groups=(cut, count))
            NUMPY.apply_permutation(ranged, targets, perm, controls, groups=(0, cut))
            np.testing.assert_array_equal(ranged, small)


@pytest.mark.parametrize("nqubits", SIZES)
def test_marginals_and_collapse(nqubits, precision):
    rng = np.random.default_rng(400 + nqubits)
    dtype = np.complex64 if precision == "single" else np.complex128
    for first in range(nqubits):
        qubits = [first, *(int(q) for q in rng.permutation(nqubits) if q != first)][: int(rng.integers(1, nqubits + 1))]
        state = reference.random_state(nqubits, rng).astype(dtype)
        probs = NUMPY.marginal_probabilities(state, qubits)
        np.testing.assert_allclose(probs, reference.marginal(state, qubits), atol=TOLERANCE[precision])
        np.testing.assert_allclose(probs, NUMBA.marginal_probabilities(state, qubits), atol=1e-12)
        outcome = int(rng.integers(0, 1 << len(qubits)))
        small, numba = both(state, lambda d, s: d.collapse(s, qubits, outcome, probs[outcome]))
        want = state.astype(complex)
        for index in range(1 << nqubits):
            if any(((index >> q) & 1) != ((outcome >> j) & 1) for j, q in enumerate(qubits)):
                want[index] = 0
        want /= np.sqrt(probs[outcome])
        np.testing.assert_allclose(small, want, atol=TOLERANCE[precision])
        np.testing.assert_array_equal(small, numba)


@pytest.mark.parametrize("nqubits", SIZES)
def test_sampling_draws_what_the_numba_sampler_draws(nqubits, precision):
    """Same seed, same outcomes in the same order, for all qubits in order and for permuted subsets."""
    rng = np.random.default_rng(500 + nqubits)
    dtype = np.complex64 if precision == "single" else np.complex128
    state = reference.random_state(nqubits, rng).astype(dtype)
    state[int(rng.integers(0, 1 << nqubits))] = 0  # an outcome of probability 0 is never drawn
    for seed, qubits in enumerate([list(range(nqubits)), list(rng.permutation(nqubits))[: max(1, nqubits - 1)]]):
        drawn = NUMPY.sample(state, qubits, 5000, seed)
        np.testing.assert_array_equal(drawn, NUMBA.sample(state, qubits, 5000, seed))
        outcomes, counts = NUMPY.sample_counts(state, qubits, 5000, seed)
        numba_outcomes, numba_counts = NUMBA.sample_counts(state, qubits, 5000, seed)
        np.testing.assert_array_equal(outcomes, numba_outcomes)
        np.testing.assert_array_equal(counts, numba_counts)


def test_sampling_frequencies_match_the_probabilities():
    """200,000 seeded draws from 6 qubits: every outcome's frequency within 5 sigma of its probability."""
    rng = np.random.default_rng(7)
    state = reference.random_state(6, rng)
    shots = 200_000
    outcomes, counts = NUMPY.sample_counts(state, range(6), shots, seed=3)
    p = reference.marginal(state, range(6))[outcomes]
    sigma = np.sqrt(shots * p * (1 - p))
    assert np.all(np.abs(counts - shots * p) < 5 * sigma)
    assert counts.sum() == shots


def test_points_past_the_total_get_the_last_possible_outcome():
    marginal = cpu_small.SmallMarginal(np.array([0.6, 0.8, 0, 0], dtype=np.complex128), 2, np.array([0, 1]))
    out = np.empty(3, dtype=np.int64)
    marginal.assign(np.array([0.0, 0.36, 5.0]), out)
    assert out.tolist() == [0, 1, 1]


def test_a_small_job_does_not_import_numba():
    code = (
        "import sys, gpuq\n"
        "qc = gpuq.QuantumCircuit(5, 5); qc.h(0)\n"
        "[qc.cx(i, i + 1) for i in range(4)]; qc.measure(range(5), range(5))\n"
        "counts = gpuq.execute(qc, 'qasm_simulator_cpu', shots=100, seed=1).result().get_counts()\n"
        "assert set(counts) == {'00000', '11111'}, counts\n"
        "print('numba' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
