"""Gate fusion: merge runs of gates into fewer passes over the state.

A statevector pass costs about the same whether it applies one gate or a
fused block of several, as long as the block's arithmetic stays below the
memory bound. The planner keeps a set of *open blocks* with disjoint qubits:
each qubit belongs to at most one open block, the one that last touched it.
A gate joins the block that owns its qubits, merges the blocks it spans, or
starts a new block when its qubits are free; when it cannot fit
within ``max_qubits``, the blocks in its way are closed. Blocks are emitted
in the order they close, which keeps every dependency: a block closes before
any later gate on its qubits is placed in another block, and open blocks
never share a qubit, so they commute with each other.

A block of diagonal gates becomes one diagonal, a block of permutations (X,
CX, SWAP, CCX chains) one permutation, anything else one dense matrix on the
block's qubits; a block of a single gate is left as it is, so
its fast path (diagonal, permutation, controls as a mask) is kept. Fusion is
exact up to rounding: the block's operator is the product of its gates'
operators, built with NumPy in double precision.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import replace

import numpy as np

from .ops import GateOp

PLAN_CACHE_SIZE = 16
"""Plans kept (least recently used dropped): block structures by the gates' kinds and qubits, and
fused operations by those and the operands' bytes. A deep small circuit run again (another shot
count, a benchmark's repeats) skips planning and merging, which took 3 to 5 times the simulation
of the 16-qubit corpus circuit ``dnn_n16`` (2016 gates, 27 passes)."""
CACHED_GATES = 50_000
"""Longest run of gates whose plan is cached (a key holds every gate's kind and qubits)."""
_PLANS: OrderedDict[tuple, tuple[tuple[int, ...], ...]] = OrderedDict()
_FUSED: OrderedDict[tuple, tuple[GateOp, ...]] = OrderedDict()
_PLANS_LOCK = threading.Lock()

MAX_DIAGONAL_QUBITS = 12
"""Widest all-diagonal block. A diagonal pass streams through the state at about the
cost of one memory pass whatever its width (the kernel walks contiguous tiles), so
wide is cheap; the cap keeps the fused table (``2**12`` entries, 64 KiB in double)
within cache. On QFT-24 double (2 threads), with diagonals waiting for their next
dense gate: cap 4 took 103 passes, cap 12 53 passes and 1.6 s instead of 2.6 s."""


def fuse(gates: Sequence[GateOp], max_qubits: int) -> list[GateOp]:
    """Plan a run of gates (no conditions, no measurements) into fused operations.

    Args:
        gates: consecutive unitary operations.
        max_qubits: largest block with a non-diagonal gate; 1 or less turns fusion off.
            Blocks of diagonal gates only may grow to ``max(max_qubits, MAX_DIAGONAL_QUBITS)``.
    """
    if not gates or len(gates) > CACHED_GATES:
        return [merge_block([gates[i] for i in block]) for block in plan_blocks(gates, max_qubits)]
    operands = hashlib.blake2b(digest_size=16)
    for gate in gates:
        operand = np.asarray(gate.operand)
        operands.update(operand.dtype.str.encode())
        operands.update(operand.tobytes())
    key = (max_qubits, tuple((gate.kind, gate.qubits) for gate in gates), operands.digest())
    with _PLANS_LOCK:
        known = _FUSED.get(key)
        if known is not None:
            _FUSED.move_to_end(key)
            return list(known)
    fused = [merge_block([gates[i] for i in block]) for block in plan_blocks(gates, max_qubits)]
    with _PLANS_LOCK:
        _FUSED[key] = tuple(fused)
        if len(_FUSED) > PLAN_CACHE_SIZE:
            _FUSED.popitem(last=False)
    return fused


def plan_blocks(gates: Sequence[GateOp], max_qubits: int) -> list[list[int]]:
    """The blocks ``fuse`` builds, as positions in ``gates``, in the order they are applied.

    The plan depends only on each gate's kind and qubits, never on its operand,
    so a parameterised circuit plans once and merges new operands per binding
    (``gpuq.sim.parametric``).
    """
    if max_qubits <= 1:
        return [[i] for i in range(len(gates))]
    structure = (max_qubits, tuple((gate.kind, gate.qubits) for gate in gates))
    with _PLANS_LOCK:
        known = _PLANS.get(structure)
        if known is not None:
            _PLANS.move_to_end(structure)
            return [list(block) for block in known]
    blocks = _plan_blocks(gates, max_qubits)
    with _PLANS_LOCK:
        _PLANS[structure] = tuple(tuple(block) for block in blocks)
        if len(_PLANS) > PLAN_CACHE_SIZE:
            _PLANS.popitem(last=False)
    return blocks


def _plan_blocks(gates: Sequence[GateOp], max_qubits: int) -> list[list[int]]:
    """``plan_blocks`` without the cache."""
    # The planner works on gate objects; distinct wrappers make positions recoverable
    # even when one object appears twice in ``gates``.
    tagged = [replace(gate, name=gate.name) for gate in gates]
    position = {id(gate): i for i, gate in enumerate(tagged)}
    planner = _Planner(max_qubits, max(max_qubits, MAX_DIAGONAL_QUBITS))
    for gate in sink_diagonals(tagged):
        planner.add(gate)
    planner.close_all()
    blocks = join_permutation_passes(planner.closed, max_qubits)
    return [[position[id(gate)] for gate in block] for block in blocks]


def join_permutation_passes(blocks: list[list[GateOp]], max_qubits: int) -> list[list[GateOp]]:
    """Join consecutive all-permutation blocks whose qubits fit in one block of ``max_qubits``.

    The planner starts a block for a gate on free qubits rather than spend an open block's room,
    so a layer of SWAPs (a QFT's final qubit reversal) leaves one pass per SWAP. Two consecutive
    passes are joined only after the planner is done, so no open block loses room; the joined
    block is their product in order. One pass of two SWAPs moves 3/4 of the state where two
    passes of one move 1/2 each (QFT-24 double: 10 SWAP passes of 10.2 ms became 5 of 12.3 ms).
    """
    joined: list[list[GateOp]] = []
    width: list[set[int]] = []
    for block in blocks:
        qubits = {q for gate in block for q in gate.qubits}
        if (
            joined
            and _all_permutations(block)
            and _all_permutations(joined[-1])
            and len(width[-1] | qubits) <= max_qubits
        ):
            joined[-1] = joined[-1] + block
            width[-1] |= qubits
        else:
            joined.append(block)
            width.append(qubits)
    return joined


def _all_permutations(block: list[GateOp]) -> bool:
    return all(gate.kind == "permutation" for gate in block)


def sink_diagonals(gates: Sequence[GateOp]) -> list[GateOp]:
    """Reorder ``gates`` so that each diagonal gate comes as late as it may.

    A diagonal gate commutes with every other diagonal gate and with every gate
    on other qubits, so it can wait until the first later non-diagonal gate on
    one of its qubits. Waiting gathers diagonal gates that are spread between
    dense ones (the controlled-phase ladders of a QFT) into runs the planner
    merges into one wide diagonal pass. Exact: only commuting gates swap places.
    """
    ordered: list[GateOp] = []
    waiting: dict[int, GateOp] = {}  # by position in ``gates``: kept in program order
    waiting_on: dict[int, list[int]] = {}  # qubit -> positions of waiting gates on it
    for position, gate in enumerate(gates):
        if gate.kind == "diagonal":
            waiting[position] = gate
            for qubit in gate.qubits:
                waiting_on.setdefault(qubit, []).append(position)
            continue
        due = sorted({p for qubit in gate.qubits for p in waiting_on.pop(qubit, ()) if p in waiting})
        ordered.extend(waiting.pop(p) for p in due)
        ordered.append(gate)
    ordered.extend(waiting[p] for p in sorted(waiting))
    return ordered


class _Block:
    """An open block: its qubits and gates, in order."""

    __slots__ = ("diagonal", "gates", "qubits")

    def __init__(self) -> None:
        self.qubits: set[int] = set()
        self.gates: list[GateOp] = []
        self.diagonal = True


class _Planner:
    """Places gates into open blocks and records blocks in the order they close."""

    def __init__(self, max_qubits: int, max_diagonal_qubits: int):
        self.max_qubits = max_qubits
        self.max_diagonal_qubits = max_diagonal_qubits
        self.owner: dict[int, _Block] = {}
        self.open: list[_Block] = []
        self.closed: list[list[GateOp]] = []

    def add(self, gate: GateOp) -> None:
        qubits = set(gate.qubits)
        diagonal = gate.kind == "diagonal"
        involved = self._owners(qubits)
        union = qubits.union(*(block.qubits for block in involved))
        if len(union) > self._limit(involved, diagonal):
            # Keep the smallest involved block growing if the gate then fits; close the others.
            fits = [b for b in involved if len(b.qubits | qubits) <= self._limit([b], diagonal)]
            keep = min(fits, key=lambda block: len(block.qubits)) if fits else None
            for block in involved:
                if block is not keep:
                    self._close(block)
            involved = [keep] if keep is not None else []
        if not involved:
            # A gate on free qubits starts its own block: packing it into an unrelated
            # block would spend that block's room, which its neighbours' gates need.
            target = self._new_block()
        else:
            target = involved[0]
            for other in involved[1:]:
                self._absorb(target, other)
        target.gates.append(gate)
        target.qubits |= qubits
        target.diagonal = target.diagonal and diagonal
        for qubit in qubits:
            self.owner[qubit] = target

    def _limit(self, blocks: list[_Block], diagonal: bool) -> int:
        """How wide a block holding ``blocks`` and the new gate may grow."""
        if diagonal and all(block.diagonal for block in blocks):
            return self.max_diagonal_qubits
        return self.max_qubits

    def close_all(self) -> None:
        for block in list(self.open):
            self._close(block)

    def _owners(self, qubits: set[int]) -> list[_Block]:
        found: list[_Block] = []
        for qubit in sorted(qubits):
            block = self.owner.get(qubit)
            if block is not None and all(block is not b for b in found):
                found.append(block)
        return found

    def _new_block(self) -> _Block:
        block = _Block()
        self.open.append(block)
        return block

    def _absorb(self, target: _Block, other: _Block) -> None:
        """Merge ``other`` into ``target``: both open, disjoint, so their gates commute."""
        target.gates.extend(other.gates)
        target.qubits |= other.qubits
        target.diagonal = target.diagonal and other.diagonal
        for qubit in other.qubits:
            self.owner[qubit] = target
        self.open.remove(other)

    def _close(self, block: _Block) -> None:
        self.open.remove(block)
        for qubit in block.qubits:
            if self.owner.get(qubit) is block:
                del self.owner[qubit]
        self.closed.append(block.gates)


def merge_block(block: list[GateOp]) -> GateOp:
    """One operation equal to applying ``block`` in order."""
    if len(block) == 1:
        return block[0]
    qubits = tuple(sorted({q for gate in block for q in gate.qubits}))
    if all(gate.kind == "diagonal" for gate in block):
        diag = np.ones(1 << len(qubits), dtype=complex)
        for gate in block:
            diag *= _diagonal_on(gate, qubits)
        return GateOp("diagonal", qubits, (), diag, None, "fused")
    if all(gate.kind == "permutation" for gate in block):
        perm = np.arange(1 << len(qubits))
        for gate in block:
            perm = _permutation_on(gate, qubits)[perm]
        return GateOp("permutation", qubits, (), perm, None, "fused")
    matrix = np.eye(1 << len(qubits), dtype=complex)
    for gate in block:
        _apply_rows(gate, qubits, matrix)
    return GateOp("matrix", qubits, (), matrix, None, "fused")


def _local_masks(gate: GateOp, qubits: tuple[int, ...]) -> tuple[list[int], int]:
    position = {q: j for j, q in enumerate(qubits)}
    targets = [position[q] for q in gate.targets]
    cmask = 0
    for q in gate.controls:
        cmask |= 1 << position[q]
    return targets, cmask


def _gather(indices: np.ndarray, bits: Iterable[int]) -> np.ndarray:
    """Sub-index made of ``bits`` of each index (bit j of the result is bit bits[j])."""
    out = np.zeros_like(indices)
    for j, bit in enumerate(bits):
        out |= ((indices >> bit) & 1) << j
    return out


def _diagonal_on(gate: GateOp, qubits: tuple[int, ...]) -> np.ndarray:
    """The gate's diagonal expanded to the block's qubits."""
    targets, cmask = _local_masks(gate, qubits)
    index = np.arange(1 << len(qubits))
    diag = np.asarray(gate.operand, dtype=complex)[_gather(index, targets)]
    return np.where((index & cmask) == cmask, diag, 1)


def _permutation_on(gate: GateOp, qubits: tuple[int, ...]) -> np.ndarray:
    """Where each local index of the block's qubits goes under ``gate`` (a permutation gate)."""
    targets, cmask = _local_masks(gate, qubits)
    tmask = sum(1 << t for t in targets)
    index = np.arange(1 << len(qubits))
    moved = np.asarray(gate.operand)[_gather(index, targets)]
    return np.where((index & cmask) == cmask, (index & ~tmask) | _scatter(moved, targets), index)


def _dense(gate: GateOp) -> np.ndarray:
    if gate.kind == "matrix":
        return np.asarray(gate.operand, dtype=complex)
    if gate.kind == "diagonal":
        return np.diag(np.asarray(gate.operand, dtype=complex))
    dim = len(gate.operand)
    matrix = np.zeros((dim, dim), dtype=complex)
    matrix[gate.operand, np.arange(dim)] = 1
    return matrix


def _apply_rows(gate: GateOp, qubits: tuple[int, ...], matrix: np.ndarray) -> None:
    """Replace ``matrix`` by ``G @ matrix`` in place, G being ``gate`` embedded in the block's qubits."""
    targets, cmask = _local_masks(gate, qubits)
    rows = _row_groups(tuple(targets), cmask, len(qubits))
    matrix[rows] = np.matmul(_dense(gate), matrix[rows])


@functools.lru_cache(maxsize=4096)
def _row_groups(targets: tuple[int, ...], cmask: int, nbits: int) -> np.ndarray:
    """Row indices a gate on local ``targets`` mixes, shape ``(groups, 2**len(targets))``.

    Each group shares the non-target bits and has every control bit set. Cached:
    a deep circuit asks for the same few shapes thousands of times, and building
    them per gate dominated fusion planning (2016 gates of a 16-qubit corpus
    circuit planned in 36 ms against 6 ms of simulation).
    """
    tmask = sum(1 << t for t in targets)
    index = np.arange(1 << nbits)
    bases = index[((index & tmask) == 0) & ((index & cmask) == cmask)]
    offsets = _scatter(np.arange(1 << len(targets)), targets)
    rows = bases[:, None] | offsets[None, :]
    rows.flags.writeable = False
    return rows


def _scatter(values: np.ndarray, bits: Sequence[int]) -> np.ndarray:
    """Inverse of ``_gather``: bit j of each value moved to bit ``bits[j]``."""
    out = np.zeros_like(values)
    for j, bit in enumerate(bits):
        out |= ((values >> j) & 1) << bit
    return out
