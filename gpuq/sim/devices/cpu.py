"""CpuDevice: the statevector in host memory, updated by the Numba kernels in ``cpu_kernels``.

Arguments are validated once here (``base.check_operands``) and converted to
contiguous arrays of the state's dtype; the kernels then only move amplitudes.
"""

from __future__ import annotations

from typing import ClassVar

import numba
import numpy as np

from ...exceptions import SimulationError
from ..memory import host_free_bytes
from . import cpu_kernels
from .base import (
    Device,
    check_matrix,
    check_operands,
    collapse_arguments,
    control_mask,
    nqubits_of,
    state_dtype,
)
from .cpu_pauli import CpuPauliMixin

_SERIAL_BELOW = 1 << 14
"""States with fewer amplitudes run on one thread: waking the pool costs more than the pass."""


_SWAP = np.array([0, 2, 1, 3])


def _launch(kernel, state: np.ndarray, *args) -> None:
    """Call a Numba kernel, on one thread for small states (threads are per calling thread in Numba)."""
    if state.shape[0] >= _SERIAL_BELOW:
        kernel(state, *args)
        return
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        kernel(state, *args)
    finally:
        numba.set_num_threads(before)


def _check_state(state: object) -> np.ndarray:
    if not isinstance(state, np.ndarray) or state.dtype not in (np.complex64, np.complex128):
        raise SimulationError("a CPU state must be a complex64 or complex128 NumPy array")
    if state.ndim != 1 or not state.flags.c_contiguous or state.size & (state.size - 1):
        raise SimulationError("a CPU state must be a contiguous 1-D array whose length is a power of two")
    return state


class CpuDevice(CpuPauliMixin, Device):
    """The host CPU, with Numba kernels running on Numba's thread pool.

    ``fusion_limit`` is 4: measured on the project's 2-core machine, one pass
    of a dense 4-qubit matrix costs about as much as three or four 1-qubit
    passes, so fusing further than 4 qubits stops paying off (see the
    kernel bandwidth table in ``benchmarks/kernel_bandwidth.py``). The limit
    does not depend on the state size: k = 3 and 4 were within noise of each
    other from 12 to 24 qubits, k = 2 and 5 slower (docs/benchmarks.md).
    """

    kind: ClassVar[str] = "cpu"
    fusion_limit: ClassVar[int] = 4

    def free_bytes(self) -> int:
        return host_free_bytes()

    def description(self) -> str:
        threads = numba.get_num_threads()
        return f"CPU ({threads} thread{'s' if threads != 1 else ''}, numba {numba.__version__})"

    def zero_state(self, nqubits: int, precision: str) -> np.ndarray:
        state: np.ndarray = np.zeros(1 << nqubits, dtype=state_dtype(precision))
        state[0] = 1
        return state

    def from_host(self, array: np.ndarray) -> np.ndarray:
        array = np.asarray(array)
        if array.dtype not in (np.complex64, np.complex128):
            raise SimulationError(f"a statevector must be complex64 or complex128, not {array.dtype}")
        return _check_state(np.array(array, copy=True, order="C"))

    def to_host(self, state: np.ndarray) -> np.ndarray:
        return np.array(_check_state(state), copy=True)

    def into_host(self, state: np.ndarray) -> np.ndarray:
        return _check_state(state)

    def copy(self, state: np.ndarray) -> np.ndarray:
        return np.array(_check_state(state), copy=True)

    def _prepare(self, state, targets, controls, operand, expected_len):
        state = _check_state(state)
        nqubits = nqubits_of(state)
        check_operands(nqubits, targets, controls, expected_len)
        return state, nqubits, np.asarray(targets, dtype=np.int32), control_mask(controls)

    def apply_matrix(self, state, targets, matrix, controls=()):
        k = len(targets)
        matrix = check_matrix(matrix, k)
        state, nqubits, targets_arr, mask = self._prepare(state, targets, controls, matrix, 1 << k)
        flat = np.ascontiguousarray(matrix, dtype=state.dtype).reshape(-1)
        _launch(cpu_kernels.apply_matrix, state, nqubits, targets_arr, k, mask, flat)

    def apply_diagonal(self, state, targets, diag, controls=()):
        diag = np.asarray(diag).reshape(-1)
        state, nqubits, targets_arr, mask = self._prepare(state, targets, controls, diag, diag.shape[0])
        _launch(cpu_kernels.apply_diagonal, state, nqubits, targets_arr, len(targets), mask,
                                   np.ascontiguousarray(diag, dtype=state.dtype))

    def apply_permutation(self, state, targets, perm, controls=()):
        perm = np.asarray(perm, dtype=np.int64).reshape(-1)
        state, nqubits, targets_arr, mask = self._prepare(state, targets, controls, perm, perm.shape[0])
        if not np.array_equal(np.sort(perm), np.arange(perm.shape[0])):
            raise SimulationError(f"{perm.tolist()} is not a permutation of 0..{perm.shape[0] - 1}")
        k = len(targets)
        if k == 0 or np.array_equal(perm, np.arange(perm.shape[0])):
            return
        if k == 1:
            _launch(cpu_kernels.apply_x, state, nqubits, int(targets[0]), mask)
        elif k == 2 and np.array_equal(perm, _SWAP):
            _launch(cpu_kernels.apply_swap, state, nqubits, int(targets[0]), int(targets[1]), mask)
        else:
            _launch(cpu_kernels.apply_permutation, state, nqubits, targets_arr, k, mask, np.ascontiguousarray(perm))

    def marginal_probabilities(self, state, qubits):
        state = _check_state(state)
        nqubits = nqubits_of(state)
        check_operands(nqubits, qubits, (), 1 << len(qubits))
        # The kernel is fastest on ascending qubits: run it on them, then reorder the bits of the index.
        order = np.argsort(np.asarray(qubits, dtype=np.int64), kind="stable")
        ascending = np.asarray(qubits, dtype=np.int32)[order]
        out = np.empty(1 << len(qubits), dtype=np.float64)
        _launch(cpu_kernels.marginal_probabilities, state, nqubits, ascending, len(qubits), out)
        if np.array_equal(order, np.arange(len(qubits))):
            return out
        return _reorder_bits(out, order)

    def collapse(self, state, qubits, outcome, probability):
        state = _check_state(state)
        nqubits = nqubits_of(state)
        mask, bits, scale = collapse_arguments(nqubits, qubits, outcome, probability)
        _launch(cpu_kernels.collapse, state, nqubits, mask, bits, scale)

    def sample(self, state, qubits, shots, seed):
        rng = np.random.Generator(np.random.PCG64(seed))
        outcomes = sorted_draws(self.marginal_probabilities(state, qubits), shots, rng)
        rng.shuffle(outcomes)
        return outcomes

    def sample_counts(self, state, qubits, shots, seed):
        rng = np.random.Generator(np.random.PCG64(seed))
        outcomes = sorted_draws(self.marginal_probabilities(state, qubits), shots, rng)
        starts = np.flatnonzero(np.diff(outcomes, prepend=-1))
        return outcomes[starts], np.diff(np.append(starts, shots))


