"""The memory check of a distributed run: every rank's share, checked on every rank before allocating.

A rank holds ``2**(n - g)`` amplitudes of the state, plus the distributed
workspace: one exchange message (and its device copy on a GPU), and, when a
small state is sampled whole (``sampling.GATHER_SAMPLE_QUBITS``), the gathered
state. A statevector run also needs the whole state on rank 0's host, where
it is gathered. Every rank reports what it may use (``memory.memory_limit``:
free memory less the headroom, under the cap) and every rank applies the same
verdict, so either all run or all raise the same ``InsufficientMemoryError``,
which names the rank that lacks room and how many ranks would hold the run.
"""

from __future__ import annotations

import numpy as np

from ...exceptions import InsufficientMemoryError
from ..devices.base import Device, state_bytes, state_dtype
from ..engine import Plan, RunSettings
from ..memory import MemoryNeed, host_free_bytes, memory_limit, plan_bytes, run_memory, sampling_workspace
from .comm import Communicator
from .exchange import exchange_bytes
from .sampling import GATHER_SAMPLE_QUBITS


def distributed_need(
    nqubits: int, global_qubits: int, settings: RunSettings, on_host: bool, operands: int = 0
) -> MemoryNeed:
    """What one rank of ``2**global_qubits`` needs: its share of the state and its workspace."""
    local = nqubits - global_qubits
    need = run_memory(local, settings.precision, method="statevector", plan_bytes=operands)
    workspace = need.workspace
    if global_qubits:
        workspace += exchange_bytes(local, np.dtype(state_dtype(settings.precision)).itemsize, on_host)
    if settings.method == "qasm":
        if nqubits <= GATHER_SAMPLE_QUBITS:
            workspace += state_bytes(nqubits, settings.precision) * (1 if on_host else 2)
            workspace += sampling_workspace(nqubits, settings.shots, settings.memory)
        else:
            workspace += sampling_workspace(local, settings.shots, settings.memory)
    return MemoryNeed(need.state, workspace)


def check_distributed_fits(device: Device, comm: Communicator, nqubits: int, settings: RunSettings, plan: Plan) -> int:
    """Raise ``InsufficientMemoryError`` on every rank unless every rank's share fits its device now.

    Returns the free memory every rank may assume for branch copies: the least any rank
    has, less the distributed workspace, so that every rank decides alike.
    """
    on_host = device.kind == "cpu"
    operands = plan_bytes(plan)
    need = distributed_need(nqubits, comm.global_qubits, settings, on_host, operands)
    free = device.free_bytes()
    gather = 0
    if settings.method == "statevector" and comm.rank == 0:
        gather = state_bytes(nqubits, settings.precision)
    reports = comm.allgather((free, memory_limit(free, settings.max_memory_mb), gather, host_free_bytes()))
    worst = min(range(comm.size), key=lambda rank: reports[rank][1])
    available = reports[worst][1]
    if need.total > available:
        more = _ranks_needed(nqubits, comm.global_qubits, settings, on_host, operands, available)
        share = state_bytes(nqubits - comm.global_qubits, settings.precision)
        advice = f"it would fit on {more} ranks like it" if more else "no number of ranks like it holds it"
        raise InsufficientMemoryError(
            need.total,
            available,
            device.kind,
            f"a {nqubits}-qubit state on {comm.size} rank(s) ({share} bytes of state per rank; "
            f"rank {worst} has the least room; {advice})",
            settings.precision,
        )
    _, _, gather, host_free = reports[0]
    if gather:
        host_need = gather + (need.total if on_host else 0)
        host_limit = memory_limit(host_free, settings.max_memory_mb)
        if host_need > host_limit:
            raise InsufficientMemoryError(
                host_need,
                host_limit,
                "cpu",
                f"gathering the {nqubits}-qubit statevector on rank 0 (get_statevector() returns it there; "
                "counts need no gather)",
                settings.precision,
            )
    least = min(report[0] for report in reports)
    return max(least - (need.workspace - operands), 0)


def _ranks_needed(
    nqubits: int, global_qubits: int, settings: RunSettings, on_host: bool, operands: int, available: int
) -> int | None:
    """The fewest ranks, each with ``available`` bytes, that would hold the run (None: none would)."""
    for more in range(global_qubits + 1, nqubits + 1):
        if distributed_need(nqubits, more, settings, on_host, operands).total <= available:
            return 1 << more
    return None
