"""``cupy.cuda.runtime``: device count, memory info, properties, versions, ``CUDARuntimeError``."""

from __future__ import annotations

from .. import memory


class CUDARuntimeError(RuntimeError):
    """CuPy's runtime error: built from a cudaError_t status."""

    def __init__(self, status: int) -> None:
        self.status = status
        super().__init__(f"cudaError {status}")


def _host_memory() -> tuple[int, int]:
    values = {}
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            key, value = line.split(":", 1)
            values[key] = int(value.split()[0]) * 1024
    return values.get("MemAvailable", 4 << 30), values.get("MemTotal", 8 << 30)


def getDeviceCount() -> int:
    return 1


def memGetInfo() -> tuple[int, int]:
    """(free, total): the capacity set in ``gpu_standin.memory`` less live arrays, else the host's memory."""
    limit = memory.capacity()
    if limit is None:
        return _host_memory()
    return limit - memory.used_bytes(), limit


def getDeviceProperties(device: int) -> dict:
    if device != 0:
        raise CUDARuntimeError(101)
    total = memory.capacity() or _host_memory()[1]
    return {
        "name": b"gpuq host stand-in (NumPy, H100-like attributes)",
        "totalGlobalMem": total,
        "multiProcessorCount": 132,
        "l2CacheSize": 50 * 2**20,
        "major": 9,
        "minor": 0,
    }


def runtimeGetVersion() -> int:
    return 13000


def driverGetVersion() -> int:
    return 13000
