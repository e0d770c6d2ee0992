"""Reference data of the conformance corpus: where it is and how to read it (no test logic here).

The corpus lives outside the repository, in ``../shared/corpus`` relative to
the repository root (``qasmbench/<name>.qasm`` and ``refs/<name>.json`` or
``.json.gz``); ``GPUQ_CORPUS_DIR`` points elsewhere, for instance at a
held-out set with the same layout. See ``qasmbench/README.md`` there for what
each reference kind means.
"""

from __future__ import annotations

import gzip
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

CORPUS_DIR = Path(os.environ.get("GPUQ_CORPUS_DIR") or Path(__file__).resolve().parents[1].parent / "shared" / "corpus")
"""The corpus root: ``<repo>/../shared/corpus`` unless ``GPUQ_CORPUS_DIR`` is set."""

KINDS = ("exact", "statevector", "sampled")


@dataclass(frozen=True)
class Reference:
    """One corpus circuit and its reference answer.

    Attributes:
        name: the file stem, e.g. ``small__qft_n4``.
        qasm_path: the OpenQASM 2.0 file.
        kind: "exact", "statevector" or "sampled".
        num_qubits, num_clbits: as the reference generator counted them.
        cregs: ``(name, size)`` in declaration order.
        probs: outcome → probability. For "exact" and "sampled" the outcome is a
            count key (registers separated by spaces, last register leftmost,
            clbit 0 rightmost); for "statevector" it is the basis index.
        dropped_mass: probability left out of ``probs`` (entries below the cutoff).
        measure_map: ``(qubit, clbit)`` pairs of the final measurements ("exact" only).
        counts: the reference simulator's counts ("sampled" only), with ``shots`` and ``seed``.
    """

    name: str
    qasm_path: Path
    kind: str
    num_qubits: int
    num_clbits: int
    cregs: tuple[tuple[str, int], ...]
    probs: dict
    dropped_mass: float
    measure_map: tuple[tuple[int, int], ...] = ()
    counts: dict[str, int] = field(default_factory=dict)
    shots: int = 0
    seed: int | None = None


def corpus_missing_reason() -> str | None:
    """None when the corpus is there, else why the conformance tests are skipped."""
    if not (CORPUS_DIR / "qasmbench").is_dir() or not (CORPUS_DIR / "refs").is_dir():
        return (
            f"conformance corpus not found at {CORPUS_DIR} (expected qasmbench/ and refs/ there; "
            "set GPUQ_CORPUS_DIR to use another location)"
        )
    return None


def reference_names() -> list[str]:
    """Names of every circuit that has both a .qasm file and a reference, sorted (small ones first)."""
    if corpus_missing_reason() is not None:
        return []
    refs = {_stem(p) for p in (CORPUS_DIR / "refs").iterdir() if p.name.endswith((".json", ".json.gz"))}
    circuits = {p.stem for p in (CORPUS_DIR / "qasmbench").glob("*.qasm")}
    return sorted(refs & circuits, key=lambda n: (not n.startswith("small"), n))


def _stem(path: Path) -> str:
    return path.name.removesuffix(".gz").removesuffix(".json")


def load_reference(name: str) -> Reference:
    """Read one reference file."""
    base = CORPUS_DIR / "refs" / name
    gz = base.with_name(name + ".json.gz")
    if gz.exists():
        with gzip.open(gz, "rt") as handle:
            data = json.load(handle)
    else:
        data = json.loads(base.with_name(name + ".json").read_text())
    kind = data["kind"]
    if kind not in KINDS:
        raise ValueError(f"{name}: unknown reference kind {kind!r}")
    if kind == "sampled":
        probs, dropped = data["exact_probs"], data.get("exact_dropped_mass", 0.0)
    else:
        probs, dropped = data["probs"], data.get("dropped_mass", 0.0)
    if kind == "statevector":
        probs = {int(index): p for index, p in probs.items()}
    return Reference(
        name=name,
        qasm_path=CORPUS_DIR / "qasmbench" / f"{name}.qasm",
        kind=kind,
        num_qubits=data["num_qubits"],
        num_clbits=data["num_clbits"],
        cregs=tuple((str(n), int(s)) for n, s in data.get("cregs", [])),
        probs=probs,
        dropped_mass=float(dropped or 0.0),
        measure_map=tuple((int(q), int(c)) for q, c in data.get("measure_map", [])),
        counts=data.get("counts", {}),
        shots=int(data.get("shots", 0) or 0),
        seed=data.get("seed"),
    )


def key_to_clbits(key: str) -> int:
    """A count key → the integer whose bit j is clbit j (registers are contiguous, the first one lowest)."""
    return int(key.replace(" ", ""), 2) if key.strip() else 0
