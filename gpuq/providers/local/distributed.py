"""The local backends' side of ``mpi=True``: each rank's device, and what a distributed job may ask.

Under ``mpiexec -n 2**g`` every rank runs the same script and so the same job;
the engine (``gpuq.sim.distributed``) splits each experiment's state over the
ranks. Each rank runs on its own device: the CPU, or GPU number
``local rank mod GPU count`` (one rank per GPU on a multi-GPU workstation).
Under ``device="auto"`` the ranks take their GPUs only when every rank has
one, so that all ranks run the same kernels.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...exceptions import BackendUnavailableError, QobjValidationError
from ...sim.devices.base import Device
from ...sim.devices.select import DeviceChoice, cpu_device, gpu_unavailable_reason

if TYPE_CHECKING:
    from ...sim.distributed import Communicator
    from .prepare import PreparedJob


def check_distributable(job: PreparedJob) -> None:
    """Refuse, with the reason, what the distributed engine does not run: the unitary method,
    parameterised (variational) experiments and noisy ones (never run ideal in silence)."""
    if job.method == "unitary":
        raise QobjValidationError(
            f"{job.backend_name}: the unitary simulator does not run distributed (a 4**n matrix); "
            "run it without mpi=True",
            "mpi",
        )
    for prepared in job.experiments:
        if prepared.variational is not None:
            raise QobjValidationError(
                f"experiment {prepared.experiment.header.name!r}: parameter binds and observables "
                "do not run distributed yet; run it without mpi=True",
                "mpi",
            )
        if prepared.noise is not None:
            raise QobjValidationError(
                f"experiment {prepared.experiment.header.name!r}: a noise model does not run "
                "distributed yet; run it without mpi=True",
                "mpi",
            )


def rank_device(request: str, source: str, comm: Communicator) -> DeviceChoice:
    """This rank's device for a distributed run of ``request`` ("auto", "cpu" or "gpu").

    Raises:
        BackendUnavailableError: the GPU was asked for and is not usable on this rank.
    """
    if request == "cpu":
        return DeviceChoice(cpu_device(), f"cpu {source}, rank {comm.rank} of {comm.size}", auto=False)
    reason = gpu_unavailable_reason()
    if request == "gpu" and reason is not None:
        raise BackendUnavailableError(f"the GPU was {source} but is not usable on rank {comm.rank}: {reason}")
    everywhere = all(comm.allgather(reason is None))
    if request == "auto" and not everywhere:
        why = f"no usable GPU on this rank ({reason})" if reason else "not every rank has a usable GPU"
        return DeviceChoice(cpu_device(), f"auto: {why}; the CPU on every rank", auto=False)
    return DeviceChoice(_rank_gpu(comm), f"gpu {source}, rank {comm.rank} of {comm.size}", auto=False)


def _rank_gpu(comm: Communicator) -> Device:
    """GPU number ``local rank mod count``, made current for this thread, and its device."""
    import cupy

    from ...sim.devices.gpu import GpuDevice

    count = cupy.cuda.runtime.getDeviceCount()
    cupy.cuda.Device(comm.local_rank % count).use()
    return GpuDevice()
