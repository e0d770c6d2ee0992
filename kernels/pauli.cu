// pauli.cu: expectation values of Pauli strings, and a Pauli sum applied to a state.
//
// Numba twin: gpuq/sim/devices/cpu_kernels/pauli.py (expectation_group, apply_pauli_sum).
// The final sums over work items are CuPy library calls on the GPU (gpu_pauli.py), not kernels.
//
// A Pauli string is (x_mask, z_mask): bit q of x_mask is set for X or Y on qubit q, bit q of
// z_mask for Z or Y; y = popcount(x_mask & z_mask) counts its Ys. Then
//   P|b> = i^y (-1)^popcount(b & z_mask) |b ^ x_mask>,
//   <psi|P|psi> = i^y * sum_b conj(psi[b ^ x_mask]) psi[b] (-1)^popcount(b & z_mask).
//
// Index contract:
//   * qubit q is bit q of the amplitude index (little-endian);
//   * expectation_group: every string of the group shares x_mask. Work item w in
//     [0, 2^(nqubits - chunk_bits)) has tile = w >> lane_bits and lane = w & (2^lane_bits - 1); it reads
//     the amplitudes b = (tile << (lane_bits + chunk_bits)) + lane + (k << lane_bits), k < 2^chunk_bits,
//     and their partners b ^ x_mask, and writes partial[w * nterms + j] for every string j: the sum over
//     its b of (-1)^popcount(b & z_masks[j]) times the real part of conj(psi[b ^ x]) psi[b], or the
//     imaginary part where imag_part[j] is nonzero (the caller sets it for strings with an odd y and
//     applies i^y and the coefficient). Sums are accumulated in double for both precisions.
//     lane_bits = 0 gives each item a contiguous chunk (CPU caches); lane_bits = 5 lets a warp's
//     threads read consecutive amplitudes (GPU coalescing). chunk_bits + lane_bits <= nqubits.
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

template <typename T>
GPUQ_FN void expectation_group(const Complex<T>* __restrict__ state, int nqubits, mask_t x_mask,
                               const mask_t* __restrict__ z_masks, const int* __restrict__ imag_part, int nterms,
                               int chunk_bits, int lane_bits, double* __restrict__ partial) {
    const index_t items = (index_t)1 << (nqubits - chunk_bits);
    const index_t chunk = (index_t)1 << chunk_bits;
    const index_t lanes = (index_t)1 << lane_bits;
    for (index_t w = first_item(); w < items; w += item_stride()) {
        const index_t first = ((w >> lane_bits) << (lane_bits + chunk_bits)) + (w & (lanes - 1));
        double* sums = partial + w * (index_t)nterms;
        for (int j = 0; j < nterms; ++j) {
            sums[j] = 0.0;
        }
        for (index_t k = 0; k < chunk; ++k) {
            const index_t b = first + (k << lane_bits);
            const Complex<T> a = state[b];
            const Complex<T> p = state[(index_t)((mask_t)b ^ x_mask)];
            // conj(p) * a, in double
            const double re = (double)p.re * (double)a.re + (double)p.im * (double)a.im;
            const double im = (double)p.re * (double)a.im - (double)p.im * (double)a.re;
            for (int j = 0; j < nterms; ++j) {
                const double value = imag_part[j] ? im : re;
                sums[j] += parity((mask_t)b & z_masks[j]) ? -value : value;
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

GPUQ_KERNEL void expectation_group_c64(const gpuq::Complex<float>* state, int nqubits, gpuq::mask_t x_mask,
                                       const gpuq::mask_t* z_masks, const int* imag_part, int nterms, int chunk_bits,
                                       int lane_bits, double* partial) {
    gpuq::expectation_group<float>(state, nqubits, x_mask, z_masks, imag_part, nterms, chunk_bits, lane_bits,
                                   partial);
}

GPUQ_KERNEL void expectation_group_c128(const gpuq::Complex<double>* state, int nqubits, gpuq::mask_t x_mask,
                                        const gpuq::mask_t* z_masks, const int* imag_part, int nterms,
                                        int chunk_bits, int lane_bits, double* partial) {
    gpuq::expectation_group<double>(state, nqubits, x_mask, z_masks, imag_part, nterms, chunk_bits, lane_bits,
                                    partial);
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
