"""Checks and layout shared by both devices' ``adjoint_step`` (``cpu_adjoint.py``, ``gpu_adjoint.py``).

The kernel (``kernels/adjoint.cu`` and its Numba twin) trusts its arguments; these
checks turn a bad call into a ``SimulationError`` before it runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ...exceptions import SimulationError
from .base import check_matrix, check_operands, control_mask
from .pauli_groups import chunk_bits_for


@dataclass(frozen=True)
class StepLayout:
    """One step's kernel arguments beyond the states.

    Attributes:
        targets: int32 targets.
        ntargets: their count.
        mask: the controls' bit mask.
        undo: the flat row-major undo matrix (complex128; the device casts it to the state's precision).
        derivs: the flat derivative matrices, complex128.
        nderivs: their count.
        group_bits: log2 of the number of groups.
    """

    targets: np.ndarray
    ntargets: int
    mask: int
    undo: np.ndarray
    derivs: np.ndarray
    nderivs: int
    group_bits: int

    def chunk_bits(self, lane_bits: int, nlambdas: int, preferred: int) -> int:
        """Groups per work item (log2): ``preferred`` within the groups, wider when the sums would pass the budget."""
        sums = 2 * nlambdas * max(self.nderivs, 1)
        return max(0, chunk_bits_for(self.group_bits, sums, lane_bits, min(preferred, self.group_bits - lane_bits)))


def step_layout(
    nqubits: int,
    lambdas_shape: tuple[int, ...],
    targets: Sequence[int],
    controls: Sequence[int],
    undo: np.ndarray,
    derivatives: np.ndarray,
) -> StepLayout:
    """Check one ``adjoint_step`` call and lay out its arguments.

    Raises:
        SimulationError: lambdas that are not a (count, 2**nqubits) stack, bad qubits, or matrices of the
            wrong shape.
    """
    if len(lambdas_shape) != 2 or lambdas_shape[1] != 1 << nqubits:
        raise SimulationError(f"lambdas must be a stack of {1 << nqubits}-amplitude states, not shape {lambdas_shape}")
    k = len(targets)
    check_operands(nqubits, targets, controls, 1 << k)
    undo = check_matrix(undo, k)
    derivatives = np.asarray(derivatives, dtype=np.complex128)
    if derivatives.ndim != 3 or derivatives.shape[1:] != (1 << k, 1 << k):
        raise SimulationError(f"derivatives of shape {derivatives.shape} are not matrices on {k} qubit(s)")
    return StepLayout(
        targets=np.asarray(targets, dtype=np.int32),
        ntargets=k,
        mask=control_mask(controls),
        undo=np.ascontiguousarray(undo, dtype=np.complex128).reshape(-1),
        derivs=np.ascontiguousarray(derivatives).reshape(-1),
        nderivs=derivatives.shape[0],
        group_bits=nqubits - k - len(controls),
    )
