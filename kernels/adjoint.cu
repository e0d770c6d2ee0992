// adjoint.cu: one step of the adjoint gradient's backward sweep, fused into one pass.
//
// Numba twin: gpuq/sim/devices/cpu_kernels/adjoint.py (adjoint_step).
//
// The backward sweep (gpuq/sim/adjoint.py) walks a circuit's gates back from its final state psi with
// lambda_l = O_l psi, one per Hermitian part of the observables. For a block of gates U on k targets it
// needs <lambda_l| D_d |psi> for every derivative d of the block (D_d = W dU W'^dagger, a 2^k x 2^k matrix
// the host builds in double: for a lone rotation exp(-i t G / 2) it is -i G / 2, Lightning's generator),
// then psi <- U^dagger psi and lambda_l <- U^dagger lambda_l. One pass does all of it: each group is read
// once from psi and from every lambda and written once to each, instead of a pass per state and a copy,
// a derivative and an inner product per angle.
//
// Index contract:
//   * qubit q is bit q of the amplitude index (little-endian); targets[j] is bit j of a matrix's index;
//     undo (state precision) and derivs (double, nderivs matrices one after the other) are row-major;
//   * control_mask has the bit of every control qubit set; groups as in matrix.cu: group g in
//     [0, 2^group_bits), group_bits = nqubits - ntargets - popcount(control_mask), has base = g with zero
//     bits inserted at every target and control position, OR control_mask, and the amplitudes
//     base + offset(m), m < 2^k. Amplitudes whose controls are not all 1 are untouched (the derivative is
//     zero there and undo the identity);
//   * lambdas holds nlambdas states one after the other (lambda_l starts at l * 2^nqubits);
//   * work item w in [item_begin, item_end), a subrange of [0, 2^(group_bits - chunk_bits)), has
//     tile = w >> lane_bits and lane = w & (2^lane_bits - 1); it covers the groups
//     g = (tile << (lane_bits + chunk_bits)) + lane + (i << lane_bits), i < 2^chunk_bits, and writes
//     partial[2 * ((w * nlambdas + l) * nderivs + d)] and [... + 1] = the real and imaginary parts of the
//     sum over its groups of conj(lambda_l) . (D_d psi) on the group, read before the update, accumulated in
//     double at both precisions. lane_bits = 0 gives each item consecutive groups (CPU caches),
//     lane_bits = 5 a warp consecutive groups (GPU coalescing). chunk_bits + lane_bits <= group_bits.
#include "common.cuh"

