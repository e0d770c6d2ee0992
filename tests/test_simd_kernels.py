"""The explicit-SIMD dense kernels (``cpu_kernels/simd.py``) against the dense reference and the host CUDA build.

Every target position as the first target (so low targets, on the vector's lane bits, and high ones are
both covered, alone and mixed), k = 1 to 4, with zero, one and two controls (controls on lane bits
included), in both precisions, on seeded random states of 7 qubits: ``apply_matrix_simd`` on the whole
range must update every group, and match ``tests/reference.py`` (no code shared with gpuq.sim) and the
host build of ``kernels/matrix.cu``. Partial group ranges check that the SIMD kernel updates exactly the
whole vector groups inside a range and reports them. The result does not depend on the thread count,
bit for bit.
"""

from __future__ import annotations

import hostbuild
import numba
import numpy as np
import pytest
import reference

from gpuq.sim.devices.base import control_mask
from gpuq.sim.devices.cpu_kernels import apply_matrix, simd
from gpuq.sim.devices.cpu_kernels.matrix import _scalar_matrix

NQUBITS = 7
TOLERANCE = {np.complex64: 2e-6, np.complex128: 1e-13}
DTYPES = pytest.mark.parametrize("dtype", [np.complex64, np.complex128], ids=["c64", "c128"])
SIZES = pytest.mark.parametrize("k, ncontrols", [(k, c) for k in range(1, 5) for c in range(3)])


@pytest.fixture(scope="module")
def host():
    reason = hostbuild.unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    return hostbuild.HostKernels("matrix")


def cases(k: int, ncontrols: int, seed: int):
    """(targets, controls) with each qubit once as targets[0]; the rest random and unsorted."""
    rng = np.random.default_rng(seed)
    for first in range(NQUBITS):
        others = [int(q) for q in rng.permutation(NQUBITS) if q != first]
        yield [first] + others[: k - 1], others[k - 1 : k - 1 + ncontrols]


def arguments(targets, controls, matrix, dtype):
    return np.array(targets, dtype=np.int32), len(targets), control_mask(controls), matrix.astype(dtype).reshape(-1)


def error(got, want) -> float:
    return float(np.max(np.abs(np.asarray(got, dtype=complex) - np.asarray(want, dtype=complex))))


@DTYPES
@SIZES
@pytest.mark.parametrize("broadcast", [True, False], ids=["broadcast", "table"])
def test_simd_matches_reference_and_host_build(host, dtype, k, ncontrols, broadcast, monkeypatch):
    """Both ways of reading the matrix, whatever the host chose (``simd.BROADCAST_UNIFORM``)."""
    monkeypatch.setattr(simd, "BROADCAST_UNIFORM", broadcast)
    ngroups = 1 << (NQUBITS - k - ncontrols)
    for index, (targets, controls) in enumerate(cases(k, ncontrols, seed=k * 10 + ncontrols)):
        rng = np.random.default_rng(index)
        matrix = reference.random_unitary(k, rng)
        start = reference.random_state(NQUBITS, rng).astype(dtype)
        args = arguments(targets, controls, matrix, dtype)
        got, on_host = start.copy(), start.copy()
        assert simd.apply_matrix_simd(got, NQUBITS, *args, 0, ngroups) == (0, ngroups)
        want = reference.apply(start.astype(complex), targets, matrix, controls)
        assert error(got, want) <= TOLERANCE[dtype], f"simd on {targets} ctrl {controls}"
        host.apply_matrix(on_host, NQUBITS, *args, 0, ngroups)
        assert error(on_host, got) <= TOLERANCE[dtype], f"host CUDA vs simd on {targets} ctrl {controls}"


