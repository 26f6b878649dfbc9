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

// `#pragma omp simd` only means something to the host compiler; nvcc and its device pass
// would warn about it, so the vectorization hints vanish there.
#if defined(__CUDA_ARCH__) || !defined(_OPENMP)
#define SO_SIMD_REDUCE(...)
#define SO_SIMD_CLAUSES(...)
#define SO_SIMD
#else
#define SO_PRAGMA_(x) _Pragma(#x)
#define SO_SIMD_REDUCE(...) SO_PRAGMA_(omp simd reduction(__VA_ARGS__))
#define SO_SIMD_CLAUSES(...) SO_PRAGMA_(omp simd __VA_ARGS__)
#define SO_SIMD SO_PRAGMA_(omp simd)
#endif
