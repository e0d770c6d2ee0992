"""Which device runs an experiment, and why.

Precedence, first match wins: the device a backend's name pins
(``qasm_simulator_gpu``), the ``device`` run option, the ``GPUQ_DEVICE``
environment variable, then ``"auto"``. Under ``"auto"`` the GPU is taken when
CuPy imports, a CUDA device exists and the state fits its free memory;
otherwise the CPU. Asking for ``"gpu"`` where there is none is a
``BackendUnavailableError``, never a silent fallback.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

from ...exceptions import BackendUnavailableError, QobjValidationError
from .base import Device
from .gpu_probe import gpu_unavailable_reason

DEVICE_NAMES = ("auto", "cpu", "gpu")
ENV_VAR = "GPUQ_DEVICE"


@dataclass(frozen=True)
class DeviceChoice:
    """A device picked for a run.

    Attributes:
        device: the device.
        reason: why it was picked, for the result's metadata.
        auto: True when picked by the auto policy (a GPU failure may then fall back to the CPU).
    """

    device: Device
    reason: str
    auto: bool


def requested_device(pin: str | None, option: str | None) -> tuple[str, str]:
    """Resolve the device request and say where it came from.

    Raises:
        QobjValidationError: a conflicting option, or a bad ``GPUQ_DEVICE``.
    """
    if pin is not None:
        if option not in (None, "auto", pin):
            raise QobjValidationError(
                f"device {option!r} conflicts with this backend, which is pinned to {pin!r}", "config.device"
            )
        return pin, "pinned by the backend name"
    if option is not None:
        return option, "asked for with the device option"
    env = os.environ.get(ENV_VAR, "").strip().lower()
    if env:
        if env not in DEVICE_NAMES:
            raise QobjValidationError(f"{ENV_VAR}={env!r} is not one of {', '.join(DEVICE_NAMES)}", ENV_VAR)
        return env, f"set by {ENV_VAR}"
    return "auto", "default"


@lru_cache(maxsize=1)
def cpu_device() -> Device:
    """The process's CPU device."""
    from .cpu import CpuDevice

    return CpuDevice()


@lru_cache(maxsize=1)
def gpu_device() -> Device:
    """The process's GPU device (modules compile lazily, once per process)."""
    from .gpu import GpuDevice

    return GpuDevice()


def choose_device(request: str, source: str, needed_bytes: int, max_memory_mb: int | None = None) -> DeviceChoice:
    """Pick the device for a run of ``needed_bytes`` (``memory.run_memory``'s total).

    Raises:
        BackendUnavailableError: the GPU was asked for and is not usable.
    """
    if request == "cpu":
        return DeviceChoice(cpu_device(), f"cpu {source}", auto=False)
    reason = gpu_unavailable_reason()
    if request == "gpu":
        if reason is not None:
            raise BackendUnavailableError(f"the GPU was {source} but is not usable: {reason}")
        return DeviceChoice(gpu_device(), f"gpu {source}", auto=False)
    if reason is not None:
        return DeviceChoice(cpu_device(), f"auto: no usable GPU ({reason})", auto=True)
    gpu = gpu_device()
    from ..memory import memory_limit

    if needed_bytes > memory_limit(gpu.free_bytes(), max_memory_mb):
        return DeviceChoice(
            cpu_device(), f"auto: the state needs {needed_bytes} bytes, more than the GPU has free", auto=True
        )
    return DeviceChoice(gpu, "auto: a GPU is present and the state fits", auto=True)
