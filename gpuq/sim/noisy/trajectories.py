"""The trajectory method: statevectors, with each channel drawn per group of shots.

At a channel, the group's shots are first split between the channel's terms
by their fixed probabilities (a unitary term, such as a Pauli of a
depolarizing error, is applied as it is, or skipped when it is the
identity). The shots of a term with several Kraus matrices are then split
by the weights ``||K_j psi||^2``, read from the state as Pauli expectation
values of ``K_j^dagger K_j`` (one pass per X-pattern, no copy), and each
group's state becomes ``K_j psi / ||K_j psi||``. Shots that draw the same
noise share every pass up to the point where they differ (``walker``), so
a circuit whose noise is rare costs about as many passes as distinct noise
patterns occur, not as many as shots.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..fusion import merge_block, plan_blocks
from ..ops import GateOp, MeasureOp, ResetOp
from .lowering import ChannelOp, KrausTerm, NoisyOp, ReadoutOp, make_channel
from .walker import Group, Walker, measured_pairs, tally_leaves, write_bits

_X = np.array([1, 0], dtype=np.int64)

HOST_WEIGHTS_QUBITS = 14
"""Up to this many qubits, Kraus weights are computed from a host copy (256 KiB in double): measured
on the 2-core EPYC, a Pauli-expectation launch costs about 10 ms when the thread pool is busy, the
copy and the product well under 1 ms."""


def trajectory_plan(ops: Sequence[NoisyOp], fusion_max_qubits: int) -> list[NoisyOp]:
    """Runs of unconditioned gates and channels fused into blocks; every other operation kept in place.

    A channel does not end a fused block. It takes part in the plan as a dense
    gate on its qubits (so nothing that fails to commute with it moves across
    it), and the block is emitted as its gates' product ``B`` followed by the
    channel moved to the block's end: ``K' = S K S^dagger`` on the block's qubits,
    S being the product of the block's gates after the channel. Then
    ``S K P = K' B`` for every Kraus matrix, and ``||K' B psi|| = ||K P psi||``,
    so the draws and the states are those of the circuit as written, while the
    shots that draw the identity (most of them) pay one pass per block.
    """
    plan: list[NoisyOp] = []
    run: list[GateOp | ChannelOp] = []
    for op in ops:
        if isinstance(op, (GateOp, ChannelOp)) and op.condition is None:
            run.append(op)
            continue
        plan.extend(_fused(run, fusion_max_qubits))
        run = []
        plan.append(op)
    plan.extend(_fused(run, fusion_max_qubits))
    return plan


def _fused(run: list[GateOp | ChannelOp], max_qubits: int) -> list[NoisyOp]:
    stand_ins = [
        GateOp("matrix", op.qubits, (), np.eye(1 << len(op.qubits)), name="channel")
        if isinstance(op, ChannelOp)
        else op
        for op in run
    ]
    out: list[NoisyOp] = []
    for block in plan_blocks(stand_ins, max_qubits):
        gates = [stand_ins[i] for i in block if isinstance(run[i], GateOp)]
        if gates:
            out.append(merge_block(gates))
        qubits = tuple(sorted({q for i in block for q in stand_ins[i].qubits}))
        for position, i in enumerate(block):
            channel = run[i]
            if not isinstance(channel, ChannelOp):
                continue
            after = [stand_ins[j] for j in block[position + 1 :] if isinstance(run[j], GateOp)]
            if not after:
                out.append(channel)
                continue
            suffix = np.eye(1 << len(qubits), dtype=complex)
            for gate in after:
                suffix = dense_on(gate, qubits) @ suffix
            terms = [
                (
                    term.probability,
                    [suffix @ dense_on(_matrix(channel.qubits, k), qubits) @ suffix.conj().T for k in term.kraus],
                )
                for term in channel.terms
            ]
            out.append(make_channel(qubits, terms, None, channel.name))
    return out


def _matrix(qubits: tuple[int, ...], matrix: np.ndarray) -> GateOp:
    return GateOp("matrix", qubits, (), matrix)


def dense_on(gate: GateOp, qubits: tuple[int, ...]) -> np.ndarray:
    """The ``2**len(qubits)`` matrix of ``gate`` on ``qubits`` (bit j of its index is ``qubits[j]``)."""
    position = {q: j for j, q in enumerate(qubits)}
    targets = [position[t] for t in gate.targets]
    controls = [position[c] for c in gate.controls]
    operand = np.asarray(gate.operand)
    dim = 1 << len(qubits)
    target_mask = sum(1 << t for t in targets)
    matrix = np.zeros((dim, dim), dtype=complex)
    for column in range(dim):
        if any(not (column >> c) & 1 for c in controls):
            matrix[column, column] = 1
            continue
        local = sum(((column >> t) & 1) << j for j, t in enumerate(targets))
        base = column & ~target_mask
        if gate.kind == "diagonal":
            matrix[column, column] = operand.reshape(-1)[local]
            continue
        rows = {int(operand[local]): 1.0} if gate.kind == "permutation" else dict(enumerate(operand[:, local]))
        for row, value in rows.items():
            matrix[base | sum(((row >> j) & 1) << t for j, t in enumerate(targets)), column] = value
    return matrix


class TrajectoryWalker(Walker):
    """Steps of the trajectory method on statevectors."""

    def find_tail(self) -> int:
        """The longest end of the plan made only of unconditioned measurements and readout flips."""
        for index in reversed(range(len(self.plan))):
            op = self.plan[index]
            if not isinstance(op, (MeasureOp, ReadoutOp)) or op.condition is not None:
                return index + 1
        return 0

    def split(self, state: Any, op: NoisyOp, shots: int, value: int) -> list[Group]:
        if isinstance(op, ReadoutOp):
            return self.readout_groups(op, shots, value)
        if isinstance(op, ChannelOp):
            return self._channel(state, op, shots, value)
        assert isinstance(op, (MeasureOp, ResetOp))
        weight, total = self.chunks.probability_of_one(state, op.qubit)
        p1 = float(min(max(weight / max(total, 1e-300), 0.0), 1.0))
        ones = int(self.rng.binomial(shots, p1))
        groups = []
        for outcome, count, probability in ((0, shots - ones, 1.0 - p1), (1, ones, p1)):
            after = value if isinstance(op, ResetOp) else write_bits(value, (op.clbit,), outcome)
            groups.append(Group(count, self._settle(op, outcome, probability), after))
        return groups

    def _settle(self, op: MeasureOp | ResetOp, outcome: int, probability: float):
        def settle(state: Any) -> None:
            self.chunks.collapse(state, op.qubit, outcome, probability)
            if isinstance(op, ResetOp) and outcome:
                self.chunks.apply(state, GateOp("permutation", (op.qubit,), (), _X, name="reset"))

        return settle

    def _channel(self, state: Any, op: ChannelOp, shots: int, value: int) -> list[Group]:
        groups = []
        counts = self.rng.multinomial(shots, op.probabilities)
        for index in np.flatnonzero(counts).tolist():  # most terms draw no shot: skip them in C
            term, count = op.terms[index], counts[index]
            if term.unitary:
                settle = None if term.identity else self._apply(op.qubits, term.kraus[0])
                groups.append(Group(int(count), settle, value))
                continue
            weights = self._kraus_weights(state, op.qubits, term)
            draws = self.rng.multinomial(int(count), weights)
            for kraus, weight, n in zip(term.kraus, weights, draws):
                if n:
                    groups.append(Group(int(n), self._apply(op.qubits, kraus / math.sqrt(weight)), value))
        return groups

    def _kraus_weights(self, state: Any, qubits: tuple[int, ...], term: KrausTerm) -> np.ndarray:
        """``||K_j psi||^2`` for every Kraus matrix of ``term``, normalised.

        A small state is read on the host (its reduced density matrix on ``qubits``): a kernel
        launch costs more than the whole state there. A large one is read in place, as the
        Pauli expectation values of ``K_j^dagger K_j`` (one pass per X-pattern, no copy).
        """
        if self.chunks.nqubits <= HOST_WEIGHTS_QUBITS:
            reduced = _reduced_density(np.asarray(self.chunks.device.to_host(state)), qubits, self.chunks.nqubits)
            weights = np.array([np.einsum("ab,ba->", m, reduced).real for m in term.effects])
        else:
            x_masks = np.array([_spread(x, qubits) for x, _ in term.paulis], dtype=np.int64)
            z_masks = np.array([_spread(z, qubits) for _, z in term.paulis], dtype=np.int64)
            device: Any = self.chunks.device  # both devices have the Pauli mixins (cpu_pauli, gpu_pauli)
            values = np.asarray(device.pauli_expectations(state, x_masks, z_masks), dtype=np.float64)
            assert term.weights is not None
            weights = term.weights @ values
        weights = np.clip(weights, 0.0, None)
        return weights / weights.sum()

    def _apply(self, qubits: tuple[int, ...], matrix: np.ndarray):
        op = GateOp("matrix", qubits, (), matrix, name="noise")
        return lambda state: self.chunks.apply(state, op)

    def sample_tail(self, state: Any, start: int, shots: int, value: int) -> list[tuple[int, int]]:
        pairs = measured_pairs(self.plan[start:])
        if not pairs:
            return [(value, shots)]
        qubits = sorted({q for q, _ in pairs})
        seed = int(self.rng.integers(2**63))
        outcomes, tallies = self.chunks.sample_counts(state, qubits, shots, seed)
        return tally_leaves([(int(o), int(n)) for o, n in zip(outcomes, tallies)], pairs, value)


def _reduced_density(psi: np.ndarray, qubits: tuple[int, ...], nqubits: int) -> np.ndarray:
    """The reduced density matrix of ``qubits`` (bit j of its index is ``qubits[j]``) of a host state."""
    tensor = psi.reshape((2,) * nqubits)  # axis a holds qubit nqubits - 1 - a
    axes = [nqubits - 1 - q for q in reversed(qubits)]
    block = np.moveaxis(tensor, axes, range(len(qubits))).reshape(1 << len(qubits), -1)
    return block @ block.conj().T


def _spread(local: int, qubits: tuple[int, ...]) -> int:
    """The mask with bit ``qubits[j]`` set for every bit j of ``local``."""
    return sum(1 << q for j, q in enumerate(qubits) if (local >> j) & 1)
