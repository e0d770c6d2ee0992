// permute.cu: permute the amplitudes of k target qubits (X, CX, SWAP, ...), where all controls are 1.
//
// Numba twin: gpuq/sim/devices/cpu_kernels/permute.py (apply_permutation, apply_x, apply_swap).
//
// Index contract:
//   * qubit q is bit q of the amplitude index (little-endian); control_mask has the bit of
//     every control qubit set (disjoint from the targets);
//   * apply_permutation: targets[j] is bit j of the local index (targets need not be sorted);
//     one work item g in [0, 2^(nqubits - k - ncontrols)) is one group of 2^k amplitudes,
//     base = g with zero bits inserted at every target and control position, OR control_mask;
//     the amplitude at base + offset(m) moves to base + offset(perm[m]), where offset(m)
//     puts bit j of m at bit targets[j]. perm is a permutation of [0, 2^k).
//   * apply_x: apply_permutation with targets = {target}, perm = [1, 0]; one work item is
//     one pair (base, base | 1 << target).
//   * apply_swap: apply_permutation with targets = {target0, target1}, perm = [0, 2, 1, 3];
//     one work item is one pair (base | 1 << target0, base | 1 << target1), where base has
//     zero bits at both targets (the 00 and 11 amplitudes stay in place).
//   * every entry updates only the work items g in [group_begin, group_end), a subrange of the above.
#include "common.cuh"

namespace gpuq {

template <typename T, int K>
GPUQ_FN void apply_permutation_k(Complex<T>* __restrict__ state, int nqubits, const int* __restrict__ targets,
                                 mask_t control_mask, const long long* __restrict__ perm, index_t group_begin,
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
        for (int m = 0; m < dim; ++m) {
            in[m] = state[base + offsets[m]];
        }
        for (int m = 0; m < dim; ++m) {
            state[base + offsets[perm[m]]] = in[m];
        }
    }
}

template <typename T>
GPUQ_FN void apply_permutation(Complex<T>* __restrict__ state, int nqubits, const int* __restrict__ targets,
                               int ntargets, mask_t control_mask, const long long* __restrict__ perm,
                               index_t group_begin, index_t group_end) {
    switch (ntargets) {
        case 1: apply_permutation_k<T, 1>(state, nqubits, targets, control_mask, perm, group_begin, group_end); break;
        case 2: apply_permutation_k<T, 2>(state, nqubits, targets, control_mask, perm, group_begin, group_end); break;
        case 3: apply_permutation_k<T, 3>(state, nqubits, targets, control_mask, perm, group_begin, group_end); break;
        case 4: apply_permutation_k<T, 4>(state, nqubits, targets, control_mask, perm, group_begin, group_end); break;
        case 5: apply_permutation_k<T, 5>(state, nqubits, targets, control_mask, perm, group_begin, group_end); break;
        case 6: apply_permutation_k<T, 6>(state, nqubits, targets, control_mask, perm, group_begin, group_end); break;
        default: break;  // k = 0 is the identity; callers validate k <= GPUQ_MAX_TARGETS
    }
}

template <typename T>
GPUQ_FN void apply_x(Complex<T>* __restrict__ state, int nqubits, int target, mask_t control_mask,
                     index_t group_begin, index_t group_end) {
    int positions[64];
    const int npos = mask_positions(((mask_t)1 << target) | control_mask, positions);
    const index_t flip = (index_t)1 << target;
    for (index_t g = group_begin + first_item(); g < group_end; g += item_stride()) {
        const index_t i0 = insert_zero_bits(g, positions, npos) | (index_t)control_mask;
        const Complex<T> a0 = state[i0];
        state[i0] = state[i0 | flip];
        state[i0 | flip] = a0;
    }
}

template <typename T>
GPUQ_FN void apply_swap(Complex<T>* __restrict__ state, int nqubits, int target0, int target1,
                        mask_t control_mask, index_t group_begin, index_t group_end) {
    int positions[64];
    const mask_t both = ((mask_t)1 << target0) | ((mask_t)1 << target1);
    const int npos = mask_positions(both | control_mask, positions);
    for (index_t g = group_begin + first_item(); g < group_end; g += item_stride()) {
        const index_t base = insert_zero_bits(g, positions, npos) | (index_t)control_mask;
        const index_t i01 = base | ((index_t)1 << target0);
        const index_t i10 = base | ((index_t)1 << target1);
        const Complex<T> a = state[i01];
        state[i01] = state[i10];
        state[i10] = a;
    }
}

}  // namespace gpuq

GPUQ_KERNEL void apply_permutation_c64(gpuq::Complex<float>* state, int nqubits, const int* targets, int ntargets,
                                       gpuq::mask_t control_mask, const long long* perm, gpuq::index_t group_begin,
                                       gpuq::index_t group_end) {
    gpuq::apply_permutation<float>(state, nqubits, targets, ntargets, control_mask, perm, group_begin, group_end);
}

GPUQ_KERNEL void apply_permutation_c128(gpuq::Complex<double>* state, int nqubits, const int* targets,
                                        int ntargets, gpuq::mask_t control_mask, const long long* perm,
                                        gpuq::index_t group_begin, gpuq::index_t group_end) {
    gpuq::apply_permutation<double>(state, nqubits, targets, ntargets, control_mask, perm, group_begin, group_end);
}

GPUQ_KERNEL void apply_x_c64(gpuq::Complex<float>* state, int nqubits, int target, gpuq::mask_t control_mask,
                             gpuq::index_t group_begin, gpuq::index_t group_end) {
    gpuq::apply_x<float>(state, nqubits, target, control_mask, group_begin, group_end);
}

GPUQ_KERNEL void apply_x_c128(gpuq::Complex<double>* state, int nqubits, int target, gpuq::mask_t control_mask,
                              gpuq::index_t group_begin, gpuq::index_t group_end) {
    gpuq::apply_x<double>(state, nqubits, target, control_mask, group_begin, group_end);
}

GPUQ_KERNEL void apply_swap_c64(gpuq::Complex<float>* state, int nqubits, int target0, int target1,
                                gpuq::mask_t control_mask, gpuq::index_t group_begin, gpuq::index_t group_end) {
    gpuq::apply_swap<float>(state, nqubits, target0, target1, control_mask, group_begin, group_end);
}

GPUQ_KERNEL void apply_swap_c128(gpuq::Complex<double>* state, int nqubits, int target0, int target1,
                                 gpuq::mask_t control_mask, gpuq::index_t group_begin, gpuq::index_t group_end) {
    gpuq::apply_swap<double>(state, nqubits, target0, target1, control_mask, group_begin, group_end);
}
