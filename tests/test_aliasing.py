"""The tiled pair passes for streams that alias in the L1 cache (``cpu_kernels.aliasing``).

The tiled kernels are run straight, with tiny tiles (1, 3: a tile boundary inside every task, and a
remainder) and with the production tile, at every target position, with and without controls, in
both precisions, whole and in uneven ranges of groups; the result must equal the dense reference
(``tests/reference.py``, no code shared with gpuq.sim), or at 13 qubits (whole 2048-group tasks) an
index-arithmetic reference. Through ``CpuDevice``, the dispatch is checked with the aliasing span
shrunk to 256 bytes, so that a 7-qubit state has aliased and plain targets side by side.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import reference

from gpuq.sim.devices.base import control_mask, group_count
from gpuq.sim.devices.cpu import CpuDevice
from gpuq.sim.devices.cpu_kernels import aliasing

NQUBITS = 7
DTYPES = pytest.mark.parametrize("dtype", [np.complex64, np.complex128], ids=["c64", "c128"])
TOLERANCE = {np.complex64: 2e-6, np.complex128: 1e-13}
X = np.array([[0, 1], [1, 0]])
SWAP = np.array([[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]])


@pytest.mark.parametrize(
    "distance, expected",
    [
        (1 << 28, True),  # qubit 24 in double, 25 in single: the first aliased target
        (3 << 28, True),
        (1 << 33, True),  # qubit 29 in double
        ((1 << 28) - 16, True),  # SWAP(0, 24) in double: one amplitude short of a multiple
        ((1 << 28) + (1 << 14), True),
        (1 << 27, False),  # qubit 23 in double: the last plain target
        ((1 << 28) + (1 << 15), False),
        (1 << 24, False),
        (64, False),  # within one line
        (1 << 14, False),
    ],
)
def test_aliased_distances(distance, expected):
    assert aliasing.aliased(distance) is expected


def cuts(count: int) -> list[int]:
    """Uneven ranges that cover ``count`` groups: one group, an empty one, the rest in two."""
    return [0, 1, 1, count // 2 + 1, count]


def run_tiled(state, operator_name, targets, controls, operand, tile, groups):
    """One of the tiled kernels, straight, on the groups ``groups``."""
    nqubits = int(np.log2(state.shape[0]))
    mask = control_mask(controls)
    target_array = np.array(targets, dtype=np.int32)
    begin, end = groups
    if operator_name == "matrix":
        flat = np.ascontiguousarray(operand, dtype=state.dtype).reshape(-1)
        aliasing.matrix_1_tiled(state, nqubits, target_array, mask, flat, begin, end, tile)
    else:
        offsets = [0, 1 << targets[0]] if operator_name == "x" else [1 << targets[0], 1 << targets[1]]
        ua, ub = np.uint64(offsets[0]), np.uint64(offsets[1])
        aliasing.swap_tiled(state, nqubits, target_array, len(targets), mask, ua, ub, begin, end, tile)


def cases(top: int, rng: np.random.Generator):
    """(name, targets, controls, operand, operator) with ``top`` first among the targets."""
    others = [int(q) for q in rng.permutation(NQUBITS) if q != top]
    yield "matrix", [top], [], (u := reference.random_unitary(1, rng)), u
    yield "matrix", [top], others[:2], (u := reference.random_unitary(1, rng)), u
    yield "x", [top], [], None, X
    yield "x", [top], others[:1], None, X
    yield "swap", [top, others[0]], [], None, SWAP
    yield "swap", [others[0], top], others[1:2], None, SWAP


@DTYPES
@pytest.mark.parametrize("tile", [1, 3, aliasing.TILE])
@pytest.mark.parametrize("top", range(NQUBITS))
def test_tiled_kernels_match_the_reference(dtype, tile, top):
    rng = np.random.default_rng(top)
    for name, targets, controls, operand, operator in cases(top, rng):
        start = reference.random_state(NQUBITS, rng).astype(dtype)
        want = reference.apply(start, targets, operator, controls)
        count = group_count(NQUBITS, len(targets), len(controls))
        whole = start.copy()
        run_tiled(whole, name, targets, controls, operand, tile, (0, count))
        assert np.max(np.abs(whole - want)) <= TOLERANCE[dtype], f"{name} on {targets}, controls {controls}"
        ranged = start.copy()
        for groups in itertools.pairwise(cuts(count)):
            run_tiled(ranged, name, targets, controls, operand, tile, groups)
        np.testing.assert_array_equal(ranged, whole, err_msg=f"ranges of {name} on {targets}")


WIDE_QUBITS = 13
"""Two whole tasks of 2048 groups for a target on the top qubit, each walked in several production tiles."""


def pairs_reference(state, target, operator, begin, end):
    """The 2x2 ``operator`` on the pairs (g, g + 2**target) of groups ``[begin, end)``, by index arithmetic."""
    groups = np.arange(begin, end)
    low = groups & ((1 << target) - 1)
    index0 = ((groups >> target) << (target + 1)) | low
    out = state.astype(complex)
    pair = np.stack([out[index0], out[index0 | (1 << target)]])
    out[index0], out[index0 | (1 << target)] = np.asarray(operator) @ pair
    return out


@DTYPES
@pytest.mark.parametrize("target", [WIDE_QUBITS - 1, 11, 5])
def test_production_tiles_within_whole_tasks_and_partial_ranges(dtype, target):
    rng = np.random.default_rng(target)
    start = reference.random_state(WIDE_QUBITS, rng).astype(dtype)
    u = reference.random_unitary(1, rng)
    count = group_count(WIDE_QUBITS, 1, 0)
    for begin, end in [(0, count), (37, count - 1000)]:  # the second range's ends fall inside tasks and tiles
        for name, operator in (("matrix", u), ("x", X)):
            got = start.copy()
            run_tiled(got, name, [target], [], u, aliasing.TILE, (begin, end))
            want = pairs_reference(start, target, operator, begin, end)
            assert np.max(np.abs(got - want)) <= TOLERANCE[dtype], f"{name} on {target}, groups {begin}..{end}"


@pytest.fixture
def tiny_span(monkeypatch):
    """Alias every distance that is a multiple of 256 bytes (to within 16): targets 4 up in double, 5 up in single."""
    monkeypatch.setattr(aliasing, "ALIAS_SPAN", 256)
    monkeypatch.setattr(aliasing, "ALIAS_WINDOW", 16)


@pytest.mark.usefixtures("tiny_span")
@pytest.mark.parametrize("top", range(NQUBITS))
def test_cpu_device_passes_through_the_tiled_kernels(precision, atol, top):
    cpu = CpuDevice()
    rng = np.random.default_rng(100 + top)
    itemsize = 8 if precision == "single" else 16
    assert aliasing.aliased(itemsize << top) is (top >= (5 if precision == "single" else 4))
    for name, targets, controls, operand, operator in cases(top, rng):
        start = reference.random_state(NQUBITS, rng)
        want = reference.apply(start, targets, operator, controls)
        count = group_count(NQUBITS, len(targets), len(controls))
        for ranges in ([(0, count)], list(itertools.pairwise(cuts(count)))):
            state = cpu.from_host(start.astype(cpu.zero_state(1, precision).dtype))
            for groups in ranges:
                if name == "matrix":
                    cpu.apply_matrix(state, targets, operand, controls, groups)
                else:
                    perm = [1, 0] if name == "x" else [0, 2, 1, 3]
                    cpu.apply_permutation(state, targets, perm, controls, groups)
            np.testing.assert_allclose(cpu.to_host(state), want, atol=atol, err_msg=f"{name} on {targets} in {ranges}")
