// What a row evaluation needs besides the point and its parameters. Plain data, so that it
// can be passed by value to a CUDA kernel as it is to a host loop.
#pragma once

#include <type_traits>

#include "scoreopt/config.hpp"

SO_NAMESPACE_BEGIN

template <class T>
struct Context {
  const T* table = nullptr;  // per-problem constants: ellipsoid weights, suite instance data
  double option[4] = {0.0, 0.0, 0.0, 0.0};  // per-function scalars, see registry.cpp
  T* work = nullptr;  // per-thread row scratch of F::scratch(dim) values (functions that need it)
};

// Optional parts of a function type:
//   static int scratch(int d): scratch values a row evaluation needs in ctx.work;
//   static constexpr bool kNoGradient = true: the function has no analytic gradient.
// SO_DECLARES(trait, member): trait<F> is std::true_type where the function type F declares the
// static member `member` (its optional parts), else std::false_type.
#define SO_DECLARES(trait, member)                                             \
  template <class F, class = void>                                             \
  struct trait : std::false_type {};                                           \
  template <class F>                                                           \
  struct trait<F, std::void_t<decltype(F::member)>> : std::true_type {};

template <class F, class = void>
struct scratch_of {
  static int size(int) { return 0; }
};
template <class F>
struct scratch_of<F, std::void_t<decltype(F::scratch(0))>> {
  static int size(int d) { return F::scratch(d); }
};
template <class F, class = void>
struct has_gradient : std::true_type {};
template <class F>
struct has_gradient<F, std::void_t<decltype(F::kNoGradient)>> : std::false_type {};

// Row tails (optional): a function whose row is coordinate sums followed by a few scalar steps
// (ackley's sqrt and two expm1) may split value into
//   template <class T> using Partial = ...;  // what the sums leave (plain data)
//   template <class M, class T> static SO_HD Partial<T> reduce(const T* x, int d, const T* p,
//                                                             const Context<T>& ctx);
//   template <class M, class T> static SO_HD T finish(const Partial<T>& s, int d,
//                                                     const Context<T>& ctx);
// with value == finish(reduce(...)) (value is written so). The CPU driver then reduces a block of
// rows and finishes the whole block in one vectorized loop (evaluate_kernels.cpp, run_tails);
// the device and the gradient path call value per row.
template <class F, class = void>
struct has_row_tail : std::false_type {};
template <class F>
struct has_row_tail<F, std::void_t<typename F::template Partial<float>>> : std::true_type {};

// Every function type provides, for T in {float, double} and a math policy M
// (scoreopt::math::FastMath or PreciseMath):
//   template <class M, class T> static SO_HD T value(const T* x, int d, const T* p,
//                                                    const Context<T>& ctx);
//   template <class M, class T> static SO_HD T value_grad(const T* x, int d, const T* p,
//                                                         const Context<T>& ctx, T* g);
// x and g hold one point of d coordinates, p its parameters (nullptr when none).

SO_NAMESPACE_END
