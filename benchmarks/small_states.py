"""Where the CPU's NumPy kernels for small states (``cpu_small``) stop paying: per-pass time of both paths.

    python benchmarks/small_states.py [--max-qubits 14] [--repeats 7]

For each state size, the median time of one pass (dense k = 1, 2 and 4, a
diagonal on 2 qubits, an X, a sample of 1024 shots) on the NumPy path
(``CpuDevice()`` with every size small) and on the warm Numba path
(``CpuDevice(small_qubits=-1)``, compiled before timing), double precision, in
one process. ``cpu_small.SMALL_QUBITS`` is chosen from this table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gpuq.sim.devices.cpu import CpuDevice


def passes(n: int, rng: np.random.Generator) -> dict:
    """One call per kind of pass on an ``n``-qubit state; targets spread over the state."""
    u = {
        k: np.linalg.qr(rng.normal(size=(1 << k, 1 << k)) + 1j * rng.normal(size=(1 << k, 1 << k)))[0]
        for k in (1, 2, 4)
    }
    diag = np.exp(1j * rng.uniform(size=4))
    top = n - 1
    return {
        "dense k=1": lambda d, s: d.apply_matrix(s, [top], u[1]),
        "dense k=2": lambda d, s: d.apply_matrix(s, [0, top], u[2]),
        "dense k=4": lambda d, s: d.apply_matrix(s, [0, 1, n // 2, top], u[4]),
        "diagonal k=2": lambda d, s: d.apply_diagonal(s, [1, top], diag),
        "x": lambda d, s: d.apply_permutation(s, [top], np.array([1, 0])),
        "sample 1024": lambda d, s: d.sample_counts(s, range(n), 1024, 1),
    }


def median_seconds(call, repeats: int, inner: int = 50) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(inner):
            call()
        times.append((time.perf_counter() - t0) / inner)
    return statistics.median(times)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--max-qubits", type=int, default=14)
    p.add_argument("--repeats", type=int, default=7)
    args = p.parse_args()
    numpy_path, numba_path = CpuDevice(small_qubits=64), CpuDevice(small_qubits=-1)
    rng = np.random.default_rng(1)
    print(f"load {os.getloadavg()}")
    print(f"{'qubits':>6} {'pass':>13} {'numpy us':>9} {'numba us':>9} {'ratio':>6}")
    for n in range(4, args.max_qubits + 1, 2):
        state = numpy_path.zero_state(n, "double")
        state[:] = (rng.normal(size=1 << n) + 1j * rng.normal(size=1 << n)) / np.sqrt(2 << n)
        for name, run in passes(n, rng).items():
            run(numba_path, state.copy())  # compile (or load) before timing
            a = median_seconds(lambda r=run, s=state: r(numpy_path, s), args.repeats)
            b = median_seconds(lambda r=run, s=state: r(numba_path, s), args.repeats)
            print(f"{n:6d} {name:>13} {a * 1e6:9.1f} {b * 1e6:9.1f} {a / b:6.2f}", flush=True)


if __name__ == "__main__":
    main()
