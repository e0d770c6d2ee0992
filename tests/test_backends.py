"""Provider, backends and jobs of gpuq.Local: names, descriptions, validation, the job life cycle."""

import gc
import threading
import time
import uuid
import weakref

import numpy as np
import pytest

import gpuq
from gpuq import (
    BackendNotFoundError,
    BackendUnavailableError,
    InsufficientMemoryError,
    JobCancelledError,
    JobError,
    JobStatus,
    JobTimeoutError,
    QobjValidationError,
    QuantumCircuit,
)
from gpuq.models.result import Result
from gpuq.providers.local import LocalJob
from gpuq.sim.devices.select import gpu_unavailable_reason

NAMES = [
    f"{method}_simulator{suffix}" for method in ("qasm", "statevector", "unitary") for suffix in ("", "_cpu", "_gpu")
]


def _bell(measure=True):
    qc = QuantumCircuit(2, 2, name="bell")
    qc.h(0)
    qc.cx(0, 1)
    if measure:
        qc.measure([0, 1], [0, 1])
    return qc


def _long_circuit(name="long", layers=300):
    """About a second or more of work, in many small gates, so cancellation has gate boundaries to use."""
    qc = QuantumCircuit(18, name=name)
    for layer in range(layers):
        for qubit in range(18):
            qc.rx(0.01 * (layer + qubit), qubit)
    return qc


def _wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.01)


def test_provider_lists_every_backend_by_name():
    assert sorted(b.name() for b in gpuq.Local.backends()) == sorted(NAMES)
    assert gpuq.Local.get_backend("qasm_simulator_cpu").name() == "qasm_simulator_cpu"
    assert [b.name() for b in gpuq.Local.backends(device="cpu")] == [n for n in NAMES if n.endswith("_cpu")]
    assert gpuq.Local.backends(filters=lambda b: b.name().startswith("unitary"))[0].name() == "unitary_simulator"


def test_unknown_backend_lists_the_names_that_exist():
    with pytest.raises(BackendNotFoundError) as info:
        gpuq.Local.get_backend("qasm_simulater")
    assert info.value.available == sorted(NAMES)
    assert "qasm_simulator_cpu" in str(info.value)


def test_configuration_properties_and_status():
    backend = gpuq.Local.get_backend("qasm_simulator_cpu")
    config = backend.configuration()
    assert config.backend_name == "qasm_simulator_cpu" and config.device == "cpu"
    assert config.simulator and config.local and config.conditional and config.memory
    assert {"cx", "u3", "mcx", "unitary"} <= set(config.basis_gates)
    assert 20 <= config.n_qubits == config.max_qubits["double"] < config.max_qubits["single"]
    assert config.max_shots >= 1_000_000 and config.coupling_map is None
    assert backend.properties().backend_name == "qasm_simulator_cpu"
    status = backend.status()
    assert status.operational and status.pending_jobs == 0


@pytest.mark.skipif(gpu_unavailable_reason() is None, reason="a GPU is usable here")
def test_gpu_backend_without_a_gpu_says_why_and_refuses_to_run():
    backend = gpuq.Local.get_backend("qasm_simulator_gpu")
    status = backend.status()
    assert not status.operational and "not operational" in status.status_msg
    with pytest.raises(BackendUnavailableError, match="not usable"):
        backend.run(_bell())
    with pytest.raises(BackendUnavailableError):
        gpuq.execute(_bell(), "qasm_simulator", device="gpu")


def test_bad_runs_fail_at_submission_with_the_field_named():
    backend = gpuq.Local.get_backend("qasm_simulator_cpu")
    with pytest.raises(QobjValidationError, match="shots"):
        gpuq.execute(_bell(), backend, shots=0)
    with pytest.raises(QobjValidationError, match="unknown option 'shot'"):
        backend.run(gpuq.compile(_bell()), shot=10)
    with pytest.raises(QobjValidationError, match="conflicts"):
        backend.run(gpuq.compile(_bell(), device="gpu"))
    qobj = gpuq.compile(_bell()).to_dict()
    qobj["experiments"][0]["instructions"][0]["name"] = "hadamard"
    with pytest.raises(QobjValidationError, match="unknown instruction 'hadamard'") as info:
        backend.run(qobj)
    assert info.value.path == "experiments.0.instructions.0.name"
    qobj["experiments"][0]["instructions"][0].update(name="rx", params=[])
    with pytest.raises(QobjValidationError, match="takes 1 parameter"):
        backend.run(qobj)
    with pytest.raises(QobjValidationError, match="not allowed on the unitary simulator"):
        gpuq.execute(_bell(), "unitary_simulator")


def test_a_40_qubit_statevector_is_refused_before_allocation():
    qc = QuantumCircuit(40)
    qc.h(0)
    with pytest.raises(InsufficientMemoryError) as info:
        gpuq.execute(qc, "statevector_simulator_cpu")
    assert info.value.needed == 16 * 2**40
    assert info.value.available < info.value.needed
    assert "TiB" in str(info.value)


def test_job_ids_are_unique_and_jobs_know_their_backend():
    backend = gpuq.Local.get_backend("qasm_simulator_cpu")
    jobs = [backend.run(_bell(), shots=10) for _ in range(3)]
    assert len({job.job_id() for job in jobs}) == 3
    assert all(uuid.UUID(job.job_id()) for job in jobs)
    assert all(job.backend() is backend for job in jobs)
    assert all(sum(job.result().get_counts().values()) == 10 for job in jobs)
    assert jobs[0].result().job_id == jobs[0].job_id()


