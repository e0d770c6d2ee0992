"""Long passes over a large state, split into chunks so that a cancellation is seen between them.

A pass of a fused 4-qubit matrix over a 26-qubit double state takes over a
second on a 2-core CPU, and a cancelled job would wait for it. When a device
sets ``chunk_qubits`` and the state holds at least four pieces of
``2**chunk_qubits`` amplitudes, every update walks the state piece by piece
and checks ``should_stop`` before each one.

* Dense matrices and permutations run on ranges of their groups (the
  ``groups`` argument of ``Device.apply_matrix`` and ``apply_permutation``,
  ``group_begin, group_end`` in the kernels): ranges of
  ``2**(chunk_qubits - k)`` groups of ``2**k`` amplitudes, so each launch
  moves ``2**chunk_qubits`` amplitudes whatever the targets, the state's top
  qubit included. Controls stay controls: they only make the groups fewer.
* Diagonals act on each contiguous piece of ``2**chunk_qubits`` amplitudes (a
  slice of a state is itself a state) with the part of the diagonal that the
  piece's high bits select, whatever their targets.
* Collapse and one-qubit marginals run per piece; a branch's copy is made
  piece by piece.
* Sampling shares the shots among the pieces by their probability (one
  multinomial draw, exact), then draws each piece's share from its own
  marginal: the probabilities held at once are one piece's, not the state's.

Devices without ``chunk_qubits`` (the GPU: a pass takes milliseconds) and
smaller states run every pass whole, with one check before it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ..exceptions import JobCancelledError, SimulationError
from .devices.base import Device, group_count
from .ops import GateOp

MIN_PIECES_LOG2 = 2
"""States of fewer than 2**2 pieces run every pass whole: their passes are short, and each piece costs a call."""


class Chunker:
    """Applies passes to one state size on one device, piece by piece when the state is large."""

    def __init__(self, device: Device, nqubits: int, precision: str, should_stop: Callable[[], bool]):
        self.device = device
        self.nqubits = nqubits
        self.precision = precision
        self.should_stop = should_stop
        self.active = device.chunk_qubits is not None and nqubits >= device.chunk_qubits + MIN_PIECES_LOG2
        self.piece_qubits = device.chunk_qubits if device.chunk_qubits is not None else nqubits

    def check(self) -> None:
        """Raise ``JobCancelledError`` when the job was cancelled."""
        if self.should_stop():
            raise JobCancelledError("cancelled")

    # ---------------------------------------------------------------- gates
    def apply(self, state: Any, op: GateOp, offset: int = 0) -> None:
        """Apply ``op`` (every qubit shifted by ``offset``) through the device's matching kernel family."""
        targets = [q + offset for q in op.targets]
        controls = [q + offset for q in op.controls]
        if not self.active:
            self.check()
            apply_kind(self.device, state, op.kind, targets, op.operand, controls)
        elif op.kind == "diagonal":
            self._diagonal(state, targets, np.asarray(op.operand).reshape(-1), controls)
        else:
            self._dense(state, op.kind, targets, op.operand, controls)

    def _diagonal(self, state: Any, targets: list[int], diag: np.ndarray, controls: list[int]) -> None:
        """Pieces of ``2**piece_qubits``; each gets the entries its own values of the high targets select."""
        low = [j for j, t in enumerate(targets) if t < self.piece_qubits]
        high = [j for j, t in enumerate(targets) if t >= self.piece_qubits]
        low_index = np.zeros(1 << len(low), dtype=np.int64)
        for i, j in enumerate(low):  # entry m of the piece's diagonal: bit i of m is diag bit low[i]
            low_index |= ((np.arange(1 << len(low)) >> i) & 1) << j
        for base, piece in self._pieces(state, controls):
            high_index = sum(((base >> targets[j]) & 1) << j for j in high)
            part = diag[high_index + low_index]
            if len(low) or part[0] != 1:
                apply_kind(self.device, piece, "diagonal", [targets[j] for j in low], part, self._low(controls))

    def _dense(self, state: Any, kind: str, targets: list[int], operand: Any, controls: list[int]) -> None:
        """Ranges of ``2**(piece_qubits - k)`` groups, each ``2**piece_qubits`` amplitudes of work (one group
        when k is larger), over the whole state: the groups of a high target span it, so no slice would do."""
        count = group_count(self.nqubits, len(targets), len(controls))
        step = 1 << max(self.piece_qubits - len(targets), 0)
        family = self.device.apply_permutation if kind == "permutation" else self.device.apply_matrix
        for begin in range(0, count, step):
            self.check()
            family(state, targets, operand, controls, (begin, min(begin + step, count)))

    # ---------------------------------------------------------- measurement
    def probability_of_one(self, state: Any, qubit: int) -> tuple[float, float]:
        """``(probability of qubit reading 1, total probability)``, summed piece by piece."""
        if not self.active:
            self.check()
            probs = self.device.marginal_probabilities(state, [qubit])
            return float(probs[1]), float(probs.sum())
        ones = total = 0.0
        for base, piece in self._pieces(state, []):
            if qubit < self.piece_qubits:
                probs = self.device.marginal_probabilities(piece, [qubit])
                ones, total = ones + float(probs[1]), total + float(probs.sum())
            else:
                weight = float(self.device.marginal_probabilities(piece, [])[0])
                ones, total = ones + weight * ((base >> qubit) & 1), total + weight
        return ones, total

    def collapse(self, state: Any, qubit: int, outcome: int, probability: float) -> None:
        """Project ``qubit`` onto ``outcome`` and renormalise, piece by piece."""
        if not self.active:
            self.check()
            self.device.collapse(state, [qubit], outcome, probability)
            return
        for base, piece in self._pieces(state, []):
            if qubit < self.piece_qubits:
                self.device.collapse(piece, [qubit], outcome, probability)
            elif (base >> qubit) & 1 == outcome:
                self.device.collapse(piece, [], 0, probability)
            else:
                self.device.apply_diagonal(piece, [], np.zeros(1))

    def copy(self, state: Any) -> Any:
        """A new state equal to ``state`` (a measurement branch), copied piece by piece."""
        if not self.active:
            self.check()
            return self.device.copy(state)
        branch = self.device.zero_state(self.nqubits, self.precision)
        size = 1 << self.piece_qubits
        for base, piece in self._pieces(state, []):
            branch[base : base + size] = piece
        return branch

    # ------------------------------------------------------------- sampling
    def sample_counts(self, state: Any, qubits: list[int], shots: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """``Device.sample_counts`` of ascending ``qubits``, drawn piece by piece on a large state."""
        if not self.active:
            self.check()
            return self.device.sample_counts(state, qubits, shots, seed)
        outcomes, tallies = [], []
        for piece, low, high_bits, piece_shots, piece_seed in self._split_shots(
            state, qubits, shots, np.random.default_rng(seed)
        ):
            if low:
                distinct, counts = self.device.sample_counts(piece, low, piece_shots, piece_seed)
            else:
                distinct, counts = np.zeros(1, dtype=np.int64), np.array([piece_shots])
            outcomes.append(np.asarray(distinct, dtype=np.int64) | high_bits)
            tallies.append(np.asarray(counts, dtype=np.int64))
        # Pieces that differ only in unmeasured qubits give the same outcomes: merge their tallies.
        distinct, inverse = np.unique(np.concatenate(outcomes), return_inverse=True)
        return distinct, np.bincount(inverse, weights=np.concatenate(tallies)).astype(np.int64)

    def sample(self, state: Any, qubits: list[int], shots: int, seed: int) -> np.ndarray:
        """``Device.sample`` of ascending ``qubits`` (outcomes in random order), drawn piece by piece."""
        if not self.active:
            self.check()
            return self.device.sample(state, qubits, shots, seed)
        rng = np.random.default_rng(seed)
        parts = [
            np.asarray(self.device.sample(piece, low, piece_shots, piece_seed), dtype=np.int64) | high_bits
            if low
            else np.full(piece_shots, high_bits, dtype=np.int64)
            for piece, low, high_bits, piece_shots, piece_seed in self._split_shots(state, qubits, shots, rng)
        ]
        outcomes = np.concatenate(parts)
        rng.shuffle(outcomes)
        return outcomes

    def _split_shots(
        self, state: Any, qubits: list[int], shots: int, rng: np.random.Generator
    ) -> Iterator[tuple[Any, list[int], int, int, int]]:
        """Share ``shots`` among the pieces by their probability (a multinomial draw), then yield, for each
        piece that got shots: the piece, the measured qubits inside it, the outcome bits its position
        fixes, its shots and its seed. Exact: a shot lands in a piece with that piece's probability, and
        then on an outcome with the probability within the piece."""
        low = [q for q in qubits if q < self.piece_qubits]
        high = [q for q in qubits if q >= self.piece_qubits]
        bases, pieces, weights = [], [], []
        for base, piece in self._pieces(state, []):
            bases.append(base)
            pieces.append(piece)
            weights.append(float(self.device.marginal_probabilities(piece, [])[0]))
        total = sum(weights)
        if not total > 0:
            raise SimulationError("cannot sample from a state of zero norm")
        split = rng.multinomial(shots, np.asarray(weights) / total)
        for base, piece, piece_shots in zip(bases, pieces, split):
            if piece_shots:
                self.check()
                high_bits = sum(((base >> q) & 1) << (len(low) + i) for i, q in enumerate(high))
                yield piece, low, high_bits, int(piece_shots), int(rng.integers(2**63))

    # -------------------------------------------------------------- helpers
    def _pieces(self, state: Any, controls: list[int]) -> Iterator[tuple[int, Any]]:
        """``(first index, slice)`` of each piece of ``2**piece_qubits`` amplitudes whose controls at or
        above ``piece_qubits`` are 1; checks for cancellation before each."""
        size = 1 << self.piece_qubits
        fixed = sum(1 << c for c in controls if c >= self.piece_qubits)
        free = [q for q in range(self.piece_qubits, self.nqubits) if not (fixed >> q) & 1]
        for value in range(1 << len(free)):
            self.check()
            base = fixed | sum(((value >> i) & 1) << q for i, q in enumerate(free))
            yield base, state[base : base + size]

    def _low(self, controls: list[int]) -> list[int]:
        """The controls inside a piece (the others chose the pieces)."""
        return [c for c in controls if c < self.piece_qubits]


def apply_kind(device: Device, state: Any, kind: str, targets: list[int], operand: Any, controls: list[int]) -> None:
    """Call the device's kernel family for ``kind`` ("matrix", "diagonal" or "permutation")."""
    if kind == "diagonal":
        device.apply_diagonal(state, targets, operand, controls)
    elif kind == "permutation":
        device.apply_permutation(state, targets, operand, controls)
    else:
        device.apply_matrix(state, targets, operand, controls)
