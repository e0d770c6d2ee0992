"""``CpuDevice.adjoint_states`` and ``adjoint_step``: the fused backward step of adjoint gradients on NumPy states.

A mixin, like ``cpu_pauli.py``; the kernel is ``cpu_kernels/adjoint.py`` (twin of
``kernels/adjoint.cu``). Large states run in pieces of work items, with a
cancellation check before each, as ``sim/chunks.py`` does for gate passes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ...exceptions import JobCancelledError, SimulationError
from .adjoint_args import step_layout
from .base import state_dtype
from .cpu_threads import threads_for

CHUNK_BITS = 12
"""Groups per work item (log2): consecutive groups, many items per thread."""


class CpuAdjointMixin:
    """The adjoint sweep's states and fused step on the CPU."""

    chunk_qubits: int | None

    def adjoint_states(self, count: int, nqubits: int, precision: str) -> np.ndarray:
        """``count`` zero states of ``nqubits`` as one (count, 2**nqubits) stack; row l is a state."""
        return np.zeros((count, 1 << nqubits), dtype=state_dtype(precision))

    def adjoint_step(
        self,
        psi: np.ndarray,
        lambdas: np.ndarray,
        targets: Sequence[int],
        controls: Sequence[int],
        undo: np.ndarray,
        derivatives: np.ndarray,
        should_stop: Callable[[], bool] = lambda: False,
    ) -> np.ndarray:
        """``<lambda_l| D_d |psi>`` (rows l, columns d), then ``psi`` and every ``lambda_l`` multiplied by ``undo``.

        ``undo`` and each ``derivatives[d]`` act on ``targets`` where every control is 1 (elsewhere the
        derivative is zero and ``undo`` the identity).
        """
        if not isinstance(psi, np.ndarray) or psi.ndim != 1 or psi.dtype not in (np.complex64, np.complex128):
            raise SimulationError("a CPU state must be a 1-D complex64 or complex128 NumPy array")
        nqubits = psi.shape[0].bit_length() - 1
        layout = step_layout(nqubits, lambdas.shape, targets, controls, undo, derivatives)
        if lambdas.dtype != psi.dtype or not lambdas.flags.c_contiguous or not psi.flags.c_contiguous:
            raise SimulationError("psi and lambdas must be contiguous and of the same precision")
        nlambdas = lambdas.shape[0]
        chunk_bits = layout.chunk_bits(0, nlambdas, CHUNK_BITS)
        items = 1 << (layout.group_bits - chunk_bits)
        nsums = nlambdas * layout.nderivs
        partial = np.zeros(2 * items * max(nsums, 1))
        piece = items
        if self.chunk_qubits is not None and nqubits >= self.chunk_qubits + 2:
            piece = max(1, items >> (nqubits - self.chunk_qubits))
        undo_cast = layout.undo.astype(psi.dtype)
        from .cpu_kernels import adjoint as kernels  # imported on first use: Numba is not loaded for small jobs

        with threads_for(psi):
            for begin in range(0, items, piece):
                if should_stop():
                    raise JobCancelledError("cancelled")
                kernels.adjoint_step(
                    psi,
                    nqubits,
                    layout.targets,
                    layout.ntargets,
                    layout.mask,
                    undo_cast,
                    layout.derivs,
                    layout.nderivs,
                    lambdas.reshape(-1),
                    nlambdas,
                    chunk_bits,
                    0,
                    begin,
                    min(begin + piece, items),
                    partial,
                )
        sums = partial[: 2 * items * nsums].reshape(items, nsums, 2).sum(axis=0)
        return (sums[:, 0] + 1j * sums[:, 1]).reshape(nlambdas, layout.nderivs)
