// The shape of the smoothing kernel, written once and compiled for the CPU estimator
// (smoothing_cpu.cpp) and the CUDA estimator (cuda/rows.cuh, cuda/smoothing.cu). Internal header.
//
// With a factor A (lower-triangular, dim x dim row-major, or diagonal: dim values) the samples
// are y = clip(x + sigma A eps), i.e. the kernel is N(x, sigma^2 A A^T), CDIDA's convention
// (covariance_rule.cpp); without one A is the identity. The Stein gradient of
// F(x) = E f(x + sigma A eps) is A^{-T} times the gradient the estimator accumulates in the
// coordinates of eps, so only the sampling and the finish step see A.
//
// (A eps)_i is summed in double over l = 0..i in increasing order, so the identity factor
// reproduces the samples of no factor bit for bit (0 * e_l adds nothing, 1 * e_i is exact).
#pragma once

#include "scoreopt/config.hpp"

namespace scoreopt::smoothing_factor {

struct Factor {
  const double* a = nullptr;  // nullptr: the identity
  bool diagonal = false;      // a holds dim values (the diagonal) instead of dim x dim
};

// (A e)_i
template <class T>
SO_HD T shaped(const Factor& A, const T* e, int i, int d) {
  if (!A.a) return e[i];
  if (A.diagonal) return T(A.a[i] * double(e[i]));
  const double* row = A.a + static_cast<long long>(i) * d;
  double acc = 0;
  for (int l = 0; l <= i; ++l) acc += row[l] * double(e[l]);
  return T(acc);
}

// one coordinate of a sample before clipping: x_i + sigma (A e)_i
template <class T>
SO_HD T sample_coordinate(T x, T s, const Factor& A, const T* e, int i, int d) {
  return x + s * shaped(A, e, i, d);
}

// the box: std::min(std::max(v, lo), hi)
template <class T>
SO_HD T clip(T v, T lo, T hi) {
  v = v < lo ? lo : v;
  return hi < v ? hi : v;
}

// y = clip(x + s A e) for a whole row. y may be e itself: coordinate i reads e_0 .. e_i only,
// and the coordinates are written from the last one down.
template <class T>
SO_HD void shape_row(const T* x, T s, const Factor& A, const T* e, int d, const double* lo,
                     const double* hi, T* y) {
  for (int i = d - 1; i >= 0; --i) {
    const T v = sample_coordinate(x[i], s, A, e, i, d);
    y[i] = lo ? clip(v, T(lo[i]), T(hi[i])) : v;
  }
}

// g <- A^{-T} g (back substitution with the upper-triangular A^T; a division by the diagonal),
// taking the Stein gradient from the coordinates of eps to those of x.
SO_HD void solve_transpose(const Factor& A, int d, double* g) {
  if (!A.a) return;
  if (A.diagonal) {
    for (int i = 0; i < d; ++i) g[i] /= A.a[i];
    return;
  }
  for (int i = d - 1; i >= 0; --i) {
    double v = g[i];
    for (int l = i + 1; l < d; ++l) v -= A.a[static_cast<long long>(l) * d + i] * g[l];
    g[i] = v / A.a[static_cast<long long>(i) * d + i];
  }
}

}  // namespace scoreopt::smoothing_factor
