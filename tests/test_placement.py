"""The placement planner of distributed runs: which qubits start global, which local qubit a swap evicts.

Pure planning (no ranks): the swaps it implies are counted by replaying the
plan the way ``DistributedPasses`` does. That the swaps move the right
amplitudes is checked on real ranks in ``test_distributed.py``.
"""

from __future__ import annotations

import numpy as np

from gpuq.sim.distributed.placement import Placement, dense_qubits
from gpuq.sim.ops import GateOp, MeasureOp, ResetOp

_H = np.array([[1, 1], [1, -1]]) / np.sqrt(2)


def _h(qubit: int) -> GateOp:
    return GateOp("matrix", (qubit,), (), _H, name="h")


def _cz(a: int, b: int) -> GateOp:
    return GateOp("diagonal", (a, b), (), np.array([1, 1, 1, -1]), name="cz")


def _replay(plan, nqubits: int, global_qubits: int) -> int:
    """Swaps the planner makes over ``plan``, as ``DistributedPasses.apply`` makes them."""
    placement = Placement(plan, nqubits, global_qubits)
    layout = placement.initial_layout()
    local = nqubits - global_qubits
    swaps = 0
    for position, op in enumerate(plan):
        needed = dense_qubits(op)
        for qubit in needed:
            if layout[qubit] >= local:
                out = placement.evict(layout, position, needed)
                assert 0 <= out < local and layout.index(out) not in needed
                inner = layout.index(out)
                layout[qubit], layout[inner] = out, layout[qubit]
                swaps += 1
        assert all(layout[q] < local for q in needed)
    return swaps


def test_qubits_used_last_start_global_and_unused_plans_keep_the_identity():
    plan = [_h(0), _h(1), _h(2), _h(3), _cz(4, 5), _h(4)]
    layout = Placement(plan, 6, 2).initial_layout()
    assert sorted(q for q in range(6) if layout[q] >= 4) == [4, 5]  # 5 never dense, 4 needed last
    assert Placement([_cz(0, 5)], 6, 2).initial_layout() == list(range(6))


def test_a_hot_global_qubit_is_swapped_in_once_instead_of_twice_per_gate():
    # Every qubit is needed early; then qubit 5 again and again: the naive placement
    # (top qubit global) pays two swaps per use, the planner one swap in total.
    plan = [_h(q) for q in range(6)] + [_h(5), _cz(5, 0)] * 10
    placement = Placement(plan, 6, 1)
    assert placement.naive_swaps(plan) == 22
    assert _replay(plan, 6, 1) == 1


def test_eviction_keeps_the_gates_own_targets_and_looks_ahead():
    plan = [_h(0), _h(1), _h(2), GateOp("matrix", (0, 3), (), np.eye(4)), _h(1), _h(2)]
    placement = Placement(plan, 4, 1)
    layout = [0, 1, 2, 3]  # qubit 3 global
    # At the 2-qubit gate on (0, 3): 0 must stay; 1 and 2 are needed next, 2 last: evict 2.
    assert placement.evict(layout, 3, (0, 3)) == 2


def test_resets_need_their_qubit_local_and_measurements_do_not():
    assert dense_qubits(ResetOp(3)) == (3,)
    assert dense_qubits(MeasureOp(3, 0)) == ()
    assert dense_qubits(_cz(1, 2)) == ()


def test_random_plans_never_swap_more_than_the_naive_placement():
    rng = np.random.default_rng(4)
    for _ in range(50):
        nqubits, global_qubits = int(rng.integers(4, 9)), int(rng.integers(1, 3))
        plan = [
            _h(int(q)) if rng.uniform() < 0.6 else _cz(*map(int, rng.permutation(nqubits)[:2]))
            for q in rng.integers(0, nqubits, 60)
        ]
        assert _replay(plan, nqubits, global_qubits) <= Placement(plan, nqubits, global_qubits).naive_swaps(plan)
