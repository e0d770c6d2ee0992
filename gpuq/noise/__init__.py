"""Noise models with Qiskit Aer's constructors and meaning: a model written for Aer ports by changing the import.

``NoiseModel`` says which ``QuantumError`` follows which instruction and
which ``ReadoutError`` misreads which qubit; the functions build the standard
errors. Run a model with ``gpuq.execute(..., noise_model=model, method=...)``
(docs/noise.md).
"""

from .errors import QuantumError, kraus_error
from .model import NoiseModel
from .readout import ReadoutError
from .standard import (
    amplitude_damping_error,
    depolarizing_error,
    pauli_error,
    phase_damping_error,
    thermal_relaxation_error,
)

__all__ = [
    "NoiseModel",
    "QuantumError",
    "ReadoutError",
    "amplitude_damping_error",
    "depolarizing_error",
    "kraus_error",
    "pauli_error",
    "phase_damping_error",
    "thermal_relaxation_error",
]
