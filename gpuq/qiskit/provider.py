"""``GpuqProvider``: gpuq's local simulators as Qiskit backends, by the names of ``gpuq.Local``.

Scripts that switch backends by name keep doing so: ``qasm_simulator``,
``qasm_simulator_cpu``, ``statevector_simulator_gpu``, ... Each call hands out
a new ``GpuqSimulator``, as ``gpuq.Local`` does, so options set on one never
reach another.
"""

from __future__ import annotations

from typing import Any

from ..providers.local import Local
from .backend import GpuqSimulator


class GpuqProvider:
    """Hands out ``GpuqSimulator`` backends by name."""

    def backends(self, name: str | None = None, **kwargs: Any) -> list[GpuqSimulator]:
        """Every backend (or those named ``name``); ``kwargs`` filter on ``gpuq.Local``'s terms."""
        return [GpuqSimulator(backend.name(), provider=self) for backend in Local.backends(name, **kwargs)]

    def get_backend(self, name: str = "qasm_simulator", **kwargs: Any) -> GpuqSimulator:
        """The backend called ``name``.

        Raises:
            BackendNotFoundError: no such backend; the message lists the names that exist.
        """
        return GpuqSimulator(Local.get_backend(name, **kwargs).name(), provider=self)

    def __repr__(self) -> str:
        return "<GpuqProvider>"
