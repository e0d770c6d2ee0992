"""CpuDevice: the statevector in host memory, updated by the Numba kernels in ``cpu_kernels``.

Arguments are validated once here (``base.check_operands``) and converted to
contiguous arrays of the state's dtype; the kernels then only move amplitudes.
States of at most ``small_qubits`` qubits are updated by the NumPy kernels of
``cpu_small`` instead, and Numba is imported only when a larger state (or a
Pauli or sweep kernel) first needs it: a small job neither compiles nor loads
compiled code.
"""

from __future__ import annotations

import os
import sys
from importlib.metadata import version
from types import ModuleType
from typing import Any, ClassVar

import numpy as np

from ...exceptions import SimulationError
from ..memory import SAMPLE_CHUNK, host_free_bytes
from . import cpu_small
from .aligned import aligned_copy, aligned_zeros
from .base import (
    Device,
    check_matrix,
    check_operands,
    collapse_arguments,
    control_mask,
    group_range,
    nqubits_of,
    state_dtype,
)
from .cpu_adjoint import CpuAdjointMixin
from .cpu_pauli import CpuPauliMixin
from .cpu_sweep import CpuSweepMixin
from .cpu_threads import threads_for as _threads_for

_SWAP = np.array([0, 2, 1, 3])


def _kernels() -> ModuleType:
    """The Numba kernels, imported on first use (a small job never imports Numba)."""
    from . import cpu_kernels

    return cpu_kernels


def _launch(name: str, state: np.ndarray, *args) -> None:
    """Call the Numba kernel ``name``, on one thread for small states."""
    kernel = getattr(_kernels(), name)
    with _threads_for(state):
        kernel(state, *args)


def _check_state(state: object) -> np.ndarray:
    if not isinstance(state, np.ndarray) or state.dtype not in (np.complex64, np.complex128):
        raise SimulationError("a CPU state must be a complex64 or complex128 NumPy array")
    if state.ndim != 1 or not state.flags.c_contiguous or state.size & (state.size - 1):
        raise SimulationError("a CPU state must be a contiguous 1-D array whose length is a power of two")
    return state