namespace gpuq {

template <typename T, int K>
GPUQ_FN void adjoint_step_k(Complex<T>* __restrict__ psi, int nqubits, const int* __restrict__ targets,
                            mask_t control_mask, const Complex<T>* __restrict__ undo,
                            const Complex<double>* __restrict__ derivs, int nderivs,
                            Complex<T>* __restrict__ lambdas, int nlambdas, int chunk_bits, int lane_bits,
                            index_t item_begin, index_t item_end, double* __restrict__ partial) {
    const int dim = 1 << K;
    const index_t size = (index_t)1 << nqubits;
    const index_t chunk = (index_t)1 << chunk_bits;
    const index_t lanes = (index_t)1 << lane_bits;
    const index_t nsums = (index_t)nlambdas * nderivs;
    int positions[64];
    const int npos = mask_positions(targets_mask(targets, K) | control_mask, positions);
    index_t offsets[1 << K];
    for (int m = 0; m < dim; ++m) {
        offsets[m] = local_offset(m, targets, K);
    }
    for (index_t w = item_begin + first_item(); w < item_end; w += item_stride()) {
        double* sums = partial + 2 * w * nsums;
        for (index_t s = 0; s < 2 * nsums; ++s) {
            sums[s] = 0.0;
        }
        const index_t first = ((w >> lane_bits) << (lane_bits + chunk_bits)) + (w & (lanes - 1));
        for (index_t i = 0; i < chunk; ++i) {
            const index_t base = insert_zero_bits(first + (i << lane_bits), positions, npos) | (index_t)control_mask;
            Complex<T> a[1 << K];
            Complex<T> x[1 << K];
            for (int c = 0; c < dim; ++c) {
                a[c] = psi[base + offsets[c]];
            }
            for (int l = 0; l < nlambdas; ++l) {
                Complex<T>* lambda = lambdas + l * size;
                for (int c = 0; c < dim; ++c) {
                    x[c] = lambda[base + offsets[c]];
                }
                for (int d = 0; d < nderivs; ++d) {
                    const Complex<double>* matrix = derivs + (index_t)d * dim * dim;
                    double re = 0.0;
                    double im = 0.0;
                    for (int r = 0; r < dim; ++r) {
                        double tre = 0.0;
                        double tim = 0.0;
                        for (int c = 0; c < dim; ++c) {
                            const Complex<double> e = matrix[r * dim + c];
                            tre += e.re * (double)a[c].re - e.im * (double)a[c].im;
                            tim += e.re * (double)a[c].im + e.im * (double)a[c].re;
                        }
                        // conj(x[r]) * t
                        re += (double)x[r].re * tre + (double)x[r].im * tim;
                        im += (double)x[r].re * tim - (double)x[r].im * tre;
                    }
                    sums[2 * (l * nderivs + d)] += re;
                    sums[2 * (l * nderivs + d) + 1] += im;
                }
                for (int r = 0; r < dim; ++r) {
                    Complex<T> acc = make_complex<T>(0, 0);
                    for (int c = 0; c < dim; ++c) {
                        acc = acc + undo[r * dim + c] * x[c];
                    }
                    lambda[base + offsets[r]] = acc;
                }
            }
            for (int r = 0; r < dim; ++r) {
                Complex<T> acc = make_complex<T>(0, 0);
                for (int c = 0; c < dim; ++c) {
                    acc = acc + undo[r * dim + c] * a[c];
                }
                psi[base + offsets[r]] = acc;
            }
        }
    }
}

// One switch on the (launch-uniform) target count, so local arrays have a fixed size.
template <typename T>
GPUQ_FN void adjoint_step(Complex<T>* __restrict__ psi, int nqubits, const int* __restrict__ targets, int ntargets,
                          mask_t control_mask, const Complex<T>* __restrict__ undo,
                          const Complex<double>* __restrict__ derivs, int nderivs, Complex<T>* __restrict__ lambdas,
                          int nlambdas, int chunk_bits, int lane_bits, index_t item_begin, index_t item_end,
                          double* __restrict__ partial) {
#define GPUQ_ADJOINT_CASE(K)                                                                                   \
    case K:                                                                                                    \
        adjoint_step_k<T, K>(psi, nqubits, targets, control_mask, undo, derivs, nderivs, lambdas, nlambdas,   \
                             chunk_bits, lane_bits, item_begin, item_end, partial);                            \
        break;
    switch (ntargets) {
        GPUQ_ADJOINT_CASE(0)
        GPUQ_ADJOINT_CASE(1)
        GPUQ_ADJOINT_CASE(2)
        GPUQ_ADJOINT_CASE(3)
        GPUQ_ADJOINT_CASE(4)
        GPUQ_ADJOINT_CASE(5)
        GPUQ_ADJOINT_CASE(6)
        default: break;  // callers validate k <= GPUQ_MAX_TARGETS
    }
#undef GPUQ_ADJOINT_CASE
}

}  // namespace gpuq

GPUQ_KERNEL void adjoint_step_c64(gpuq::Complex<float>* psi, int nqubits, const int* targets, int ntargets,
                                  gpuq::mask_t control_mask, const gpuq::Complex<float>* undo,
                                  const gpuq::Complex<double>* derivs, int nderivs, gpuq::Complex<float>* lambdas,
                                  int nlambdas, int chunk_bits, int lane_bits, gpuq::index_t item_begin,
                                  gpuq::index_t item_end, double* partial) {
    gpuq::adjoint_step<float>(psi, nqubits, targets, ntargets, control_mask, undo, derivs, nderivs, lambdas,
                              nlambdas, chunk_bits, lane_bits, item_begin, item_end, partial);
}

GPUQ_KERNEL void adjoint_step_c128(gpuq::Complex<double>* psi, int nqubits, const int* targets, int ntargets,
                                   gpuq::mask_t control_mask, const gpuq::Complex<double>* undo,
                                   const gpuq::Complex<double>* derivs, int nderivs, gpuq::Complex<double>* lambdas,
                                   int nlambdas, int chunk_bits, int lane_bits, gpuq::index_t item_begin,
                                   gpuq::index_t item_end, double* partial) {
    gpuq::adjoint_step<double>(psi, nqubits, targets, ntargets, control_mask, undo, derivs, nderivs, lambdas,
                               nlambdas, chunk_bits, lane_bits, item_begin, item_end, partial);
}
