"""One fused step of the adjoint gradient's backward sweep: derivative sums and the undo of a block, one pass.

Twin of ``kernels/adjoint.cu`` (``adjoint_step_c64`` / ``adjoint_step_c128``), with its index contract:
for every group of the targets (controls all 1), read ``psi`` and every ``lambda_l`` once, add
``conj(lambda_l) . (D_d psi)`` to work item ``w``'s sums ``partial[2 * ((w * nlambdas + l) * nderivs + d)]``
(real, then imaginary part; double at both precisions), then write ``undo psi`` and ``undo lambda_l``.
Work item ``w`` covers the groups ``(tile << (lane_bits + chunk_bits)) + lane + (i << lane_bits)``,
``i < 2**chunk_bits``; the CPU passes ``lane_bits = 0`` (consecutive groups). ``lambdas`` is flat: the
``nlambdas`` states one after the other.

Speed: one target (every rotation, a controlled one, and the RY.RZ pair of one qubit) has its own kernel:
an item's sums are taken first, a pass over its pairs per derivative with the matrix in registers, then its
undo, while its part of psi and lambda is in L2; pair indices are computed from the pair's number (bits
inserted, no walk, no branch), so the loops compile tight.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import prange

from ._layout import (
    FASTMATH,
    insert_zero_bits,
    local_offsets,
    mask_positions,
    matrix_reals,
    pair_product,
    real_view,
    targets_mask,
)


@numba.njit(nogil=True, cache=True, inline="always")
def _first_group(w, chunk_bits, lane_bits):
    """Index of work item ``w``'s first group."""
    lanes = 1 << lane_bits
    return ((w >> lane_bits) << (lane_bits + chunk_bits)) + (w & (lanes - 1))


_ONE = np.uint64(1)


@numba.njit(nogil=True, cache=True, fastmath=FASTMATH, inline="always")
def _pair_index(i, positions, npos, control_mask):
    """Real index of the |0> amplitude of pair ``i``: zero bits inserted at the ascending ``positions`` (the
    target and the controls), then the controls set."""
    for j in range(npos):
        p = positions[j]
        i = ((i >> p) << (p + _ONE)) | (i & ((_ONE << p) - _ONE))
    return (i | control_mask) << _ONE


@numba.njit(nogil=True, cache=True, fastmath=FASTMATH, inline="always")
def _dot_pairs(fp, fl, first, count, positions, npos, control_mask, pair, m):
    """``sum conj(lambda) . (D psi)`` over pairs ``first .. first + count - 1``, in double."""
    re = 0.0
    im = 0.0
    for i in range(first, first + count):
        i0 = _pair_index(i, positions, npos, control_mask)
        i1 = i0 + pair
        a0r, a0i, a1r, a1i = (
            np.float64(fp[i0]),
            np.float64(fp[i0 + _ONE]),
            np.float64(fp[i1]),
            np.float64(fp[i1 + _ONE]),
        )
        x0r, x0i, x1r, x1i = (
            np.float64(fl[i0]),
            np.float64(fl[i0 + _ONE]),
            np.float64(fl[i1]),
            np.float64(fl[i1 + _ONE]),
        )
        t0r, t0i, t1r, t1i = pair_product(m, a0r, a0i, a1r, a1i)
        re += x0r * t0r + x0i * t0i + x1r * t1r + x1i * t1i
        im += x0r * t0i - x0i * t0r + x1r * t1i - x1i * t1r
    return re, im


@numba.njit(nogil=True, cache=True, fastmath=FASTMATH, inline="always")
def _undo_pairs(f, first, count, positions, npos, control_mask, pair, u):
    """The 2x2 ``undo`` on pairs ``first .. first + count - 1``."""
    for i in range(first, first + count):
        i0 = _pair_index(i, positions, npos, control_mask)
        i1 = i0 + pair
        f[i0], f[i0 + _ONE], f[i1], f[i1 + _ONE] = pair_product(u, f[i0], f[i0 + _ONE], f[i1], f[i1 + _ONE])


