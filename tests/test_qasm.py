"""OpenQASM 2.0: parsing, qelib1 semantics, user gates, errors with positions, export and round trips."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference import random_unitary

import gpuq
from gpuq.circuit import GATES, QuantumCircuit
from gpuq.circuit.gates import controlled_matrix, gate_matrix
from gpuq.circuit.qasm import dumps, load, loads
from gpuq.circuit.qasm.expansion import Expander
from gpuq.circuit.qasm.matrices import circuit_matrix
from gpuq.circuit.qasm.qelib1 import NATIVE
from gpuq.circuit.qasm.reader import qelib1_gates
from gpuq.circuit.qasm.writer import format_param
from gpuq.circuit.register import ClassicalRegister, QuantumRegister
from gpuq.exceptions import CircuitError, QasmError

HEADER = 'OPENQASM 2.0;\ninclude "qelib1.inc";\n'


def equal_up_to_phase(a: np.ndarray, b: np.ndarray, atol: float = 1e-8) -> bool:
    overlap = np.vdot(b, a)
    return abs(overlap) > 1e-12 and np.allclose(a, b * overlap / abs(overlap), atol=atol)


def ops(circuit: QuantumCircuit) -> list[tuple]:
    """(name, rounded params, flat qubits, flat clbits, condition) of each instruction."""
    out = []
    for inst in circuit.data:
        cond = None
        if inst.condition is not None:
            cond = (tuple(circuit.clbit_index(c) for c in inst.condition.clbits), inst.condition.value)
        out.append(
            (
                inst.name,
                tuple(round(p, 12) for p in inst.params),
                tuple(circuit.qubit_index(q) for q in inst.qubits),
                tuple(circuit.clbit_index(c) for c in inst.clbits),
                cond,
            )
        )
    return out


# ---------------------------------------------------------------- basics
def test_registers_and_gates():
    circuit = loads(
        HEADER + "qreg q[3];\nqreg r[2];\ncreg c[3];\nh q[0];\ncx q[0],r[1];\nU(pi,0,pi) q[2];\nCX q[1],q[2];"
    )
    assert circuit.num_qubits == 5 and circuit.num_clbits == 3
    assert [r.name for r in circuit.qregs] == ["q", "r"]
    assert ops(circuit) == [
        ("h", (), (0,), (), None),
        ("cx", (), (0, 4), (), None),
        ("u", (round(math.pi, 12), 0.0, round(math.pi, 12)), (2,), (), None),
        ("cx", (), (1, 2), (), None),
    ]


def test_version_line_is_optional_but_must_be_2():
    assert loads('include "qelib1.inc"; qreg q[1]; x q[0];').num_qubits == 1
    with pytest.raises(QasmError, match="only OpenQASM 2.0"):
        loads("OPENQASM 3.0;\nqreg q[1];")


def test_builtins_work_without_qelib1():
    circuit = loads("OPENQASM 2.0;\nqreg q[2];\nU(0.1,0.2,0.3) q[0];\nCX q[0],q[1];")
    assert [op[0] for op in ops(circuit)] == ["u", "cx"]


def test_comments_and_whitespace():
    circuit = loads(HEADER + "// a comment\nqreg q[1]; // trailing\n\n\t h   q [ 0 ] ;")
    assert [op[0] for op in ops(circuit)] == ["h"]


def test_load_names_the_circuit_after_the_file(tmp_path):
    path = tmp_path / "my_bell.qasm"
    path.write_text(HEADER + "qreg q[2]; creg c[2]; h q[0]; cx q[0],q[1]; measure q -> c;")
    circuit = load(path)
    assert circuit.name == "my_bell"
    assert QuantumCircuit.from_qasm_file(str(path)).name == "my_bell"
    assert QuantumCircuit.from_qasm_str(path.read_text(), name="x").name == "x"


def test_include_other_file_next_to_the_program(tmp_path):
    (tmp_path / "mygates.inc").write_text("gate flip a { x a; }\n")
    path = tmp_path / "prog.qasm"
    path.write_text(HEADER + 'include "mygates.inc";\nqreg q[1];\nflip q[0];')
    assert [op[0] for op in ops(load(path))] == ["x"]


def test_qelib1_included_twice_is_harmless():
    circuit = loads(HEADER + 'include "qelib1.inc";\nqreg q[1]; h q[0];')
    assert len(circuit.data) == 1


# ---------------------------------------------------------------- qelib1
QELIB1 = qelib1_gates()


@pytest.mark.parametrize("name", sorted(QELIB1))
def test_every_qelib1_definition_matches_what_gpuq_runs(name):
    """Each definition in the embedded qelib1 expands to the matrix of the gate gpuq runs for that name."""
    gate = QELIB1[name]
    values = tuple(float(v) for v in np.random.default_rng(len(name)).uniform(-3, 3, len(gate.params)))
    expander = Expander(QuantumCircuit(QuantumRegister(len(gate.qargs), "q")))
    expanded = copy.copy(gate)
    expanded.native = None
    expander.apply(expanded, values, tuple(expander.circuit.qubits), None, None, match=False)
    definition = circuit_matrix(expander.circuit)
    if name in NATIVE:
        native = NATIVE[name]
        expected = gate_matrix(native.name, native.params(values), len(gate.qargs))
        assert equal_up_to_phase(definition, expected)
        ran = loads(
            HEADER
            + f"qreg q[{len(gate.qargs)}];\n{name}"
            + (f"({','.join(map(repr, values))})" if values else "")
            + " "
            + ",".join(f"q[{i}]" for i in range(len(gate.qargs)))
            + ";"
        )
        assert [inst.name for inst in ran.data] == [native.name]
    elif name == "c3sqrtx":
        assert np.allclose(definition, controlled_matrix(gate_matrix("sx"), 3))
    else:  # rccx, rc3x: relative-phase Toffolis, equal to (multi-)controlled X up to phases
        assert np.allclose(np.abs(definition), np.abs(gate_matrix("mcx", (), len(gate.qargs))))


def test_c3x_and_c4x_are_mcx():
    circuit = loads(HEADER + "qreg q[5];\nc3x q[0],q[1],q[2],q[3];\nc4x q[4],q[3],q[2],q[1],q[0];")
    assert ops(circuit) == [("mcx", (), (0, 1, 2, 3), (), None), ("mcx", (), (4, 3, 2, 1, 0), (), None)]


def test_u0_is_identity_and_u2_is_native():
    circuit = loads(HEADER + "qreg q[1];\nu0(3) q[0];\nu2(0.5,pi) q[0];")
    assert [op[0] for op in ops(circuit)] == ["id", "u2"]


# ---------------------------------------------------------------- user gates and expressions
def test_nested_gates_with_expressions():
    text = (
        HEADER
        + """
