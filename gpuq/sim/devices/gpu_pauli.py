"""Pauli-sum methods of ``GpuDevice``: ``kernels/pauli.cu`` through CuPy, sums by CuPy.

A mixin, mirroring ``cpu_pauli.py`` method for method. CuPy is imported only
when a method runs. Work items read consecutive amplitudes across a warp
(``LANE_BITS``), and the partial sums per item and string are added up by
``cupy.sum``; only one float per string comes back to the host.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ...exceptions import SimulationError
from .pauli_groups import chunk_bits_for, folded_coefficients, group_by_x

LANE_BITS = 5
"""Work items of one tile (log2): a warp reads 32 consecutive amplitudes."""

CHUNK_BITS = 6
"""Amplitudes per work item (log2) on the GPU: enough items to fill the device, few partial sums."""


def _cupy() -> Any:
    import cupy

    return cupy


class GpuPauliMixin:
    """``pauli_expectations``, ``apply_pauli_sum`` and ``inner_product`` on CuPy states."""

    _launch: Callable[..., None]  # GpuDevice._launch(entry, state, items, *args), cast by kernel_sources.KERNELS

    def _pauli_state(self, state: Any) -> tuple[Any, int]:
        cupy = _cupy()
        if not isinstance(state, cupy.ndarray) or state.ndim != 1 or state.dtype not in (np.complex64, np.complex128):
            raise SimulationError("a GPU state must be a 1-D complex64 or complex128 CuPy array")
        return cupy, int(state.shape[0]).bit_length() - 1

    def pauli_expectations(self, state: Any, x_masks: np.ndarray, z_masks: np.ndarray) -> np.ndarray:
        """``<state|P_j|state>`` for every string ``(x_masks[j], z_masks[j])``, as float64 on the host."""
        cupy, nqubits = self._pauli_state(state)
        values = np.zeros(len(x_masks), dtype=np.float64)
        lane_bits = min(LANE_BITS, nqubits)
        for group in group_by_x(x_masks, z_masks):
            nterms = len(group.positions)
            chunk_bits = chunk_bits_for(nqubits, nterms, lane_bits, min(nqubits - lane_bits, CHUNK_BITS))
            items = 1 << (nqubits - chunk_bits)
            partial = cupy.empty(items * nterms, dtype=cupy.float64)
            self._launch(
                "expectation_group",
                state,
                items,
                nqubits,
                group.x_mask,
                group.z_masks.view(np.uint64),
                group.imag_part,
                nterms,
                chunk_bits,
                lane_bits,
                partial,
            )
            sums = cupy.sum(partial.reshape(items, nterms), axis=0).get()
            values[group.positions] = group.weights * sums
        return values

    def apply_pauli_sum(
        self, state: Any, x_masks: np.ndarray, z_masks: np.ndarray, coeffs: np.ndarray, out: Any
    ) -> None:
        """Write ``(sum_j coeffs[j] P_j) state`` into ``out`` (same shape and precision, not ``state``)."""
        _, nqubits = self._pauli_state(state)
        if out is state or out.shape != state.shape or out.dtype != state.dtype:
            raise SimulationError("apply_pauli_sum needs a separate output state of the same size and precision")
        x = np.ascontiguousarray(x_masks, dtype=np.int64)
        z = np.ascontiguousarray(z_masks, dtype=np.int64)
        self._launch(
            "apply_pauli_sum",
            state,
            state.shape[0],
            nqubits,
            x.view(np.uint64),
            z.view(np.uint64),
            folded_coefficients(x, z, coeffs),
            len(x),
            out,
        )

    def inner_product(self, bra: Any, ket: Any) -> complex:
        """``<bra|ket>``, accumulated in double."""
        cupy, _ = self._pauli_state(bra)
        if bra.dtype == np.complex128:
            return complex(cupy.vdot(bra, ket).get())
        return complex(cupy.sum(cupy.conj(bra).astype(cupy.complex128) * ket, dtype=cupy.complex128).get())
