"""The device seam: the one interface the engine uses to move amplitudes.

The engine never imports Numba or CuPy. It holds an opaque ``state`` (a
NumPy array on the CPU, a CuPy array on the GPU) and calls these methods.
``CpuDevice`` and ``GpuDevice`` implement them with mirrored kernel families
(``kernels/<family>.cu`` and ``cpu_kernels/<family>.py``).

Conventions:
    * Little-endian: qubit ``q`` is bit ``q`` of the amplitude index.
    * ``targets[j]`` is bit ``j`` of a k-qubit operand's row/column index, so a
      matrix built for targets ``(a, b)`` has ``a`` as its least significant bit.
    * Controls are qubits that must all be 1; kernels receive them as a bit mask.
    * Every update is in place.
    * Dense and permutation updates act on *groups*: the ``2**k`` amplitudes
      that differ only in the targets, where the controls are 1, numbered by
      the other bits of their index (``group_count`` of them). ``groups=(begin,
      end)`` updates only groups ``begin`` to ``end - 1``, so that a long pass
      can be split (``sim/chunks.py``); None updates them all.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np

from ...exceptions import SimulationError

PRECISIONS = {"single": np.complex64, "double": np.complex128}
"""Precision name → NumPy complex dtype of the state."""


def state_dtype(precision: str) -> type:
    """Return the complex dtype for a precision name ("single" or "double")."""
    try:
        return PRECISIONS[precision]
    except KeyError:
        raise SimulationError(f"unknown precision {precision!r}; use 'single' or 'double'") from None


def state_bytes(nqubits: int, precision: str) -> int:
    """Bytes taken by a statevector of ``nqubits`` at ``precision``."""
    return (1 << nqubits) * np.dtype(state_dtype(precision)).itemsize


def control_mask(controls: Sequence[int]) -> int:
    """Bit mask with the bit of every control qubit set."""
    mask = 0
    for qubit in controls:
        mask |= 1 << int(qubit)
    return mask


def check_operands(nqubits: int, targets: Sequence[int], controls: Sequence[int], operand_len: int) -> None:
    """Validate qubit indices and operand size once, before any kernel runs.

    Raises:
        SimulationError: a qubit out of range, repeated, shared by targets and
            controls, or an operand whose length is not ``2**len(targets)``.
    """
    qubits = list(targets) + list(controls)
    for qubit in qubits:
        if not 0 <= qubit < nqubits:
            raise SimulationError(f"qubit {qubit} out of range for a {nqubits}-qubit state")
    if len(set(qubits)) != len(qubits):
        raise SimulationError(f"targets {list(targets)} and controls {list(controls)} must be distinct qubits")
    if operand_len != 1 << len(targets):
        raise SimulationError(f"operand of length {operand_len} does not act on {len(targets)} qubit(s)")


def group_count(nqubits: int, ntargets: int, ncontrols: int) -> int:
    """Number of groups of a dense or permutation operand: one per value of the other qubits."""
    return 1 << (nqubits - ntargets - ncontrols)


def group_range(nqubits: int, ntargets: int, ncontrols: int, groups: tuple[int, int] | None) -> tuple[int, int]:
    """``(group_begin, group_end)`` of a launch: all groups for None, else ``groups`` after checking it.

    Raises:
        SimulationError: a range that is not ``0 <= begin <= end <= group_count``.
    """
    count = group_count(nqubits, ntargets, ncontrols)
    if groups is None:
        return 0, count
    begin, end = (int(g) for g in groups)
    if not 0 <= begin <= end <= count:
        raise SimulationError(f"group range {groups} is not within [0, {count}] (begin <= end) for this operand")
    return begin, end


MAX_TARGETS = 6
"""Most targets of a dense matrix (GPUQ_MAX_TARGETS in kernels/common.cuh)."""


def check_matrix(matrix: Any, ntargets: int) -> np.ndarray:
    """Return ``matrix`` as an array after checking it is ``2**k × 2**k`` with k at most MAX_TARGETS.

    Raises:
        SimulationError: a wrong shape, or too many targets for the dense kernel.
    """
    matrix = np.asarray(matrix)
    if matrix.shape != (1 << ntargets, 1 << ntargets):
        raise SimulationError(f"matrix of shape {matrix.shape} does not act on {ntargets} qubit(s)")
    if ntargets > MAX_TARGETS:
        raise SimulationError(f"dense matrices act on at most {MAX_TARGETS} qubits, not {ntargets}")
    return matrix


def collapse_arguments(nqubits: int, qubits: Sequence[int], outcome: int, probability: float) -> tuple[int, int, float]:
    """Check a collapse request and turn it into the kernel's ``(qubit_mask, outcome_bits, scale)``.

    Raises:
        SimulationError: bad qubits, an outcome that does not fit, or a probability that is not positive.
    """
    check_operands(nqubits, qubits, (), 1 << len(qubits))
    if not 0 <= outcome < 1 << len(qubits):
        raise SimulationError(f"outcome {outcome} out of range for {len(qubits)} measured qubit(s)")
    if not probability > 0:
        raise SimulationError(f"cannot collapse onto outcome {outcome} of probability {probability}")
    bits = 0
    for j, qubit in enumerate(qubits):
        bits |= ((outcome >> j) & 1) << int(qubit)
    return control_mask(qubits), bits, 1.0 / math.sqrt(probability)


def nqubits_of(state: Any) -> int:
    """Number of qubits of a statevector (its length is a power of two)."""
    return int(math.log2(state.shape[0]))


class Device(ABC):
    """One place where a statevector lives and is updated.

    Attributes:
        kind: "cpu" or "gpu"; fixed per class.
        fusion_limit: largest k the device's dense-matrix kernel takes.
        chunk_qubits: the engine splits every pass over a larger state into pieces of
            ``2**chunk_qubits`` amplitudes and checks for cancellation between them
            (``sim/chunks.py``); None runs passes whole. A device that sets it takes
            contiguous slices of its states (``state[a:b]``) as states, and slice assignment.
    """

    kind: ClassVar[str]
    fusion_limit: ClassVar[int] = 5
    chunk_qubits: int | None = None

    @abstractmethod
    def free_bytes(self) -> int:
        """Bytes that a new state may take on this device now."""

    @abstractmethod
    def description(self) -> str:
        """A short human name of the device, e.g. ``NVIDIA H100 80GB HBM3`` or ``CPU (2 threads)``."""

    def facts(self) -> dict[str, Any]:
        """What ``gpuq doctor`` reports of this device beyond its name and memory (versions, threads, ...)."""
        return {}

    @abstractmethod
    def zero_state(self, nqubits: int, precision: str) -> Any:
        """Allocate ``|0…0⟩`` on ``nqubits`` at ``precision`` (callers check memory first)."""

    @abstractmethod
    def from_host(self, array: np.ndarray) -> Any:
        """Copy a host statevector (complex64 or complex128) onto the device."""

    @abstractmethod
    def to_host(self, state: Any) -> np.ndarray:
        """Copy the state to a host NumPy array: only for an explicit statevector request."""

    def into_host(self, state: Any) -> np.ndarray:
        """Hand a final state over as a host NumPy array; ``state`` must not be used afterwards.

        Unlike ``to_host`` this may return ``state``'s own memory (the CPU does), so
        returning a statevector needs one state of memory, not two.
        """
        return self.to_host(state)

    def diagonal(self, state: Any, stride: int) -> np.ndarray:
        """Host copy of the amplitudes ``0, stride, 2 * stride, ...``: the diagonal of a density
        matrix of n qubits stored as a state of 2n when ``stride = 2**n + 1``."""
        return self.to_host(state[::stride])

    def gather(self, state: Any, indices: np.ndarray) -> np.ndarray:
        """Host copy of the amplitudes at ``indices`` (int64): the entries ``rho[r, r ^ x]`` that Pauli
        traces of a density matrix read, ``2**n`` per X mask. This default copies the whole state; the
        devices index in place."""
        return self.to_host(state)[indices]

    @abstractmethod
    def copy(self, state: Any) -> Any:
        """A new state on the device equal to ``state`` (used for measurement branching)."""

    @abstractmethod
    def apply_matrix(
        self,
        state: Any,
        targets: Sequence[int],
        matrix: np.ndarray,
        controls: Sequence[int] = (),
        groups: tuple[int, int] | None = None,
    ) -> None:
        """Apply a dense ``2**k × 2**k`` matrix on ``targets``, where all ``controls`` are 1, to the
        groups ``groups`` (``(begin, end)``; None: all)."""

    @abstractmethod
    def apply_diagonal(
        self, state: Any, targets: Sequence[int], diag: np.ndarray, controls: Sequence[int] = ()
    ) -> None:
        """Multiply by a diagonal of length ``2**k`` on ``targets``, where all ``controls`` are 1."""

    @abstractmethod
    def apply_permutation(
        self,
        state: Any,
        targets: Sequence[int],
        perm: np.ndarray,
        controls: Sequence[int] = (),
        groups: tuple[int, int] | None = None,
    ) -> None:
        """Move amplitude of local index ``m`` to ``perm[m]`` on ``targets``, where all ``controls`` are 1,
        in the groups ``groups`` (``(begin, end)``; None: all)."""

    @abstractmethod
    def marginal_probabilities(self, state: Any, qubits: Sequence[int]) -> np.ndarray:
        """Host float64 array of length ``2**len(qubits)``; bit ``j`` of its index is ``qubits[j]``."""

    @abstractmethod
    def collapse(self, state: Any, qubits: Sequence[int], outcome: int, probability: float) -> None:
        """Project onto ``qubits`` reading ``outcome`` (bit ``j`` is ``qubits[j]``) and renormalise.

        ``probability`` is that outcome's probability, already computed by the caller.
        """

    @abstractmethod
    def sample(self, state: Any, qubits: Sequence[int], shots: int, seed: int) -> np.ndarray:
        """Draw ``shots`` outcomes of ``qubits`` from one state, in random order.

        Returns a host int64 array; bit ``j`` of each value is ``qubits[j]``.
        The same seed gives the same outcomes on the same device.
        """

    def sample_counts(self, state: Any, qubits: Sequence[int], shots: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """Draw ``shots`` outcomes as in ``sample`` and tally them: ``(outcomes, counts)``.

        ``outcomes`` ascend without repeats and ``counts`` are their tallies; a
        device that draws in sorted order overrides this to skip the shuffle and
        the sort a tally of ``sample`` costs.
        """
        return np.unique(self.sample(state, qubits, shots, seed), return_counts=True)

    def synchronize(self) -> None:  # noqa: B027 - a no-op default; a device with queued work overrides it
        """Wait for queued work to finish (a no-op on the CPU)."""

    def exchange_stage(self, amplitudes: int, dtype: np.dtype, device_buffers: bool) -> ExchangeStage:
        """The buffers through which parts of a state (at most ``amplitudes`` of ``dtype``) reach MPI.

        A host state needs none; a device overrides this (``device_buffers``: the
        MPI library takes device memory itself, a CUDA-aware MPI).
        """
        return ExchangeStage()


class ExchangeStage:
    """Hands a part of a state to an in-place MPI exchange and writes what comes back into the state.

    The host form: a contiguous part goes to MPI as it is, any other through one copy.
    """

    path = "host memory"
    """How the parts travel, for a distributed run's metadata."""

    def trade(self, part: Any, swap: Callable[[Any], None]) -> None:
        """Call ``swap(buffer)`` on a contiguous buffer holding ``part``; then ``part`` holds what it left there."""
        buffer = part if part.flags.c_contiguous else np.ascontiguousarray(part)
        swap(buffer)
        if buffer is not part:
            part[...] = buffer
