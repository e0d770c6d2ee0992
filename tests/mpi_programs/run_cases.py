"""Run ``distributed_cases.cases()`` with ``mpi=True`` on the ranks ``mpiexec`` started.

Usage: ``mpiexec -n R python run_cases.py OUT [--gpu-standin]``. Every rank runs every
case through ``gpuq.execute(..., mpi=True)``; rank 0 writes, per case, the
statevector or the counts and memory, and whether every rank returned the
same counts and memory, for ``test_distributed.py`` to compare with one
process. With ``--gpu-standin`` every rank runs on ``GpuDevice`` over the
host stand-in of CuPy.
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
if "--gpu-standin" in sys.argv:
    import gpu_standin

    gpu_standin.install()

import numpy as np
from distributed_cases import cases
from mpi4py import MPI

import gpuq

comm = MPI.COMM_WORLD
device = "gpu" if "--gpu-standin" in sys.argv else "cpu"
arrays, facts = {}, {}
for name, circuit, backend, options in cases():
    result = gpuq.execute(circuit, gpuq.Local.get_backend(backend), mpi=True, device=device, **options).result()
    experiment = result.results[0]
    data = experiment.data
    mine = {"counts": data.counts, "memory": data.memory}
    same = all(other == mine for other in comm.allgather(mine))
    facts[name] = {"counts": data.counts, "memory": data.memory, "same_on_every_rank": same}
    facts[name]["distributed"] = experiment.metadata["distributed"]
    if comm.rank == 0 and data.statevector is not None:
        arrays[name] = np.asarray(result.get_statevector())
if comm.rank == 0:
    out = Path(sys.argv[1])
    np.savez(out.with_suffix(".npz"), **arrays)
    out.with_suffix(".json").write_text(json.dumps(facts))
