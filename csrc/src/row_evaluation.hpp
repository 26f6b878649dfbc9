// The evaluation of one row, shared by the CPU driver (evaluate_cpu.cpp) and the CUDA row kernels
// (cuda/common.cuh, cuda/rows.cuh): the FastMath-then-libm retry and the affine wrapper with its
// chain rule. Internal header, compiled by the host compiler and by nvcc.
#pragma once

#include <cstdint>
#include <type_traits>

#include "scoreopt/config.hpp"
#include "scoreopt/functions/cec2017.hpp"
#include "scoreopt/functions/context.hpp"
#include "scoreopt/math.hpp"
#include "scoreopt/simd.hpp"

// Templates, so no `inline` is needed, and none is asked for: on the device, every inlined copy
// of a suite function's row code costs compile time; on the host, a declared-inline eval_row gets
// inlined into the row loop, where GCC no longer sees its restrict pointers (see below).
#if defined(__CUDACC__)
#define SO_ROW_HD __host__ __device__
#else
#define SO_ROW_HD
#endif

// x, p and g are restrict on the host (Problem::evaluate rejects overlapping buffers): without it
// GCC versions a gradient loop that reads x and writes g (glens.himmelblau, glens.rosenbrock) on a
// runtime overlap test, and its scalar fallback contracts multiply-adds into FMAs differently
// from the vector loop. The gradient then depended on whether the output buffer happened to start
// within one vector of the input (two small NumPy arrays from the allocator often do), so the
// same point gave results an ulp apart from call to call. The device code never had the problem.
#if defined(__CUDA_ARCH__)
#define SO_ROW_RESTRICT
#else
#define SO_ROW_RESTRICT __restrict
#endif

SO_NAMESPACE_BEGIN
namespace rows {

template <class T>
SO_HD bool all_finite(const T* v, std::int64_t d) {
  bool ok = true;
  for (std::int64_t i = 0; i < d; ++i) ok &= v[i] - v[i] == T(0);  // false for NaN and +-Inf
  return ok;
}

// Functions whose code does not depend on the math policy: cec2017.hpp's Fn<N> never reads M
// (its elementary functions are the C library's throughout), so its PreciseMath retry would
// recompute the same value. Leaving the copy out halves the device code of the largest kernels.
template <class F>
struct policy_free : std::false_type {};
template <int N>
struct policy_free<functions::cec2017::Fn<N>> : std::true_type {};

// FastMath first; a NaN means an argument left the fast range (or the input itself is bad), and
// the row is recomputed with the C library.
template <class F, class T>
SO_ROW_HD T eval_row(const T* SO_ROW_RESTRICT x, int d, const T* SO_ROW_RESTRICT p,
                     const Context<T>& ctx, T* SO_ROW_RESTRICT g) {
  using math::FastMath;
  using math::PreciseMath;
  if constexpr (policy_free<F>::value) {
    return F::template value<FastMath>(x, d, p, ctx);
  } else {
    if constexpr (has_gradient<F>::value) {
      if (g) {
        T v = F::template value_grad<FastMath>(x, d, p, ctx, g);
        if (v != v || simd::any_nan(g, d)) v = F::template value_grad<PreciseMath>(x, d, p, ctx, g);
        return v;
      }
    }
    T v = F::template value<FastMath>(x, d, p, ctx);
    if (v != v) v = F::template value<PreciseMath>(x, d, p, ctx);
    return v;
  }
}

// The affine wrapper x -> f(scale M (x - o)) + bias of a Problem.
template <class T>
struct Affine {
  const T* matrix;  // nullptr: identity
  const T* shift;   // nullptr: zero
  T scale;
  T bias;
};

// z = scale M (x - o). diff (d values, or nullptr) receives x - o first: on the host that makes the
// row products plain dot products, which vectorize; the device has no scratch to spare for it and
// subtracts inside the product.
template <class T>
SO_HD void affine_input(const Affine<T>& a, const T* x, int d, T* diff, T* z) {
  const T* u = x;
  if (diff) {
    for (int k = 0; k < d; ++k) diff[k] = a.shift ? x[k] - a.shift[k] : x[k];
    u = diff;
  }
  const T* o = diff ? nullptr : a.shift;
  if (a.matrix) {
    for (int j = 0; j < d; ++j) {
      const T* row = a.matrix + static_cast<std::int64_t>(j) * d;
      T s = 0;
      if (o) {
        for (int k = 0; k < d; ++k) s += row[k] * (u[k] - o[k]);
      } else {
        SO_SIMD_REDUCE(+ : s)
        for (int k = 0; k < d; ++k) s += row[k] * u[k];
      }
      z[j] = a.scale * s;
    }
  } else {
    for (int k = 0; k < d; ++k) z[k] = a.scale * (o ? u[k] - o[k] : u[k]);
  }
}

// The chain rule of the wrapper: grad_x = scale M^T grad_z.
template <class T>
SO_HD void affine_gradient(const Affine<T>& a, const T* gz, int d, T* g) {
  if (a.matrix) {
    for (int k = 0; k < d; ++k) g[k] = 0;
    for (int j = 0; j < d; ++j) {
      const T* row = a.matrix + static_cast<std::int64_t>(j) * d;
      const T gj = a.scale * gz[j];
      SO_SIMD
      for (int k = 0; k < d; ++k) g[k] += gj * row[k];
    }
  } else {
    for (int k = 0; k < d; ++k) g[k] = a.scale * gz[k];
  }
}

// One row, through the wrapper when `affine`. z and gz are d-value scratch rows, diff as in
// affine_input; all unused without the wrapper.
template <class F, class T>
SO_ROW_HD T eval_point(const T* SO_ROW_RESTRICT x, int d, const T* SO_ROW_RESTRICT p,
                       const Context<T>& ctx, bool affine, const Affine<T>& aff,
                       T* SO_ROW_RESTRICT diff, T* SO_ROW_RESTRICT z, T* SO_ROW_RESTRICT gz,
                       T* SO_ROW_RESTRICT g) {
  if (!affine) return eval_row<F>(x, d, p, ctx, g);
  affine_input(aff, x, d, diff, z);
  const T v = eval_row<F>(z, d, p, ctx, g ? gz : nullptr) + aff.bias;
  if (g) affine_gradient(aff, gz, d, g);
  return v;
}

}  // namespace rows
SO_NAMESPACE_END
