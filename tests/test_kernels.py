"""Kernel families: Numba against the reference simulator, host-built CUDA against Numba.

Every family, every target position (each qubit appears as a target), k up to
6 (the largest dense operand a GPU fuses, beyond the CPU's limit), with zero,
one and two controls, in both precisions, on seeded random states of 6 qubits.
The host build runs the CUDA source of ``kernels/*.cu`` sequentially (see
``tests/hostbuild.py``) and is compared with Numba amplitude by amplitude.
"""

from __future__ import annotations

import hostbuild
import numpy as np
import pytest
import reference

from gpuq.sim.devices import cpu_kernels
from gpuq.sim.devices.base import control_mask

NQUBITS = 6
TOLERANCE = {
    np.complex64: {"reference": 2e-6, "host": 2e-6},
    np.complex128: {"reference": 1e-13, "host": 1e-14},
}
"""Largest absolute amplitude error, per precision: Numba vs the reference, host CUDA vs Numba."""

DTYPES = pytest.mark.parametrize("dtype", [np.complex64, np.complex128], ids=["c64", "c128"])
CONTROLS = pytest.mark.parametrize("ncontrols", [0, 1, 2])
DENSE_SIZES = pytest.mark.parametrize("k, ncontrols", [(k, c) for k in range(7) for c in range(3) if k + c <= NQUBITS])
"""Operand sizes up to 6 targets (a GPU's dense kernel takes that many) with 0 to 2 controls."""


@pytest.fixture(scope="module")
def host():
    reason = hostbuild.unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    return {family: hostbuild.HostKernels(family) for family in hostbuild.FAMILIES}


def cases(k: int, ncontrols: int, seed: int):
    """(targets, controls) with each qubit once as targets[0]; the rest random and unsorted."""
    rng = np.random.default_rng(seed)
    if k == 0:
        for _ in range(NQUBITS - ncontrols + 1):
            yield [], [int(q) for q in rng.permutation(NQUBITS)[:ncontrols]]
        return
    for first in range(NQUBITS):
        others = [int(q) for q in rng.permutation(NQUBITS) if q != first]
        yield [first] + others[: k - 1], others[k - 1 : k - 1 + ncontrols]


def all_groups(k: int, controls, nqubits: int = NQUBITS) -> tuple[int, int]:
    """``(group_begin, group_end)`` of a whole pass: every group of a k-target operand."""
    return 0, 1 << (nqubits - k - len(controls))


def random_state(dtype, seed: int) -> np.ndarray:
    return reference.random_state(NQUBITS, np.random.default_rng(seed)).astype(dtype)


def check(dtype, got, want, kind: str, what: str) -> None:
    error = np.max(np.abs(np.asarray(got, dtype=complex) - np.asarray(want, dtype=complex)))
    assert error <= TOLERANCE[dtype][kind], f"{what}: |error| {error:.3g} > {TOLERANCE[dtype][kind]:g} ({kind})"


def compare(host_entry, numba_entry, start, nqubits, args, want, what):
    """Apply one entry on Numba and on the host build to copies of ``start``; check both.

    ``want`` is the reference's result for ``start``: Numba is checked against it,
    the host build against Numba.
    """
    dtype = start.dtype.type
    on_numba, on_host = start.copy(), start.copy()
    numba_entry(on_numba, nqubits, *args)
    check(dtype, on_numba, want, "reference", f"numba {what}")
    host_entry(on_host, nqubits, *args)
    check(dtype, on_host, on_numba, "host", f"host CUDA {what}")


def run_both(host_entry, numba_entry, dtype, args, seed, want, what):
    """``compare`` on a seeded random state of ``NQUBITS``; ``want`` maps the start to the reference result."""
    start = random_state(dtype, seed)
    compare(host_entry, numba_entry, start, NQUBITS, args, want(start.astype(complex)), what)


@DTYPES
@DENSE_SIZES
def test_apply_matrix(host, dtype, k, ncontrols):
    for index, (targets, controls) in enumerate(cases(k, ncontrols, seed=k * 10 + ncontrols)):
        matrix = reference.random_unitary(k, np.random.default_rng(index))
        args = (
            np.array(targets, dtype=np.int32),
            k,
            control_mask(controls),
            matrix.astype(dtype).reshape(-1),
            *all_groups(k, controls),
        )
        run_both(
            host["matrix"].apply_matrix,
            cpu_kernels.apply_matrix,
            dtype,
            args,
            index,
            lambda s, t=targets, m=matrix, c=controls: reference.apply(s, t, m, c),
            f"matrix on {targets} ctrl {controls}",
        )


