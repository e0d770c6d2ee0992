"""``gpuq.Local``: the simulators on this machine."""

from __future__ import annotations

from ..base import BaseProvider
from .backends import LocalSimulator, QasmSimulator, StatevectorSimulator, UnitarySimulator


class LocalProvider(BaseProvider):
    """Offers every local simulator, unpinned and pinned to the CPU or the GPU."""

    def __init__(self):
        self._backends: list[LocalSimulator] = [
            cls(self, device)
            for cls in (QasmSimulator, StatevectorSimulator, UnitarySimulator)
            for device in (None, "cpu", "gpu")
        ]

    def _all_backends(self) -> list[LocalSimulator]:
        return list(self._backends)

    def __repr__(self) -> str:
        return "<LocalProvider>"


Local = LocalProvider()
"""The provider of local simulators."""
