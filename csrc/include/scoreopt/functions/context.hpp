// What a row evaluation needs besides the point and its parameters. Plain data, so that it
// can be passed by value to a CUDA kernel as it is to a host loop.
#pragma once

namespace scoreopt {

template <class T>
struct Context {
  const T* table = nullptr;  // per-coordinate constants (ellipsoid weights), length dim
  double option[4] = {0.0, 0.0, 0.0, 0.0};  // per-function scalars, see registry.cpp
};

// Every function type provides, for T in {float, double} and a math policy M
// (scoreopt::math::FastMath or PreciseMath):
//   template <class M, class T> static SO_HD T value(const T* x, int d, const T* p,
//                                                    const Context<T>& ctx);
//   template <class M, class T> static SO_HD T value_grad(const T* x, int d, const T* p,
//                                                         const Context<T>& ctx, T* g);
// x and g hold one point of d coordinates, p its parameters (nullptr when none).

}  // namespace scoreopt
