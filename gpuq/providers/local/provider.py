"""``gpuq.Local``: the simulators on this machine."""

from __future__ import annotations

from ..base import BaseBackend, BaseProvider
from .backends import QasmSimulator, StatevectorSimulator, UnitarySimulator


class LocalProvider(BaseProvider):
    """Offers every local simulator, unpinned and pinned to the CPU or the GPU.

    Every call hands out new backend objects (as Qiskit Aer does), so options
    one script sets on its backend never change another's.
    """

    def _all_backends(self) -> list[BaseBackend]:
        return [
            cls(self, device)
            for cls in (QasmSimulator, StatevectorSimulator, UnitarySimulator)
            for device in (None, "cpu", "gpu")
        ]

    def __repr__(self) -> str:
        return "<LocalProvider>"


Local = LocalProvider()
"""The provider of local simulators."""