def _reorder_bits(probs: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Turn a marginal over ``qubits[order]`` (ascending) into one over ``qubits``.

    As a C-order tensor of shape ``(2,)*m``, axis ``a`` holds index bit ``m-1-a``.
    Result bit ``j`` is ``qubits[j]``, which is bit ``where[j]`` of the input,
    ``where`` being the inverse of ``order``.
    """
    m = order.shape[0]
    where = np.empty(m, dtype=np.int64)
    where[order] = np.arange(m)
    axes = [m - 1 - int(where[m - 1 - a]) for a in range(m)]
    return np.ascontiguousarray(probs.reshape((2,) * m).transpose(axes)).reshape(-1)


def sorted_draws(probs: np.ndarray, shots: int, rng: np.random.Generator) -> np.ndarray:
    """Draw ``shots`` outcome indices from ``probs`` (need not be normalised), ascending.

    O(len(probs) + shots), with no sort: the running sums of ``shots + 1``
    exponential draws, scaled to the total probability, are distributed as
    ``shots`` sorted uniforms (their order statistics), and one walk over the
    probabilities assigns them all (``cpu_kernels.draw_sorted``). Seeded by the
    caller's generator, so a seed always gives the same draws.
    """
    if shots < 0:
        raise SimulationError(f"shots must be non-negative, not {shots}")
    probs = np.ascontiguousarray(probs, dtype=np.float64)
    total, last = cpu_kernels.running_total(probs)
    if not total > 0:
        raise SimulationError("cannot sample from a state of zero norm")
    points = np.cumsum(rng.standard_exponential(shots + 1))
    points = points[:shots] * (total / points[shots])
    outcomes = np.empty(shots, dtype=np.int64)
    cpu_kernels.draw_sorted(probs, points, last, outcomes)
    return outcomes
