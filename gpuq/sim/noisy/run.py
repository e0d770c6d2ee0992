"""Run one noisy experiment (or any density-matrix run) on one device: ``run_noisy``.

The operations arrive with the noise already in them (``lowering.add_noise``)
and the method already chosen (``choice.choose_method``). Memory is counted
before anything is allocated: a density matrix holds ``4**n`` amplitudes,
and the walk keeps at most ``walker.states_bound`` states; when those copies
do not fit, every shot is walked alone with one state.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext

import numpy as np

from ..chunks import Chunker
from ..devices.base import Device
from ..devices.cpu_threads import one_thread
from ..engine import ExperimentOutcome, RunSettings
from ..memory import check_memory, memory_limit, run_memory
from ..ops import GateOp, MeasureOp, ResetOp
from .density import DensityWalker, density_plan
from .lowering import ChannelOp, NoisyOp, ReadoutOp
from .trajectories import TrajectoryWalker, trajectory_plan
from .walker import Walker, states_bound

SERIAL_DENSITY_QUBITS = 8
"""Largest density matrix the CPU runs on one thread for the whole run (2**16 amplitudes, 1 MiB in
double). Its passes are above the pool's per-pass cut (``cpu_threads.SERIAL_BELOW``), so each one woke
the pool: on the loaded 2-core EPYC (load 10) the 8-qubit benchmark run took 0.68 s that way and 0.21 s on
one thread, 7 qubits 0.39 and 0.12 s. At 9 and 10 qubits one thread was faster there too (0.37 / 0.71,
0.87 / 1.16 s); the cut stays at 8 because two threads may win there on an idle machine, which could
not be measured."""


def run_noisy(
    ops: Sequence[NoisyOp],
    nqubits: int,
    settings: RunSettings,
    device: Device,
    method: str,
    should_stop: Callable[[], bool] = lambda: False,
) -> ExperimentOutcome:
    """Counts (and memory) of ``ops`` under ``method``: "density_matrix" or "trajectory".

    Raises:
        InsufficientMemoryError: before allocating, when even one state does not fit.
        JobCancelledError: ``should_stop()`` turned true.
    """
    started = time.perf_counter()
    rng = np.random.default_rng(settings.seed)
    walker: Walker
    if method == "density_matrix":
        plan = density_plan(ops, nqubits, settings.fusion_max_qubits)
        chunks = Chunker(device, 2 * nqubits, settings.precision, should_stop)
        walker = DensityWalker(plan, chunks, rng, nqubits)
    else:
        plan = trajectory_plan(ops, settings.fusion_max_qubits)
        chunks = Chunker(device, nqubits, settings.precision, should_stop)
        walker = TrajectoryWalker(plan, chunks, rng)
    with serial_if_small(device, method, nqubits):
        leaves, branching = walk(walker, plan, nqubits, settings, device, method)
    outcome = _outcome(leaves, settings.memory, rng)
    outcome.metadata.update(
        {
            "method": method,
            "walk": "shots grouped by outcome" if branching else "one shot at a time (copies do not fit)",
            "walks": walker.walks,
            "precision": settings.precision,
            "fusion": {
                "max_qubits": settings.fusion_max_qubits,
                "passes": sum(isinstance(op, GateOp) for op in plan),
                "channels": sum(isinstance(op, ChannelOp) for op in ops),
            },
            "engine_time": time.perf_counter() - started,
        }
    )
    return outcome


def serial_if_small(device: Device, method: str, nqubits: int) -> AbstractContextManager:
    """One thread for a whole CPU density-matrix run of at most ``SERIAL_DENSITY_QUBITS`` qubits, else nothing."""
    if device.kind == "cpu" and method == "density_matrix" and nqubits <= SERIAL_DENSITY_QUBITS:
        return one_thread()
    return nullcontext()


def walk(
    walker: Walker, plan: Sequence[NoisyOp], nqubits: int, settings: RunSettings, device: Device, method: str
) -> tuple[list[tuple[int, int]], bool]:
    """Run ``walker`` for ``settings.shots`` shots: its (value, shots) leaves, and whether shots were grouped.

    Memory is checked for one state first; the shots are grouped (branching) when the copies
    ``states_bound`` allows fit too, else walked one at a time.

    Raises:
        InsufficientMemoryError: before allocating, when even one state does not fit.
    """
    branches = max((_branches(op) for op in plan[: walker.tail_from]), default=1)
    copies = states_bound(branches, settings.shots)

    def need(states: int):
        return run_memory(
            nqubits,
            settings.precision,
            method="density_matrix" if method == "density_matrix" else "statevector",
            shots=settings.shots,
            memory=settings.memory,
            copies=states,
            measured=min(nqubits, 12) if method == "trajectory" else 0,
        )

    check_memory(
        need(1), device.free_bytes(), device.kind, method, settings.max_memory_mb, precision=settings.precision
    )
    branching = need(copies).total <= memory_limit(device.free_bytes(), settings.max_memory_mb)
    width = 2 * nqubits if method == "density_matrix" else nqubits
    return walker.run(lambda: device.zero_state(width, settings.precision), settings.shots, branching), branching


def _branches(op: NoisyOp) -> int:
    """Most groups a step can split shots into (1: a deterministic step)."""
    if isinstance(op, ChannelOp):
        return op.branches()
    if isinstance(op, (MeasureOp, ResetOp)):
        return 2
    if isinstance(op, ReadoutOp):
        return len(op.probabilities)
    return 1


def _outcome(leaves: list[tuple[int, int]], memory: bool, rng: np.random.Generator) -> ExperimentOutcome:
    counts: Counter[str] = Counter()
    for value, shots in leaves:
        counts[hex(value)] += shots
    outcome = ExperimentOutcome(counts=dict(counts))
    if memory:
        values = [hex(value) for value, shots in leaves for _ in range(shots)]
        outcome.memory = [values[i] for i in rng.permutation(len(values))]
    return outcome
