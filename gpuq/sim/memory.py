"""What a run needs in memory, counted before anything is allocated, and whether it fits.

One policy on every device: a run needs its **state** (``2**n`` amplitudes;
``4**n`` for a unitary or a density matrix; several states when measurement
branches keep copies) plus a bounded **workspace** (the sampler's chunk
buffers, the fused plan's matrices, per-shot arrays), and it may use at most
the device's free memory less a fixed **headroom** (``HEADROOM_BYTES``) kept for the system, and
at most ``max_memory_mb`` (a run option) or ``GPUQ_MAX_MEMORY_MB`` when set.

Sampling and marginals never hold a probability per amplitude
(``cpu_kernels.sample``): the workspace is ``SAMPLE_CHUNK`` floats, one float
per chunk, and a few-qubit marginal, whatever the number of measured qubits.
So the largest advertised state is the largest whose state plus that
workspace fits, with every qubit measured (``largest_qubits``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from ..exceptions import InsufficientMemoryError, QobjValidationError
from .devices.base import state_bytes

SAMPLE_CHUNK = 1 << 18
"""Outcomes per chunk when a marginal must be summed per outcome: a 2 MiB float64 buffer."""

HISTOGRAM_OUTCOMES = 1 << 12
"""Largest marginal computed whole (``cpu_kernels.measure._HISTOGRAM_LIMIT``)."""

HISTOGRAM_BYTES = (64 + 2) * HISTOGRAM_OUTCOMES * 8
"""A few-qubit marginal: 64 per-slice histograms, the marginal, and its bit-reordered copy (float64)."""

SHOT_BYTES = 40
"""Per shot, drawing and tallying: exponential draws and their running sums (float64), outcomes
(int64), and the tally's temporaries (a shifted copy, differences, a bool mask); 24 B/shot measured
with tracemalloc for 200,000 shots without memory."""

MEMORY_SHOT_BYTES = 160
"""Per shot, with ``memory=True``: the engine's per-shot (value, 1) leaves and hex strings;
142 B/shot measured with tracemalloc for 200,000 shots of a 10-qubit circuit."""

HEADROOM_BYTES = 256 << 20
"""Bytes of a device's free memory a run leaves alone (interpreter, allocator slack, the OS)."""

MAX_MEMORY_ENV = "GPUQ_MAX_MEMORY_MB"
"""Environment variable capping a run's memory, in MiB, when the run option is not given."""

_MIB = 1 << 20


@dataclass(frozen=True)
class MemoryNeed:
    """Bytes a run allocates: ``state`` (every state alive at once) and ``workspace``."""

    state: int
    workspace: int

    @property
    def total(self) -> int:
        """``state + workspace``: what must fit under the limit (``memory_limit``)."""
        return self.state + self.workspace


