"""Ranges of groups (``groups=(begin, end)``) of the dense and permutation passes, and the Chunker's split by them.

For every target position (the state's top qubit included) and every kernel path (dense k = 1 to 4, X,
SWAP, a general permutation; with and without controls), in both precisions, on the CPU and on the GPU
(through the CuPy stand-in with ``--gpu-standin``): the pass applied range by range, with uneven cuts
straight on the device and in the Chunker's pieces of a tiny ``chunk_qubits``, gives the state of the
whole pass, and all of them equal the dense reference (``tests/reference.py``, no code shared with
gpuq.sim). The host build of ``kernels/*.cu`` is checked against the Numba twins on partial ranges
whose ends fall inside the Numba kernels' tasks.
"""

from __future__ import annotations

import itertools

import hostbuild
import numpy as np
import pytest
import reference

from gpuq import SimulationError
from gpuq.sim.chunks import Chunker
from gpuq.sim.devices import cpu_kernels
from gpuq.sim.devices.base import control_mask, group_count
from gpuq.sim.ops import GateOp

NQUBITS = 7


def permutation_matrix(perm) -> np.ndarray:
    """The operator of ``perm``: input m goes to output perm[m]."""
    matrix = np.zeros((len(perm), len(perm)))
    matrix[np.asarray(perm), np.arange(len(perm))] = 1
    return matrix


def operations(top: int, rng: np.random.Generator):
    """GateOps whose first target is ``top``, one per kernel path, the other qubits drawn at random."""
    others = [int(q) for q in rng.permutation(NQUBITS) if q != top]

    def op(kind, k, operand, ncontrols=0):
        return GateOp(kind, (top, *others[: k - 1]), tuple(others[k - 1 : k - 1 + ncontrols]), operand)

    yield op("matrix", 1, reference.random_unitary(1, rng))
    yield op("matrix", 1, reference.random_unitary(1, rng), ncontrols=1)
    yield op("matrix", 2, reference.random_unitary(2, rng), ncontrols=2)
    yield op("matrix", 3, reference.random_unitary(3, rng), ncontrols=1)
    yield op("matrix", 4, reference.random_unitary(4, rng))
    yield op("permutation", 1, np.array([1, 0]), ncontrols=1)  # the X path
    yield op("permutation", 2, np.array([0, 2, 1, 3]))  # the SWAP path
    yield op("permutation", 3, rng.permutation(8), ncontrols=1)


def expected(start: np.ndarray, op: GateOp) -> np.ndarray:
    operand = permutation_matrix(op.operand) if op.kind == "permutation" else op.operand
    return reference.apply(start.astype(complex), op.targets, operand, op.controls)


def apply(device, state, op: GateOp, groups=None) -> None:
    family = device.apply_permutation if op.kind == "permutation" else device.apply_matrix
    family(state, list(op.targets), op.operand, list(op.controls), groups)


