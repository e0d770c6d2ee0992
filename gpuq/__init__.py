"""gpuq: a quantum circuit simulator for GPU workstations that still serves laptops well.

Build a ``QuantumCircuit``, pick a backend by name from ``gpuq.Local`` (or
``gpuq.Cloud``), ``execute`` it, and read counts or states from the result.
"""

import typing

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
from .quantum_info import SparsePauliOp

if typing.TYPE_CHECKING:  # imported on first use (__getattr__), typed here
    from .providers.cloud import Cloud
    from .providers.local import Local

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
    """``Local`` and ``Cloud`` are imported on first use: the local engine (its job runner, preparation and
    simulation modules) and Cloud's HTTP client (requests) are not needed until a backend is asked for."""
    if name == "Local":
        from .providers.local import Local

        return Local
    if name == "Cloud":
        from .providers.cloud import Cloud

        return Cloud
    raise AttributeError(f"module 'gpuq' has no attribute {name!r}")
