"""Run one lowered experiment on one device.

Three ways to run, chosen from the circuit's shape:

* **Sampled from the final state** — every measurement is terminal and there
  is no reset or condition: evolve once, then draw all shots from the final
  state in one pass (``Device.sample``).
* **Branching** — mid-circuit measurements, resets or conditions: the state
  is evolved once up to each measurement, and there the shots split between
  the outcomes (a binomial draw); a branch gets its own copy of the state
  only when both outcomes have shots. Branches are walked depth first, so at
  most one state per pending branch is alive. A tail of only measurements is
  sampled, not branched.
* **Per shot** — as branching, but when the copies would not fit in memory:
  each shot starts from ``|0…0⟩`` and never branches (one state alive).

The engine talks only to the ``Device`` interface and checks the caller's
``should_stop`` between operations, and, on a large state, between the chunks
of each pass (``chunks.py``): that is how a running job is cancelled within a
fraction of a second.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .chunks import Chunker, apply_kind
from .devices.base import Device
from .fusion import fuse
from .memory import MemoryNeed, branch_copies, check_memory, memory_limit, run_memory
from .ops import BarrierOp, GateOp, MeasureOp, Op, ResetOp

_X = np.array([1, 0], dtype=np.int64)


@dataclass(frozen=True)
class RunSettings:
    """How to run one experiment.

    Attributes:
        method: "qasm" (counts), "statevector" or "unitary".
        shots: shots to draw ("qasm"); the other methods run once.
        memory: also return per-shot outcomes.
        seed: seed of every random number of the run.
        precision: "single" or "double".
        fusion_max_qubits: largest fused block; 1 or less turns fusion off.
        max_memory_mb: the run's memory cap (None: free memory, or ``GPUQ_MAX_MEMORY_MB``).
    """

    method: str
    shots: int
    memory: bool
    seed: int
    precision: str
    fusion_max_qubits: int
    max_memory_mb: int | None = None


@dataclass
class ExperimentOutcome:
    """What the engine produced for one experiment, before it becomes an ``ExperimentResult``."""

    counts: dict[str, int] | None = None
    memory: list[str] | None = None
    statevector: np.ndarray | None = None
    unitary: np.ndarray | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


Plan = list[Op]
"""Operations in order, gate runs already fused."""


def run_experiment(
    ops: Sequence[Op],
    nqubits: int,
    settings: RunSettings,
    device: Device,
    should_stop: Callable[[], bool] = lambda: False,
    global_phase: float = 0.0,
) -> ExperimentOutcome:
    """Run lowered operations on ``device`` and return counts, memory or the state.

    Raises:
        InsufficientMemoryError: before allocating, when the state does not fit.
        JobCancelledError: ``should_stop()`` turned true.
    """
    started = time.perf_counter()
    plan, fused_from = _plan(ops, settings.fusion_max_qubits)
    runner = _Runner(device, settings, should_stop)
    if settings.method == "unitary":
        outcome = runner.unitary(plan, nqubits, global_phase)
    elif settings.method == "statevector":
        outcome = runner.statevector(plan, nqubits, global_phase)
    elif _measurements_are_terminal(plan):
        outcome = runner.sample_final(plan, nqubits)
    else:
        outcome = runner.branch(plan, nqubits)
    outcome.metadata.update(
        {
            "precision": settings.precision,
            "fusion": {
                "max_qubits": settings.fusion_max_qubits,
                "gates": fused_from,
                "passes": sum(isinstance(op, GateOp) for op in plan),
            },
            "engine_time": time.perf_counter() - started,
        }
    )
    return outcome


def _plan(ops: Sequence[Op], max_qubits: int) -> tuple[Plan, int]:
    """Fuse each run of unconditioned gates; everything else keeps its place."""
    plan: Plan = []
    run: list[GateOp] = []
    gates = 0
    for op in ops:
        if isinstance(op, GateOp) and op.condition is None:
            run.append(op)
            gates += 1
            continue
        plan.extend(fuse(run, max_qubits))
        run = []
        if isinstance(op, GateOp):
            gates += 1
        if not isinstance(op, BarrierOp):
            plan.append(op)
    plan.extend(fuse(run, max_qubits))
    return plan, gates


def apply_gate(device: Device, state: Any, op: GateOp, offset: int = 0) -> None:
    """Apply one gate operation through the device's matching kernel family.

    ``offset`` shifts every qubit (the unitary simulator acts on the row half of its state).
    """
    apply_kind(device, state, op.kind, [q + offset for q in op.targets], op.operand, [q + offset for q in op.controls])


def _measurements_are_terminal(plan: Plan) -> bool:
    """True when no reset or condition exists and no gate follows a measurement on its qubit."""
    measured: set[int] = set()
    for op in plan:
        if isinstance(op, ResetOp) or getattr(op, "condition", None) is not None:
            return False
        if isinstance(op, MeasureOp):
            measured.add(op.qubit)
        elif isinstance(op, GateOp) and measured.intersection(op.qubits):
            return False
    return True


def _condition_holds(condition: tuple[tuple[int, ...], int] | None, value: int) -> bool:
    if condition is None:
        return True
    clbits, expected = condition
    return sum(((value >> c) & 1) << j for j, c in enumerate(clbits)) == expected


class _Runner:
    """Holds the device, settings and random generator of one experiment's run."""

    def __init__(self, device: Device, settings: RunSettings, should_stop: Callable[[], bool]):
        self.device = device
        self.settings = settings
        self.should_stop = should_stop
        self.rng = np.random.default_rng(settings.seed)
        self.chunks: Chunker

    # -------------------------------------------------------------- helpers
    def _apply(self, state: Any, op: GateOp, offset: int = 0) -> None:
        self.chunks.apply(state, op, offset)

    def _new_state(self, nqubits: int) -> Any:
        return self.device.zero_state(nqubits, self.settings.precision)

    def _check_fits(self, need: MemoryNeed, what: str) -> None:
        """Raise ``InsufficientMemoryError`` before allocating when ``need`` does not fit the device now."""
        check_memory(
            need,
            self.device.free_bytes(),
            self.device.kind,
            what,
            self.settings.max_memory_mb,
            precision=self.settings.precision,
        )

    def _chunk(self, nqubits: int) -> None:
        """Route every pass of this run's ``nqubits``-qubit states through one chunker."""
        self.chunks = Chunker(self.device, nqubits, self.settings.precision, self.should_stop)

    # -------------------------------------------------------------- methods
    def unitary(self, plan: Plan, nqubits: int, global_phase: float) -> ExperimentOutcome:
        """Evolve the identity, stored as a state of 2n qubits whose high n bits index the row."""
        self._check_fits(run_memory(nqubits, self.settings.precision, method="unitary"), "unitary")
        dim = 1 << nqubits
        identity = np.eye(dim, dtype=np.complex64 if self.settings.precision == "single" else np.complex128)
        state = self.device.from_host(identity.reshape(-1))
        self._chunk(2 * nqubits)
        for op in plan:
            if isinstance(op, GateOp):  # lowering admits nothing else for a unitary (barriers are planned away)
                self._apply(state, op, offset=nqubits)
        matrix = _with_phase(self.device.into_host(state).reshape(dim, dim), global_phase)
        return ExperimentOutcome(unitary=matrix, metadata={"method": "unitary"})

    def statevector(self, plan: Plan, nqubits: int, global_phase: float) -> ExperimentOutcome:
        """One shot: measurements collapse the state; the final state is returned."""
        self._check_fits(run_memory(nqubits, self.settings.precision, method="statevector"), "statevector")
        self._chunk(nqubits)
        state = self._new_state(nqubits)
        value = self._walk(state, plan, 0, 1, 0, pending=None)
        vector = _with_phase(self.device.into_host(state), global_phase)
        outcome = ExperimentOutcome(statevector=vector, metadata={"method": "statevector"})
        if any(isinstance(op, MeasureOp) for op in plan):
            outcome.counts = {hex(value): 1}
            outcome.memory = [hex(value)] if self.settings.memory else None
        return outcome

    def sample_final(self, plan: Plan, nqubits: int) -> ExperimentOutcome:
        """Evolve once, then draw every shot from the final state."""
        pairs = _last_writes([(op.qubit, op.clbit) for op in plan if isinstance(op, MeasureOp)])
        self._check_fits(
            run_memory(
                nqubits,
                self.settings.precision,
                measured=len({q for q, _ in pairs}),
                shots=self.settings.shots,
                memory=self.settings.memory,
            ),
            "statevector",
        )
        self._chunk(nqubits)
        state = self._new_state(nqubits)
        for op in plan:
            if isinstance(op, GateOp):
                self._apply(state, op)
        if not pairs:  # nothing is measured: every shot reads the all-zero classical value
            return self._outcome([(0, self.settings.shots)], "no measurements")
        leaves = self._sample(state, pairs, self.settings.shots, 0)
        return self._outcome(leaves, "sampled from the final state")

    def branch(self, plan: Plan, nqubits: int) -> ExperimentOutcome:
        """Branch at measurements and resets; fall back to per-shot runs when copies do not fit."""
        splits = sum(isinstance(op, (MeasureOp, ResetOp)) for op in plan)
        settings = self.settings

        def need(copies: int) -> MemoryNeed:
            return run_memory(nqubits, settings.precision, shots=settings.shots, memory=settings.memory, copies=copies)

        self._check_fits(need(1), "statevector")
        self._chunk(nqubits)
        leaves: list[tuple[int, int]] = []
        copies = branch_copies(splits, settings.shots)
        if need(copies).total <= memory_limit(self.device.free_bytes(), settings.max_memory_mb):
            pending: list[tuple[Any, int, int, int]] = [(self._new_state(nqubits), 0, self.settings.shots, 0)]
            while pending:
                state, start, shots, value = pending.pop()
                self._walk(state, plan, start, shots, value, pending, leaves)
            method = "branching at measurements"
        else:
            for _ in range(self.settings.shots):
                self._walk(self._new_state(nqubits), plan, 0, 1, 0, None, leaves)
            method = "per-shot (branch copies do not fit in memory)"
        return self._outcome(leaves, method)

    # --------------------------------------------------------------- walking
    def _walk(
        self,
        state: Any,
        plan: Plan,
        start: int,
        shots: int,
        value: int,
        pending: list | None,
        leaves: list | None = None,
    ) -> int:
        """Run ``plan[start:]`` for ``shots`` shots holding classical ``value``.

        At a measurement or reset whose outcomes both get shots, the shots of
        outcome 1 continue on a copy pushed onto ``pending``. Returns the final
        classical value (meaningful when ``shots`` is 1).
        """
        sample_tail = self.settings.method == "qasm"
        for index in range(start, len(plan)):
            op = plan[index]
            if sample_tail and leaves is not None and shots > 1 and _only_measurements(plan, index):
                tail = [(m.qubit, m.clbit) for m in plan[index:] if isinstance(m, MeasureOp)]
                leaves.extend(self._sample(state, tail, shots, value))
                return value
            if not _condition_holds(getattr(op, "condition", None), value):
                continue
            if isinstance(op, GateOp):
                self._apply(state, op)
                continue
            if not isinstance(op, (MeasureOp, ResetOp)):  # a barrier: nothing to do
                continue
            weight, total = self.chunks.probability_of_one(state, op.qubit)
            p1 = float(min(max(weight / max(total, 1e-300), 0.0), 1.0))
            ones = int(self.rng.binomial(shots, round(p1, DRAW_DECIMALS)))
            if 0 < ones < shots and pending is not None:
                branch = self.chunks.copy(state)
                self._settle(branch, op, 1, p1)
                pending.append((branch, index + 1, ones, _write(value, op, 1)))
                shots -= ones
                outcome = 0
            else:
                outcome = 1 if ones == shots else 0
            self._settle(state, op, outcome, p1 if outcome else 1.0 - p1)
            value = _write(value, op, outcome)
        if leaves is not None:
            leaves.append((value, shots))
        return value

    def _settle(self, state: Any, op: MeasureOp | ResetOp, outcome: int, probability: float) -> None:
        """Collapse onto ``outcome``; a reset then flips a 1 back to 0."""
        self.chunks.collapse(state, op.qubit, outcome, probability)
        if isinstance(op, ResetOp) and outcome:
            self.chunks.apply(state, GateOp("permutation", (op.qubit,), (), _X, name="reset"))

    def _sample(self, state: Any, pairs: list[tuple[int, int]], shots: int, value: int) -> list[tuple[int, int]]:
        """Draw ``shots`` outcomes of the terminal (qubit, clbit) measurements ``pairs``, in program order,
        and turn them into (classical value, shots) leaves; a later write to a clbit replaces an earlier one."""
        seed = int(self.rng.integers(2**63))
        pairs = _last_writes(pairs)
        qubits = sorted({q for q, _ in pairs})
        position = {q: j for j, q in enumerate(qubits)}
        written = 0
        for _, clbit in pairs:
            written |= 1 << clbit
        base = value & ~written
        if self.settings.memory:
            outcomes = self.chunks.sample(state, qubits, shots, seed)
            distinct, inverse = np.unique(outcomes, return_inverse=True)
            values = [_clbits_of(int(u), pairs, position, base) for u in distinct]
            return [(values[i], 1) for i in inverse]
        distinct, tallies = self.chunks.sample_counts(state, qubits, shots, seed)
        return [(_clbits_of(int(u), pairs, position, base), int(n)) for u, n in zip(distinct, tallies)]

    def _outcome(self, leaves: list[tuple[int, int]], method: str) -> ExperimentOutcome:
        counts: Counter[str] = Counter()
        for value, shots in leaves:
            counts[hex(value)] += shots
        outcome = ExperimentOutcome(counts=dict(counts), metadata={"method": method})
        if self.settings.memory:
            memory = [hex(value) for value, shots in leaves for _ in range(shots)]
            order = self.rng.permutation(len(memory))
            outcome.memory = [memory[i] for i in order]
        return outcome


