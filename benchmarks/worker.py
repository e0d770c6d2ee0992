"""One simulator, one circuit, one precision, in a fresh process: ``python worker.py SPEC.json``.

A fresh process per measurement keeps thread pools and allocators apart and
makes the peak resident memory (``ru_maxrss``) belong to this measurement
alone. The spec names the adapter, the pickled gate lists (the timed circuit
and a smaller warm-up copy), the repeat count and the reference file: gpuq
writes it, peers compare with it. The result is written as JSON to
``spec["out"]``.
"""

from __future__ import annotations

import json
import pickle
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from adapters import ADAPTERS


def rss_mib() -> float:
    """Peak resident memory of this process so far, MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def fidelity(a: np.ndarray, b: np.ndarray) -> float:
    """|<a|b>|^2 / (<a|a><b|b>), accumulated in double precision."""
    a = a.astype(np.complex128, copy=False)
    b = b.astype(np.complex128, copy=False)
    return float(abs(np.vdot(a, b)) ** 2 / (np.vdot(a, a).real * np.vdot(b, b).real))


def classical_fidelity(p: dict, q: dict) -> float:
    """(Σ sqrt(p_i q_i))^2 of two count dictionaries, normalised."""
    sp, sq = sum(p.values()), sum(q.values())
    return sum(np.sqrt(p[k] / sp * q.get(k, 0) / sq) for k in p) ** 2


def check(output, ref_path: Path, write: bool) -> dict:
    """Write gpuq's output as the reference, or compare a peer's with it."""
    counts = isinstance(output, dict)
    if write:
        if counts:
            ref_path.write_text(json.dumps({str(k): v for k, v in output.items()}))
        else:
            np.save(ref_path, output)
        return {"reference": True}
    if not ref_path.exists():
        return {"fidelity": None, "note": "no gpuq reference"}
    if counts:
        ref = {int(k): v for k, v in json.loads(ref_path.read_text()).items()}
        return {"fidelity": classical_fidelity(ref, output), "kind": "distribution"}
    ref = np.load(ref_path, mmap_mode="r")
    return {"fidelity": fidelity(np.asarray(ref), output), "kind": "state"}


def measure(spec: dict) -> dict:
    adapter = ADAPTERS[spec["simulator"]]()
    adapter.setup()
    precision = spec["precision"]
    with open(spec["ops"], "rb") as f:
        job = pickle.load(f)
    with open(spec["warmup_ops"], "rb") as f:
        warm = pickle.load(f)
    base_mib = rss_mib()
    obj = adapter.build(warm["ops"], warm["nqubits"], warm["shots"], precision)
    adapter.run(obj, warm["nqubits"], warm["shots"], precision)
    runs = []
    output = meta = None
    for _ in range(spec["repeats"]):
        output = obj = None
        t0 = time.perf_counter()
        obj = adapter.build(job["ops"], job["nqubits"], job["shots"], precision)
        t1 = time.perf_counter()
        output, internal, meta = adapter.run(obj, job["nqubits"], job["shots"], precision)
        t2 = time.perf_counter()
        runs.append({"build_s": t1 - t0, "run_wall_s": t2 - t1, "internal_s": internal})
    peak_mib = rss_mib()
    sim = [r["internal_s"] if r["internal_s"] is not None else r["run_wall_s"] for r in runs]
    result = {
        "simulator": adapter.name,
        "precision": precision,
        "circuit": spec["circuit"],
        "nqubits": job["nqubits"],
        "shots": job["shots"],
        "gates": len(job["ops"]),
        "versions": adapter.versions(),
        "fusion_default": adapter.fusion_default,
        "runs": runs,
        "sim_s": statistics.median(sim),
        "run_wall_s": statistics.median(r["run_wall_s"] for r in runs),
        "build_s": statistics.median(r["build_s"] for r in runs),
        "sim_time_source": "internal" if runs[0]["internal_s"] is not None else "wall",
        "peak_rss_mib": peak_mib,
        "baseline_rss_mib": base_mib,
        "metadata": json.loads(json.dumps(meta, default=str)),
    }
    result["check"] = check(output, Path(spec["reference"]), spec["simulator"] == "gpuq")
    return result


def bandwidth(spec: dict) -> dict:
    """STREAM-like: in-place scale and copy of a complex128 array, 2 threads, best of repeats."""
    import numba
    from numba import prange

    numba.set_num_threads(spec["threads"])

    @numba.njit(parallel=True, nogil=True)
    def scale(a):
        for i in prange(a.shape[0]):
            a[i] = a[i] * 0.999

    @numba.njit(parallel=True, nogil=True)
    def copy(dst, src):
        for i in prange(src.shape[0]):
            dst[i] = src[i]

    a = np.ones(1 << spec["log2_elements"], dtype=np.complex128)
    b = np.empty_like(a)
    scale(a)
    copy(b, a)
    times = {"inplace": [], "copy": []}
    for _ in range(spec["repeats"]):
        t0 = time.perf_counter()
        scale(a)
        t1 = time.perf_counter()
        copy(b, a)
        t2 = time.perf_counter()
        times["inplace"].append(t1 - t0)
        times["copy"].append(t2 - t1)
    nbytes = a.nbytes
    return {
        "array_bytes": nbytes,
        "threads": spec["threads"],
        "inplace_gbs": 2 * nbytes / min(times["inplace"]) / 1e9,
        "copy_gbs": 2 * nbytes / min(times["copy"]) / 1e9,
        "numba": numba.__version__,
    }


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text())
    result = bandwidth(spec) if spec.get("mode") == "bandwidth" else measure(spec)
    Path(spec["out"]).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
