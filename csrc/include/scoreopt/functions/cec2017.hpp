// The CEC2017 bound-constrained suite (suite "cec2017"): F1, F3 ... F30 on [-100, 100]^D (F2
// was withdrawn by the organizers; the numbering is kept, so Fk has optimum value 100 k).
// Written from the definitions of the organizers' C code (cec17_test_func.cpp) and checked
// against values it produced (tests/data/cec2017_reference.npz, tests/test_cec2017.py).
// Where that code deviates from the published definitions, the code is followed, since it is
// what every published result was computed with:
//   * F6 (Schaffer F7) uses the shifted but UNrotated point;
//   * F8 (non-continuous Rastrigin) is the plain shifted-rotated Rastrigin (its rounding step is
//     overwritten by the shift-rotation that follows it);
//   * inside the hybrids, Schaffer F7 reads the first n_k coordinates of the shuffled vector
//     (not its own group), and the Lunacek bi-Rastrigin of F13 takes the signs of the first
//     n_k coordinates of the function's shift vector;
//   * the composition weights: w_i = 1/sqrt(s_i) exp(-s_i / (2 D delta_i^2)), s_i = |x - o_i|^2,
//     1e99 for s_i = 0, all 1 when every w_i underflows.
// Operations are carried out in the reference's order (sums left to right, the same libm
// pow / exp / sin / cos calls), with floating-point contraction off under GCC (as bbob.hpp).
//
// Instance data (Problem::with_data, read through ctx.table), built by
// python/scoreopt/suites/cec2017.py from the official data files:
//   [shift o_k (D each, k < K)] [rotation M_k (D*D each; row-major, M_k[i][j] at i*D + j, below
//   D = kTransposedFrom = 16, from there transposed, at j*D + i: see rotate)]
//   [shuffle S_k (D each, 1-based indices as doubles; hybrids and F29, F30 only)]
// with K = 1 for F1 ... F20 and the number of components for F21 ... F30; then the residuals
// v - double(float(v)) of all of them (as bbob.hpp, for float evaluation: float input is
// evaluated in double and the result rounded).
#pragma once

#include <cmath>
#include <cstdint>
#include <new>
#include <type_traits>

#include "scoreopt/config.hpp"
#include "scoreopt/functions/bbob.hpp"
#include "scoreopt/functions/context.hpp"
#include "scoreopt/math.hpp"

#if defined(__GNUC__) && !defined(__clang__) && !defined(__CUDACC__)
#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")
#define SO_CEC_ENTRY inline __attribute__((noinline))
#else
#define SO_CEC_ENTRY SO_HD
#endif

