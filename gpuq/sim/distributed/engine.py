"""Run one lowered experiment with its statevector split over MPI ranks.

Every rank calls ``run_distributed`` with the same operations and settings
(``mpiexec -n 4 python script.py``). The engine's walker (``engine._Runner``:
sampling, measurement branching, resets, conditions, per-shot fallback) runs
unchanged on every rank, on ``Slice`` states through ``DistributedPasses``;
it makes the same decisions on every rank because every value it decides on
(probabilities, the seed's draws) is the same float everywhere.

Memory is checked on every rank before anything is allocated
(``capacity.check_distributed_fits``), and the verdict is shared, so either
every rank runs or every rank reports the same error. A failure after that
on one rank alone (a device error) would leave the others waiting in an
exchange, so it ends every rank (``MPI_Abort``) with its reason on stderr.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, cast

from ...exceptions import InsufficientMemoryError, QobjValidationError
from ..devices.base import Device
from ..engine import (  # the walker and its helpers, shared with the single-process engine
    ExperimentOutcome,
    Plan,
    RunSettings,
    _measurements_are_terminal,
    _plan,
    _Runner,
    _with_phase,
    run_experiment,
)
from ..memory import MemoryNeed
from ..ops import GateOp, MeasureOp, Op
from .capacity import check_distributed_fits
from .comm import Communicator
from .state import DistributedPasses


def run_distributed(
    ops: Sequence[Op],
    nqubits: int,
    settings: RunSettings,
    device: Device,
    comm: Communicator,
    should_stop: Callable[[], bool] = lambda: False,
    global_phase: float = 0.0,
) -> ExperimentOutcome:
    """Run lowered operations on every rank of ``comm``; counts and memory are returned on every rank,
    the statevector on rank 0 (None elsewhere). Fused blocks are at most as wide as a rank's qubits; a
    circuit with a wider gate than that is too small to split, and every rank runs it whole.

    Raises:
        QobjValidationError: the unitary method.
        InsufficientMemoryError: on every rank, when any rank's share does not fit (naming the ranks needed).
    """
    started = time.perf_counter()
    if settings.method == "unitary":
        raise QobjValidationError("the unitary simulator does not run distributed; run it without mpi=True", "mpi")
    local_qubits = nqubits - comm.global_qubits
    plan, fused_from = _plan(ops, min(settings.fusion_max_qubits, local_qubits))
    if local_qubits < _widest(plan):  # too small to split: every rank runs it whole, alike
        outcome = run_experiment(ops, nqubits, settings, device, should_stop, global_phase)
        outcome.metadata["distributed"] = {"ranks": comm.size, "rank": comm.rank, "replicated": True}
        return outcome
    free = check_distributed_fits(device, comm, nqubits, settings, plan)
    runner = _DistributedRunner(device, settings, should_stop, comm, plan, nqubits, free)
    try:
        outcome = runner.run(plan, nqubits, global_phase)
    except (InsufficientMemoryError, QobjValidationError):
        raise
    except Exception as exc:  # one rank's failure must end every rank, not leave them in an exchange
        print(f"gpuq: rank {comm.rank}: {type(exc).__name__}: {exc}; ending every rank", file=sys.stderr, flush=True)
        comm.abort(1)
        raise
    outcome.metadata.update(
        {
            "precision": settings.precision,
            "fusion": {
                "max_qubits": settings.fusion_max_qubits,
                "gates": fused_from,
                "passes": sum(isinstance(op, GateOp) for op in plan),
            },
            "distributed": dict(
                runner.passes.stats,
                ranks=comm.size,
                rank=comm.rank,
                global_qubits=comm.global_qubits,
                naive_swaps=runner.passes.placement.naive_swaps(plan),
                statevector_rank=0,
                replicated=False,
            ),
            "engine_time": time.perf_counter() - started,
        }
    )
    return outcome


def _widest(plan: Plan) -> int:
    """Most targets of a dense operation: each rank must hold them all."""
    return max((len(op.targets) for op in plan if isinstance(op, GateOp) and op.kind != "diagonal"), default=1)


class _DistributedRunner(_Runner):
    """The engine's walker on ``Slice`` states: only creating states, sizing and returning differ."""

    def __init__(
        self,
        device: Device,
        settings: RunSettings,
        should_stop: Callable[[], bool],
        comm: Communicator,
        plan: Plan,
        nqubits: int,
        free: int,
    ):
        super().__init__(cast(Device, _AgreedFree(device, free)), settings, should_stop)
        self.comm = comm
        self.passes = DistributedPasses(device, comm, plan, nqubits, settings.precision, should_stop)
        self.chunks = self.passes  # type: ignore[assignment]

    def run(self, plan: Plan, nqubits: int, global_phase: float) -> ExperimentOutcome:
        """The method the settings ask for; branching is sized on one rank's share of the state."""
        if self.settings.method == "statevector":
            return self.statevector(plan, nqubits, global_phase)
        if _measurements_are_terminal(plan):
            return self.sample_final(plan, nqubits)
        return self.branch(plan, self.passes.local_qubits)

    def _chunk(self, nqubits: int) -> None:
        self.chunks = self.passes  # type: ignore[assignment]

    def _new_state(self, nqubits: int) -> Any:
        return self.passes.new_state()

    def _check_fits(self, need: MemoryNeed, what: str) -> None:
        """Checked once, on every rank together, before the run (``check_distributed_fits``)."""

    def statevector(self, plan: Plan, nqubits: int, global_phase: float) -> ExperimentOutcome:
        """One shot; the final state is gathered on rank 0."""
        state = self.passes.new_state()
        value = self._walk(state, plan, 0, 1, 0, pending=None)
        vector = self.passes.gather(state)
        outcome = ExperimentOutcome(
            statevector=None if vector is None else _with_phase(vector, global_phase),
            metadata={"method": "statevector"},
        )
        if any(isinstance(op, MeasureOp) for op in plan):
            outcome.counts = {hex(value): 1}
            outcome.memory = [hex(value)] if self.settings.memory else None
        return outcome


class _AgreedFree:
    """The device as the walker sees it: its free memory is the least any rank has, so that every rank
    chooses between branching and per-shot runs alike."""

    def __init__(self, device: Device, free: int):
        self._device = device
        self._free = free

    def free_bytes(self) -> int:
        return self._free

    def __getattr__(self, name: str) -> Any:
        return getattr(self._device, name)
