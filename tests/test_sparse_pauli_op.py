"""SparsePauliOp: labels (rightmost is qubit 0), arithmetic, simplify, masks and validation."""

import numpy as np
import pytest
from pauli_reference import pauli_sum_matrix, random_terms

from gpuq import GpuqError, SparsePauliOp


def test_rightmost_character_acts_on_qubit_0():
    op = SparsePauliOp.from_list([("IIZ", 1.0)])
    assert np.allclose(np.diag(op.to_matrix()).real, [1, -1] * 4)
    x, z, c = SparsePauliOp.from_list([("XIY", 2.0)]).masks()
    assert (int(x[0]), int(z[0]), c[0]) == (0b101, 0b001, 2.0)


def test_to_matrix_matches_the_reference():
    terms = random_terms(4, 9, np.random.default_rng(1), complex_coeffs=True)
    assert np.allclose(SparsePauliOp.from_list(terms).to_matrix(), pauli_sum_matrix(terms), atol=1e-12)


def test_sums_scalars_and_simplify():
    a = SparsePauliOp.from_list([("XZ", 1.0), ("II", 2.0)])
    b = SparsePauliOp.from_list([("XZ", -1.0), ("YY", 0.5j)])
    total = 2 * a + b * 2 - a / 2
    dense = 2 * a.to_matrix() + 2 * b.to_matrix() - a.to_matrix() / 2
    assert np.allclose(total.to_matrix(), dense)
    assert total.num_qubits == 2 and len(total) == 6
    simple = total.simplify()
    assert sorted(simple.paulis) == ["II", "XZ", "YY"] and np.allclose(simple.to_matrix(), dense)
    assert (a - a).simplify() == SparsePauliOp("II", [0])
    assert a.is_hermitian() and not b.is_hermitian()


def test_wire_round_trip():
    op = SparsePauliOp.from_list([("XYZ", 0.5 - 2j), ("III", 1)])
    assert SparsePauliOp.from_wire(op.to_wire()) == op


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: SparsePauliOp.from_list([("XA", 1)]), "only I, X, Y and Z"),
        (lambda: SparsePauliOp.from_list([("X", 1), ("XX", 1)]), "same length"),
        (lambda: SparsePauliOp.from_list([]), "at least one"),
        (lambda: SparsePauliOp.from_list([("X", np.nan)]), "finite"),
        (lambda: SparsePauliOp.from_list([("X", "1")]), "must be a number"),
        (lambda: SparsePauliOp.from_list([("X", 1, 2)]), "pairs"),
        (lambda: SparsePauliOp(["X", "Z"], [1]), "coefficient"),
        (lambda: SparsePauliOp("X") + SparsePauliOp("XX"), "1 and 2 qubits"),
        (lambda: SparsePauliOp("X") * np.inf, "finite"),
        (lambda: SparsePauliOp("Z" * 64), "at most 63"),
    ],
)
def test_bad_operators_are_gpuq_errors(make, message):
    with pytest.raises(GpuqError, match=message):
        make()
