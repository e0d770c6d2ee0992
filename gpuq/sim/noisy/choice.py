"""Which noisy method runs an experiment: the one asked for, or for "auto" the cheaper.

Both methods pay per pass over their state: ``2**n`` amplitudes per distinct
noise draw for trajectories, ``2 * 4**n`` (a row pass and a column pass)
once for the density matrix. "auto" estimates the distinct draws as the
shots that leave the main group at some channel, ``shots * (1 - prod p_main)``,
plus one, where a channel's main group is its likeliest outcome whatever the
state: the largest ``p_term * lambda_min(K^dagger K)`` (1 for a unitary), and takes the density
matrix when that costs fewer amplitudes and its state is at most
``AUTO_DENSITY_MAX_QUBITS`` qubits; without quantum errors a statevector is
exact and trajectories win. This follows Aer's rule of thumb (a density
matrix when shots outnumber ``2**n``), with the noise's sparsity counted.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ...noise import NoiseModel
from .lowering import ChannelOp, NoisyOp

AUTO_DENSITY_MAX_QUBITS = 13
"""Largest circuit "auto" runs as a density matrix: 4**13 amplitudes are 1 GiB in double precision."""


@dataclass(frozen=True)
class NoisySpec:
    """A noisy experiment ready to run: its operations with the noise in them, and the method.

    Attributes:
        ops: the lowered operations with channels and readout flips.
        method: "density_matrix" or "trajectory".
        reason: why that method, for the result's metadata.
        model: the noise model, lowered again into each binding of a circuit with parameters.
        path: the experiment's place in the Qobj, for errors.
    """

    ops: tuple[NoisyOp, ...]
    method: str
    reason: str
    model: NoiseModel | None = None
    path: str = ""


def choose_method(
    requested: str, ops: Sequence[NoisyOp], nqubits: int, shots: int, observables: bool = False
) -> tuple[str, str]:
    """``(method, reason)`` for a run that asked for ``requested`` ("auto", "trajectory" or "density_matrix").

    With ``observables``, "auto" takes the density matrix whenever it is at most
    ``AUTO_DENSITY_MAX_QUBITS`` qubits: its values are exact, where trajectories only estimate them.
    """
    if requested != "auto":
        return requested, "requested"
    channels = [op for op in ops if isinstance(op, ChannelOp)]
    if not channels:
        return "trajectory", "auto: no quantum errors, so one statevector per outcome is exact"
    if observables:
        if nqubits <= AUTO_DENSITY_MAX_QUBITS:
            return "density_matrix", "auto: exact expectation values from the density matrix"
        return "trajectory", (
            f"auto: a density matrix of more than {AUTO_DENSITY_MAX_QUBITS} qubits is too large; "
            "expectation values are averaged over trajectories"
        )
    clean = math.prod(_main_probability(op) for op in channels)
    draws = min(shots, 1 + shots * (1 - clean))
    if nqubits <= AUTO_DENSITY_MAX_QUBITS and 2 * 4**nqubits < draws * 2**nqubits:
        return "density_matrix", f"auto: about {draws:.0f} distinct noise draws cost more than one density matrix"
    return "trajectory", f"auto: about {draws:.0f} distinct noise draws cost less than a density matrix"


def _main_probability(op: ChannelOp) -> float:
    """The least probability, over all states, of the channel's likeliest outcome."""
    return max(term.probability * float(np.linalg.eigvalsh(k.conj().T @ k)[0]) for term in op.terms for k in term.kraus)
