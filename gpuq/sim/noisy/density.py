"""The density-matrix method: rho of n qubits as a state of 2n, updated by the statevector kernels.

``rho[r, c]`` is amplitude ``r * 2**n + c``: column bits low, row bits high.
A gate ``U`` on qubits ``q`` becomes ``U`` on the row qubits ``q + n`` and
``conj(U)`` on the column qubits ``q`` (two commuting passes); a channel or
a reset on k qubits is one pass of its ``4**k`` superoperator on the 2k
qubits ``q`` and ``q + n``. The doubled plan is then fused like any
circuit, so a channel shares passes with the gates around it. Outcome
probabilities are exact: the diagonal of rho. A mid-circuit measurement
splits the shots between its outcomes and projects each group's rho (one
diagonal pass that also rescales it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ...noise.channels import superoperator
from ..fusion import fuse
from ..ops import GateOp, MeasureOp, ResetOp
from .lowering import ChannelOp, NoisyOp, ReadoutOp
from .walker import Group, Walker, measured_pairs, tally_leaves, write_bits

_RESET_SUPEROPERATOR = superoperator(
    [np.array([[1, 0], [0, 0]], dtype=complex), np.array([[0, 1], [0, 0]], dtype=complex)]
)
"""A reset to |0> (Kraus |0><0| and |0><1|) on a qubit's column and row bits."""


def density_plan(ops: Sequence[NoisyOp], nqubits: int, fusion_max_qubits: int) -> list[NoisyOp]:
    """The operations on the 2n-qubit vector of rho, runs of unconditioned passes fused."""
    doubled: list[NoisyOp] = []
    for op in ops:
        if isinstance(op, GateOp):
            doubled.append(_shifted(op, nqubits))
            operand = op.operand if op.kind == "permutation" else np.conj(op.operand)
            doubled.append(GateOp(op.kind, op.targets, op.controls, operand, op.condition, op.name))
        elif isinstance(op, ChannelOp):
            targets = op.qubits + tuple(q + nqubits for q in op.qubits)
            doubled.append(GateOp("matrix", targets, (), op.superoperator(), op.condition, f"channel:{op.name}"))
        elif isinstance(op, ResetOp):
            targets = (op.qubit, op.qubit + nqubits)
            doubled.append(GateOp("matrix", targets, (), _RESET_SUPEROPERATOR, op.condition, "reset"))
        else:
            doubled.append(op)
    plan: list[NoisyOp] = []
    run: list[GateOp] = []
    for op in doubled:
        if isinstance(op, GateOp) and op.condition is None:
            run.append(op)
            continue
        plan.extend(fuse(run, fusion_max_qubits))
        run = []
        plan.append(op)
    plan.extend(fuse(run, fusion_max_qubits))
    return plan


def _shifted(op: GateOp, offset: int) -> GateOp:
    return GateOp(
        op.kind,
        tuple(q + offset for q in op.targets),
        tuple(q + offset for q in op.controls),
        op.operand,
        op.condition,
        op.name,
    )


def trace_probabilities(device: Any, state: Any, nqubits: int) -> np.ndarray:
    """``diag(rho) / trace``, clipped at 0 (rounding can leave tiny negative values)."""
    diagonal = np.clip(np.asarray(device.diagonal(state, (1 << nqubits) + 1)).real.astype(np.float64), 0.0, None)
    return diagonal / max(float(diagonal.sum()), 1e-300)


def marginal(probabilities: np.ndarray, qubits: Sequence[int]) -> np.ndarray:
    """Distribution of ``qubits`` (bit j of an outcome is ``qubits[j]``) from the full distribution."""
    index = np.arange(probabilities.shape[0])
    outcome = np.zeros_like(index)
    for j, qubit in enumerate(qubits):
        outcome |= ((index >> qubit) & 1) << j
    return np.bincount(outcome, weights=probabilities, minlength=1 << len(qubits))


class DensityWalker(Walker):
    """Steps of the density-matrix method: exact probabilities from the diagonal."""

    def __init__(self, plan: Sequence[NoisyOp], chunks: Any, rng: np.random.Generator, nqubits: int):
        self.nqubits = nqubits
        super().__init__(plan, chunks, rng)

    def find_tail(self) -> int:
        """The longest end of the plan with no condition and no pass on a qubit after it is measured."""
        touched: set[int] = set()
        for index in reversed(range(len(self.plan))):
            op = self.plan[index]
            if getattr(op, "condition", None) is not None:
                return index + 1
            if isinstance(op, GateOp):
                touched.update(q % self.nqubits for q in op.qubits)
            elif isinstance(op, MeasureOp) and op.qubit in touched:
                return index + 1
        return 0

    def split(self, state: Any, op: NoisyOp, shots: int, value: int) -> list[Group]:
        if isinstance(op, ReadoutOp):
            return self.readout_groups(op, shots, value)
        assert isinstance(op, MeasureOp)
        p1 = float(marginal(trace_probabilities(self.chunks.device, state, self.nqubits), [op.qubit])[1])
        p1 = min(max(p1, 0.0), 1.0)
        ones = int(self.rng.binomial(shots, p1))
        return [
            Group(shots - ones, self._projector(op.qubit, 0, 1.0 - p1), write_bits(value, (op.clbit,), 0)),
            Group(ones, self._projector(op.qubit, 1, p1), write_bits(value, (op.clbit,), 1)),
        ]

    def _projector(self, qubit: int, outcome: int, probability: float):
        """Keep the block of rho where qubit reads ``outcome`` in both row and column, divided by its weight."""
        diag = np.zeros(4, dtype=complex)
        diag[3 * outcome] = 1.0 / max(probability, 1e-300)
        op = GateOp("diagonal", (qubit, qubit + self.nqubits), (), diag, name="measure")
        return lambda state: self.chunks.apply(state, op)

    def sample_tail(self, state: Any, start: int, shots: int, value: int) -> list[tuple[int, int]]:
        tail = self.plan[start:]
        for op in tail:
            if isinstance(op, GateOp):
                self.chunks.apply(state, op)
        pairs = measured_pairs(tail)
        if not pairs:
            return [(value, shots)]
        qubits = sorted({q for q, _ in pairs})
        distribution = marginal(trace_probabilities(self.chunks.device, state, self.nqubits), qubits)
        draws = self.rng.multinomial(shots, distribution / distribution.sum())
        return tally_leaves([(int(o), int(n)) for o, n in enumerate(draws) if n], pairs, value)
