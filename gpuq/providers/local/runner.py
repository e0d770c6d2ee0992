"""Run a whole Qobj on the local engine: the work of one local job.

The job arrives prepared (``prepare.py``: options merged, experiments
lowered). For each experiment: resolve its seed and device, run it, and
record how it ran. A failed experiment is recorded as failed with its reason while the
others still run; cancellation stops the whole job.
"""

from __future__ import annotations

import datetime
import secrets
import time
from collections.abc import Callable

from ..._version import __version__
from ...exceptions import GpuqError, InsufficientMemoryError, JobCancelledError, SimulationError
from ...models.options import RunOptions
from ...models.result import ExperimentResult, ExperimentResultData, Result
from ...sim.compile_clock import CompileClock
from ...sim.devices.base import Device
from ...sim.devices.select import DeviceChoice, choose_device, cpu_device
from ...sim.engine import ExperimentOutcome, RunSettings, run_experiment
from ...sim.memory import run_memory
from .distributed import rank_device
from .prepare import PreparedExperiment, PreparedJob

BACKEND_VERSION = __version__
"""The local simulators' version: gpuq's."""


def experiment_seed(options: RunOptions, index: int, base: int) -> int:
    """Seed of experiment ``index``: the user's seed + index, else a random base + index."""
    seed = options.seed_simulator if options.seed_simulator is not None else base
    return (seed + index) % 2**63


def run_prepared(job: PreparedJob, should_stop: Callable[[], bool], job_id: str) -> Result:
    """Run every experiment of a prepared job and assemble the Result.

    Raises:
        JobCancelledError: ``should_stop()`` turned true.
    """
    started = time.perf_counter()
    base_seed = secrets.randbelow(2**62)
    if job.options.mpi:  # every rank must draw alike: rank 0's base
        from ...sim.distributed import world

        base_seed = world().bcast(base_seed)
    results = []
    for prepared in job.experiments:
        if should_stop():
            raise JobCancelledError("cancelled")
        results.extend(_run_one(job, prepared, experiment_seed(job.options, prepared.index, base_seed), should_stop))
    return job_result(job, job_id, results, started)


def job_result(job: PreparedJob, job_id: str, results: list[ExperimentResult], started: float) -> Result:
    """The Result of ``job`` from its experiments' results, in order (``started``: its perf_counter start):
    COMPLETED, PARTIAL COMPLETED or ERROR by how many experiments succeeded."""
    success = all(r.success for r in results)
    return Result(
        backend_name=job.backend_name,
        backend_version=BACKEND_VERSION,
        qobj_id=job.qobj.qobj_id,
        job_id=job_id,
        success=success,
        status="COMPLETED" if success else "PARTIAL COMPLETED" if any(r.success for r in results) else "ERROR",
        date=datetime.datetime.now(datetime.timezone.utc).isoformat(),
        time_taken=time.perf_counter() - started,
        header=job.qobj.header.model_dump(),
        results=results,
    )


def _run_one(
    job: PreparedJob, prepared: PreparedExperiment, seed: int, should_stop: Callable[[], bool]
) -> list[ExperimentResult]:
    """The experiment's result; a variational one without observables gives one result per binding."""
    started = time.perf_counter()
    header = prepared.experiment.header
    clock = CompileClock()
    try:
        options = job.options
        needed = run_memory(
            prepared.experiment.config.n_qubits,
            options.precision,
            method=prepared.memory_method(job.method),
            shots=job.shots if job.method == "qasm" else 0,
            memory=options.memory,
            copies=prepared.states_needed(),
        ).total
        if options.mpi:
            from ...sim.distributed import world

            choice = rank_device(job.device_request, job.device_source, world())
        else:
            choice = choose_device(job.device_request, job.device_source, needed, options.max_memory_mb)
        outcomes, choice = _run_with_fallback(job, prepared, choice, seed, should_stop)
    except JobCancelledError:
        raise
    except GpuqError as exc:
        clock.stop()
        return [
            ExperimentResult(
                shots=job.shots,
                success=False,
                status=f"ERROR: {type(exc).__name__}: {exc}",
                seed_simulator=seed,
                time_taken=time.perf_counter() - started,
                header=header,
            )
        ]
    compile_time = clock.stop()
    elapsed = time.perf_counter() - started
    # As in Qiskit Aer, counts and memory exist only for an experiment with classical bits.
    clbits = prepared.experiment.config.memory_slots > 0
    results = []
    for outcome in outcomes:
        metadata = dict(
            outcome.metadata,
            device=choice.device.kind,
            device_name=choice.device.description(),
            device_reason=choice.reason,
            compile_time=compile_time,
            simulation_time=elapsed - compile_time,
        )
        data = ExperimentResultData(
            counts=outcome.counts if clbits else None,
            memory=outcome.memory if clbits else None,
            statevector=outcome.statevector,
            unitary=outcome.unitary,
            expectation_values=getattr(outcome, "expectation_values", None),
            gradients=getattr(outcome, "gradients", None),
        )
        results.append(
            ExperimentResult(
                shots=job.shots,
                success=True,
                status="DONE",
                seed_simulator=seed,
                time_taken=elapsed / len(outcomes),
                header=header,
                data=data,
                metadata=metadata,
            )
        )
    return results


def _run_with_fallback(
    job: PreparedJob, prepared: PreparedExperiment, choice: DeviceChoice, seed: int, should_stop: Callable[[], bool]
) -> tuple[list[ExperimentOutcome], DeviceChoice]:
    """Run on the chosen device; under the auto policy a GPU failure reruns on the CPU."""
    try:
        return _run_on(choice.device, job, prepared, seed, should_stop), choice
    except (SimulationError, InsufficientMemoryError) as exc:
        if not (choice.auto and choice.device.kind == "gpu"):
            raise
        fallback = DeviceChoice(cpu_device(), f"auto: the GPU failed ({exc}); fell back to the CPU", auto=True)
        return _run_on(fallback.device, job, prepared, seed, should_stop), fallback


def _run_on(
    device: Device, job: PreparedJob, prepared: PreparedExperiment, seed: int, should_stop: Callable[[], bool]
) -> list[ExperimentOutcome]:
    options = job.options
    fusion = (options.fusion_max_qubits or device.fusion_limit) if options.fusion_enable else 1
    settings = RunSettings(
        method=job.method,
        shots=job.shots,
        memory=options.memory,
        seed=seed,
        precision=options.precision,
        fusion_max_qubits=fusion,
        max_memory_mb=options.max_memory_mb,
    )
    nqubits, phase = prepared.experiment.config.n_qubits, prepared.experiment.header.global_phase
    # Noisy, variational and MPI runs import their engines when they come (a plain run never does).
    if options.mpi:
        from ...sim.distributed import run_distributed, world

        return [run_distributed(prepared.ops, nqubits, settings, device, world(), should_stop, phase)]
    if prepared.noise is not None and prepared.variational is not None:
        from ...sim.noisy.observables import run_noisy_variational

        return run_noisy_variational(prepared.variational, prepared.noise, nqubits, settings, device, should_stop)
    if prepared.noise is not None:
        from ...sim.noisy.run import run_noisy

        outcome = run_noisy(prepared.noise.ops, nqubits, settings, device, prepared.noise.method, should_stop)
        outcome.metadata["method_reason"] = prepared.noise.reason
        return [outcome]
    if prepared.variational is not None:
        from ...sim.variational import run_variational

        return run_variational(prepared.variational, nqubits, settings, device, should_stop, phase)
    return [run_experiment(prepared.ops, nqubits, settings, device, should_stop, phase)]
