"""Gate matrices written independently of ``gpuq.circuit.gates``, for the tests.

Each entry is the full matrix over the gate's qubit arguments in gpuq's
little-endian order (argument 0 is bit 0). Controlled gates are written as
projector sums with Kronecker products, the highest argument leftmost.
"""

from __future__ import annotations

import numpy as np

I2 = np.eye(2)
P0 = np.diag([1.0, 0.0])
P1 = np.diag([0.0, 1.0])
X = np.array([[0, 1], [1, 0]], dtype=complex)
Y = np.array([[0, -1j], [1j, 0]])
Z = np.diag([1.0 + 0j, -1.0])
H = np.array([[1, 1], [1, -1]], dtype=complex) / np.sqrt(2)


def rx(t):
    return np.cos(t / 2) * I2 - 1j * np.sin(t / 2) * X


def ry(t):
    return np.cos(t / 2) * I2 - 1j * np.sin(t / 2) * Y


def rz(t):
    return np.cos(t / 2) * I2 - 1j * np.sin(t / 2) * Z


def phase(lam):
    return np.diag([1, np.exp(1j * lam)])


def u3(theta, phi, lam):
    # U3 = e^{i(phi+lam)/2} RZ(phi) RY(theta) RZ(lam)
    return np.exp(0.5j * (phi + lam)) * rz(phi) @ ry(theta) @ rz(lam)


def controlled(u, ncontrols=1):
    """Controls on the lowest arguments, ``u`` on the rest: P(all ones) ⊗ U + (1 - P) ⊗ I."""
    dim_u = u.shape[0]
    ones = np.array([[1.0]])
    for _ in range(ncontrols):
        ones = np.kron(P1, ones)
    dim_c = 1 << ncontrols
    return np.kron(u, ones) + np.kron(np.eye(dim_u), np.eye(dim_c) - ones)


def two(a, b):
    """a on argument 1, b on argument 0."""
    return np.kron(a, b)


SWAP = sum(np.kron(np.outer(e1, e2), np.outer(e2, e1)) for e1 in np.eye(2) for e2 in np.eye(2))
ISWAP = np.array([[1, 0, 0, 0], [0, 0, 1j, 0], [0, 1j, 0, 0], [0, 0, 0, 1]])
SX = (1 + 1j) / 2 * I2 + (1 - 1j) / 2 * X


def expm_pauli(pauli_pair, theta):
    """exp(-i θ/2 P⊗P) for P⊗P squaring to the identity."""
    return np.cos(theta / 2) * np.eye(4) - 1j * np.sin(theta / 2) * pauli_pair


MATRICES = {
    "id": lambda: I2,
    "x": lambda: X,
    "y": lambda: Y,
    "z": lambda: Z,
    "h": lambda: H,
    "s": lambda: phase(np.pi / 2),
    "sdg": lambda: phase(-np.pi / 2),
    "t": lambda: phase(np.pi / 4),
    "tdg": lambda: phase(-np.pi / 4),
    "sx": lambda: SX,
    "sxdg": lambda: SX.conj().T,
    "rx": rx,
    "ry": ry,
    "rz": rz,
    "p": phase,
    "u1": phase,
    "u2": lambda phi, lam: u3(np.pi / 2, phi, lam),
    "u3": u3,
    "u": u3,
    "cx": lambda: controlled(X),
    "cy": lambda: controlled(Y),
    "cz": lambda: controlled(Z),
    "ch": lambda: controlled(H),
    "csx": lambda: controlled(SX),
    "swap": lambda: SWAP,
    "iswap": lambda: ISWAP,
    "crx": lambda t: controlled(rx(t)),
    "cry": lambda t: controlled(ry(t)),
    "crz": lambda t: controlled(rz(t)),
    "cp": lambda t: controlled(phase(t)),
    "cu1": lambda t: controlled(phase(t)),
    "cu3": lambda a, b, c: controlled(u3(a, b, c)),
    "cu": lambda a, b, c, g: controlled(np.exp(1j * g) * u3(a, b, c)),
    "rxx": lambda t: expm_pauli(np.kron(X, X), t),
    "ryy": lambda t: expm_pauli(np.kron(Y, Y), t),
    "rzz": lambda t: expm_pauli(np.kron(Z, Z), t),
    "ccx": lambda: controlled(X, 2),
    "cswap": lambda: np.kron(SWAP, P1) + np.kron(np.eye(4), P0),
}
"""Gate name → function of the parameters returning the full matrix."""
