"""Effective memory bandwidth of the CPU kernels: GB/s = 2 × state bytes / time of one pass.

Statevector updates are memory-bound when done well: one pass reads and writes
the whole state. This script times ``CpuDevice`` kernels on one state (24
qubits by default) for dense k-qubit matrices (k = 1..5), a diagonal, X and
SWAP, on low, middle and high target qubits, in both precisions, and prints
the best of several repeats next to ``touch``, a plain in-place pass measured
in the same run (on a shared machine, compare ratios, not lone numbers).
SWAP moves only half of the amplitudes, so its figure can exceed ``touch``.

    python benchmarks/kernel_bandwidth.py [--qubits 24] [--repeats 5] [--threads N] [--max-k 5]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numba
import numpy as np
from numba import prange

from gpuq.sim.devices.cpu import CpuDevice


@numba.njit(parallel=True, nogil=True, cache=True)
def _touch(state):
    blocks = state.shape[0] // 4096
    for block in prange(blocks):
        start = np.uint64(block * 4096)
        for i in range(start, start + np.uint64(4096)):
            state[i] = state[i] * 0.5


def call_seconds(call: Callable[[], object], repeats: int) -> list[float]:
    """Wall times of ``repeats`` calls, after one warm-up (compile) call."""
    call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return times


def best_seconds(call: Callable[[], None], repeats: int) -> float:
    """Best wall time of ``repeats`` calls, after one warm-up (compile) call."""
    return min(call_seconds(call, repeats))


def target_sets(nqubits: int, k: int) -> dict[str, list[int]]:
    """Low, middle and high placements of k adjacent targets."""
    return {
        "low": list(range(k)),
        "mid": list(range(nqubits // 2, nqubits // 2 + k)),
        "high": list(range(nqubits - k, nqubits)),
    }


def kernels(cpu: CpuDevice, state: np.ndarray, max_k: int, rng: np.random.Generator):
    """(name, k, apply(targets)) for every kernel timed."""
    for k in range(1, max_k + 1):
        z = rng.normal(size=(1 << k, 1 << k)) + 1j * rng.normal(size=(1 << k, 1 << k))
        matrix = np.linalg.qr(z)[0]
        yield f"matrix k={k}", k, lambda t, m=matrix: cpu.apply_matrix(state, t, m)
    phases = np.exp(1j * np.arange(4))
    yield "diag k=2", 2, lambda t: cpu.apply_diagonal(state, t, phases)
    yield "x", 1, lambda t: cpu.apply_permutation(state, t, np.array([1, 0]))
    yield "swap", 2, lambda t: cpu.apply_permutation(state, t, np.array([0, 2, 1, 3]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qubits", type=int, default=24)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=numba.config.NUMBA_NUM_THREADS)
    parser.add_argument("--max-k", type=int, default=5)
    args = parser.parse_args()
    numba.set_num_threads(args.threads)
    cpu = CpuDevice()
    rng = np.random.default_rng(0)
    print(f"{cpu.description()}, {args.qubits} qubits, best of {args.repeats}; GB/s = 2 x state bytes / pass time")
    print(f"{'precision':9} {'kernel':10} {'low':>7} {'mid':>7} {'high':>7}   (ms per pass at mid)")
    for precision in ("single", "double"):
        state = cpu.zero_state(args.qubits, precision)
        size = state.shape[0]
        state[:] = (rng.normal(size=size) + 1j * rng.normal(size=size)).astype(state.dtype)
        state /= np.linalg.norm(state)
        traffic = 2 * state.nbytes / 1e9
        seconds = best_seconds(lambda s=state: _touch(s), args.repeats)
        print(f"{precision:9} {'touch':10} {traffic / seconds:7.1f}")
        for name, k, apply in kernels(cpu, state, args.max_k, rng):
            rates, mid_ms = [], 0.0
            for where, targets in target_sets(args.qubits, k).items():
                seconds = best_seconds(lambda a=apply, t=targets: a(t), args.repeats)
                rates.append(traffic / seconds)
                mid_ms = seconds * 1e3 if where == "mid" else mid_ms
            print(f"{precision:9} {name:10} " + " ".join(f"{r:7.1f}" for r in rates) + f"   ({mid_ms:.1f} ms)")


if __name__ == "__main__":
    main()
