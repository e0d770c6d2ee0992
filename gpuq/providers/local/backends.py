"""The local simulators: qasm (counts), statevector and unitary, each optionally pinned to a device.

``qasm_simulator`` picks its device at run time; ``qasm_simulator_cpu`` and
``qasm_simulator_gpu`` always use that one. A name is fixed when the backend
is built.
"""

from __future__ import annotations

import datetime
import weakref
from collections.abc import Sequence
from concurrent.futures import Executor
from typing import Any, ClassVar

from ...circuit.gates import GATES
from ...circuit.quantumcircuit import QuantumCircuit
from ...models.backend import BackendConfiguration, BackendProperties, BackendStatus, GateConfig
from ...models.options import MAX_SHOTS, RunOptions, merge_options
from ...models.qobj import Qobj
from ...sim.capacity import available_max_qubits, machine_max_qubits
from ...sim.devices.select import gpu_unavailable_reason
from ..base import BaseBackend, JobStatus
from .job import LocalJob
from .prepare import prepare
from .runner import BACKEND_VERSION, run_prepared
from .split import run_split

_PARAM_NAMES = ("theta", "phi", "lam", "gamma")

BASIS_GATES = sorted(GATES) + ["unitary"]
"""The instructions every local simulator runs natively (plus measure, reset and barrier)."""


def _gate_configs() -> list[GateConfig]:
    configs = []
    for spec in GATES.values():
        qubits = None if spec.num_controls is None else spec.num_qubits()
        configs.append(GateConfig(name=spec.name, parameters=list(_PARAM_NAMES[: spec.num_params]), num_qubits=qubits))
    configs.append(GateConfig(name="unitary", parameters=["matrix"]))
    return configs


class LocalSimulator(BaseBackend):
    """A simulator running on this machine; subclasses set the method and name.

    Each ``Local.get_backend()`` call returns a new backend, so options set on
    one never reach another. Its configuration is built once, on first use.
    """

    method: ClassVar[str]
    base_name: ClassVar[str]
    summary: ClassVar[str]

    def __init__(self, provider=None, device: str | None = None):
        self._provider = provider
        self._pin = device
        self._options = RunOptions()
        self._configuration: BackendConfiguration | None = None
        self._jobs: weakref.WeakSet[LocalJob] = weakref.WeakSet()
        """For ``pending_jobs``. Weak: the executor keeps a queued job alive, and a finished one
        belongs to its caller alone. A strong reference made a cycle (the job refers to its
        backend) that kept each dropped job's Result, statevector and all, until the garbage
        collector ran: a loop of ``execute`` calls held two states at a time."""

    # ------------------------------------------------------------- identity
    def name(self) -> str:
        """``<method>_simulator`` plus ``_cpu`` / ``_gpu`` when pinned to a device."""
        return self.base_name + (f"_{self._pin}" if self._pin else "")

    @property
    def device(self) -> str:
        """The pinned device, or "auto"."""
        return self._pin or "auto"

    @property
    def pin(self) -> str | None:
        """The device the backend's name pins, or None."""
        return self._pin

    @property
    def options(self) -> RunOptions:
        """The backend's default run options."""
        return self._options

    def set_options(self, **fields: Any) -> None:
        """Change default run options of this backend object.

        Raises:
            QobjValidationError: an unknown option or a bad value, naming it and what is allowed.
        """
        self._options = merge_options(self._options, None, fields)

    # ---------------------------------------------------------- description
    def configuration(self) -> BackendConfiguration:
        """Name, gates, and the largest qubit count per precision this machine's memory holds (built once)."""
        if self._configuration is None:
            limits = machine_max_qubits(self.device, self.method)
            self._configuration = BackendConfiguration(
                backend_name=self.name(),
                backend_version=BACKEND_VERSION,
                n_qubits=limits["double"],
                max_qubits=limits,
                basis_gates=BASIS_GATES,
                gates=_gate_configs(),
                local=True,
                simulator=True,
                conditional=self.method != "unitary",
                memory=self.method == "qasm",
                max_shots=MAX_SHOTS if self.method == "qasm" else 1,
                coupling_map=None,
                description=self.summary,
                device=self.device,
            )
        return self._configuration

    def supported_instructions(self) -> set[str]:
        """The gate library, ``unitary``, measure, reset and barrier (no memory probe, unlike configuration())."""
        return set(BASIS_GATES) | {"measure", "reset", "barrier"}

    def available_qubits(self, max_memory_mb: int | None = None) -> dict[str, int]:
        """The largest qubit count per precision that fits the memory free now (within ``max_memory_mb``)."""
        return available_max_qubits(self.device, self.method, max_memory_mb)

    def properties(self) -> BackendProperties:
        """A noiseless simulator has no calibration data: empty lists, with the date of asking."""
        return BackendProperties(
            backend_name=self.name(),
            backend_version=BACKEND_VERSION,
            last_update_date=datetime.datetime.now(datetime.timezone.utc).isoformat(),
        )

    def status(self) -> BackendStatus:
        """Operational unless pinned to a GPU that is not usable (the message says why).

        ``pending_jobs`` counts the jobs waiting in the queue, as the job server does.
        """
        queued = sum(job.status() is JobStatus.QUEUED for job in self._jobs)
        reason = gpu_unavailable_reason() if self._pin == "gpu" else None
        message = "active" if reason is None else f"not operational: {reason}"
        return BackendStatus(
            backend_name=self.name(),
            backend_version=BACKEND_VERSION,
            operational=reason is None,
            pending_jobs=queued,
            status_msg=message,
        )

    # ------------------------------------------------------------------ run
    def run(
        self,
        qobj: Qobj | dict | QuantumCircuit | Sequence[QuantumCircuit],
        executor: Executor | None = None,
        **options: Any,
    ) -> LocalJob:
        """Validate and submit a Qobj (or circuits, compiled here); returns the job at once.

        Options given here outrank the Qobj's config, which outranks ``set_options``.
        ``executor``: run each experiment as a sub-job on this ``concurrent.futures.Executor``
        (a process pool, a Dask client's ``get_executor()``; ``split.py``).

        Raises:
            QobjValidationError: a bad Qobj or option, naming the field.
            BackendUnavailableError: the run needs a GPU that is not usable.
            InsufficientMemoryError: an experiment's state cannot fit the device.
        """
        prepared = prepare(self._compiled(qobj, options), self, options)
        if executor is not None:
            job = LocalJob(self, lambda should_stop, job_id: run_split(prepared, executor, should_stop, job_id))
        else:
            job = LocalJob(self, lambda should_stop, job_id: run_prepared(prepared, should_stop, job_id))
        job.submit()
        self._jobs.add(job)
        return job


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
