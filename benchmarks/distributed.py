"""One statevector over 1, 2 and 4 MPI ranks against one process: time, communication and swaps.

    python benchmarks/distributed.py [--qubits 26] [--layers 4] [--ranks 1,2,4] [--out results/x.json]

Runs ``circuits.random_circuit`` (layers of U3 on every qubit and CZ between
neighbours) measured on every qubit, first on one process without MPI, then
under ``mpiexec -n R`` with ``mpi=True`` for each R. Each run is a fresh
process that first warms Numba's kernels on a small circuit, so the times are
simulation only. It records, per run: the engine's time and its ratio to the
single-process run, the share of it spent in qubit swaps and gathers
(``communication_time``), the swaps the planner made against the naive count
(a fixed placement that swaps a global target in and back out around each
gate), and whether the counts equal the single-process counts for the seed.

On one small machine the ranks share its cores and memory bandwidth, so more
ranks cannot be faster: this measures the cost of the distribution (swaps,
messages), not a speed-up. Record the machine and its load with the figures.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SEED = 1234


def child(qubits: int, layers: int, shots: int, mpi: bool, out: str) -> None:
    """One run in this process (a rank when ``mpi``); rank 0 writes what it measured to ``out``."""
    import gpuq
    from benchmarks.circuits import random_circuit

    warm = random_circuit(8, 2)
    warm.measure_all()
    gpuq.execute(warm, "qasm_simulator", shots=10, seed_simulator=1, mpi=mpi).result()
    qc = random_circuit(qubits, layers)
    qc.measure_all()
    started = time.perf_counter()
    result = gpuq.execute(qc, "qasm_simulator", shots=shots, seed_simulator=SEED, mpi=mpi).result()
    wall = time.perf_counter() - started
    experiment = result.results[0]
    record = {
        "wall_time": wall,
        "engine_time": experiment.metadata["engine_time"],
        "passes": experiment.metadata["fusion"]["passes"],
        "counts": experiment.data.counts,
    }
    rank = 0
    if mpi:
        distributed = experiment.metadata["distributed"]
        rank = distributed["rank"]
        record.update({k: distributed[k] for k in ("ranks", "swaps", "naive_swaps", "restore_swaps")})
        record["communication_time"] = distributed["communication_time"]
        record["exchanged_bytes"] = distributed["exchanged_bytes"]
    if rank == 0:
        Path(out).write_text(json.dumps(record))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qubits", type=int, default=26)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--shots", type=int, default=1000)
    parser.add_argument("--ranks", default="1,2,4")
    parser.add_argument("--out", default=None, help="write the records as JSON here")
    parser.add_argument("--child", choices=["plain", "mpi"], help=argparse.SUPPRESS)
    parser.add_argument("--child-out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.qubits, args.layers, args.shots, args.child == "mpi", args.child_out)
        return
    mpiexec = shutil.which("mpiexec")
    if mpiexec is None:
        sys.exit("no mpiexec on PATH: pip install 'gpuq-sim[mpi]'")
    base = [sys.executable, str(Path(__file__).resolve())]
    common = ["--qubits", str(args.qubits), "--layers", str(args.layers), "--shots", str(args.shots)]
    records = {}
    scratch = Path("distributed-benchmark.tmp.json")
    runs = [("plain", [])] + [(f"{r} ranks", [mpiexec, "-n", r]) for r in args.ranks.split(",")]
    for name, launcher in runs:
        kind = "plain" if name == "plain" else "mpi"
        subprocess.run([*launcher, *base, *common, "--child", kind, "--child-out", str(scratch)], check=True)
        records[name] = json.loads(scratch.read_text())
        print(f"{name}: {records[name]['engine_time']:.2f} s", flush=True)
    scratch.unlink()
    plain = records["plain"]
    for record in records.values():
        record["ratio_to_plain"] = record["engine_time"] / plain["engine_time"]
        record["same_counts_as_plain"] = record["counts"] == plain["counts"]
        if "communication_time" in record:
            record["communication_share"] = record["communication_time"] / record["engine_time"]
    for record in records.values():
        del record["counts"]
    report = {
        "circuit": f"random_circuit({args.qubits}, layers={args.layers}) measured on every qubit, double",
        "shots": args.shots,
        "machine": f"{platform.processor() or platform.machine()}, {platform.node()}",
        "runs": records,
    }
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")


if __name__ == "__main__":
    main()
