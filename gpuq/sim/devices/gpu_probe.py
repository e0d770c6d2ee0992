"""Whether a CUDA GPU is usable through CuPy, asked without importing the GPU device.

``gpu.py`` and the modules of its kernels take about 10 ms to import; a run
on a machine without a GPU asks this question (``device="auto"``) and never
needs them. CuPy is imported only inside the probe, once per process.
"""

from __future__ import annotations

from functools import lru_cache

from ...exceptions import SimulationError

INSTALL_HINT = "install CuPy for your CUDA driver: pip install cupy-cuda13x (CUDA 13) or cupy-cuda12x (CUDA 12)"
"""What to do when CuPy is missing."""


def gpu_unavailable_reason() -> str | None:
    """None when CuPy imports and a CUDA device is present, else the reason the GPU is not usable."""
    return _probe()


@lru_cache(maxsize=1)
def _probe() -> str | None:
    try:
        import cupy
    except ImportError as exc:
        return f"CuPy is not installed ({exc}); {INSTALL_HINT}"
    except (RuntimeError, OSError) as exc:  # CuPy present but its CUDA libraries fail to load
        return f"CuPy failed to import: {exc}"
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except (RuntimeError, OSError) as exc:  # CUDARuntimeError derives from RuntimeError
        return f"CUDA driver error: {exc}"
    if count < 1:
        return "no CUDA device found"
    from .kernel_sources import kernels_dir

    try:
        kernels_dir()
    except SimulationError as exc:  # "kernel sources missing: ..."
        return str(exc)
    return None
