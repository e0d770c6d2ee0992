"""Expectation values of Pauli strings, and a Pauli sum applied to a state.

Twin of ``kernels/pauli.cu`` (``expectation_group``, ``apply_pauli_sum``), with
the same arguments and index contract (see the CUDA file's header): a string
is ``(x_mask, z_mask)``; ``expectation_group`` serves every string sharing one
X mask in one pass over the state, each work item writing one partial sum per
string; ``apply_pauli_sum`` writes ``out = (sum_j c_j P_j) state`` amplitude by
amplitude. Masks arrive as int64 (bit patterns below 2**63), which keeps
Numba's index arithmetic in signed integers; sums are accumulated in float64
for both precisions.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import prange

from ._layout import FASTMATH


@numba.njit(nogil=True, cache=True, inline="always")
def parity(value):
    """1 when ``value`` has an odd number of set bits (the xor folding of the CUDA file)."""
    value ^= value >> 32
    value ^= value >> 16
    value ^= value >> 8
    value ^= value >> 4
    value ^= value >> 2
    value ^= value >> 1
    return value & 1


@numba.njit(parallel=True, nogil=True, cache=True, fastmath=FASTMATH)
def expectation_group(state, nqubits, x_mask, z_masks, imag_part, nterms, chunk_bits, lane_bits, partial):
    """Per work item and string: sum of ±Re (or ±Im) of conj(state[b ^ x_mask]) * state[b] over its chunk."""
    items = 1 << (nqubits - chunk_bits)
    chunk = 1 << chunk_bits
    lanes = 1 << lane_bits
    for w in prange(items):
        first = ((w >> lane_bits) << (lane_bits + chunk_bits)) + (w & (lanes - 1))
        row = w * nterms
        for j in range(nterms):
            partial[row + j] = 0.0
        for k in range(chunk):
            b = first + (k << lane_bits)
            a = state[b]
            p = state[b ^ x_mask]
            are, aim = np.float64(a.real), np.float64(a.imag)
            pre, pim = np.float64(p.real), np.float64(p.imag)
            re = pre * are + pim * aim
            im = pre * aim - pim * are
            for j in range(nterms):
                value = im if imag_part[j] else re
                if parity(b & z_masks[j]):
                    partial[row + j] -= value
                else:
                    partial[row + j] += value


@numba.njit(parallel=True, nogil=True, cache=True, fastmath=FASTMATH)
def apply_pauli_sum(state, nqubits, x_masks, z_masks, coeffs, nterms, out):
    """``out[i] = sum_j coeffs[j] * (-1)^popcount((i ^ x_j) & z_j) * state[i ^ x_j]``."""
    for i in prange(1 << nqubits):
        re = 0.0
        im = 0.0
        for j in range(nterms):
            source = i ^ x_masks[j]
            a = state[source]
            are, aim = np.float64(a.real), np.float64(a.imag)
            sign = -1.0 if parity(source & z_masks[j]) else 1.0
            c = coeffs[j]
            re += sign * (c.real * are - c.imag * aim)
            im += sign * (c.real * aim + c.imag * are)
        out[i] = complex(re, im)