def uneven_cuts(count: int) -> list[int]:
    """Ends of ranges that split ``count`` (at least 4) groups unevenly: one group, none, the rest in two."""
    return [0, 1, 1, count // 2 + 1, count]


@pytest.mark.parametrize("top", range(NQUBITS))
def test_ranges_and_chunker_pieces_give_the_whole_pass(device, precision, atol, top):
    rng = np.random.default_rng(top)
    chunked_device = type(device)()
    chunked_device.chunk_qubits = 2  # pieces of 2**2 amplitudes of work: 2**5 of them for k = 1
    chunker = Chunker(chunked_device, NQUBITS, precision, lambda: False)
    assert chunker.active
    dtype = np.complex64 if precision == "single" else np.complex128
    for op in operations(top, rng):
        start = reference.random_state(NQUBITS, rng).astype(dtype)
        want = expected(start, op)
        whole = device.from_host(start)
        apply(device, whole, op)
        whole = device.to_host(whole)
        np.testing.assert_allclose(whole, want, atol=atol, err_msg=f"whole pass of {op}")
        cuts = uneven_cuts(group_count(NQUBITS, len(op.targets), len(op.controls)))
        ranged = device.from_host(start)
        for begin, end in itertools.pairwise(cuts):
            apply(device, ranged, op, (begin, end))
        np.testing.assert_allclose(device.to_host(ranged), whole, atol=atol, err_msg=f"ranges {cuts} of {op}")
        pieces = chunked_device.from_host(start)
        chunker.apply(pieces, op)
        np.testing.assert_allclose(chunked_device.to_host(pieces), whole, atol=atol, err_msg=f"pieces of {op}")


def test_a_range_updates_only_its_groups(device):
    # H on the top qubit: group g is the pair (g, g + 64). Groups 5..9 change, every other amplitude stays.
    start = reference.random_state(NQUBITS, np.random.default_rng(3))
    state = device.from_host(start)
    device.apply_matrix(state, [NQUBITS - 1], np.array([[1, 1], [1, -1]]) / np.sqrt(2), (), (5, 10))
    changed = np.flatnonzero(~np.isclose(device.to_host(state), start, atol=1e-12, rtol=0))
    assert changed.tolist() == [*range(5, 10), *range(69, 74)]


@pytest.mark.parametrize("groups", [(-1, 4), (3, 2), (0, 17)], ids=str)
def test_bad_group_ranges_are_refused(device, groups):
    state = device.zero_state(NQUBITS, "double")  # two targets and a control: 2**4 groups
    with pytest.raises(SimulationError, match=r"group range .* not within \[0, 16\]"):
        device.apply_matrix(state, [6, 0], np.eye(4), [3], groups)
    with pytest.raises(SimulationError, match=r"group range .* not within \[0, 16\]"):
        device.apply_permutation(state, [6, 0], [1, 0, 3, 2], [3], groups)


@pytest.fixture(scope="module")
def host():
    reason = hostbuild.unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    return {family: hostbuild.HostKernels(family) for family in ("matrix", "permute")}


WIDE_QUBITS = 14
"""Enough groups for whole Numba tasks (2048 groups) between the partial ones at the ends of a range."""


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128], ids=["c64", "c128"])
@pytest.mark.parametrize(
    "targets, controls",
    [([13], []), ([0], [13]), ([13, 2], [5]), ([1, 13, 7], []), ([12, 0, 13, 6], [3]), ([], [13, 0])],
    ids=str,
)
def test_host_build_matches_numba_on_partial_ranges(host, dtype, targets, controls):
    rng = np.random.default_rng(len(targets) * 10 + len(controls))
    start = reference.random_state(WIDE_QUBITS, rng).astype(dtype)
    k, mask = len(targets), control_mask(controls)
    count = group_count(WIDE_QUBITS, k, len(controls))
    begin, end = 37, count - 1000  # both ends inside a task, whole tasks between them
    target_array = np.array(targets, dtype=np.int32)
    matrix = reference.random_unitary(k, rng)
    cases = [("matrix", "apply_matrix", (target_array, k, mask, matrix.astype(dtype).reshape(-1)), matrix)]
    if k:
        perm = rng.permutation(1 << k).astype(np.int64)
        cases.append(("permute", "apply_permutation", (target_array, k, mask, perm), permutation_matrix(perm)))
    if k == 1:
        cases.append(("permute", "apply_x", (targets[0], mask), permutation_matrix([1, 0])))
    if k == 2:
        cases.append(("permute", "apply_swap", (*targets, mask), permutation_matrix([0, 2, 1, 3])))
    for family, entry, args, operator in cases:
        on_numba, on_host = start.copy(), start.copy()
        getattr(cpu_kernels, entry)(on_numba, WIDE_QUBITS, *args, begin, end)
        getattr(host[family], entry)(on_host, WIDE_QUBITS, *args, begin, end)
        tolerance = 2e-6 if dtype is np.complex64 else 1e-14
        assert np.max(np.abs(on_host.astype(complex) - on_numba)) <= tolerance, f"{entry} on {targets}"
        want = _range_reference(start.astype(complex), targets, operator, controls, begin, end)
        assert np.max(np.abs(on_numba - want)) <= tolerance * 10, f"numba {entry} on {targets}"


def _range_reference(state, targets, operator, controls, begin, end):
    """``operator`` applied to groups ``begin`` to ``end - 1`` only, by index arithmetic on a copy."""
    base = np.arange(begin, end)
    for p in sorted(targets + controls):  # insert a zero bit at each target and control, ascending
        base = ((base >> p) << (p + 1)) | (base & ((1 << p) - 1))
    offsets = [sum(((m >> j) & 1) << t for j, t in enumerate(targets)) for m in range(1 << len(targets))]
    index = (base | control_mask(controls))[:, None] | np.array(offsets)[None, :]  # one row per group
    out = state.copy()
    out[index] = state[index] @ np.asarray(operator).T
    return out
