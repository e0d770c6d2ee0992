"""Noise as operations: a noise model turned into channels and readout flips between the lowered ops.

``add_noise`` walks an experiment's lowered operations once and inserts,
with Aer's placement, a ``ChannelOp`` after each gate or reset that has a
quantum error (before a measurement), and a ``ReadoutOp`` after each
measurement whose qubit has a readout error, or after a run of measurements
that reads every qubit of a joint readout error. Both simulation methods read
the same list: the density matrix applies a channel as one superoperator,
trajectories draw one of its terms per group of shots.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ...exceptions import QobjValidationError
from ...noise import NoiseModel, QuantumError
from ...noise.channels import is_identity_up_to_phase, superoperator
from ..ops import BarrierOp, GateOp, MeasureOp, Op, ResetOp

Condition = tuple[tuple[int, ...], int] | None


@dataclass(frozen=True)
class KrausTerm:
    """One term of a channel: drawn with ``probability``, then one of ``kraus`` by its weight on the state.

    Attributes:
        probability: the term's probability.
        kraus: its Kraus matrices (one unitary for a unitary term).
        unitary: the term is one unitary, drawn without reading the state.
        identity: the term is the identity up to a phase (nothing to apply).
        paulis: for a Kraus term, the local Pauli strings ``(x, z)`` that the weights need.
        weights: for a Kraus term, ``weights[j] @ <P>`` is the weight of ``kraus[j]``
            (``<P>`` the expectation values of ``paulis``).
        effects: for a Kraus term, ``K_j^dagger K_j``: ``Tr(effects[j] rho)`` is the weight of ``kraus[j]``.
    """

    probability: float
    kraus: tuple[np.ndarray, ...]
    unitary: bool
    identity: bool
    paulis: tuple[tuple[int, int], ...] = ()
    weights: np.ndarray | None = None
    effects: tuple[np.ndarray, ...] = ()


@dataclass(frozen=True)
class ChannelOp:
    """A quantum error on ``qubits`` (bit j of its matrices is ``qubits[j]``)."""

    qubits: tuple[int, ...]
    terms: tuple[KrausTerm, ...]
    condition: Condition = None
    name: str = ""

    @functools.cached_property
    def probabilities(self) -> np.ndarray:
        """The terms' probabilities, as the array a multinomial draw takes."""
        return np.array([term.probability for term in self.terms])

    def superoperator(self) -> np.ndarray:
        """The channel on rho's 2k qubits (columns, then rows): ``sum_t p_t sum_j K (x) conj(K)``."""
        return superoperator([np.sqrt(term.probability) * k for term in self.terms for k in term.kraus])

    def branches(self) -> int:
        """Most groups one draw can split shots into."""
        return sum(len(term.kraus) for term in self.terms)


@dataclass(frozen=True)
class ReadoutOp:
    """Misread the clbits just written: recorded value ``j`` of true value ``i`` with ``probabilities[i, j]``.

    Bit m of ``i`` and ``j`` is ``clbits[m]``.
    """

    clbits: tuple[int, ...]
    probabilities: np.ndarray
    condition: Condition = None


NoisyOp = Op | ChannelOp | ReadoutOp


def add_noise(ops: tuple[Op, ...] | list[Op], model: NoiseModel, path: str) -> list[NoisyOp]:
    """Insert the model's channels and readout flips among ``ops`` (Aer's placement).

    Raises:
        QobjValidationError: an error whose size does not match the instruction it follows.
    """
    noisy: list[NoisyOp] = []
    run: list[MeasureOp] = []
    terms: dict[int, tuple[KrausTerm, ...]] = {}
    for op in ops:
        if isinstance(op, MeasureOp) and op.condition is None:
            run.append(op)
            continue
        if isinstance(op, BarrierOp):
            continue
        noisy.extend(_measurements(run, model, path, terms))
        run = []
        if isinstance(op, GateOp):
            noisy.append(op)
            qubits = op.controls + op.targets  # the instruction's own order
            error = model.quantum_error(op.name, qubits)
            noisy.extend(_channel(error, qubits, op.condition, op.name, path, terms))
        elif isinstance(op, ResetOp):
            noisy.append(op)
            error = model.quantum_error("reset", (op.qubit,))
            noisy.extend(_channel(error, (op.qubit,), op.condition, "reset", path, terms))
        elif isinstance(op, MeasureOp):
            noisy.extend(_measurements([op], model, path, terms))
        else:
            noisy.append(op)
    noisy.extend(_measurements(run, model, path, terms))
    return noisy


