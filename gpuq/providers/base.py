"""The provider / backend / job interfaces that every gpuq backend follows.

A provider lists backends and hands one out by name; a backend runs a Qobj
and returns a job at once; a job is the ticket for the result.
"""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from typing import Any

from ..exceptions import BackendNotFoundError
from ..models.backend import BackendConfiguration, BackendProperties, BackendStatus
from ..models.result import Result


class JobStatus(enum.Enum):
    """Where a job is in its life; the last three are final."""

    INITIALIZING = "job is being initialized"
    QUEUED = "job is queued"
    VALIDATING = "job is being validated"
    RUNNING = "job is actively running"
    CANCELLED = "job has been cancelled"
    DONE = "job has successfully run"
    ERROR = "job incurred error"

    @property
    def is_final(self) -> bool:
        """True for CANCELLED, DONE and ERROR."""
        return self in JOB_FINAL_STATES


JOB_FINAL_STATES = frozenset({JobStatus.CANCELLED, JobStatus.DONE, JobStatus.ERROR})


class BaseJob(ABC):
    """A submitted piece of work and the way to its result."""

    @abstractmethod
    def job_id(self) -> str:
        """A unique identifier of this job."""

    @abstractmethod
    def backend(self) -> BaseBackend:
        """The backend the job was submitted to."""

    @abstractmethod
    def status(self) -> JobStatus:
        """The job's status now."""

    @abstractmethod
    def result(self, timeout: float | None = None) -> Result:
        """Wait for the result, at most ``timeout`` seconds (None: as long as it takes).

        Raises:
            JobTimeoutError: the timeout ran out; the job goes on.
            JobCancelledError: the job was cancelled.
            JobError: the job failed; the message says why.
        """

    @abstractmethod
    def cancel(self) -> bool:
        """Ask the job to stop; True when the request was accepted (or the job had already stopped)."""

    @abstractmethod
    def error_message(self) -> str | None:
        """Why the job failed, or None."""

    def done(self) -> bool:
        """True once the job finished successfully."""
        return self.status() is JobStatus.DONE

    def running(self) -> bool:
        """True while the job runs."""
        return self.status() is JobStatus.RUNNING

    def in_final_state(self) -> bool:
        """True once the job is DONE, CANCELLED or in ERROR."""
        return self.status().is_final


class BaseBackend(ABC):
    """Something that runs Qobj: a simulator here, or one on a job server."""

    @abstractmethod
    def name(self) -> str:
        """The backend's fixed name, e.g. ``qasm_simulator_gpu``."""

    @abstractmethod
    def configuration(self) -> BackendConfiguration:
        """What the backend is and accepts."""

    @abstractmethod
    def properties(self) -> BackendProperties:
        """Its properties (a noiseless simulator has none to report)."""

    @abstractmethod
    def status(self) -> BackendStatus:
        """Whether it takes jobs now, and how many are pending."""

    @abstractmethod
    def run(self, qobj: Any, **options: Any) -> BaseJob:
        """Validate and submit ``qobj``; returns the job at once."""

    def supported_instructions(self) -> set[str]:
        """Instruction names the backend runs: its basis gates plus measure, reset and barrier."""
        return set(self.configuration().basis_gates) | {"measure", "reset", "barrier"}

    def _compiled(self, run_input: Any, options: dict[str, Any] | None = None) -> Any:
        """Circuits (one, or a non-empty list) compiled for this backend; anything else as given.

        ``run()`` accepts circuits as well as a Qobj; the options given to
        ``run()`` then apply as run-time options, not as the Qobj's config,
        except ``parameter_binds`` and ``observables``, which belong to the
        circuits and are taken out of ``options`` into the compiled experiments.
        """
        from ..circuit.quantumcircuit import QuantumCircuit

        if isinstance(run_input, QuantumCircuit) or (
            isinstance(run_input, (list, tuple))
            and run_input
            and all(isinstance(item, QuantumCircuit) for item in run_input)
        ):
            from ..compiler import compile as compile_circuits

            per_circuit = {
                key: options.pop(key)
                for key in ("parameter_binds", "observables")
                if options is not None and key in options
            }
            return compile_circuits(run_input, self, **per_circuit)
        return run_input

    def provider(self) -> BaseProvider | None:
        """The provider this backend came from."""
        return getattr(self, "_provider", None)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}('{self.name()}')>"


class BaseProvider(ABC):
    """Lists backends and hands one out by name."""

    @abstractmethod
    def _all_backends(self) -> list[BaseBackend]:
        """Every backend this provider offers."""

    def backends(self, name: str | None = None, filters: Any = None, **kwargs: Any) -> list[BaseBackend]:
        """Backends matching a name, a filter callable, and configuration or status fields.

        Args:
            name: keep only the backend of this name.
            filters: a callable taking a backend and returning True to keep it.
            **kwargs: ``field=value`` pairs matched against ``configuration()``
                and then ``status()`` (e.g. ``operational=True``, ``device="gpu"``).
        """
        found = self._all_backends()
        if name is not None:
            found = [b for b in found if b.name() == name]
        for key, value in kwargs.items():
            found = [b for b in found if _field(b, key) == value]
        if filters is not None:
            found = [b for b in found if filters(b)]
        return found

    def get_backend(self, name: str | None = None, **kwargs: Any) -> BaseBackend:
        """The one backend of this name.

        Raises:
            BackendNotFoundError: none has that name; the error lists the names that exist.
        """
        matches = self.backends(name, **kwargs)
        if len(matches) != 1:
            raise BackendNotFoundError(str(name), [b.name() for b in self._all_backends()])
        return matches[0]


def _field(backend: BaseBackend, key: str) -> Any:
    config = backend.configuration()
    if hasattr(config, key):
        return getattr(config, key)
    return getattr(backend.status(), key, None)
