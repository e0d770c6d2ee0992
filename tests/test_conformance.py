"""Conformance: every corpus circuit (QASMBench) against its reference answer, on every device.

Reference data is read by ``tests/corpus.py``; this file holds only the checks.

* ``exact``: the circuit's measurements are all terminal. gpuq's statevector
  of the circuit without them, marginalised onto the clbits its own
  ``measure`` statements name, must match ``probs`` with a total variation
  distance (TVD) below ``EXACT_TVD`` (1e-6). The keys are also checked
  end to end: qasm_simulator counts must fall inside the reference's support
  and pass the sampling bounds below.
* ``statevector``: |amplitude|² of gpuq's final state against ``probs``, TVD below 1e-6.
* ``sampled`` (mid-circuit measurement, reset, ``if``): the qasm_simulator with
  a fixed seed and ``SAMPLED_SHOTS`` shots against ``exact_probs``:

  - every observed key must have nonzero reference probability;
  - TVD(empirical, exact) ≤ E + t + dropped mass, where
    E = ½ Σᵢ √(pᵢ(1−pᵢ)/S) bounds the expected TVD (Jensen on each
    |p̂ᵢ − pᵢ|), and t = √(ln(1/δ) / 2S) is McDiarmid's deviation (one shot
    moves the TVD by at most 1/S), so an exact sampler fails with probability
    below δ = 1e-6;
  - each clbit's frequency of 1 is within √(ln(2m/δ) / 2S) of its exact
    marginal (Hoeffding, union bound over the m clbits), which catches a
    single misplaced bit even when the TVD bound is loose (many outcomes).

Counts are sampled in double precision with a fixed seed, so a run is
deterministic; δ only justifies the bound.
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
import pytest
from corpus import (
    Reference,
    corpus_missing_reason,
    key_to_clbits,
    load_reference,
    reference_names,
)

import gpuq
from gpuq.circuit.qasm import load
from gpuq.models.result import format_key

EXACT_TVD = 1e-6
DELTA = 1e-6
SAMPLED_SHOTS = 200_000
EXACT_SAMPLE_SHOTS = 20_000
SEED = 20261124

_NAMES = reference_names()
_PARAMS = _NAMES or [pytest.param(None, marks=pytest.mark.skip(reason=corpus_missing_reason() or "empty corpus"))]


@pytest.fixture(params=_PARAMS, ids=lambda name: name or "no-corpus")
def reference(request) -> Reference:
    """One corpus circuit's reference."""
    return load_reference(request.param)


# ------------------------------------------------------------------ helpers
def tvd(p: dict, q: dict) -> float:
    """Total variation distance between two distributions given as dicts (missing keys are 0)."""
    return 0.5 * sum(abs(p.get(k, 0.0) - q.get(k, 0.0)) for k in set(p) | set(q))


def split_final_measurements(circuit):
    """(the circuit without its measurements, [(qubit, clbit)]); fails if a measurement is not terminal."""
    measured: dict[int, int] = {}
    body = circuit.copy()
    body.data = []
    for inst in circuit.data:
        qubits = [circuit.qubit_index(q) for q in inst.qubits]
        if inst.name == "measure":
            assert inst.condition is None, "an 'exact' reference needs unconditional measurements"
            measured[circuit.clbit_index(inst.clbits[0])] = qubits[0]
            continue
        if inst.name != "barrier":
            touched = set(qubits) & set(measured.values())
            assert not touched, f"{inst.name} acts on measured qubit(s) {touched}: the measurements are not terminal"
        body.data.append(inst)
    return body, sorted((q, c) for c, q in measured.items())


def marginal_by_clbits(state: np.ndarray, measure_map, cutoff: float = 1e-15) -> dict[int, float]:
    """Probability of each classical value (bit c = the qubit measured into clbit c; others 0)."""
    probs = np.abs(np.asarray(state)) ** 2
    index = np.flatnonzero(probs > cutoff)
    values = np.zeros(index.size, dtype=np.uint64)
    for qubit, clbit in measure_map:
        values |= ((index >> qubit) & 1).astype(np.uint64) << np.uint64(clbit)
    unique, inverse = np.unique(values, return_inverse=True)
    sums = np.bincount(inverse, weights=probs[index])
    return {int(v): float(p) for v, p in zip(unique, sums)}


def tvd_bound(probs: dict, shots: int, dropped: float) -> float:
    """E[TVD] bound + McDiarmid deviation at DELTA + the mass the reference left out."""
    expected = 0.5 * sum(math.sqrt(p * (1 - p) / shots) for p in probs.values())
    return expected + math.sqrt(math.log(1 / DELTA) / (2 * shots)) + dropped


def clbit_marginals(distribution: dict[str, float], num_clbits: int) -> np.ndarray:
    """P(clbit j = 1) for each j, from a distribution over count keys."""
    values = np.array([key_to_clbits(key) for key in distribution], dtype=np.uint64)
    weights = np.fromiter(distribution.values(), dtype=float, count=len(distribution))
    return np.array([weights[((values >> np.uint64(j)) & np.uint64(1)) == 1].sum() for j in range(num_clbits)])


