"""Touch free memory once before timing, so that no simulator pays for the machine's first touch.

On a virtual machine whose memory the hypervisor backs lazily (Firecracker,
here) the first write to a guest page that was never used since boot costs a
host fault: measured, 256 MiB took 0.5 to 0.8 s to touch the first time and
0.015 s afterwards, and the first pass of a 24-qubit double state took 537 ms
instead of 14 ms. Which simulator draws such pages is luck, so ``python -m
benchmarks`` touches, once per run, up to ``limit`` bytes of what the host has
available (all of it on a VM that was just booted) and records how long that
took; on a machine whose memory is already backed it takes a few
milliseconds per GiB.
"""

from __future__ import annotations

import time

import numpy as np

from gpuq.sim.memory import host_free_bytes

PAGE = 4096
RESERVE = 1 << 30
"""Bytes left untouched for the system."""


def prefault(limit: int) -> dict:
    """Write one byte per page of ``min(limit, available - RESERVE)`` bytes, held together, then free them."""
    size = max(0, min(limit, host_free_bytes() - RESERVE))
    start = time.perf_counter()
    held = []
    for offset in range(0, size, 1 << 30):
        chunk = np.empty(min(1 << 30, size - offset), dtype=np.uint8)
        chunk[::PAGE] = 1
        held.append(chunk)
    del held
    return {"bytes": size, "seconds": round(time.perf_counter() - start, 3)}
