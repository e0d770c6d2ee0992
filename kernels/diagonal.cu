// diagonal.cu: multiply the state by a diagonal operator on k target qubits, where all controls are 1.
//
// Numba twin: gpuq/sim/devices/cpu_kernels/diagonal.py (apply_diagonal).
//
// Index contract:
//   * qubit q is bit q of the amplitude index (little-endian);
//   * targets[j] is bit j of the diagonal's index; targets need not be sorted;
//   * control_mask has the bit of every control qubit set (disjoint from the targets);
//   * one work item g in [0, 2^(nqubits - k - ncontrols)) is one group of 2^k amplitudes:
//     base = g with zero bits inserted at every target and control position, OR control_mask;
//     it multiplies state[base + offset(m)] by diag[m] for m in [0, 2^k), where offset(m)
//     puts bit j of m at bit targets[j] (the grouping of apply_matrix).
#include "common.cuh"

namespace gpuq {

template <typename T>
GPUQ_FN void apply_diagonal(Complex<T>* __restrict__ state, int nqubits, const int* __restrict__ targets,
                            int ntargets, mask_t control_mask, const Complex<T>* __restrict__ diag) {
    const int dim = 1 << ntargets;
    int positions[64];
    const int npos = mask_positions(targets_mask(targets, ntargets) | control_mask, positions);
    const index_t ngroups = (index_t)1 << (nqubits - npos);
    for (index_t g = first_item(); g < ngroups; g += item_stride()) {
        const index_t base = insert_zero_bits(g, positions, npos) | (index_t)control_mask;
        for (int m = 0; m < dim; ++m) {
            const index_t index = base + local_offset(m, targets, ntargets);
            state[index] = diag[m] * state[index];
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