@numba.njit(parallel=True, nogil=True, cache=True, fastmath=FASTMATH)
def _step_1(
    psi,
    nqubits,
    target,
    control_mask,
    undo,
    derivs,
    nderivs,
    lambdas,
    nlambdas,
    chunk_bits,
    item_begin,
    item_end,
    partial,
):
    """One target, no controls, consecutive groups (``lane_bits = 0``): each item's sums first (its part of psi
    and lambda stays in L2), then its undo; pair indices computed, not walked, so the loops have no branches."""
    fp = real_view(psi)
    fl = real_view(lambdas)
    size = np.uint64(2) << np.uint64(nqubits)  # reals per state
    pair = np.uint64(2) << np.uint64(target)
    cmask = np.uint64(control_mask)
    found = np.zeros(64, dtype=np.int64)
    npos = mask_positions((1 << target) | control_mask, found)
    positions = found[:npos].astype(np.uint64)
    u = matrix_reals(undo)
    per_item = np.uint64(1) << np.uint64(chunk_bits)
    nsums = nlambdas * nderivs
    for w in prange(item_begin, item_end):
        sums = np.zeros(2 * nsums)
        first = np.uint64(w) * per_item
        for d in range(nderivs):
            m = matrix_reals(derivs[4 * d : 4 * d + 4])
            for lam in range(nlambdas):
                re, im = _dot_pairs(fp, fl[np.uint64(lam) * size :], first, per_item, positions, npos, cmask, pair, m)
                sums[2 * (lam * nderivs + d)] = re
                sums[2 * (lam * nderivs + d) + 1] = im
        for lam in range(nlambdas):
            _undo_pairs(fl[np.uint64(lam) * size :], first, per_item, positions, npos, cmask, pair, u)
        _undo_pairs(fp, first, per_item, positions, npos, cmask, pair, u)
        for s in range(2 * nsums):
            partial[2 * w * nsums + s] = sums[s]


@numba.njit(parallel=True, nogil=True, cache=True, fastmath=FASTMATH)
def _step_k(
    psi,
    nqubits,
    targets,
    ntargets,
    control_mask,
    undo,
    derivs,
    nderivs,
    lambdas,
    nlambdas,
    chunk_bits,
    lane_bits,
    item_begin,
    item_end,
    partial,
):
    """Any number of targets and any lane layout: the CUDA kernel's loop, with ``D_d psi`` kept per group."""
    size = 1 << nqubits
    dim = 1 << ntargets
    offsets = local_offsets(targets, ntargets)
    positions = np.zeros(64, dtype=np.int64)
    npos = mask_positions(targets_mask(targets, ntargets) | control_mask, positions)
    chunk = 1 << chunk_bits
    nsums = nlambdas * nderivs
    for w in prange(item_begin, item_end):
        sums = np.zeros(nsums, dtype=np.complex128)
        a = np.empty(dim, dtype=psi.dtype)
        x = np.empty(dim, dtype=psi.dtype)
        t = np.empty(nderivs * dim, dtype=np.complex128)
        first = _first_group(w, chunk_bits, lane_bits)
        for i in range(chunk):
            base = insert_zero_bits(first + (i << lane_bits), positions, npos) | control_mask
            for c in range(dim):
                a[c] = psi[base + offsets[c]]
            for d in range(nderivs):
                for r in range(dim):
                    acc = 0j
                    for c in range(dim):
                        acc += derivs[(d * dim + r) * dim + c] * np.complex128(a[c])
                    t[d * dim + r] = acc
            for lam in range(nlambdas):
                start = lam * size + base
                for c in range(dim):
                    x[c] = lambdas[start + offsets[c]]
                for d in range(nderivs):
                    acc = 0j
                    for r in range(dim):
                        acc += np.conj(np.complex128(x[r])) * t[d * dim + r]
                    sums[lam * nderivs + d] += acc
                for r in range(dim):
                    value = undo[r * dim] * x[0]
                    for c in range(1, dim):
                        value += undo[r * dim + c] * x[c]
                    lambdas[start + offsets[r]] = value
            for r in range(dim):
                value = undo[r * dim] * a[0]
                for c in range(1, dim):
                    value += undo[r * dim + c] * a[c]
                psi[base + offsets[r]] = value
        for s in range(nsums):
            partial[2 * (w * nsums + s)] = sums[s].real
            partial[2 * (w * nsums + s) + 1] = sums[s].imag


def adjoint_step(
    psi,
    nqubits,
    targets,
    ntargets,
    control_mask,
    undo,
    derivs,
    nderivs,
    lambdas,
    nlambdas,
    chunk_bits,
    lane_bits,
    item_begin,
    item_end,
    partial,
):
    """Sums ``<lambda_l| D_d |psi>`` per work item into ``partial``, then ``psi, lambda_l <- undo psi, undo lambda_l``.

    ``undo`` (flat ``4**k``, the state's dtype) and ``derivs`` (flat ``nderivs * 4**k``, complex128) are
    row-major; ``lambdas`` is the flat concatenation of ``nlambdas`` states. A Python dispatcher, so that a
    job compiles only the variant it runs.
    """
    if ntargets == 1 and lane_bits == 0:
        _step_1(
            psi,
            nqubits,
            int(targets[0]),
            control_mask,
            undo,
            derivs,
            nderivs,
            lambdas,
            nlambdas,
            chunk_bits,
            item_begin,
            item_end,
            partial,
        )
    else:
        _step_k(
            psi,
            nqubits,
            targets,
            ntargets,
            control_mask,
            undo,
            derivs,
            nderivs,
            lambdas,
            nlambdas,
            chunk_bits,
            lane_bits,
            item_begin,
            item_end,
            partial,
        )
