"""The gate methods of ``QuantumCircuit`` (``h``, ``cx``, ``rz``, ``mcx``, ``unitary``, …), as a mixin.

One method per library gate, each a thin call of ``_gate``, which checks the
parameters and broadcasts register arguments. They live apart from the
circuit's own machinery (registers, bit resolution, appending, composition)
because they are a long list that grows with the library, and nothing else.
The class mixing them in provides ``_qubits`` (resolve an argument to bits)
and ``append`` (add one instruction).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Union

from ..exceptions import CircuitError
from .gates import check_unitary, gate_parameter, gate_spec
from .instruction import InstructionSet, Operation
from .register import ClassicalRegister, Clbit, QuantumRegister, Qubit

QubitSpec = Union[int, Qubit, QuantumRegister, Sequence]
ClbitSpec = Union[int, Clbit, ClassicalRegister, Sequence]


class GateMethods:
    """``QuantumCircuit``'s methods that append library gates."""

    if TYPE_CHECKING:

        def _qubits(self, spec: QubitSpec) -> list[Qubit]: ...

        def append(self, operation: Operation, qargs: Sequence = (), cargs: Sequence = ()) -> InstructionSet: ...

    @staticmethod
    def _broadcast(groups: list[list]) -> list[tuple]:
        """Pair up argument lists: equal lengths zip, single elements repeat."""
        lengths = {len(g) for g in groups if len(g) != 1}
        if len(lengths) > 1:
            raise CircuitError(f"cannot broadcast arguments of lengths {[len(g) for g in groups]}")
        width = lengths.pop() if lengths else 1
        return [tuple(g[0] if len(g) == 1 else g[i] for g in groups) for i in range(width)]

    def _gate(self, name: str, params: Sequence[float], *qargs: QubitSpec) -> InstructionSet:
        spec = gate_spec(name)
        if len(params) != spec.num_params:
            raise CircuitError(f"gate {name!r} takes {spec.num_params} parameter(s), got {len(params)}")
        values = [gate_parameter(name, p) for p in params]
        if len(qargs) != spec.num_qubits():
            raise CircuitError(f"gate {name!r} acts on {spec.num_qubits()} qubit(s), got {len(qargs)} argument(s)")
        operation = Operation(name, spec.num_qubits(), params=tuple(values))
        positions = []
        for qubits in self._broadcast([self._qubits(q) for q in qargs]):
            positions.extend(self.append(operation, qubits)._positions)
        return InstructionSet(self, positions)

    # ------------------------------------------------------------------- gates
    def id(self, qubit: QubitSpec) -> InstructionSet:
        """Identity."""
        return self._gate("id", (), qubit)

    def x(self, qubit: QubitSpec) -> InstructionSet:
        """Pauli X."""
        return self._gate("x", (), qubit)

    def y(self, qubit: QubitSpec) -> InstructionSet:
        """Pauli Y."""
        return self._gate("y", (), qubit)

    def z(self, qubit: QubitSpec) -> InstructionSet:
        """Pauli Z."""
        return self._gate("z", (), qubit)

    def h(self, qubit: QubitSpec) -> InstructionSet:
        """Hadamard."""
        return self._gate("h", (), qubit)

    def s(self, qubit: QubitSpec) -> InstructionSet:
        """S = sqrt(Z)."""
        return self._gate("s", (), qubit)

    def sdg(self, qubit: QubitSpec) -> InstructionSet:
        """S†."""
        return self._gate("sdg", (), qubit)

    def t(self, qubit: QubitSpec) -> InstructionSet:
        """T = fourth root of Z."""
        return self._gate("t", (), qubit)

    def tdg(self, qubit: QubitSpec) -> InstructionSet:
        """T†."""
        return self._gate("tdg", (), qubit)

    def sx(self, qubit: QubitSpec) -> InstructionSet:
        """sqrt(X)."""
        return self._gate("sx", (), qubit)

    def sxdg(self, qubit: QubitSpec) -> InstructionSet:
        """sqrt(X)†."""
        return self._gate("sxdg", (), qubit)

    def rx(self, theta: float, qubit: QubitSpec) -> InstructionSet:
        """Rotation about X by ``theta``."""
        return self._gate("rx", (theta,), qubit)

    def ry(self, theta: float, qubit: QubitSpec) -> InstructionSet:
        """Rotation about Y by ``theta``."""
        return self._gate("ry", (theta,), qubit)

    def rz(self, phi: float, qubit: QubitSpec) -> InstructionSet:
        """Rotation about Z by ``phi``: diag(e^{-iφ/2}, e^{iφ/2})."""
        return self._gate("rz", (phi,), qubit)

    def p(self, lam: float, qubit: QubitSpec) -> InstructionSet:
        """Phase gate diag(1, e^{iλ})."""
        return self._gate("p", (lam,), qubit)

    def u1(self, lam: float, qubit: QubitSpec) -> InstructionSet:
        """Same as ``p``."""
        return self._gate("u1", (lam,), qubit)

    def u2(self, phi: float, lam: float, qubit: QubitSpec) -> InstructionSet:
        """U(π/2, φ, λ)."""
        return self._gate("u2", (phi, lam), qubit)

    def u3(self, theta: float, phi: float, lam: float, qubit: QubitSpec) -> InstructionSet:
        """Generic one-qubit rotation U(θ, φ, λ)."""
        return self._gate("u3", (theta, phi, lam), qubit)

    def u(self, theta: float, phi: float, lam: float, qubit: QubitSpec) -> InstructionSet:
        """Same as ``u3``."""
        return self._gate("u", (theta, phi, lam), qubit)

    def cx(self, control: QubitSpec, target: QubitSpec) -> InstructionSet:
        """Controlled X (CNOT)."""
        return self._gate("cx", (), control, target)

    def cy(self, control: QubitSpec, target: QubitSpec) -> InstructionSet:
        """Controlled Y."""
        return self._gate("cy", (), control, target)

    def cz(self, control: QubitSpec, target: QubitSpec) -> InstructionSet:
        """Controlled Z."""
        return self._gate("cz", (), control, target)

    def ch(self, control: QubitSpec, target: QubitSpec) -> InstructionSet:
        """Controlled Hadamard."""
        return self._gate("ch", (), control, target)

    def csx(self, control: QubitSpec, target: QubitSpec) -> InstructionSet:
        """Controlled sqrt(X)."""
        return self._gate("csx", (), control, target)

    def swap(self, qubit1: QubitSpec, qubit2: QubitSpec) -> InstructionSet:
        """Swap two qubits."""
        return self._gate("swap", (), qubit1, qubit2)

    def iswap(self, qubit1: QubitSpec, qubit2: QubitSpec) -> InstructionSet:
        """iSWAP: swap with a phase i on |01⟩ and |10⟩."""
        return self._gate("iswap", (), qubit1, qubit2)

    def crx(self, theta: float, control: QubitSpec, target: QubitSpec) -> InstructionSet:
        """Controlled RX."""
        return self._gate("crx", (theta,), control, target)

    def cry(self, theta: float, control: QubitSpec, target: QubitSpec) -> InstructionSet:
        """Controlled RY."""
        return self._gate("cry", (theta,), control, target)

    def crz(self, theta: float, control: QubitSpec, target: QubitSpec) -> InstructionSet:
        """Controlled RZ."""
        return self._gate("crz", (theta,), control, target)

    def cp(self, lam: float, control: QubitSpec, target: QubitSpec) -> InstructionSet:
        """Controlled phase."""
        return self._gate("cp", (lam,), control, target)

    def cu1(self, lam: float, control: QubitSpec, target: QubitSpec) -> InstructionSet:
        """Same as ``cp``."""
        return self._gate("cu1", (lam,), control, target)

    def cu3(self, theta: float, phi: float, lam: float, control: QubitSpec, target: QubitSpec) -> InstructionSet:
        """Controlled U3."""
        return self._gate("cu3", (theta, phi, lam), control, target)

    def cu(
        self, theta: float, phi: float, lam: float, gamma: float, control: QubitSpec, target: QubitSpec
    ) -> InstructionSet:
        """Controlled U with a global phase γ on the target (Qiskit's ``cu``)."""
        return self._gate("cu", (theta, phi, lam, gamma), control, target)

    def rxx(self, theta: float, qubit1: QubitSpec, qubit2: QubitSpec) -> InstructionSet:
        """exp(-iθ X⊗X / 2)."""
        return self._gate("rxx", (theta,), qubit1, qubit2)

    def ryy(self, theta: float, qubit1: QubitSpec, qubit2: QubitSpec) -> InstructionSet:
        """exp(-iθ Y⊗Y / 2)."""
        return self._gate("ryy", (theta,), qubit1, qubit2)

    def rzz(self, theta: float, qubit1: QubitSpec, qubit2: QubitSpec) -> InstructionSet:
        """exp(-iθ Z⊗Z / 2)."""
        return self._gate("rzz", (theta,), qubit1, qubit2)

    def ccx(self, control1: QubitSpec, control2: QubitSpec, target: QubitSpec) -> InstructionSet:
        """Toffoli."""
        return self._gate("ccx", (), control1, control2, target)

    def cswap(self, control: QubitSpec, target1: QubitSpec, target2: QubitSpec) -> InstructionSet:
        """Fredkin (controlled swap)."""
        return self._gate("cswap", (), control, target1, target2)

    def mcx(self, controls: QubitSpec, target: QubitSpec) -> InstructionSet:
        """X on ``target`` controlled on every qubit of ``controls`` (no broadcasting)."""
        control_bits = self._qubits(controls)
        target_bits = self._qubits(target)
        if len(target_bits) != 1:
            raise CircuitError(f"mcx takes one target qubit, got {len(target_bits)}")
        if not control_bits:
            raise CircuitError("mcx needs at least one control qubit")
        operation = Operation("mcx", len(control_bits) + 1)
        return self.append(operation, control_bits + target_bits)

    def unitary(self, matrix, qubits: QubitSpec, label: str | None = None) -> InstructionSet:
        """Apply an arbitrary unitary; ``qubits[0]`` is bit 0 of the matrix index.

        Raises:
            CircuitError: the matrix is not unitary or its size does not match the qubits.
        """
        matrix = check_unitary(matrix)
        bits = self._qubits(qubits)
        k = matrix.shape[0].bit_length() - 1
        if len(bits) != k:
            raise CircuitError(f"a {matrix.shape[0]}x{matrix.shape[0]} unitary acts on {k} qubit(s), got {len(bits)}")
        return self.append(Operation("unitary", k, matrix=matrix, label=label), bits)
