"""The depth-first walk both noisy methods share: shots split into groups at every random step.

A plan is walked once for all shots. At a step with random outcomes (a
measurement, a trajectory's channel, a readout flip that a later condition
reads) the shots of the group are split between the outcomes by one
multinomial draw; the outcomes that drew no shot cost nothing, and the
others share the state up to here. Each other outcome continues on a copy
pushed on a stack; the walk goes on with the smallest group and pushes the
rest largest first, so the stack holds at most ``(m - 1) log2(shots)``
states for splits of at most ``m`` outcomes (``states_bound``). When that
many copies do not fit, every shot is walked alone from the start (one
state). Readout flips that no later condition reads are drawn on the final
tallies. The subclasses say how a state is updated and measured.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..chunks import Chunker
from ..ops import GateOp, MeasureOp
from .lowering import NoisyOp, ReadoutOp

Leaf = tuple[int, int, tuple[ReadoutOp, ...]]
"""(classical value, shots, readout flips still to draw on it)."""


@dataclass(frozen=True)
class Group:
    """Shots that took one outcome of a random step: how their state and classical value change."""

    shots: int
    settle: Callable[[Any], None] | None
    value: int


def condition_holds(condition: tuple[tuple[int, ...], int] | None, value: int) -> bool:
    """True when there is no condition or the clbits read its value."""
    if condition is None:
        return True
    clbits, expected = condition
    return sum(((value >> c) & 1) << j for j, c in enumerate(clbits)) == expected


def write_bits(value: int, clbits: Sequence[int], bits: int) -> int:
    """``value`` with ``clbits[m]`` set to bit m of ``bits``."""
    for m, clbit in enumerate(clbits):
        value = (value & ~(1 << clbit)) | (((bits >> m) & 1) << clbit)
    return value


def read_bits(value: int, clbits: Sequence[int]) -> int:
    """Bit m of the result is ``clbits[m]`` of ``value``."""
    return sum(((value >> c) & 1) << m for m, c in enumerate(clbits))


def states_bound(max_branches: int, shots: int) -> int:
    """States alive at once when the smallest group goes on and the rest wait, largest deepest."""
    if max_branches <= 1 or shots <= 1:
        return 1
    return min(shots, 1 + (max_branches - 1) * int(math.log2(shots)))


class Walker(ABC):
    """Walks one plan for all shots on one device; subclasses say what each step does to a state."""

    def __init__(self, plan: Sequence[NoisyOp], chunks: Chunker, rng: np.random.Generator):
        self.plan = list(plan)
        self.chunks = chunks
        self.rng = rng
        last_condition = max(
            (i for i, op in enumerate(self.plan) if getattr(op, "condition", None) is not None), default=-1
        )
        written_later: set[int] = set()
        live = [True] * len(self.plan)
        for i in reversed(range(len(self.plan))):  # a flip whose clbit a later measurement overwrites is moot
            op = self.plan[i]
            if isinstance(op, ReadoutOp):
                live[i] = not written_later.intersection(op.clbits)
            elif isinstance(op, MeasureOp):
                written_later.add(op.clbit)
        self.live = live
        self.deferrable = [live[i] and i > last_condition for i in range(len(self.plan))]
        self.tail_from = self.find_tail()
        self.walks = 0
        """States walked so far: one per distinct outcome pattern (one per shot when walking shots alone)."""

    # ------------------------------------------------------------- subclass
    @abstractmethod
    def find_tail(self) -> int:
        """First index from which the rest of the plan is sampled from one state (``len(plan)``: never)."""

    @abstractmethod
    def split(self, state: Any, op: NoisyOp, shots: int, value: int) -> list[Group]:
        """The groups ``shots`` shots fall into at the random step ``op``."""

    @abstractmethod
    def sample_tail(self, state: Any, start: int, shots: int, value: int) -> list[tuple[int, int]]:
        """Run ``plan[start:]`` (terminal measurements) for ``shots`` shots: (value, shots) pairs."""

    def finish(self, state: Any, shots: int) -> None:  # noqa: B027 - a no-op default, overridden to read final states
        """Called with each walked state and its shots once the whole plan has run on it (not after a
        sampled tail): the expectation-value walk reads its observables here."""

    # ----------------------------------------------------------------- walk
    def run(self, new_state: Callable[[], Any], shots: int, branching: bool) -> list[tuple[int, int]]:
        """Every shot's final classical value, as (value, shots) pairs, readout flips drawn.

        ``branching`` False walks each shot alone from a new state.
        """
        leaves: list[Leaf] = []
        if branching:
            pending: list[tuple[Any, int, int, int, tuple[ReadoutOp, ...]]] = [(new_state(), 0, shots, 0, ())]
            while pending:
                self.walks += 1
                self._walk(*pending.pop(), pending, leaves)
        else:
            for _ in range(shots):
                self.walks += 1
                self._walk(new_state(), 0, 1, 0, (), None, leaves)
        return self._flip(leaves)

    def _walk(
        self,
        state: Any,
        start: int,
        shots: int,
        value: int,
        deferred: tuple[ReadoutOp, ...],
        pending: list | None,
        leaves: list[Leaf],
    ) -> None:
        for index in range(start, len(self.plan)):
            if index >= self.tail_from:
                deferred += tuple(
                    op for i, op in enumerate(self.plan[index:], index) if isinstance(op, ReadoutOp) and self.live[i]
                )
                leaves.extend((v, n, deferred) for v, n in self.sample_tail(state, index, shots, value))
                return
            op = self.plan[index]
            if not condition_holds(getattr(op, "condition", None), value):
                continue
            if isinstance(op, GateOp):
                self.chunks.apply(state, op)
                continue
            if isinstance(op, ReadoutOp) and self.deferrable[index]:
                deferred += (op,)
                continue
            groups = sorted((g for g in self.split(state, op, shots, value) if g.shots > 0), key=lambda g: g.shots)
            for group in reversed(groups[1:]):  # the largest waits deepest
                assert pending is not None, "a single shot falls into one group"
                branch = self.chunks.copy(state)
                if group.settle is not None:
                    group.settle(branch)
                pending.append((branch, index + 1, group.shots, group.value, deferred))
            first = groups[0]
            if first.settle is not None:
                first.settle(state)
            shots, value = first.shots, first.value
        self.finish(state, shots)
        leaves.append((value, shots, deferred))

    def readout_groups(self, op: ReadoutOp, shots: int, value: int) -> list[Group]:
        """Split shots by the value recorded for ``op``'s clbits."""
        true = read_bits(value, op.clbits)
        draws = self.rng.multinomial(shots, op.probabilities[true])
        return [Group(int(n), None, write_bits(value, op.clbits, j)) for j, n in enumerate(draws) if n]

    def _flip(self, leaves: list[Leaf]) -> list[tuple[int, int]]:
        """Draw each leaf's deferred readout flips on its tallies."""
        out: list[tuple[int, int]] = []
        for value, shots, deferred in leaves:
            tallies = Counter({value: shots})
            for op in deferred:
                flipped: Counter[int] = Counter()
                for v, n in tallies.items():  # deferred flips have no condition (``deferrable``)
                    for group in self.readout_groups(op, n, v):
                        flipped[group.value] += group.shots
                tallies = flipped
            out.extend(tallies.items())
        return out


def measured_pairs(ops: Sequence[NoisyOp]) -> list[tuple[int, int]]:
    """(qubit, clbit) of the measurements among ``ops``, the last write to each clbit kept (program order)."""
    last = {op.clbit: op.qubit for op in ops if isinstance(op, MeasureOp)}
    return [(qubit, clbit) for clbit, qubit in last.items()]


def tally_leaves(draws: Sequence[tuple[int, int]], pairs: list[tuple[int, int]], value: int) -> list[tuple[int, int]]:
    """(classical value, shots) from (outcome over the sorted measured qubits, shots) draws."""
    qubits = sorted({q for q, _ in pairs})
    position = {q: j for j, q in enumerate(qubits)}
    written = 0
    for _, clbit in pairs:
        written |= 1 << clbit
    base = value & ~written
    leaves = []
    for outcome, shots in draws:
        v = base
        for qubit, clbit in pairs:
            v |= ((outcome >> position[qubit]) & 1) << clbit
        leaves.append((v, shots))
    return leaves
