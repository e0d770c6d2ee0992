"""``QuantumCircuit``: registers plus an ordered list of instructions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from numbers import Integral
from typing import Any, cast

import numpy as np

from ..exceptions import CircuitError
from .gatemethods import ClbitSpec, GateMethods, QubitSpec
from .instruction import CircuitInstruction, Condition, InstructionSet, Operation
from .parameterized import ParameterizedMixin
from .register import ClassicalRegister, Clbit, QuantumRegister, Qubit, Register


class QuantumCircuit(GateMethods, ParameterizedMixin):
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
        self._register_names: set[str] = set()
        if regs and all(isinstance(r, Integral) for r in regs):
            if len(regs) > 2:
                raise CircuitError("QuantumCircuit(n_qubits[, n_clbits]) takes at most two integers")
            sizes = [int(cast(Integral, r)) for r in regs]
            regs = (QuantumRegister(sizes[0], "q"),) + (
                (ClassicalRegister(sizes[1], "c"),) if len(sizes) == 2 and sizes[1] else ()
            )
        self.add_register(*regs)  # type: ignore[arg-type]  # add_register refuses what is not a register

    # ----------------------------------------------------------------- registers
    def add_register(self, *regs: Register) -> None:
        """Add registers; their names must be unique in the circuit (checked in constant time per register)."""
        for reg in regs:
            if not isinstance(reg, (QuantumRegister, ClassicalRegister)):
                raise CircuitError(f"expected a QuantumRegister or ClassicalRegister, got {reg!r}")
            if reg.name in self._register_names:
                raise CircuitError(f"register name {reg.name!r} is already used in this circuit")
            self._register_names.add(reg.name)
            if isinstance(reg, QuantumRegister):
                self.qregs.append(reg)
                for bit in reg:
                    self._qubit_index[cast(Qubit, bit)] = len(self.qubits)
                    self.qubits.append(cast(Qubit, bit))
            else:
                self.cregs.append(reg)
                for bit in reg:
                    self._clbit_index[cast(Clbit, bit)] = len(self.clbits)
                    self.clbits.append(cast(Clbit, bit))

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
    def _resolve(self, spec: Any, bits: list, index: dict, kind: str, reg_type: type) -> list:
        """Turn one argument (int, bit, register, list) into a list of this circuit's bits."""
        if isinstance(spec, reg_type):
            spec = list(cast(Register, spec))
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
        if (
            isinstance(value, bool)
            or not isinstance(value, (Integral, np.integer))
            or not 0 <= int(value) < (1 << len(clbits))
        ):
            raise CircuitError(f"condition value {value!r} does not fit in {len(clbits)} bit(s)")
        return Condition(clbits, int(value), register)

    # ------------------------------------------------------------- composition
    def copy(self, name: str | None = None) -> QuantumCircuit:
        """A copy sharing registers but with its own instruction list."""
        other = QuantumCircuit(*self.qregs, *self.cregs, name=name or self.name)
        other.data = list(self.data)
        other.global_phase = self.global_phase
        return other

    def compose(
        self,
        other: QuantumCircuit,
        qubits: Sequence | None = None,
        clbits: Sequence | None = None,
        inplace: bool = False,
    ) -> QuantumCircuit | None:
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
            target.data.append(
                CircuitInstruction(
                    inst.operation,
                    tuple(qubit_of[q] for q in inst.qubits),
                    tuple(clbit_of[c] for c in inst.clbits),
                    condition,
                )
            )
        target.global_phase += other.global_phase
        return None if inplace else target

    def extend(self, other: QuantumCircuit) -> QuantumCircuit:
        """Append ``other`` in place, bit for bit by flat index, and return ``self``."""
        if other.num_qubits > self.num_qubits or other.num_clbits > self.num_clbits:
            raise CircuitError(
                f"cannot extend a circuit of {self.num_qubits} qubit(s) / {self.num_clbits} clbit(s) "
                f"with one of {other.num_qubits} / {other.num_clbits}"
            )
        self.compose(other, inplace=True)
        return self

    def __add__(self, other: QuantumCircuit) -> QuantumCircuit:
        combined = self.compose(other)
        assert combined is not None  # compose returns the new circuit unless inplace
        return combined

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
        return (
            f"<QuantumCircuit {self.name!r}: {self.num_qubits} qubit(s), {self.num_clbits} clbit(s), "
            f"{len(self.data)} instruction(s)>"
        )

    # -------------------------------------------------------------- OpenQASM 2
    def qasm(self) -> str:
        """This circuit as OpenQASM 2.0 text."""
        from .qasm import dumps

        return dumps(self)

    @classmethod
    def from_qasm_str(cls, text: str, name: str | None = None) -> QuantumCircuit:
        """Build a circuit from OpenQASM 2.0 text.

        Raises:
            QasmError: with the line and column of the problem.
        """
        from .qasm import loads

        return loads(text, name=name)

    @classmethod
    def from_qasm_file(cls, path) -> QuantumCircuit:
        """Build a circuit from an OpenQASM 2.0 file; the circuit is named after the file."""
        from .qasm import load

        return load(path)
