"""Pauli kernels: host-built CUDA vs Numba vs a dense-matrix reference, on random states and sums.

Both precisions; the reference is computed in double on the same (possibly
single-precision) amplitudes, and the kernels accumulate in double, so 1e-10
holds for both.
"""

import hostbuild
import numpy as np
import pytest
from pauli_reference import pauli_sum_matrix, random_terms
from reference import random_state

from gpuq.quantum_info import SparsePauliOp
from gpuq.sim.devices.cpu_kernels import pauli as numba_pauli
from gpuq.sim.devices.pauli_groups import folded_coefficients, group_by_x

DTYPES = {"single": np.complex64, "double": np.complex128}
NQUBITS = 7


def _state(precision, rng, nqubits=NQUBITS):
    return np.ascontiguousarray(random_state(nqubits, rng).astype(DTYPES[precision]))


def _expectations(kernel, state, terms, chunk_bits, lane_bits):
    """Per-string expectation values from one kernel's ``expectation_group`` calls, with the partial sums."""
    nqubits = state.shape[0].bit_length() - 1
    x, z, _ = SparsePauliOp.from_list(terms).masks()
    values = np.zeros(len(terms))
    partials = []
    for group in group_by_x(x.astype(np.int64), z.astype(np.int64)):
        nterms = len(group.positions)
        partial = np.full((1 << (nqubits - chunk_bits)) * nterms, np.nan)
        kernel(
            state,
            nqubits,
            np.int64(group.x_mask),
            group.z_masks,
            group.imag_part,
            nterms,
            chunk_bits,
            lane_bits,
            partial,
        )
        partials.append(partial)
        values[group.positions] = group.weights * partial.reshape(-1, nterms).sum(axis=0)
    return values, partials


@pytest.fixture(scope="module")
def host():
    reason = hostbuild.unavailable_reason()
    if reason:
        pytest.skip(reason)
    return hostbuild.HostKernels("pauli")


@pytest.mark.parametrize("chunk_bits, lane_bits", [(0, 0), (3, 0), (2, 3), (7, 0), (0, 7)])
def test_expectation_group_host_numba_and_reference_agree(host, precision, rng, chunk_bits, lane_bits):
    state = _state(precision, rng)
    terms = random_terms(NQUBITS, 40, rng)
    wide = state.astype(np.complex128)
    expected = np.array([np.vdot(wide, pauli_sum_matrix([(label, 1.0)]) @ wide).real for label, _ in terms])
    numba_values, numba_partials = _expectations(numba_pauli.expectation_group, state, terms, chunk_bits, lane_bits)
    host_values, host_partials = _expectations(host.expectation_group, state, terms, chunk_bits, lane_bits)
    assert np.allclose(numba_values, expected, atol=1e-10, rtol=0)
    assert np.allclose(host_values, expected, atol=1e-10, rtol=0)
    for ours, theirs in zip(numba_partials, host_partials):
        assert np.allclose(ours, theirs, atol=1e-12, rtol=0)


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
