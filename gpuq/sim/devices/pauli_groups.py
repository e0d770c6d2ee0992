"""Pauli strings grouped by X mask: the layout one ``expectation_groups`` call over the state serves.

Shared by both devices (``cpu_pauli.py``, ``gpu_pauli.py``). Strings with the
same X mask pair the same amplitudes, so the kernel computes them together; all
Z-only strings (X mask 0) are one group. The kernel sums the
real or the imaginary part of ``conj(psi[b ^ x]) psi[b]`` with a sign per
string; ``weights`` turn that into ``<P>``: ``Re(i^y S)`` is ``S_re``,
``-S_im``, ``-S_re`` or ``S_im`` for ``y % 4`` = 0, 1, 2, 3.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

PARTIAL_BUDGET = 1 << 22
"""Most float64 partial sums one pass may write (32 MiB): bounds the workspace whatever the group size."""

_WEIGHT = np.array([1.0, -1.0, -1.0, 1.0])


@dataclass(frozen=True)
class PauliGroup:
    """Strings sharing ``x_mask``: their Z masks, which part each sums, and where they came from.

    Attributes:
        x_mask: the shared X mask.
        z_masks: int64 Z masks.
        imag_part: int32, 1 where the string has an odd number of Ys (the kernel sums imaginary parts).
        weights: float64 ±1 turning each kernel sum into ``<P>``.
        positions: each string's index in the caller's list.
    """

    x_mask: int
    z_masks: np.ndarray
    imag_part: np.ndarray
    weights: np.ndarray
    positions: np.ndarray


def group_by_x(x_masks: np.ndarray, z_masks: np.ndarray) -> list[PauliGroup]:
    """Group strings by X mask, in order of first appearance."""
    x_masks = np.asarray(x_masks, dtype=np.int64)
    z_masks = np.asarray(z_masks, dtype=np.int64)
    order: dict[int, list[int]] = {}
    for position, x in enumerate(x_masks.tolist()):
        order.setdefault(x, []).append(position)
    groups = []
    for x, positions in order.items():
        z = z_masks[positions]
        ys = np.array([(x & int(value)).bit_count() for value in z.tolist()], dtype=np.int64)
        groups.append(
            PauliGroup(
                x,
                np.ascontiguousarray(z),
                (ys % 2).astype(np.int32),
                _WEIGHT[ys % 4],
                np.asarray(positions, dtype=np.int64),
            )
        )
    return groups


@dataclass(frozen=True)
class GroupedStrings:
    """Every group laid out flat for one ``expectation_groups`` call.

    Attributes:
        x_masks: int64 X mask of each group.
        starts: int64, group g's strings are ``[starts[g], starts[g + 1])`` of the arrays below.
        z_masks: int64 Z mask of each string, group by group.
        imag_part: int32 per string (see ``PauliGroup``).
        weights: float64 ±1 per string.
        positions: each string's index in the caller's list.
    """

    x_masks: np.ndarray
    starts: np.ndarray
    z_masks: np.ndarray
    imag_part: np.ndarray
    weights: np.ndarray
    positions: np.ndarray

    @property
    def nstrings(self) -> int:
        """How many strings the groups hold."""
        return len(self.positions)


def grouped_strings(x_masks: np.ndarray, z_masks: np.ndarray) -> GroupedStrings:
    """The groups of ``group_by_x``, flat; cached, since a sweep evaluates the same strings on every binding."""
    x = np.ascontiguousarray(x_masks, dtype=np.int64)
    z = np.ascontiguousarray(z_masks, dtype=np.int64)
    return _grouped(x.tobytes(), z.tobytes())


@functools.lru_cache(maxsize=64)
def _grouped(x_bytes: bytes, z_bytes: bytes) -> GroupedStrings:
    groups = group_by_x(np.frombuffer(x_bytes, dtype=np.int64), np.frombuffer(z_bytes, dtype=np.int64))
    sizes = [len(group.positions) for group in groups]
    return GroupedStrings(
        np.array([group.x_mask for group in groups], dtype=np.int64),
        np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
        np.ascontiguousarray(np.concatenate([group.z_masks for group in groups])),
        np.ascontiguousarray(np.concatenate([group.imag_part for group in groups])),
        np.concatenate([group.weights for group in groups]),
        np.concatenate([group.positions for group in groups]),
    )


def chunk_bits_for(nqubits: int, nterms: int, lane_bits: int, preferred: int) -> int:
    """Amplitudes per work item (log2): ``preferred``, or more when the partial sums would pass the budget."""
    room = max(1, PARTIAL_BUDGET // max(nterms, 1))
    least = max(0, nqubits - lane_bits - (room.bit_length() - 1))
    return min(nqubits - lane_bits, max(preferred, least))


def folded_coefficients(x_masks: np.ndarray, z_masks: np.ndarray, coeffs: np.ndarray) -> np.ndarray:
    """``coeffs[j] * i**y_j``: the factors ``apply_pauli_sum`` takes so that it applies ``sum_j c_j P_j``."""
    ys = np.array([(int(x) & int(z)).bit_count() for x, z in zip(x_masks, z_masks)], dtype=np.int64)
    return np.ascontiguousarray(np.asarray(coeffs, dtype=np.complex128) * (1j ** (ys % 4)))
