"""Parameterised circuits in the engine: lowered once, bound many times, fused with one plan.

A ``ParametricCircuit`` holds the experiment's lowered operations (with every
unbound angle lowered at a placeholder value) and, for each gate with a
symbolic angle, a *slot*: its position, gate name and angle expressions. A
gate's kind (matrix, diagonal, permutation) and qubits do not depend on its
angles, so the fusion plan, which depends only on those, is built once per
circuit and fusion plan size (``FusedTemplate``); each binding recomputes only
the slots' operands and the blocks that contain a slot. Blocks without a slot
are merged once and reused as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from ..circuit.gates import base_operator
from ..circuit.parameter import Parameter, ParameterExpression
from .fusion import merge_block, plan_blocks
from .ops import BarrierOp, GateOp, Op


@dataclass(frozen=True)
class Slot:
    """A gate whose angles depend on parameters.

    Attributes:
        position: its index in ``ParametricCircuit.ops``.
        name: the gate's name.
        angles: its parameters: numbers or expressions.
    """

    position: int
    name: str
    angles: tuple[float | ParameterExpression, ...]


class ParametricCircuit:
    """Lowered operations with parameter slots, and the values of one binding turned into operations.

    Args:
        ops: the lowered operations, symbolic angles at placeholder values.
        slots: the gates with symbolic angles.
        parameters: the circuit's parameters, in the order binding rows give their values.
    """

    def __init__(self, ops: Sequence[Op], slots: Sequence[Slot], parameters: Sequence[Parameter]):
        self.ops = tuple(ops)
        self.slots = tuple(slots)
        self.parameters = tuple(parameters)

    def angles(self, row: np.ndarray) -> list[tuple[float, ...]]:
        """Each slot's angles for one binding (``row[j]`` is the value of ``parameters[j]``)."""
        values = dict(zip(self.parameters, row.tolist()))
        return [
            tuple(a.evaluate(values) if isinstance(a, ParameterExpression) else a for a in slot.angles)
            for slot in self.slots
        ]

    def bound_ops(self, row: np.ndarray) -> list[Op]:
        """The operations with one binding's values in every slot."""
        ops = list(self.ops)
        for slot, angles in zip(self.slots, self.angles(row)):
            op = ops[slot.position]
            assert isinstance(op, GateOp)  # slots are gates by construction
            ops[slot.position] = replace(op, operand=base_operator(slot.name, angles).operand)
        return ops

    def angle_derivatives(self, row: np.ndarray) -> list[list[dict[int, float]]]:
        """For each slot and each of its angles, ``{parameter index: d angle / d parameter}`` at ``row``."""
        values = dict(zip(self.parameters, row.tolist()))
        index = {p: j for j, p in enumerate(self.parameters)}
        result = []
        for slot in self.slots:
            per_angle = []
            for angle in slot.angles:
                terms: dict[int, float] = {}
                if isinstance(angle, ParameterExpression):
                    for parameter in angle.parameters:
                        d = angle.derivative(parameter)
                        terms[index[parameter]] = d.evaluate(values) if isinstance(d, ParameterExpression) else d
                per_angle.append(terms)
            result.append(per_angle)
        return result


class FusedTemplate:
    """The fusion plan of a ``ParametricCircuit``'s unconditioned gate runs, built once and reused per binding.

    Only circuits of gates and barriers are templated (variational runs with
    observables have no measurement, reset or condition). ``built`` counts the
    plans made in this process, so a run can report how many it needed.
    ``blocks`` holds each pass's gate positions, ``fixed`` its merged
    operation when no slot is in it (None otherwise).
    """

    built = 0

    def __init__(self, circuit: ParametricCircuit, max_qubits: int):
        FusedTemplate.built += 1
        self.circuit = circuit
        gate_at = {i: op for i, op in enumerate(circuit.ops) if isinstance(op, GateOp)}
        if len(gate_at) + sum(isinstance(op, BarrierOp) for op in circuit.ops) != len(circuit.ops):
            raise ValueError("a fused template needs a circuit of gates and barriers only")
        runs: list[list[int]] = [[]]
        for i, op in enumerate(circuit.ops):
            if isinstance(op, BarrierOp):
                runs.append([])
            else:
                runs[-1].append(i)
        self.blocks: list[list[int]] = []
        for run in runs:
            run_gates = [gate_at[i] for i in run]
            self.blocks.extend([run[j] for j in block] for block in plan_blocks(run_gates, max_qubits))
        slotted = {slot.position for slot in circuit.slots}
        self.fixed: list[GateOp | None] = [
            None if slotted.intersection(block) else merge_block([gate_at[i] for i in block]) for block in self.blocks
        ]
        self.gates = len(gate_at)

    def plan(self, ops: Sequence[Op]) -> list[GateOp]:
        """The fused passes for one binding's operations (``ParametricCircuit.bound_ops``)."""
        return [
            fixed if fixed is not None else merge_block([_gate(ops[i]) for i in block])
            for fixed, block in zip(self.fixed, self.blocks)
        ]


def _gate(op: Op) -> GateOp:
    assert isinstance(op, GateOp)  # template blocks hold gate positions only
    return op