def _with_phase(host_array: np.ndarray, global_phase: float) -> np.ndarray:
    """Multiply a host copy by the circuit's global phase, in place and keeping its precision."""
    if global_phase:
        host_array *= np.exp(1j * global_phase)
    return host_array


DRAW_DECIMALS = 12
"""Decimals of a measurement's probability in its binomial draw (not its collapse). NumPy draws p > 1/2 as
n - binomial(n, 1 - p), so last-bit noise around 1/2, which differs between plans, qubit layouts and rank
counts, would otherwise split one seed's shots differently."""


def _only_measurements(plan: Plan, start: int) -> bool:
    return all(isinstance(op, MeasureOp) and op.condition is None for op in plan[start:])


def _write(value: int, op: MeasureOp | ResetOp, outcome: int) -> int:
    if isinstance(op, ResetOp):
        return value
    return (value & ~(1 << op.clbit)) | (outcome << op.clbit)


def _last_writes(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Keep, for each clbit, only the last (qubit, clbit) measurement written to it (program order).

    ``measure a[2] -> c[0]; measure a[0] -> c[0];`` leaves ``c[0]`` holding ``a[0]``, as on the
    branching path, where each measurement overwrites its clbit in turn.
    """
    last = {clbit: qubit for qubit, clbit in pairs}
    return [(qubit, clbit) for clbit, qubit in last.items()]


def _clbits_of(outcome: int, pairs: list[tuple[int, int]], position: dict[int, int], base: int) -> int:
    """Classical value after the terminal ``pairs`` read ``outcome``; ``pairs`` write distinct clbits."""
    value = base
    for qubit, clbit in pairs:
        value |= ((outcome >> position[qubit]) & 1) << clbit
    return value
