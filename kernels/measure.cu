// measure.cu: measurement support: squared magnitudes, and projection onto an outcome.
//
// Numba twin: gpuq/sim/devices/cpu_kernels/measure.py (probabilities, collapse).
// Sums, marginals, scans and sampling are CuPy library calls on the GPU (gpu.py), not kernels.
//
// Index contract:
//   * qubit q is bit q of the amplitude index (little-endian);
//   * probabilities: one work item i in [0, 2^nqubits) reads state[i], writes probs[i] = |state[i]|^2
//     in the state's real precision;
//   * collapse: one work item i in [0, 2^nqubits) reads and writes state[i]: it becomes 0 where
//     (i & qubit_mask) != outcome_bits, and state[i] * scale elsewhere. outcome_bits has bits
//     only inside qubit_mask, already placed at the qubits' positions.
#include "common.cuh"

namespace gpuq {

template <typename T>
GPUQ_FN void probabilities(const Complex<T>* __restrict__ state, int nqubits, T* __restrict__ probs) {
    const index_t size = (index_t)1 << nqubits;
    for (index_t i = first_item(); i < size; i += item_stride()) {
        probs[i] = norm2(state[i]);
    }
}

template <typename T>
GPUQ_FN void collapse(Complex<T>* __restrict__ state, int nqubits, mask_t qubit_mask, mask_t outcome_bits,
                      double scale) {
    const index_t size = (index_t)1 << nqubits;
    const T factor = (T)scale;
    for (index_t i = first_item(); i < size; i += item_stride()) {
        if (((mask_t)i & qubit_mask) == outcome_bits) {
            state[i] = gpuq::scale(state[i], factor);
        } else {
            state[i] = make_complex<T>(0, 0);
        }
    }
}

}  // namespace gpuq

GPUQ_KERNEL void probabilities_c64(const gpuq::Complex<float>* state, int nqubits, float* probs) {
    gpuq::probabilities<float>(state, nqubits, probs);
}

GPUQ_KERNEL void probabilities_c128(const gpuq::Complex<double>* state, int nqubits, double* probs) {
    gpuq::probabilities<double>(state, nqubits, probs);
}

GPUQ_KERNEL void collapse_c64(gpuq::Complex<float>* state, int nqubits, gpuq::mask_t qubit_mask,
                              gpuq::mask_t outcome_bits, double scale) {
    gpuq::collapse<float>(state, nqubits, qubit_mask, outcome_bits, scale);
}

GPUQ_KERNEL void collapse_c128(gpuq::Complex<double>* state, int nqubits, gpuq::mask_t qubit_mask,
                               gpuq::mask_t outcome_bits, double scale) {
    gpuq::collapse<double>(state, nqubits, qubit_mask, outcome_bits, scale);
}