def vector_group_size(dtype, targets, controls) -> int:
    """Scalar groups per vector group: 2 to the number of lane bits that are neither target nor control."""
    lbits = simd.lane_bits(np.dtype(dtype).itemsize // 2)
    special = sum(1 << q for q in [*targets, *controls] if q < lbits)
    return 1 << (lbits - special.bit_count())


@DTYPES
@SIZES
def test_partial_ranges_update_whole_vector_groups(dtype, k, ncontrols):
    """A range with ends inside vector groups: the SIMD kernel does exactly the whole ones and says which
    (the scalar kernels on the rest complete the pass); the dispatcher (``cpu_kernels.apply_matrix``)
    applied range by range equals the reference."""
    ngroups = 1 << (NQUBITS - k - ncontrols)
    for index, (targets, controls) in enumerate(cases(k, ncontrols, seed=50 + k * 10 + ncontrols)):
        rng = np.random.default_rng(index)
        matrix = reference.random_unitary(k, rng)
        start = reference.random_state(NQUBITS, rng).astype(dtype)
        args = arguments(targets, controls, matrix, dtype)
        size = vector_group_size(dtype, targets, controls)
        begin, end = 1, ngroups - 1
        got = start.copy()
        done = simd.apply_matrix_simd(got, NQUBITS, *args, begin, end)
        first, last = -(-begin // size) * size, end // size * size
        assert done == ((first, last) if first < last else (begin, begin))
        whole = reference.apply(start.astype(complex), targets, matrix, controls)
        for lo, hi in ((0, done[0]), (done[1], ngroups)):  # the rest by the scalar kernels: the whole pass
            _scalar_matrix(got, NQUBITS, *args, lo, hi)
        assert error(got, whole) <= TOLERANCE[dtype], f"simd range {done} on {targets} ctrl {controls}"
        pieces = start.copy()
        for lo, hi in ((0, begin), (begin, end), (end, ngroups)):
            apply_matrix(pieces, NQUBITS, *args, lo, hi)
        assert error(pieces, whole) <= TOLERANCE[dtype], f"ranges on {targets} ctrl {controls}"


@DTYPES
@pytest.mark.parametrize("targets, controls", [([0, 9, 1, 15], [4]), ([9, 5, 12, 15], [])], ids=["lanes", "uniform"])
def test_result_does_not_depend_on_the_thread_count(dtype, targets, controls):
    """Explicit FMAs in a fixed order: one thread and all threads give the same bits (16 qubits, several
    tasks), with a per-lane table (a target and a control on lane bits) and with the uniform one."""
    nqubits = 16
    rng = np.random.default_rng(7)
    start = reference.random_state(nqubits, rng).astype(dtype)
    matrix = reference.random_unitary(4, rng)
    args = arguments(targets, controls, matrix, dtype)
    ngroups = 1 << (nqubits - 4 - len(controls))
    results = []
    before = numba.get_num_threads()
    try:
        for threads in (1, numba.config.NUMBA_NUM_THREADS):
            numba.set_num_threads(threads)
            state = start.copy()
            simd.apply_matrix_simd(state, nqubits, *args, 0, ngroups)
            results.append(state)
    finally:
        numba.set_num_threads(before)
    assert np.array_equal(results[0], results[1])
    assert not np.array_equal(results[0], start)


@DTYPES
def test_dispatch_runs_simd_up_to_the_fusion_limit_wherever_the_targets_sit(dtype):
    """``simd_covers``: SIMD for up to ``MAX_TARGETS`` targets in any placement (so it does not ask
    where they sit); the scalar kernels for bigger operands and states smaller than one vector."""
    lbits = simd.lane_bits(np.dtype(dtype).itemsize // 2)
    state = np.zeros(1 << 10, dtype=dtype)
    assert simd.simd_covers(state, 10, 2)
    assert simd.simd_covers(state, 10, 1)
    assert simd.simd_covers(state, 10, 4)
    assert not simd.simd_covers(state, 10, 5)
    assert not simd.simd_covers(np.zeros(1 << (lbits - 1), dtype=dtype), lbits - 1, 1)


@pytest.mark.parametrize(
    "positions, run, shift",
    [([], 512, 0), ([3, 7], 8, 0), ([0, 1, 5], 8, 2), ([0, 1, 2], 512, 3), ([0, 2], 2, 1), ([0, 12], 512, 1)],
)
def test_runs_step_over_special_bits_at_the_bottom(positions, run, shift):
    """``_run``: the free vector bits just above the special ones at the bottom give the run (at most
    ``_BLOCK`` groups) and the stride between its groups' first vectors."""
    vpositions = np.zeros(64, dtype=np.int64)
    vpositions[: len(positions)] = positions
    assert simd._run(vpositions, len(positions)) == (run, shift)


@pytest.mark.parametrize(
    "kh, uniform, positions, ahead",
    [
        (4, True, [3, 19, 20, 21], 16),  # a target on vector bit 3: runs of 8 groups; the next run 16 vectors on
        (4, True, [18, 19, 20, 21], 0),  # high targets: sequential streams, left to the hardware
        (4, True, [0, 1, 2, 3], 8192),  # the lowest vector bits: a run is 512 groups of 16 vectors
        (1, True, [2], 0),  # one uniform target: too light to prefetch for
        (1, False, [2], 8),  # one high target next to a lane target (per-lane table): prefetched
    ],
)
def test_prefetch_reaches_the_same_vectors_of_the_next_run(kh, uniform, positions, ahead):
    """``_prefetch_ahead``: the distance from a group's vectors to the same vectors of the next run,
    or 0 where the hardware prefetchers are left alone."""
    vpositions = np.zeros(64, dtype=np.int64)
    vpositions[: len(positions)] = positions
    run, shift = simd._run(vpositions, len(positions))
    assert simd._prefetch_ahead(kh, uniform, run, shift, vpositions, len(positions)) == ahead


def test_a_matrix_of_another_precision_is_converted_to_the_states():
    """A complex128 matrix on a complex64 state (the kernel's own entry point, below the device's
    conversion) gives what the converted matrix gives, on the uniform and the per-lane paths."""
    rng = np.random.default_rng(3)
    start = reference.random_state(NQUBITS, rng).astype(np.complex64)
    matrix = reference.random_unitary(2, rng)
    for targets in ([4, 6], [0, 5]):
        wide, narrow = start.copy(), start.copy()
        tg = np.array(targets, dtype=np.int32)
        simd.apply_matrix_simd(wide, NQUBITS, tg, 2, 0, matrix.reshape(-1), 0, 1 << (NQUBITS - 2))
        simd.apply_matrix_simd(
            narrow, NQUBITS, tg, 2, 0, matrix.astype(np.complex64).reshape(-1), 0, 1 << (NQUBITS - 2)
        )
        assert np.array_equal(wide, narrow), targets
