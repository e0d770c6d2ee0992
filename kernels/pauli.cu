// pauli.cu: expectation values of Pauli strings, and a Pauli sum applied to a state.
//
// Numba twin: gpuq/sim/devices/cpu_kernels/pauli.py (expectation_groups, apply_pauli_sum).
// The final sums over work items are CuPy library calls on the GPU (gpu_pauli.py), not kernels.
//
// A Pauli string is (x_mask, z_mask): bit q of x_mask is set for X or Y on qubit q, bit q of
// z_mask for Z or Y; y = popcount(x_mask & z_mask) counts its Ys. Then
//   P|b> = i^y (-1)^popcount(b & z_mask) |b ^ x_mask>,
//   <psi|P|psi> = i^y * sum_b conj(psi[b ^ x_mask]) psi[b] (-1)^popcount(b & z_mask).
//
// Index contract:
//   * qubit q is bit q of the amplitude index (little-endian);
//   * expectation_groups: the strings come in groups sharing an X mask: group g has x_masks[g] and the
//     strings [starts[g], starts[g + 1]) of z_masks and imag_part (nstrings in all). Its pivot p is the
//     highest set bit of x_masks[g]; the amplitude pairs (b, b ^ x) are visited once each, from the b whose
//     bit p is 0 (the "pair trick"), and counted twice (for x = 0 every b is visited, once). Work item w in
//     [0, 2^(nqubits - chunk_bits)) has tile = w >> lane_bits and lane = w & (2^lane_bits - 1); it reads
//     the amplitudes b = (tile << (lane_bits + chunk_bits)) + lane + (k << lane_bits), k < 2^chunk_bits,
//     and writes, for every string j of every group, partial[w * nstrings + j] = f times the sum over its
//     visited b of (-1)^popcount(b & z_masks[j]) times the real part of conj(psi[b ^ x]) psi[b], or the
//     imaginary part where imag_part[j] is nonzero (the caller sets it for strings with an odd y and
//     applies i^y and the coefficient); f = 2 for x != 0, 1 for x = 0. The pair sum is exact: the
//     partner's term is the conjugate of b's times (-1)^popcount(x & z), which is -1 exactly for odd y.
//     Sums are accumulated in double for both precisions. lane_bits = 0 gives each item a contiguous
//     chunk (CPU caches); lane_bits = 5 lets a warp's threads read consecutive amplitudes (GPU
//     coalescing). chunk_bits + lane_bits <= nqubits. One call serves every group: no launch per group.
//   * apply_pauli_sum: work item i in [0, 2^nqubits) writes out[i] = sum_j coeffs[j]
//     (-1)^popcount((i ^ x_masks[j]) & z_masks[j]) state[i ^ x_masks[j]]: out = (sum_j c_j P_j) state
//     when the caller folds i^y_j into coeffs[j]. out and state must not overlap.
#include "common.cuh"

