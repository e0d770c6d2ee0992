"""Run ``distributed_cases.cases()`` with ``mpi=True`` on the ranks ``mpiexec`` started.

Usage: ``mpiexec -n R python run_cases.py OUT.npz``. Every rank runs every
case through ``gpuq.execute(..., mpi=True)``; rank 0 writes, per case, the
statevector or the counts and memory, and whether every rank returned the
same counts and memory, for ``test_distributed.py`` to compare with one
process.
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
from distributed_cases import cases
from mpi4py import MPI

import gpuq

comm = MPI.COMM_WORLD
arrays, facts = {}, {}
for name, circuit, backend, options in cases():
    result = gpuq.execute(circuit, gpuq.Local.get_backend(backend), mpi=True, **options).result()
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
