"""The one validation path of a local-engine job: ``prepare(qobj, backend, options) -> PreparedJob``.

Used by the local backends' ``run()``, by the job server's admission and by
its workers. It loads the Qobj, merges the options, resolves which device
may run it, lowers every experiment once (``gpuq.sim.ops``), and checks that
each one fits in memory, all before any job exists or anything is allocated.
The runner then executes the prepared job as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ...exceptions import BackendUnavailableError
from ...models.options import RunOptions, merge_options
from ...models.qobj import Experiment, Qobj
from ...models.validation import load_qobj
from ...sim.capacity import check_run_fits, device_free_bytes
from ...sim.devices.select import gpu_unavailable_reason, requested_device
from ...sim.ops import Op
from .distributed import check_distributable
from .noise import lower_noise
from .variational import lower_variational

if TYPE_CHECKING:  # noise, variational and MPI runs import their engines when they come
    from ...sim.noisy.choice import NoisySpec
    from ...sim.variational import VariationalSpec
    from .backends import LocalSimulator


@dataclass(frozen=True)
class PreparedExperiment:
    """One experiment, validated and lowered.

    Attributes:
        index: its position in the Qobj.
        experiment: the Qobj's experiment (header and sizes).
        ops: its lowered operations.
        variational: its parameter bindings and observables, or None for a plain run.
        noise: its operations with the noise model's channels and the method, or None for an ideal run.
    """

    index: int
    experiment: Experiment
    ops: tuple[Op, ...]
    variational: VariationalSpec | None = None
    noise: NoisySpec | None = None

    def memory_method(self, backend_method: str) -> str:
        """The method whose state size the memory checks count: "density_matrix" for a density matrix."""
        return "density_matrix" if self.noise is not None and self.noise.method == "density_matrix" else backend_method

    def states_needed(self) -> int:
        """States alive at once: one, or what the variational evaluation (adjoint gradients) keeps."""
        return self.variational.states_needed() if self.variational is not None else 1


@dataclass(frozen=True)
class PreparedJob:
    """A Qobj ready to run: options resolved, device request known, experiments lowered.

    Attributes:
        qobj: the validated Qobj.
        backend_name: the backend it runs on.
        method: "qasm", "statevector" or "unitary".
        pin: the device the backend's name pins, or None.
        options: the merged run options.
        device_request: "auto", "cpu" or "gpu", after pin, option and GPUQ_DEVICE.
        device_source: where the request came from, for the result's metadata.
        experiments: the lowered experiments, in order.
    """

    qobj: Qobj
    backend_name: str
    method: str
    pin: str | None
    options: RunOptions
    device_request: str
    device_source: str
    experiments: tuple[PreparedExperiment, ...]

    @property
    def shots(self) -> int:
        """Shots per experiment: the option for the qasm method, one run otherwise."""
        return self.options.shots if self.method == "qasm" else 1


def prepare(
    qobj: Any, backend: LocalSimulator, options: dict[str, Any] | None = None, check_devices: bool = True
) -> PreparedJob:
    """Validate ``qobj`` for ``backend`` with ``options`` (``run()`` keywords) and lower it.

    Args:
        qobj: a ``Qobj``, a dict or JSON text.
        backend: the local simulator (or the server's catalog entry) that will run it.
        options: run-time options, which outrank the Qobj's config and the backend's options.
        check_devices: check this process's devices (GPU present, memory); the job
            server's admission passes False, since its workers run the job elsewhere.

    Raises:
        QobjValidationError: a bad Qobj or option, naming the field.
        BackendUnavailableError: the run needs a GPU that is not usable here.
        InsufficientMemoryError: an experiment cannot fit the memory it may use.
    """
    loaded = load_qobj(qobj)
    resolved = merge_options(backend.options, loaded.config, options)
    request, source = requested_device(backend.pin, resolved.device)
    experiments = []
    for index, experiment in enumerate(loaded.experiments):
        ops, variational = lower_variational(experiment, index, backend.method, resolved)
        noise = lower_noise(ops, experiment, index, backend.method, resolved, resolved.shots, variational)
        experiments.append(PreparedExperiment(index, experiment, ops, variational, noise))
    job = PreparedJob(
        loaded, backend.name(), backend.method, backend.pin, resolved, request, source, tuple(experiments)
    )
    if resolved.mpi:
        check_distributable(job)
    if check_devices:
        _check_devices(job)
    return job


def _check_devices(job: PreparedJob) -> None:
    """The GPU is usable when asked for, and every experiment fits the largest device allowed."""
    if job.device_request == "gpu":
        reason = gpu_unavailable_reason()
        if reason is not None:
            raise BackendUnavailableError(
                f"{job.backend_name}: the GPU was {job.device_source} but is not usable: {reason}"
            )
    if job.options.mpi:  # MPI is there, the ranks are a power of two; each rank's share is checked by every
        from ...sim.distributed import world

        world()  # rank together, before allocating (sim/distributed/capacity.py)
        return
    free = device_free_bytes(job.device_request)  # once per job, not per experiment
    for prepared in job.experiments:
        circuit_qubits = prepared.experiment.config.n_qubits
        kind = {"unitary": "unitary", "density_matrix": "density matrix"}.get(
            prepared.memory_method(job.method), "state"
        )
        check_run_fits(
            circuit_qubits,
            job.options.precision,
            prepared.memory_method(job.method),
            free,
            f"experiment {prepared.experiment.header.name!r} ({circuit_qubits}-qubit {kind}, "
            f"{job.options.precision} precision)",
            shots=job.shots if job.method == "qasm" else 0,
            memory=job.options.memory,
            copies=prepared.states_needed(),
            max_memory_mb=job.options.max_memory_mb,
        )
