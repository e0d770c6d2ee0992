"""A statevector split over ranks, and every pass of the engine on it.

``Slice`` is one rank's part of the state: ``2**(n - g)`` amplitudes on its own
device and the *layout*, the physical index bit of each logical qubit. Local
bits are below ``n - g``; the top ``g`` are the rank's bits.

``DistributedPasses`` offers the interface the engine's walker uses on one
process (``chunks.Chunker``'s: apply, probability_of_one, collapse, copy,
sample, sample_counts), so measurement branching, resets and conditions run
unchanged; each rank runs its local passes through a ``Chunker`` of its slice
(cancellation between pieces, as on one process).

* A gate whose dense targets are all local runs as it is, on physical qubits.
* A diagonal needs no communication: its global targets are fixed by the
  rank's bits, which select the part of the diagonal this rank applies.
* A control on a global qubit is the rank's bit: 0 skips the gate, 1 drops it.
* A dense target on a global qubit is swapped in first (``exchange.py``), the
  qubit sent out chosen by ``placement.Placement``.
* Measurement: each rank's share of the probability of reading 1, gathered
  and added in rank order (the same float on every rank, so every rank makes
  the same random draws); collapse on a global qubit keeps or zeroes a slice.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..chunks import Chunker
from ..devices.base import Device
from ..ops import GateOp, Op
from . import sampling
from .comm import Communicator
from .exchange import gather_to, swap_qubits
from .placement import Placement

_SWAP = np.array([0, 2, 1, 3], dtype=np.int64)
"""The permutation of a SWAP of two local qubits (restoring the layout)."""


@dataclass
class Slice:
    """One rank's part of a distributed state.

    Attributes:
        local: the rank's ``2**(n - g)`` amplitudes, a device state.
        layout: ``layout[q]`` is the physical index bit of logical qubit ``q``.
        position: the plan position of the last gate applied (the planner looks ahead from it).
    """

    local: Any
    layout: list[int]
    position: int = 0


class DistributedPasses:
    """The engine's passes over ``Slice`` states of one ``nqubits``-qubit run on ``comm``'s ranks."""

    def __init__(
        self,
        device: Device,
        comm: Communicator,
        plan: Sequence[Op],
        nqubits: int,
        precision: str,
        should_stop: Callable[[], bool],
    ):
        self.device = device
        self.comm = comm
        self.nqubits = nqubits
        self.local_qubits = nqubits - comm.global_qubits
        self.precision = precision
        cuda_aware = comm.cuda_aware  # read on every run, so that a bad setting is refused on any device
        self.device_buffers = device.kind == "gpu" and cuda_aware
        self.local = Chunker(device, self.local_qubits, precision, should_stop)
        self.placement = Placement(plan, nqubits, comm.global_qubits)
        self.positions = {id(op): i for i, op in enumerate(plan)}
        self.stats: dict[str, Any] = {
            "swaps": 0,
            "restore_swaps": 0,
            "exchanged_bytes": 0,
            "communication_time": 0.0,
            "exchange_path": None,  # how the swaps' messages travelled (ExchangeStage.path); None: no swap
        }

    def new_state(self) -> Slice:
        """``|0…0⟩``: amplitude 1 on rank 0, zeros elsewhere, in the planner's first layout."""
        local = self.device.zero_state(self.local_qubits, self.precision)
        if self.comm.rank:
            self.device.apply_diagonal(local, [], np.zeros(1))
        return Slice(local, self.placement.initial_layout())

    # ---------------------------------------------------------------- gates
    def apply(self, state: Slice, op: GateOp, offset: int = 0) -> None:
        """Apply ``op`` (logical qubits) to every rank's slice; ``offset`` is unused (no unitary method)."""
        position = self.positions.get(id(op))
        if position is not None:
            state.position = position
        if op.kind != "diagonal":
            for qubit in op.targets:
                if state.layout[qubit] >= self.local_qubits:
                    self._bring_local(state, qubit, op.targets)
        layout = state.layout
        for control in op.controls:
            physical = layout[control]
            if physical >= self.local_qubits and not self.comm.bit(physical - self.local_qubits):
                self.local.check()
                return
        controls = tuple(layout[c] for c in op.controls if layout[c] < self.local_qubits)
        if op.kind == "diagonal":
            part = self._diagonal_part(layout, op)
            if part is None:
                return
            targets, operand = part
        else:
            targets, operand = tuple(layout[t] for t in op.targets), op.operand
        self.local.apply(state.local, GateOp(op.kind, targets, controls, operand, name=op.name))

    def _diagonal_part(self, layout: list[int], op: GateOp) -> tuple[tuple[int, ...], np.ndarray] | None:
        """The local targets and the part of the diagonal this rank's bits select (None: all ones)."""
        diag = np.asarray(op.operand).reshape(-1)
        low = [j for j, t in enumerate(op.targets) if layout[t] < self.local_qubits]
        high = sum(
            self.comm.bit(layout[t] - self.local_qubits) << j
            for j, t in enumerate(op.targets)
            if layout[t] >= self.local_qubits
        )
        index = np.zeros(1 << len(low), dtype=np.int64)
        for i, j in enumerate(low):  # entry m of the part: bit i of m is diagonal bit low[i]
            index |= ((np.arange(1 << len(low)) >> i) & 1) << j
        part = diag[high + index]
        if not low and part[0] == 1:
            return None
        return tuple(layout[op.targets[j]] for j in low), part

    def _bring_local(self, state: Slice, qubit: int, keep: Sequence[int]) -> None:
        """Swap global ``qubit`` with the local qubit the planner evicts."""
        evicted = self.placement.evict(state.layout, state.position, keep)
        self._swap(state, state.layout[qubit], evicted)
        self.stats["swaps"] += 1

    def _swap(self, state: Slice, global_physical: int, local_physical: int) -> None:
        """Exchange a global and a local physical qubit, and record the move in the layout."""
        self.local.check()
        self.device.synchronize()
        started = time.perf_counter()
        sent, path = swap_qubits(
            self.device,
            self.comm,
            state.local,
            global_physical - self.local_qubits,
            local_physical,
            self.device_buffers,
        )
        self.stats["exchange_path"] = path
        self.device.synchronize()
        self.stats["communication_time"] += time.perf_counter() - started
        self.stats["exchanged_bytes"] += sent
        outer, inner = state.layout.index(global_physical), state.layout.index(local_physical)
        state.layout[outer], state.layout[inner] = local_physical, global_physical

    def restore(self, state: Slice) -> None:
        """Bring the layout back to the identity: rank ``r`` then holds amplitudes ``r * 2**(n-g) ...``."""
        layout = state.layout
        for physical in range(self.local_qubits, self.nqubits):
            where = layout[physical]  # where logical qubit ``physical`` is now
            if where == physical:
                continue
            if where >= self.local_qubits:  # in another global place: through a local qubit
                spare = self.placement.evict(layout, len(self.positions), ())
                self._swap(state, where, spare)
                self.stats["restore_swaps"] += 1
                where = spare
            self._swap(state, physical, where)
            self.stats["restore_swaps"] += 1
        for physical in range(self.local_qubits):
            where = layout[physical]
            if where != physical:
                self.local.apply(state.local, GateOp("permutation", (physical, where), (), _SWAP, name="swap"))
                outer = layout.index(physical)
                layout[physical], layout[outer] = physical, where

    # ---------------------------------------------------------- measurement
    def probability_of_one(self, state: Slice, qubit: int) -> tuple[float, float]:
        """``(probability of qubit reading 1, total probability)`` over every rank, equal on every rank."""
        physical = state.layout[qubit]
        if physical < self.local_qubits:
            ones, total = self.local.probability_of_one(state.local, physical)
        else:
            self.local.check()
            total = float(self.device.marginal_probabilities(state.local, [])[0])
            ones = total if self.comm.bit(physical - self.local_qubits) else 0.0
        shares = self.comm.allgather((ones, total))
        return sum(share[0] for share in shares), sum(share[1] for share in shares)

    def collapse(self, state: Slice, qubit: int, outcome: int, probability: float) -> None:
        """Project ``qubit`` onto ``outcome`` and renormalise, on every rank."""
        physical = state.layout[qubit]
        if physical < self.local_qubits:
            self.local.collapse(state.local, physical, outcome, probability)
        elif self.comm.bit(physical - self.local_qubits) == outcome:
            self.device.collapse(state.local, [], 0, probability)
        else:
            self.device.apply_diagonal(state.local, [], np.zeros(1))

    def copy(self, state: Slice) -> Slice:
        """A measurement branch: each rank copies its slice; the layout goes with it."""
        return Slice(self.local.copy(state.local), list(state.layout), state.position)

    def sample_counts(self, state: Slice, qubits: list[int], shots: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """``Chunker.sample_counts`` over the whole distributed state (``sampling.py``), the same on every rank."""
        self.restore(state)
        return sampling.sample_counts(self.device, self.comm, self.local, state.local, qubits, shots, seed)

    def sample(self, state: Slice, qubits: list[int], shots: int, seed: int) -> np.ndarray:
        """``Chunker.sample`` over the whole distributed state (``sampling.py``), the same on every rank."""
        self.restore(state)
        return sampling.sample(self.device, self.comm, self.local, state.local, qubits, shots, seed)

    def gather(self, state: Slice) -> np.ndarray | None:
        """The whole state in logical order on rank 0 (None on the other ranks)."""
        self.restore(state)
        dtype = np.complex64 if self.precision == "single" else np.complex128
        out = np.empty(1 << self.nqubits, dtype=dtype) if self.comm.rank == 0 else None
        started = time.perf_counter()
        gather_to(self.device, self.comm, state.local, out)
        self.stats["communication_time"] += time.perf_counter() - started
        return out
