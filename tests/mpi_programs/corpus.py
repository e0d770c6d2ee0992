"""Every circuit of the shared corpus with ``mpi=True``, as ``test_conformance.py`` runs them on one process.

Usage: ``mpiexec -n R python corpus.py OUT``. Rank 0 writes ``OUT.npz`` (the
statevectors) and ``OUT.json`` (the counts, and whether every rank had the
same); ``test_distributed_corpus.py`` applies the conformance checks to them.
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import test_conformance as conformance
from corpus import load_reference, reference_names
from mpi4py import MPI

import gpuq
from gpuq.circuit.qasm import load

comm = MPI.COMM_WORLD


def run(circuit, backend, shots=1):
    return gpuq.execute(
        circuit, backend, shots=shots, seed_simulator=conformance.SEED, precision="double", mpi=True
    ).result()


vectors, counts = {}, {}
for name in reference_names():
    reference = load_reference(name)
    circuit = load(reference.qasm_path)
    if reference.kind == "sampled":
        got = run(circuit, "qasm_simulator", conformance.SAMPLED_SHOTS).get_counts()
    else:
        body = conformance.split_final_measurements(circuit)[0] if reference.kind == "exact" else circuit
        state = run(body, "statevector_simulator").results[0].data.statevector
        if comm.rank == 0:
            vectors[name] = np.asarray(state)
        if reference.kind != "exact":
            continue
        got = run(circuit, "qasm_simulator", conformance.EXACT_SAMPLE_SHOTS).get_counts()
    counts[name] = {"counts": got, "same_on_every_rank": all(other == got for other in comm.allgather(got))}
if comm.rank == 0:
    out = Path(sys.argv[1])
    np.savez(out.with_suffix(".npz"), **vectors)
    out.with_suffix(".json").write_text(json.dumps(counts))
