"""The SIMD dense kernel's next-run prefetch, on and off, interleaved in one process.

The prefetch distance is a run-time argument of the kernel (``simd._prefetch_ahead``),
so one process can time both ways on the same state with the same compiled code:
each measurement alternates on and off (the order flipping every round) and the
median of each is printed, per placement of a dense operand and per benchmark
circuit (``engine_time`` of a statevector job). Comparing within one process matters
on a shared VM, where the same pass varies by tens of percent between processes.

    python benchmarks/prefetch.py [--qubits 24] [--repeats 7] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import llvmlite.binding as llvm
import numba
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from circuits import build

import gpuq
from gpuq.sim.devices.cpu import CpuDevice
from gpuq.sim.devices.cpu_kernels import simd

PLACEMENTS = [
    [20, 21, 22, 23],  # high: left to the hardware
    [10, 21, 22, 23],
    [7, 21, 22, 23],
    [5, 21, 22, 23],
    [1, 21, 22, 23],  # a lane target: the per-lane table
    [0, 1, 2, 3],
    [3, 4, 5, 6],
    [4, 5, 6, 7],
    [10, 11, 12],
    [2, 7],
    [5],
]
"""Targets (at 24 qubits; shifted down for fewer) from high to low, k = 4 down to 1."""

CIRCUITS = ("random", "qft")


def interleaved(run: Callable[[], float], repeats: int) -> dict[str, float]:
    """Median seconds of ``run`` with the prefetch on and off, alternating (order flipped each round)."""
    on = simd._prefetch_ahead
    ways = {"on": on, "off": lambda *args: 0}
    times: dict[str, list[float]] = {"on": [], "off": []}
    try:
        for round_ in range(repeats + 1):
            order = ("on", "off") if round_ % 2 else ("off", "on")
            for name in order:
                simd._prefetch_ahead = ways[name]
                seconds = run()
                if round_:  # the first round warms up (compiles, touches the pages)
                    times[name].append(seconds)
    finally:
        simd._prefetch_ahead = on
    return {name: statistics.median(values) for name, values in times.items()}


def placements(nqubits: int, precision: str, repeats: int) -> list[dict]:
    device = CpuDevice()
    dtype = np.complex64 if precision == "single" else np.complex128
    state = device.zero_state(nqubits, precision)
    state[:] = 1 / np.sqrt(state.size)
    rng = np.random.default_rng(1)
    rows = []
    for targets in PLACEMENTS:
        targets = [t - (24 - nqubits) if t >= 8 else t for t in targets]
        dim = 1 << len(targets)
        matrix = np.linalg.qr(rng.normal(size=(dim, dim)) + 1j * rng.normal(size=(dim, dim)))[0].astype(dtype)

        def one_pass(targets=targets, matrix=matrix) -> float:
            start = time.perf_counter()
            device.apply_matrix(state, targets, matrix)
            return time.perf_counter() - start

        rows.append({"precision": precision, "targets": targets, **interleaved(one_pass, repeats)})
    return rows


def circuits(nqubits: int, precision: str, repeats: int) -> list[dict]:
    rows = []
    for kind in CIRCUITS:
        circuit, _ = build(kind, nqubits)

        def job(circuit=circuit) -> float:
            result = gpuq.execute(circuit, "statevector_simulator_cpu", precision=precision).result()
            return result.results[0].metadata["engine_time"]

        rows.append({"precision": precision, "circuit": f"{kind}-{nqubits}", **interleaved(job, repeats)})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qubits", type=int, default=24)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    print(f"{llvm.get_host_cpu_name()}; SIMD kernels {simd.SIMD_BITS}-bit; {numba.get_num_threads()} threads")
    rows = []
    for precision in ("single", "double"):
        for row in placements(args.qubits, precision, args.repeats) + circuits(args.qubits, precision, args.repeats):
            what = row.get("circuit") or f"dense k={len(row['targets'])} on {row['targets']}"
            print(
                f"{precision:6} {what:32} on {row['on'] * 1e3:8.2f} ms  off {row['off'] * 1e3:8.2f} ms"
                f"  on/off {row['on'] / row['off']:.2f}",
                flush=True,
            )
            rows.append(row)
    if args.json:
        args.json.write_text(json.dumps({"qubits": args.qubits, "repeats": args.repeats, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
