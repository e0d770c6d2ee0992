"""``cupy.cuda``: one H100-like device, its current stream; submodules runtime, memory, driver, compiler."""

from __future__ import annotations

from . import compiler, driver, memory_errors, runtime  # noqa: F401

memory = memory_errors  # ``cupy.cuda.memory.OutOfMemoryError``

ATTRIBUTES = {
    "MultiProcessorCount": 132,
    "MaxThreadsPerMultiProcessor": 2048,
    "L2CacheSize": 50 * 2**20,
    "MaxThreadsPerBlock": 1024,
    "MaxGridDimX": 2**31 - 1,
    "WarpSize": 32,
}
"""Device attributes of an H100 SXM, by CuPy's names."""


class Device:
    """``cupy.cuda.Device``: only device 0 exists."""

    def __init__(self, device=None) -> None:
        self.id = 0 if device is None else int(device)
        if self.id != 0:
            raise runtime.CUDARuntimeError(101)  # cudaErrorInvalidDevice

    @property
    def attributes(self) -> dict[str, int]:
        return dict(ATTRIBUTES)

    def synchronize(self) -> None:
        """Kernels run synchronously on the host: nothing to wait for."""

    def use(self) -> None:
        """Make this device current (there is only device 0, always current)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None


class Stream:
    """The current stream: kernels already ran when their call returned."""

    def synchronize(self) -> None:
        return None


_STREAM = Stream()


def get_current_stream() -> Stream:
    return _STREAM


def alloc_pinned_memory(nbytes: int) -> bytearray:
    """Page-locked host memory, as host bytes; counted in ``gpu_standin.memory.pinned_bytes``."""
    from .. import memory as device_memory

    device_memory.count_pinned(nbytes)
    return bytearray(nbytes)
