"""Run a whole Qobj on the local engine: the work of one local job.

For each experiment: resolve its seed and device, run it, and record how it
ran. A failed experiment is recorded as failed with its reason while the
others still run; cancellation stops the whole job.
"""

from __future__ import annotations

import datetime
import secrets
import time
from collections.abc import Callable

from ...exceptions import GpuqError, InsufficientMemoryError, JobCancelledError, SimulationError
from ...models.qobj import Experiment, Qobj
from ...models.result import ExperimentResult, ExperimentResultData, Result
from ...sim.devices.base import Device
from ...sim.devices.select import DeviceChoice, choose_device, cpu_device, requested_device
from ...sim.engine import RunSettings, run_experiment
from ...sim.memory import required_bytes
from ...sim.ops import lower_experiment
from .options import SimulatorOptions

BACKEND_VERSION = "0.1.0"


def experiment_seed(options: SimulatorOptions, index: int, base: int) -> int:
    """Seed of experiment ``index``: the user's seed + index, else a random base + index."""
    seed = options.seed_simulator if options.seed_simulator is not None else base
    return (seed + index) % 2**63


def run_qobj(qobj: Qobj, backend_name: str, method: str, pin: str | None, options: SimulatorOptions,
             should_stop: Callable[[], bool], job_id: str) -> Result:
    """Run every experiment of ``qobj`` and assemble the Result.

    Raises:
        JobCancelledError: ``should_stop()`` turned true.
    """
    started = time.perf_counter()
    base_seed = secrets.randbelow(2**62)
    results = []
    for index, experiment in enumerate(qobj.experiments):
        if should_stop():
            raise JobCancelledError("cancelled")
        results.append(_run_one(experiment, index, method, pin, options,
                                experiment_seed(options, index, base_seed), should_stop))
    success = all(r.success for r in results)
    return Result(
        backend_name=backend_name,
        backend_version=BACKEND_VERSION,
        qobj_id=qobj.qobj_id,
        job_id=job_id,
        success=success,
        status="COMPLETED" if success else "PARTIAL COMPLETED" if any(r.success for r in results) else "ERROR",
        date=datetime.datetime.now(datetime.timezone.utc).isoformat(),
        time_taken=time.perf_counter() - started,
        header=qobj.header.model_dump(),
        results=results,
    )


def _run_one(experiment: Experiment, index: int, method: str, pin: str | None, options: SimulatorOptions,
             seed: int, should_stop: Callable[[], bool]) -> ExperimentResult:
    started = time.perf_counter()
    shots = options.shots if method == "qasm" else 1
    try:
        ops = lower_experiment(experiment, index, allow_nonunitary=method != "unitary")
        nqubits = experiment.config.n_qubits
        request, source = requested_device(pin, options.device)
        needed = required_bytes(2 * nqubits if method == "unitary" else nqubits, options.precision)
        choice = choose_device(request, source, needed)
        outcome, choice = _run_with_fallback(choice, ops, nqubits, method, options, shots, seed, should_stop,
                                             experiment.header.global_phase)
    except JobCancelledError:
        raise
    except GpuqError as exc:
        return ExperimentResult(shots=shots, success=False, status=f"ERROR: {type(exc).__name__}: {exc}",
                                seed_simulator=seed, time_taken=time.perf_counter() - started,
                                header=experiment.header)
    metadata = dict(outcome.metadata, device=choice.device.kind, device_name=choice.device.description(),
                    device_reason=choice.reason)
    # As in Qiskit Aer, counts and memory exist only for an experiment with classical bits.
    clbits = experiment.config.memory_slots > 0
    data = ExperimentResultData(counts=outcome.counts if clbits else None, memory=outcome.memory if clbits else None,
                                statevector=outcome.statevector, unitary=outcome.unitary)
    return ExperimentResult(shots=shots, success=True, status="DONE", seed_simulator=seed,
                            time_taken=time.perf_counter() - started, header=experiment.header,
                            data=data, metadata=metadata)


def _run_with_fallback(choice: DeviceChoice, ops, nqubits, method, options, shots, seed, should_stop,
                       global_phase):
    """Run on the chosen device; under the auto policy a GPU failure reruns on the CPU."""
    try:
        return _run_on(choice.device, ops, nqubits, method, options, shots, seed, should_stop, global_phase), choice
    except (SimulationError, InsufficientMemoryError) as exc:
        if not (choice.auto and choice.device.kind == "gpu"):
            raise
        fallback = DeviceChoice(cpu_device(), f"auto: the GPU failed ({exc}); fell back to the CPU", auto=True)
        return _run_on(fallback.device, ops, nqubits, method, options, shots, seed, should_stop,
                       global_phase), fallback


def _run_on(device: Device, ops, nqubits, method, options, shots, seed, should_stop, global_phase):
    fusion = (options.fusion_max_qubits or device.fusion_limit) if options.fusion_enable else 1
    settings = RunSettings(method=method, shots=shots, memory=options.memory, seed=seed,
                           precision=options.precision, fusion_max_qubits=fusion)
    return run_experiment(ops, nqubits, settings, device, should_stop, global_phase)