@DTYPES
@DENSE_SIZES
def test_apply_diagonal(host, dtype, k, ncontrols):
    for index, (targets, controls) in enumerate(cases(k, ncontrols, seed=100 + k * 10 + ncontrols)):
        phases = np.exp(1j * np.random.default_rng(index).uniform(0, 2 * np.pi, 1 << k))
        args = (np.array(targets, dtype=np.int32), k, control_mask(controls), phases.astype(dtype))
        run_both(
            host["diagonal"].apply_diagonal,
            cpu_kernels.apply_diagonal,
            dtype,
            args,
            index,
            lambda s, t=targets, d=phases, c=controls: reference.apply(s, t, np.diag(d), c),
            f"diagonal on {targets}",
        )


WIDE_STATE_QUBITS = 14
"""Above the diagonal kernel's tile of 2**12 amplitudes, so a tile's base carries target and control bits."""


def elementwise_diagonal(state, targets, diag, controls):
    """The dense reference of a diagonal operator: each amplitude times its own entry (or 1)."""
    index = np.arange(state.shape[0])
    local = sum(((index >> t) & 1) << j for j, t in enumerate(targets))
    mask = control_mask(controls)
    return np.where((index & mask) == mask, np.asarray(diag)[local] * state, state)


@DTYPES
@pytest.mark.parametrize(
    "targets, controls",
    [
        ([13, 12], []),  # every target above the tile: one factor per tile
        ([0, 13, 5], [12]),  # targets on both sides, a control above
        ([12], [0, 3]),  # controls inside the tile
        (list(range(0, 14, 2)), [1, 13]),  # a wide diagonal (7 targets) spread over the state
        (list(range(10)), []),  # the lowest ten qubits (a QFT's fused phase ladders)
    ],
)
def test_apply_diagonal_across_tiles(host, dtype, targets, controls):
    rng = np.random.default_rng(len(targets) * 7 + len(controls))
    start = reference.random_state(WIDE_STATE_QUBITS, rng).astype(dtype)
    diag = np.exp(1j * rng.uniform(0, 2 * np.pi, 1 << len(targets)))
    args = (np.array(targets, dtype=np.int32), len(targets), control_mask(controls), diag.astype(dtype))
    compare(
        host["diagonal"].apply_diagonal,
        cpu_kernels.apply_diagonal,
        start,
        WIDE_STATE_QUBITS,
        args,
        elementwise_diagonal(start.astype(complex), targets, diag, controls),
        f"diagonal on {targets} ctrl {controls}",
    )


def permutation_matrix(perm: np.ndarray) -> np.ndarray:
    dim = perm.shape[0]
    matrix = np.zeros((dim, dim))
    matrix[perm, np.arange(dim)] = 1  # column m (input m) has its 1 in row perm[m]
    return matrix


@DTYPES
@CONTROLS
@pytest.mark.parametrize("k", range(1, 5))
def test_apply_permutation(host, dtype, k, ncontrols):
    for index, (targets, controls) in enumerate(cases(k, ncontrols, seed=200 + k * 10 + ncontrols)):
        perm = np.random.default_rng(index).permutation(1 << k).astype(np.int64)
        args = (np.array(targets, dtype=np.int32), k, control_mask(controls), perm, *all_groups(k, controls))
        run_both(
            host["permute"].apply_permutation,
            cpu_kernels.apply_permutation,
            dtype,
            args,
            index,
            lambda s, t=targets, p=perm, c=controls: reference.apply(s, t, permutation_matrix(p), c),
            f"permutation {perm.tolist()} on {targets}",
        )


def elementwise_permutation(state, targets, perm, controls):
    """The reference of a permutation operator by index arithmetic (a dense 2**14 matrix is too big)."""
    index = np.arange(state.shape[0])
    local = sum(((index >> t) & 1) << j for j, t in enumerate(targets))
    moved = np.asarray(perm)[local]
    cleared = index & ~sum(1 << t for t in targets)
    destination = cleared | sum(((moved >> j) & 1) << t for j, t in enumerate(targets))
    mask = control_mask(controls)
    destination = np.where((index & mask) == mask, destination, index)
    result = np.empty_like(state)
    result[destination] = state
    return result


