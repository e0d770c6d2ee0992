"""Pauli kernels: host-built CUDA vs Numba vs a dense-matrix reference, on random states and sums.

Both precisions; the reference is computed in double on the same (possibly
single-precision) amplitudes, and the kernels accumulate in double, so 1e-10
holds for both.
"""

import hostbuild
import numpy as np
import pytest
from pauli_reference import pauli_sum_matrix, random_terms, string_expectation
from reference import random_state

from gpuq.quantum_info import SparsePauliOp
from gpuq.sim.devices.cpu_kernels import pauli as numba_pauli
from gpuq.sim.devices.pauli_groups import folded_coefficients, group_by_x, grouped_strings

DTYPES = {"single": np.complex64, "double": np.complex128}
NQUBITS = 7


def _state(precision, rng, nqubits=NQUBITS):
    return np.ascontiguousarray(random_state(nqubits, rng).astype(DTYPES[precision]))


def _expectations(kernel, state, terms, chunk_bits, lane_bits):
    """Per-string expectation values from one ``expectation_groups`` call, with its partial sums."""
    nqubits = state.shape[0].bit_length() - 1
    x, z, _ = SparsePauliOp.from_list(terms).masks()
    groups = grouped_strings(x.astype(np.int64), z.astype(np.int64))
    partial = np.full((1 << (nqubits - chunk_bits)) * groups.nstrings, np.nan)
    kernel(
        state,
        nqubits,
        len(groups.x_masks),
        groups.x_masks,
        groups.starts,
        groups.z_masks,
        groups.imag_part,
        groups.nstrings,
        chunk_bits,
        lane_bits,
        partial,
    )
    values = np.zeros(len(terms))
    values[groups.positions] = groups.weights * partial.reshape(-1, groups.nstrings).sum(axis=0)
    return values, partial


def _every_position_terms(nqubits, rng):
    """Random strings, one X, Y and Z on every qubit, and a string whose X mask tops out at every qubit."""
    terms = random_terms(nqubits, 40, rng)
    for q in range(nqubits):
        for char in "XYZ":
            terms.append(("I" * (nqubits - 1 - q) + char + "I" * q, 1.0))
        low = "".join(rng.choice(list("IXYZ")) for _ in range(q))
        terms.append(("I" * (nqubits - 1 - q) + str(rng.choice(["X", "Y"])) + low, 1.0))
    return terms


@pytest.fixture(scope="module")
def host():
    reason = hostbuild.unavailable_reason()
    if reason:
        pytest.skip(reason)
    return hostbuild.HostKernels("pauli")


@pytest.mark.parametrize(
    "nqubits, chunk_bits, lane_bits",
    [(7, 0, 0), (7, 3, 0), (7, 2, 3), (7, 7, 0), (7, 0, 7), (10, 6, 0), (10, 8, 0), (10, 7, 2)],
)
def test_expectation_groups_host_numba_and_reference_agree(host, precision, rng, nqubits, chunk_bits, lane_bits):
    """Every pivot position: inside a run of 64, inside a tile, above it (whole items skipped), and x = 0."""
    state = _state(precision, rng, nqubits)
    terms = _every_position_terms(nqubits, rng)
    expected = np.array([string_expectation(label, state).real for label, _ in terms])
    numba_values, numba_partial = _expectations(numba_pauli.expectation_groups, state, terms, chunk_bits, lane_bits)
    host_values, host_partial = _expectations(host.expectation_groups, state, terms, chunk_bits, lane_bits)
    assert np.allclose(numba_values, expected, atol=1e-10, rtol=0)
    assert np.allclose(host_values, expected, atol=1e-10, rtol=0)
    assert np.allclose(numba_partial, host_partial, atol=1e-12, rtol=0)


@pytest.mark.parametrize("threads, super_bits", [(1, 3), (2, 3), (3, 5), (2, 0)])
def test_class_walk_visits_every_item_and_group_once(host, rng, threads, super_bits):
    """The CPU's class order (X-mask bits from ``super_bits``; 19 on real states) changes no partial sum."""
    nqubits, chunk_bits = 10, 2
    state = _state("double", rng, nqubits)
    terms = _every_position_terms(nqubits, rng)

    def walk(*args):
        numba_pauli._walk_classes(*args, threads, super_bits)

    _, partial = _expectations(walk, state, terms, chunk_bits, 0)
    _, expected = _expectations(host.expectation_groups, state, terms, chunk_bits, 0)
    assert np.allclose(partial, expected, atol=1e-12, rtol=0)


@pytest.mark.parametrize("complex_coeffs", [False, True])
def test_apply_pauli_sum_host_numba_and_reference_agree(host, precision, rng, complex_coeffs):
    state = _state(precision, rng)
    terms = random_terms(NQUBITS, 25, rng, complex_coeffs=complex_coeffs)
    x, z, coeffs = SparsePauliOp.from_list(terms).masks()
    x, z = x.astype(np.int64), z.astype(np.int64)
    folded = folded_coefficients(x, z, coeffs)
    expected = pauli_sum_matrix(terms) @ state.astype(np.complex128)
    atol = 1e-10 if precision == "double" else 1e-5  # the output is rounded to the state's precision
    for kernel in (numba_pauli.apply_pauli_sum, host.apply_pauli_sum):
        out = np.full_like(state, np.nan)
        kernel(state, NQUBITS, x, z, folded, len(terms), out)
        assert np.allclose(out, expected, atol=atol, rtol=0)


def test_device_expectations_cover_z_only_and_grouped_sums(device, precision, rng):
    nqubits = 9
    state_host = _state(precision, rng, nqubits)
    terms = random_terms(nqubits, 30, rng, alphabet="IZ") + random_terms(nqubits, 30, rng)
    x, z, _ = SparsePauliOp.from_list(terms).masks()
    values = device.pauli_expectations(device.from_host(state_host), x.astype(np.int64), z.astype(np.int64))
    wide = state_host.astype(np.complex128)
    expected = [np.vdot(wide, pauli_sum_matrix([(label, 1.0)]) @ wide).real for label, _ in terms]
    assert np.allclose(values, expected, atol=1e-10, rtol=0)
    assert len(group_by_x(x, z)) < len(terms)  # the Z-only strings share one pass


def test_device_inner_product_and_pauli_sum(device, precision, rng):
    a, b = _state(precision, rng), _state(precision, rng)
    assert device.inner_product(device.from_host(a), device.from_host(b)) == pytest.approx(
        np.vdot(a.astype(np.complex128), b.astype(np.complex128)), abs=1e-10
    )
    terms = random_terms(NQUBITS, 6, rng, complex_coeffs=True)
    x, z, coeffs = SparsePauliOp.from_list(terms).masks()
    out = device.zero_state(NQUBITS, precision)
    device.apply_pauli_sum(device.from_host(a), x, z, coeffs, out)
    atol = 1e-10 if precision == "double" else 1e-5
    assert np.allclose(device.to_host(out), pauli_sum_matrix(terms) @ a.astype(np.complex128), atol=atol)