SO_NAMESPACE_BEGIN
namespace functions::cec2017 {

using bbob::Exact;
using bbob::Split;

// ---- the C library's functions ---------------------------------------------------------------
#if defined(__CUDA_ARCH__)
SO_HD double c_pow(double x, double y) { return ::pow(x, y); }
SO_HD double c_exp(double x) { return ::exp(x); }
SO_HD double c_sin(double x) { return ::sin(x); }
SO_HD double c_cos(double x) { return ::cos(x); }
SO_HD double c_sqrt(double x) { return ::sqrt(x); }
SO_HD double c_floor(double x) { return ::floor(x); }
SO_HD double c_ceil(double x) { return ::ceil(x); }
SO_HD double c_fmod(double x, double y) { return ::fmod(x, y); }
SO_HD double c_fabs(double x) { return ::fabs(x); }
#else
SO_HD double c_pow(double x, double y) { return std::pow(x, y); }
SO_HD double c_exp(double x) { return std::exp(x); }
SO_HD double c_sin(double x) { return std::sin(x); }
SO_HD double c_cos(double x) { return std::cos(x); }
SO_HD double c_sqrt(double x) { return std::sqrt(x); }
SO_HD double c_floor(double x) { return std::floor(x); }
SO_HD double c_ceil(double x) { return std::ceil(x); }
SO_HD double c_fmod(double x, double y) { return std::fmod(x, y); }
SO_HD double c_fabs(double x) { return std::fabs(x); }
#endif

constexpr double kPi = 3.1415926535897932384626433832795029;
constexpr double kE = 2.7182818284590452353602874713526625;

// ---- the C library's sin and cos, a vector at a time -----------------------------------------
// The basic functions take their sines and cosines kChunk coordinates at a time, then run their
// sums over the chunk in the reference's order: out[k] = the C library's sin or cos of arg(k),
// k < m <= kChunk. On the host vecmath's checked forms compute them in one vector loop (glibc's
// double wherever they answer, tests/test_vecmath.py) and the C library the few they defer (5 %
// of arguments, those within 0.025 ulp of a rounding boundary, and every |arg| > 8192); so the
// values stay the organizers'. The device calls the C library.
#if defined(__CUDA_ARCH__)
constexpr int kChunk = 1;
#else
constexpr int kChunk = 64;
#endif
// reach: a bound on the |arg(k)| where the caller knows one: up to 8000 (and by default, for
// arguments that are mostly small) the checked form for |arg| <= 8192, up to 6.8e10 the wide one
// (vecmath.hpp, 2^36), beyond (or NaN) the C library for all.
template <bool kCos, class Arg>
SO_HD_FORCE void sin_or_cos_of(int m, Arg arg, double* out, double reach = 0.0) {
#if defined(__CUDA_ARCH__)
  for (int k = 0; k < m; ++k) out[k] = kCos ? c_cos(arg(k)) : c_sin(arg(k));
#else
  if (reach <= 8000.0) {
    vm::checked_map(m, out, [arg](int k, double& tie) SO_LAMBDA_FORCE {
      return vm::sin_or_cos_checked(arg(k), kCos, tie);
    });
  } else if (reach <= 6.8e10) {
    vm::checked_map(m, out, [arg](int k, double& tie) SO_LAMBDA_FORCE {
      return vm::sin_or_cos_checked_wide(arg(k), kCos, tie);
    });
  } else {
    for (int k = 0; k < m; ++k) out[k] = double(NAN);
  }
  for (int k = 0; k < m; ++k)
    if (out[k] != out[k]) out[k] = kCos ? c_cos(arg(k)) : c_sin(arg(k));
#endif
}
template <class Arg>
SO_HD_FORCE void cos_of(int m, Arg arg, double* out, double reach = 0.0) {
  sin_or_cos_of<true>(m, arg, out, reach);
}
template <class Arg>
SO_HD_FORCE void sin_of(int m, Arg arg, double* out) { sin_or_cos_of<false>(m, arg, out); }
// out[k] = the C library's pow(arg(k), y), the same way: vecmath's checked pow (pow_half for
// y = 0.5, a square root and its remainder), the C library for the arguments they defer (10 %,
// 5 % for y = 0.5), called out of line: in a loop, GCC's vectorizer (with -fno-math-errno) turns
// pow(x, 0.5) into a vector square root, which is not glibc's pow (0.085 % of arguments differ
// by an ulp: F10 differed from the organizers' code until this call was kept out of the loop).
#if !defined(__CUDA_ARCH__)
[[gnu::noinline]] inline double c_pow_out_of_line(double x, double y) { return c_pow(x, y); }
#endif
template <class Arg>
SO_HD_FORCE void pow_of(int m, Arg arg, double y, double* out) {
#if !defined(__CUDA_ARCH__)
  if (y == 0.5) {
    vm::checked_map(m, out, [arg](int k, double& tie) SO_LAMBDA_FORCE { return vm::pow_half(arg(k), tie); });
  } else {
    vm::checked_map(m, out, [arg, y](int k, double& tie) SO_LAMBDA_FORCE { return vm::pow(arg(k), y, tie); });
  }
  for (int k = 0; k < m; ++k)
    if (out[k] != out[k]) out[k] = c_pow_out_of_line(arg(k), y);
#else
  for (int k = 0; k < m; ++k) out[k] = c_pow(arg(k), y);
#endif
}
SO_HD_FORCE int chunk_size(int i0, int n) { return n - i0 < kChunk ? n - i0 : kChunk; }

// fmod(x, 500) for 0 <= x < 2^52 without the C library's call, the same value: fmod is exact,
// x - 500 q for the integer q = trunc(x / 500), and so is each step here (500 q < 2^52 is a
// double; x - 500 q is a multiple of ulp(x) below 1000); x / 500 rounded may leave q one off,
// which the last select mends. NaN beyond, for the caller's C library call (the device: that).
SO_HD_FORCE double fmod500(double x) {
#if defined(__CUDA_ARCH__)
  return c_fmod(x, 500);
#else
  const double q = math::floor(x / 500.0);
  const double r = x - q * 500.0;
  const double c = r < 0.0 ? r + 500.0 : (r >= 500.0 ? r - 500.0 : r);
  return x >= 0.0 && x < 0x1p52 ? c : double(NAN);
#endif
}

// ---- the basic functions ---------------------------------------------------------------------
enum class Kind : int {
  BentCigar,
  Ellipsoid,
  Zakharov,
  Rosenbrock,
  SchafferF7,
  Ackley,
  Weierstrass,
  Griewank,
  Rastrigin,
  Schwefel,
  Katsuura,
  BiRastrigin,
  GriewankRosenbrock,
  ExpandedSchafferF6,
  HappyCat,
  HGBat,
  Discus,
  Levy,
};

// the factor applied to the (shifted) point before the rotation, per basic function
SO_HD double rate(Kind k) {
  switch (k) {
    case Kind::Rosenbrock: return 2.048 / 100.0;
    case Kind::Weierstrass: return 0.5 / 100.0;
    case Kind::Griewank: return 600.0 / 100.0;
    case Kind::Rastrigin: return 5.12 / 100.0;
    case Kind::Schwefel: return 1000.0 / 100.0;
    case Kind::Katsuura:
    case Kind::GriewankRosenbrock:
    case Kind::HappyCat:
    case Kind::HGBat: return 5.0 / 100.0;
    case Kind::BiRastrigin: return 10.0 / 100.0;
    default: return 1.0;
  }
}

// The dimension from which the table holds each rotation transposed (suites/cec2017.py's pack
// follows it): from there rotate runs the coordinates side by side, below row by row.
constexpr int kTransposedFrom = 16;

// z = M y, each z_i summed as the reference sums it (s = 0, then s = s + y_j M_ij for j = 0, 1,
// ...). From n = kTransposedFrom the table holds M transposed and the coordinates i go side by
// side, where the reference's loop over j is one chain of dependent additions per z_i (a column
// of M is contiguous there, so one vector operation advances several z_i's; BBOB's matvec, which
// starts each sum at its first product instead of at 0: the same value, since 0 + p = p for every
// p but -0, and a z_i of -0 instead of +0 changes no function's value): F1 at D = 20 1.4x the
// rate, D = 100 3.9x. Below, row by row from row-major M (at D = 10 the side-by-side form ran F1
// at 0.6x, and a row-by-row pass over the transposed M at 0.9x).
template <class A>
SO_HD void rotate(const A& M, const double* y, int n, double* z) {
  if (n >= kTransposedFrom) return bbob::matvec(M, y, n, z);
  for (int i = 0; i < n; ++i) {
    double s = 0.0;
    const A row = M + std::int64_t(i) * n;
    for (int j = 0; j < n; ++j) s = s + y[j] * row[j];
    z[i] = s;
  }
}

// y = rate (x - o), z = M y (rotate)
template <class A>
SO_HD void shift_rotate(const double* x, int n, const A& o, const A& M, double rt, double* y,
                        double* z) {
  for (int i = 0; i < n; ++i) y[i] = (x[i] - o[i]) * rt;
  rotate(M, y, n, z);
}

// z_i = pow(y_i^2 + y_{i+1}^2, 0.5), t_i = sin(50 pow(z_i, 0.2)), f = (sum pow(z_i, 0.5) (1 +
// t_i^2))^2 / (n - 1)^2 as the reference rounds each step, stage by stage over a chunk
SO_HD double schaffer_f7(const double* y, int n) {
  double f = 0.0;
  double z[kChunk], p2[kChunk], p5[kChunk], t[kChunk];
  for (int i0 = 0; i0 < n - 1; i0 += kChunk) {
    const int m = chunk_size(i0, n - 1);
    pow_of(m, [y, i0](int k) SO_LAMBDA_FORCE {
      const double* v = y + i0 + k;
      return v[0] * v[0] + v[1] * v[1];
    }, 0.5, z);
    pow_of(m, [&z](int k) SO_LAMBDA_FORCE { return z[k]; }, 0.2, p2);
    pow_of(m, [&z](int k) SO_LAMBDA_FORCE { return z[k]; }, 0.5, p5);
    sin_of(m, [&p2](int k) SO_LAMBDA_FORCE { return 50.0 * p2[k]; }, t);
    for (int k = 0; k < m; ++k) f += p5[k] + p5[k] * t[k] * t[k];
  }
  return f * f / (n - 1) / (n - 1);
}

// Lunacek bi-Rastrigin on the point v (already shifted when the caller shifts), with the signs
// of sgn; rotated by M (in the table's layout, see rotate) when rotated. w: 2n doubles of scratch.
template <class A>
SO_HD double bi_rastrigin(const double* v, int n, const A& sgn, const A& M, bool rotated,
                          double* w) {
  const double mu0 = 2.5, dd = 1.0;
  const double s = 1.0 - 1.0 / (2.0 * c_pow(n + 20.0, 0.5) - 8.2);
  const double mu1 = -c_pow((mu0 * mu0 - dd) / s, 0.5);
  double* z = w;
  double* t = w + n;
  double tmp1 = 0.0, tmp2 = 0.0;
  for (int i = 0; i < n; ++i) {
    double yi = v[i] * (10.0 / 100.0);
    double tx = 2 * yi;
    if (sgn[i] < 0.0) tx *= -1.;
    z[i] = tx;
    tx += mu0;
    double a = tx - mu0;
    tmp1 += a * a;
    a = tx - mu1;
    tmp2 += a * a;
  }
  tmp2 *= s;
  tmp2 += dd * n;
  double c = 0.0;
  if (rotated) rotate(M, z, n, t);
  const double* u = rotated ? t : z;
  double cs[kChunk];
  for (int i0 = 0; i0 < n; i0 += kChunk) {
    const int m = chunk_size(i0, n);
    cos_of(m, [u, i0](int k) SO_LAMBDA_FORCE { return 2.0 * kPi * u[i0 + k]; }, cs);
    for (int k = 0; k < m; ++k) c += cs[k];
  }
  double f = tmp1 < tmp2 ? tmp1 : tmp2;
  f += 10.0 * (n - c);
  return f;
}

// The ellipsoid's weight 10^(6 i / (n - 1)) as the reference computes it (the C library's pow)
SO_HD double ellipsoid_weight(int i, int n) { return c_pow(10.0, 6.0 * i / (n - 1)); }
#if !defined(__CUDA_ARCH__)
// The n weights, computed once per thread and n on the host (the same doubles), where the
// reference calls pow for every coordinate of every point; nullptr beyond the official data's
// largest D. The last n asked for is kept: each function asks for one n.
inline const double* ellipsoid_weights(int n) {
  constexpr int kMax = 100;
  thread_local int cached_n = -1;
  thread_local double w[kMax];
  if (n > kMax) return nullptr;
  if (cached_n != n) {
    for (int i = 0; i < n; ++i) w[i] = ellipsoid_weight(i, n);
    cached_n = n;
  }
  return w;
}
#endif

// The basic function k on z (already shifted, scaled and rotated; modified in place).
// Schaffer F7 and bi-Rastrigin need more than z and are handled by the callers.
SO_HD double basic(Kind k, double* z, int n) {
  double f = 0.0;
  switch (k) {
    case Kind::BentCigar:
      f = z[0] * z[0];
      for (int i = 1; i < n; ++i) f += 1e6 * z[i] * z[i];
      return f;
    case Kind::Discus:
      f = 1e6 * z[0] * z[0];
      for (int i = 1; i < n; ++i) f += z[i] * z[i];
      return f;
    case Kind::Ellipsoid: {
#if !defined(__CUDA_ARCH__)
      if (const double* wt = ellipsoid_weights(n)) {
        for (int i = 0; i < n; ++i) f += wt[i] * z[i] * z[i];
        return f;
      }
#endif
      for (int i = 0; i < n; ++i) f += ellipsoid_weight(i, n) * z[i] * z[i];
      return f;
    }
    case Kind::Zakharov: {
      double s1 = 0.0, s2 = 0.0;
      for (int i = 0; i < n; ++i) {
        s1 = s1 + c_pow(z[i], 2);
        s2 = s2 + 0.5 * (i + 1) * z[i];
      }
      return s1 + c_pow(s2, 2) + c_pow(s2, 4);
    }
    case Kind::Rosenbrock:
      z[0] += 1.0;
      for (int i = 0; i < n - 1; ++i) {
        z[i + 1] += 1.0;
        const double a = z[i] * z[i] - z[i + 1];
        const double b = z[i] - 1.0;
        f += 100.0 * a * a + b * b;
      }
      return f;
    case Kind::Ackley: {
      double s1 = 0.0, s2 = 0.0, cs[kChunk];
      for (int i0 = 0; i0 < n; i0 += kChunk) {
        const int m = chunk_size(i0, n);
        cos_of(m, [z, i0](int k) SO_LAMBDA_FORCE { return 2.0 * kPi * z[i0 + k]; }, cs);
        for (int k = 0; k < m; ++k) {
          s1 += z[i0 + k] * z[i0 + k];
          s2 += cs[k];
        }
      }
      s1 = -0.2 * c_sqrt(s1 / n);
      s2 /= n;
      return kE - 20.0 * c_exp(s1) - c_exp(s2) + 20.0;
    }
    case Kind::Weierstrass: {
      // The organizers' sums with a^j = 0.5^j and b^j = 3^j as exact products (their pow(a, j)
      // and pow(b, j) are exactly representable, so pow returns them), and their s2, which they
      // recompute for every i, once: the same values, 84 pow and 21 cos fewer per coordinate
      // (hybrid F19 and composition F30: bench/RESULTS.md).
      double aj[21], bj[21];
      aj[0] = 1.0;
      bj[0] = 1.0;
      for (int j = 1; j <= 20; ++j) {
        aj[j] = aj[j - 1] * 0.5;
        bj[j] = bj[j - 1] * 3.0;
      }
      double s2 = 0.0;
      for (int j = 0; j <= 20; ++j) s2 += aj[j] * c_cos(2.0 * kPi * bj[j] * 0.5);
      // each coordinate's sum over j in order, the coordinates of a chunk side by side; from
      // the j where the chunk's arguments may pass 6.8e10 (none inside the box) the C library
      double s[kChunk], cs[kChunk];
      for (int i0 = 0; i0 < n; i0 += kChunk) {
        const int m = chunk_size(i0, n);
        double reach = 0.0;  // max |z + 0.5| (NaN: the C library)
        for (int k = 0; k < m; ++k) {
          s[k] = 0.0;
          const double a = c_fabs(z[i0 + k] + 0.5);
          reach = a > reach || a != a ? a : reach;
        }
        for (int j = 0; j <= 20; ++j) {
          const double w = 2.0 * kPi * bj[j];
          cos_of(m, [z, i0, w](int k) SO_LAMBDA_FORCE { return w * (z[i0 + k] + 0.5); }, cs,
                 w * reach);
          for (int k = 0; k < m; ++k) s[k] += aj[j] * cs[k];
        }
        for (int k = 0; k < m; ++k) f += s[k];
      }
      f -= n * s2;
      return f;
    }
    case Kind::Griewank: {
      // (the square roots apart: inside cos_of's loop GCC left the loop scalar)
      double s = 0.0, p = 1.0, cs[kChunk], root[kChunk];
      for (int i0 = 0; i0 < n; i0 += kChunk) {
        const int m = chunk_size(i0, n);
        for (int k = 0; k < m; ++k) root[k] = c_sqrt(1.0 + (i0 + k));
        cos_of(m, [z, i0, &root](int k) SO_LAMBDA_FORCE { return z[i0 + k] / root[k]; }, cs);
        for (int k = 0; k < m; ++k) {
          s += z[i0 + k] * z[i0 + k];
          p *= cs[k];
        }
      }
      return 1.0 + s / 4000.0 - p;
    }
    case Kind::Rastrigin: {
      double cs[kChunk];
      for (int i0 = 0; i0 < n; i0 += kChunk) {
        const int m = chunk_size(i0, n);
        cos_of(m, [z, i0](int k) SO_LAMBDA_FORCE { return 2.0 * kPi * z[i0 + k]; }, cs);
        for (int k = 0; k < m; ++k) f += (z[i0 + k] * z[i0 + k] - 10.0 * cs[k] + 10.0);
      }
      return f;
    }
    case Kind::Schwefel: {
      // the sine's argument pow(b_i, 0.5) with b_i = |z_i| inside [-500, 500], else 500 minus
      // fmod(|z_i|, 500) (the reference's fmod(z_i, 500) for z_i > 500); the remainders, powers
      // and sines a chunk at a time, then the sum
      double rem[kChunk], b[kChunk], r[kChunk], sn[kChunk];
      for (int i0 = 0; i0 < n; i0 += kChunk) {
        const int m = chunk_size(i0, n);
        SO_SIMD
        for (int k = 0; k < m; ++k) {
          z[i0 + k] += 4.209687462275036e+002;
          rem[k] = fmod500(c_fabs(z[i0 + k]));
        }
        for (int k = 0; k < m; ++k) {
          const double a = c_fabs(z[i0 + k]);
          if (rem[k] != rem[k]) rem[k] = c_fmod(a, 500);
          b[k] = a > 500 ? 500.0 - rem[k] : a;
        }
        pow_of(m, [&b](int k) SO_LAMBDA_FORCE { return b[k]; }, 0.5, r);
        sin_of(m, [&r](int k) SO_LAMBDA_FORCE { return r[k]; }, sn);
        for (int k = 0; k < m; ++k) {
          const double zi = z[i0 + k];
          if (zi > 500) {
            f -= (500.0 - rem[k]) * sn[k];
            const double t = (zi - 500.0) / 100;
            f += t * t / n;
          } else if (zi < -500) {
            f -= (-500.0 + rem[k]) * sn[k];
            const double t = (zi + 500.0) / 100;
            f += t * t / n;
          } else {
            f -= zi * sn[k];
          }
        }
      }
      f += 4.189828872724338e+002 * n;
      return f;
    }
    case Kind::Katsuura: {
      f = 1.0;
      const double t3 = c_pow(1.0 * n, 1.2);
      double temp[kChunk], pw[kChunk];
      for (int i0 = 0; i0 < n; i0 += kChunk) {
        const int m = chunk_size(i0, n);
        // the organizers' terms and order (BBOB f23's sums: several coordinates side by side)
#if defined(SO_BBOB_BLOCKED)
        bbob::F23::katsuura_sums(z + i0, temp, m);
#else
        for (int k = 0; k < m; ++k) temp[k] = bbob::katsuura_sum(z[i0 + k]);
#endif
        pow_of(m, [&temp, i0](int k) SO_LAMBDA_FORCE { return 1.0 + (i0 + k + 1) * temp[k]; }, 10.0 / t3, pw);
        for (int k = 0; k < m; ++k) f *= pw[k];
      }
      const double t1 = 10.0 / n / n;
      return f * t1 - t1;
    }
    case Kind::GriewankRosenbrock: {
      // t_i from z_i and z_{i+1} (z_0 for the last), each z + 1 first; the cosines a chunk at a
      // time (t reaches 1e5 across the box: the wide form there), then the sum in order
      for (int i = 0; i < n; ++i) z[i] += 1.0;
      double t[kChunk], cs[kChunk];
      for (int i0 = 0; i0 < n; i0 += kChunk) {
        const int m = chunk_size(i0, n);
        double reach = 0.0;  // max t (NaN: the C library)
        for (int k = 0; k < m; ++k) {
          const int i = i0 + k, next = i + 1 < n ? i + 1 : 0;
          const double a = z[i] * z[i] - z[next];
          const double b = z[i] - 1.0;
          t[k] = 100.0 * a * a + b * b;
          reach = t[k] > reach || t[k] != t[k] ? t[k] : reach;
        }
        cos_of(m, [&t](int k) SO_LAMBDA_FORCE { return t[k]; }, cs, reach);
        for (int k = 0; k < m; ++k) f += (t[k] * t[k]) / 4000.0 - cs[k] + 1.0;
      }
      return f;
    }
    case Kind::ExpandedSchafferF6: {
      double sn[kChunk];
      for (int i0 = 0; i0 < n - 1; i0 += kChunk) {
        const int m = chunk_size(i0, n - 1);
        sin_of(m, [z, i0](int k) SO_LAMBDA_FORCE {
          const double* v = z + i0 + k;
          return c_sqrt(v[0] * v[0] + v[1] * v[1]);
        }, sn);
        for (int k = 0; k < m; ++k) {
          const double* v = z + i0 + k;
          const double t1 = sn[k] * sn[k];
          const double t2 = 1.0 + 0.001 * (v[0] * v[0] + v[1] * v[1]);
          f += 0.5 + (t1 - 0.5) / (t2 * t2);
        }
      }
      double t1 = c_sin(c_sqrt(z[n - 1] * z[n - 1] + z[0] * z[0]));
      t1 = t1 * t1;
      const double t2 = 1.0 + 0.001 * (z[n - 1] * z[n - 1] + z[0] * z[0]);
      f += 0.5 + (t1 - 0.5) / (t2 * t2);
      return f;
    }
    case Kind::HappyCat:
    case Kind::HGBat: {
      double r2 = 0.0, sz = 0.0;
      for (int i = 0; i < n; ++i) {
        z[i] = z[i] - 1.0;
        r2 += z[i] * z[i];
        sz += z[i];
      }
      if (k == Kind::HappyCat)
        return c_pow(c_fabs(r2 - n), 2 * (1.0 / 8.0)) + (0.5 * r2 + sz) / n + 0.5;
      return c_pow(c_fabs(c_pow(r2, 2.0) - c_pow(sz, 2.0)), 2 * (1.0 / 4.0)) +
             (0.5 * r2 + sz) / n + 0.5;
    }
    case Kind::Levy: {
      // w_i = 1 + (z_i - 1)/4, computed on the fly (the reference stores them)
      const double w0 = 1.0 + (z[0] - 1.0) / 4.0;
      const double wl = 1.0 + (z[n - 1] - 1.0) / 4.0;
      const double term1 = c_pow(c_sin(kPi * w0), 2);
      const double term3 = c_pow(wl - 1, 2) * (1 + c_pow(c_sin(2 * kPi * wl), 2));
      double s = 0.0, sn[kChunk];
      const auto w = [z](int i) SO_LAMBDA_FORCE { return 1.0 + (z[i] - 1.0) / 4.0; };
      for (int i0 = 0; i0 < n - 1; i0 += kChunk) {
        const int m = chunk_size(i0, n - 1);
        sin_of(m, [w, i0](int k) SO_LAMBDA_FORCE { return kPi * w(i0 + k) + 1; }, sn);
        for (int k = 0; k < m; ++k) s = s + c_pow(w(i0 + k) - 1, 2) * (1 + 10 * c_pow(sn[k], 2));
      }
      return term1 + s + term3;
    }
    default: return 0.0;
  }
}

// ---- the hybrid functions (F11 ... F20) -----------------------------------------------------
struct HybridSpec {
  int n;
  Kind kind[6];
  double gp[6];
};

SO_HD HybridSpec hybrid_spec(int h) {  // h = 1 ... 10: hf01 ... hf10 (F11 ... F20)
  using K = Kind;
  switch (h) {
    case 1: return {3, {K::Zakharov, K::Rosenbrock, K::Rastrigin}, {0.2, 0.4, 0.4}};
    case 2: return {3, {K::Ellipsoid, K::Schwefel, K::BentCigar}, {0.3, 0.3, 0.4}};
    case 3: return {3, {K::BentCigar, K::Rosenbrock, K::BiRastrigin}, {0.3, 0.3, 0.4}};
    case 4:
      return {4, {K::Ellipsoid, K::Ackley, K::SchafferF7, K::Rastrigin}, {0.2, 0.2, 0.2, 0.4}};
    case 5:
      return {4, {K::BentCigar, K::HGBat, K::Rastrigin, K::Rosenbrock}, {0.2, 0.2, 0.3, 0.3}};
    case 6:
      return {4,
              {K::ExpandedSchafferF6, K::HGBat, K::Rosenbrock, K::Schwefel},
              {0.2, 0.2, 0.3, 0.3}};
    case 7:
      return {5,
              {K::Katsuura, K::Ackley, K::GriewankRosenbrock, K::Schwefel, K::Rastrigin},
              {0.1, 0.2, 0.2, 0.2, 0.3}};
    case 8:
      return {5,
              {K::Ellipsoid, K::Ackley, K::Rastrigin, K::HGBat, K::Discus},
              {0.2, 0.2, 0.2, 0.2, 0.2}};
    case 9:
      return {5,
              {K::BentCigar, K::Rastrigin, K::GriewankRosenbrock, K::Weierstrass,
               K::ExpandedSchafferF6},
              {0.2, 0.2, 0.2, 0.2, 0.2}};
    default:
      return {6,
              {K::HGBat, K::Katsuura, K::Ackley, K::Rastrigin, K::Schwefel, K::SchafferF7},
              {0.1, 0.1, 0.2, 0.2, 0.2, 0.2}};
  }
}

// Hybrid h at x with shift o, rotation M (in the table's layout, see rotate), shuffle S
// (1-based). w: 4D doubles of scratch.
template <class A>
SO_HD double hybrid(int h, const double* x, int d, const A& o, const A& M, const A& S, double* w) {
  const HybridSpec sp = hybrid_spec(h);
  double* y = w;
  double* z = w + d;
  double* yy = w + 2 * d;
  double* zc = w + 3 * d;
  shift_rotate(x, d, o, M, 1.0, y, z);
  for (int i = 0; i < d; ++i) yy[i] = z[int(S[i]) - 1];
  int gn[6], g[6];
  int tmp = 0;
  for (int i = 0; i < sp.n - 1; ++i) {
    gn[i] = int(c_ceil(sp.gp[i] * d));
    tmp += gn[i];
  }
  gn[sp.n - 1] = d - tmp;
  g[0] = 0;
  for (int i = 1; i < sp.n; ++i) g[i] = g[i - 1] + gn[i - 1];
  double fit[6];
  for (int c = 0; c < sp.n; ++c) {
    const double* seg = yy + g[c];
    const int n = gn[c];
    const Kind k = sp.kind[c];
    if (k == Kind::SchafferF7) {
      fit[c] = schaffer_f7(yy, n);  // the reference reads the start of the shuffled vector
    } else if (k == Kind::BiRastrigin) {
      fit[c] = bi_rastrigin(seg, n, o, M, false, zc);  // signs of o_1 ... o_n, no rotation
    } else {
      const double rt = rate(k);
      for (int i = 0; i < n; ++i) zc[i] = seg[i] * rt;
      fit[c] = basic(k, zc, n);
    }
  }
  double f = 0.0;
  for (int c = 0; c < sp.n; ++c) f += fit[c];
  return f;
}

// ---- the composition functions (F21 ... F30) -------------------------------------------------
struct CompositionSpec {
  int n;
  Kind kind[6];   // F21 ... F28
  int hyb[6];     // F29, F30: the hybrid of each component
  double num[6];  // fit = num fit / den (num = 0: unscaled)
  double den[6];
  double delta[6];
};

SO_HD CompositionSpec composition_spec(int c) {  // c = 1 ... 10: cf01 ... cf10 (F21 ... F30)
  using K = Kind;
  switch (c) {
    case 1:
      return {3, {K::Rosenbrock, K::Ellipsoid, K::Rastrigin}, {}, {0, 10000, 0}, {1, 1e10, 1},
              {10, 20, 30}};
    case 2:
      return {3, {K::Rastrigin, K::Griewank, K::Schwefel}, {}, {0, 1000, 0}, {1, 100, 1},
              {10, 20, 30}};
    case 3:
      return {4, {K::Rosenbrock, K::Ackley, K::Schwefel, K::Rastrigin}, {}, {0, 1000, 0, 0},
              {1, 100, 1, 1}, {10, 20, 30, 40}};
    case 4:
      return {4, {K::Ackley, K::Ellipsoid, K::Griewank, K::Rastrigin}, {},
              {1000, 10000, 1000, 0}, {100, 1e10, 100, 1}, {10, 20, 30, 40}};
    case 5:
      return {5, {K::Rastrigin, K::HappyCat, K::Ackley, K::Discus, K::Rosenbrock}, {},
              {10000, 1000, 1000, 10000, 0}, {1e3, 1e3, 100, 1e10, 1}, {10, 20, 30, 40, 50}};
    case 6:
      return {5,
              {K::ExpandedSchafferF6, K::Schwefel, K::Griewank, K::Rosenbrock, K::Rastrigin},
              {},
              {10000, 0, 1000, 0, 10000},
              {2e7, 1, 100, 1, 1e3},
              {10, 20, 20, 30, 40}};
    case 7:
      return {6,
              {K::HGBat, K::Rastrigin, K::Schwefel, K::BentCigar, K::Ellipsoid,
               K::ExpandedSchafferF6},
              {},
              {10000, 10000, 10000, 10000, 10000, 10000},
              {1000, 1e3, 4e3, 1e30, 1e10, 2e7},
              {10, 20, 30, 40, 50, 60}};
    case 8:
      return {6,
              {K::Ackley, K::Griewank, K::Discus, K::Rosenbrock, K::HappyCat,
               K::ExpandedSchafferF6},
              {},
              {1000, 1000, 10000, 0, 1000, 10000},
              {100, 100, 1e10, 1, 1e3, 2e7},
              {10, 20, 30, 40, 50, 60}};
    case 9: return {3, {}, {5, 6, 7}, {0, 0, 0}, {1, 1, 1}, {10, 30, 50}};
    default: return {3, {}, {5, 8, 9}, {0, 0, 0}, {1, 1, 1}, {10, 30, 50}};
  }
}

SO_HD int composition_size(int c) { return composition_spec(c).n; }

// Composition c at x: components k < n with shift o_k, rotation M_k (and shuffle S_k).
// w: 4D doubles of scratch.
template <class A>
SO_HD double composition(int c, const double* x, int d, const A& t, double* w) {
  const CompositionSpec sp = composition_spec(c);
  const int K = sp.n;
  const A O = t, Ms = t + std::int64_t(K) * d, Ss = Ms + std::int64_t(K) * d * d;
  double fit[6], wt[6];
  for (int k = 0; k < K; ++k) {
    const A o = O + std::int64_t(k) * d, M = Ms + std::int64_t(k) * d * d;
    double v;
    if (c >= 9) {
      v = hybrid(sp.hyb[k], x, d, o, M, Ss + std::int64_t(k) * d, w);
    } else {
      shift_rotate(x, d, o, M, rate(sp.kind[k]), w, w + d);
      v = basic(sp.kind[k], w + d, d);
    }
    if (sp.num[k] != 0.0) v = sp.num[k] * v / sp.den[k];
    fit[k] = v;
  }
  double wmax = 0.0, wsum = 0.0;
  for (int k = 0; k < K; ++k) {
    fit[k] += 100.0 * k;
    const A o = O + std::int64_t(k) * d;
    double s = 0.0;
    for (int j = 0; j < d; ++j) s += c_pow(x[j] - o[j], 2.0);
    if (s != 0)
      s = c_pow(1.0 / s, 0.5) * c_exp(-s / 2.0 / d / c_pow(sp.delta[k], 2.0));
    else
      s = 1.0e99;
    wt[k] = s;
    if (s > wmax) wmax = s;
  }
  for (int k = 0; k < K; ++k) wsum = wsum + wt[k];
  if (wmax == 0) {
    for (int k = 0; k < K; ++k) wt[k] = 1;
    wsum = K;
  }
  double f = 0.0;
  for (int k = 0; k < K; ++k) f = f + wt[k] / wsum * fit[k];
  return f;
}

// ---- the suite -------------------------------------------------------------------------------
constexpr int components(int fn) {
  return fn <= 20 ? 1 : (fn <= 22 ? 3 : fn <= 24 ? 4 : fn <= 26 ? 5 : fn <= 28 ? 6 : 3);
}
constexpr bool shuffled(int fn) { return (fn >= 11 && fn <= 20) || fn >= 29; }

// Fn: CEC2017 function fn (1, 3 ... 30).
template <int FN>
struct Fn {
  static constexpr bool kNoGradient = true;
  static constexpr int K = components(FN);
  static SO_HD std::int64_t size(int d) {
    return std::int64_t(K) * d * (1 + std::int64_t(d) + (shuffled(FN) ? 1 : 0));
  }
  static SO_HD int work(int d) { return 4 * d; }
  static std::int64_t data_size(int d) { return 2 * size(d); }
  static int scratch(int d) { return 2 * (work(d) + d); }

