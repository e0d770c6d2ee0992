"""``GpuqJob``: a Qiskit ``JobV1`` over the gpuq job(s) of one ``GpuqSimulator.run()``.

A run is one gpuq job, except when it mixes circuits that save their
statevector with circuits that only count: gpuq's method is per job, so such a
run is one job per method. The job is submitted when ``run()`` returns, as
gpuq's local jobs are; ``result()`` waits for all of them and puts the
experiments back in the order the circuits were given.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from qiskit.providers import JobStatus, JobV1
from qiskit.result import Result

from ..exceptions import JobError
from ..providers.base import BaseJob
from .convert import ConvertedCircuit
from .results import experiment_result, qiskit_result


@dataclass(frozen=True)
class JobPart:
    """One gpuq job of a run, and the positions (in the run's circuit list) of its experiments."""

    job: BaseJob
    positions: tuple[int, ...]


class GpuqJob(JobV1):
    """The Qiskit job of one ``GpuqSimulator.run()``; ``result()`` is a ``qiskit.result.Result``."""

    def __init__(self, backend, parts: Sequence[JobPart], converted: Sequence[ConvertedCircuit], memory: bool):
        job_id = "+".join(part.job.job_id() for part in parts)
        super().__init__(backend, job_id)
        self._parts = tuple(parts)
        self._converted = tuple(converted)
        self._memory = memory
        self._started = time.perf_counter()

    def submit(self) -> None:
        """gpuq submits a run's jobs as ``run()`` returns; submitting again is an error."""
        raise JobError(f"job {self.job_id()} was submitted when run() returned; run() again for a new job")

    def gpuq_jobs(self) -> tuple[BaseJob, ...]:
        """The underlying gpuq jobs (one, unless the run mixed statevector and counts circuits)."""
        return tuple(part.job for part in self._parts)

    def result(self, timeout: float | None = None) -> Result:
        """Wait for every gpuq job (at most ``timeout`` seconds each) and return the Qiskit result.

        Raises:
            JobTimeoutError, JobCancelledError, JobError: as gpuq's ``job.result()`` does.
        """
        experiments: list = [None] * len(self._converted)
        for part in self._parts:
            gpuq_result = part.job.result(timeout=timeout)
            for position, result in zip(part.positions, gpuq_result.results):
                experiments[position] = experiment_result(self._converted[position], result, self._memory)
        backend = self.backend()
        return qiskit_result(
            backend.name, backend.backend_version, self.job_id(), experiments, time.perf_counter() - self._started
        )

    def cancel(self) -> bool:
        """Cancel every gpuq job of the run; True when all accepted (or had already stopped)."""
        accepted = [part.job.cancel() for part in self._parts]  # every job, not up to the first refusal
        return all(accepted)

    def status(self) -> JobStatus:
        """The least advanced status of the run's gpuq jobs (an error or a cancellation first)."""
        names = [part.job.status().name for part in self._parts]
        for name in ("ERROR", "CANCELLED", "INITIALIZING", "VALIDATING", "QUEUED", "RUNNING"):
            if name in names:
                return JobStatus[name]
        return JobStatus.DONE
