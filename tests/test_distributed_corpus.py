"""The shared corpus with its statevector split over 2 and 4 real MPI ranks passes the conformance checks.

``mpi_programs/corpus.py`` runs every corpus circuit with ``mpi=True`` as
``test_conformance.py`` runs it on one process (same seed and shots); this
file applies the same checks: TVD of the exact distributions below 1e-6, and
the sampling bounds on the counts. Circuits too small to split over the ranks
run whole on every rank.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import test_conformance as conformance
from corpus import corpus_missing_reason, key_to_clbits, load_reference, reference_names
from test_distributed import PROGRAMS, mpirun

from gpuq.circuit.qasm import load

pytestmark = pytest.mark.skipif(not reference_names(), reason=corpus_missing_reason() or "empty corpus")


@pytest.mark.parametrize("ranks", [2, 4])
def test_the_corpus_passes_on_ranks(ranks, tmp_path):
    mpirun(ranks, str(PROGRAMS / "corpus.py"), str(tmp_path / "out"))
    vectors = np.load(tmp_path / "out.npz")
    counts = json.loads((tmp_path / "out.json").read_text())
    for name in reference_names():
        reference = load_reference(name)
        if reference.kind == "statevector":
            probs = np.abs(vectors[name]) ** 2
            ours = {int(i): float(probs[i]) for i in np.flatnonzero(probs > 1e-15)}
            assert conformance.tvd(ours, reference.probs) < conformance.EXACT_TVD, name
            continue
        got = counts[name]
        assert got["same_on_every_rank"], name
        if reference.kind == "exact":
            measure_map = conformance.split_final_measurements(load(reference.qasm_path))[1]
            ours = conformance.marginal_by_clbits(vectors[name], measure_map)
            theirs = {key_to_clbits(k): p for k, p in reference.probs.items()}
            assert conformance.tvd(ours, theirs) < conformance.EXACT_TVD, name
            conformance.check_samples(got["counts"], reference, conformance.EXACT_SAMPLE_SHOTS)
        else:
            conformance.check_samples(got["counts"], reference, conformance.SAMPLED_SHOTS)
