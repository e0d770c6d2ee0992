// common.cuh: what every kernel family shares, and the only place with portability switches.
//
// The same kernel text has three consumers (DESIGN.md, "One CUDA source, three consumers"):
//   * CuPy's NVRTC at run time     (__CUDACC_RTC__ defined)
//   * nvcc --ptx in CI             (__CUDACC__ defined)
//   * g++ -DGPUQ_HOST_BUILD        (tests/hostbuild.py loads the result with ctypes)
// Under the host build a kernel is an ordinary C-linkage function and its grid-stride loop
// runs sequentially: blockIdx = threadIdx = 0, blockDim = gridDim = 1.
//
// No system headers: NVRTC has none by default, so the integer types are spelled out.
#ifndef GPUQ_COMMON_CUH
#define GPUQ_COMMON_CUH

#if defined(__CUDACC__) || defined(__CUDACC_RTC__)
#define GPUQ_KERNEL extern "C" __global__
#define GPUQ_FN __device__ __forceinline__
#elif defined(GPUQ_HOST_BUILD)
#define GPUQ_KERNEL extern "C" __attribute__((visibility("default")))
#define GPUQ_FN static inline
struct gpuq_dim3 {
    unsigned int x, y, z;
};
// The emulated launch: one block of one thread, so the grid-stride loop visits every item.
static const gpuq_dim3 blockIdx = {0u, 0u, 0u};
static const gpuq_dim3 threadIdx = {0u, 0u, 0u};
static const gpuq_dim3 blockDim = {1u, 1u, 1u};
static const gpuq_dim3 gridDim = {1u, 1u, 1u};
#else
#error "compile kernels with NVRTC, nvcc, or a host compiler with -DGPUQ_HOST_BUILD"
#endif

namespace gpuq {

typedef long long index_t;           // amplitude and work-item indices (states up to 2^62)
typedef unsigned long long mask_t;   // qubit bit masks

// Largest number of targets of a dense operand (the fusion limit of any device is at most this).
#define GPUQ_MAX_TARGETS 6

// A plain complex number with the layout of numpy.complex64 / complex128 (re, im).
template <typename T>
struct alignas(2 * sizeof(T)) Complex {
    T re;
    T im;
};

template <typename T>
GPUQ_FN Complex<T> make_complex(T re, T im) {
    Complex<T> z;
    z.re = re;
    z.im = im;
    return z;
}

template <typename T>
GPUQ_FN Complex<T> operator+(Complex<T> a, Complex<T> b) {
    return make_complex<T>(a.re + b.re, a.im + b.im);
}

template <typename T>
GPUQ_FN Complex<T> operator-(Complex<T> a, Complex<T> b) {
    return make_complex<T>(a.re - b.re, a.im - b.im);
}

template <typename T>
GPUQ_FN Complex<T> operator*(Complex<T> a, Complex<T> b) {
    return make_complex<T>(a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re);
}

template <typename T>
GPUQ_FN Complex<T> scale(Complex<T> a, T s) {
    return make_complex<T>(a.re * s, a.im * s);
}

template <typename T>
GPUQ_FN T norm2(Complex<T> a) {
    return a.re * a.re + a.im * a.im;
}

// First work item of this thread and the distance to its next one (grid-stride loop).
GPUQ_FN index_t first_item() {
    return (index_t)blockIdx.x * (index_t)blockDim.x + (index_t)threadIdx.x;
}

GPUQ_FN index_t item_stride() {
    return (index_t)gridDim.x * (index_t)blockDim.x;
}

// Kernels over groups take a range [group_begin, group_end) of group indices: a launch covers only
// those (the CPU engine splits a long pass into ranges and checks for cancellation between them);
// [0, number of groups) is the whole pass. A launch needs group_end - group_begin work items.

// Write the positions of the set bits of `mask`, ascending, into `positions`; return their count.
GPUQ_FN int mask_positions(mask_t mask, int* positions) {
    int count = 0;
    for (int bit = 0; mask != 0; ++bit, mask >>= 1) {
        if (mask & 1ull) {
            positions[count++] = bit;
        }
    }
    return count;
}

// Bit mask of the first `ntargets` qubits listed in `targets`.
GPUQ_FN mask_t targets_mask(const int* targets, int ntargets) {
    mask_t mask = 0;
    for (int j = 0; j < ntargets; ++j) {
        mask |= 1ull << targets[j];
    }
    return mask;
}

// Insert a zero bit at each of `count` ascending `positions` into `value`.
// Ascending order matters: each position is a bit of the final, widened index.
GPUQ_FN index_t insert_zero_bits(index_t value, const int* positions, int count) {
    for (int i = 0; i < count; ++i) {
        const int p = positions[i];
        const index_t low = value & ((1ll << p) - 1);
        value = ((value >> p) << (p + 1)) | low;
    }
    return value;
}

// Offset of local index m: bit j of m placed at bit targets[j] (targets need not be sorted).
GPUQ_FN index_t local_offset(int m, const int* targets, int ntargets) {
    index_t offset = 0;
    for (int j = 0; j < ntargets; ++j) {
        offset |= (index_t)((m >> j) & 1) << targets[j];
    }
    return offset;
}

// Local index of amplitude `index`: bit j of the result is bit targets[j] of `index`
// (the inverse of local_offset).
GPUQ_FN int local_index(index_t index, const int* targets, int ntargets) {
    int m = 0;
    for (int j = 0; j < ntargets; ++j) {
        m |= (int)((index >> targets[j]) & 1) << j;
    }
    return m;
}

}  // namespace gpuq

#endif  // GPUQ_COMMON_CUH
