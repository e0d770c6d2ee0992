"""The MPI communicator of a distributed run: ranks, global qubits, and the few collectives it uses.

``Communicator`` wraps ``mpi4py``'s ``COMM_WORLD`` so that the rest of the
distributed layer never imports ``mpi4py`` itself (and ``gpuq`` imports it only
when a run asks for ``mpi=True``). A run on ``2**g`` ranks has ``g`` global
qubits: the top ``g`` bits of an amplitude's index are its rank.

Every collective here is called by every rank in the same order with the
same arguments (the engine's decisions depend only on the plan, the seed and
values every rank received from the same reduction), which is what keeps the
ranks in step.
"""

from __future__ import annotations

import ctypes
import os
from functools import cache, cached_property
from typing import Any

import numpy as np

from ...exceptions import BackendUnavailableError, QobjValidationError

CUDA_AWARE_ENV = "GPUQ_MPI_CUDA_AWARE"
"""Environment setting that says whether the MPI library takes GPU memory (``1``) or not (``0``),
for an MPI whose support the library query below cannot see (it reads MPICH's and Open MPI's)."""

EXCHANGE_CHUNK = 1 << 20
"""Amplitudes moved per message of a qubit swap or a gather: 16 MiB in double, so buffers stay small."""


class Communicator:
    """The ranks of a distributed run (``mpi4py``'s ``COMM_WORLD``, or a duplicate of it).

    Attributes:
        rank: this process's rank.
        size: the number of ranks, a power of two.
        global_qubits: ``log2(size)``.
        local_rank: this rank's position among the ranks of its node (picks its GPU).
        message_amplitudes: most amplitudes per message of a swap or a gather (``EXCHANGE_CHUNK``;
            tests set a few, so that small states are sent in many messages).
    """

    def __init__(self, comm: Any):
        size = comm.Get_size()
        if size & (size - 1):
            raise QobjValidationError(
                f"a distributed run needs a power-of-two number of ranks (1, 2, 4, ...), not {size}", "mpi"
            )
        self._comm = comm.Dup()
        self.rank = comm.Get_rank()
        self.size = size
        self.global_qubits = size.bit_length() - 1
        self.local_rank = comm.Split_type(_mpi().COMM_TYPE_SHARED).Get_rank()
        self.message_amplitudes = EXCHANGE_CHUNK

    @cached_property
    def cuda_aware(self) -> bool:
        """Whether the MPI library reads and writes GPU memory itself (a CUDA-aware build).

        ``GPUQ_MPI_CUDA_AWARE=1`` or ``0`` decides; otherwise the library is asked
        (``MPIX_Query_cuda_support``, which MPICH and Open MPI export). Every rank
        asks the same library, so the ranks agree.
        """
        setting = os.environ.get(CUDA_AWARE_ENV)
        if setting is None:
            return _library_cuda_support()
        if setting not in ("0", "1"):
            raise QobjValidationError(f"{CUDA_AWARE_ENV} must be 0 or 1, not {setting!r}", "mpi")
        return setting == "1"

    def bit(self, position: int) -> int:
        """Bit ``position`` of this rank's number: the value of global qubit ``local qubits + position``."""
        return (self.rank >> position) & 1

    def allgather(self, value: Any) -> list[Any]:
        """Every rank's ``value`` (any picklable object), in rank order."""
        return self._comm.allgather(value)

    def bcast(self, value: Any, root: int = 0) -> Any:
        """``value`` of rank ``root`` on every rank."""
        return self._comm.bcast(value, root=root)

    def bcast_into(self, buffer: np.ndarray, root: int) -> None:
        """Fill the contiguous host ``buffer`` of every rank with ``root``'s."""
        self._comm.Bcast(buffer, root=root)

    def sendrecv_replace(self, buffer: np.ndarray, partner: int) -> None:
        """Swap the contents of a contiguous host ``buffer`` with ``partner``'s buffer of the same shape."""
        self._comm.Sendrecv_replace(buffer, dest=partner, source=partner)

    def send(self, buffer: np.ndarray, dest: int) -> None:
        """Send a contiguous host array to ``dest``."""
        self._comm.Send(buffer, dest=dest)

    def recv(self, buffer: np.ndarray, source: int) -> None:
        """Receive into a contiguous host array from ``source``."""
        self._comm.Recv(buffer, source=source)

    def abort(self, code: int = 1) -> None:
        """End every rank: a rank that failed alone must not leave the others waiting in a collective."""
        self._comm.Abort(code)


@cache
def _mpi() -> Any:
    """``mpi4py.MPI``, imported on first use; a clear error when the ``mpi`` extra is missing."""
    try:
        from mpi4py import MPI
    except ImportError as exc:
        raise BackendUnavailableError(
            f"mpi=True needs mpi4py and an MPI library ({exc}); install them with pip install 'gpuq-sim[mpi]'"
        ) from None
    return MPI


def _library_cuda_support() -> bool:
    """``MPIX_Query_cuda_support()`` of the loaded MPI library; False where it has no such query."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "libmpi" in line.rsplit("/", 1)[-1]}
    except OSError:
        return False
    for path in sorted(paths):
        query = getattr(ctypes.CDLL(path), "MPIX_Query_cuda_support", None)
        if query is not None:
            return bool(query())
    return False


@cache
def world() -> Communicator:
    """The communicator of every rank ``mpiexec`` started (one rank when run without it)."""
    return Communicator(_mpi().COMM_WORLD)
