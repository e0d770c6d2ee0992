"""``SamplerV2``: Qiskit's ``BaseSamplerV2`` on gpuq, every binding of every PUB in one job.

The PUBs' parameter values are bound in Qiskit and all bound circuits with
the same shot count go to ``GpuqSimulator.run`` together, asking for per-shot
memory. Each classical register becomes a ``BitArray`` of shape
``pub.shape`` × shots, packed as ``StatevectorSampler`` packs it. Unlike
``StatevectorSampler``, mid-circuit measurements and ``if_else`` run (gpuq
simulates them shot by shot).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from qiskit.circuit import QuantumCircuit
from qiskit.primitives import (
    BaseSamplerV2,
    BitArray,
    DataBin,
    PrimitiveJob,
    PrimitiveResult,
    SamplerPubResult,
)
from qiskit.primitives.containers.sampler_pub import SamplerPub, SamplerPubLike

from .backend import GpuqSimulator
from .results import successful


def packed_register(memory: Sequence[str], clbits: Sequence[int]) -> np.ndarray:
    """The bits ``clbits`` (a register, bit 0 first) of each shot's hex outcome, packed big-endian per shot.

    Returns an array (shots, ceil(len(clbits) / 8)) of uint8, as ``BitArray`` holds it.
    """
    positions = np.asarray(clbits, dtype=np.int64)
    if positions.size and positions.max() < 63:
        values = np.fromiter((int(key, 16) for key in memory), dtype=np.int64, count=len(memory))
        bits = ((values[:, None] >> positions[None, :]) & 1).astype(np.uint8)
    else:
        bits = np.array([[(int(key, 16) >> int(p)) & 1 for p in positions] for key in memory], dtype=np.uint8).reshape(
            len(memory), positions.size
        )
    ordered = bits[:, ::-1]
    padding = -positions.size % 8
    ordered = np.pad(ordered, ((0, 0), (padding, 0)))
    return np.packbits(ordered, axis=-1)


class SamplerV2(BaseSamplerV2):
    """Shots from gpuq's qasm simulator, returned as Qiskit's ``BitArray`` per classical register.

    Args:
        backend: the ``GpuqSimulator`` to run on (``GpuqSimulator()`` when omitted).
        default_shots: the shots of PUBs and runs that set none.
        seed: ``seed_simulator`` of every run (None: random).
    """

    def __init__(self, *, backend: GpuqSimulator | None = None, default_shots: int = 1024, seed: int | None = None):
        self._backend = backend if backend is not None else GpuqSimulator()
        self._default_shots = default_shots
        self._seed = seed

    @property
    def backend(self) -> GpuqSimulator:
        """The backend the PUBs run on."""
        return self._backend

    def run(
        self, pubs: Iterable[SamplerPubLike], *, shots: int | None = None
    ) -> PrimitiveJob[PrimitiveResult[SamplerPubResult]]:
        """Sample every PUB; returns a job at once."""
        shots = self._default_shots if shots is None else shots
        coerced = [SamplerPub.coerce(pub, shots) for pub in pubs]
        job = PrimitiveJob(self._run, coerced)
        job._submit()
        return job

    def _run(self, pubs: list[SamplerPub]) -> PrimitiveResult[SamplerPubResult]:
        bound = [pub.parameter_values.bind_all(pub.circuit).ravel().tolist() for pub in pubs]
        memories: list[list[list[str]]] = [[] for _ in pubs]
        for shots in sorted({pub.shots for pub in pubs}):
            chosen = [k for k, pub in enumerate(pubs) if pub.shots == shots]
            circuits = [circuit for k in chosen for circuit in bound[k]]
            result = self._backend.run(circuits, shots=shots, memory=True, seed_simulator=self._seed).result()
            position = 0
            for k in chosen:
                for _ in bound[k]:
                    data = successful(result.results[position]).data
                    memories[k].append(getattr(data, "memory", None) or ["0x0"] * shots)
                    position += 1
        results = [_pub_result(pub, memory) for pub, memory in zip(pubs, memories)]
        return PrimitiveResult(results, metadata={"version": 2})


def _pub_result(pub: SamplerPub, memories: list[list[str]]) -> SamplerPubResult:
    """One PUB's ``BitArray`` per classical register, shaped ``pub.shape`` × shots."""
    circuit: QuantumCircuit = pub.circuit
    registers = {}
    for register in circuit.cregs:
        clbits = [circuit.find_bit(bit).index for bit in register]
        packed = np.stack([packed_register(memory, clbits) for memory in memories])
        array = packed.reshape(pub.shape + (pub.shots, packed.shape[-1]))
        registers[register.name] = BitArray(array, register.size)
    return SamplerPubResult(
        DataBin(**registers, shape=pub.shape), metadata={"shots": pub.shots, "circuit_metadata": circuit.metadata}
    )
