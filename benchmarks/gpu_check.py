"""One command that checks gpuq on a machine with an NVIDIA GPU, in under 10 minutes.

    python -m benchmarks.gpu_check REPORT_DIR [--test-timeout 300] [--sizes 28,29,30,31,32,33]

Steps, each recorded in ``REPORT_DIR/gpu_check.json`` and ``gpu_check.md``:

1. the test suite with ``GPUQ_DEVICE=gpu`` and ``--require-gpu`` (a GPU that is
   not usable fails it instead of skipping), under a time limit;
2. the card's copy bandwidth (``b[...] = a`` on two states: read + write);
3. the kernel bandwidth of every family (dense matrix k = 1..5, diagonal, X,
   SWAP, generic permutation, collapse, and the probability walk of sampling)
   at each size in both precisions, as GB/s = 2 x state bytes / pass time and
   as a fraction of the copy bandwidth measured in the same run;
4. the benchmark circuits (QFT, random, GHZ) at 28, 30 and 32 qubits, measured
   on every qubit, through the public API on ``qasm_simulator_gpu``;
5. the largest GHZ state that fits (34 qubits single on an H200, by the memory
   policy), sampled with 10^6 shots.

A size that does not fit the card is recorded as skipped, with the reason; a
step that would run past the time budget is skipped, and the report says so.
Without a usable GPU the command prints one line saying why and exits with 1.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
BUDGET_S = 570.0
"""The whole check stays under 10 minutes: later steps are skipped past this."""


class Clock:
    """Seconds left of the budget."""

    def __init__(self, budget: float) -> None:
        self.end = time.monotonic() + budget

    def left(self) -> float:
        return self.end - time.monotonic()


def timed(device: Any, call: Callable[[], Any], repeats: int = 3) -> float:
    """Best wall time of ``repeats`` calls after one warm-up, with the device synchronised."""
    call()
    device.synchronize()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        device.synchronize()
        best = min(best, time.perf_counter() - start)
    return best


def run_tests(args: list[str], timeout: float) -> dict[str, Any]:
    """The test suite on the GPU: ``GPUQ_DEVICE=gpu pytest --require-gpu ARGS``."""
    env = {**os.environ, "GPUQ_DEVICE": "gpu", "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--require-gpu", *args]
    start = time.monotonic()
    try:
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"command": " ".join(command), "passed": False, "summary": f"timed out after {timeout:.0f} s"}
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    return {
        "command": " ".join(command),
        "passed": done.returncode == 0,
        "returncode": done.returncode,
        "summary": lines[-1] if lines else done.stderr.strip()[-300:],
        "seconds": time.monotonic() - start,
    }


def fits(device: Any, nqubits: int, precision: str, copies: int = 1) -> bool:
    from gpuq.sim.devices.base import state_bytes

    return copies * state_bytes(nqubits, precision) <= 0.85 * device.free_bytes()


def copy_bandwidth(device: Any, nqubits: int, precision: str) -> float:
    """GB/s of a device-to-device copy of one state (bytes read + written)."""
    a = device.zero_state(nqubits, precision)
    b = device.zero_state(nqubits, precision)

    def copy() -> None:
        b[...] = a

    return 2 * a.nbytes / timed(device, copy) / 1e9


def kernel_cases(device: Any, nqubits: int, rng: np.random.Generator):
    """(name, apply(state)) for every kernel family timed; targets in the middle of the state."""
    mid = nqubits // 2
    for k in range(1, 6):
        matrix = np.linalg.qr(rng.normal(size=(1 << k, 1 << k)) + 1j * rng.normal(size=(1 << k, 1 << k)))[0]
        yield f"matrix k={k}", lambda s, m=matrix, k=k: device.apply_matrix(s, list(range(mid, mid + k)), m)
    phases = np.exp(1j * rng.uniform(0, 6.28, 1 << 10))
    yield "diagonal k=10", lambda s: device.apply_diagonal(s, list(range(mid - 5, mid + 5)), phases)
    yield "x", lambda s: device.apply_permutation(s, [mid], [1, 0])
    yield "swap", lambda s: device.apply_permutation(s, [1, nqubits - 2], [0, 2, 1, 3])
    yield "permutation k=3", lambda s: device.apply_permutation(s, [0, mid, nqubits - 1], [1, 2, 3, 4, 5, 6, 7, 0])
    yield "collapse", lambda s: device.collapse(s, [mid], 0, 1.0)
    yield "sampling walk", lambda s: device.sample_counts(s, list(range(nqubits)), 1000, 1)


def kernel_bandwidth(device: Any, sizes: list[int], clock: Clock) -> list[dict[str, Any]]:
    """Rows of (qubits, precision, kernel, GB/s, fraction of copy bandwidth)."""
    rows = []
    rng = np.random.default_rng(0)
    copy = 0.0
    for precision in ("single", "double"):
        for nqubits in sizes:
            if clock.left() < 60:
                rows.append({"qubits": nqubits, "precision": precision, "skipped": "time budget"})
                continue
            if not fits(device, nqubits, precision):
                rows.append({"qubits": nqubits, "precision": precision, "skipped": "the state does not fit"})
                continue
            if fits(device, nqubits, precision, copies=2):  # else the copy bandwidth of the last size that fitted
                copy = copy_bandwidth(device, nqubits, precision)
            state = device.zero_state(nqubits, precision)
            device.apply_matrix(state, [0], np.array([[1, 1], [1, -1]]) / np.sqrt(2))
            traffic = 2 * state.nbytes / 1e9
            rows.append({"qubits": nqubits, "precision": precision, "kernel": "copy", "gbps": copy, "of_copy": 1.0})
            for name, apply in kernel_cases(device, nqubits, rng):
                seconds = timed(device, lambda a=apply, s=state: a(s))
                rows.append(
                    {
                        "qubits": nqubits,
                        "precision": precision,
                        "kernel": name,
                        "ms": seconds * 1e3,
                        "gbps": traffic / seconds,
                        "of_copy": traffic / seconds / copy if copy else None,
                    }
                )
            state = None  # freed before the next size is allocated
    return rows


def circuit_runs(sizes: list[int], clock: Clock, shots: int = 1000) -> list[dict[str, Any]]:
    """The benchmark circuits measured on every qubit, on ``qasm_simulator_gpu``."""
    from benchmarks.circuits import build
    from gpuq import execute
    from gpuq.exceptions import GpuqError

    rows = []
    for nqubits in sizes:
        for kind in ("qft", "random", "ghz"):
            for precision in ("single", "double"):
                row: dict[str, Any] = {"circuit": kind, "qubits": nqubits, "precision": precision}
                rows.append(row)
                if clock.left() < 45:
                    row["skipped"] = "time budget"
                    continue
                qc, _ = build(kind, nqubits)
                qc.measure_all()
                start = time.perf_counter()
                try:
                    result = execute(qc, "qasm_simulator_gpu", shots=shots, seed=7, precision=precision).result()
                    counts = result.get_counts()
                except GpuqError as exc:
                    row["skipped"] = str(exc).splitlines()[0][:200]
                    continue
                meta = result.results[0].metadata
                row.update(wall_s=time.perf_counter() - start, engine_s=meta.get("engine_time"), outcomes=len(counts))
    return rows


def largest_ghz(device: Any, clock: Clock, shots: int = 1_000_000, cap: int = 40) -> dict[str, Any]:
    """The largest single-precision GHZ the policy admits, sampled with ``shots`` shots."""
    from benchmarks.circuits import ghz
    from gpuq import execute
    from gpuq.exceptions import InsufficientMemoryError, JobError

    nqubits = min(cap, max(1, int(np.log2(max(device.free_bytes(), 16) / 8))))
    refused = []
    while nqubits > 0 and clock.left() > 20:
        qc = ghz(nqubits)
        qc.measure_all()
        start = time.perf_counter()
        try:
            result = execute(qc, "qasm_simulator_gpu", shots=shots, seed=3, precision="single").result()
            counts = result.get_counts()  # raises for a failed experiment (say, out of memory in the job)
        except (InsufficientMemoryError, JobError) as exc:
            refused.append({"qubits": nqubits, "reason": str(exc)[:300]})
            nqubits -= 1
            continue
        zeros, ones = counts.get("0" * nqubits, 0), counts.get("1" * nqubits, 0)
        return {
            "qubits": nqubits,
            "precision": "single",
            "shots": shots,
            "wall_s": time.perf_counter() - start,
            "engine_s": result.results[0].metadata.get("engine_time"),
            "all_zeros": zeros,
            "all_ones": ones,
            "other_outcomes": sum(counts.values()) - zeros - ones,
            "refused_first": refused,
        }
    return {"skipped": "time budget or nothing fits", "refused_first": refused}


def markdown(report: dict[str, Any]) -> str:
    """The report as a markdown page."""
    lines = [f"# gpu_check on {report['device']}", "", f"Started {report['started']}; {report['seconds']:.0f} s.", ""]
    tests = report.get("tests")
    if tests:
        verdict = "passed" if tests["passed"] else "FAILED"
        lines += ["## Test suite on the GPU", "", f"`{tests['command']}`: **{verdict}** ({tests['summary']})", ""]
    lines += [
        "## Kernel bandwidth",
        "",
        "| qubits | precision | kernel | ms | GB/s | of copy |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in report["kernels"]:
        if "skipped" in row:
            lines.append(f"| {row['qubits']} | {row['precision']} | skipped: {row['skipped']} | | | |")
        else:
            share = "-" if row["of_copy"] is None else f"{row['of_copy']:.2f}"
            lines.append(
                f"| {row['qubits']} | {row['precision']} | {row['kernel']} | {row.get('ms', 0):.2f} | "
                f"{row['gbps']:.0f} | {share} |"
            )
    lines += [
        "",
        "## Benchmark circuits (measured on every qubit, 1000 shots)",
        "",
        "| circuit | qubits | precision | engine s | wall s |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in report["circuits"]:
        if "skipped" in row:
            lines.append(f"| {row['circuit']} | {row['qubits']} | {row['precision']} | skipped: {row['skipped']} | |")
        else:
            lines.append(
                f"| {row['circuit']} | {row['qubits']} | {row['precision']} | {row['engine_s'] or 0:.3f} | "
                f"{row['wall_s']:.3f} |"
            )
    ghz = report["ghz"]
    lines += ["", "## Largest GHZ", ""]
    if "skipped" in ghz:
        lines.append(f"skipped: {ghz['skipped']}")
    else:
        lines.append(
            f"{ghz['qubits']} qubits single, {ghz['shots']} shots: {ghz['wall_s']:.1f} s wall; "
            f"all zeros {ghz['all_zeros']}, all ones {ghz['all_ones']}, other {ghz['other_outcomes']}"
        )
    for refusal in ghz.get("refused_first", []):
        lines.append(f"- refused {refusal['qubits']} qubits: {refusal['reason']}")
    return "\n".join(lines) + "\n"


def check(
    report_dir: Path,
    sizes: list[int],
    circuit_sizes: list[int],
    test_args: list[str] | None,
    test_timeout: float,
    ghz_cap: int = 40,
    ghz_shots: int = 1_000_000,
) -> dict[str, Any]:
    """Run every step and write the report; ``test_args`` None skips the test suite."""
    from gpuq.sim.devices.select import gpu_device

    clock = Clock(BUDGET_S)
    device = gpu_device()
    report: dict[str, Any] = {"device": device.description(), "started": time.strftime("%Y-%m-%d %H:%M:%S %Z")}
    start = time.monotonic()
    if test_args is not None:
        report["tests"] = run_tests(test_args, min(test_timeout, max(clock.left() - 240, 30)))
    report["kernels"] = kernel_bandwidth(device, sizes, clock)
    report["circuits"] = circuit_runs(circuit_sizes, clock)
    report["ghz"] = largest_ghz(device, clock, shots=ghz_shots, cap=ghz_cap)
    report["seconds"] = time.monotonic() - start
    report_dir.mkdir(parents=True, exist_ok=True)
    (report_dir / "gpu_check.json").write_text(json.dumps(report, indent=1, default=str))
    (report_dir / "gpu_check.md").write_text(markdown(report))
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.gpu_check", description=__doc__.splitlines()[0])
    parser.add_argument("report_dir", type=Path)
    parser.add_argument("--sizes", default="28,29,30,31,32,33", help="qubit counts of the kernel bandwidth")
    parser.add_argument("--circuit-sizes", default="28,30,32")
    parser.add_argument("--test-timeout", type=float, default=300.0)
    parser.add_argument("--no-tests", action="store_true", help="skip the test suite")
    args = parser.parse_args(argv)
    from gpuq.sim.devices.select import gpu_unavailable_reason

    reason = gpu_unavailable_reason()
    if reason is not None:
        print(f"gpu_check: no usable NVIDIA GPU here ({reason}); nothing was run", file=sys.stderr)
        return 1
    report = check(
        args.report_dir,
        [int(n) for n in args.sizes.split(",")],
        [int(n) for n in args.circuit_sizes.split(",")],
        None if args.no_tests else [],
        args.test_timeout,
    )
    print(f"gpu_check: {report['device']}: report in {args.report_dir}/gpu_check.md ({report['seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
