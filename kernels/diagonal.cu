// diagonal.cu: multiply the state by a diagonal operator on k target qubits, where all controls are 1.
//
// Numba twin: gpuq/sim/devices/cpu_kernels/diagonal.py (apply_diagonal).
//
// Index contract:
//   * qubit q is bit q of the amplitude index (little-endian);
//   * targets[j] is bit j of the diagonal's index; targets need not be sorted;
//   * control_mask has the bit of every control qubit set (disjoint from the targets);
//   * one work item i in [0, 2^nqubits) is one amplitude: when every control bit of i is 1,
//     it multiplies state[i] by diag[local_index(i)], bit j of local_index(i) being bit
//     targets[j] of i. Consecutive threads touch consecutive amplitudes, whichever qubits
//     the diagonal acts on (a grouping by targets would stride when the targets are low).
#include "common.cuh"

namespace gpuq {

template <typename T>
GPUQ_FN void apply_diagonal(Complex<T>* __restrict__ state, int nqubits, const int* __restrict__ targets,
                            int ntargets, mask_t control_mask, const Complex<T>* __restrict__ diag) {
    const index_t size = (index_t)1 << nqubits;
    for (index_t i = first_item(); i < size; i += item_stride()) {
        if (((mask_t)i & control_mask) == control_mask) {
            state[i] = diag[local_index(i, targets, ntargets)] * state[i];
        }
    }
}

}  // namespace gpuq

GPUQ_KERNEL void apply_diagonal_c64(gpuq::Complex<float>* state, int nqubits, const int* targets, int ntargets,
                                    gpuq::mask_t control_mask, const gpuq::Complex<float>* diag) {
    gpuq::apply_diagonal<float>(state, nqubits, targets, ntargets, control_mask, diag);
}

GPUQ_KERNEL void apply_diagonal_c128(gpuq::Complex<double>* state, int nqubits, const int* targets, int ntargets,
                                     gpuq::mask_t control_mask, const gpuq::Complex<double>* diag) {
    gpuq::apply_diagonal<double>(state, nqubits, targets, ntargets, control_mask, diag);
}
