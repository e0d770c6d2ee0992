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
from .pauli_groups import chunk_bits_for, folded_coefficients, grouped_strings

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
        groups = grouped_strings(x_masks, z_masks)
        values = np.zeros(len(x_masks), dtype=np.float64)
        if not groups.nstrings:
            return values
        lane_bits = min(LANE_BITS, nqubits)
        chunk_bits = chunk_bits_for(nqubits, groups.nstrings, lane_bits, min(nqubits - lane_bits, CHUNK_BITS))
        items = 1 << (nqubits - chunk_bits)
        partial = cupy.empty(items * groups.nstrings, dtype=cupy.float64)
        self._launch(
            "expectation_groups",
            state,
            items,
            nqubits,
            len(groups.x_masks),
            groups.x_masks.view(np.uint64),
            groups.starts,
            groups.z_masks.view(np.uint64),
            groups.imag_part,
            groups.nstrings,
            chunk_bits,
            lane_bits,
            partial,
        )
        sums = cupy.sum(partial.reshape(items, groups.nstrings), axis=0).get()
        values[groups.positions] = groups.weights * sums
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
