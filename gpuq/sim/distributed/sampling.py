"""Seeded sampling of a distributed state that draws exactly what the single-process run draws.

The single-process engine samples in one of two ways (``chunks.Chunker``):
below ``2**(chunk_qubits + 2)`` amplitudes the device samples the whole state
(one running sum over all outcomes, in index order); above, the shots are
first shared among pieces of ``2**chunk_qubits`` amplitudes by a multinomial
draw on the pieces' probabilities, then each piece samples its share with a
seed drawn in piece order. Both are reproduced here, with the layout restored
so that rank ``r`` holds amplitudes ``r * 2**(n-g)`` onwards:

* **Pieces** (the CPU from 25 qubits, when each rank holds whole pieces):
  every rank weighs its own pieces, the weights are gathered in piece order,
  and every rank makes the same multinomial and seed draws; each rank samples
  its own pieces and the tallies are gathered. The floats and draws are the
  single-process run's, so the counts and memory are identical.
* **Whole** (states of at most ``GATHER_SAMPLE_QUBITS``, the size below which
  the single-process run samples the whole state): the state is gathered on
  every rank (at most 256 MiB in double) and sampled as one, because the
  draws depend on one running sum over the whole state.
* Otherwise (a GPU state above that size, or ranks smaller than a piece): the
  pieces are the ranks' slices. Exact in distribution, but not the same
  draws as one process (a GPU's seeded draws are not reproducible across
  devices anyway).

Every rank returns the same outcomes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from ...exceptions import SimulationError
from ..chunks import MIN_PIECES_LOG2, Chunker
from ..devices.base import Device, nqubits_of
from .comm import Communicator
from .exchange import gather_everywhere

GATHER_SAMPLE_QUBITS = 24
"""States of at most this many qubits are gathered on every rank to be sampled whole, as one process does."""


def sampling_mode(device: Device, nqubits: int, local_qubits: int) -> tuple[str, int]:
    """``("whole", n)`` or ``("pieces", piece qubits)`` for a state of ``nqubits`` split in ``local_qubits``."""
    chunk = device.chunk_qubits
    if nqubits <= GATHER_SAMPLE_QUBITS and (chunk is None or nqubits < chunk + MIN_PIECES_LOG2):
        return "whole", nqubits
    if chunk is not None and local_qubits >= chunk:
        return "pieces", chunk
    return "pieces", local_qubits


def sample_counts(
    device: Device, comm: Communicator, local: Chunker, state: Any, qubits: list[int], shots: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Distinct outcomes of ascending ``qubits`` and their tallies, as ``Chunker.sample_counts`` gives them."""
    nqubits = nqubits_of(state) + comm.global_qubits
    mode, piece_qubits = sampling_mode(device, nqubits, nqubits_of(state))
    if mode == "whole":
        return device.sample_counts(_whole(device, comm, state, nqubits), qubits, shots, seed)
    rng = np.random.default_rng(seed)
    mine = []
    for piece, low, high_bits, piece_shots, piece_seed in _my_pieces(
        device, comm, local, state, piece_qubits, qubits, shots, rng
    ):
        if low:
            distinct, counts = device.sample_counts(piece, low, piece_shots, piece_seed)
        else:
            distinct, counts = np.zeros(1, dtype=np.int64), np.array([piece_shots])
        mine.append((np.asarray(distinct, dtype=np.int64) | high_bits, np.asarray(counts, dtype=np.int64)))
    parts = [part for rank_parts in comm.allgather(mine) for part in rank_parts]
    distinct, inverse = np.unique(np.concatenate([p[0] for p in parts]), return_inverse=True)
    return distinct, np.bincount(inverse, weights=np.concatenate([p[1] for p in parts])).astype(np.int64)


def sample(
    device: Device, comm: Communicator, local: Chunker, state: Any, qubits: list[int], shots: int, seed: int
) -> np.ndarray:
    """``shots`` outcomes of ascending ``qubits`` in random order, as ``Chunker.sample`` gives them."""
    nqubits = nqubits_of(state) + comm.global_qubits
    mode, piece_qubits = sampling_mode(device, nqubits, nqubits_of(state))
    if mode == "whole":
        return device.sample(_whole(device, comm, state, nqubits), qubits, shots, seed)
    rng = np.random.default_rng(seed)
    mine = [
        np.asarray(device.sample(piece, low, piece_shots, piece_seed), dtype=np.int64) | high_bits
        if low
        else np.full(piece_shots, high_bits, dtype=np.int64)
        for piece, low, high_bits, piece_shots, piece_seed in _my_pieces(
            device, comm, local, state, piece_qubits, qubits, shots, rng
        )
    ]
    outcomes = np.concatenate([part for rank_parts in comm.allgather(mine) for part in rank_parts])
    rng.shuffle(outcomes)
    return outcomes


def _whole(device: Device, comm: Communicator, state: Any, nqubits: int) -> Any:
    """The whole state on this rank's device, gathered from every rank."""
    whole = np.empty(1 << nqubits, dtype=state.dtype)
    gather_everywhere(device, comm, state, whole)
    return whole if device.kind == "cpu" else device.from_host(whole)


def _my_pieces(
    device: Device,
    comm: Communicator,
    local: Chunker,
    state: Any,
    piece_qubits: int,
    qubits: list[int],
    shots: int,
    rng: np.random.Generator,
) -> Iterator[tuple[Any, list[int], int, int, int]]:
    """``Chunker._split_shots`` over the pieces of every rank, yielding this rank's own.

    Every rank draws the multinomial and every piece's seed, in piece order, so the
    generator stays the same on every rank and equal to the single-process run's.
    """
    size = 1 << piece_qubits
    per_rank = state.shape[0] // size
    weights_here = []
    for start in range(0, state.shape[0], size):
        local.check()
        weights_here.append(float(device.marginal_probabilities(state[start : start + size], [])[0]))
    weights = [w for rank_weights in comm.allgather(weights_here) for w in rank_weights]
    total = sum(weights)
    if not total > 0:
        raise SimulationError("cannot sample from a state of zero norm")
    split = rng.multinomial(shots, np.asarray(weights) / total)
    low = [q for q in qubits if q < piece_qubits]
    high = [q for q in qubits if q >= piece_qubits]
    for index, piece_shots in enumerate(split):
        if not piece_shots:
            continue
        local.check()
        base = index << piece_qubits
        high_bits = sum(((base >> q) & 1) << (len(low) + i) for i, q in enumerate(high))
        piece_seed = int(rng.integers(2**63))
        if index // per_rank == comm.rank:
            start = (index % per_rank) * size
            yield state[start : start + size], low, high_bits, int(piece_shots), piece_seed
