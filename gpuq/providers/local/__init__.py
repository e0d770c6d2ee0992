"""Local simulators: provider, backends, jobs and options."""

from .backends import LocalSimulator, QasmSimulator, StatevectorSimulator, UnitarySimulator
from .job import LocalJob
from .options import SimulatorOptions
from .provider import Local, LocalProvider

__all__ = ["Local", "LocalJob", "LocalProvider", "LocalSimulator", "QasmSimulator", "SimulatorOptions",
           "StatevectorSimulator", "UnitarySimulator"]
