"""The CUDA devices CuPy sees, with their memory and CUDA versions: what ``gpuq doctor`` lists.

Kept apart from ``gpu.py`` (the device that runs states): this only reports.
"""

from __future__ import annotations

from typing import Any

from ...exceptions import SimulationError


def list_gpus() -> list[dict[str, Any]]:
    """Every CUDA device CuPy sees: index, name, free and total bytes, CUDA runtime and driver versions.

    Raises:
        SimulationError: CUDA failed while listing the devices.
    """
    import cupy

    runtime = cupy.cuda.runtime
    gpus = []
    try:
        for index in range(runtime.getDeviceCount()):
            with cupy.cuda.Device(index):
                free, total = runtime.memGetInfo()
            name = runtime.getDeviceProperties(index)["name"]
            gpus.append(
                {
                    "index": index,
                    "name": name.decode() if isinstance(name, bytes) else str(name),
                    "free_bytes": int(free),
                    "total_bytes": int(total),
                    "cuda_runtime": runtime.runtimeGetVersion(),
                    "cuda_driver": runtime.driverGetVersion(),
                }
            )
    except (RuntimeError, OSError) as exc:  # CUDA errors derive from RuntimeError
        raise SimulationError(f"CUDA error while listing devices: {exc}") from exc
    return gpus
