"""An independent dense-matrix simulator for the tests.

It shares no code with ``gpuq.sim``: every operator is expanded to the full
``2**n × 2**n`` matrix with Kronecker products and multiplied into the state.
Slow by design and only for small n (up to about 10 qubits).

Bit order matches gpuq: qubit ``q`` is bit ``q`` of the index, so in a
Kronecker product the highest qubit is the leftmost factor.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

_P0 = np.array([[1, 0], [0, 0]], dtype=complex)
_P1 = np.array([[0, 0], [0, 1]], dtype=complex)
_I2 = np.eye(2, dtype=complex)


def _kron_all(factors_high_to_low: list[np.ndarray]) -> np.ndarray:
    out = np.array([[1.0 + 0j]])
    for factor in factors_high_to_low:
        out = np.kron(out, factor)
    return out


def embed(nqubits: int, targets: Sequence[int], matrix: np.ndarray, controls: Sequence[int] = ()) -> np.ndarray:
    """Full operator of ``matrix`` on ``targets`` (targets[0] = matrix bit 0), controlled on ``controls``.

    The k-qubit matrix is expanded as a sum of Kronecker products of its 2x2
    blocks' elementary units |r_j><c_j| on each target, identity elsewhere; the
    control projector selects the all-ones subspace, identity on the rest.
    """
    matrix = np.asarray(matrix, dtype=complex)
    k = len(targets)
    dim = 1 << nqubits
    full = np.zeros((dim, dim), dtype=complex)
    for row in range(1 << k):
        for col in range(1 << k):
            element = matrix[row, col]
            if element == 0:
                continue
            factors = []
            for qubit in reversed(range(nqubits)):
                if qubit in targets:
                    j = list(targets).index(qubit)
                    unit = np.zeros((2, 2), dtype=complex)
                    unit[(row >> j) & 1, (col >> j) & 1] = 1
                    factors.append(unit)
                elif qubit in controls:
                    factors.append(_P1)
                else:
                    factors.append(_I2)
            full += element * _kron_all(factors)
    if controls:
        # Where any control is 0 the operator is the identity.
        not_all_ones = np.eye(dim, dtype=complex) - _kron_all(
            [_P1 if q in controls else _I2 for q in reversed(range(nqubits))]
        )
        full += not_all_ones
    return full


def apply(state: np.ndarray, targets: Sequence[int], matrix: np.ndarray, controls: Sequence[int] = ()) -> np.ndarray:
    """Return ``embed(...) @ state`` as a new array (complex128)."""
    nqubits = int(np.log2(state.shape[0]))
    return embed(nqubits, targets, matrix, controls) @ np.asarray(state, dtype=complex)


def random_state(nqubits: int, rng: np.random.Generator) -> np.ndarray:
    """A normalised random complex128 statevector."""
    vec = rng.normal(size=1 << nqubits) + 1j * rng.normal(size=1 << nqubits)
    return vec / np.linalg.norm(vec)


def random_unitary(k: int, rng: np.random.Generator) -> np.ndarray:
    """A Haar-random ``2**k × 2**k`` unitary (QR of a complex Gaussian matrix)."""
    dim = 1 << k
    z = (rng.normal(size=(dim, dim)) + 1j * rng.normal(size=(dim, dim))) / np.sqrt(2)
    q, r = np.linalg.qr(z)
    return q * (np.diag(r) / np.abs(np.diag(r)))


def marginal(state: np.ndarray, qubits: Sequence[int]) -> np.ndarray:
    """Probabilities of ``qubits`` (bit j of the result index is qubits[j])."""
    probs = np.abs(np.asarray(state)) ** 2
    out = np.zeros(1 << len(qubits))
    for index, p in enumerate(probs):
        key = 0
        for j, qubit in enumerate(qubits):
            key |= ((index >> qubit) & 1) << j
        out[key] += p
    return out


def classical_distribution(nqubits: int, program: Sequence[tuple]) -> dict[int, float]:
    """Exact probability of every final classical value of a program with measurement, reset and conditions.

    ``program`` holds, in order, ``("gate", matrix, targets, condition)``, ``("measure", qubit, clbit)``
    and ``("reset", qubit)``; ``condition`` is None or ``(clbits, value)``, true when the clbits read
    as an integer (``clbits[0]`` its bit 0) equal ``value``. Every measurement splits each branch
    in two with the Born rule and writes its clbit, replacing what an earlier measurement wrote
    there; a reset measures without writing and flips a 1 back to 0. Branches are kept apart
    (never merged), so this is exponential in the measurements: small programs only.
    """
    state = np.zeros(1 << nqubits, dtype=complex)
    state[0] = 1
    branches = [(1.0, state, 0)]
    for step in program:
        kind = step[0]
        new = []
        for probability, vector, value in branches:
            if kind == "gate":
                _, matrix, targets, condition = step
                if condition is None or _read(value, condition[0]) == condition[1]:
                    vector = apply(vector, targets, matrix)
                new.append((probability, vector, value))
                continue
            qubit = step[1]
            ones = np.array([(index >> qubit) & 1 for index in range(1 << nqubits)], dtype=bool)
            for outcome in (0, 1):
                part = np.where(ones == bool(outcome), vector, 0)
                weight = float(np.vdot(part, part).real)
                if weight < 1e-14:
                    continue
                part = part / np.sqrt(weight)
                if kind == "measure":
                    clbit = step[2]
                    written = (value & ~(1 << clbit)) | (outcome << clbit)
                    new.append((probability * weight, part, written))
                else:
                    if outcome:
                        part = apply(part, [qubit], np.array([[0, 1], [1, 0]], dtype=complex))
                    new.append((probability * weight, part, value))
        branches = new
    distribution: dict[int, float] = {}
    for probability, _, value in branches:
        distribution[value] = distribution.get(value, 0.0) + probability
    return distribution


def _read(value: int, clbits: Sequence[int]) -> int:
    return sum(((value >> clbit) & 1) << j for j, clbit in enumerate(clbits))
