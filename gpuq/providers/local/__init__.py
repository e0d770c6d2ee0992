"""Local simulators: provider, backends, jobs and options."""

from .backends import LocalSimulator, QasmSimulator, StatevectorSimulator, UnitarySimulator
from .job import LocalJob
from .provider import Local, LocalProvider

__all__ = [
    "Local",
    "LocalJob",
    "LocalProvider",
    "LocalSimulator",
    "QasmSimulator",
    "StatevectorSimulator",
    "UnitarySimulator",
]