def sampling_workspace(nmeasured: int, shots: int, memory: bool = False, chunk: int = SAMPLE_CHUNK) -> int:
    """Bytes of workspace to draw ``shots`` outcomes of ``nmeasured`` qubits from one state.

    The larger of the two marginal strategies (a few-qubit marginal computed
    whole, or a chunk buffer), one float per chunk, and the per-shot arrays.
    """
    outcomes = 1 << nmeasured
    if outcomes <= HISTOGRAM_OUTCOMES:
        marginal = HISTOGRAM_BYTES
    else:
        marginal = 8 * min(chunk, outcomes)
    ends = 8 * -(-outcomes // min(chunk, outcomes))
    per_shot = SHOT_BYTES + (MEMORY_SHOT_BYTES if memory else 0)
    return marginal + ends + per_shot * shots


def branch_copies(splits: int, shots: int) -> int:
    """States alive at once when ``splits`` measurements or resets branch ``shots`` shots depth first."""
    return 1 + min(splits, max(shots - 1, 0))


def run_memory(
    nqubits: int,
    precision: str,
    *,
    method: str = "qasm",
    measured: int | None = None,
    shots: int = 0,
    memory: bool = False,
    copies: int = 1,
    plan_bytes: int = 0,
    chunk: int = SAMPLE_CHUNK,
) -> MemoryNeed:
    """What one experiment needs: its states and its workspace, in bytes.

    Args:
        nqubits: the circuit's qubits.
        precision: "single" or "double".
        method: "qasm" or "statevector" (``2**n`` amplitudes), "unitary" or
            "density_matrix" (``4**n``).
        measured: qubits sampled at the end (default: all of them for "qasm",
            none otherwise).
        shots: shots drawn; memory: whether per-shot outcomes are kept.
        copies: states alive at once (``branch_copies`` for a branching run).
        plan_bytes: bytes of the fused plan's operands (``plan_bytes``), when known.
        chunk: the sampler's chunk, in outcomes.
    """
    if method in ("unitary", "density_matrix"):
        one_state = state_bytes(2 * nqubits, precision)
    else:
        one_state = state_bytes(nqubits, precision)
    if measured is None:
        measured = nqubits if method == "qasm" else 0
    workspace = plan_bytes
    if method == "unitary":
        workspace += one_state  # engine.unitary builds the identity on the host, then copies it in
    if measured:
        sampled_qubits = 2 * nqubits if method == "density_matrix" else nqubits
        workspace += sampling_workspace(min(measured, sampled_qubits), shots, memory, chunk)
    return MemoryNeed(state=copies * one_state, workspace=workspace)


def plan_bytes(plan) -> int:
    """Bytes held by the operands (fused matrices, diagonals, permutations) of a plan's operations."""
    return sum(getattr(getattr(op, "operand", None), "nbytes", 0) for op in plan)


def memory_cap(max_memory_mb: float | None = None, environ: Mapping[str, str] = os.environ) -> int | None:
    """The cap in bytes: ``max_memory_mb`` when given, else ``GPUQ_MAX_MEMORY_MB`` when set, else None.

    Raises:
        QobjValidationError: a cap that is not a positive number of MiB (naming the option or variable).
    """
    value: float | str
    if max_memory_mb is not None:
        source, value = "max_memory_mb", max_memory_mb
    elif environ.get(MAX_MEMORY_ENV, "").strip():
        source, value = MAX_MEMORY_ENV, environ[MAX_MEMORY_ENV]
    else:
        return None
    try:
        megabytes = float(value)
    except (TypeError, ValueError):
        megabytes = float("nan")
    if not megabytes > 0 or megabytes == float("inf"):
        raise QobjValidationError(f"must be a positive number of MiB, not {value!r}", path=source)
    return int(megabytes * _MIB)


def memory_limit(free_bytes: int, max_memory_mb: float | None = None, environ: Mapping[str, str] = os.environ) -> int:
    """Bytes a run may allocate on a device with ``free_bytes`` free: less ``HEADROOM_BYTES``, and under the cap."""
    limit = max(free_bytes - HEADROOM_BYTES, 0)
    cap = memory_cap(max_memory_mb, environ)
    return limit if cap is None else min(limit, cap)


def check_memory(
    need: MemoryNeed,
    free_bytes: int,
    device: str,
    what: str = "statevector",
    max_memory_mb: float | None = None,
    environ: Mapping[str, str] = os.environ,
    precision: str | None = None,
) -> None:
    """Raise ``InsufficientMemoryError`` (bytes needed and available) when ``need`` does not fit.

    Args:
        need: from ``run_memory``.
        free_bytes: the device's free memory now (``Device.free_bytes()``).
        device: "cpu" or "gpu", for the message.
        what: what is being sized, for the message (e.g. ``experiment 'ghz' (30 qubits)``).
    """
    available = memory_limit(free_bytes, max_memory_mb, environ)
    if need.total > available:
        cap = memory_cap(max_memory_mb, environ)
        if cap is not None and cap <= max(free_bytes - HEADROOM_BYTES, 0):
            what = f"{what}, capped by {'max_memory_mb' if max_memory_mb is not None else MAX_MEMORY_ENV},"
        raise InsufficientMemoryError(need.total, available, device, what, precision)


def largest_qubits(
    free_bytes: int,
    precision: str,
    *,
    method: str = "qasm",
    shots: int = 1024,
    memory: bool = False,
    max_memory_mb: float | None = None,
    environ: Mapping[str, str] = os.environ,
) -> int:
    """The most qubits whose run fits ``free_bytes`` with every qubit measured (0 when none fits)."""
    available = memory_limit(free_bytes, max_memory_mb, environ)
    n = 0
    while n < 64 and run_memory(n + 1, precision, method=method, shots=shots, memory=memory).total <= available:
        n += 1
    return n


def host_free_bytes() -> int:
    """Memory the host can give a new state now (MemAvailable), without importing Numba."""
    return _host_memory("MemAvailable", "SC_AVPHYS_PAGES")


def host_total_bytes() -> int:
    """The host's physical memory (MemTotal)."""
    return _host_memory("MemTotal", "SC_PHYS_PAGES")


def _host_memory(meminfo_field: str, sysconf_pages: str) -> int:
    """A field of /proc/meminfo in bytes; elsewhere the ``sysconf`` page count; 4 GiB when neither answers."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith(meminfo_field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf(sysconf_pages) * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 4 << 30
