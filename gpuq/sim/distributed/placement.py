"""Where each logical qubit lives in a distributed state, and which swaps bring global qubits in.

A state on ``2**g`` ranks has ``n - g`` local physical qubits (bits of the
index inside a rank's slice) and ``g`` global ones (bits of the rank). Gates
need a qubit local only when it is a *target of a dense operation* (a matrix
or a permutation: its pairs of amplitudes must be on one rank). Diagonal
gates and controls work on global qubits as they are: each rank knows its
own bits, so it applies the part of the diagonal they select, or skips a
gate whose global control is 0.

Bringing a global qubit in swaps it with a local one (``exchange.py``). Which
local qubit goes out is the paging problem with the local qubits as the
cache, so the planner follows Belady's rule: evict the qubit whose next use
as a dense target is furthest ahead in the whole fused plan (or never comes).
The first placement is chosen the same way: the ``g`` qubits whose first
dense use comes last start global (every placement of ``|0…0⟩`` is the same
state). This is the idea of Qiskit Aer's cache blocking (insert swaps so that
chunks of gates act on qubits inside a chunk) and of cuStateVec's distributed
index-bit swap (swap index bits between devices, then run local gates),
applied over the plan rather than per gate. ``naive_swaps`` counts the
alternative of a fixed placement, the top ``g`` qubits global, that swaps a
global target in before its gate and back after it.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from ..ops import GateOp, Op, ResetOp

NEVER = 1 << 62
"""Next-use position of a qubit no later operation needs local."""


def dense_qubits(op: Op) -> tuple[int, ...]:
    """The qubits ``op`` needs local: the targets of a dense gate, the qubit of a reset (it applies X)."""
    if isinstance(op, GateOp) and op.kind != "diagonal":
        return op.targets
    if isinstance(op, ResetOp):
        return (op.qubit,)
    return ()


class Placement:
    """The dense uses of every qubit in a plan, and the planner's choices over them."""

    def __init__(self, plan: Sequence[Op], nqubits: int, global_qubits: int):
        self.nqubits = nqubits
        self.local_qubits = nqubits - global_qubits
        self.uses: list[list[int]] = [[] for _ in range(nqubits)]
        for position, op in enumerate(plan):
            for qubit in dense_qubits(op):
                self.uses[qubit].append(position)

    def next_use(self, qubit: int, position: int) -> int:
        """The first plan position at or after ``position`` where ``qubit`` must be local."""
        uses = self.uses[qubit]
        at = bisect.bisect_left(uses, position)
        return uses[at] if at < len(uses) else NEVER

    def initial_layout(self) -> list[int]:
        """Physical position of each logical qubit at the start: the ``g`` qubits needed local last go global.

        Ties keep the higher logical qubits global, so a plan with no dense use of any
        qubit starts with the identity layout.
        """
        order = sorted(range(self.nqubits), key=lambda q: (self.next_use(q, 0), q))
        local = sorted(order[: self.local_qubits])
        outside = sorted(order[self.local_qubits :])
        layout = [0] * self.nqubits
        for physical, qubit in enumerate(local + outside):
            layout[qubit] = physical
        return layout

    def evict(self, layout: Sequence[int], position: int, keep: Sequence[int]) -> int:
        """The local physical qubit to swap out at ``position``: its logical qubit is needed local last.

        ``keep``: logical qubits that must stay local (the operation's other targets). Ties go to the
        highest physical qubit, whose exchange moves the longest contiguous runs.
        """
        logical = {p: q for q, p in enumerate(layout)}
        best, best_key = -1, (-1, -1)
        for physical in range(self.local_qubits):
            qubit = logical[physical]
            if qubit in keep:
                continue
            key = (self.next_use(qubit, position), physical)
            if key > best_key:
                best, best_key = physical, key
        return best

    def naive_swaps(self, plan: Sequence[Op]) -> int:
        """Swaps of the fixed placement (top ``g`` qubits global): in and back out for each global dense target."""
        return sum(2 for op in plan for qubit in dense_qubits(op) if qubit >= self.local_qubits)
