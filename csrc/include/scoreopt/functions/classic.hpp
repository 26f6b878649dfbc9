// Classic global-optimization test functions, standard definitions. Each is written once and
// compiled for the host (vectorized over coordinates) and, by the CUDA build, for the device.
// Where a textbook formula cancels near the optimum (rastrigin's 10 - 10 cos, ackley's
// 20 + e - ...), the same value is computed in a form without the cancellation, so that
// optimizers can resolve errors far below 1e-8.
#pragma once

#include "scoreopt/config.hpp"
#include "scoreopt/functions/context.hpp"
#include "scoreopt/math.hpp"
#include "scoreopt/simd.hpp"
#include "scoreopt/vecmath.hpp"

SO_NAMESPACE_BEGIN
namespace functions {

using math::kE;
using math::kPi;

// expm1 of the row tails (context.hpp): on the host vecmath.hpp's branch-free one, so that the
// driver's loop over a block of rows vectorizes (float evaluated in double and rounded once;
// within 1 ulp of the C library in double, tests/test_vecmath.py); the C library's on the device.
template <class T>
SO_HD_FORCE T tail_expm1(T x) {
#if defined(__CUDA_ARCH__)
  return math::expm1(x);
#else
  return T(vm::expm1(double(x)));
#endif
}

// The four streaming rows (sphere, ellipsoid, rosenbrock, zakharov) sum through simd::sum and its
// kin like the others; value_grad returns value's sum bitwise (the same call) and writes the
// gradient in its own loop.
struct Sphere {
  template <class M, class T>
  static SO_HD T value(const T* x, int d, const T*, const Context<T>&) {
    return simd::sum(x, d, [](T xi, int) SO_LAMBDA_FORCE { return xi * xi; });
  }
  template <class M, class T>
  static SO_HD T value_grad(const T* x, int d, const T* p, const Context<T>& c, T* g) {
    SO_SIMD
    for (int i = 0; i < d; ++i) g[i] = T(2) * x[i];
    return value<M>(x, d, p, c);
  }
};

// sum_i w_i x_i^2 with w_i = condition^((i-1)/(d-1)); the weights are precomputed in ctx.table.
struct Ellipsoid {
  template <class M, class T>
  static SO_HD T value(const T* x, int d, const T*, const Context<T>& c) {
    return simd::sum_zip(x, c.table, d,
                         [](T xi, T wi, int) SO_LAMBDA_FORCE { return wi * xi * xi; });
  }
  template <class M, class T>
  static SO_HD T value_grad(const T* x, int d, const T* p, const Context<T>& c, T* g) {
    const T* w = c.table;
    SO_SIMD
    for (int i = 0; i < d; ++i) g[i] = T(2) * w[i] * x[i];
    return value<M>(x, d, p, c);
  }
};

// Chained Rosenbrock: sum_{i<d} 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2.
struct Rosenbrock {
  template <class M, class T>
  static SO_HD T value(const T* x, int d, const T*, const Context<T>&) {
    return simd::sum_zip(x, x + 1, d - 1, [](T xi, T xn, int) SO_LAMBDA_FORCE {
      const T a = xn - xi * xi;
      const T b = T(1) - xi;
      return T(100) * a * a + b * b;
    });
  }
  template <class M, class T>
  static SO_HD T value_grad(const T* x, int d, const T* p, const Context<T>& c, T* g) {
    g[d - 1] = T(0);
    SO_SIMD
    for (int i = 0; i < d - 1; ++i) {
      g[i] = T(-400) * x[i] * (x[i + 1] - x[i] * x[i]) - T(2) * (T(1) - x[i]);
    }
    SO_SIMD
    for (int i = 1; i < d; ++i) g[i] += T(200) * (x[i] - x[i - 1] * x[i - 1]);
    return value<M>(x, d, p, c);
  }
};

// 10 d + sum x^2 - 10 cos(2 pi x), summed as x^2 + 20 sin^2(pi x) (no cancellation).
struct Rastrigin {
  template <class M, class T>
  static SO_HD T value(const T* x, int d, const T*, const Context<T>&) {
    return simd::sum(x, d, [](T xi, int) { return xi * xi + T(20) * M::sinpi_sq(xi); });
  }
  template <class M, class T>
  static SO_HD T value_grad(const T* x, int d, const T*, const Context<T>&, T* g) {
    return simd::sum_grad(x, g, d, [](T xi, int, T& gi) {
      T sp, cp;
      M::sincospi(xi, sp, cp);
      gi = T(2) * xi + T(40.0 * kPi) * sp * cp;
      return xi * xi + T(20) * (sp * sp);  // grouped as value's sinpi_sq (double: s * s)
    });
  }
};

// Ackley (a = 20, b = 0.2, c = 2 pi) as -20 expm1(-0.2 rms(x)) - e expm1(-mean(2 sin^2(pi x))),
// which equals the textbook form and stays accurate next to the optimum. The row is its two
// coordinate sums (reduce) and a tail (finish), which the CPU driver applies to a block of rows in
// one vectorized loop (context.hpp, "row tails").
struct Ackley {
  template <class T>
  using Partial = simd::Pair<T>;
  template <class T>
  static SO_HD_FORCE T combine(T s1, T s2, int d) {
    const T rms = math::sqrt(s1 / T(d));
    return T(-20) * tail_expm1(T(-0.2) * rms) - T(kE) * tail_expm1(-s2 / T(d));
  }
  template <class M, class T>
  static SO_HD Partial<T> reduce(const T* x, int d, const T*, const Context<T>&) {
    return simd::sum2(x, d, [](T xi, int) {
      return simd::Pair<T>{xi * xi, T(2) * M::sinpi_sq(xi)};
    });
  }
  template <class M, class T>
  static SO_HD_FORCE T finish(const Partial<T>& s, int d, const Context<T>&) {
    return combine(s.a, s.b, d);
  }
  template <class M, class T>
  static SO_HD T value(const T* x, int d, const T* p, const Context<T>& c) {
    return finish<M>(reduce<M>(x, d, p, c), d, c);
  }
  template <class M, class T>
  static SO_HD T value_grad(const T* x, int d, const T*, const Context<T>&, T* g) {
    T s1 = 0, s2 = 0;
    SO_SIMD_REDUCE(+ : s1, s2)
    for (int i = 0; i < d; ++i) {
      T sp, cp;
      M::sincospi(x[i], sp, cp);
      s1 += x[i] * x[i];
      s2 += T(2) * sp * sp;
      g[i] = sp * cp;  // stash sin(2 pi x) / 2 for the second pass
    }
    const T rms = math::sqrt(s1 / T(d));
    // d/dx_i of the first term; the kink at x = 0 gets the zero subgradient.
    const T a = rms > T(0) ? T(4) * math::exp(T(-0.2) * rms) / (T(d) * rms) : T(0);
    const T b = T(kE) * math::exp(-s2 / T(d)) * T(4.0 * kPi) / T(d);
    SO_SIMD
    for (int i = 0; i < d; ++i) g[i] = a * x[i] + b * g[i];
    return combine(s1, s2, d);
  }
};

// Levy with w_i = 1 + (x_i - shift - 1) / 4; shift = 0 is the classic function and the GLENS
// family (eqs. 21-22) passes alpha as the shift. The row is the middle sum and the two end terms,
// whose sines the CPU driver takes for a block of rows at a time (context.hpp, "row tails").
struct LevyCore {
  template <class T>
  struct Partial {
    T s;   // sum over i < d - 1 of (w_i - 1)^2 (1 + 10 sin^2(pi w_i + 1))
    T w0;  // w of the first coordinate
    T wl;  // w of the last
  };
  template <class M, class T>
  static SO_HD Partial<T> reduce(const T* x, int d, T shift) {
    const T w0 = T(1) + (x[0] - shift - T(1)) * T(0.25);
    const T wl = T(1) + (x[d - 1] - shift - T(1)) * T(0.25);
    const T s = simd::sum(x, d - 1, [shift](T xi, int) {
      const T w = T(1) + (xi - shift - T(1)) * T(0.25);
      T sq;
      if constexpr (sizeof(T) == sizeof(float)) {
        // sin^2(pi w + 1) = sin^2(pi (w + 1/pi)): the period-1 form needs no quadrant logic,
        // and float rounding of the angle dominates either way
        sq = M::sinpi_sq(w + T(1.0 / kPi));
      } else {
        // in double, keep the definition's rounding of the angle (pi w) + 1
        const T sn = M::sin(T(kPi) * w + T(1));
        sq = sn * sn;
      }
      return (w - T(1)) * (w - T(1)) * (T(1) + T(10) * sq);
    });
    return {s, w0, wl};
  }
  template <class M, class T>
  static SO_HD_FORCE T finish(const Partial<T>& r, int, const Context<T>&) {
    const T s0 = M::sinpi(r.w0);
    const T sl = M::sinpi(T(2) * r.wl);
    return s0 * s0 + r.s + (r.wl - T(1)) * (r.wl - T(1)) * (T(1) + sl * sl);
  }
  template <class M, class T>
  static SO_HD T value_grad(const T* x, int d, T shift, T* g) {
    const T w0 = T(1) + (x[0] - shift - T(1)) * T(0.25);
    const T wl = T(1) + (x[d - 1] - shift - T(1)) * T(0.25);
    T s0, c0, sl, cl;
    M::sincospi(w0, s0, c0);
    M::sincospi(T(2) * wl, sl, cl);
    g[d - 1] = T(0);
    const T s = simd::sum_grad(x, g, d - 1, [shift](T xi, int, T& gi) {
      const T w = T(1) + (xi - shift - T(1)) * T(0.25);
      T sn, cn;
      M::sincos(T(kPi) * w + T(1), sn, cn);
      const T u = w - T(1);
      // dw/dx = 1/4
      gi = T(0.25) * (T(2) * u * (T(1) + T(10) * sn * sn) + u * u * T(20.0 * kPi) * sn * cn);
      return u * u * (T(1) + T(10) * sn * sn);
    });
    const T ul = wl - T(1);
    g[0] += T(0.25) * T(2.0 * kPi) * s0 * c0;
    g[d - 1] += T(0.25) * (T(2) * ul * (T(1) + sl * sl) + ul * ul * T(4.0 * kPi) * sl * cl);
    return s0 * s0 + s + ul * ul * (T(1) + sl * sl);
  }
};

// A Levy row whose shift Shift::get(p) reads from the row's parameters (Levy: none, 0; the GLENS
// family: p[0]); the row functions are LevyCore's, written once.
template <class Shift>
struct LevyShifted {
  template <class T>
  using Partial = LevyCore::Partial<T>;
  template <class M, class T>
  static SO_HD Partial<T> reduce(const T* x, int d, const T* p, const Context<T>&) {
    return LevyCore::reduce<M>(x, d, Shift::get(p));
  }
  template <class M, class T>
  static SO_HD_FORCE T finish(const Partial<T>& r, int d, const Context<T>& c) {
    return LevyCore::finish<M>(r, d, c);
  }
  template <class M, class T>
  static SO_HD T value(const T* x, int d, const T* p, const Context<T>& c) {
    return finish<M>(reduce<M>(x, d, p, c), d, c);
  }
  template <class M, class T>
  static SO_HD T value_grad(const T* x, int d, const T* p, const Context<T>&, T* g) {
    return LevyCore::value_grad<M>(x, d, Shift::get(p), g);
  }
};

struct NoShift {
  template <class T>
  static SO_HD_FORCE T get(const T*) { return T(0); }
};

struct Levy : LevyShifted<NoShift> {};

// 1 + sum x_i^2 / 4000 - prod cos(x_i / sqrt(i)). ctx.table holds 1 / sqrt(i) (Problem's
// tables): a multiply in place of a square root and a division per coordinate, which cost as much
// as the cosine.
struct Griewank {
  template <class M, class T>
  static SO_HD T value(const T* x, int d, const T*, const Context<T>& c) {
    const simd::Pair<T> sp = simd::sum_and_product(x, c.table, d, [](T xi, T inv_sqrt_i) {
      return simd::Pair<T>{xi * xi, M::cos(xi * inv_sqrt_i)};
    });
    return (T(1) - sp.b) + sp.a / T(4000);
  }
  template <class M, class T>
  static SO_HD T value_grad(const T* x, int d, const T*, const Context<T>& c, T* g) {
    // d/dx_i needs prod_{j != i} cos(u_j): prefix products in g, then a suffix sweep. This avoids
    // dividing by cos(u_i), which is zero on a set of points.
    const T* inv_sqrt = c.table;
    T s = 0, pre = 1;
    for (int i = 0; i < d; ++i) {
      s += x[i] * x[i];
      g[i] = pre;
      pre *= M::cos(x[i] * inv_sqrt[i]);
    }
    T suf = 1;
    for (int i = d - 1; i >= 0; --i) {
      T sn, cn;
      M::sincos(x[i] * inv_sqrt[i], sn, cn);
      g[i] = x[i] / T(2000) + sn * inv_sqrt[i] * g[i] * suf;
      suf *= cn;
    }
    return (T(1) - pre) + s / T(4000);
  }
};

// Schwefel 2.26 offset to a zero minimum: 418.98288727243369 d - sum x sin(sqrt|x|).
struct Schwefel {
  static constexpr double kOffset = 418.98288727243369;
  template <class M, class T>
  static SO_HD T value(const T* x, int d, const T*, const Context<T>&) {
    const T s = simd::sum(x, d, [](T xi, int) { return xi * M::sin(math::sqrt(math::abs(xi))); });
    return T(kOffset) * T(d) - s;
  }
  template <class M, class T>
  static SO_HD T value_grad(const T* x, int d, const T*, const Context<T>&, T* g) {
    const T s = simd::sum_grad(x, g, d, [](T xi, int, T& gi) {
      const T r = math::sqrt(math::abs(xi));
      T sn, cn;
      M::sincos(r, sn, cn);
      // d/dx [x sin(sqrt|x|)] = sin(r) + r cos(r) / 2, continuous through x = 0
      gi = -(sn + T(0.5) * r * cn);
      return xi * sn;
    });
    return T(kOffset) * T(d) - s;
  }
};

// simd::sum, not a plain loop: d = 100 floats left 4 scalar iterations after 6 vector ones
struct StyblinskiTang {
  template <class M, class T>
  static SO_HD T value(const T* x, int d, const T*, const Context<T>&) {
    const T s = simd::sum(x, d, [](T xi, int) {
      const T z = xi * xi;
      return z * z - T(16) * z + T(5) * xi;
    });
    return T(0.5) * s;
  }
  template <class M, class T>
  static SO_HD T value_grad(const T* x, int d, const T*, const Context<T>&, T* g) {
    const T s = simd::sum_grad(x, g, d, [](T xi, int, T& gi) {
      const T z = xi * xi;
      gi = T(2) * z * xi - T(16) * xi + T(2.5);
      return z * z - T(16) * z + T(5) * xi;
    });
    return T(0.5) * s;
  }
};

// Zakharov: sum x_i^2 + q + q^2 with q = (sum i x_i / 2)^2.
struct Zakharov {
  template <class T>
  static SO_HD_FORCE simd::Pair<T> sums(const T* x, int d) {
    return simd::sum2(x, d, [](T xi, int i) SO_LAMBDA_FORCE {
      return simd::Pair<T>{xi * xi, T(0.5) * T(i + 1) * xi};
    });
  }
  template <class T>
  static SO_HD_FORCE T combine(simd::Pair<T> s) {
    const T q = s.b * s.b;
    return s.a + q + q * q;
  }
  template <class M, class T>
  static SO_HD T value(const T* x, int d, const T*, const Context<T>&) {
    return combine(sums(x, d));
  }
  template <class M, class T>
  static SO_HD T value_grad(const T* x, int d, const T*, const Context<T>&, T* g) {
    const simd::Pair<T> s = sums(x, d);
    const T k = T(2) * s.b + T(4) * s.b * s.b * s.b;
    SO_SIMD
    for (int i = 0; i < d; ++i) g[i] = T(2) * x[i] + k * T(0.5) * T(i + 1);
    return combine(s);
  }
};

// -sum sin(x_i) sin(i x_i^2 / pi)^(2m); option[0] = m (10 by default, at most 1000).
// sin(i x^2 / pi)^(2m) is (sin^2(pi w))^m with w = i x^2 / pi^2. The 2m-th power turns the
// relative error of sin into 2m times that, and where sin is small that error is ulp(w) / sin: so
// w is formed and reduced in double even for float input, the power is taken in double too, and
// only its result is rounded to T (about 1 float ulp; rounding sin first cost 2m of them).
struct Michalewicz {
  static constexpr double kInvPi2 = 1.0 / (kPi * kPi);
  // v^e by squaring for 0 <= e < 2^Bits: a fixed number of steps, which the compiler unrolls into
  // the vectorized coordinate loop (a loop that runs while e > 0 keeps that loop scalar). Any Bits
  // that covers e gives the same result: the steps past e's top bit multiply r by 1.
  template <int Bits>
  static SO_HD_FORCE double power(double v, int e) {
    double r = 1;
    for (int j = 0; j < Bits; ++j) {
      r *= ((e >> j) & 1) ? v : 1.0;
      v *= v;
    }
    return r;
  }
  // sin^2(i x^2 / pi), i = index + 1
  template <class M, class T>
  static SO_HD_FORCE double sin2(T xi, int index) {
    const double xd = double(xi);
    return M::template sinpi_sq64<T>((double(index + 1) * (xd * xd)) * kInvPi2);
  }
  // Fixed = m when m is known at compile time (4 steps for the default 10), else 0 (10 steps).
  template <class M, int Fixed, class T>
  static SO_HD_FORCE T row(const T* x, int d, int m) {
    constexpr int kBits = Fixed == 10 ? 4 : 10;
    const int e = Fixed ? Fixed : m;
    return -simd::sum(x, d, [e](T xi, int i) SO_LAMBDA_FORCE {
      return M::sin(xi) * T(power<kBits>(sin2<M>(xi, i), e));
    });
  }
  template <class M, class T>
  static SO_HD T value(const T* x, int d, const T*, const Context<T>& c) {
    const int m = int(c.option[0]);
    return m == 10 ? row<M, 10>(x, d, m) : row<M, 0>(x, d, m);
  }
  template <class M, class T>
  static SO_HD T value_grad(const T* x, int d, const T*, const Context<T>& c, T* g) {
    const int m = int(c.option[0]);
    return -simd::sum_grad(x, g, d, [m](T xi, int i, T& gi) SO_LAMBDA_FORCE {
      const double s2 = sin2<M>(xi, i);
      const double p1 = power<10>(s2, m - 1);
      const double p = power<10>(s2, m);  // bit-equal to value's (see power)
      double sv, cv;  // sin and cos of pi w, for d/dx (sin^2)^m = 2m (sin^2)^(m-1) sin cos dv/dx
      M::sincospi((double(i + 1) * (double(xi) * double(xi))) * kInvPi2, sv, cv);
      T sx, cx;
      M::sincos(xi, sx, cx);
      const double dv = 2.0 * double(i + 1) * double(xi) / kPi;  // v = i x^2 / pi
      gi = -(cx * T(p) + sx * T(2.0 * m * p1 * sv * cv * dv));
      return sx * T(p);
    });
  }
};

// CEC form: sum_i sum_{k<=kmax} a^k cos(2 pi b^k (x_i + 0.5)) - d sum_k a^k cos(pi b^k).
// option = {a, b, kmax}. Evaluated as sum_i sum_k 2 a^k cos^2(pi y) - d sum_k a^k (1 + cos(pi b^k))
// with y = b^k (x_i + 0.5): cos(2 pi y) = 2 cos^2(pi y) - 1, and y is the definition's phase
// 2 b^k (x + 0.5) halved, with the same rounding (halving is exact). y reaches 3^20 ~ 3.5e9, so it
// is formed and reduced in double even for float input: in float every term past k = 15 would be
// noise. For an odd integer b (the default 3) every cos(pi b^k) is -1, the offset vanishes and the
// row is a sum of nonnegative terms, exactly 0 at the optimum: no cancellation, and the float row
// is rounded once from its double sum.
struct Weierstrass {
  // Coordinates go in blocks of kLanes: for each k, one vectorized pass over the block, the
  // per-coordinate sums held in lane arrays. (GCC leaves a coordinate loop scalar when it contains
  // the k loop, whose length is a runtime option.) The device runs a row per thread: one lane.
#if defined(__CUDA_ARCH__)
  static constexpr int kLanes = 1;
#else
  static constexpr int kLanes = 16;
#endif
  // sum_k a^k (1 + cos(pi b^k)): 0 while b^k is an odd integer held exactly (b odd, b^k <= 2^53)
  template <class T>
  static SO_HD double offset(const Context<T>& c) {
    const double a = c.option[0], b = c.option[1];
    const int kmax = int(c.option[2]);
    const bool odd = b - 2.0 * math::floor(0.5 * b) == 1.0;
    double ak = 1.0, bk = 1.0, s = 0.0;
    for (int k = 0; k <= kmax; ++k) {
      if (!(odd && bk <= 9007199254740992.0)) s += ak * (1.0 + math::PreciseMath::cospi(bk));
      ak *= a;
      bk *= b;
    }
    return s;
  }
  // The row's value; with Grad also its gradient in g.
  template <class M, bool Grad, class T>
  static SO_HD T row(const T* x, int d, const Context<T>& c, T* g) {
    constexpr int L = kLanes;
    const double a = c.option[0], b = c.option[1];
    const int kmax = int(c.option[2]);
    double total = 0;
    for (int i0 = 0; i0 < d; i0 += L) {
      // The last block ends at d and overlaps the one before (the lanes before keep_from are
      // counted there) when d >= L; for d < L the lanes from n on are padding.
      const int start = i0 + L <= d ? i0 : (d >= L ? d - L : 0);
      const int keep_from = i0 - start;
      const int n = d - start < L ? d - start : L;
      double xs[L], acc[L], dacc[L];
      SO_SIMD
      for (int j = 0; j < L; ++j) {
        xs[j] = j < n ? double(x[start + j]) + 0.5 : 0.5;
        acc[j] = 0.0;
        dacc[j] = 0.0;
      }
      double ak = 1.0, bk = 1.0;
      for (int k = 0; k <= kmax; ++k) {
        const double ak2 = 2.0 * ak;
        SO_SIMD
        for (int j = 0; j < L; ++j) {
          const double y = bk * xs[j];
          acc[j] += ak2 * M::template cospi_sq64<T>(y);
          if constexpr (Grad) {
            // d/dx a^k cos(2 pi y) = -2 pi a^k b^k sin(2 pi y), taken from the reduced phase
            double sn, cn;
            M::sincospi(2.0 * (y - math::rint(y)), sn, cn);
            dacc[j] += (ak * bk) * sn;
          }
        }
        ak *= a;
        bk *= b;
      }
      double s = 0;
      SO_SIMD_REDUCE(+ : s)
      for (int j = 0; j < L; ++j) s += j >= keep_from && j < n ? acc[j] : 0.0;
      total += s;
      if constexpr (Grad) {
        for (int j = 0; j < n; ++j) g[start + j] = T(-2.0 * kPi * dacc[j]);
      }
    }
    return T(total - double(d) * offset(c));
  }
  template <class M, class T>
  static SO_HD T value(const T* x, int d, const T*, const Context<T>& c) {
    return row<M, false>(x, d, c, static_cast<T*>(nullptr));
  }
  template <class M, class T>
  static SO_HD T value_grad(const T* x, int d, const T*, const Context<T>& c, T* g) {
    return row<M, true>(x, d, c, g);
  }
};

// sum |x sin x + 0.1 x|; the gradient is the almost-everywhere one (zero at the kinks).
struct Alpine1 {
  template <class M, class T>
  static SO_HD T value(const T* x, int d, const T*, const Context<T>&) {
    return simd::sum(x, d, [](T xi, int) { return math::abs(xi * M::sin(xi) + T(0.1) * xi); });
  }
  template <class M, class T>
  static SO_HD T value_grad(const T* x, int d, const T*, const Context<T>&, T* g) {
    return simd::sum_grad(x, g, d, [](T xi, int, T& gi) {
      T sn, cn;
      M::sincos(xi, sn, cn);
      const T u = xi * sn + T(0.1) * xi;
      const T du = sn + xi * cn + T(0.1);
      gi = u > T(0) ? du : (u < T(0) ? -du : T(0));
      return math::abs(u);
    });
  }
};

}  // namespace functions
SO_NAMESPACE_END
