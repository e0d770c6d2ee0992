"""Compile time is measured apart from simulation time, and the first compilation of a run is announced
(issue 13 item 8)."""

import numba
import numpy as np

import gpuq
from gpuq import QuantumCircuit
from gpuq.sim.compile_clock import CompileClock


def test_the_clock_counts_compilation_in_this_thread_and_announces_it_once():
    announced = []
    clock = CompileClock(lambda: announced.append(True))

    @numba.njit(cache=False)
    def fresh(values):  # a function no cache holds: calling it compiles
        return values.sum() * 2

    fresh(np.ones(3))
    fresh(np.ones(3, dtype=np.int64))  # a second specialisation: compiles again, not announced again
    seconds = clock.stop()
    assert seconds > 0 and announced == [True]
    fresh(np.ones(3))  # compiled already: no time added
    assert clock.seconds == seconds


def test_each_experiment_reports_compile_and_simulation_time():
    qc = QuantumCircuit(2, 2)
    qc.h(0)
    qc.measure([0, 1], [0, 1])
    result = gpuq.execute(qc, "qasm_simulator_cpu", shots=10, seed=1).result().results[0]
    compiling, simulating = result.metadata["compile_time"], result.metadata["simulation_time"]
    assert compiling >= 0 and simulating > 0
    assert abs(compiling + simulating - result.time_taken) < 1e-6
