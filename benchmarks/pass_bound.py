"""Per-pass time of every CPU kernel family against the one-pass memory bound, on this machine.

The bound is ``touch``: one in-place pass that reads and writes every amplitude
(``kernel_bandwidth._touch``), timed in the same run. Each family is timed as
``CpuDevice`` runs it, on low, middle and high targets, in both precisions, and
printed as milliseconds per pass and as a multiple of the bound: dense k = 1..4
(``apply_matrix``: the explicit-SIMD kernel where the dispatcher picks it) next
to the scalar kernels it replaces (``matrix._scalar_matrix``), a 2-qubit
diagonal, X, SWAP, the probabilities of one qubit (``marginal_probabilities``,
a read-only pass), sampling 10^6 shots of every qubit and a 4-term Pauli
expectation on one X-mask group. Times are medians of ``--repeats`` calls,
after one warm-up (compile) call. The instruction set the kernels are written
for (``simd.SIMD_BITS``) and the host CPU's name and features are printed and
saved with the load average (on a shared machine compare ratios, not lone
numbers). With ``--json PATH`` the figures are written there too.

    python benchmarks/pass_bound.py [--qubits 24] [--repeats 5] [--threads N] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from collections.abc import Callable
from pathlib import Path

import llvmlite.binding as llvm
import numba
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from kernel_bandwidth import _touch, call_seconds, target_sets

from gpuq.sim.devices.cpu import CpuDevice
from gpuq.sim.devices.cpu_kernels import matrix, simd


def median_seconds(call: Callable[[], object], repeats: int) -> float:
    """Median wall time of ``repeats`` calls, after one warm-up (compile) call."""
    return statistics.median(call_seconds(call, repeats))


def instruction_set() -> str:
    """The host CPU and the vector width the SIMD kernels use."""
    features = llvm.get_host_cpu_features()
    present = [f for f in ("avx512f", "avx2", "fma") if features.get(f, False)]
    return f"{llvm.get_host_cpu_name()} ({', '.join(present)}); SIMD kernels {simd.SIMD_BITS}-bit"


def families(cpu: CpuDevice, state: np.ndarray, nqubits: int, rng: np.random.Generator):
    """(name, k, apply(targets)) for every family timed; ``k`` None for whole-state passes."""
    for k in range(1, 5):
        z = rng.normal(size=(1 << k, 1 << k)) + 1j * rng.normal(size=(1 << k, 1 << k))
        dense = np.linalg.qr(z)[0]
        flat = dense.astype(state.dtype).reshape(-1)

        def scalar(targets, k=k, flat=flat):
            matrix._scalar_matrix(state, nqubits, np.array(targets, np.int32), k, 0, flat, 0, 1 << (nqubits - k))

        yield f"dense k={k}", k, lambda t, m=dense: cpu.apply_matrix(state, t, m)
        yield f"scalar k={k}", k, scalar
    phases = np.exp(1j * np.arange(4))
    yield "diagonal k=2", 2, lambda t: cpu.apply_diagonal(state, t, phases)
    yield "x", 1, lambda t: cpu.apply_permutation(state, t, np.array([1, 0]))
    yield "swap", 2, lambda t: cpu.apply_permutation(state, t, np.array([0, 2, 1, 3]))
    yield "probabilities", 1, lambda t: cpu.marginal_probabilities(state, t)
    everything = list(range(nqubits))
    yield "sample 1e6", None, lambda _: cpu.sample_counts(state, everything, 1_000_000, 1)
    x_masks = np.array([3, 3, 3, 3], dtype=np.uint64)
    z_masks = np.array([0, 1, 2, 3], dtype=np.uint64)
    yield "pauli 4 terms", None, lambda _: cpu.pauli_expectations(state, x_masks, z_masks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qubits", type=int, default=24)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=numba.config.NUMBA_NUM_THREADS)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    numba.set_num_threads(args.threads)
    cpu = CpuDevice()
    rng = np.random.default_rng(0)
    header = {
        "instruction_set": instruction_set(),
        "device": cpu.description(),
        "qubits": args.qubits,
        "repeats": args.repeats,
        "load_before": os.getloadavg(),
    }
    print(f"{header['instruction_set']}; {header['device']}; {args.qubits} qubits; median of {args.repeats}")
    print(f"load average {header['load_before'][0]:.2f}; ratio = pass time / touch (one in-place pass)")
    rows = []
    for precision in ("single", "double"):
        state = cpu.zero_state(args.qubits, precision)
        size = state.shape[0]
        state[:] = (rng.normal(size=size) + 1j * rng.normal(size=size)).astype(state.dtype)
        state /= np.linalg.norm(state)
        touch = median_seconds(lambda s=state: _touch(s), args.repeats)
        state /= np.linalg.norm(state)  # touch halved it at every call
        print(f"{precision}: touch {touch * 1e3:.2f} ms")
        print(f"  {'family':14} {'low':>16} {'mid':>16} {'high':>16}")
        for name, k, apply in families(cpu, state, args.qubits, rng):
            where = target_sets(args.qubits, k) if k else {"all": []}
            cells = []
            for place, targets in where.items():
                seconds = median_seconds(lambda a=apply, t=targets: a(t), args.repeats)
                rows.append(
                    {
                        "precision": precision,
                        "family": name,
                        "targets": place,
                        "ms": seconds * 1e3,
                        "bound_ms": touch * 1e3,
                        "ratio": seconds / touch,
                    }
                )
                cells.append(f"{seconds * 1e3:7.2f} ({seconds / touch:4.2f}x)")
            print(f"  {name:14} " + " ".join(f"{c:>16}" for c in cells), flush=True)
    header["load_after"] = os.getloadavg()
    if args.json:
        args.json.write_text(json.dumps({**header, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
