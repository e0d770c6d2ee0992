"""Distributed behaviours beyond the shared cases, on the ranks ``mpiexec`` started.

Usage: ``mpiexec -n R python checks.py OUT.json [--gpu-standin]``. Rank 0 writes
what ``test_distributed.py`` asserts:

* ``pieces``: a CPU device with a tiny ``chunk_qubits`` (so a 9-qubit state is
  sampled in pieces, as 25 qubits and more are) gives the counts and memory
  of the single-process engine on the same device settings;
* the refusals every rank must give alike: memory (naming the ranks that would
  fit), too many ranks for the widest gate, the unitary method; and what
  ``get_statevector()`` says on a rank that is not 0.

With ``--gpu-standin`` every rank runs on ``GpuDevice`` over the host
stand-in of CuPy (``tests/gpu_standin``), so the GPU rank path (device slices
exchanged through pinned host buffers, or as device buffers when
``GPUQ_MPI_CUDA_AWARE=1``) runs without a GPU.
"""

import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
if "--gpu-standin" in sys.argv:
    import gpu_standin

    gpu_standin.install()

import numpy as np
from distributed_cases import random_circuit
from mpi4py import MPI

import gpuq
from gpuq import compile as compile_circuits
from gpuq.sim.devices.cpu import CpuDevice
from gpuq.sim.distributed import run_distributed, world
from gpuq.sim.distributed.sampling import sampling_mode
from gpuq.sim.engine import RunSettings, run_experiment
from gpuq.sim.ops import lower_experiment

comm = MPI.COMM_WORLD
facts: dict = {"ranks": comm.size}
device_name = "gpu" if "--gpu-standin" in sys.argv else "cpu"


def agreed(value):
    """``value`` when every rank has the same, else every rank's."""
    values = comm.allgather(value)
    return values[0] if all(v == values[0] for v in values) else {"differs": values}


# Pieces: the sampling scheme of states of 25 qubits and more, on a 9-qubit state.
qc = random_circuit(4)
qc.add_register(gpuq.ClassicalRegister(2, "extra"))
qc.measure(list(range(7)), list(range(7)))
qc.measure([3, 6], [7, 8])
ops = lower_experiment(compile_circuits(qc, None).experiments[0])
device = CpuDevice()
device.chunk_qubits = 2
facts["pieces"] = []
for memory in (False, True):
    settings = RunSettings("qasm", 700, memory, seed=21, precision="double", fusion_max_qubits=4)
    got = run_distributed(ops, 9, settings, device, world())
    alone = run_experiment(ops, 9, settings, device)
    facts["pieces"].append(
        {
            "mode": sampling_mode(device, 9, 9 - world().global_qubits),
            "same_on_every_rank": agreed((got.counts, got.memory)) == (got.counts, got.memory),
            "same_as_one_process": (alone.counts, alone.memory) == (got.counts, got.memory),
        }
    )

# Swaps and gathers in messages of 4 amplitudes: runs of 2**L >= 4 go as they are, shorter ones packed.
world().message_amplitudes = 4
small = random_circuit(8)
alone = gpuq.execute(small, "statevector_simulator").result().get_statevector()
split = gpuq.execute(small, "statevector_simulator", mpi=True, device=device_name).result()
if comm.rank == 0:
    facts["small_messages_error"] = float(np.abs(split.get_statevector() - alone).max())
facts["small_messages_swaps"] = split.results[0].metadata["distributed"]["swaps"]
facts["small_messages_path"] = split.results[0].metadata["distributed"]["exchange_path"]
facts["cuda_aware"] = world().cuda_aware
if device_name == "gpu":
    facts["pinned_bytes"] = sum(comm.allgather(gpu_standin.memory.pinned_bytes()))
world().message_amplitudes = 1 << 20


def refusal(circuit, backend, **options):
    """The error (or failed experiment status) every rank reports for this run."""
    try:
        result = gpuq.execute(circuit, gpuq.Local.get_backend(backend), mpi=True, device=device_name, **options)
        experiment = result.result().results[0]
        return agreed([experiment.status, experiment.metadata["distributed"]["replicated"]])
    except gpuq.GpuqError as exc:  # a failed job's message starts with its id, which differs per rank
        return agreed(re.sub(r"job \S+ failed", "job failed", f"{type(exc).__name__}: {exc}"))


big = gpuq.QuantumCircuit(22)
big.h(range(22))
facts["memory"] = refusal(big, "statevector_simulator", max_memory_mb=18)
twenty = gpuq.QuantumCircuit(20)
twenty.h(range(20))
facts["gather"] = refusal(twenty, "statevector_simulator", max_memory_mb=12)
wide = gpuq.QuantumCircuit(3)
wide.unitary(np.eye(8), [0, 1, 2])
facts["width"] = refusal(wide, "statevector_simulator", fusion_enable=False)
facts["unitary"] = refusal(gpuq.QuantumCircuit(2), "unitary_simulator")

# The statevector is gathered on rank 0; the other ranks say where it is.
bell = gpuq.QuantumCircuit(4)
bell.h(3)
bell.cx(3, 0)
result = gpuq.execute(bell, gpuq.Local.get_backend("statevector_simulator"), mpi=True, device=device_name).result()
try:
    vector = result.get_statevector()
    facts_vector = np.round(vector, 12).tolist()
except gpuq.JobError as exc:
    facts_vector = str(exc)
vectors = comm.allgather(facts_vector)
facts["statevector"] = vectors[0] if comm.rank == 0 else None
facts["statevector_elsewhere"] = vectors[1:]
facts["device"] = agreed(result.results[0].metadata["device"])
if comm.rank == 0:
    Path(sys.argv[1]).write_text(json.dumps(facts, default=str))