class CpuDevice(CpuPauliMixin, CpuSweepMixin, CpuAdjointMixin, Device):
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
    chunk_qubits: int | None = 23
    """Pieces of 2**23 amplitudes (128 MiB in double; ``sim/chunks.py``): a fused 4-qubit pass over one
    takes 0.1 to 0.3 s on the project's 2-core machine, so states from 25 qubits on are split. Each
    piece is one more kernel call: 0.2 ms on one thread, but 40-60 ms of thread wake-up on an
    oversubscribed machine (load 8 on 2 cores, measured), hence pieces this large."""

    def __init__(self, sample_chunk: int = SAMPLE_CHUNK, small_qubits: int = cpu_small.SMALL_QUBITS):
        """``sample_chunk``: outcomes per chunk when sampling (a power of two); the draws do not depend
        on it, only the workspace (``sample_chunk`` floats) does, so tests force tiny chunks on small states.
        ``small_qubits``: states of at most this many qubits use the NumPy kernels (-1: never)."""
        if sample_chunk < 1 or sample_chunk & (sample_chunk - 1):
            raise SimulationError(f"sample_chunk must be a power of two, not {sample_chunk}")
        self.sample_chunk = int(sample_chunk)
        self.small_amplitudes = 1 << small_qubits if small_qubits >= 0 else 0

    def _small(self, state: np.ndarray) -> bool:
        return state.shape[0] <= self.small_amplitudes

    def free_bytes(self) -> int:
        return host_free_bytes()

    def description(self) -> str:
        threads = _numba_threads()
        return f"CPU ({threads} thread{'s' if threads != 1 else ''}, numba {version('numba')})"

    def facts(self) -> dict[str, Any]:
        """Numba's threads, its threading layer and where compiled kernels are cached."""
        import numba

        layer: str
        try:
            layer = numba.threading_layer()
        except ValueError:  # no parallel kernel has run yet in this process
            layer = f"{numba.config.THREADING_LAYER} (not started yet)"  # type: ignore[attr-defined]
        return {
            "numba threads": numba.get_num_threads(),
            "threading layer": layer,
            "numba cache dir": os.environ.get("NUMBA_CACHE_DIR") or "next to the installed sources",
        }

    def zero_state(self, nqubits: int, precision: str) -> np.ndarray:
        state = aligned_zeros(1 << nqubits, state_dtype(precision))
        state[0] = 1
        return state

    def from_host(self, array: np.ndarray) -> np.ndarray:
        array = np.asarray(array)
        if array.dtype not in (np.complex64, np.complex128):
            raise SimulationError(f"a statevector must be complex64 or complex128, not {array.dtype}")
        return _check_state(aligned_copy(array))

    def to_host(self, state: np.ndarray) -> np.ndarray:
        return np.array(_check_state(state), copy=True)

    def into_host(self, state: np.ndarray) -> np.ndarray:
        return _check_state(state)

    def diagonal(self, state: np.ndarray, stride: int) -> np.ndarray:
        return np.array(_check_state(state)[::stride])

    def gather(self, state: np.ndarray, indices: np.ndarray) -> np.ndarray:
        return _check_state(state)[indices]

    def copy(self, state: np.ndarray) -> np.ndarray:
        return aligned_copy(_check_state(state))

    def _prepare(self, state, targets, controls, operand, expected_len):
        state = _check_state(state)
        nqubits = nqubits_of(state)
        check_operands(nqubits, targets, controls, expected_len)
        return state, nqubits, np.asarray(targets, dtype=np.int32), control_mask(controls)

    def apply_matrix(self, state, targets, matrix, controls=(), groups=None):
        k = len(targets)
        matrix = check_matrix(matrix, k)
        state, nqubits, targets_arr, mask = self._prepare(state, targets, controls, matrix, 1 << k)
        begin, end = group_range(nqubits, k, len(controls), groups)
        if self._small(state):
            operand = np.asarray(matrix, dtype=state.dtype)
            cpu_small.apply_matrix(state, nqubits, targets_arr, mask, operand, begin, end)
            return
        flat = np.ascontiguousarray(matrix, dtype=state.dtype).reshape(-1)
        _launch("apply_matrix", state, nqubits, targets_arr, k, mask, flat, begin, end)

    def apply_diagonal(self, state, targets, diag, controls=()):
        diag = np.asarray(diag).reshape(-1)
        state, nqubits, targets_arr, mask = self._prepare(state, targets, controls, diag, diag.shape[0])
        if self._small(state):
            cpu_small.apply_diagonal(state, nqubits, targets_arr, mask, diag.astype(state.dtype, copy=False))
            return
        _launch(
            "apply_diagonal",
            state,
            nqubits,
            targets_arr,
            len(targets),
            mask,
            np.ascontiguousarray(diag, dtype=state.dtype),
        )

    def apply_permutation(self, state, targets, perm, controls=(), groups=None):
        perm = np.asarray(perm, dtype=np.int64).reshape(-1)
        state, nqubits, targets_arr, mask = self._prepare(state, targets, controls, perm, perm.shape[0])
        if not np.array_equal(np.sort(perm), np.arange(perm.shape[0])):
            raise SimulationError(f"{perm.tolist()} is not a permutation of 0..{perm.shape[0] - 1}")
        k = len(targets)
        begin, end = group_range(nqubits, k, len(controls), groups)
        if k == 0 or np.array_equal(perm, np.arange(perm.shape[0])):
            return
        if self._small(state):
            cpu_small.apply_permutation(state, nqubits, targets_arr, mask, perm, begin, end)
        elif k == 1:
            _launch("apply_x", state, nqubits, int(targets[0]), mask, begin, end)
        elif k == 2 and np.array_equal(perm, _SWAP):
            _launch("apply_swap", state, nqubits, int(targets[0]), int(targets[1]), mask, begin, end)
        else:
            perm = np.ascontiguousarray(perm)
            _launch("apply_permutation", state, nqubits, targets_arr, k, mask, perm, begin, end)

    def marginal_probabilities(self, state, qubits):
        state = _check_state(state)
        nqubits = nqubits_of(state)
        check_operands(nqubits, qubits, (), 1 << len(qubits))
        if self._small(state):
            return cpu_small.marginal_probabilities(state, nqubits, np.asarray(qubits, dtype=np.int64))
        out = np.empty(1 << len(qubits), dtype=np.float64)
        with _threads_for(state):
            _kernels().marginal_probabilities(state, nqubits, np.asarray(qubits, dtype=np.int32), len(qubits), out)
        return out

    def collapse(self, state, qubits, outcome, probability):
        state = _check_state(state)
        nqubits = nqubits_of(state)
        mask, bits, scale = collapse_arguments(nqubits, qubits, outcome, probability)
        if self._small(state):
            cpu_small.collapse(state, mask, bits, scale)
            return
        _launch("collapse", state, nqubits, mask, bits, scale)

    def sample(self, state, qubits, shots, seed):
        rng = np.random.Generator(np.random.PCG64(seed))
        outcomes = self._sorted_draws(state, qubits, shots, rng)
        rng.shuffle(outcomes)
        return outcomes

    def sample_counts(self, state, qubits, shots, seed):
        rng = np.random.Generator(np.random.PCG64(seed))
        outcomes = self._sorted_draws(state, qubits, shots, rng)
        starts = np.flatnonzero(np.diff(outcomes, prepend=-1))
        return outcomes[starts], np.diff(np.append(starts, shots))

    def _sorted_draws(self, state, qubits, shots: int, rng: np.random.Generator) -> np.ndarray:
        """``shots`` ascending outcomes of ``qubits``, walking the marginal in chunks of ``sample_chunk``."""
        state = _check_state(state)
        nqubits = nqubits_of(state)
        check_operands(nqubits, qubits, (), 1 << len(qubits))
        if self._small(state):
            return _draw(cpu_small.SmallMarginal(state, nqubits, np.asarray(qubits, dtype=np.int64)), shots, rng)
        with _threads_for(state):
            marginal = _kernels().ChunkedMarginal(state, self.sample_chunk, nqubits, np.asarray(qubits, dtype=np.int32))
            return _draw(marginal, shots, rng)


