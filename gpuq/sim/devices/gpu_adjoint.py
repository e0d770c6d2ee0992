"""``GpuDevice.adjoint_states`` and ``adjoint_step``: ``kernels/adjoint.cu`` through CuPy, sums by CuPy.

A mixin, mirroring ``cpu_adjoint.py`` method for method. A warp's threads take
consecutive groups (``LANE_BITS``); the partial sums per work item are added by
``cupy.sum`` and only one complex number per (lambda, derivative) comes back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ...exceptions import SimulationError
from .adjoint_args import step_layout
from .base import state_dtype

LANE_BITS = 5
"""Work items of one tile (log2): a warp reads 32 consecutive groups."""

ITEM_BITS = 17
"""Work items of a pass (log2) when there are groups enough: about one per resident thread of a large GPU."""


class GpuAdjointMixin:
    """The adjoint sweep's states and fused step on the GPU."""

    _launch: Callable[..., None]  # GpuDevice._launch(entry, state, items, *args), cast by kernel_sources.KERNELS

    def adjoint_states(self, count: int, nqubits: int, precision: str) -> Any:
        """``count`` zero states of ``nqubits`` as one (count, 2**nqubits) CuPy stack; row l is a state."""
        import cupy

        return cupy.zeros((count, 1 << nqubits), dtype=state_dtype(precision))

    def adjoint_step(
        self,
        psi: Any,
        lambdas: Any,
        targets: Sequence[int],
        controls: Sequence[int],
        undo: np.ndarray,
        derivatives: np.ndarray,
        should_stop: Callable[[], bool] = lambda: False,
    ) -> np.ndarray:
        """``<lambda_l| D_d |psi>`` (rows l, columns d), then ``psi`` and every ``lambda_l`` multiplied by ``undo``.

        ``should_stop`` is not consulted within the step: a pass takes milliseconds on a GPU.
        """
        import cupy

        if not isinstance(psi, cupy.ndarray) or psi.ndim != 1 or psi.dtype not in (np.complex64, np.complex128):
            raise SimulationError("a GPU state must be a 1-D complex64 or complex128 CuPy array")
        nqubits = int(psi.shape[0]).bit_length() - 1
        layout = step_layout(nqubits, tuple(lambdas.shape), targets, controls, undo, derivatives)
        if not isinstance(lambdas, cupy.ndarray) or lambdas.dtype != psi.dtype:
            raise SimulationError("lambdas must be a CuPy stack of the state's precision")
        nlambdas = int(lambdas.shape[0])
        lane_bits = min(LANE_BITS, layout.group_bits)
        chunk_bits = layout.chunk_bits(lane_bits, nlambdas, layout.group_bits - lane_bits - ITEM_BITS)
        items = 1 << (layout.group_bits - chunk_bits)
        nsums = nlambdas * layout.nderivs
        partial = cupy.zeros(2 * items * max(nsums, 1), dtype=cupy.float64)
        self._launch(
            "adjoint_step",
            psi,
            items,
            nqubits,
            layout.targets,
            layout.ntargets,
            layout.mask,
            layout.undo,
            layout.derivs,
            layout.nderivs,
            lambdas,
            nlambdas,
            chunk_bits,
            lane_bits,
            0,
            items,
            partial,
        )
        sums = cupy.sum(partial[: 2 * items * nsums].reshape(items, nsums, 2), axis=0).get()
        return (sums[:, 0] + 1j * sums[:, 1]).reshape(nlambdas, layout.nderivs)
