"""Pauli-sum methods of ``CpuDevice``: expectation values, a sum applied to a state, inner products.

A mixin, so that the device module stays about gate kernels; the kernels are
``cpu_kernels/pauli.py`` (twins of ``kernels/pauli.cu``). Nothing here copies
the state: one kernel call serves every X-mask group and writes small partial sums.
"""

from __future__ import annotations

import numpy as np

from ...exceptions import SimulationError
from .cpu_threads import threads_for
from .pauli_groups import chunk_bits_for, folded_coefficients, grouped_strings

CHUNK_BITS = 12
"""Amplitudes per work item (log2) on the CPU: a contiguous 64 KiB chunk (double), many items per thread."""

_WIDEN_CHUNK = 1 << 16


def _state(state: object) -> np.ndarray:
    if not isinstance(state, np.ndarray) or state.dtype not in (np.complex64, np.complex128) or state.ndim != 1:
        raise SimulationError("a CPU state must be a 1-D complex64 or complex128 NumPy array")
    return state


class CpuPauliMixin:
    """``pauli_expectations``, ``apply_pauli_sum`` and ``inner_product`` on NumPy states."""

    def pauli_expectations(self, state: np.ndarray, x_masks: np.ndarray, z_masks: np.ndarray) -> np.ndarray:
        """``<state|P_j|state>`` for every string ``(x_masks[j], z_masks[j])``, as float64."""
        state = _state(state)
        nqubits = state.shape[0].bit_length() - 1
        groups = grouped_strings(x_masks, z_masks)
        values = np.zeros(len(x_masks), dtype=np.float64)
        if not groups.nstrings:
            return values
        chunk_bits = chunk_bits_for(nqubits, groups.nstrings, 0, min(nqubits, CHUNK_BITS))
        partial = np.empty((1 << (nqubits - chunk_bits)) * groups.nstrings, dtype=np.float64)
        from .cpu_kernels import pauli as kernels  # imported on first use: Numba is not loaded for small jobs

        with threads_for(state):
            kernels.expectation_groups(
                state,
                nqubits,
                len(groups.x_masks),
                groups.x_masks,
                groups.starts,
                groups.z_masks,
                groups.imag_part,
                groups.nstrings,
                chunk_bits,
                0,
                partial,
            )
        values[groups.positions] = groups.weights * partial.reshape(-1, groups.nstrings).sum(axis=0)
        return values

    def apply_pauli_sum(
        self, state: np.ndarray, x_masks: np.ndarray, z_masks: np.ndarray, coeffs: np.ndarray, out: np.ndarray
    ) -> None:
        """Write ``(sum_j coeffs[j] P_j) state`` into ``out`` (same shape and precision, not ``state``)."""
        state, out = _state(state), _state(out)
        if out.shape != state.shape or out.dtype != state.dtype or np.shares_memory(out, state):
            raise SimulationError("apply_pauli_sum needs a separate output state of the same size and precision")
        x = np.ascontiguousarray(x_masks, dtype=np.int64)
        z = np.ascontiguousarray(z_masks, dtype=np.int64)
        from .cpu_kernels import pauli as kernels

        kernels.apply_pauli_sum(
            state, state.shape[0].bit_length() - 1, x, z, folded_coefficients(x, z, coeffs), len(x), out
        )

    def inner_product(self, bra: np.ndarray, ket: np.ndarray) -> complex:
        """``<bra|ket>``, accumulated in double (single-precision states are widened a chunk at a time)."""
        bra, ket = _state(bra), _state(ket)
        if bra.dtype == np.complex128 and ket.dtype == np.complex128:
            return complex(np.vdot(bra, ket))
        total = 0j
        for first in range(0, bra.shape[0], _WIDEN_CHUNK):
            part = slice(first, first + _WIDEN_CHUNK)
            total += complex(np.vdot(bra[part].astype(np.complex128), ket[part].astype(np.complex128)))
        return total
