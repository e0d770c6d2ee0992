"""How a GPU rank's state reaches MPI: device buffers for a CUDA-aware MPI, page-locked host buffers otherwise.

A distributed swap trades half of every rank's slice with a partner rank, in
messages of bounded size (``sim/distributed/exchange.py``). A CUDA-aware MPI
reads and writes device memory itself (over NVLink or GPUDirect RDMA where the
hardware has them), so a contiguous part of the state goes to it as it is.
Any other MPI needs host memory: the part is copied into a page-locked (pinned)
host buffer, which the GPU's copy engine fills at full link speed and which
the MPI library sends without another copy, and the partner's part comes back
the same way. Each stage is made for one swap, sized for its largest message,
and reused for every message of it, so a swap allocates once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .base import ExchangeStage


class DeviceStage(ExchangeStage):
    """Parts go to a CUDA-aware MPI in device memory (a non-contiguous part through one device buffer)."""

    path = "device buffers (CUDA-aware MPI)"

    def __init__(self, cupy: Any, amplitudes: int, dtype: np.dtype):
        self._cupy = cupy
        self._amplitudes = amplitudes
        self._dtype = dtype
        self._device: Any = None

    def trade(self, part: Any, swap: Callable[[Any], None]) -> None:
        buffer = self._contiguous(part)
        self._cupy.cuda.get_current_stream().synchronize()  # MPI reads the memory outside CuPy's stream
        swap(buffer)
        if buffer is not part:
            part[...] = buffer

    def _contiguous(self, part: Any) -> Any:
        """``part`` itself when contiguous, else a copy of it in the stage's device buffer."""
        if part.flags.c_contiguous:
            return part
        if self._device is None:
            self._device = self._cupy.empty(self._amplitudes, dtype=self._dtype)
        buffer = self._device[: part.size].reshape(part.shape)
        buffer[...] = part
        return buffer


class PinnedStage(DeviceStage):
    """Parts go to MPI through one page-locked host buffer: device to host, exchange, host to device."""

    path = "pinned host buffers"

    def __init__(self, cupy: Any, amplitudes: int, dtype: np.dtype):
        super().__init__(cupy, amplitudes, dtype)
        memory = cupy.cuda.alloc_pinned_memory(amplitudes * dtype.itemsize)
        self._host = np.ndarray((amplitudes,), dtype=dtype, buffer=memory)

    def trade(self, part: Any, swap: Callable[[Any], None]) -> None:
        device = self._contiguous(part)
        host = self._host[: part.size].reshape(part.shape)
        device.get(out=host)
        swap(host)
        device.set(host)
        if device is not part:
            part[...] = device
