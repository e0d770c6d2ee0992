"""The OpenQASM reader on hostile input: every program ends in a circuit or a QasmError at a line and column.

The inputs are the ones issue 13 reports (deep expressions, huge literals and
registers, doubling gate definitions, thousands of registers), each just past
its cap in ``gpuq.circuit.qasm.limits``, plus a fuzz test over mutated real
programs that accepts nothing but a circuit or a ``QasmError``.
"""

from __future__ import annotations

import math
import re
import sys
from pathlib import Path

import pytest
from corpus import CORPUS_DIR
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gpuq
from gpuq.circuit import QuantumCircuit
from gpuq.circuit.qasm import loads
from gpuq.circuit.qasm.limits import (
    MAX_CLBITS,
    MAX_EVALUATIONS,
    MAX_EXPRESSION_NODES,
    MAX_GATE_NESTING,
    MAX_NUMBER_DIGITS,
    MAX_OPERATIONS,
    MAX_QUBITS,
)
from gpuq.exceptions import QasmError

HEADER = 'OPENQASM 2.0;\ninclude "qelib1.inc";\n'
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def qasm_error(text: str) -> QasmError:
    """The QasmError ``text`` raises; it must carry a position and read ``line:col: …``."""
    with pytest.raises(QasmError) as info:
        loads(text)
    error = info.value
    assert error.line is not None and error.column is not None, str(error)
    assert str(error).startswith(f"{error.line}:{error.column}: ")
    return error


def doubling(levels: int) -> str:
    """``levels`` gate definitions, each calling the one before twice: the last expands to 2^levels gates."""
    lines = [HEADER, "qreg q[1];\n", "gate g1 a { x a; x a; }\n"]
    lines += [f"gate g{i} a {{ g{i - 1} a; g{i - 1} a; }}\n" for i in range(2, levels + 1)]
    return "".join(lines) + f"g{levels} q[0];\n"


# ---------------------------------------------------------------- expressions
def test_an_expression_of_600_terms_is_an_error_not_a_recursion_error():
    error = qasm_error(HEADER + "qreg q[1];\nrz(" + "+".join(["1"] * 600) + ") q[0];\n")
    assert (error.line, error.column) == (4, 4)
    assert f"longer than {MAX_EXPRESSION_NODES}" in str(error)


def test_1000_unary_minuses_are_an_error_not_a_recursion_error():
    error = qasm_error(HEADER + "qreg q[1];\nrz(" + "-" * 1000 + "1) q[0];\n")
    assert error.line == 4 and f"longer than {MAX_EXPRESSION_NODES}" in str(error)


def _stack_depth() -> int:
    frame, depth = sys._getframe(), 0
    while frame is not None:
        frame, depth = frame.f_back, depth + 1
    return depth