qreg q[3];
gate rot(theta, phi) a { rz(-theta/2 + phi) a; ry(theta^2 * sin(pi/6)) a; }
gate pair(alpha) a, b {
  rot(alpha, 2*alpha) a;
  cx a, b;
  rot(-(alpha - 1), cos(alpha) + tan(0.3) - exp(1) / ln(2) + sqrt(4)) b;
}
gate outer(beta) x, y, z { pair(beta / 2) x, y; pair(-beta) z, x; barrier x, y; }
outer(0.7) q[0], q[1], q[2];
"""
    )
    circuit = loads(text)
    expected = QuantumCircuit(3)

    def rot(theta, phi, a):
        expected.rz(-theta / 2 + phi, a)
        expected.ry(theta**2 * math.sin(math.pi / 6), a)

    def pair(alpha, a, b):
        rot(alpha, 2 * alpha, a)
        expected.cx(a, b)
        rot(-(alpha - 1), math.cos(alpha) + math.tan(0.3) - math.exp(1) / math.log(2) + math.sqrt(4), b)

    pair(0.7 / 2, 0, 1)
    pair(-0.7, 2, 0)
    expected.barrier(0, 1)
    assert ops(circuit) == ops(expected)


@pytest.mark.parametrize(
    "expression, value",
    [
        ("-2^2", -4.0),
        ("2^3^2", 2.0**9),
        ("1-2-3", -4.0),
        ("8/2/2", 2.0),
        ("2*3+4*5", 26.0),
        ("-(1+2)*3", -9.0),
        ("2^-1", 0.5),
        ("+1.5e1", 15.0),
        (".5 + 2.", 2.5),
        ("3e-1", 0.3),
        ("pi/4", math.pi / 4),
        ("sqrt(2)*sqrt(2)", math.sqrt(2) * math.sqrt(2)),
    ],
)
def test_expression_precedence(expression, value):
    circuit = loads(HEADER + f"qreg q[1];\nrz({expression}) q[0];")
    assert circuit.data[0].params[0] == pytest.approx(value, rel=1e-15)


def test_user_gate_named_like_a_library_gate_becomes_it_when_equal():
    text = HEADER + (
        "gate iswap a,b { s a; s b; h a; cx a,b; cx b,a; h b; }\n"
        "gate ryy(t) a,b { rx(pi/2) a; rx(pi/2) b; cx a,b; rz(t) b; cx a,b; rx(-pi/2) a; rx(-pi/2) b; }\n"
        "qreg q[2];\niswap q[0],q[1];\nryy(0.3) q[1],q[0];"
    )
    assert ops(loads(text)) == [("iswap", (), (0, 1), (), None), ("ryy", (0.3,), (1, 0), (), None)]


def test_user_gate_named_like_a_library_gate_is_expanded_when_different():
    circuit = loads(HEADER + "gate iswap a,b { cx a,b; }\nqreg q[2];\niswap q[0],q[1];")
    assert ops(circuit) == [("cx", (), (0, 1), (), None)]


def test_user_gate_may_override_a_qelib1_gate():
    circuit = loads(HEADER + "gate cz a,b { h b; cx a,b; h b; }\nqreg q[2];\ncz q[0],q[1];")
    assert [op[0] for op in ops(circuit)] == ["cz"]  # same matrix: kept as the library gate


def test_a_gate_body_means_the_gates_defined_before_it():
    circuit = loads(HEADER + "gate f a { h a; }\ngate h a { x a; }\nqreg q[1];\nf q[0];\nh q[0];")
    assert [op[0] for op in ops(circuit)] == ["h", "x"]


def test_a_user_gate_equal_to_its_library_namesake_is_that_gate_at_every_angle():
    """Decided once per definition, at generic angles; special angles (0, pi) run the library gate too."""
    text = HEADER + (
        "gate ryy(t) a,b { rx(pi/2) a; rx(pi/2) b; cx a,b; rz(t) b; cx a,b; rx(-pi/2) a; rx(-pi/2) b; }\n"
        "qreg q[2];\nryy(0) q[0],q[1];\nryy(pi) q[0],q[1];\nryy(-1.25) q[0],q[1];"
    )
    assert [(inst.name, inst.params) for inst in loads(text).data] == [
        ("ryy", (0.0,)),
        ("ryy", (math.pi,)),
        ("ryy", (-1.25,)),
    ]
    identity_at_zero = HEADER + "gate ryy(t) a,b { rz(t) a; }\nqreg q[2];\nryy(0) q[0],q[1];"
    assert [op[0] for op in ops(loads(identity_at_zero))] == ["rz"]  # equal at t = 0 only: expanded


# ---------------------------------------------------------------- broadcasting, measure, reset, if
def test_broadcasting():
    circuit = loads(
        HEADER + "qreg a[3];\nqreg b[3];\ncreg c[3];\nh a;\ncx a,b;\ncx a[0],b;\n"
        "rz(0.5) b;\nmeasure a -> c;\nreset b;\nbarrier a,b[1];"
    )
    names = [op[0] for op in ops(circuit)]
    assert names == ["h"] * 3 + ["cx"] * 6 + ["rz"] * 3 + ["measure"] * 3 + ["reset"] * 3 + ["barrier"]
    listed = ops(circuit)
    assert [op[2] for op in listed[3:9]] == [(0, 3), (1, 4), (2, 5), (0, 3), (0, 4), (0, 5)]
    assert [(op[2], op[3]) for op in listed[12:15]] == [((0,), (0,)), ((1,), (1,)), ((2,), (2,))]
    assert listed[-1][2] == (0, 1, 2, 4)


def test_user_gate_broadcasts():
    circuit = loads(HEADER + "gate g a,b { cx a,b; h b; }\nqreg a[2];\nqreg b[2];\ng a,b;")
    assert ops(circuit) == [
        ("cx", (), (0, 2), (), None),
        ("h", (), (2,), (), None),
        ("cx", (), (1, 3), (), None),
        ("h", (), (3,), (), None),
    ]


def test_if_conditions_every_expanded_gate():
    text = HEADER + (
        "gate g a,b { cx a,b; barrier a,b; h b; }\nqreg q[2];\ncreg c[2];\ncreg d[1];\n"
        "measure q[0] -> c[1];\nif(c==2) g q[0],q[1];\nif(d==1) measure q[1] -> c[0];\nif(c==3) reset q;"
    )
    listed = ops(loads(text))
    assert listed[1:] == [
        ("cx", (), (0, 1), (), ((0, 1), 2)),
        ("h", (), (1,), (), ((0, 1), 2)),
        ("measure", (), (1,), (0,), ((2,), 1)),
        ("reset", (), (0,), (), ((0, 1), 3)),
        ("reset", (), (1,), (), ((0, 1), 3)),
    ]
    assert loads(text).data[1].condition.register == "c"


def test_opaque_is_a_clear_error():
    with pytest.raises(QasmError, match="opaque gates have no definition, so gpuq cannot simulate") as info:
        loads(HEADER + "qreg q[1];\nopaque magic(theta) a;\nmagic(0.1) q[0];")
    assert (info.value.line, info.value.column) == (4, 8)


# ---------------------------------------------------------------- errors with positions
ERRORS = [
    # (program after the header, line, column, fragment of the message)
    ("qreg q[2]\nh q;", 4, 1, "expected ';'"),
    ("qreg q[2];\nh q[0]", 4, 7, "unexpected end of file; expected ',' or ';'"),
    ("qreg q[2];\nfoo q[0];", 4, 1, "unknown gate 'foo'"),
    ("qreg q[2];\nh r[0];", 4, 3, "'r' is not declared"),
    ("qreg q[2];\nh q[2];", 4, 5, "index 2 out of range for register 'q' of size 2"),
    ("qreg q[2];\nrx q[0];", 4, 1, "takes 1 parameter(s), got 0"),
    ("qreg q[2];\ncx q[0];", 4, 1, "acts on 2 qubit(s), got 1"),
    ("qreg q[2];\ncx q[0],q[0];", 4, 1, "same qubit twice"),
    ("qreg q[2];\nqreg r[3];\ncx q,r;", 5, 1, "different sizes"),
    ("qreg q[2];\nqreg q[1];", 4, 6, "register 'q' is already declared"),
    ("gate g a { x a; }\ngate g a { y a; }", 4, 6, "gate 'g' is already defined"),
    ("gate g(t) a { rx(s) a; }", 3, 18, "unknown parameter 's'"),
    ("gate g(t) a { rx(foo(t)) a; }", 3, 18, "unknown function 'foo'"),
    ("gate g a { x b; }", 3, 14, "'b' is not a qubit argument of gate 'g'"),
    ("qreg q[1];\ngate g a { x q[0]; }", 4, 14, "qubits are named by argument only"),
    ("gate g a { measure a -> c; }", 3, 12, "unexpected 'measure'"),
    ("qreg q[1];\nrx(1/0) q[0];", 4, 4, "cannot evaluate the expression"),
    ("qreg q[1];\nrx(ln(0)) q[0];", 4, 4, "cannot evaluate the expression"),
    ("qreg q[1];\nrx(t) q[0];", 4, 4, "unknown parameter 't'"),
    (
        "qreg q[1];\ncreg c[1];\nmeasure q[0] -> q[0];",
        5,
        17,
        "expected a classical register; 'q' is a quantum register",
    ),
    ("qreg q[1];\ncreg c[2];\nif(c==4) x q[0];", 5, 7, "does not fit"),
    ("qreg q[1];\nif(q==1) x q[0];", 4, 4, "if needs a classical register"),
    ("qreg q[1];\nx q[0]; @", 4, 9, "unexpected character '@'"),
    ("qreg q[0];", 3, 8, "at least one bit"),
    ("qreg Q[1];", 3, 6, "unexpected character 'Q'"),
    ('include "missing.inc";', 3, 9, "cannot include 'missing.inc'"),
    ("qreg q[1];\nU(1,2) q[0];", 4, 1, "takes 3 parameter(s), got 2"),
    ("OPENQASM 2.0;", 3, 1, "unexpected 'OPENQASM'"),
    ("qreg q[2];\ncreg c[1];\nmeasure q -> c;", 5, 9, "as many classical bits as qubits"),
]


@pytest.mark.parametrize("body, line, column, fragment", ERRORS)
def test_errors_name_line_column_and_what_was_expected(body, line, column, fragment):
    with pytest.raises(QasmError) as info:
        loads(HEADER + body)
    message = str(info.value)
    assert fragment in message
    assert (info.value.line, info.value.column) == (line, column), message
    assert message.startswith(f"{line}:{column}: ")
    assert "\n" not in message


def test_missing_include_of_qelib1_is_hinted():
    with pytest.raises(QasmError, match='add include "qelib1.inc"'):
        loads("OPENQASM 2.0;\nqreg q[1];\nh q[0];")


def test_load_errors_name_the_file(tmp_path):
    path = tmp_path / "bad.qasm"
    path.write_text(HEADER + "qreg q[1];\nh q[1];")
    with pytest.raises(QasmError, match=r"^.*bad\.qasm:4:5: index 1 out of range") as info:
        load(path)
    assert str(info.value) == f"{path}:4:5: index 1 out of range for register 'q' of size 1"
    assert (info.value.source, info.value.line, info.value.column) == (str(path), 4, 5)
    with pytest.raises(QasmError, match="no such file"):
        load(tmp_path / "absent.qasm")
    with pytest.raises(QasmError, match="is a directory"):
        load(tmp_path)


def test_errors_in_included_files_name_the_file(tmp_path):
    (tmp_path / "inc.inc").write_text("gate g a { y b; }\n")
    path = tmp_path / "p.qasm"
    path.write_text(HEADER + 'include "inc.inc";')
    with pytest.raises(QasmError) as info:
        load(path)
    assert (info.value.source, info.value.line, info.value.column) == (str(tmp_path / "inc.inc"), 1, 14)
    assert str(info.value).startswith(f"{tmp_path / 'inc.inc'}:1:14: 'b' is not a qubit argument")


def test_qasm_error_is_a_circuit_error():
    assert issubclass(QasmError, CircuitError) and issubclass(QasmError, gpuq.GpuqError)


# ---------------------------------------------------------------- export
def test_dumps_header_registers_and_statements():
    q, r = QuantumRegister(2, "q"), QuantumRegister(1, "anc")
    c, d = ClassicalRegister(2, "c"), ClassicalRegister(1, "flag")
    circuit = QuantumCircuit(q, r, c, d)
    circuit.h(q[0])
    circuit.rz(math.pi / 2, q[1])
    circuit.cu(-3 * math.pi / 4, 0.25, 1e-5, 2.0, q[0], r[0])
    circuit.barrier()
    circuit.measure(q, c)
    circuit.x(r[0]).c_if(c, 3)
    circuit.reset(r[0]).c_if(d[0], 1)
    text = dumps(circuit)
    assert text.splitlines() == [
        "OPENQASM 2.0;",
        'include "qelib1.inc";',
        "qreg q[2];",
        "qreg anc[1];",
        "creg c[2];",
        "creg flag[1];",
        "h q[0];",
        "rz(pi/2) q[1];",
        "cu(-3*pi/4,0.25,1e-05,2.0) q[0],anc[0];",
        "barrier q[0],q[1],anc[0];",
        "measure q[0] -> c[0];",
        "measure q[1] -> c[1];",
        "if(c==3) x anc[0];",
        "if(flag==1) reset anc[0];",
    ]
    assert circuit.qasm() == text
    assert dumps(loads(text)) == text


def test_dumps_condition_on_part_of_a_register_is_an_error():
    circuit = QuantumCircuit(1, 2)
    circuit.x(0).c_if(1, 1)
    with pytest.raises(CircuitError, match="whole classical register"):
        dumps(circuit)


def test_dumps_gate_names_do_not_collide_with_registers():
    circuit = QuantumCircuit(QuantumRegister(2, "iswap"))
    circuit.iswap(0, 1)
    text = dumps(circuit)
    assert "gate iswap_1 a,b" in text and "iswap_1 iswap[0],iswap[1];" in text
    assert equal_up_to_phase(circuit_matrix(loads(text)), circuit_matrix(circuit))


@settings(max_examples=300, deadline=None)
@given(
    st.floats(allow_nan=False, allow_infinity=False, width=64)
    | st.sampled_from([math.pi * k / d for k in range(-9, 10) for d in (1, 2, 3, 4, 8, 16)])
)
def test_format_param_reads_back_to_the_same_float(value):
    text = format_param(value)
    circuit = loads(HEADER + f"qreg q[1];\nrz({text}) q[0];")
    assert circuit.data[0].params[0] == value


def _random_circuit(rng: np.random.Generator, nqubits: int, ngates: int) -> QuantumCircuit:
    """Every library gate at least once (mcx with 1 to 5 controls, unitary on 1 to 3 qubits), then random ones."""
    circuit = QuantumCircuit(nqubits)
    names = sorted(GATES) + ["unitary"]
    sequence = names + list(rng.choice(names, size=max(0, ngates - len(names))))
    rng.shuffle(sequence)
    for name in sequence:
        if name == "mcx":
            k = int(rng.integers(1, min(nqubits, 6)))  # 5 controls already needs an mcx_5 definition
            qubits = [int(q) for q in rng.permutation(nqubits)[: k + 1]]
            circuit.mcx(qubits[:-1], qubits[-1])
        elif name == "unitary":
            k = int(rng.integers(1, 4))
            circuit.unitary(random_unitary(k, rng), [int(q) for q in rng.permutation(nqubits)[:k]])
        else:
            spec = GATES[name]
            params = [float(p) for p in rng.uniform(-2 * math.pi, 2 * math.pi, spec.num_params)]
            qubits = [int(q) for q in rng.permutation(nqubits)[: spec.num_qubits()]]
            getattr(circuit, name)(*params, *qubits)
    return circuit


@pytest.mark.parametrize("seed", range(6))
def test_round_trip_same_unitary(seed):
    """No engine: the dense matrix of the re-imported circuit equals the original up to global phase."""
    circuit = _random_circuit(np.random.default_rng(seed), 7, 60)
    back = loads(dumps(circuit))
    assert equal_up_to_phase(circuit_matrix(back), circuit_matrix(circuit), atol=1e-8)
    kept = {name for name in GATES if name != "mcx"}
    assert {inst.name for inst in back.data} & kept == {inst.name for inst in circuit.data} & kept


@pytest.mark.parametrize("seed", range(4))
def test_round_trip_same_simulated_state(seed, device_name):
    """Export, import, simulate: the same statevector as the original circuit, up to global phase."""
    circuit = _random_circuit(np.random.default_rng(100 + seed), 8, 80)
    back = loads(dumps(circuit))
    backend = gpuq.Local.get_backend("statevector_simulator")
    original = gpuq.execute(circuit, backend, device=device_name, seed=1).result().get_statevector()
    again = gpuq.execute(back, backend, device=device_name, seed=1).result().get_statevector()
    assert equal_up_to_phase(np.asarray(again), np.asarray(original), atol=1e-8)


def test_round_trip_with_measure_reset_and_conditions_is_a_fixed_point():
    rng = np.random.default_rng(7)
    circuit = _random_circuit(rng, 5, 30)
    circuit.add_register(ClassicalRegister(2, "m"))
    circuit.add_register(ClassicalRegister(1, "f"))
    circuit.measure([0, 1], [0, 1])
    circuit.h(2).c_if(circuit.cregs[0], 2)
    circuit.reset(3)
    circuit.measure(2, 2)
    circuit.ccx(0, 1, 2).c_if(circuit.cregs[1], 1)
    text = dumps(loads(dumps(circuit)))  # the first import inlines unitary_<i> and mcx_<k> definitions
    assert dumps(loads(text)) == text
    tail = [line for line in dumps(circuit).splitlines() if line.startswith(("measure", "if", "reset"))]
    assert tail == [line for line in text.splitlines() if line.startswith(("measure", "if", "reset"))]


@pytest.mark.parametrize("nqubits", [1, 2, 3])
def test_unitary_export_is_exact_up_to_phase(nqubits):
    matrix = random_unitary(nqubits, np.random.default_rng(nqubits))
    circuit = QuantumCircuit(nqubits)
    circuit.unitary(matrix, list(range(nqubits)))
    back = loads(dumps(circuit))
    assert equal_up_to_phase(circuit_matrix(back), matrix, atol=1e-9)


@pytest.mark.parametrize("controls", [5, 6])
def test_many_control_mcx_exports_exactly(controls):
    circuit = QuantumCircuit(controls + 1)
    circuit.mcx(list(range(1, controls + 1)), 0)
    text = dumps(circuit)
    assert f"gate mcx_{controls} " in text
    assert np.allclose(circuit_matrix(loads(text)), circuit_matrix(circuit), atol=1e-9)
