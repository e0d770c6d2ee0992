"""gpuq: a quantum circuit simulator for GPU workstations that still serves laptops well.

Build a ``QuantumCircuit``, pick a backend by name from ``gpuq.Local`` (or
``gpuq.Cloud``), ``execute`` it, and read counts or states from the result.
"""

from ._version import __version__ as __version__
from .circuit import ClassicalRegister, Parameter, ParameterVector, QuantumCircuit, QuantumRegister
from .compiler import compile, execute
from .diagnose import diagnose
from .exceptions import (
    AccountError,
    BackendNotFoundError,
    BackendUnavailableError,
    CircuitError,
    CloudError,
    GpuqError,
    InsufficientMemoryError,
    JobCancelledError,
    JobError,
    JobTimeoutError,
    QasmError,
    QobjValidationError,
    SimulationError,
)
from .models import Qobj, Result
from .providers import JobStatus
from .providers.local import Local
from .quantum_info import SparsePauliOp

__all__ = [
    "AccountError",
    "BackendNotFoundError",
    "BackendUnavailableError",
    "CircuitError",
    "ClassicalRegister",
    "Cloud",
    "CloudError",
    "GpuqError",
    "InsufficientMemoryError",
    "JobCancelledError",
    "JobError",
    "JobStatus",
    "JobTimeoutError",
    "Local",
    "Parameter",
    "ParameterVector",
    "QasmError",
    "Qobj",
    "QobjValidationError",
    "QuantumCircuit",
    "QuantumRegister",
    "Result",
    "SimulationError",
    "SparsePauliOp",
    "compile",
    "diagnose",
    "execute",
]


def __getattr__(name: str) -> object:
    """``Cloud`` is imported on first use: its HTTP client (requests) took a quarter of ``import gpuq``."""
    if name == "Cloud":
        from .providers.cloud import Cloud

        return Cloud
    raise AttributeError(f"module 'gpuq' has no attribute {name!r}")
