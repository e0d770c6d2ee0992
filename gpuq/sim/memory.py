"""Check that a run fits before anything is allocated."""

from __future__ import annotations

from ..exceptions import InsufficientMemoryError
from .devices.base import Device, state_bytes

HEADROOM = 0.9
"""Fraction of the free memory a run may plan to use; the rest is left to the system."""


def required_bytes(nqubits: int, precision: str, copies: int = 1, sample_qubits: int = 0) -> int:
    """Bytes a run needs: ``copies`` states plus, when sampling, one float64 probability array."""
    probabilities = (8 << sample_qubits) if sample_qubits else 0
    return copies * state_bytes(nqubits, precision) + probabilities


def check_fits(device: Device, needed: int, what: str = "statevector") -> None:
    """Raise ``InsufficientMemoryError`` when ``needed`` bytes exceed the device's usable free memory."""
    available = int(device.free_bytes() * HEADROOM)
    if needed > available:
        raise InsufficientMemoryError(needed, available, device.kind, what)


def max_qubits(free_bytes: int, precision: str) -> int:
    """The largest statevector (in qubits) that fits ``free_bytes`` with the headroom kept."""
    usable = free_bytes * HEADROOM
    n = 0
    while state_bytes(n + 1, precision) <= usable and n < 64:
        n += 1
    return n


def host_free_bytes() -> int:
    """Memory the host can give a new state now (MemAvailable), without importing Numba."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        import os

        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 4 << 30
