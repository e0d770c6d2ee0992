"""The fused adjoint step (``kernels/adjoint.cu``, its host build, its Numba twin, both devices) and the
gradients it gives, against dense-matrix references.

Kernel level: random psi and lambdas, a random undo unitary and random derivative matrices on every target
position (with and without a control), both precisions, several work-item layouts; the reference applies
the embedded matrices densely (``reference.embed``). Gradient level: every parameterised gate on every
placement of its qubits, through ``gpuq.execute(..., gradient=True)`` on the CPU and the GPU (the stand-in
with ``--gpu-standin``), against central differences of ``<psi(t)|O|psi(t)>`` built from the independent
matrices of ``gate_matrices.MATRICES``.
"""

from itertools import pairwise, permutations

import hostbuild
import numpy as np
import pytest
from gate_matrices import MATRICES
from pauli_reference import pauli_sum_matrix, random_terms
from reference import apply, random_state, random_unitary

import gpuq
from gpuq import Local, Parameter, QuantumCircuit, SparsePauliOp
from gpuq.circuit.gates import GATES
from gpuq.exceptions import SimulationError
from gpuq.sim.devices.cpu_kernels import adjoint as numba_adjoint

DTYPES = {"single": np.complex64, "double": np.complex128}
NQUBITS = 6
PARAMETERISED = sorted(name for name, spec in GATES.items() if spec.num_params)


@pytest.fixture(scope="module")
def host():
    reason = hostbuild.unavailable_reason()
    if reason:
        pytest.skip(reason)
    return hostbuild.HostKernels("adjoint")


def _placements():
    """(targets, controls): one target on every qubit, alone and under a control on another qubit, and
    two and three targets in unsorted orders."""
    cases = [((t,), ()) for t in range(NQUBITS)]
    cases += [((t,), ((t + 3) % NQUBITS,)) for t in range(NQUBITS)]
    cases += [((5, 0), ()), ((1, 4), (2,)), ((3, 2), ()), ((4, 0, 2), ()), ((0, 1, 5), (3,))]
    return cases


def _case(precision, targets, controls, nderivs, rng):
    k = len(targets)
    psi = random_state(NQUBITS, rng).astype(DTYPES[precision])
    lambdas = np.stack([random_state(NQUBITS, rng) for _ in range(2)]).astype(DTYPES[precision])
    undo = random_unitary(k, rng)
    derivs = rng.normal(size=(nderivs, 1 << k, 1 << k)) + 1j * rng.normal(size=(nderivs, 1 << k, 1 << k))
    return psi, lambdas, undo, derivs


def _expected(psi, lambdas, targets, controls, undo, derivs):
    """Sums <lambda_l| D_d |psi> (D_d where the controls are 1, zero elsewhere) and the undone states, densely."""
    wide, lams = psi.astype(np.complex128), lambdas.astype(np.complex128)
    index = np.arange(wide.shape[0])
    off = wide * (index & sum(1 << c for c in controls) != sum(1 << c for c in controls))  # (1 - P_controls) psi
    sums = np.array([[np.vdot(lam, apply(wide, targets, d, controls) - off) for d in derivs] for lam in lams])
    sums = sums.reshape(len(lams), len(derivs))
    return sums, apply(wide, targets, undo, controls), np.stack([apply(lam, targets, undo, controls) for lam in lams])


def _run_kernel(kernel, psi, lambdas, targets, controls, undo, derivs, chunk_bits, lane_bits, pieces):
    """One kernel over all work items, in ``pieces`` item ranges; returns the summed partials."""
    psi, lambdas = psi.copy(), lambdas.copy()
    k, nderivs, nlambdas = len(targets), len(derivs), len(lambdas)
    group_bits = NQUBITS - k - len(controls)
    items = 1 << (group_bits - chunk_bits)
    partial = np.full(2 * items * nlambdas * max(nderivs, 1), np.nan)
    mask = sum(1 << c for c in controls)
    bounds = np.linspace(0, items, pieces + 1).astype(int)
    for begin, end in pairwise(bounds):
        kernel(
            psi,
            NQUBITS,
            np.asarray(targets, dtype=np.int32),
            k,
            mask,
            np.ascontiguousarray(undo, dtype=psi.dtype).reshape(-1),
            np.ascontiguousarray(derivs, dtype=np.complex128).reshape(-1),
            nderivs,
            lambdas.reshape(-1),
            nlambdas,
            chunk_bits,
            lane_bits,
            int(begin),
            int(end),
            partial,
        )
    used = partial[: 2 * items * nlambdas * nderivs].reshape(items, nlambdas * nderivs, 2).sum(axis=0)
    return (used[:, 0] + 1j * used[:, 1]).reshape(nlambdas, nderivs), psi, lambdas


