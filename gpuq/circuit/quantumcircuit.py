"""``QuantumCircuit``: registers plus an ordered list of instructions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from numbers import Integral
from typing import Union

import numpy as np

from ..exceptions import CircuitError
from .gates import check_unitary, gate_parameter, gate_spec
from .instruction import CircuitInstruction, Condition, InstructionSet, Operation
from .parameterized import ParameterizedMixin
from .register import ClassicalRegister, Clbit, QuantumRegister, Qubit, Register

QubitSpec = Union[int, Qubit, QuantumRegister, Sequence]
ClbitSpec = Union[int, Clbit, ClassicalRegister, Sequence]


class QuantumCircuit(ParameterizedMixin):
    """A quantum circuit over quantum and classical registers.

    Args:
        *regs: ``QuantumRegister`` / ``ClassicalRegister`` objects, or integers:
            ``QuantumCircuit(3)`` makes a register ``q`` of 3 qubits and
            ``QuantumCircuit(3, 2)`` adds a register ``c`` of 2 bits.
        name: the circuit's name; becomes the experiment name in results.

    Gate methods take qubits as flat indices (``0``), register bits (``q[0]``),
    whole registers or lists; arguments of several qubits are broadcast
    (``qc.h(q)``, ``qc.cx(a, b)`` pairs ``a[i]`` with ``b[i]``).
    """

    _counter = 0

    def __init__(self, *regs: Register | int, name: str | None = None):
        if name is None:
            QuantumCircuit._counter += 1
            name = f"circuit-{QuantumCircuit._counter}"
        self.name = name
        self.qregs: list[QuantumRegister] = []
        self.cregs: list[ClassicalRegister] = []
        self.qubits: list[Qubit] = []
        self.clbits: list[Clbit] = []
        self.data: list[CircuitInstruction] = []
        self.global_phase = 0.0
        self._qubit_index: dict[Qubit, int] = {}
        self._clbit_index: dict[Clbit, int] = {}
        if regs and all(isinstance(r, Integral) for r in regs):
            if len(regs) > 2:
                raise CircuitError("QuantumCircuit(n_qubits[, n_clbits]) takes at most two integers")
            regs = (QuantumRegister(int(regs[0]), "q"),) + ((ClassicalRegister(int(regs[1]), "c"),) if len(regs) == 2 and regs[1] else ())
        self.add_register(*regs)

    # ----------------------------------------------------------------- registers
    def add_register(self, *regs: Register) -> None:
        """Add registers; their names must be unique in the circuit."""
        for reg in regs:
            if not isinstance(reg, (QuantumRegister, ClassicalRegister)):
                raise CircuitError(f"expected a QuantumRegister or ClassicalRegister, got {reg!r}")
            if reg.name in {r.name for r in self.qregs + self.cregs}:
                raise CircuitError(f"register name {reg.name!r} is already used in this circuit")
            if isinstance(reg, QuantumRegister):
                self.qregs.append(reg)
                for bit in reg:
                    self._qubit_index[bit] = len(self.qubits)
                    self.qubits.append(bit)
            else:
                self.cregs.append(reg)
                for bit in reg:
                    self._clbit_index[bit] = len(self.clbits)
                    self.clbits.append(bit)

    @property
    def num_qubits(self) -> int:
        """Number of qubits."""
        return len(self.qubits)

    @property
    def num_clbits(self) -> int:
        """Number of classical bits."""
        return len(self.clbits)

    def qubit_index(self, qubit: Qubit) -> int:
        """Flat index of a qubit of this circuit."""
        return self._qubit_index[qubit]

    def clbit_index(self, clbit: Clbit) -> int:
        """Flat index of a classical bit of this circuit."""
        return self._clbit_index[clbit]

    # ------------------------------------------------------------ bit resolution
    def _resolve(self, spec, bits: list, index: dict, kind: str, reg_type: type) -> list:
        """Turn one argument (int, bit, register, list) into a list of this circuit's bits."""
        if isinstance(spec, reg_type):
            spec = list(spec)
        if isinstance(spec, (list, tuple, range, np.ndarray)):
            return [bit for item in spec for bit in self._resolve(item, bits, index, kind, reg_type)]
        if isinstance(spec, (Integral, np.integer)) and not isinstance(spec, bool):
            if not 0 <= int(spec) < len(bits):
                raise CircuitError(f"{kind} index {int(spec)} out of range: the circuit has {len(bits)} {kind}s")
            return [bits[int(spec)]]
        if spec in index:
            return [spec]
        raise CircuitError(f"{spec!r} is not a {kind} of this circuit")

    def _qubits(self, spec: QubitSpec) -> list[Qubit]:
        return self._resolve(spec, self.qubits, self._qubit_index, "qubit", QuantumRegister)

    def _clbits(self, spec: ClbitSpec) -> list[Clbit]:
        return self._resolve(spec, self.clbits, self._clbit_index, "clbit", ClassicalRegister)

    @staticmethod
    def _broadcast(groups: list[list]) -> list[tuple]:
        """Pair up argument lists: equal lengths zip, single elements repeat."""
        lengths = {len(g) for g in groups if len(g) != 1}
        if len(lengths) > 1:
            raise CircuitError(f"cannot broadcast arguments of lengths {[len(g) for g in groups]}")
        width = lengths.pop() if lengths else 1
        return [tuple(g[0] if len(g) == 1 else g[i] for g in groups) for i in range(width)]

    # ---------------------------------------------------------------- appending
    def append(self, operation: Operation, qargs: Sequence = (), cargs: Sequence = ()) -> InstructionSet:
        """Append ``operation`` on the given bits (no broadcasting).

        Raises:
            CircuitError: wrong number of bits, repeated qubits, bits not in the circuit.
        """
        qubits = tuple(q for spec in qargs for q in self._qubits(spec))
        clbits = tuple(c for spec in cargs for c in self._clbits(spec))
        if operation.name != "barrier" and len(qubits) != operation.num_qubits:
            raise CircuitError(f"{operation.name!r} acts on {operation.num_qubits} qubit(s), got {len(qubits)}")
        if len(clbits) != operation.num_clbits:
            raise CircuitError(f"{operation.name!r} writes {operation.num_clbits} clbit(s), got {len(clbits)}")
        if len(set(qubits)) != len(qubits):
            raise CircuitError(f"{operation.name!r} was given the same qubit twice: {list(qubits)}")
        self.data.append(CircuitInstruction(operation, qubits, clbits))
        return InstructionSet(self, [len(self.data) - 1])

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

    def cu(self, theta: float, phi: float, lam: float, gamma: float,
           control: QubitSpec, target: QubitSpec) -> InstructionSet:
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

    def measure(self, qubit: QubitSpec, clbit: ClbitSpec) -> InstructionSet:
        """Measure qubits into classical bits (broadcast over registers)."""
        qubits, clbits = self._qubits(qubit), self._clbits(clbit)
        if len(qubits) != len(clbits):
            raise CircuitError(f"measure needs as many clbits as qubits, got {len(qubits)} and {len(clbits)}")
        positions = []
        for q, c in zip(qubits, clbits):
            positions.extend(self.append(Operation("measure", 1, 1), [q], [c])._positions)
        return InstructionSet(self, positions)

    def measure_all(self) -> InstructionSet:
        """Add a register ``meas`` of one bit per qubit, a barrier, and measure every qubit into it."""
        creg = ClassicalRegister(self.num_qubits, "meas")
        self.add_register(creg)
        self.barrier()
        return self.measure(self.qubits, creg)

    def reset(self, qubit: QubitSpec) -> InstructionSet:
        """Reset qubits to |0⟩."""
        positions = []
        for q in self._qubits(qubit):
            positions.extend(self.append(Operation("reset", 1), [q])._positions)
        return InstructionSet(self, positions)

    def barrier(self, *qubits: QubitSpec) -> InstructionSet:
        """A barrier on the given qubits (all qubits when none are given); it blocks fusion."""
        bits = [q for spec in qubits for q in self._qubits(spec)] if qubits else list(self.qubits)
        bits = list(dict.fromkeys(bits))
        return self.append(Operation("barrier", len(bits)), bits)

    def _make_condition(self, classical, value: int) -> Condition:
        if isinstance(classical, ClassicalRegister):
            if classical not in self.cregs:
                raise CircuitError(f"register {classical.name!r} is not in this circuit")
            clbits, register = tuple(classical), classical.name
        else:
            clbits, register = tuple(self._clbits(classical)), None
        if isinstance(value, bool) or not isinstance(value, (Integral, np.integer)) or not 0 <= int(value) < (1 << len(clbits)):
            raise CircuitError(f"condition value {value!r} does not fit in {len(clbits)} bit(s)")
        return Condition(clbits, int(value), register)

    # ------------------------------------------------------------- composition
    def copy(self, name: str | None = None) -> "QuantumCircuit":
        """A copy sharing registers but with its own instruction list."""
        other = QuantumCircuit(*self.qregs, *self.cregs, name=name or self.name)
        other.data = list(self.data)
        other.global_phase = self.global_phase
        return other

    def compose(self, other: "QuantumCircuit", qubits: Sequence | None = None,
                clbits: Sequence | None = None, inplace: bool = False) -> "QuantumCircuit | None":
        """Append ``other``'s instructions, mapping its bits onto ``qubits`` / ``clbits`` of this circuit.

        By default other's qubit ``i`` maps to this circuit's qubit ``i``. Returns
        a new circuit unless ``inplace``.
        """
        target = self if inplace else self.copy()
        qmap = target._qubits(list(range(other.num_qubits)) if qubits is None else qubits)
        cmap = target._clbits(list(range(other.num_clbits)) if clbits is None else clbits)
        if len(qmap) != other.num_qubits or len(cmap) != other.num_clbits:
            raise CircuitError(
                f"compose maps {other.num_qubits} qubit(s) and {other.num_clbits} clbit(s); "
                f"got {len(qmap)} and {len(cmap)}"
            )
        qubit_of = {q: qmap[other.qubit_index(q)] for q in other.qubits}
        clbit_of = {c: cmap[other.clbit_index(c)] for c in other.clbits}
        for inst in other.data:
            condition = inst.condition
            if condition is not None:
                condition = Condition(tuple(clbit_of[c] for c in condition.clbits), condition.value, None)
            target.data.append(CircuitInstruction(
                inst.operation, tuple(qubit_of[q] for q in inst.qubits),
                tuple(clbit_of[c] for c in inst.clbits), condition))
        target.global_phase += other.global_phase
        return None if inplace else target

    def extend(self, other: "QuantumCircuit") -> "QuantumCircuit":
        """Append ``other`` in place, bit for bit by flat index, and return ``self``."""
        if other.num_qubits > self.num_qubits or other.num_clbits > self.num_clbits:
            raise CircuitError(
                f"cannot extend a circuit of {self.num_qubits} qubit(s) / {self.num_clbits} clbit(s) "
                f"with one of {other.num_qubits} / {other.num_clbits}"
            )
        self.compose(other, inplace=True)
        return self

    def __add__(self, other: "QuantumCircuit") -> "QuantumCircuit":
        return self.compose(other)

    # ----------------------------------------------------------------- queries
    def __len__(self) -> int:
        return len(self.data)

    def size(self) -> int:
        """Number of instructions, barriers excluded."""
        return sum(1 for inst in self.data if inst.name != "barrier")

    def count_ops(self) -> dict[str, int]:
        """Instruction counts by name, most frequent first."""
        return dict(Counter(inst.name for inst in self.data).most_common())

    def depth(self) -> int:
        """Length of the longest path through the circuit, barriers excluded.

        Classical bits count as wires: a measurement and a later condition on
        its bit are in sequence.
        """
        levels: dict = {}
        depth = 0
        for inst in self.data:
            wires = list(inst.qubits) + list(inst.clbits)
            if inst.condition is not None:
                wires += list(inst.condition.clbits)
            if inst.name == "barrier":
                continue
            level = max((levels.get(w, 0) for w in wires), default=0) + 1
            for wire in wires:
                levels[wire] = level
            depth = max(depth, level)
        return depth

    def draw(self) -> str:
        """A text drawing of the circuit."""
        from .drawing import draw_text

        return draw_text(self)

    def __str__(self) -> str:
        return self.draw()

    def __repr__(self) -> str:
        return f"<QuantumCircuit {self.name!r}: {self.num_qubits} qubit(s), {self.num_clbits} clbit(s), {len(self.data)} instruction(s)>"

    # -------------------------------------------------------------- OpenQASM 2
    def qasm(self) -> str:
        """This circuit as OpenQASM 2.0 text."""
        from .qasm import dumps

        return dumps(self)

    @classmethod
    def from_qasm_str(cls, text: str, name: str | None = None) -> "QuantumCircuit":
        """Build a circuit from OpenQASM 2.0 text.

        Raises:
            QasmError: with the line and column of the problem.
        """
        from .qasm import loads

        return loads(text, name=name)

    @classmethod
    def from_qasm_file(cls, path) -> "QuantumCircuit":
        """Build a circuit from an OpenQASM 2.0 file; the circuit is named after the file."""
        from .qasm import load

        return load(path)
