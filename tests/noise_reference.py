"""An independent dense density-matrix simulator of noisy programs, for the tests.

It shares no code with ``gpuq.sim`` or ``gpuq.noise``: operators are
expanded to full matrices (``reference.embed``), a channel is ``sum K rho
K^dagger`` with the Kraus matrices the test gives (from Qiskit Aer's own
channels, or written out), and measurements keep one unnormalised density
matrix per classical value. Small programs only.

A program is a list of steps, each with an optional condition ``(clbits, value)`` last:
``("gate", matrix, targets, cond)``, ``("channel", kraus, targets, cond)``,
``("measure", qubit, clbit, cond)``, ``("reset", qubit, cond)`` and
``("readout", clbit, probabilities, cond)`` (``probabilities[i][j]``: record j when i is true).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from reference import embed

_RESET = [np.array([[1, 0], [0, 0]], dtype=complex), np.array([[0, 1], [0, 0]], dtype=complex)]


def run(nqubits: int, program: Sequence[tuple]) -> dict[int, np.ndarray]:
    """Classical value -> unnormalised density matrix (its trace is the value's probability)."""
    dim = 1 << nqubits
    rho = np.zeros((dim, dim), dtype=complex)
    rho[0, 0] = 1
    branches = {0: rho}
    for step in program:
        condition = step[-1]
        new: dict[int, np.ndarray] = {}
        for value, rho in branches.items():
            if condition is not None and _read(value, condition[0]) != condition[1]:
                _add(new, value, rho)
                continue
            for value2, rho2 in _step(nqubits, step, value, rho):
                _add(new, value2, rho2)
        branches = new
    return branches


def distribution(nqubits: int, program: Sequence[tuple]) -> dict[int, float]:
    """Exact probability of every final classical value."""
    return {value: float(np.trace(rho).real) for value, rho in run(nqubits, program).items()}


def final_density(nqubits: int, program: Sequence[tuple]) -> np.ndarray:
    """The density matrix after a program without measurements."""
    return sum(run(nqubits, program).values())


def _step(nqubits: int, step: tuple, value: int, rho: np.ndarray) -> list[tuple[int, np.ndarray]]:
    kind = step[0]
    if kind == "gate":
        full = embed(nqubits, step[2], step[1])
        return [(value, full @ rho @ full.conj().T)]
    if kind in ("channel", "reset"):
        kraus, targets = (step[1], step[2]) if kind == "channel" else (_RESET, [step[1]])
        fulls = [embed(nqubits, targets, k) for k in kraus]
        return [(value, sum(f @ rho @ f.conj().T for f in fulls))]
    if kind == "measure":
        qubit, clbit = step[1], step[2]
        out = []
        for outcome in (0, 1):
            projector = np.diag([float(((i >> qubit) & 1) == outcome) for i in range(1 << nqubits)])
            written = (value & ~(1 << clbit)) | (outcome << clbit)
            out.append((written, projector @ rho @ projector))
        return out
    clbit, probabilities = step[1], step[2]
    true = (value >> clbit) & 1
    return [((value & ~(1 << clbit)) | (j << clbit), probabilities[true][j] * rho) for j in (0, 1)]


def _add(branches: dict[int, np.ndarray], value: int, rho: np.ndarray) -> None:
    branches[value] = branches[value] + rho if value in branches else rho


def _read(value: int, clbits: Sequence[int]) -> int:
    return sum(((value >> clbit) & 1) << j for j, clbit in enumerate(clbits))


def total_variation(counts: dict[str, int], exact: dict[int, float]) -> float:
    """Half the L1 distance between the counts' frequencies (hex keys) and an exact distribution."""
    shots = sum(counts.values())
    keys = {int(k, 16) for k in counts} | set(exact)
    return 0.5 * sum(abs(counts.get(hex(k), 0) / shots - exact.get(k, 0.0)) for k in keys)


def tv_bound(exact: dict[int, float], shots: int, factor: float = 4.0) -> float:
    """``factor`` times the expected total variation of ``shots`` draws (normal approximation):
    ``0.5 * sum sqrt(2 p (1 - p) / (pi shots))``. With a fixed seed the test is deterministic; the
    factor keeps it far from the noise of the draw (a draw exceeds 4x its mean with tiny probability)."""
    return factor * 0.5 * sum(np.sqrt(2 * p * (1 - p) / (np.pi * shots)) for p in exact.values())
