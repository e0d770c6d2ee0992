"""``cupy.cuda.memory``: ``OutOfMemoryError`` as CuPy builds it, and the default memory pool."""

from __future__ import annotations

from .. import memory


class OutOfMemoryError(MemoryError):
    """CuPy's out-of-memory error: ``args`` holds only the message."""

    def __init__(self, size: int, total: int, limit: int = 0) -> None:
        msg = f"Out of memory allocating {size:,} bytes (allocated so far: {total:,} bytes)."
        super().__init__(msg)


class MemoryPool:
    """The default pool: nothing is cached, and ``free_all_blocks`` calls are counted for tests."""

    def __init__(self) -> None:
        self.freed_all = 0

    def free_bytes(self) -> int:
        return 0

    def used_bytes(self) -> int:
        return memory.used_bytes()

    def total_bytes(self) -> int:
        return memory.used_bytes()

    def free_all_blocks(self) -> None:
        self.freed_all += 1


POOL = MemoryPool()