def sorted_draws(probs: np.ndarray, shots: int, rng: np.random.Generator, chunk: int = SAMPLE_CHUNK) -> np.ndarray:
    """Draw ``shots`` outcome indices from ``probs`` (need not be normalised), ascending.

    The sampler of ``CpuDevice`` over a host array of probabilities: the
    running sums of ``shots + 1`` exponential draws, scaled to the total
    probability, are distributed as ``shots`` sorted uniforms (their order
    statistics), and one walk over the probabilities, chunk by chunk, assigns
    them all: O(len(probs) + shots), no sort, no search per draw
    (``cpu_kernels.sample``). Seeded by the caller's generator, so a seed
    always gives the same draws, whatever ``chunk`` is.
    """
    return _draw(_kernels().ChunkedMarginal(np.ascontiguousarray(probs, dtype=np.float64), chunk), shots, rng)


def _numba_threads() -> int:
    """Numba's thread count, without importing Numba for it when no kernel has needed it yet."""
    if "numba" in sys.modules:
        return int(sys.modules["numba"].get_num_threads())
    configured = os.environ.get("NUMBA_NUM_THREADS")
    return int(configured) if configured else len(os.sched_getaffinity(0))


def _draw(marginal, shots: int, rng: np.random.Generator) -> np.ndarray:
    """Draw ``shots`` ascending outcomes of a ``ChunkedMarginal``: its total, then sorted points walked."""
    if shots < 0:
        raise SimulationError(f"shots must be non-negative, not {shots}")
    total = marginal.total()
    if not total > 0:
        raise SimulationError("cannot sample from a state of zero norm")
    points = np.cumsum(rng.standard_exponential(shots + 1))
    points[:shots] *= total / points[shots]
    outcomes = np.empty(shots, dtype=np.int64)
    marginal.assign(points[:shots], outcomes)
    return outcomes