@DTYPES
@pytest.mark.parametrize(
    "targets, controls",
    [
        ([10, 13, 11, 12], []),  # high targets: long runs of groups, moved in several buffers
        ([2, 9, 4, 13], [0]),  # spread targets, a control on the lowest qubit (strided runs)
        ([0, 1], [13]),  # the lowest qubits
    ],
)
def test_apply_permutation_on_a_wide_state(host, dtype, targets, controls):
    rng = np.random.default_rng(len(targets) + 10 * len(controls))
    start = reference.random_state(WIDE_STATE_QUBITS, rng).astype(dtype)
    perm = rng.permutation(1 << len(targets)).astype(np.int64)
    groups = all_groups(len(targets), controls, WIDE_STATE_QUBITS)
    args = (np.array(targets, dtype=np.int32), len(targets), control_mask(controls), perm, *groups)
    compare(
        host["permute"].apply_permutation,
        cpu_kernels.apply_permutation,
        start,
        WIDE_STATE_QUBITS,
        args,
        elementwise_permutation(start.astype(complex), targets, perm, controls),
        f"permutation on {targets} ctrl {controls}",
    )


@DTYPES
@CONTROLS
def test_apply_x_and_swap(host, dtype, ncontrols):
    """The fast entries match the general permutation for their case."""
    for index, (targets, controls) in enumerate(cases(2, ncontrols, seed=300 + ncontrols)):
        mask = control_mask(controls)
        x = permutation_matrix(np.array([1, 0]))
        run_both(
            host["permute"].apply_x,
            cpu_kernels.apply_x,
            dtype,
            (targets[0], mask, *all_groups(1, controls)),
            index,
            lambda s, t=targets, c=controls, u=x: reference.apply(s, t[:1], u, c),
            f"x on {targets[0]}",
        )
        swap = permutation_matrix(np.array([0, 2, 1, 3]))
        run_both(
            host["permute"].apply_swap,
            cpu_kernels.apply_swap,
            dtype,
            (targets[0], targets[1], mask, *all_groups(2, controls)),
            index,
            lambda s, t=targets, c=controls, u=swap: reference.apply(s, t, u, c),
            f"swap of {targets}",
        )


@DTYPES
def test_probabilities(host, dtype):
    state = random_state(dtype, 7)
    real = state.real.dtype
    on_numba, on_host = np.full(state.shape, -1, dtype=real), np.full(state.shape, -1, dtype=real)
    cpu_kernels.probabilities(state, NQUBITS, on_numba)
    host["measure"].probabilities(state, NQUBITS, on_host)
    check(dtype, on_numba, np.abs(state.astype(complex)) ** 2, "reference", "numba probabilities")
    check(dtype, on_host, on_numba, "host", "host probabilities")


@DTYPES
@pytest.mark.parametrize("qubits", [[0], [5], [2, 4], [3, 0, 5]])
def test_collapse(host, dtype, qubits):
    mask = control_mask(qubits)
    for outcome in range(1 << len(qubits)):
        bits = sum(((outcome >> j) & 1) << q for j, q in enumerate(qubits))
        keep = (np.arange(1 << NQUBITS) & mask) == bits

        def want(s, keep=keep):
            return np.where(keep, s * 1.5, 0)

        run_both(
            host["measure"].collapse,
            cpu_kernels.collapse,
            dtype,
            (mask, bits, 1.5),
            outcome,
            want,
            f"collapse of {qubits} onto {outcome}",
        )


@DTYPES
@pytest.mark.parametrize(
    "nqubits, qubits",
    [
        (6, [0]),
        (6, [5]),
        (6, [4, 1]),
        (6, [2, 5, 0]),
        (6, list(range(6))),
        (6, [5, 4, 3, 2, 1, 0]),
        (8, [7, 0, 3]),
        (13, [12, 0, 5, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11]),  # 2**13 outcomes: per-outcome path
    ],
)
def test_marginal_probabilities(dtype, nqubits, qubits):
    state = reference.random_state(nqubits, np.random.default_rng(nqubits)).astype(dtype)
    out = np.zeros(1 << len(qubits))
    cpu_kernels.marginal_probabilities(state, nqubits, np.array(qubits, dtype=np.int32), len(qubits), out)
    want = reference.marginal(state.astype(complex), qubits)
    tolerance = 1e-6 if dtype is np.complex64 else 1e-14
    assert np.max(np.abs(out - want)) <= tolerance