  template <class M, class A>
  static SO_HD double eval(const double* x, int d, const A& t, double* w) {
    const A o = t, Mr = t + std::int64_t(K) * d, S = Mr + std::int64_t(K) * d * d;
    double f;
    if constexpr (FN >= 21) {
      f = composition(FN - 20, x, d, t, w);
    } else if constexpr (FN >= 11) {
      f = hybrid(FN - 10, x, d, o, Mr, S, w);
    } else if constexpr (FN == 6) {
      double* y = w;
      for (int i = 0; i < d; ++i) y[i] = (x[i] - o[i]) * 1.0;
      f = schaffer_f7(y, d);  // the reference's F6 is not rotated
    } else if constexpr (FN == 7) {
      double* y = w;
      for (int i = 0; i < d; ++i) y[i] = x[i] - o[i];
      f = bi_rastrigin(y, d, o, Mr, true, w + d);
    } else {
      constexpr Kind k = FN == 1   ? Kind::BentCigar
                         : FN == 3 ? Kind::Zakharov
                         : FN == 4 ? Kind::Rosenbrock
                         : FN == 9 ? Kind::Levy
                         : FN == 10 ? Kind::Schwefel
                                    : Kind::Rastrigin;  // F5, F8
      shift_rotate(x, d, o, Mr, rate(k), w, w + d);
      f = basic(k, w + d, d);
    }
    return f + 100.0 * FN;
  }

  template <class M, class T>
  static SO_CEC_ENTRY T value(const T* x, int d, const T*, const Context<T>& c) {
    if constexpr (std::is_same_v<T, double>) {
      return eval<M>(x, d, Exact{c.table}, c.work);
    } else {
      double* w = static_cast<double*>(static_cast<void*>(c.work));
      const int n = work(d) + d;
      for (int k = 0; k < n; ++k) ::new (static_cast<void*>(w + k)) double;
      double* xd = w + work(d);
      for (int i = 0; i < d; ++i) xd[i] = double(x[i]);
      const T* t = c.table;
      return static_cast<T>(eval<M>(xd, d, Split{t, t + size(d)}, w));
    }
  }
};

}  // namespace functions::cec2017
SO_NAMESPACE_END

#if defined(__GNUC__) && !defined(__clang__) && !defined(__CUDACC__)
#pragma GCC pop_options
#endif
#undef SO_CEC_ENTRY
