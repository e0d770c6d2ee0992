"""How much memory a run may use on the devices a request allows, and whether a state fits.

The budget of a run on a device is its free memory times the headroom, lowered
to the cap when one is set (the ``max_memory_mb`` run option, else the
``GPUQ_MAX_MEMORY_MB`` environment variable). ``fit_check`` is what ``run()``
asks before a job exists; the engine checks again before allocating.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

from ..exceptions import QobjValidationError
from .memory import HEADROOM, host_free_bytes, required_bytes

PRECISIONS = ("single", "double")

MEMORY_CAP_ENV = "GPUQ_MAX_MEMORY_MB"
"""Environment variable capping what any run may use, in MiB."""


@dataclass(frozen=True)
class Shortfall:
    """A run that does not fit: bytes it needs, bytes the best allowed device gives it, and that device."""

    needed: int
    available: int
    device: str


def memory_cap_bytes(max_memory_mb: int | None) -> int | None:
    """The cap on a run's memory in bytes: the option, else ``GPUQ_MAX_MEMORY_MB``, else None.

    Raises:
        QobjValidationError: ``GPUQ_MAX_MEMORY_MB`` is not a positive integer.
    """
    if max_memory_mb is not None:
        return max_memory_mb << 20
    text = os.environ.get(MEMORY_CAP_ENV, "").strip()
    if not text:
        return None
    if not text.isdigit() or int(text) < 1:
        raise QobjValidationError(f"{MEMORY_CAP_ENV}={text!r} is not a positive whole number of MiB", MEMORY_CAP_ENV)
    return int(text) << 20


def device_budgets(request: str, max_memory_mb: int | None = None) -> dict[str, int]:
    """Bytes a run may use on each device the request allows (``"auto"`` allows both)."""
    budgets: dict[str, int] = {}
    if request != "gpu":
        budgets["cpu"] = int(host_free_bytes() * HEADROOM)
    if request != "cpu":
        from .devices.select import gpu_device, gpu_unavailable_reason

        budgets["gpu"] = int(gpu_device().free_bytes() * HEADROOM) if gpu_unavailable_reason() is None else 0
    cap = memory_cap_bytes(max_memory_mb)
    return {device: min(budget, cap) if cap is not None else budget for device, budget in budgets.items()}


def fit_check(state_qubits: int, precision: str, request: str, max_memory_mb: int | None = None) -> Shortfall | None:
    """None when a ``state_qubits`` state (sampled, every qubit measured) fits one allowed device, else why not."""
    needed = required_bytes(state_qubits, precision)
    budgets = device_budgets(request, max_memory_mb)
    device, available = max(budgets.items(), key=lambda item: item[1])
    return None if needed <= available else Shortfall(needed, available, device)


def largest_fitting(budget: int, precision: str, unitary: bool = False) -> int:
    """The most circuit qubits whose run (sampled, every qubit measured; a unitary's 4^n) fits ``budget`` bytes."""
    per_qubit = 2 if unitary else 1
    n = 0
    while n < 64 and required_bytes(per_qubit * (n + 1), precision) <= budget:
        n += 1
    return n


def available_max_qubits(request: str, unitary: bool = False, max_memory_mb: int | None = None) -> dict[str, int]:
    """The largest circuit per precision that fits the memory free now on the devices the request allows."""
    budget = max(device_budgets(request, max_memory_mb).values())
    return {precision: largest_fitting(budget, precision, unitary) for precision in PRECISIONS}


def machine_max_qubits(request: str, unitary: bool = False) -> dict[str, int]:
    """The largest circuit per precision this machine holds: its total memory (a GPU's free memory when
    first asked), within the headroom and ``GPUQ_MAX_MEMORY_MB``."""
    budget = _machine_budget(request)
    cap = memory_cap_bytes(None)
    if cap is not None:
        budget = min(budget, cap)
    return {precision: largest_fitting(budget, precision, unitary) for precision in PRECISIONS}


@lru_cache(maxsize=None)
def _machine_budget(request: str) -> int:
    """Bytes a run may plan on the largest device the request allows; measured once per process."""
    budgets = []
    if request != "gpu":
        budgets.append(int(host_total_bytes() * HEADROOM))
    if request != "cpu":
        from .devices.select import gpu_device, gpu_unavailable_reason

        budgets.append(int(gpu_device().free_bytes() * HEADROOM) if gpu_unavailable_reason() is None else 0)
    return max(budgets)


def host_total_bytes() -> int:
    """The host's physical memory (MemTotal)."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
