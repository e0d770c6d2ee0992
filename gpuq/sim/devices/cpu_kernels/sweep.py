"""Many bindings of one circuit on small states: one compiled call, one binding per thread at a time.

No CUDA twin: on the GPU a sweep is a loop of ordinary launches (``sim/sweep.py``).
For a state of a few MiB, a pass takes tens of microseconds, less than waking
Numba's thread pool or a Python call, so a sweep that launched every pass of
every binding spent its time on overhead. Here each thread takes whole
bindings: it resets its own state to |0...0>, applies every pass with the
*serial twins* of the gate kernels (the same functions, compiled without
threads), and evaluates every Pauli string with ``pauli.group_on_item`` on
the whole state as one item. Results do not depend on the thread count.

The passes arrive flat: pass ``k`` has ``kinds[k]`` (``MATRIX``, ``DIAGONAL``,
``PERMUTATION``), its targets in ``targets[k, :ntargets[k]]``, its control mask,
and its operand for binding ``b`` at ``operands[starts[k] + b * strides[k]:]``
(stride 0: shared by every binding), permutations as complex numbers whose
real part is the index.
"""

from __future__ import annotations

import types

import numba
import numpy as np
from numba import prange

from ._layout import FASTMATH
from .diagonal import apply_diagonal
from .matrix import _matrix_1, _matrix_k
from .pauli import group_on_item
from .permute import apply_permutation

MATRIX, DIAGONAL, PERMUTATION = 0, 1, 2


def _serial_twin(kernel, name: str):
    """``kernel`` compiled without threads (its ``prange`` runs as ``range``), cached under its own ``name``.

    Numba's cache files are named after a function's qualified name, so the twin
    gets a name of its own and never loads the threaded kernel's machine code.
    """
    func = kernel.py_func
    twin = types.FunctionType(func.__code__, func.__globals__, name, func.__defaults__, func.__closure__)
    twin.__qualname__ = name
    twin.__module__ = __name__
    twin.__doc__ = f"The serial twin of ``{func.__qualname__}``."
    return numba.njit(nogil=True, cache=True, fastmath=FASTMATH)(twin)


_serial_matrix_1 = _serial_twin(_matrix_1, "_serial_matrix_1")
_serial_matrix_k = _serial_twin(_matrix_k, "_serial_matrix_k")
_serial_diagonal = _serial_twin(apply_diagonal, "_serial_diagonal")
_serial_permutation = _serial_twin(apply_permutation, "_serial_permutation")


@numba.njit(nogil=True, cache=True)
def _group_count(nqubits, ntargets, control_mask):
    """All the groups of a pass (``base.group_count``): one per value of the qubits that are neither
    targets nor controls; a whole-state pass is the range ``[0, count)``."""
    controls = 0
    mask = control_mask
    while mask:
        controls += mask & 1
        mask >>= 1
    return np.int64(1) << (nqubits - ntargets - controls)


@numba.njit(nogil=True, cache=True)
def _apply_passes(state, nqubits, binding, kinds, targets, ntargets, control_masks, operands, starts, strides):
    """Apply every pass of one binding to ``state`` on the calling thread."""
    for k in range(kinds.shape[0]):
        nt = ntargets[k]
        first = starts[k] + binding * strides[k]
        mask = control_masks[k]
        groups = _group_count(nqubits, nt, mask)
        if kinds[k] == MATRIX:
            operand = operands[first : first + (1 << (2 * nt))]
            if nt == 1:
                _serial_matrix_1(state, nqubits, targets[k], mask, operand, 0, groups)
            else:
                _serial_matrix_k(state, nqubits, targets[k], nt, mask, operand, 0, groups)
        elif kinds[k] == DIAGONAL:
            _serial_diagonal(state, nqubits, targets[k], nt, mask, operands[first : first + (1 << nt)])
        else:
            perm = np.empty(1 << nt, dtype=np.int64)
            for m in range(1 << nt):
                perm[m] = np.int64(operands[first + m].real)
            _serial_permutation(state, nqubits, targets[k], nt, mask, perm, 0, groups)


@numba.njit(parallel=True, nogil=True, cache=True)
def sweep_expectations(
    state_like,
    nqubits,
    first_binding,
    nbindings,
    kinds,
    targets,
    ntargets,
    control_masks,
    operands,
    starts,
    strides,
    x_masks,
    string_starts,
    z_masks,
    imag_part,
    out,
    threads,
):
    """``out[b, j]``: string j's sum on binding ``first_binding + b``'s final state (``pauli`` kernel's layout).

    ``state_like`` is any array of the state's dtype (it chooses the precision).
    """
    nstrings = z_masks.shape[0]
    for t in prange(threads):
        state = np.empty(1 << nqubits, dtype=state_like.dtype)
        sums = np.empty(nstrings, dtype=np.float64)
        for b in range(t, nbindings, threads):
            state[:] = 0
            state[0] = 1
            _apply_passes(
                state, nqubits, first_binding + b, kinds, targets, ntargets, control_masks, operands, starts, strides
            )
            for g in range(x_masks.shape[0]):
                group_on_item(
                    state,
                    0,
                    x_masks[g],
                    string_starts[g],
                    string_starts[g + 1],
                    z_masks,
                    imag_part,
                    nstrings,
                    nqubits,
                    0,
                    sums,
                )
            out[b, :] = sums