namespace gpuq {

// 1 when `value` has an odd number of set bits (xor folding: no intrinsic, so all three builds agree).
GPUQ_FN int parity(mask_t value) {
    value ^= value >> 32;
    value ^= value >> 16;
    value ^= value >> 8;
    value ^= value >> 4;
    value ^= value >> 2;
    value ^= value >> 1;
    return (int)(value & 1ull);
}

// Position of the highest set bit of a nonzero mask.
GPUQ_FN int top_bit(mask_t value) {
    int bit = 0;
    while (value >> (bit + 1)) {
        ++bit;
    }
    return bit;
}

template <typename T>
GPUQ_FN void expectation_groups(const Complex<T>* __restrict__ state, int nqubits, int ngroups,
                                const mask_t* __restrict__ x_masks, const long long* __restrict__ starts,
                                const mask_t* __restrict__ z_masks, const int* __restrict__ imag_part, int nstrings,
                                int chunk_bits, int lane_bits, double* __restrict__ partial) {
    const index_t items = (index_t)1 << (nqubits - chunk_bits);
    const index_t chunk = (index_t)1 << chunk_bits;
    const index_t lanes = (index_t)1 << lane_bits;
    for (index_t w = first_item(); w < items; w += item_stride()) {
        const index_t first = ((w >> lane_bits) << (lane_bits + chunk_bits)) + (w & (lanes - 1));
        double* sums = partial + w * (index_t)nstrings;
        for (int g = 0; g < ngroups; ++g) {
            const mask_t x = x_masks[g];
            const int pivot = x ? top_bit(x) : 0;
            const double factor = x ? 2.0 : 1.0;
            for (index_t j = starts[g]; j < starts[g + 1]; ++j) {
                sums[j] = 0.0;
            }
            for (index_t k = 0; k < chunk; ++k) {
                const index_t b = first + (k << lane_bits);
                if (x && (((mask_t)b >> pivot) & 1ull)) {
                    continue;
                }
                const Complex<T> a = state[b];
                const Complex<T> p = state[(index_t)((mask_t)b ^ x)];
                // conj(p) * a, in double
                const double re = (double)p.re * (double)a.re + (double)p.im * (double)a.im;
                const double im = (double)p.re * (double)a.im - (double)p.im * (double)a.re;
                for (index_t j = starts[g]; j < starts[g + 1]; ++j) {
                    const double value = imag_part[j] ? im : re;
                    sums[j] += parity((mask_t)b & z_masks[j]) ? -value : value;
                }
            }
            for (index_t j = starts[g]; j < starts[g + 1]; ++j) {
                sums[j] *= factor;
            }
        }
    }
}

template <typename T>
GPUQ_FN void apply_pauli_sum(const Complex<T>* __restrict__ state, int nqubits, const mask_t* __restrict__ x_masks,
                             const mask_t* __restrict__ z_masks, const Complex<double>* __restrict__ coeffs,
                             int nterms, Complex<T>* __restrict__ out) {
    const index_t size = (index_t)1 << nqubits;
    for (index_t i = first_item(); i < size; i += item_stride()) {
        double re = 0.0;
        double im = 0.0;
        for (int j = 0; j < nterms; ++j) {
            const mask_t source = (mask_t)i ^ x_masks[j];
            const Complex<T> a = state[(index_t)source];
            const double sign = parity(source & z_masks[j]) ? -1.0 : 1.0;
            re += sign * (coeffs[j].re * (double)a.re - coeffs[j].im * (double)a.im);
            im += sign * (coeffs[j].re * (double)a.im + coeffs[j].im * (double)a.re);
        }
        out[i] = make_complex<T>((T)re, (T)im);
    }
}

}  // namespace gpuq

GPUQ_KERNEL void expectation_groups_c64(const gpuq::Complex<float>* state, int nqubits, int ngroups,
                                        const gpuq::mask_t* x_masks, const long long* starts,
                                        const gpuq::mask_t* z_masks, const int* imag_part, int nstrings,
                                        int chunk_bits, int lane_bits, double* partial) {
    gpuq::expectation_groups<float>(state, nqubits, ngroups, x_masks, starts, z_masks, imag_part, nstrings,
                                    chunk_bits, lane_bits, partial);
}

GPUQ_KERNEL void expectation_groups_c128(const gpuq::Complex<double>* state, int nqubits, int ngroups,
                                         const gpuq::mask_t* x_masks, const long long* starts,
                                         const gpuq::mask_t* z_masks, const int* imag_part, int nstrings,
                                         int chunk_bits, int lane_bits, double* partial) {
    gpuq::expectation_groups<double>(state, nqubits, ngroups, x_masks, starts, z_masks, imag_part, nstrings,
                                     chunk_bits, lane_bits, partial);
}

GPUQ_KERNEL void apply_pauli_sum_c64(const gpuq::Complex<float>* state, int nqubits, const gpuq::mask_t* x_masks,
                                     const gpuq::mask_t* z_masks, const gpuq::Complex<double>* coeffs, int nterms,
                                     gpuq::Complex<float>* out) {
    gpuq::apply_pauli_sum<float>(state, nqubits, x_masks, z_masks, coeffs, nterms, out);
}

GPUQ_KERNEL void apply_pauli_sum_c128(const gpuq::Complex<double>* state, int nqubits,
                                      const gpuq::mask_t* x_masks, const gpuq::mask_t* z_masks,
                                      const gpuq::Complex<double>* coeffs, int nterms,
                                      gpuq::Complex<double>* out) {
    gpuq::apply_pauli_sum<double>(state, nqubits, x_masks, z_masks, coeffs, nterms, out);
}
