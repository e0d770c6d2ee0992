"""Moving amplitudes between ranks: the swap of a global qubit with a local one, and gathers.

Swapping global qubit ``G`` (bit ``b`` of the rank) with local qubit ``L``
exchanges those two bits of every amplitude's index. A rank whose bit ``b`` is
``x`` keeps the amplitudes whose bit ``L`` is also ``x``; the half whose bit
``L`` is ``1 - x`` trades places with the same positions of the partner rank
(``rank ^ 2**b``), whose bit ``b`` is ``1 - x``. So each swap moves half of
every rank's slice, pairwise, in place, in messages of at most
``EXCHANGE_CHUNK`` amplitudes: runs of ``2**L`` contiguous amplitudes are
sent as they are when they are long, or packed a few at a time into one
buffer when they are short.

Each swap hands its messages to MPI through the device's ``ExchangeStage``:
a host state (the CPU) goes as it is; a GPU state goes in device memory to a
CUDA-aware MPI, and through one page-locked host buffer to any other
(``devices/gpu_stage.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from ..devices.base import Device
from .comm import EXCHANGE_CHUNK, Communicator


def exchange_bytes(local_qubits: int, itemsize: int, on_host: bool) -> int:
    """Workspace of one swap: a message (at most half a slice) packed into a buffer, MPI's own copy for the
    in-place exchange, and for a device state its page-locked host buffer."""
    message = min(EXCHANGE_CHUNK, 1 << max(local_qubits - 1, 0)) * itemsize
    return message * (2 if on_host else 3)


def swap_qubits(
    device: Device, comm: Communicator, state: Any, global_position: int, local: int, device_buffers: bool = False
) -> tuple[int, str]:
    """Exchange rank bit ``global_position`` with local qubit ``local`` of every rank's slice ``state``.

    ``device_buffers``: a GPU state goes to MPI in device memory (a CUDA-aware MPI). Returns the
    bytes this rank sent (as many as it received) and how they travelled.
    """
    partner = comm.rank ^ (1 << global_position)
    keep = comm.bit(global_position)
    low = 1 << local
    view = state.reshape(-1, 2, low)[:, 1 - keep, :]  # the half that moves: bit ``local`` is 1 - keep
    most = comm.message_amplitudes
    stage = device.exchange_stage(min(most, view.size), state.dtype, device_buffers)
    sent = 0
    for part in _messages(view, low, most):
        stage.trade(part, lambda buffer: comm.sendrecv_replace(buffer, partner))
        sent += part.nbytes
    return sent, stage.path


def _messages(view: Any, low: int, most: int) -> Iterator[Any]:
    """Pieces of ``view`` (runs of ``low`` contiguous amplitudes) of at most ``most`` amplitudes."""
    if low >= most:
        for row in range(view.shape[0]):
            for start in range(0, low, most):
                yield view[row, start : start + most]
        return
    rows = most // low
    for start in range(0, view.shape[0], rows):
        yield view[start : start + rows]


def host_pieces(device: Device, state: Any, most: int) -> Iterator[np.ndarray]:
    """``state`` as contiguous host arrays of at most ``most`` amplitudes, in index order."""
    for start in range(0, state.shape[0], most):
        part = state[start : start + most]
        yield part if type(part) is np.ndarray else np.ascontiguousarray(device.to_host(part))


def gather_to(device: Device, comm: Communicator, state: Any, out: np.ndarray | None, root: int = 0) -> None:
    """Copy every rank's slice, in rank order, into ``out`` on ``root`` (``out`` is None elsewhere)."""
    size, most = state.shape[0], comm.message_amplitudes
    if comm.rank != root:
        for piece in host_pieces(device, state, most):
            comm.send(piece, root)
        return
    assert out is not None
    for rank in range(comm.size):
        if rank == root:
            for offset, piece in zip(range(0, size, most), host_pieces(device, state, most)):
                out[rank * size + offset : rank * size + offset + piece.shape[0]] = piece
            continue
        for offset in range(0, size, most):
            comm.recv(out[rank * size + offset : rank * size + min(size, offset + most)], rank)


def gather_everywhere(device: Device, comm: Communicator, state: Any, out: np.ndarray) -> None:
    """Copy every rank's slice, in rank order, into ``out`` on every rank (each root in turn)."""
    size, most = state.shape[0], comm.message_amplitudes
    for root in range(comm.size):
        if comm.rank == root:
            for offset, piece in zip(range(0, size, most), host_pieces(device, state, most)):
                out[root * size + offset : root * size + offset + piece.shape[0]] = piece
        for offset in range(0, size, most):
            comm.bcast_into(out[root * size + offset : root * size + min(size, offset + most)], root)
