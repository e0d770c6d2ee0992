"""Peak resident memory of a large GHZ state sampled on every qubit, against the state's size.

    python benchmarks/large_state.py [--qubits 28,30] [--precision double] [--shots 1000]

Each size runs in a fresh child process, through the engine directly
(``gpuq.sim.engine.run_experiment`` on ``CpuDevice``, no providers), so that
the child's peak resident set (``getrusage``'s ``ru_maxrss``) is that run's
alone. It prints the peak, the state's bytes, their ratio, the resident set
before the state was allocated (interpreter, NumPy, Numba's compiled kernels),
how much the run itself grew the resident set, per state byte, what
``gpuq.sim.memory.run_memory`` counted, and the counts. The policy's
claim is a ratio close to 1: the state plus a bounded workspace, with no
float64 per amplitude for sampling. Heavy (a 30-qubit double state is
16 GiB); run it on a quiet machine, one size at a time if memory is short.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gpuq import QuantumCircuit
from gpuq.compiler import compile as compile_circuits
from gpuq.sim.memory import run_memory, state_bytes

GIB = float(1 << 30)


def _peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB


def child(nqubits: int, precision: str, shots: int) -> dict:
    """Run one GHZ in this process and report its memory and counts."""
    from gpuq.sim.devices.cpu import CpuDevice
    from gpuq.sim.engine import RunSettings, run_experiment
    from gpuq.sim.ops import lower_experiment

    qc = QuantumCircuit(nqubits, nqubits, name=f"ghz{nqubits}")
    qc.h(0)
    for q in range(nqubits - 1):
        qc.cx(q, q + 1)
    qc.measure(range(nqubits), range(nqubits))
    ops = lower_experiment(compile_circuits(qc).experiments[0])
    device = CpuDevice()
    warm = RunSettings("qasm", shots, False, 1, precision, device.fusion_limit)
    run_experiment(lower_experiment(compile_circuits(_small_ghz()).experiments[0]), 4, warm, device)  # compile
    before = _peak_rss()
    started = time.perf_counter()
    outcome = run_experiment(ops, nqubits, RunSettings("qasm", shots, False, 7, precision, device.fusion_limit), device)
    return {
        "qubits": nqubits,
        "precision": precision,
        "shots": shots,
        "seconds": time.perf_counter() - started,
        "rss_before": before,
        "peak_rss": _peak_rss(),
        "state": state_bytes(nqubits, precision),
        "counted": run_memory(nqubits, precision, shots=shots).total,
        "counts": outcome.counts,
    }


def _small_ghz() -> QuantumCircuit:
    qc = QuantumCircuit(4, 4)
    qc.h(0)
    for q in range(3):
        qc.cx(q, q + 1)
    qc.measure(range(4), range(4))
    return qc


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qubits", default="28,30", help="comma-separated sizes, each in its own process")
    parser.add_argument("--precision", default="double", choices=["single", "double"])
    parser.add_argument("--shots", type=int, default=1000)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(int(args.qubits), args.precision, args.shots)))
        return
    print(
        f"{'qubits':>6} {'state GiB':>9} {'peak RSS GiB':>12} {'peak/state':>10} {'RSS before':>10} "
        f"{'growth/state':>12} {'counted GiB':>11} {'seconds':>8}  counts"
    )
    for n in (int(q) for q in args.qubits.split(",")):
        done = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                "--qubits",
                str(n),
                "--precision",
                args.precision,
                "--shots",
                str(args.shots),
            ],
            check=False,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            print(f"{n:>6} failed: {done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.returncode}")
            continue
        r = json.loads(done.stdout.strip().splitlines()[-1])
        print(
            f"{n:>6} {r['state'] / GIB:>9.3f} {r['peak_rss'] / GIB:>12.3f} {r['peak_rss'] / r['state']:>10.4f} "
            f"{r['rss_before'] / GIB:>10.3f} {(r['peak_rss'] - r['rss_before']) / r['state']:>12.4f} "
            f"{r['counted'] / GIB:>11.3f} {r['seconds']:>8.1f}  {r['counts']}"
        )


if __name__ == "__main__":
    main()
