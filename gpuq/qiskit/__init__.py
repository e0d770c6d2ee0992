"""gpuq inside Qiskit 2.x: a ``BackendV2`` simulator, a provider, and native ``SamplerV2`` / ``EstimatorV2``.

Switching a script from Qiskit Aer is one line::

    from gpuq.qiskit import GpuqSimulator      # instead of: from qiskit_aer import AerSimulator
    backend = GpuqSimulator()                  # instead of: AerSimulator()

Qiskit circuits are converted to gpuq's in memory (no QASM text), all the
circuits of one ``run()`` go into one gpuq job, and results come back as
``qiskit.result.Result`` formatted as Aer formats them. This module needs
Qiskit (``pip install "gpuq-sim[qiskit]"``); the rest of gpuq never imports it.
"""

from __future__ import annotations

try:
    import qiskit as _qiskit
except ImportError as _exc:  # pragma: no cover - exercised only without Qiskit
    raise ImportError(
        'gpuq.qiskit needs Qiskit 2.x: pip install "gpuq-sim[qiskit]" (or pip install "qiskit>=2.1")'
    ) from _exc

if int(_qiskit.__version__.split(".")[0]) < 2:  # pragma: no cover - exercised only with an old Qiskit
    raise ImportError(
        f"gpuq.qiskit needs Qiskit 2.x, found {_qiskit.__version__}: "
        'pip install "gpuq-sim[qiskit]" (or pip install "qiskit>=2.1,<3")'
    )

from .backend import GpuqSimulator
from .convert import UnsupportedInstructionError
from .estimator import EstimatorV2
from .instructions import SaveStatevector, save_statevector
from .job import GpuqJob
from .provider import GpuqProvider
from .sampler import SamplerV2

__all__ = [
    "EstimatorV2",
    "GpuqJob",
    "GpuqProvider",
    "GpuqSimulator",
    "SamplerV2",
    "SaveStatevector",
    "UnsupportedInstructionError",
    "save_statevector",
]
