"""The standard errors of Qiskit Aer's ``qiskit_aer.noise``, with the same parameters and meaning.

Each returns a ``QuantumError``; the definitions (and their parameter
checks) follow Aer's, so a noise model written for Aer ports by changing
the import.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable

import numpy as np

from ..exceptions import NoiseError
from .channels import MAX_ERROR_QUBITS, pauli_matrix
from .errors import QuantumError, kraus_error

_RESET = (np.array([[1, 0], [0, 0]], dtype=complex), np.array([[0, 1], [0, 0]], dtype=complex))
"""Kraus matrices of a reset to |0>."""


def pauli_error(noise_ops: Iterable[tuple[str, float]]) -> QuantumError:
    """A mixture of Pauli strings: ``[("X", p), ("I", 1 - p)]`` (the rightmost character acts on qubit 0).

    Raises:
        NoiseError: a bad label, labels of different lengths, or probabilities that are not a distribution.
    """
    pairs = list(noise_ops)
    lengths = {len(label) for label, _ in pairs if isinstance(label, str)}
    if len(lengths) > 1:
        raise NoiseError(f"Pauli labels of different lengths {sorted(lengths)}")
    return QuantumError([(pauli_matrix(label), p) for label, p in pairs])


def depolarizing_error(param: float, num_qubits: int) -> QuantumError:
    """``E(rho) = (1 - param) rho + param Tr[rho] I / 2**n``, as a mixture of the 4**n Pauli strings.

    ``param`` lies in ``[0, 4**n / (4**n - 1)]``; the largest value is the uniform Pauli channel.

    Raises:
        NoiseError: ``num_qubits`` not in 1..3, or ``param`` out of range.
    """
    if not isinstance(num_qubits, int) or not 1 <= num_qubits <= MAX_ERROR_QUBITS:
        raise NoiseError(f"num_qubits must be an integer from 1 to {MAX_ERROR_QUBITS}, got {num_qubits!r}")
    terms = 4**num_qubits
    largest = terms / (terms - 1)
    if not 0 <= param <= largest:
        raise NoiseError(f"depolarizing parameter must be between 0 and {largest:.6g}, got {param!r}")
    labels = ["".join(chars) for chars in itertools.product("IXYZ", repeat=num_qubits)]
    pauli = param / terms
    return pauli_error([(labels[0], 1 - param / largest)] + [(label, pauli) for label in labels[1:]])


def amplitude_damping_error(
    param_amp: float, excited_state_population: float = 0, canonical_kraus: bool = True
) -> QuantumError:
    """Generalised amplitude damping towards ``[[1 - p1, 0], [0, p1]]`` (``p1 = excited_state_population``)."""
    return _phase_amplitude_damping(param_amp, 0.0, excited_state_population, canonical_kraus)


def phase_damping_error(param_phase: float, canonical_kraus: bool = True) -> QuantumError:
    """Phase damping: Kraus matrices ``[[1, 0], [0, sqrt(1 - b)]]`` and ``[[0, 0], [0, sqrt(b)]]``."""
    return _phase_amplitude_damping(0.0, param_phase, 0.0, canonical_kraus)


def _phase_amplitude_damping(amp: float, phase: float, excited: float, canonical: bool) -> QuantumError:
    """Aer's ``phase_amplitude_damping_error``: the two dampings and their thermal population."""
    if amp < 0 or phase < 0 or amp + phase > 1:
        raise NoiseError(f"damping parameters must be non-negative with a sum of at most 1, got {amp!r}, {phase!r}")
    if not 0 <= excited <= 1:
        raise NoiseError(f"excited_state_population must be between 0 and 1, got {excited!r}")
    c0, c1, rest = math.sqrt(1 - excited), math.sqrt(excited), 1 - amp - phase
    candidates = [
        c0 * np.array([[1, 0], [0, math.sqrt(rest)]]),
        c0 * np.array([[0, math.sqrt(amp)], [0, 0]]),
        c0 * np.array([[0, 0], [0, math.sqrt(phase)]]),
        c1 * np.array([[math.sqrt(rest), 0], [0, 1]]),
        c1 * np.array([[0, 0], [math.sqrt(amp), 0]]),
        c1 * np.array([[math.sqrt(phase), 0], [0, 0]]),
    ]
    return kraus_error([k for k in candidates if np.linalg.norm(k) > 1e-10], canonical_kraus=canonical)


def thermal_relaxation_error(t1: float, t2: float, time: float, excited_state_population: float = 0) -> QuantumError:
    """T1/T2 relaxation for a gate of duration ``time`` (same units as ``t1`` and ``t2``), as in Aer.

    With ``t2 <= t1`` it is a mixture of identity, Z and resets (to |0> and to |1>); with
    ``t1 < t2 <= 2 t1`` a general Kraus channel.

    Raises:
        NoiseError: ``t1`` or ``t2`` not positive, ``t2 > 2 t1``, a negative ``time``, or a
            population outside [0, 1].
    """
    if not 0 <= excited_state_population <= 1:
        raise NoiseError(f"excited_state_population must be between 0 and 1, got {excited_state_population!r}")
    if time < 0:
        raise NoiseError(f"time must be non-negative, got {time!r}")
    if not (t1 > 0 and t2 > 0):
        raise NoiseError(f"t1 and t2 must be positive, got t1={t1!r}, t2={t2!r}")
    if t2 > 2 * t1:
        raise NoiseError(f"t2 ({t2!r}) must be at most 2 * t1 ({2 * t1!r})")
    rate1 = 0.0 if t1 == math.inf else 1 / t1
    rate2 = 0.0 if t2 == math.inf else 1 / t2
    p_reset = 1 - math.exp(-time * rate1)
    exp_t2 = math.exp(-time * rate2)
    p0, p1 = 1 - excited_state_population, excited_state_population
    if t2 > t1:
        choi = np.array(
            [
                [1 - p1 * p_reset, 0, 0, exp_t2],
                [0, p1 * p_reset, 0, 0],
                [0, 0, p0 * p_reset, 0],
                [exp_t2, 0, 0, 1 - p0 * p_reset],
            ],
            dtype=complex,
        )
        values, vectors = np.linalg.eigh(choi)
        kraus = [math.sqrt(v) * vectors[:, i].reshape(2, 2, order="F") for i, v in enumerate(values) if v > 1e-12]
        return kraus_error(kraus)
    p_z = (1 - p_reset) * (1 - math.exp(-time * (rate2 - rate1))) / 2
    x = np.array([[0, 1], [1, 0]], dtype=complex)
    terms = [
        (np.eye(2, dtype=complex), 1 - p_z - p_reset * p0 - p_reset * p1),
        (pauli_matrix("Z"), p_z),
        (list(_RESET), p_reset * p0),
        ([x @ k for k in _RESET], p_reset * p1),
    ]
    return QuantumError(terms)