@pytest.mark.parametrize("targets, controls", _placements(), ids=str)
@pytest.mark.parametrize("nderivs", [0, 1, 3])
def test_step_kernels_match_the_dense_reference(host, precision, rng, targets, controls, nderivs):
    psi, lambdas, undo, derivs = _case(precision, targets, controls, nderivs, rng)
    sums, psi_after, lambdas_after = _expected(psi, lambdas, targets, controls, undo, derivs)
    group_bits = NQUBITS - len(targets) - len(controls)
    layouts = [(0, 0, 1), (min(2, group_bits), 0, 3), (0, min(2, group_bits), 2)]
    atol = 1e-10 if precision == "double" else 2e-5
    for kernel in (numba_adjoint.adjoint_step, host.adjoint_step):
        for chunk_bits, lane_bits, pieces in layouts:
            if chunk_bits + lane_bits > group_bits:
                continue
            got, psi_out, lambdas_out = _run_kernel(
                kernel, psi, lambdas, targets, controls, undo, derivs, chunk_bits, lane_bits, pieces
            )
            assert np.allclose(got, sums, atol=atol * 10, rtol=0), (kernel, chunk_bits, lane_bits)
            assert np.allclose(psi_out, psi_after, atol=atol, rtol=0)
            assert np.allclose(lambdas_out, lambdas_after, atol=atol, rtol=0)


@pytest.mark.parametrize("targets, controls", [((2,), ()), ((0,), (4,)), ((5, 1), ())], ids=str)
def test_device_step_matches_the_reference(device, precision, rng, targets, controls):
    psi, lambdas, undo, derivs = _case(precision, targets, controls, 2, rng)
    sums, psi_after, lambdas_after = _expected(psi, lambdas, targets, controls, undo, derivs)
    on_device = device.adjoint_states(2, NQUBITS, precision)
    for row, lam in zip(on_device, lambdas):
        row[...] = device.from_host(lam)
    state = device.from_host(psi)
    got = device.adjoint_step(state, on_device, targets, controls, undo, derivs)
    atol = 1e-10 if precision == "double" else 2e-5
    assert np.allclose(got, sums, atol=atol * 10, rtol=0)
    assert np.allclose(device.to_host(state), psi_after, atol=atol, rtol=0)
    assert np.allclose(np.stack([device.to_host(row) for row in on_device]), lambdas_after, atol=atol, rtol=0)


def test_device_step_refuses_bad_arguments(device, rng):
    psi, _lambdas, undo, derivs = _case("double", (1,), (), 1, rng)
    state = device.from_host(psi)
    stack = device.adjoint_states(2, NQUBITS, "double")
    with pytest.raises(SimulationError, match="stack"):
        device.adjoint_step(state, device.adjoint_states(2, NQUBITS - 1, "double"), (1,), (), undo, derivs)
    with pytest.raises(SimulationError, match="out of range"):
        device.adjoint_step(state, stack, (NQUBITS,), (), undo, derivs)
    with pytest.raises(SimulationError, match="derivatives"):
        device.adjoint_step(state, stack, (1,), (), undo, derivs[:, :1])


def _qubit_placements(arity):
    return [list(p) for p in permutations(range(3), arity)]


AFTER = [("cx", [1, 2]), ("h", [0]), ("cx", [2, 0]), ("sx", [1])]
"""The fixed layer after the differentiated gate: the sweep undoes it (the CXs in one fused call each for
psi and lambda) before it reaches the gate."""


def _dense_energy(name, qubits, angles, prep, observable):
    """<psi|O|psi> with psi = ``AFTER`` . gate(angles) on ``qubits`` . ``prep``, from the independent matrices."""
    state = apply(prep, qubits, MATRICES[name](*angles))
    for fixed, on in AFTER:
        state = apply(state, on, MATRICES[fixed]())
    return np.vdot(state, observable @ state).real


