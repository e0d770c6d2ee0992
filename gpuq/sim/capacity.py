"""Which device can hold a run, and the largest circuit a backend advertises.

The counting is ``memory.py``'s (state + workspace, under free memory less the
headroom and the ``max_memory_mb`` / ``GPUQ_MAX_MEMORY_MB`` cap); this module
applies it to the devices a request allows. ``check_run_fits`` is what
``prepare()`` asks before a job exists; the engine checks again before
allocating.
"""

from __future__ import annotations

from functools import cache

from .memory import check_memory, host_total_bytes, largest_qubits, memory_limit, run_memory

PRECISIONS = ("single", "double")


def device_free_bytes(request: str) -> dict[str, int]:
    """Free memory now on each device the request allows (``"auto"`` allows both; an unusable GPU has none)."""
    free: dict[str, int] = {}
    if request != "gpu":
        from .memory import host_free_bytes

        free["cpu"] = host_free_bytes()
    if request != "cpu":
        from .devices.select import gpu_device, gpu_unavailable_reason

        free["gpu"] = gpu_device().free_bytes() if gpu_unavailable_reason() is None else 0
    return free


def check_run_fits(
    nqubits: int,
    precision: str,
    method: str,
    free: dict[str, int],
    what: str,
    *,
    shots: int = 0,
    memory: bool = False,
    copies: int = 1,
    max_memory_mb: int | None = None,
) -> None:
    """Raise ``InsufficientMemoryError`` unless the run (every qubit measured on the qasm method) fits the
    allowed device with the most room; ``free`` is ``device_free_bytes(request)``, read once per job."""
    need = run_memory(nqubits, precision, method=method, shots=shots, memory=memory, copies=copies)
    device = max(free, key=lambda name: memory_limit(free[name], max_memory_mb))
    check_memory(need, free[device], device, what, max_memory_mb, precision=precision)


def available_max_qubits(request: str, method: str = "qasm", max_memory_mb: int | None = None) -> dict[str, int]:
    """The largest circuit per precision that fits the memory free now on the devices the request allows."""
    free = max(device_free_bytes(request).values())
    return {p: largest_qubits(free, p, method=method, max_memory_mb=max_memory_mb) for p in PRECISIONS}


def machine_max_qubits(request: str, method: str = "qasm") -> dict[str, int]:
    """The largest circuit per precision this machine holds: its total memory (a GPU's free memory when
    first asked) less the headroom, under ``GPUQ_MAX_MEMORY_MB``."""
    memory = _machine_bytes(request)
    return {p: largest_qubits(memory, p, method=method) for p in PRECISIONS}


@cache
def _machine_bytes(request: str) -> int:
    """Memory of the largest device the request allows; measured once per process."""
    sizes = []
    if request != "gpu":
        sizes.append(host_total_bytes())
    if request != "cpu":
        from .devices.select import gpu_device, gpu_unavailable_reason

        sizes.append(gpu_device().free_bytes() if gpu_unavailable_reason() is None else 0)
    return max(sizes)