def _measurements(run: Sequence[MeasureOp], model: NoiseModel, path: str, terms: dict) -> list[NoisyOp]:
    """A run of measurements (nothing but barriers between them, one condition) with their errors.

    Each measurement is preceded by its quantum error. A readout error on several qubits
    (``add_readout_error(error, [q0, q1, ...])``) misreads them jointly when the run measures all
    of them (bit j of its outcomes is ``q_j``'s clbit, as in Aer's ``ReadoutError``), after the run;
    every other measured qubit is misread by its own one-qubit error right after its measurement.
    A measurement whose clbit a later one of the run overwrites takes no part in a joint error.
    """
    default_readout, local_readout = model.readout_errors()
    final = {op.clbit: op for op in run}  # the last write to each clbit
    clbit_of = {op.qubit: op.clbit for op in final.values()}
    joint: list[NoisyOp] = []
    covered: set[int] = set()  # qubits, then clbits, read by a joint error
    for key, misread in local_readout.items():
        if len(key) > 1 and all(q in clbit_of for q in key) and not covered.intersection(key):
            joint.append(ReadoutOp(tuple(clbit_of[q] for q in key), misread.probabilities, run[0].condition))
            covered.update(key)
    covered = {clbit_of[q] for q in covered}
    out: list[NoisyOp] = []
    for op in run:
        error = model.quantum_error("measure", (op.qubit,))
        out.extend(_channel(error, (op.qubit,), op.condition, "measure", path, terms))
        out.append(op)
        readout = local_readout.get((op.qubit,), default_readout)
        if readout is not None and not (op.clbit in covered and final[op.clbit] is op):
            out.append(ReadoutOp((op.clbit,), readout.probabilities, op.condition))
    return out + joint


def _channel(
    error: QuantumError | None, qubits: tuple[int, ...], condition: Condition, name: str, path: str, terms: dict
) -> list:
    """The channel of ``error`` after an instruction, its terms analysed once per error (``terms``, by id:
    the model holds the errors for the whole lowering)."""
    if error is None:
        return []
    if error.num_qubits != len(qubits):
        raise QobjValidationError(
            f"the noise model's {error.num_qubits}-qubit error for {name!r} cannot follow it on the "
            f"{len(qubits)} qubit(s) {list(qubits)}",
            f"{path}.instructions",
        )
    if id(error) not in terms:
        terms[id(error)] = channel_op(error, qubits).terms
    return [ChannelOp(tuple(qubits), terms[id(error)], condition, name)]


def channel_op(error: QuantumError, qubits: tuple[int, ...], condition: Condition = None, name: str = "") -> ChannelOp:
    """The operation of ``error`` on ``qubits``, with what both methods need precomputed."""
    return make_channel(tuple(qubits), error.terms, condition, name)


def make_channel(
    qubits: tuple[int, ...], terms: Sequence[tuple[float, Sequence[np.ndarray]]], condition: Condition, name: str
) -> ChannelOp:
    """A channel from its (probability, Kraus matrices) terms, with each term's draw precomputed."""
    return ChannelOp(qubits, tuple(_term(p, tuple(kraus)) for p, kraus in terms), condition, name)


def _term(probability: float, kraus: tuple[np.ndarray, ...]) -> KrausTerm:
    if len(kraus) == 1 and np.allclose(kraus[0].conj().T @ kraus[0], np.eye(len(kraus[0])), atol=1e-10):
        return KrausTerm(probability, kraus, True, is_identity_up_to_phase(kraus[0]))
    paulis, weights = _pauli_weights(kraus)
    effects = tuple(k.conj().T @ k for k in kraus)
    return KrausTerm(probability, kraus, False, False, paulis, weights, effects)


def _pauli_weights(kraus: tuple[np.ndarray, ...]) -> tuple[tuple[tuple[int, int], ...], np.ndarray]:
    """Pauli strings and coefficients with ``weight_j = sum_P c_jP <P>``, ``c_jP = Tr(P K_j^dag K_j) / 2**k``."""
    k = int(kraus[0].shape[0]).bit_length() - 1
    strings = [(x, z) for x in range(1 << k) for z in range(1 << k)]
    effects = np.array([m.conj().T @ m for m in kraus])
    coefficients = np.einsum("pab,jba->jp", _pauli_basis(k), effects).real / (1 << k)
    keep = np.flatnonzero(np.any(np.abs(coefficients) > 1e-14, axis=0))
    return tuple(strings[i] for i in keep), coefficients[:, keep]


@functools.cache
def _pauli_basis(k: int) -> np.ndarray:
    """``local_pauli(x, z, k)`` for every ``(x, z)``, x major, read-only: built once per k (building the
    matrices for every channel of every plan was most of a small trajectory run's time)."""
    basis = np.array([local_pauli(x, z, k) for x in range(1 << k) for z in range(1 << k)])
    basis.setflags(write=False)
    return basis


def local_pauli(x: int, z: int, k: int) -> np.ndarray:
    """The Hermitian Pauli string on k qubits with X on the bits of ``x`` and Z on those of ``z`` (Y on both)."""
    single = {
        (0, 0): np.eye(2),
        (1, 0): np.array([[0, 1], [1, 0]]),
        (0, 1): np.diag([1, -1]),
        (1, 1): np.array([[0, -1j], [1j, 0]]),
    }
    matrix = np.eye(1, dtype=complex)
    for bit in reversed(range(k)):  # qubit k-1 is the most significant factor
        matrix = np.kron(matrix, single[((x >> bit) & 1, (z >> bit) & 1)])
    return matrix