@pytest.mark.parametrize("name", PARAMETERISED)
def test_gradient_of_every_gate_on_every_placement(name, device_name, precision):
    """d<O>/d(angle) for every angle of ``name`` (each angle its own parameter), on every ordered choice
    of its qubits among three, after a random state preparation and before a fixed layer (``AFTER``)."""
    spec = GATES[name]
    arity, nparams = spec.num_qubits(), spec.num_params
    rng = np.random.default_rng(sum(map(ord, name)))
    nqubits = 3
    terms = random_terms(nqubits, 6, rng)
    observable = SparsePauliOp.from_list(terms)
    matrix = pauli_sum_matrix(terms)
    params = [Parameter(f"a{j}") for j in range(nparams)]
    values = rng.uniform(-np.pi, np.pi, nparams)
    backend = Local.get_backend("statevector_simulator")
    for qubits in _qubit_placements(arity):
        prep_angles = rng.uniform(-np.pi, np.pi, (nqubits, 2))
        qc = QuantumCircuit(nqubits)
        prep = np.zeros(1 << nqubits, dtype=complex)
        prep[0] = 1
        for q in range(nqubits):  # RY, RZ on each qubit, then a CX chain: a generic entangled state
            qc.ry(float(prep_angles[q, 0]), q)
            qc.rz(float(prep_angles[q, 1]), q)
            prep = apply(prep, [q], MATRICES["ry"](prep_angles[q, 0]))
            prep = apply(prep, [q], MATRICES["rz"](prep_angles[q, 1]))
        for q in range(nqubits - 1):
            qc.cx(q, q + 1)
            prep = apply(prep, [q, q + 1], MATRICES["cx"]())
        getattr(qc, name)(*params, *qubits)
        for fixed, on in AFTER:
            getattr(qc, fixed)(*on)
        result = gpuq.execute(
            qc,
            backend,
            parameter_binds=[{p: [float(v)] for p, v in zip(params, values)}],
            observables=[observable],
            gradient=True,
            device=device_name,
            precision=precision,
        ).result()
        got = result.get_gradients(0)[0, 0]
        step = 1e-6
        expected = []
        for j in range(nparams):
            up, down = values.copy(), values.copy()
            up[j] += step
            down[j] -= step
            e_up = _dense_energy(name, qubits, up, prep, matrix)
            e_down = _dense_energy(name, qubits, down, prep, matrix)
            expected.append((e_up - e_down) / (2 * step))
        order = [int(p.name[1:]) for p in qc.parameters]  # qc.parameters is sorted by name
        atol = 1e-7 if precision == "double" else 1e-4
        assert np.allclose(got, np.array(expected)[order], atol=atol, rtol=0), (qubits, got, expected)


@pytest.mark.parametrize("max_qubits", [1, 2, 3])
def test_sweeps_of_wider_blocks_give_the_same_gradients(device, max_qubits):
    """Blocks of several qubits (merged undo, D = W dM W'^dagger for every angle inside) against central
    differences of the dense reference, on the random circuit of every parameterised gate."""
    from test_variational import NQUBITS as WIDTH
    from test_variational import _random_circuit, _reference_state

    from gpuq.providers.local.prepare import prepare
    from gpuq.sim.adjoint import adjoint_gradients
    from gpuq.sim.engine import apply_gate
    from gpuq.sim.expectation import PauliTable

    rng = np.random.default_rng(11)
    params = [Parameter(f"p{j}") for j in range(3)]
    qc = _random_circuit(WIDTH, rng, params)
    terms = random_terms(WIDTH, 8, rng)
    row = rng.uniform(-np.pi, np.pi, 3)
    backend = Local.get_backend("statevector_simulator")
    qobj = gpuq.compile(
        qc,
        backend,
        parameter_binds=[{p: [float(v)] for p, v in zip(params, row)}],
        observables=[SparsePauliOp.from_list(terms)],
        gradient=True,
    )
    spec = prepare(qobj, backend).experiments[0].variational
    ops = spec.circuit.bound_ops(spec.bindings[0])
    psi = device.zero_state(WIDTH, "double")
    for op in ops:
        apply_gate(device, psi, op)
    got = adjoint_gradients(
        device, psi, spec.circuit, ops, spec.bindings[0], PauliTable.build(spec.observables), lambda: False, max_qubits
    )[0].real
    matrix = pauli_sum_matrix(terms)
    step = 1e-6
    expected = []
    for j in range(3):
        values = []
        for sign in (1, -1):
            point = row.copy()
            point[j] += sign * step
            state = _reference_state(qc, {p: v for p, v in zip(params, point)})
            values.append(np.vdot(state, matrix @ state).real)
        expected.append((values[0] - values[1]) / (2 * step))
    order = [int(p.name[1:]) for p in spec.circuit.parameters]
    assert np.allclose(got, np.array(expected)[order], atol=1e-7, rtol=0)
