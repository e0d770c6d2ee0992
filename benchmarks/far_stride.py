"""One pass per target position, near and far: the L1-aliasing cliff of issue 20 (item 2), before and after.

Pairs of amplitudes a multiple of 256 MiB apart share an L1 set and way-predictor tag on AMD Zen, and
a pass that reads and writes both in each iteration ran 3-4 times slower
(``gpuq/sim/devices/cpu_kernels/aliasing.py``). For each target qubit this prints the milliseconds of
one pass of every kernel asked for, the distance between the paired amplitudes and whether
``aliasing.aliased`` sends the pass through the tiled kernels; ``touch`` is the bound, a plain in-place
pass over the same state. ``h`` and ``x`` are the dispatched kernels (tiled where aliased); ``h-plain``
and ``x-plain`` call the untiled kernels (``matrix._matrix_1``, ``permute._swap_tasks``) on every
target: what ran before. ``k2``..``k4`` are dense blocks on the target and the lowest qubits; ``diag``
a 1-qubit diagonal. Each figure is the median of ``--repeats`` rounds; a round times every kernel on
every target once, so load changes on a shared machine hit all columns alike.

    python benchmarks/far_stride.py [--qubits 27] [--precision double] [--threads 1] [--repeats 3]
        [--targets 0,13,20-26] [--kernels touch,h,h-plain,x,x-plain,diag,k2,k3,k4]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numba
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.kernel_bandwidth import _touch
from gpuq.sim.devices.cpu import CpuDevice
from gpuq.sim.devices.cpu_kernels import aliasing
from gpuq.sim.devices.cpu_kernels.matrix import _matrix_1
from gpuq.sim.devices.cpu_kernels.permute import _swap_tasks

KERNELS = ("touch", "h", "h-plain", "x", "x-plain", "diag", "k2", "k3", "k4")


def parse_targets(text: str, nqubits: int) -> list[int]:
    """``"0,13,20-26"`` -> [0, 13, 20, ..., 26]; ``"all"``: every qubit."""
    if text == "all":
        return list(range(nqubits))
    targets: list[int] = []
    for part in text.split(","):
        first, _, last = part.partition("-")
        targets.extend(range(int(first), int(last or first) + 1))
    return targets


def passes(cpu: CpuDevice, state: np.ndarray, nqubits: int, rng: np.random.Generator):
    """{kernel name: apply(target)} for every kernel of ``KERNELS``."""
    h = np.array([[1, 1], [1, -1]]) / np.sqrt(2)
    flat_h = np.ascontiguousarray(h, dtype=state.dtype).reshape(-1)
    pairs = 1 << (nqubits - 1)
    blocks = {
        k: np.linalg.qr(rng.normal(size=(1 << k, 1 << k)) + 1j * rng.normal(size=(1 << k, 1 << k)))[0]
        for k in (2, 3, 4)
    }

    def block(k):
        return lambda t: cpu.apply_matrix(state, [t, *[q for q in range(nqubits) if q != t][: k - 1]], blocks[k])

    return {
        "touch": lambda t: _touch(state),
        "h": lambda t: cpu.apply_matrix(state, [t], h),
        "h-plain": lambda t: _matrix_1(state, nqubits, np.array([t], dtype=np.int32), 0, flat_h, 0, pairs),
        "x": lambda t: cpu.apply_permutation(state, [t], [1, 0]),
        "x-plain": lambda t: _swap_tasks(
            state, nqubits, np.array([t], dtype=np.int32), 1, 0, np.uint64(0), np.uint64(1 << t), 0, pairs
        ),
        "diag": lambda t: cpu.apply_diagonal(state, [t], np.exp(1j * np.array([0.3, 1.1]))),
        "k2": block(2),
        "k3": block(3),
        "k4": block(4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qubits", type=int, default=27)
    parser.add_argument("--precision", choices=("single", "double"), default="double")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--targets", default="0,13,20-26")
    parser.add_argument("--kernels", default="touch,h,h-plain,x,x-plain,diag")
    args = parser.parse_args()
    names = args.kernels.split(",")
    unknown = sorted(set(names) - set(KERNELS))
    if unknown:
        parser.error(f"unknown kernels {unknown}; choose from {', '.join(KERNELS)}")
    numba.set_num_threads(args.threads)
    cpu = CpuDevice()
    n = args.qubits
    state = cpu.zero_state(n, args.precision)
    state[:] = 1 / np.sqrt(state.shape[0])  # touch every page before timing
    targets = parse_targets(args.targets, n)
    apply = {name: f for name, f in passes(cpu, state, n, np.random.default_rng(0)).items() if name in names}
    for f in apply.values():
        f(0)  # compile, or load from the cache
    times: dict[tuple[str, int], list[float]] = {}
    for _ in range(args.repeats):
        for t in targets:
            for name, f in apply.items():
                start = time.perf_counter()
                f(t)
                times.setdefault((name, t), []).append(time.perf_counter() - start)
    print(f"{cpu.description()}, {n} qubits {args.precision}, median of {args.repeats}; ms per pass")
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'target':>6} {'MiB apart':>10} {'tiled':>5} " + " ".join(f"{name:>8}" for name in apply))
    for t in targets:
        distance = state.itemsize << t
        cells = " ".join(f"{statistics.median(times[(name, t)]) * 1e3:8.0f}" for name in apply)
        tiled = "yes" if aliasing.aliased(distance) else ""
        print(f"{t:6d} {distance / 2**20:10.3f} {tiled:>5} {cells}")


if __name__ == "__main__":
    main()
