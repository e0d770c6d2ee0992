"""gpuq alone, on the CPU: how the fusion width k changes passes and time, and where a plan's time goes.

    python benchmarks/fusion_scan.py [--circuits random,qft,corpus:medium__dnn_n16.qasm]
                                     [--qubits 12,16,20,24] [--widths 2,3,4,5] [--precisions single,double]
                                     [--repeats 5] [--per-pass]

For every circuit, size, precision and k it prints the fused passes, the median
``engine_time`` over ``--repeats`` runs (after one warm-up) and the time spent
planning the fusion. ``--per-pass`` then times each pass of the device's default
plan on its own and sums the times by kind, width and whether the pass touches
qubits 0-2 (the low-qubit kernels). This is how the CPU's ``fusion_limit`` and
the per-pass figures in docs/benchmarks.md were measured; run it with the
thread count pinned (``NUMBA_NUM_THREADS=2``) and compare ratios within one run.
"""

from __future__ import annotations

import argparse
import collections
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import circuits
from gpuq import compile, execute
from gpuq.sim import engine
from gpuq.sim.devices.cpu import CpuDevice
from gpuq.sim.ops import lower_experiment


def scan(qc, precision: str, width: int, repeats: int) -> tuple[int, float, float]:
    """(passes, median engine_time, planning time) of ``qc`` with fusion width ``width``."""

    def run() -> dict:
        job = execute(qc, "statevector_simulator_cpu", precision=precision, fusion_max_qubits=width)
        return job.result().results[0].metadata

    run()
    times = [run()["engine_time"] for _ in range(repeats)]
    ops = lower_experiment(compile(qc).experiments[0])
    started = time.perf_counter()
    plan, _ = engine._plan(ops, width)
    planning = time.perf_counter() - started
    return sum(isinstance(op, engine.GateOp) for op in plan), statistics.median(times), planning


def per_pass(qc, precision: str) -> None:
    """Time every pass of the default plan alone; print the sums by kind, width and low qubits."""
    device = CpuDevice()
    plan, _ = engine._plan(lower_experiment(compile(qc).experiments[0]), device.fusion_limit)
    plan = [op for op in plan if isinstance(op, engine.GateOp)]  # measurements are not passes
    state = device.zero_state(qc.num_qubits, precision)
    for op in plan:  # compiles every kernel the plan uses
        engine.apply_gate(device, state, op)
    totals = collections.defaultdict(lambda: [0, 0.0])
    for op in plan:
        started = time.perf_counter()
        engine.apply_gate(device, state, op)
        key = (op.kind, len(op.targets), len(op.controls), "low" if min(op.qubits) < 3 else "mid/high")
        totals[key][0] += 1
        totals[key][1] += time.perf_counter() - started
    for (kind, k, controls, where), (count, seconds) in sorted(totals.items(), key=lambda kv: -kv[1][1]):
        print(
            f"    {kind:11s} k={k} controls={controls} {where:8s} {count:4d} passes "
            f"{seconds * 1e3:8.1f} ms  {seconds / count * 1e3:7.2f} ms/pass"
        )


def main(argv=None) -> None:
    csv = lambda s: [x for x in s.split(",") if x]  # noqa: E731
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--circuits", type=csv, default=["random", "qft"])
    p.add_argument("--qubits", type=lambda s: [int(x) for x in csv(s)], default=[20, 24])
    p.add_argument("--widths", type=lambda s: [int(x) for x in csv(s)], default=[2, 3, 4, 5])
    p.add_argument("--precisions", type=csv, default=["single", "double"])
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--per-pass", action="store_true")
    args = p.parse_args(argv)
    for kind in args.circuits:
        for n in [None] if kind.startswith("corpus:") else args.qubits:
            qc, _ = circuits.build(kind, n)
            for precision in args.precisions:
                print(f"{kind} n={qc.num_qubits} {precision}", flush=True)
                for width in args.widths:
                    passes, median, planning = scan(qc, precision, width, args.repeats)
                    print(
                        f"  k={width}: {passes:4d} passes, engine {median * 1e3:9.1f} ms "
                        f"(planning {planning * 1e3:.1f} ms)",
                        flush=True,
                    )
                if args.per_pass:
                    per_pass(qc, precision)


if __name__ == "__main__":
    main()