def test_long_expressions_under_the_cap_evaluate_without_recursion():
    """500 terms and 499 minuses nest 500 levels deep: more than a recursive walk survives with a small stack."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(_stack_depth() + 150)
    try:
        summed = loads(HEADER + "qreg q[1];\nrz(" + "+".join(["0.001"] * 500) + ") q[0];\n")
        negated = loads(HEADER + "qreg q[1];\ngate g(t) a { rz(" + "-" * 499 + "t) a; }\ng(0.25) q[0];\n")
    finally:
        sys.setrecursionlimit(limit)
    assert math.isclose(summed.data[0].params[0], 0.5)
    assert negated.data[0].params == (-0.25,)


def test_a_5000_digit_number_is_an_error_naming_the_literal():
    error = qasm_error(HEADER + "qreg q[1];\nrz(" + "1" * 5000 + ") q[0];\n")
    assert (error.line, error.column) == (4, 4) and "5000 characters" in str(error)
    assert str(MAX_NUMBER_DIGITS) in str(error)


@pytest.mark.parametrize(
    "statement, column",
    [
        ("qreg q[{}];", 8),
        ("qreg q[1];\nx q[{}];", 5),
        ("qreg q[1];\ncreg c[1];\nif(c=={}) x q[0];", 7),
    ],
)
def test_a_5000_digit_integer_is_an_error_not_a_bare_value_error(statement, column):
    error = qasm_error(HEADER + statement.format("7" * 5000))
    assert error.column == column and "integer of 5000 digits" in str(error)


# ---------------------------------------------------------------- registers
@pytest.mark.parametrize(
    "statement, cap",
    [
        ("creg c[99999999999999999999];", MAX_CLBITS),
        ("qreg q[1000000000];", MAX_QUBITS),
    ],
)
def test_huge_registers_are_refused_before_their_bits_are_made(statement, cap):
    error = qasm_error(HEADER + statement)
    assert (error.line, error.column) == (3, 8) and f"{cap:,}" in str(error)


def test_the_bit_caps_count_every_register():
    half = MAX_QUBITS // 2
    circuit = loads(HEADER + f"qreg a[{half}];\nqreg b[{half}];\ncreg c[{MAX_CLBITS}];\n")
    assert (circuit.num_qubits, circuit.num_clbits) == (MAX_QUBITS, MAX_CLBITS)
    error = qasm_error(HEADER + f"qreg a[{half}];\nqreg b[{half}];\nqreg c[1];\n")
    assert (error.line, error.column) == (5, 8) and "qubits" in str(error)


def test_8000_registers_read():
    circuit = loads("OPENQASM 2.0;\n" + "".join(f"qreg q{i}[1];\n" for i in range(8000)))
    assert len(circuit.qregs) == circuit.num_qubits == 8000


def _gpuq_lines_run(text: str) -> int:
    """How many lines of gpuq's own code run while reading ``text``, to a circuit or a QasmError.

    A count of work, not of time, so it does not depend on the machine or its load.
    """
    package = str(Path(gpuq.__file__).parent)
    count = 0

    def tracer(frame, event, arg):
        nonlocal count
        if package in frame.f_code.co_filename:
            if event == "line":
                count += 1
            return tracer
        return None

    sys.settrace(tracer)
    try:
        loads(text)
    except QasmError:
        pass
    finally:
        sys.settrace(None)
    return count


def test_work_per_register_does_not_grow_with_the_number_of_registers():
    def program(n: int) -> str:
        return "OPENQASM 2.0;\n" + "".join(f"qreg q{i}[1];\n" for i in range(n))

    _gpuq_lines_run(program(10))  # first use: the parser is built
    small, large = _gpuq_lines_run(program(500)), _gpuq_lines_run(program(1000))
    assert large < 2.2 * small, (small, large)


# ---------------------------------------------------------------- gate expansion
@pytest.mark.parametrize("levels", [20, 40])
def test_doubling_gate_definitions_are_refused_before_expanding(levels):
    error = qasm_error(doubling(levels))
    assert (error.line, error.column) == (levels + 4, 1)
    assert f"{MAX_OPERATIONS:,} instructions" in str(error)
    assert _gpuq_lines_run(doubling(levels)) < 200 * levels  # nothing was expanded


def test_broadcast_expansion_counts_against_the_instruction_cap():
    width = 62_500
    error = qasm_error(
        HEADER + f"qreg q[{width}];\ngate g a {{ " + "x a; " * (MAX_OPERATIONS // width + 1) + "}\ng q;\n"
    )
    assert (error.line, error.column) == (5, 1)


@pytest.mark.parametrize(
    "definition, statement",
    [
        ("", "barrier q;"),  # one instruction, but it holds 65,536 qubits
        ("gate nop a { }\n", "nop q;"),  # no instruction, but 65,536 calls
    ],
)
def test_wide_statements_count_against_the_instruction_cap(definition, statement):
    repeats = MAX_OPERATIONS // MAX_QUBITS + 1
    error = qasm_error(HEADER + definition + f"qreg q[{MAX_QUBITS}];\n" + f"{statement}\n" * repeats)
    assert error.line == 3 + definition.count("\n") + repeats
    circuit = loads(HEADER + definition + f"qreg q[{MAX_QUBITS}];\n" + f"{statement}\n" * (repeats - 1))
    assert len(circuit.data) == (repeats - 1 if definition == "" else 0)


def test_calls_through_a_chain_of_definitions_count_against_the_instruction_cap():
    """65,536 instructions, each reached through 60 nested calls: 4 million calls, charged before any is made."""
    lines = ["gate c1 a { x a; }\n"] + [f"gate c{i} a {{ c{i - 1} a; }}\n" for i in range(2, 61)]
    error = qasm_error(HEADER + "".join(lines) + f"qreg q[{MAX_QUBITS}];\nc60 q;\n")
    assert (error.line, error.column) == (64, 1)
    assert [inst.name for inst in loads(HEADER + "".join(lines) + "qreg q[1];\nc60 q;\n").data] == ["x"]


def test_conditions_on_a_register_share_its_bits():
    circuit = loads(HEADER + f"qreg q[1];\ncreg c[{MAX_CLBITS}];\n" + "if(c==1) x q[0];\n" * 3)
    first, *others = [inst.condition for inst in circuit.data]
    assert len(first.clbits) == MAX_CLBITS and all(other.clbits is first.clbits for other in others)


def test_gate_definitions_nested_past_the_cap_are_an_error_at_the_definition():
    levels = MAX_GATE_NESTING + 1
    lines = ["gate g1 a { x a; }\n"] + [f"gate g{i} a {{ g{i - 1} a; }}\n" for i in range(2, levels + 1)]
    error = qasm_error(HEADER + "".join(lines))
    assert (error.line, error.column) == (levels + 2, 6)
    assert f"g{levels}" in str(error) and f"at most {MAX_GATE_NESTING}" in str(error)
    nested = loads(HEADER + "".join(lines[:-1]) + f"qreg q[1];\ng{levels - 1} q[0];\n")
    assert [inst.name for inst in nested.data] == ["x"]


def test_long_expressions_in_often_called_gates_count_against_the_evaluation_cap():
    long_angle = "+".join(["t"] * 400)  # 799 terms, evaluated at every call of g1
    lines = [
        HEADER,
        "qreg q[1];\n",
        f"gate g1(t) a {{ rz({long_angle}) a; }}\n",
        "gate g2(t) a { g1(t) a; g1(t) a; g1(t) a; g1(t) a; }\n",
    ]
    lines += [
        f"gate g{i}(t) a {{ g{i - 1}(t) a; g{i - 1}(t) a; g{i - 1}(t) a; g{i - 1}(t) a; }}\n" for i in range(3, 10)
    ]
    error = qasm_error("".join(lines) + "g9(0.1) q[0];\n")  # 4^8 calls of g1: 52 million terms, 65,536 gates
    assert f"{MAX_EVALUATIONS:,} evaluated expression terms" in str(error)
    assert (error.line, error.column) == (13, 1)


# ---------------------------------------------------------------- fuzzing
def _seed_programs() -> list[str]:
    paths = sorted((CORPUS_DIR / "qasmbench").glob("*.qasm")) + sorted(EXAMPLES.glob("*.qasm"))
    programs = [path.read_text() for path in paths if path.stat().st_size < 4_000]
    programs.append(
        HEADER + "qreg q[3];\ncreg c[3];\ngate g(t,u) a,b { rz(t*u-pi/2) a; cx a,b; barrier a; }\n"
        "g(0.5,-2^3) q[0],q[1];\nif(c==3) g(1,2) q[1],q[2];\nmeasure q -> c;\nreset q[2];\n"
    )
    return programs


SEEDS = _seed_programs()
FRAGMENTS = [
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ";",
    ",",
    "-",
    "^",
    "/",
    "*",
    "+",
    "->",
    "==",
    "pi",
    "q",
    "c",
    "g",
    "gate g a { x a; }",
    "qreg r[7];",
    "creg d[2];",
    "measure",
    "if(c==1)",
    "9" * 30,
    "1e308",
    "sin(",
    "ln(0)",
    "0",
    "-" * 50,
    'include "x.inc";',
    "opaque o a;",
    "\n",
    "U(1,2,3) q[0];",
    "CX q[0],q[1];",
    "barrier q;",
    '"',
    "//",
    "@",
    "\u00e9",
    "\x00",
]


HOSTILE_NUMBERS = [
    "-" * 1200 + "1",
    "+".join(["1"] * 700),
    "7" * 5000,
    "(" * 400 + "1" + ")" * 400,
    "99999999999999999999",
    "1000000000",
    "0",
    "65537",
    "2^1024",
    "1/0",
]


@st.composite
def mutated_programs(draw) -> str:
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 6))):
        position = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "delete", "duplicate", "text", "number"]))
        if action == "number":  # a number literal (a size, an index, a parameter) becomes a hostile one
            numbers = [match.span() for match in re.finditer(r"[0-9]+(\.[0-9]*)?", text)]
            if numbers:
                start, end = draw(st.sampled_from(numbers))
                text = text[:start] + draw(st.sampled_from(HOSTILE_NUMBERS)) + text[end:]
        elif action == "insert":
            text = text[:position] + draw(st.sampled_from(FRAGMENTS)) + text[position:]
        elif action == "delete":
            text = text[:position] + text[position + draw(st.integers(1, 40)) :]
        elif action == "duplicate":
            span = text[position : position + draw(st.integers(1, 80))]
            text = text[:position] + span * draw(st.integers(2, 4)) + text[position:]
        else:
            text = text[:position] + draw(st.text(max_size=12)) + text[position:]
    return text


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_programs())
def test_mutated_programs_read_or_raise_a_qasm_error(text):
    try:
        circuit = loads(text)
    except QasmError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert isinstance(circuit, QuantumCircuit)
