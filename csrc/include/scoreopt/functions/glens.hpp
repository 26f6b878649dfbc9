// The parametric problem families of the GLENS paper (arXiv 2606.00366, eqs. 18-22), with
// per-row parameters p. Pairwise families need an even dimension; pair j is (x[2j], x[2j+1]).
#pragma once

#include "scoreopt/config.hpp"
#include "scoreopt/functions/classic.hpp"
#include "scoreopt/functions/context.hpp"
#include "scoreopt/math.hpp"

SO_NAMESPACE_BEGIN
namespace functions {

// Eq. 18: 0.5 x'x + alpha sum_j softplus(-x_{2j-1} - x_{2j}); p = {alpha}.
struct GlensQP {
  template <class T>
  static SO_HD T softplus(T z) {  // log(1 + e^z) without overflow
    return (z > T(0) ? z : T(0)) + math::log1p(math::exp(-math::abs(z)));
  }
  template <class T>
  static SO_HD T sigmoid(T z) {
    const T e = math::exp(-math::abs(z));
    return z >= T(0) ? T(1) / (T(1) + e) : e / (T(1) + e);
  }
  template <class M, class T>
  static SO_HD T value(const T* x, int d, const T* p, const Context<T>&) {
    const T alpha = p[0];
    T q = 0, s = 0;
    for (int j = 0; j < d / 2; ++j) {
      const T a = x[2 * j], b = x[2 * j + 1];
      q += a * a + b * b;
      s += softplus(-a - b);
    }
    return T(0.5) * q + alpha * s;
  }
  template <class M, class T>
  static SO_HD T value_grad(const T* x, int d, const T* p, const Context<T>&, T* g) {
    const T alpha = p[0];
    T q = 0, s = 0;
    for (int j = 0; j < d / 2; ++j) {
      const T a = x[2 * j], b = x[2 * j + 1];
      q += a * a + b * b;
      s += softplus(-a - b);
      const T w = alpha * sigmoid(-a - b);
      g[2 * j] = a - w;
      g[2 * j + 1] = b - w;
    }
    return T(0.5) * q + alpha * s;
  }
};

// Eq. 19: (2/d) sum_j [(a_j^2 + b_j - alpha1)^2 + (a_j + b_j^2 - alpha2)^2]
//         + lambda (2/(d-2)) sum_{j<d/2} (a_j - a_{j+1})^2,  (a_j, b_j) = (x_{2j-1}, x_{2j}).
// p = {alpha1, alpha2}; option[0] = lambda (10 in the paper). The paper's reference code also
// couples the b_j; we follow the equation as published.
struct GlensHimmelblau {
  template <class M, class T>
  static SO_HD T value(const T* x, int d, const T* p, const Context<T>& c) {
    const T a1 = p[0], a2 = p[1];
    const int m = d / 2;
    T s = 0, cpl = 0;
    for (int j = 0; j < m; ++j) {
      const T a = x[2 * j], b = x[2 * j + 1];
      const T u = a * a + b - a1, v = a + b * b - a2;
      s += u * u + v * v;
    }
    for (int j = 0; j + 1 < m; ++j) {
      const T e = x[2 * j] - x[2 * j + 2];
      cpl += e * e;
    }
    const T lam = T(c.option[0]);
    return T(2) / T(d) * s + (m > 1 ? lam * T(2) / T(d - 2) * cpl : T(0));
  }
  template <class M, class T>
  static SO_HD T value_grad(const T* x, int d, const T* p, const Context<T>& c, T* g) {
    const T a1 = p[0], a2 = p[1];
    const int m = d / 2;
    const T h = T(2) / T(d);
    const T lam = T(c.option[0]);
    const T k = m > 1 ? lam * T(2) / T(d - 2) : T(0);
    T s = 0, cpl = 0;
    for (int j = 0; j < m; ++j) {
      const T a = x[2 * j], b = x[2 * j + 1];
      const T u = a * a + b - a1, v = a + b * b - a2;
      s += u * u + v * v;
      g[2 * j] = h * (T(4) * u * a + T(2) * v);
      g[2 * j + 1] = h * (T(2) * u + T(4) * v * b);
    }
    for (int j = 0; j + 1 < m; ++j) {
      const T e = x[2 * j] - x[2 * j + 2];
      cpl += e * e;
      g[2 * j] += T(2) * k * e;
      g[2 * j + 2] -= T(2) * k * e;
    }
    return h * s + k * cpl;
  }
};

// Eq. 20: sum_j alpha1 ((y_{2j-1})^2 - y_{2j})^2 + (y_{2j-1} - 1)^2 with y = x - alpha2;
// p = {alpha1, alpha2}.
struct GlensRosenbrock {
  template <class M, class T>
  static SO_HD T value(const T* x, int d, const T* p, const Context<T>&) {
    const T a1 = p[0], a2 = p[1];
    T s = 0;
    for (int j = 0; j < d / 2; ++j) {
      const T y1 = x[2 * j] - a2, y2 = x[2 * j + 1] - a2;
      const T u = y1 * y1 - y2, v = y1 - T(1);
      s += a1 * u * u + v * v;
    }
    return s;
  }
  template <class M, class T>
  static SO_HD T value_grad(const T* x, int d, const T* p, const Context<T>&, T* g) {
    const T a1 = p[0], a2 = p[1];
    T s = 0;
    for (int j = 0; j < d / 2; ++j) {
      const T y1 = x[2 * j] - a2, y2 = x[2 * j + 1] - a2;
      const T u = y1 * y1 - y2, v = y1 - T(1);
      s += a1 * u * u + v * v;
      g[2 * j] = T(4) * a1 * u * y1 + T(2) * v;
      g[2 * j + 1] = T(-2) * a1 * u;
    }
    return s;
  }
};

// Eqs. 21-22: Levy with w_i = 1 + (x_i - alpha - 1) / 4; p = {alpha}.
struct FirstParamShift {
  template <class T>
  static SO_HD_FORCE T get(const T* p) { return p[0]; }
};

struct GlensLevy : LevyShifted<FirstParamShift> {};

}  // namespace functions
SO_NAMESPACE_END
