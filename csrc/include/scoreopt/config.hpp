// Portability macros shared by every header that nvcc and the host compiler both see.
#pragma once

#if defined(__CUDACC__)
#define SO_HD __host__ __device__ __forceinline__
#define SO_HD_FORCE __host__ __device__ __forceinline__
#elif defined(__GNUC__)
#define SO_HD inline
// for helpers whose loops only vectorize well once inlined into the caller
#define SO_HD_FORCE inline __attribute__((always_inline))
#else
#define SO_HD inline
#define SO_HD_FORCE inline
#endif

// For a lambda passed to the simd:: sums (after its parameter list): a large one can be left out of
// line in a big translation unit (the kernels file), and a call in the loop stops its vectorization.
#if defined(__GNUC__) && !defined(__CUDACC__)
#define SO_LAMBDA_FORCE __attribute__((always_inline))
#else
#define SO_LAMBDA_FORCE
#endif

// `#pragma omp simd` only means something to the host compiler; nvcc and its device pass
// would warn about it, so the vectorization hints vanish there.
#if defined(__CUDA_ARCH__) || !defined(_OPENMP)
#define SO_SIMD_REDUCE(...)
#define SO_SIMD_CLAUSES(...)
#define SO_SIMD
#define SO_SIMD_LATENCY_BOUND
#else
#define SO_PRAGMA_(x) _Pragma(#x)
#define SO_SIMD_REDUCE(...) SO_PRAGMA_(omp simd reduction(__VA_ARGS__))
#define SO_SIMD_CLAUSES(...) SO_PRAGMA_(omp simd __VA_ARGS__)
#define SO_SIMD SO_PRAGMA_(omp simd)
// For loops whose body is one long dependent chain (the vector exp/log/sin of T_osz and T_asy):
// 8 doubles per iteration, i.e. 512-bit vectors on the AVX-512 copy, which otherwise prefers 256
// (-mprefer-vector-width=256), and two 256-bit chains interleaved on AVX2. Values do not change
// (element-wise work); T_osz's loop measured 0.7x the time on the AVX-512 copy, unchanged on AVX2.
#define SO_SIMD_LATENCY_BOUND SO_PRAGMA_(omp simd simdlen(8))
#endif

// Runtime SIMD dispatch. The build compiles the evaluation kernels (csrc/src/evaluate_kernels.cpp)
// once per instruction set, each time with SCOREOPT_TARGET defined to that copy's name (so_avx512,
// so_avx2, so_baseline). Everything the function headers define then lives in an inline namespace
// of that name: scoreopt::math::exp is scoreopt::so_avx512::math::exp in the AVX-512 copy, so the
// copies are distinct symbols and the linker can never merge an AVX-512 instantiation into code
// that runs on an older CPU (inline functions and templates are otherwise emitted once per object
// file and deduplicated by name). Other translation units, nvcc and users of the installed headers
// see plain scoreopt::math etc.
#if defined(SCOREOPT_TARGET) && !defined(__CUDACC__)
#define SO_NAMESPACE_BEGIN \
  namespace scoreopt {     \
  inline namespace SCOREOPT_TARGET {
#define SO_NAMESPACE_END \
  }                      \
  }
#else
#define SO_NAMESPACE_BEGIN namespace scoreopt {
#define SO_NAMESPACE_END }
#endif
