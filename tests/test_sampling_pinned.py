"""Seeded CPU sampling pinned to the draws gpuq gave before sampling was chunked.

The chunked sampler (bounded memory) must give bit-identical outcomes, in the
same order, for the same seed: these digests were recorded from the
full-array sampler (one float64 probability per outcome, then a running sum)
at commit 67d57cf, before any change. They cover every marginal path of the
CPU (all qubits in order, all qubits permuted, a few qubits, many qubits),
both precisions, ``sample`` and ``sample_counts``, and whole engine runs with
and without per-shot memory.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
import reference

from gpuq import QuantumCircuit
from gpuq.compiler import compile as compile_circuits
from gpuq.sim.devices.cpu import CpuDevice
from gpuq.sim.engine import RunSettings, run_experiment
from gpuq.sim.ops import lower_experiment

DEVICE_CASES = {
    # name: (nqubits, measured qubits, shots, seed)
    "all_in_order": (10, list(range(10)), 200_000, 1),
    "all_permuted": (9, [3, 0, 8, 1, 2, 7, 4, 6, 5], 4000, 2),
    "few": (10, [7, 2, 5], 3000, 3),
    "many_in_order": (15, list(range(1, 14)), 100_000, 4),
    "many_permuted": (15, [14, *range(1, 13)], 6000, 5),
}

PINNED_DEVICE = {
    "all_in_order/single/sample": "a61f3c54e84c053b",
    "all_in_order/single/counts": "06267a6bb435f356",
    "all_in_order/double/sample": "3a8c15540ff40513",
    "all_in_order/double/counts": "bb79f3568113d705",
    "all_permuted/single/sample": "7bb1ebc769d3731f",
    "all_permuted/single/counts": "dc492439cb08bdc6",
    "all_permuted/double/sample": "7bb1ebc769d3731f",
    "all_permuted/double/counts": "dc492439cb08bdc6",
    "few/single/sample": "9674ac45eabce648",
    "few/single/counts": "12423a5086a7c847",
    "few/double/sample": "9674ac45eabce648",
    "few/double/counts": "12423a5086a7c847",
    "many_in_order/single/sample": "96b8b2e1afb4c5e7",
    "many_in_order/single/counts": "76568adbb3707904",
    "many_in_order/double/sample": "96b8b2e1afb4c5e7",
    "many_in_order/double/counts": "76568adbb3707904",
    "many_permuted/single/sample": "e00dfc4b67f745b5",
    "many_permuted/single/counts": "276754d294b3b63d",
    "many_permuted/double/sample": "e00dfc4b67f745b5",
    "many_permuted/double/counts": "276754d294b3b63d",
}

PINNED_ENGINE = {
    "ghz12/single/counts": "e559e2be837faa9a",
    "ghz12/single/memory": "e559e2be837faa9a",
    "ghz12/single/memory/order": "c3f5ac9ce829568b",
    "ghz12/double/counts": "e559e2be837faa9a",
    "ghz12/double/memory": "e559e2be837faa9a",
    "ghz12/double/memory/order": "c3f5ac9ce829568b",
    "mixed/single/counts": "184fc8867412703c",
    "mixed/single/memory": "184fc8867412703c",
    "mixed/single/memory/order": "599939dba10e6bcb",
    "mixed/double/counts": "184fc8867412703c",
    "mixed/double/memory": "184fc8867412703c",
    "mixed/double/memory/order": "599939dba10e6bcb",
}


def _digest(*arrays: np.ndarray) -> str:
    h = hashlib.sha256()
    for array in arrays:
        h.update(np.ascontiguousarray(array, dtype=np.int64).tobytes())
    return h.hexdigest()[:16]


def _state(cpu: CpuDevice, nqubits: int, precision: str, seed: int):
    vector = reference.random_state(nqubits, np.random.default_rng(100 + seed))
    return cpu.from_host(vector.astype(np.complex64 if precision == "single" else np.complex128))


def device_digests(cpu: CpuDevice) -> dict[str, str]:
    """Digest of ``sample`` and of ``sample_counts`` for every case and precision."""
    digests = {}
    for name, (nqubits, qubits, shots, seed) in DEVICE_CASES.items():
        for precision in ("single", "double"):
            state = _state(cpu, nqubits, precision, seed)
            digests[f"{name}/{precision}/sample"] = _digest(cpu.sample(state, qubits, shots, seed))
            digests[f"{name}/{precision}/counts"] = _digest(*cpu.sample_counts(state, qubits, shots, seed))
    return digests


def _circuits() -> dict[str, QuantumCircuit]:
    ghz = QuantumCircuit(12, 12, name="ghz12")
    ghz.h(0)
    for q in range(11):
        ghz.cx(q, q + 1)
    ghz.measure(range(12), range(12))
    mixed = QuantumCircuit(8, 5, name="mixed")
    rng = np.random.default_rng(7)
    for layer in range(6):
        for q in range(8):
            mixed.u(*rng.uniform(0, np.pi, 3), q)
        for q in range(layer % 2, 7, 2):
            mixed.cx(q, q + 1)
    mixed.measure([6, 1, 3, 0, 7], [0, 1, 2, 3, 4])
    return {"ghz12": ghz, "mixed": mixed}


def engine_results(cpu: CpuDevice) -> dict[str, object]:
    """Digests of the counts (sorted) and of the per-shot memory of whole engine runs."""
    results: dict[str, str] = {}
    for name, circuit in _circuits().items():
        experiment = compile_circuits(circuit).experiments[0]
        ops = lower_experiment(experiment)
        for precision in ("single", "double"):
            for memory in (False, True):
                settings = RunSettings(
                    method="qasm", shots=2000, memory=memory, seed=31, precision=precision, fusion_max_qubits=4
                )
                outcome = run_experiment(ops, experiment.config.n_qubits, settings, cpu)
                key = f"{name}/{precision}/{'memory' if memory else 'counts'}"
                results[key] = hashlib.sha256(repr(sorted(outcome.counts.items())).encode()).hexdigest()[:16]
                if memory:
                    results[key + "/order"] = hashlib.sha256("\n".join(outcome.memory).encode()).hexdigest()[:16]
    return results


@pytest.fixture(scope="module")
def cpu() -> CpuDevice:
    return CpuDevice()


def test_device_draws_are_unchanged(cpu):
    assert device_digests(cpu) == PINNED_DEVICE


def test_engine_counts_and_memory_are_unchanged(cpu):
    assert engine_results(cpu) == PINNED_ENGINE


if __name__ == "__main__":  # prints the tables above, from the code as it stands
    import pprint

    pprint.pprint(device_digests(CpuDevice()), sort_dicts=False)
    pprint.pprint(engine_results(CpuDevice()), sort_dicts=False, width=120)