class _GatedWork:
    """A local job's work that runs until released: cancel and timeout tests need no long circuit.

    It polls ``should_stop`` (as the engine does between operations) unless ``heeds_stop`` is False.
    """

    def __init__(self, heeds_stop=True):
        self.heeds_stop = heeds_stop
        self.started, self.release, self.saw_stop = threading.Event(), threading.Event(), threading.Event()

    def __call__(self, should_stop, job_id):
        self.started.set()
        while not self.release.wait(0.005):
            if self.heeds_stop and should_stop():
                self.saw_stop.set()
                raise JobCancelledError("cancelled")
        return Result(backend_name="gated", job_id=job_id, results=[])


@pytest.fixture
def gated_job():
    """Start a gated local job (``gated_job(heeds_stop=True) -> (job, work)``); every one is released
    at teardown, so a failing test never leaves the shared executor blocked for the tests after it."""
    works = []

    def start(heeds_stop=True):
        work = _GatedWork(heeds_stop)
        works.append(work)
        job = LocalJob(gpuq.Local.get_backend("qasm_simulator_cpu"), work)
        job.submit()
        assert work.started.wait(60), "the gated job never started"
        return job, work

    yield start
    for work in works:
        work.release.set()


def test_result_timeout_raises_while_the_job_goes_on(gated_job):
    job, work = gated_job()
    with pytest.raises(JobTimeoutError, match="still RUNNING"):
        job.result(timeout=0.01)
    assert job.status() is JobStatus.RUNNING
    work.release.set()
    assert job.result().job_id == job.job_id()
    assert job.status() is JobStatus.DONE


def test_a_cancelled_queued_job_raises_at_once_while_another_runs(gated_job):
    backend = gpuq.Local.get_backend("statevector_simulator_cpu")
    running, work = gated_job()
    queued = backend.run(_bell(measure=False))
    assert queued.status() is JobStatus.QUEUED
    assert backend.status().pending_jobs == 1  # the queued one; the running one is not waiting
    assert queued.cancel() is True
    assert queued.status() is JobStatus.CANCELLED
    # The timeout only guards against a hang: a cancelled job must not wait for the job ahead of it.
    with pytest.raises(JobCancelledError, match="was cancelled"):
        queued.result(timeout=30)
    assert queued.wait_for_final_state(timeout=30) is JobStatus.CANCELLED
    assert running.status() is JobStatus.RUNNING
    assert running.cancel() is True
    with pytest.raises(JobCancelledError):
        running.result()
    assert work.saw_stop.is_set() and running.status() is JobStatus.CANCELLED
    done = backend.run(_bell(measure=False))
    done.result()
    assert done.cancel() is False


def test_a_job_cancelled_while_running_ends_cancelled_even_if_its_work_finishes(gated_job):
    job, work = gated_job(heeds_stop=False)
    assert job.cancel() is True
    work.release.set()
    with pytest.raises(JobCancelledError):
        job.result()
    assert job.status() is JobStatus.CANCELLED and job.cancel() is True


def test_status_is_truthful_while_polling():
    job = gpuq.execute(_long_circuit(layers=100), "statevector_simulator_cpu")
    seen = []
    while not job.in_final_state():
        seen.append(job.status())
        time.sleep(0.001)
    seen.append(job.status())
    order = [JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.DONE]
    assert seen[-1] is JobStatus.DONE
    assert [order.index(s) for s in seen] == sorted(order.index(s) for s in seen)


def test_failed_job_keeps_its_error_message(monkeypatch):
    from gpuq.sim.devices.select import cpu_device

    # Memory is checked again when the job runs: simulate it vanishing after submission.
    monkeypatch.setattr(type(cpu_device()), "free_bytes", lambda self: 10)
    job = gpuq.execute(_bell(), "qasm_simulator_cpu")
    assert job.wait_for_final_state(timeout=60) is JobStatus.ERROR
    assert "InsufficientMemoryError" in job.error_message()
    with pytest.raises(JobError, match="needs"):
        job.result()


def test_jobs_submitted_from_threads_all_complete():
    backend = gpuq.Local.get_backend("qasm_simulator_cpu")
    jobs, lock = [], threading.Lock()

    def submit(seed):
        job = gpuq.execute(_bell(), backend, shots=100, seed=seed)
        with lock:
            jobs.append(job)

    threads = [threading.Thread(target=submit, args=(s,)) for s in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(set(job.result(timeout=60).get_counts()) <= {"00", "11"} for job in jobs)


def _root_buffer(array):
    while isinstance(array.base, np.ndarray):
        array = array.base
    return array


@pytest.mark.parametrize("reuse_backend", [True, False], ids=["backend.run", "execute"])
def test_a_dropped_job_frees_its_statevector_at_once(reuse_backend):
    """A finished job's Result (a statevector can fill the memory) lives only as long as the caller's
    job: freed when the caller drops it, not when the garbage collector next runs. A cycle between
    job and backend once kept every dropped state until then, so a loop of runs held two at a time."""
    backend = gpuq.Local.get_backend("statevector_simulator")
    gc.collect()
    gc.disable()
    try:
        for _ in range(2):
            circuit = _bell(measure=False)
            job = backend.run(circuit) if reuse_backend else gpuq.execute(circuit, "statevector_simulator")
            state = weakref.ref(_root_buffer(np.asarray(job.result().get_statevector())))
            finished = weakref.ref(job)
            del job
            assert finished() is None and state() is None
    finally:
        gc.enable()
