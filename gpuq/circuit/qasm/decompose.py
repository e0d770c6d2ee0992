"""Exact decompositions into qelib1 gates, for gates OpenQASM 2 cannot name.

Used by the exporter for ``mcx`` with five or more controls and for
``unitary``. Every routine returns a list of ``(name, params, qubits)`` with
qubits as local indices, names from qelib1 (``u3 cu cx ccx c3x c4x p h x``).
All are exact up to a global phase of the whole operation, which OpenQASM 2
cannot express and which no measurement sees (the phase of a controlled
operation's *target* part is kept: ``cu`` carries it).

- ``diagonal_ops``: any diagonal unitary as a parity network. A phase
  function f(x) on m bits is, up to a constant, a sum of parity terms
  a_S·(x_i ⊕ … for i in S); each term is CNOTs onto the highest qubit of S,
  ``p(a_S)``, and the CNOTs undone. The a_S come from a Walsh–Hadamard
  transform of f. O(m·2^m) gates.
- ``mcx_ops``: H · (phase π on |1…1⟩) · H on the target.
- ``unitary_ops``: the two-level (Givens) decomposition in Gray-code order,
  so each two-level rotation mixes two basis states that differ in one bit:
  a multi-controlled one-qubit gate, built by Barenco et al.'s lemma 7.5
  (controlled √V, an MCX, controlled √V†, the MCX again, then √V under the
  remaining controls). Gate counts grow fast with the qubit count; fine for
  the 1- to 4-qubit unitaries one writes by hand.
"""

from __future__ import annotations

import cmath
import math

import numpy as np

Op = tuple[str, tuple[float, ...], tuple[int, ...]]

_ATOL = 1e-12


def u3_params(matrix: np.ndarray) -> tuple[float, float, float, float]:
    """(θ, φ, λ, γ) with ``matrix = e^{iγ} · u3(θ, φ, λ)`` for a 2×2 unitary."""
    a, b = matrix[0, 0], matrix[0, 1]
    c, d = matrix[1, 0], matrix[1, 1]
    theta = 2 * math.atan2(abs(c), abs(a))
    if abs(a) > 1e-9:
        gamma = cmath.phase(a)
        phi = cmath.phase(c) - gamma if abs(c) > 1e-9 else 0.0
        lam = cmath.phase(d) - gamma - phi
    else:
        gamma = cmath.phase(-b)  # take λ = 0
        lam = 0.0
        phi = cmath.phase(c) - gamma
    return theta, phi, lam, gamma


def diagonal_ops(phases: np.ndarray, qubits: tuple[int, ...]) -> list[Op]:
    """Ops for diag(e^{i·phases[x]}) on ``qubits`` (bit j of x is ``qubits[j]``), up to global phase."""
    m = len(qubits)
    f = np.asarray(phases, dtype=float)
    ops: list[Op] = []
    for subset in range(1, 1 << m):
        signs = np.array([-1.0 if (x & subset).bit_count() % 2 else 1.0 for x in range(1 << m)])
        angle = -2 * float(np.dot(f, signs)) / (1 << m)
        angle = math.remainder(angle, 2 * math.pi)
        if abs(angle) < _ATOL:
            continue
        members = [qubits[j] for j in range(m) if subset >> j & 1]
        top, rest = members[-1], members[:-1]
        ladder: list[Op] = [("cx", (), (q, top)) for q in rest]
        ops += ladder + [("p", (angle,), (top,))] + ladder[::-1]
    return ops


def mcx_ops(controls: tuple[int, ...], target: int) -> list[Op]:
    """X on ``target`` controlled on every qubit of ``controls``, exactly."""
    k = len(controls)
    if k <= 4:
        return [(("x", "cx", "ccx", "c3x", "c4x")[k], (), tuple(controls) + (target,))]
    phases = np.zeros(1 << (k + 1))
    phases[-1] = math.pi
    return [("h", (), (target,))] + diagonal_ops(phases, tuple(controls) + (target,)) + [("h", (), (target,))]


def _sqrt_unitary(v: np.ndarray) -> np.ndarray:
    """A square root of a 2×2 unitary."""
    eigenvalues, vectors = np.linalg.eig(v)
    if abs(eigenvalues[0] - eigenvalues[1]) < 1e-9:
        return np.sqrt(complex(eigenvalues[0])) * np.eye(2)
    vectors = vectors / np.linalg.norm(vectors, axis=0)
    return vectors @ np.diag(np.sqrt(eigenvalues.astype(complex))) @ vectors.conj().T


def controlled_ops(v: np.ndarray, controls: tuple[int, ...], target: int) -> list[Op]:
    """The 2×2 unitary ``v`` on ``target`` controlled on ``controls``, exactly (global phase of v kept)."""
    if not controls:
        theta, phi, lam, _ = u3_params(v)
        return [("u3", (theta, phi, lam), (target,))]
    if len(controls) == 1:
        return [("cu", u3_params(v), (controls[0], target))]
    w = _sqrt_unitary(v)
    last, rest = controls[-1], controls[:-1]
    return (
        controlled_ops(w, (last,), target)
        + mcx_ops(rest, last)
        + controlled_ops(w.conj().T, (last,), target)
        + mcx_ops(rest, last)
        + controlled_ops(w, rest, target)
    )


def unitary_ops(matrix: np.ndarray) -> list[Op]:
    """Ops for a 2^k×2^k unitary on local qubits 0…k-1 (matrix index bit j is qubit j), up to global phase."""
    u = np.array(matrix, dtype=complex)
    dim = u.shape[0]
    k = dim.bit_length() - 1
    if k == 1:
        theta, phi, lam, _ = u3_params(u)
        return [("u3", (theta, phi, lam), (0,))]
    gray = [i ^ (i >> 1) for i in range(dim)]
    rotations = []
    for column in range(dim - 1):
        c = gray[column]
        for row in range(dim - 1, column, -1):
            a, b = gray[row - 1], gray[row]
            x, y = u[a, c], u[b, c]
            if abs(y) < _ATOL:
                continue
            norm = math.hypot(abs(x), abs(y))
            g = np.array([[x.conjugate(), y.conjugate()], [-y, x]]) / norm
            u[[a, b], :] = g @ u[[a, b], :]
            rotations.append((a, b, g))
    # Now G_m … G_1 · U = D, so U = G_1† … G_m† · D: D first in time, then G_m†, …, G_1†.
    ops = diagonal_ops(np.angle(np.diag(u)), tuple(range(k)))
    for a, b, g in reversed(rotations):
        ops += _two_level_ops(g.conj().T, a, b, k)
    return ops


def _two_level_ops(v: np.ndarray, a: int, b: int, k: int) -> list[Op]:
    """``v`` acting on basis states a, b (one bit apart) of k qubits, identity elsewhere."""
    target = (a ^ b).bit_length() - 1
    if a >> target & 1:  # keep |0⟩ of the target first
        v = v[::-1, ::-1]
    controls = tuple(q for q in range(k) if q != target)
    flips = [("x", (), (q,)) for q in controls if not a >> q & 1]
    return flips + controlled_ops(v, controls, target) + flips
