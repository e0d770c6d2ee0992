"""The local simulators: qasm (counts), statevector and unitary, each optionally pinned to a device.

``qasm_simulator`` picks its device at run time; ``qasm_simulator_cpu`` and
``qasm_simulator_gpu`` always use that one. A name is fixed when the backend
is built.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any, ClassVar

from ...circuit.gates import GATES
from ...circuit.quantumcircuit import QuantumCircuit
from ...exceptions import BackendUnavailableError, InsufficientMemoryError
from ...models.backend import BackendConfiguration, BackendProperties, BackendStatus, GateConfig
from ...models.qobj import Qobj
from ...models.validation import load_qobj
from ...sim.devices.base import state_bytes
from ...sim.devices.select import gpu_unavailable_reason, requested_device
from ...sim.memory import HEADROOM, host_free_bytes, max_qubits
from ...sim.ops import lower_experiment
from ..base import BaseBackend, JobStatus
from .job import LocalJob
from .options import MAX_SHOTS, SimulatorOptions, check_option_names, resolve_options
from .runner import BACKEND_VERSION, run_qobj

_PARAM_NAMES = ("theta", "phi", "lam", "gamma")


def _gate_configs() -> list[GateConfig]:
    configs = []
    for spec in GATES.values():
        qubits = None if spec.num_controls is None else spec.num_qubits()
        configs.append(GateConfig(name=spec.name, parameters=list(_PARAM_NAMES[: spec.num_params]),
                                  num_qubits=qubits))
    configs.append(GateConfig(name="unitary", parameters=["matrix"]))
    return configs


class LocalSimulator(BaseBackend):
    """A simulator running on this machine; subclasses set the method and name."""

    method: ClassVar[str]
    base_name: ClassVar[str]
    summary: ClassVar[str]

    def __init__(self, provider=None, device: str | None = None):
        self._provider = provider
        self._pin = device
        self._options = SimulatorOptions()
        self._jobs: list[LocalJob] = []

    # ------------------------------------------------------------- identity
    def name(self) -> str:
        """``<method>_simulator`` plus ``_cpu`` / ``_gpu`` when pinned to a device."""
        return self.base_name + (f"_{self._pin}" if self._pin else "")

    @property
    def device(self) -> str:
        """The pinned device, or "auto"."""
        return self._pin or "auto"

    @property
    def options(self) -> SimulatorOptions:
        """The backend's default run options."""
        return self._options

    def set_options(self, **fields: Any) -> None:
        """Change default run options (validated; unknown names are rejected)."""
        check_option_names(fields)
        self._options = SimulatorOptions(**{**self._options.model_dump(), **fields})

    # ---------------------------------------------------------- description
    def _max_qubits(self) -> dict[str, int]:
        _, free = self._largest_device(self.device)
        factor = 2 if self.method == "unitary" else 1
        return {p: max_qubits(free, p) // factor for p in ("single", "double")}

    def configuration(self) -> BackendConfiguration:
        """Name, gates, and the largest qubit count that fits the memory in hand now."""
        limits = self._max_qubits()
        return BackendConfiguration(
            backend_name=self.name(), backend_version=BACKEND_VERSION, n_qubits=limits["double"],
            max_qubits=limits, basis_gates=sorted(GATES) + ["unitary"], gates=_gate_configs(),
            local=True, simulator=True, conditional=self.method != "unitary", memory=self.method == "qasm",
            max_shots=MAX_SHOTS if self.method == "qasm" else 1, coupling_map=None,
            description=self.summary, device=self.device)

    def properties(self) -> BackendProperties:
        """A noiseless simulator has no calibration data: empty lists, with the date of asking."""
        return BackendProperties(backend_name=self.name(), backend_version=BACKEND_VERSION,
                                 last_update_date=datetime.datetime.now(datetime.timezone.utc).isoformat())

    def status(self) -> BackendStatus:
        """Operational unless pinned to a GPU that is not usable (the message says why).

        ``pending_jobs`` counts the jobs waiting in the queue, as the job server does.
        """
        self._forget_finished_jobs()
        queued = sum(job.status() is JobStatus.QUEUED for job in self._jobs)
        reason = gpu_unavailable_reason() if self._pin == "gpu" else None
        message = "active" if reason is None else f"not operational: {reason}"
        return BackendStatus(backend_name=self.name(), backend_version=BACKEND_VERSION,
                             operational=reason is None, pending_jobs=queued, status_msg=message)

    # ------------------------------------------------------------------ run
    def run(self, qobj: Qobj | dict | QuantumCircuit | Sequence[QuantumCircuit], **options: Any) -> LocalJob:
        """Validate and submit a Qobj (or circuits, compiled here); returns the job at once.

        Raises:
            QobjValidationError: a bad Qobj or option, naming the field.
            BackendUnavailableError: the run needs a GPU that is not usable.
            InsufficientMemoryError: an experiment's state cannot fit the device.
        """
        if isinstance(qobj, QuantumCircuit) or (isinstance(qobj, (list, tuple)) and qobj
                                                 and all(isinstance(c, QuantumCircuit) for c in qobj)):
            from ...compiler import compile as compile_circuits

            qobj = compile_circuits(qobj, self, **options)
            options = {}
        qobj = load_qobj(qobj)
        resolved = resolve_options(qobj.config, self._options, options)
        self._validate(qobj, resolved)
        job = LocalJob(self, lambda should_stop, job_id: run_qobj(
            qobj, self.name(), self.method, self._pin, resolved, should_stop, job_id))
        job.submit()
        self._forget_finished_jobs()
        self._jobs.append(job)
        return job

    def _forget_finished_jobs(self) -> None:
        """Drop finished jobs from the queue count: a finished job holds its Result (a
        statevector can be most of the memory), which only the caller's job object should keep."""
        self._jobs = [job for job in self._jobs if not job.in_final_state()]

    def _validate(self, qobj: Qobj, options: SimulatorOptions) -> None:
        request, source = requested_device(self._pin, options.device)
        if request == "gpu":
            reason = gpu_unavailable_reason()
            if reason is not None:
                raise BackendUnavailableError(f"{self.name()}: the GPU was {source} but is not usable: {reason}")
        limits = self._max_qubits()
        for index, experiment in enumerate(qobj.experiments):
            lower_experiment(experiment, index, allow_nonunitary=self.method != "unitary")
            if experiment.config.n_qubits > limits[options.precision]:
                nqubits = experiment.config.n_qubits * (2 if self.method == "unitary" else 1)
                device, free = self._largest_device(request)
                raise InsufficientMemoryError(state_bytes(nqubits, options.precision), int(free * HEADROOM), device,
                                              f"experiment {experiment.header.name!r} ({nqubits}-qubit state)")

    def _largest_device(self, request: str) -> tuple[str, int]:
        """The device with the most free memory among those the request allows, and that memory."""
        candidates = []
        if request != "gpu":
            candidates.append(("cpu", host_free_bytes()))
        if request != "cpu" and gpu_unavailable_reason() is None:
            from ...sim.devices.select import gpu_device

            candidates.append(("gpu", gpu_device().free_bytes()))
        return max(candidates, key=lambda item: item[1], default=("gpu", 0))


class QasmSimulator(LocalSimulator):
    """Counts (and per-shot memory) from shots."""

    method = "qasm"
    base_name = "qasm_simulator"
    summary = "Shot-based simulator: counts and per-shot memory, mid-circuit measurement, reset and conditions."


class StatevectorSimulator(LocalSimulator):
    """The final statevector of one run."""

    method = "statevector"
    base_name = "statevector_simulator"
    summary = "Returns the final statevector of one run (measurements collapse it)."


class UnitarySimulator(LocalSimulator):
    """The unitary matrix of a circuit of gates."""

    method = "unitary"
    base_name = "unitary_simulator"
    summary = "Returns the unitary matrix of a circuit made only of gates."