def check_samples(counts: dict[str, int], reference: Reference, shots: int) -> None:
    """Support, TVD bound and per-clbit bounds of sampled counts against the exact distribution."""
    assert sum(counts.values()) == shots
    outside = {k: v for k, v in counts.items() if reference.probs.get(k, 0.0) <= 0.0}
    if reference.dropped_mass < 1e-9:
        assert not outside, f"outcomes the reference says never happen: {dict(list(outside.items())[:5])}"
    empirical = {k: v / shots for k, v in counts.items()}
    distance, bound = tvd(empirical, reference.probs), tvd_bound(reference.probs, shots, reference.dropped_mass)
    assert distance <= bound, f"TVD {distance:.5f} above the {bound:.5f} bound at {shots} shots"
    m = reference.num_clbits
    if m:
        gap = np.abs(clbit_marginals(empirical, m) - clbit_marginals(reference.probs, m))
        limit = math.sqrt(math.log(2 * m / DELTA) / (2 * shots)) + reference.dropped_mass
        worst = int(np.argmax(gap))
        assert gap[worst] <= limit, f"clbit {worst}: frequency off by {gap[worst]:.5f} (limit {limit:.5f})"


def run(circuit, backend: str, device: str, shots: int = 1):
    return gpuq.execute(circuit, backend, shots=shots, seed=SEED, precision="double", device=device).result()


# ------------------------------------------------------------------ tests
def test_parses_to_the_registers_of_the_reference(reference):
    circuit = load(reference.qasm_path)
    assert circuit.name == reference.name
    assert (circuit.num_qubits, circuit.num_clbits) == (reference.num_qubits, reference.num_clbits)
    assert tuple((r.name, r.size) for r in circuit.cregs) == reference.cregs
    if reference.kind == "exact":
        assert split_final_measurements(circuit)[1] == sorted(reference.measure_map)


def test_matches_reference(reference, device_name):
    circuit = load(reference.qasm_path)
    if reference.kind == "statevector":
        state = run(circuit, "statevector_simulator", device_name).get_statevector()
        probs = np.abs(np.asarray(state)) ** 2
        ours = {int(i): float(probs[i]) for i in np.flatnonzero(probs > 1e-15)}
        assert tvd(ours, reference.probs) < EXACT_TVD
    elif reference.kind == "exact":
        body, measure_map = split_final_measurements(circuit)
        result = run(body, "statevector_simulator", device_name)
        ours = marginal_by_clbits(result.get_statevector(), measure_map)
        theirs = {key_to_clbits(k): p for k, p in reference.probs.items()}
        distance = tvd(ours, theirs)
        assert distance < EXACT_TVD, f"TVD {distance:.3g} between gpuq's exact distribution and the reference"
        header = result.results[0].header.model_copy(
            update={"memory_slots": circuit.num_clbits, "creg_sizes": [(r.name, r.size) for r in circuit.cregs]}
        )
        for key in sorted(reference.probs, key=reference.probs.get, reverse=True)[:8]:
            assert format_key(hex(key_to_clbits(key)), header) == key
    else:
        counts = run(circuit, "qasm_simulator", device_name, SAMPLED_SHOTS).get_counts()
        check_samples(counts, reference, SAMPLED_SHOTS)


def test_counts_keys_end_to_end(reference, device_name):
    """The qasm_simulator's count keys on 'exact' circuits: right layout, right support, right statistics."""
    if reference.kind != "exact":
        pytest.skip(f"{reference.kind} reference: its counts are checked in test_matches_reference")
    counts = run(load(reference.qasm_path), "qasm_simulator", device_name, EXACT_SAMPLE_SHOTS).get_counts()
    check_samples(counts, reference, EXACT_SAMPLE_SHOTS)


def test_bound_rejects_a_wrong_distribution():
    """The sampling check is not vacuous: a sampler that swaps two clbits of a skewed distribution fails it."""
    probs = {"000": 0.7, "001": 0.2, "110": 0.1}
    reference = Reference("synthetic", None, "sampled", 3, 3, (("c", 3),), probs, 0.0)
    rng = np.random.default_rng(SEED)
    keys = list(probs)
    draws = rng.choice(len(keys), size=SAMPLED_SHOTS, p=list(probs.values()))
    good = defaultdict(int)
    for d in draws:
        good[keys[d]] += 1
    check_samples(dict(good), reference, SAMPLED_SHOTS)
    swapped = {k[0] + k[2] + k[1]: v for k, v in good.items()}  # clbits 0 and 1 exchanged
    with pytest.raises(AssertionError):
        check_samples(swapped, reference, SAMPLED_SHOTS)
    skewed = dict(good)
    skewed["000"] -= 2000
    skewed["001"] += 2000
    with pytest.raises(AssertionError, match="TVD|clbit"):
        check_samples(skewed, reference, SAMPLED_SHOTS)
