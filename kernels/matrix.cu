// matrix.cu: apply a dense 2^k x 2^k complex matrix on k target qubits, where all controls are 1.
//
// Numba twin: gpuq/sim/devices/cpu_kernels/matrix.py (apply_matrix).
//
// Index contract:
//   * qubit q is bit q of the amplitude index (little-endian);
//   * targets[j] is bit j of the matrix row/column index; targets need not be sorted;
//   * the matrix is row-major, matrix[r * 2^k + c];
//   * control_mask has the bit of every control qubit set (disjoint from the targets);
//   * one work item g in [0, 2^(nqubits - k - ncontrols)) is one group of 2^k amplitudes:
//     base = g with zero bits inserted at every target and control position, OR control_mask;
//     it reads and writes exactly state[base + offset(m)], m in [0, 2^k), where offset(m)
//     puts bit j of m at bit targets[j]. No two work items touch the same amplitude.
//   * a launch updates only the groups g in [group_begin, group_end), a subrange of the above.
#include "common.cuh"

namespace gpuq {

template <typename T, int K>
GPUQ_FN void apply_matrix_k(Complex<T>* __restrict__ state, int nqubits, const int* __restrict__ targets,
                            mask_t control_mask, const Complex<T>* __restrict__ matrix, index_t group_begin,
                            index_t group_end) {
    const int dim = 1 << K;
    int positions[64];
    const int npos = mask_positions(targets_mask(targets, K) | control_mask, positions);
    index_t offsets[1 << K];
    for (int m = 0; m < dim; ++m) {
        offsets[m] = local_offset(m, targets, K);
    }
    for (index_t g = group_begin + first_item(); g < group_end; g += item_stride()) {
        const index_t base = insert_zero_bits(g, positions, npos) | (index_t)control_mask;
        Complex<T> in[1 << K];
        for (int c = 0; c < dim; ++c) {
            in[c] = state[base + offsets[c]];
        }
        for (int r = 0; r < dim; ++r) {
            Complex<T> acc = make_complex<T>(0, 0);
            for (int c = 0; c < dim; ++c) {
                acc = acc + matrix[r * dim + c] * in[c];
            }
            state[base + offsets[r]] = acc;
        }
    }
}

// One switch on the (launch-uniform) target count, so local arrays have a fixed size.
template <typename T>
GPUQ_FN void apply_matrix(Complex<T>* __restrict__ state, int nqubits, const int* __restrict__ targets,
                          int ntargets, mask_t control_mask, const Complex<T>* __restrict__ matrix,
                          index_t group_begin, index_t group_end) {
    switch (ntargets) {
        case 0: apply_matrix_k<T, 0>(state, nqubits, targets, control_mask, matrix, group_begin, group_end); break;
        case 1: apply_matrix_k<T, 1>(state, nqubits, targets, control_mask, matrix, group_begin, group_end); break;
        case 2: apply_matrix_k<T, 2>(state, nqubits, targets, control_mask, matrix, group_begin, group_end); break;
        case 3: apply_matrix_k<T, 3>(state, nqubits, targets, control_mask, matrix, group_begin, group_end); break;
        case 4: apply_matrix_k<T, 4>(state, nqubits, targets, control_mask, matrix, group_begin, group_end); break;
        case 5: apply_matrix_k<T, 5>(state, nqubits, targets, control_mask, matrix, group_begin, group_end); break;
        case 6: apply_matrix_k<T, 6>(state, nqubits, targets, control_mask, matrix, group_begin, group_end); break;
        default: break;  // callers validate k <= GPUQ_MAX_TARGETS
    }
}

}  // namespace gpuq

GPUQ_KERNEL void apply_matrix_c64(gpuq::Complex<float>* state, int nqubits, const int* targets, int ntargets,
                                  gpuq::mask_t control_mask, const gpuq::Complex<float>* matrix,
                                  gpuq::index_t group_begin, gpuq::index_t group_end) {
    gpuq::apply_matrix<float>(state, nqubits, targets, ntargets, control_mask, matrix, group_begin, group_end);
}

GPUQ_KERNEL void apply_matrix_c128(gpuq::Complex<double>* state, int nqubits, const int* targets, int ntargets,
                                   gpuq::mask_t control_mask, const gpuq::Complex<double>* matrix,
                                   gpuq::index_t group_begin, gpuq::index_t group_end) {
    gpuq::apply_matrix<double>(state, nqubits, targets, ntargets, control_mask, matrix, group_begin, group_end);
}
