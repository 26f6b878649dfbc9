// The 24 noiseless BBOB functions of COCO (suite "bbob"), ported operation for operation from
// the float64 NumPy reference tests/bbob_reference.py, which reproduces COCO's C code (see its
// docstring, and that of python/scoreopt/suites/bbob_instances.py for the instance generation).
//
// Instance data. Everything random (shifts, rotations, f_opt, Gallagher peaks, ...) is
// generated in Python (bbob_instances.instance) and handed to the core as one flat vector
// (Problem::with_data), which the functions read through ctx.table. The layout of every
// function is documented next to its struct below; python/scoreopt/suites/bbob.py (pack) is
// the Python side of the same layout and must be kept in sync with it. Conventions:
//   * D = dim; the values start with f_opt, then the function's scalars, then vectors (D
//     values each), then matrices (D*D values each); F::size(d) of them;
//   * matrices are stored COLUMN-major: MT[j*D + i] = M_ij (the reference's z_i = sum_j M_ij y_j),
//     so that the product is accumulated as z += y_j * M[:, j] for j = 0, 1, ...: each z_i is
//     summed left to right over j, as in COCO, while the loop over i stays contiguous;
//   * the vector then repeats, as residuals: after the F::size(d) values v_k come the
//     F::size(d) values v_k - double(float(v_k)) (data_size(d) = 2 F::size(d)). Double
//     evaluation ignores them; see "float" below.
//
// Accuracy (double). The contract is COCO's value to 1e-13 of max(|f|, |f_opt|): COCO adds f_opt
// last, so its own value is exact only to that scale, and near the optimum f can cancel to about
// 0 against f_opt (tests/test_bbob.py, at random points and near x_opt). Sums are accumulated in
// COCO's left-to-right order, except the sums of non-negative terms of f1-f3, f5-f15, f24 and
// the penalty f_pen (sum_nonnegative: f - f_opt then differs by an ulp or a few) and f16's sum over the
// coordinates (F16::finish). T_osz is vecmath.hpp's
// few-ulp form on the host (tosz_array, below), and so are f6's row tail (F6::tail), the
// powers of f14 (vm::pow_few_ulp), f23's power (one per row, of its factors' exact product:
// F23::finish), T_asy in f3 and f15 (tasy_tosz_array) and in f12 (tasy_rows<true>). f23's digit
// sums are COCO's, bitwise,
// by an exact recurrence (F23::katsuura_sums). Other exp,
// log and pow are the C library's or, in the host's vector loops (T_asy of f17/f18 and their
// s^0.25: tasy_array, v_pow), vecmath.hpp's checked pow, which defers to the C library where its
// value lies within 0.05 ulp of a rounding boundary (10% of the calls) and elsewhere returns
// glibc's double but for rare cases with large |y log x| (tests/test_vecmath.py). Where COCO's
// conditioning turns one ulp into more than 1e-13 of f, the C library's values stay: the T_osz
// of f16 (Weierstrass: 3^11 frequencies; tosz_exact_array, vecmath's checked log, sin, exp and
// pow with the C library for what they defer) and s^0.1 in f17/f18 (sin(50 s^0.1)). Other sin and cos
// come from the math policy M: FastMath yields NaN outside its range, and the driver then
// recomputes the row with PreciseMath (the C library). Where large arguments are the rule
// (Weierstrass's 3^11 frequencies, the cos of Griewank-Rosenbrock), cos has a wider fast range
// and falls back per element instead (cos_wide). Fused multiply-adds are switched off for this
// header under GCC (the core is built with -march=native, and contraction alone moves f16,
// f19, f23 by up to 1e-10 relative); the evaluation entry points are therefore never inlined
// into the driver, which is compiled with contraction on. Other compilers keep their default
// (clang: within one expression; nvcc: on). Measured against cocoex (bench/bbob_cocoex_agreement.py:
// 9 instances, D = 2...40, 255 points each in [-5, 5]^d, [-50, 50]^d and near x_opt): within
// 1.5e-14 of max(|f|, |f_opt|). f17 and f18 far outside the box were up to 6e-13 while the
// checked pow deferred only within 0.01 ulp of a boundary (sin(50 s^0.1) of s ~ 1e15 amplifies
// an ulp of T_asy's output; COCO's own value there is up to 1.7e-12 from the formula's exact
// value, bench/schaffers_exact.py).
//
// float. COCO's values are defined in double, and most BBOB functions are too ill-conditioned
// for float arithmetic, or even for float-rounded instance data, to reach 1e-5 relative
// (ellipsoids with condition 1e6, the fractal f16 and f23, the cos of f19's ~1e6 arguments: a
// shift or rotation rounded to float moves their values by up to 5e-4). The float path
// therefore evaluates in double: x is widened, and every table value is read as
// double(hi) + double(lo) from the float copy of the value and of its residual (exact to about
// 2^-48). The result is the double result rounded to float (error ~1e-7 relative).
#pragma once

#include <cmath>
#include <cstdint>
#include <new>
#include <type_traits>

#include "scoreopt/config.hpp"
#include "scoreopt/functions/context.hpp"
#include "scoreopt/math.hpp"
#include "scoreopt/simd.hpp"
#include "scoreopt/vecmath.hpp"

#if defined(__GNUC__) && !defined(__clang__) && !defined(__CUDACC__)
#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")
// the entry points must stay out of line: inlined into a caller compiled with contraction on,
// their code would be contracted there
#define SO_BBOB_ENTRY inline __attribute__((noinline))
#else
#define SO_BBOB_ENTRY SO_HD
#endif

SO_NAMESPACE_BEGIN
namespace functions::bbob {

// ---- scalar helpers --------------------------------------------------------------------------

// The C library's exp / log / pow (math.hpp's exp is the same call).
SO_HD double c_exp(double x) { return math::exp(x); }
SO_HD double c_log(double x) {
#if defined(__CUDA_ARCH__)
  return ::log(x);
#else
  return std::log(x);
#endif
}
SO_HD double c_pow(double x, double y) {
#if defined(__CUDA_ARCH__)
  return ::pow(x, y);
#else
  return std::pow(x, y);
#endif
}

constexpr double kTwoPi = 2.0 * math::kPi;  // == 2 * math.pi in Python, COCO's 2 * coco_pi

// cos for functions whose arguments are routinely beyond FastMath's range (5e5): Weierstrass's
// 2 pi 3^11 (z + 1/2) and the Griewank-Rosenbrock s_i reach 1e7. With FastMath, arguments
// below 2^25 pi (1e8) are reduced by pi with a three-part Cody-Waite split of pi (twice math.hpp's
// first three of pi/2: each part has 27 significant bits, so k * part is exact for |k| < 2^26,
// and v - k * c1 is exact by Sterbenz; the fourth part, k 3.3e-26, is below 1.1e-18) and evaluated as (-1)^k cos r, |r| <= pi/2, by math.hpp's one cos kernel
// (Kernel<double>::cos_half_pi, as FastMath::cos_by_pi): within 3.5e-16 of the C library
// (tests/test_vecmath.py::test_cos_wide). The sin and cos kernels of a reduction by pi/2 and a
// quadrant select, which it replaced, were within 1.1e-16 and took more time (f16 0.86x the time
// with this one, f19 0.88x; bench/RESULTS.md); the sums of 12 D such terms move by a few 1e-15, against COCO's own 1e-9 from the
// rounding of the arguments). Larger arguments, and PreciseMath, use the C library.
constexpr double kWideLimit = 33554432.0;  // 2^25 multiples of pi
SO_HD double cos_reduced(double v, bool& ok) {
  constexpr double kShifter = 6755399441055744.0;  // 1.5 * 2^52: rint by its low mantissa bits
  const double t = v * (1.0 / math::kPi) + kShifter;
  const double k = t - kShifter;
  double r = v - k * 0x1.921fb54p+1;
  r = r - k * 0x1.10b461p-29;
  r = r - k * 0x1.a62633p-57;  // pi's remaining part, 3.3e-26, leaves below 1.1e-18 of r
  const double c = math::Kernel<double>::cos_half_pi(r);
  ok = math::abs(k) < kWideLimit;
  std::uint64_t cb;
  std::memcpy(&cb, &c, sizeof cb);
  std::uint64_t tb;
  std::memcpy(&tb, &t, sizeof tb);
  cb ^= (tb & 1ULL) << 63;  // k odd: -cos r
  double res;
  std::memcpy(&res, &cb, sizeof res);
  return res;
}

template <class M>
SO_HD double cos_wide(double v) {
  if constexpr (std::is_same_v<M, math::FastMath>) {
    bool ok;
    const double c = cos_reduced(v, ok);
    if (ok) return c;
  }
  return math::PreciseMath::cos(v);
}

// c[k] = cos_wide(v[k]) for k < n: the fast part in vector blocks (simd::map: a plain loop left
// n mod 4 elements to scalar code, and for f19's 39 cosines at D = 40 those 3 took about a
// quarter of the kernel's time), then the C library for the (rare) arguments beyond it. c must
// not alias v.
template <class M>
SO_HD void cos_wide_array(const double* v, double* c, int n) {
  if constexpr (std::is_same_v<M, math::FastMath>) {
    simd::map(v, c, n, [](double vk) {
      bool ok;
      const double cs = cos_reduced(vk, ok);
      return ok ? cs : double(NAN);
    });
    if (simd::any_nan(c, n))  // (the scan alone, a branch per element, took 5 % of f16)
      for (int k = 0; k < n; ++k)
        if (c[k] != c[k]) c[k] = math::PreciseMath::cos(v[k]);
  } else {
    for (int k = 0; k < n; ++k) c[k] = math::PreciseMath::cos(v[k]);
  }
}

// T_osz, the oscillation (alpha = 0.1), on one value (also applied to f-values). Entirely the C
// library (sin included: this is no slower than FastMath here, next to log, exp and pow), so
// that T_osz is bitwise COCO's; Weierstrass (f16) turns one ulp of its output into 1e-12.
SO_HD double c_sin(double x) { return math::PreciseMath::sin(x); }
SO_HD double tosz(double x) {
  if (x > 0.0) {
    const double t = c_log(x) / 0.1;
    return c_pow(c_exp(t + 0.49 * (c_sin(t) + c_sin(0.79 * t))), 0.1);
  }
  if (x < 0.0) {
    const double t = c_log(-x) / 0.1;
    return -c_pow(c_exp(t + 0.49 * (c_sin(0.55 * t) + c_sin(0.31 * t))), 0.1);
  }
  return x;
}

// T_asy^beta on coordinate i of d: x -> x^(1 + c_i sqrt(x)) for x > 0, c_i = beta i/(d-1) as COCO
// rounds it, which the instance table holds (suites/bbob.py, "tasy_coef_<beta>").
SO_HD double tasy(double x, double coef) {
  if (!(x > 0.0)) return x;
  return c_pow(x, 1.0 + coef * math::sqrt(x));
}

// ---- the transforms on whole vectors --------------------------------------------------------
// On the host, one vectorized loop with vecmath.hpp's exp/log/pow (within rounding of the C
// library's; T_osz falls back to the C library for the rare arguments beyond its fast range); on
// the device, the scalar C-library code above.

// T_osz on the host: to a few ulp of COCO's formula (vm::tosz_few_ulp_array), not to its rounding
// (COCO's glibc calls, reproduced by the checked exp/log/pow here until issue 16, cost several times the
// time). Enough for every function that takes it on the host (f2-f4, f10, f11, f15): f - f_opt
// of f2, f10 and f11 is a positively weighted sum of squares of T_osz's outputs and keeps their
// relative error; in f3, f4 and f15 the cosines 10 cos(2 pi z_i) turn an ulp of z_i into about
// 60 |z_i| ulp of a term, against f - f_opt >= sum z_i^2 away from the optimum (measured against
// cocoex: within 1.3e-14 of max(|f|, |f_opt|), bench/RESULTS.md). f16 takes
// tosz_exact_array (its 3^11 frequencies). out[i] = T_osz(in[i]); out must not alias in. The device keeps the C
// library.
SO_HD void tosz_array(const double* in, double* out, int n) {
#if defined(__CUDA_ARCH__)
  for (int i = 0; i < n; ++i) out[i] = tosz(in[i]);
#else
  vm::tosz_few_ulp_array(in, out, n);
  if (simd::any_nan(out, n))
    for (int i = 0; i < n; ++i)
      if (out[i] != out[i]) out[i] = tosz(in[i]);
#endif
}

// out[i] = T_osz(in[i]) bitwise as COCO's glibc calls compute it, for f16 (whose 3^11
// frequencies turn one ulp of T_osz into up to 3e-12 of f). On the host, COCO's chain
// t = log|x| / 0.1, u = t + 0.49 (sin a1 + sin a2), y = pow(exp u, 0.1) runs stage by stage over
// the row with vecmath's checked log, sin, exp and pow, each stage's deferred elements (vm::*'s tie)
// then taken from the C library before the next stage reads them: a deferral costs one C call,
// not the whole chain again. scratch: 2n doubles; out must not alias in. The device keeps tosz.
SO_HD void tosz_exact_array(const double* in, double* out, int n, double* scratch) {
#if defined(__CUDA_ARCH__)
  for (int i = 0; i < n; ++i) out[i] = tosz(in[i]);
#else
  double* t = scratch;
  double* u = scratch + n;
  SO_SIMD_LATENCY_BOUND
  for (int i = 0; i < n; ++i) {
    double tie;
    const double l = vm::log(math::abs(in[i]), tie);
    t[i] = tie > 0.0 ? double(NAN) : l / 0.1;
  }
  for (int i = 0; i < n; ++i)
    if (t[i] != t[i]) t[i] = c_log(math::abs(in[i])) / 0.1;
  // the two sines into u and out (free until the last stage), each deferred one from the C
  // library alone, then u = t + 0.49 (sin a1 + sin a2)
  double* s2 = out;
  SO_SIMD_LATENCY_BOUND
  for (int i = 0; i < n; ++i) {
    double a1, a2, tie1, tie2;
    vm::tosz_sine_arguments(in[i], t[i], a1, a2);
    const double v1 = vm::sin_checked(a1, tie1);
    const double v2 = vm::sin_checked(a2, tie2);
    u[i] = tie1 > 0.0 ? double(NAN) : v1;
    s2[i] = tie2 > 0.0 ? double(NAN) : v2;
  }
  for (int i = 0; i < n; ++i) {
    if (u[i] == u[i] && s2[i] == s2[i]) continue;
    double a1, a2;
    vm::tosz_sine_arguments(in[i], t[i], a1, a2);
    if (u[i] != u[i]) u[i] = c_sin(a1);
    if (s2[i] != s2[i]) s2[i] = c_sin(a2);
  }
  SO_SIMD_LATENCY_BOUND
  for (int i = 0; i < n; ++i) u[i] = t[i] + 0.49 * (u[i] + s2[i]);
  // b = exp(u), then b^0.1 with log b = u - err/e from exp's own remainder (b = e 2^k, exp(u) =
  // (e + err) 2^k within 0.005 ulp; log b then within 2^-59 absolute): no log_dd of b; where exp
  // defers, pow does too
  double* base = t;
  SO_SIMD_LATENCY_BOUND
  for (int i = 0; i < n; ++i) {
    double k, err;
    const double e = vm::exp_dd_reduced(u[i], 0.0, k, err);
    const double b = vm::scale_pow2(e, k);
    const double tie_e = vm::exp_dd_tie(e, err, b);
    const double lc = -err / e;
    const double lh = u[i] + lc;  // TwoSum: log b = lh + ll
    const double bv = lh - u[i];
    const double ll = (u[i] - (lh - bv)) + (lc - bv);
    double tie_p;
    const double y = vm::pow_of_log_finite(0.1, lh, ll, tie_p);  // b: normal where tie_e = 0
    base[i] = tie_e > 0.0 ? double(NAN) : b;
    out[i] = tie_e + tie_p > 0.0 ? double(NAN) : y;
  }
  for (int i = 0; i < n; ++i) {
    if (out[i] == out[i]) continue;
    if (base[i] != base[i]) base[i] = c_exp(u[i]);
    out[i] = c_pow(base[i], 0.1);
  }
  for (int i = 0; i < n; ++i) {
    const double x = in[i];
    out[i] = x > 0.0 ? out[i] : (x < 0.0 ? -out[i] : x);
  }
#endif
}

// out[i] = T_asy^beta(in[i]) on coordinate i of n, coef: the table's c_i; out must not alias in.
// kFewUlp = false: the C library's values (vm::tasy, which defers its ties), for f17 and f18,
// where they matter; true: vm::tasy_few_ulp, within 3 + 2 |(y - 1) log x| ulp of them (f12, whose
// value keeps that relative error: a sum of squares of a rotation of T_asy's output). NaN from
// either goes to the C library. f3 and f15 take tasy_tosz_array (below).
// tasy_rows: the same for `rows` rows of n coordinates (the blocks of rows of f12, f17, f18).
template <bool kFewUlp, class A>
SO_HD void tasy_rows(const double* in, double* out, int rows, int n, const A& coef) {
#if defined(__CUDA_ARCH__)
  for (int i = 0; i < rows * n; ++i) out[i] = tasy(in[i], coef[i % n]);
#else
  // the coefficients row after row in out, then one loop over all rows
  vm::repeat_per_row(coef, out, rows, n);
  SO_SIMD_LATENCY_BOUND
  for (int i = 0; i < rows * n; ++i) {
    if constexpr (kFewUlp)
      out[i] = vm::tasy_few_ulp(in[i], out[i]);
    else
      out[i] = vm::tasy(in[i], out[i]);
  }
  if (simd::any_nan(out, rows * n))
    for (int i = 0; i < rows * n; ++i)
      if (out[i] != out[i]) out[i] = tasy(in[i], coef[i % n]);
#endif
}
template <class A>
SO_HD void tasy_array(const double* in, double* out, int n, const A& coef) {
  tasy_rows<false>(in, out, 1, n, coef);
}

// out[i] = T_asy^beta(T_osz(in[i])) with coef the table's c_i (f3, f15): on the host
// vm::tasy_tosz_few_ulp_array (T_asy's log taken from T_osz's), the C library for what that leaves
// NaN; scratch: 2n doubles; out must not alias in. tasy_tosz_rows: the same for `rows` rows of n
// coordinates at once (scratch: 2 rows n doubles; f15's blocks of rows, F15::middle_rows).
template <class A>
SO_HD void tasy_tosz_rows(const double* in, double* out, int rows, int n, const A& coef,
                          double* scratch) {
  const int m = rows * n;
#if defined(__CUDA_ARCH__)
  (void)scratch;
  for (int i = 0; i < m; ++i) out[i] = tasy(tosz(in[i]), coef[i % n]);
#else
  vm::tasy_tosz_few_ulp_rows(in, out, rows, n, coef, scratch, scratch + m);
  if (simd::any_nan(out, m))
    for (int i = 0; i < m; ++i)
      if (out[i] != out[i]) out[i] = tasy(tosz(in[i]), coef[i % n]);
#endif
}
template <class A>
SO_HD void tasy_tosz_array(const double* in, double* out, int n, const A& coef, double* scratch) {
  tasy_tosz_rows(in, out, 1, n, coef, scratch);
}

// pow(x, y) of the host's vector loops (x >= 0). It returns NaN where the
// result may round differently from the C library's (vm::pow's tie); the caller recomputes those
// with c_pow, so that the values stay the C library's.
SO_HD_FORCE double v_pow(double x, double y) {
#if defined(__CUDA_ARCH__)
  return c_pow(x, y);
#else
  double tie;
  const double r = vm::pow(x, y, tie);
  return tie > 0.0 ? double(NAN) : r;
#endif
}

// M::sin in the host's vector loops: FastMath's as vm::sin (the same operations, always inlined,
// so that the loop vectorizes and is compiled without contraction on every path).
template <class M>
SO_HD_FORCE double v_sin(double x) {
#if !defined(__CUDA_ARCH__)
  if constexpr (std::is_same_v<M, math::FastMath>) return vm::sin(x);
#endif
  return M::sin(x);
}

// M::sin where an ulp or two of it stays an ulp or two of f (f20's z sin(sqrt|z|), against
// f's offset 418.98): with FastMath, the one-polynomial sin (sin_or_cos_by_pi, within 3 ulp and
// 4e-16 of the C library, NaN beyond |x| = 5e5, where the driver recomputes the row) in place of
// sincos's two kernels and quadrant selects.
template <class M>
SO_HD_FORCE double sin_one_polynomial(double x) {
  if constexpr (std::is_same_v<M, math::FastMath>) return math::FastMath::sin_or_cos_by_pi(x, false);
  return M::sin(x);
}
// M::cos for the cosine sums 10 (D - sum cos 2 pi z_i) of f3, f4, f15, f24: with FastMath, one
// polynomial (cos_by_pi: within an ulp next to +-1, where the sums cancel near the optimum, NaN
// beyond |x| = 5e5, where the driver recomputes the row) in place of sincos's two kernels and
// quadrant selects: f4 and f24 0.85x the time, f3 and f15 0.9x.
template <class M>
SO_HD_FORCE double cos_one_polynomial(double x) {
  if constexpr (std::is_same_v<M, math::FastMath>) return math::FastMath::cos_by_pi(x);
  return M::cos(x);
}

// f_pen = sum_i max(0, |x_i| - 5)^2 (defined below sum_nonnegative)
SO_HD double penalty(const double* x, int d);

// Reading the table: as stored (double evaluation), or as float hi + lo pairs (float
// evaluation, see the top). Offsetting gives the view of a sub-array.
struct Exact {
  const double* p;
  SO_HD double operator[](std::int64_t i) const { return p[i]; }
  SO_HD Exact operator+(std::int64_t k) const { return Exact{p + k}; }
};
struct Split {
  const float* hi;
  const float* lo;
  SO_HD double operator[](std::int64_t i) const { return double(hi[i]) + double(lo[i]); }
  SO_HD Split operator+(std::int64_t k) const { return Split{hi + k, lo + k}; }
};

// z = M (x - shift), the shift subtracted first (as the reference's _affine(_shifted(X), M)).
template <class A>
SO_HD void matvec_shifted(const A& MT, const double* x, const A& shift, int d, double* z) {
  const double y0 = x[0] - shift[0];
  SO_SIMD
  for (int i = 0; i < d; ++i) z[i] = y0 * MT[i];
  for (int j = 1; j < d; ++j) {
    const double yj = x[j] - shift[j];
    const A col = MT + std::int64_t(j) * d;
    SO_SIMD
    for (int i = 0; i < d; ++i) z[i] += yj * col[i];
  }
}

// ---- the rotation of a block of points (host) --------------------------------------------------
// The first step of most rotated functions is one product z = M (x - shift) (or z = M x) of the
// table. The host evaluates it for a block of points at a time (rotate_block, called by the row
// driver, then each row's remaining steps): a register tile of points x coordinates (16 x 8 with
// AVX-512, see matmat_rows) accumulates over j while each matrix vector is loaded once for all
// its points, and the matrix strip of the tile's coordinates stays in L1 for the block, where the
// per-point product streams the whole D x D matrix (80 KB at D = 100) from L2 for every point.
// Each z_i is the same sum as matvec's, y_0 M_i0 + y_1 M_i1 + ... left to right with separate
// multiplies and adds, so the blocked values are bitwise those of the per-point code (which the
// device and the single-row entry points keep using).
#if defined(__GNUC__) && !defined(__CUDACC__)
#define SO_BBOB_BLOCKED 1
typedef double so_v4d __attribute__((vector_size(32)));
typedef double so_v8d __attribute__((vector_size(64)));
// one vector register of the path's widest kind (a 64-byte vector is split into two or four
// registers on AVX2 and SSE, where GCC scalarizes its selects: f23's sums 10x the time)
typedef double so_vnd __attribute__((vector_size(simd::kRegisterBytes)));
// the product tiles' vector: 256 bits where the path has them (AVX-512 takes 512-bit tiles
// first), SSE's 128 on the baseline path, where 256-bit tiles went through memory (the rotated
// functions at 0.03-0.06x the AVX2 path's rate on Zen 4, D = 40)
#if defined(__AVX__)
typedef so_v4d so_vtile;
#else
typedef so_vnd so_vtile;
#endif

// sizeof(Vec) / 8 consecutive matrix values from offset i
template <class Vec>
SO_HD_FORCE Vec loadv(const Exact& a, std::int64_t i) {
  Vec v;
  __builtin_memcpy(&v, a.p + i, sizeof v);
  return v;
}
template <class Vec>
SO_HD_FORCE Vec loadv(const Split& a, std::int64_t i) {
  constexpr int W = sizeof(Vec) / sizeof(double);
  Vec v;
  for (int k = 0; k < W; ++k) v[k] = double(a.hi[i + k]) + double(a.lo[i + k]);
  return v;
}

// z[r][i0 .. i0 + V W) for the R rows y[r] (d values each), W = the vector's doubles.
// bias (or nullptr): the sums start from bias_i (bias_i + y_0 M_i0 + ..., as matvec_bias).
template <int R, int V, class Vec, class A>
SO_HD_FORCE void matmat_tile(const A& MT, const A* bias, const double* const* y, int d, int i0,
                             double* const* z) {
  constexpr int W = sizeof(Vec) / sizeof(double);
  Vec acc[R][V];
  Vec c[V];
#pragma GCC unroll 8
  for (int v = 0; v < V; ++v) c[v] = loadv<Vec>(MT, i0 + W * v);
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) {
    const double y0 = y[r][0];
#pragma GCC unroll 8
    for (int v = 0; v < V; ++v) acc[r][v] = y0 * c[v];
  }
  if (bias) {
#pragma GCC unroll 8
    for (int v = 0; v < V; ++v) {
      const Vec b = loadv<Vec>(*bias, i0 + W * v);
#pragma GCC unroll 16
      for (int r = 0; r < R; ++r) acc[r][v] = b + acc[r][v];
    }
  }
  for (int j = 1; j < d; ++j) {
    const A col = MT + std::int64_t(j) * d;
#pragma GCC unroll 8
    for (int v = 0; v < V; ++v) c[v] = loadv<Vec>(col, i0 + W * v);
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
      const double yj = y[r][j];
#pragma GCC unroll 8
      for (int v = 0; v < V; ++v) acc[r][v] = acc[r][v] + yj * c[v];
    }
  }
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
    for (int v = 0; v < V; ++v) __builtin_memcpy(z[r] + i0 + W * v, &acc[r][v], sizeof(Vec));
}

// z[r] = M y[r] (+ bias, where not nullptr) for the nb rows y[r], each z[r]_i summed as
// matvec's (matvec_bias's). With AVX-512 (32 registers): 16 rows x 8 coordinates, one 512-bit
// accumulator per row, so that each y[r][j] is used once and rides in its multiply as an embedded
// broadcast (16 rows x 2 vectors, which broadcast each y[r][j] into a register for two
// multiplies, ran the product 1.2-1.35x slower on Zen 4, and 8 rows x 2 as before too); the
// coordinates left (fewer than 8), 16 rows x 4 in 256-bit vectors the same way. Elsewhere tiles
// of 4 rows x 2 so_vtile (8 coordinates in 256-bit vectors, 4 in SSE's): with 16 registers, the
// fastest of 4-16 rows x 1-2 vectors on the AVX2 path.
template <class A>
SO_HD void matmat_rows(const A& MT, const A* bias, const double* const* y, int nb, int d,
                       double* const* z) {
  int i = 0;
#if defined(__AVX512F__)
  // R rows x one vector of Vec at a time, fewer rows at the block's end
  auto strip = [&](auto vec, int i0) {
    using Vec = decltype(vec);
    int r = 0;
    for (; r + 16 <= nb; r += 16) matmat_tile<16, 1, Vec>(MT, bias, y + r, d, i0, z + r);
    for (; r + 8 <= nb; r += 8) matmat_tile<8, 1, Vec>(MT, bias, y + r, d, i0, z + r);
    for (; r < nb; ++r) matmat_tile<1, 1, Vec>(MT, bias, y + r, d, i0, z + r);
  };
  for (; i + 8 <= d; i += 8) strip(so_v8d{}, i);
  if (i + 4 <= d) {
    strip(so_v4d{}, i);
    i += 4;
  }
#else
  constexpr int W = int(sizeof(so_vtile) / sizeof(double));
  for (; i + 2 * W <= d; i += 2 * W) {
    int r = 0;
    for (; r + 4 <= nb; r += 4) matmat_tile<4, 2, so_vtile>(MT, bias, y + r, d, i, z + r);
    for (; r < nb; ++r) matmat_tile<1, 2, so_vtile>(MT, bias, y + r, d, i, z + r);
  }
  if (i + W <= d) {
    int r = 0;
    for (; r + 4 <= nb; r += 4) matmat_tile<4, 1, so_vtile>(MT, bias, y + r, d, i, z + r);
    for (; r < nb; ++r) matmat_tile<1, 1, so_vtile>(MT, bias, y + r, d, i, z + r);
    i += W;
  }
#endif
  for (; i < d; ++i)
    for (int r = 0; r < nb; ++r) {
      double s = bias ? (*bias)[i] + y[r][0] * MT[i] : y[r][0] * MT[i];
      for (int j = 1; j < d; ++j) s += y[r][j] * MT[std::int64_t(j) * d + i];
      z[r][i] = s;
    }
}
#endif

// z_i = sum_j M_ij y_j (MT column-major, see the top), each sum left to right over j.
// z must not alias y. On the host (CEC2017's rotations, BBOB's single rows) in register tiles of
// up to 8 vectors of coordinates that accumulate over j (matmat_tile with one row): the pass per
// j over z in memory loaded and stored every z_i D times (CEC2017 F1 at D = 50: 0.6x the time
// with the tiles); the same sums, bitwise.
template <class A>
SO_HD void matvec(const A& MT, const double* y, int d, double* z) {
#if defined(SO_BBOB_BLOCKED)
  constexpr int W = int(sizeof(so_vtile) / sizeof(double));
  if (d >= W) {
    const double* const yr[1] = {y};
    double* const zr[1] = {z};
    const A* const none = nullptr;  // no bias
    int i = 0;
    for (; i + 8 * W <= d; i += 8 * W) matmat_tile<1, 8, so_vtile>(MT, none, yr, d, i, zr);
    // the rest (v vectors, none where d is a multiple of 8 W) in one tile ending at d (it may
    // overlap the last tile: those z_i come out the same); where d is below v vectors (no full
    // tile before), v - 1 vectors from 0 and one vector ending at d
    int v = (d - i + W - 1) / W, i0 = d - v * W;
    if (i0 < 0) {
      --v;
      i0 = 0;
      matmat_tile<1, 1, so_vtile>(MT, none, yr, d, d - W, zr);
    }
    switch (v) {
      case 1: matmat_tile<1, 1, so_vtile>(MT, none, yr, d, i0, zr); break;
      case 2: matmat_tile<1, 2, so_vtile>(MT, none, yr, d, i0, zr); break;
      case 3: matmat_tile<1, 3, so_vtile>(MT, none, yr, d, i0, zr); break;
      case 4: matmat_tile<1, 4, so_vtile>(MT, none, yr, d, i0, zr); break;
      case 5: matmat_tile<1, 5, so_vtile>(MT, none, yr, d, i0, zr); break;
      case 6: matmat_tile<1, 6, so_vtile>(MT, none, yr, d, i0, zr); break;
      case 7: matmat_tile<1, 7, so_vtile>(MT, none, yr, d, i0, zr); break;
      case 8: matmat_tile<1, 8, so_vtile>(MT, none, yr, d, i0, zr); break;
      default: break;
    }
    return;
  }
#endif
  // (the device, and rows shorter than one vector)
  const double y0 = y[0];
  SO_SIMD
  for (int i = 0; i < d; ++i) z[i] = y0 * MT[i];
  for (int j = 1; j < d; ++j) {
    const double yj = y[j];
    const A col = MT + std::int64_t(j) * d;
    SO_SIMD
    for (int i = 0; i < d; ++i) z[i] += yj * col[i];
  }
}

// Where a function's first product is (Rotated): z = M (x - shift), or z = M x when shift < 0,
// or z = bias + M x when bias >= 0 (matvec_bias), with M at table offset `matrix`, written to the
// row scratch at offset `out`; no product where matrix < 0: z = x - shift (the separable f2-f4,
// which take the blocked driver for their middle_rows).
struct Rotation {
  std::int64_t matrix;
  std::int64_t shift;
  std::int64_t out;
  std::int64_t bias = -1;
};

// z = b + M x, each z_i = b_i + x_0 M_i0 + x_1 M_i1 + ... left to right (f9).
template <class A>
SO_HD void matvec_bias(const A& MT, const A& b, const double* x, int d, double* z) {
  const double x0 = x[0];
  for (int i = 0; i < d; ++i) z[i] = b[i] + x0 * MT[i];
  for (int j = 1; j < d; ++j) {
    const double xj = x[j];
    const A col = MT + std::int64_t(j) * d;
    SO_SIMD
    for (int i = 0; i < d; ++i) z[i] += xj * col[i];
  }
}

// the raw Rastrigin of f3 and f15 (defined below sum_nonnegative)
template <class M>
SO_HD double rastrigin_raw(const double* z, int d);

// Sums whose terms are all >= 0 (those of f1-f3, f5-f15, f24, f_pen; also f16's coordinate sum,
// whose error F16::finish bounds) as 8 interleaved partial
// sums (term i into sum i mod 8) added pairwise at the end, instead of COCO's left-to-right
// order: a fixed order, so the same double on every path and in every lane, and 8 independent
// chains where COCO's is one of 4 cycles per term. Without cancellation the order moves the value
// by a few ulp at most (and bounds the error lower than the sequential sum does). term(i): the
// i-th term, of type V (double, or RowLanes).
constexpr int kPartialSums = 8;
template <class V, class Term>
SO_HD V sum_nonnegative(int n, Term term) {
  V a[kPartialSums];
  for (int k = 0; k < kPartialSums; ++k) a[k] = 0.0;
  const int bulk = n - n % kPartialSums;
  for (int i = 0; i < bulk; i += kPartialSums)
    for (int k = 0; k < kPartialSums; ++k) a[k] += term(i + k);
  for (int i = bulk; i < n; ++i) a[i - bulk] += term(i);
  return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
}

// sum cos(2 pi z_i) in COCO's order (they cancel): the cosine sums of f3, f4, f15 and f24
template <class M>
SO_HD double cosine_sum(const double* z, int d) {
  double s = 0;
  for (int i = 0; i < d; ++i) s += cos_one_polynomial<M>(kTwoPi * z[i]);
  return s;
}

// 10 (D - s1) + s2 (inf stays inf) for the cosine sum s1 and the sum of squares s2
SO_HD double rastrigin_of_sums(double s1, double s2, int d) {
  if (math::abs(s2) == double(INFINITY)) return s2;
  return 10.0 * (double(d) - s1) + s2;
}
SO_HD double sum_of_squares(const double* z, int d) {
  return sum_nonnegative<double>(d, [z](int i) SO_LAMBDA_FORCE { return z[i] * z[i]; });
}

// 10 (D - sum cos(2 pi z_i)) + sum z_i^2, the raw Rastrigin of f3 and f15: the cosines in COCO's
// order, the squares in sum_nonnegative's partial sums
template <class M>
SO_HD double rastrigin_raw(const double* z, int d) {
  return rastrigin_of_sums(cosine_sum<M>(z, d), sum_of_squares(z, d), d);
}

// out[b] = the sum of the n terms of row b of terms (nb x n) from left to right (COCO's order),
// the rows side by side: nb independent chains of additions, where one row is a single chain
// (the blocked driver's finish_rows)
inline void row_sums_in_order(const double* terms, int nb, int n, double* out) {
  for (int b = 0; b < nb; ++b) out[b] = 0.0;
  for (int i = 0; i < n; ++i)
    for (int b = 0; b < nb; ++b) out[b] += terms[std::int64_t(b) * n + i];
}

// out[b] = cosine_sum(row b of z, d) for the nb rows of z (nb x d), bitwise: the cosines of all
// nb d coordinates in one vector loop into c (nb d doubles), where a row's own loop, its sum kept
// in order, leaves each cosine scalar; then the sums with the rows side by side (f3, f4, f15, f24)
template <class M>
inline void cosine_sums_of_rows(const double* z, int nb, int d, double* c, double* out) {
  const int m = nb * d;
  SO_SIMD
  for (int k = 0; k < m; ++k) c[k] = cos_one_polynomial<M>(kTwoPi * z[k]);
  row_sums_in_order(c, nb, d, out);
}

// v[b] = rastrigin_raw(row b of z) + f_opt for the nb rows of z (nb x d), the cosines over the
// block (cosine_sums_of_rows; scratch: nb d doubles): f3's and f15's finish over a block's rows
template <class M>
inline void rastrigin_rows(const double* z, int nb, int d, double* scratch, double f_opt, double* v) {
  cosine_sums_of_rows<M>(z, nb, d, scratch, v);
  for (int b = 0; b < nb; ++b)
    v[b] = rastrigin_of_sums(v[b], sum_of_squares(z + std::int64_t(b) * d, d), d) + f_opt;
}

// f_pen in sum_nonnegative's partial sums (COCO: left to right; its terms are >= 0): f7 0.93x the
// time, f4, f16-f18, f20, f23, f24 0.97-1.0x
SO_HD double penalty(const double* x, int d) {
  return sum_nonnegative<double>(d, [x](int i) SO_LAMBDA_FORCE {
    const double t = math::abs(x[i]) - 5.0;
    return t > 0.0 ? t * t : 0.0;
  });
}

// The sum of term(0), ..., term(n - 1) for n >= 8 in the order of simd::sum_zip over doubles
// (its 8 lanes: lane j the terms i = j mod 8 of the whole blocks, then the last 8 terms' block,
// which overlaps them, for the terms past the blocks only; the lanes added pairwise, j and j + 4
// first), for V = RowLanes (each lane a row) and the device, whose values then equal the host
// rows' simd::sum_zip bit for bit. (The lanes simd::sum_zip leaves out of its last block add a
// zero there: the same value, since the terms are not -0.)
template <class V, class Term>
SO_HD V sum_in_zip_order(int n, Term term) {
  constexpr int W = 8;
  static_assert(simd::Width<double>::value == W, "simd::sum_zip's lanes over doubles");
  V a[W];
  for (int j = 0; j < W; ++j) a[j] = term(j);
  const int bulk = n - n % W;
  for (int i = W; i < bulk; i += W)
    for (int j = 0; j < W; ++j) a[j] += term(i + j);
  if (bulk < n) {
    // lane by lane with a constant index: indexed by i, the accumulators went through memory
    // (f8 at D = 32 in lanes ran at 0.81x the rate)
    for (int j = 0; j < W; ++j)
      if (n - W + j >= bulk) a[j] += term(n - W + j);
  }
  for (int w = W / 2; w > 0; w /= 2)
    for (int j = 0; j < w; ++j) a[j] += a[j + w];
  return a[0];
}

// 100 sum (z_i^2 - z_{i+1})^2 + sum (z_i - 1)^2 (two separate sums, as in COCO) over
// z_i = coordinate(x[i], i); V: double, or RowLanes (below). From d = 9 on, each sum in
// simd::sum_zip's 8 lanes, vector code on a host row (GCC formed sum_nonnegative's terms here as
// scalars: f8's float64 rows at D = 40-100 now run 1.1-1.3x faster row by row than in lanes), in
// the same order everywhere else (sum_in_zip_order). `coordinate` lets a caller form z inside the
// sums instead of storing it first (f8's host rows, below); each z_i is the same double however
// often it is formed.
template <class V, class Coordinate>
SO_HD V rosenbrock_of(const V* x, int d, Coordinate coordinate) {
  auto a_term = [x, coordinate](int i) SO_LAMBDA_FORCE {
    const V zi = coordinate(x[i], i);
    const V a = zi * zi - coordinate(x[i + 1], i + 1);
    return a * a;
  };
  auto b_term = [x, coordinate](int i) SO_LAMBDA_FORCE {
    const V b = coordinate(x[i], i) - 1.0;
    return b * b;
  };
  if (d - 1 < 8)
    return 100.0 * sum_nonnegative<V>(d - 1, a_term) + sum_nonnegative<V>(d - 1, b_term);
#if !defined(__CUDA_ARCH__)
  if constexpr (std::is_same_v<V, double>) {
    const double s1 = simd::sum_zip(x, x + 1, d - 1, [coordinate](double xi, double xn, int i) SO_LAMBDA_FORCE {
      const double zi = coordinate(xi, i);
      const double a = zi * zi - coordinate(xn, i + 1);
      return a * a;
    });
    const double s2 = simd::sum(x, d - 1, [coordinate](double xi, int i) SO_LAMBDA_FORCE {
      const double b = coordinate(xi, i) - 1.0;
      return b * b;
    });
    return 100.0 * s1 + s2;
  }
#endif
  return 100.0 * sum_in_zip_order<V>(d - 1, a_term) + sum_in_zip_order<V>(d - 1, b_term);
}
template <class V>
SO_HD V rosenbrock_raw(const V* z, int d) {
  return rosenbrock_of(z, d, [](V zi, int) SO_LAMBDA_FORCE { return zi; });
}

SO_HD std::int64_t sq(int d) { return std::int64_t(d) * d; }

// ---- rows in lanes (host) ---------------------------------------------------------------------
// Where a BBOB sum keeps COCO's order, a row is a chain of dependent adds (4 cycles each). f8,
// whose steps are arithmetic only (F::kRowLanes), is therefore also written for V = RowLanes<L>,
// coordinate i of L rows side by side (the row driver transposes a block of rows):
// each lane performs the scalar code's operations in the same order (no contraction in this
// header), so each lane's value is bitwise the row's value, and one vector operation advances L
// chains.
// Measured (bench/RESULTS.md, "rows in lanes", and "BBOB's T_osz to a few ulp" for the later
// change): f8 takes 0.6-0.9x the per-row time at D = 20-100. f1 and f5 took the lanes too until
// their sums of non-negative terms became 8 partial sums per row (sum_nonnegative), after which
// the per-row path was faster than the lanes (0.74-0.82x for float rows, 0.62x for f5 at D = 100).
// GCC only (its vector extension, and its fp-contract pragma above, which the lanes rely on for
// rounding like the scalar code); elsewhere every row takes the per-row path.
#if defined(__GNUC__) && !defined(__clang__) && !defined(__CUDACC__)
#define SO_BBOB_LANES 1
#endif
#if defined(SO_BBOB_LANES)
// L rows side by side, L at most one register of the path's (8 rows with AVX-512, 4 with AVX2,
// 2 on the SSE baseline; the driver takes 4 for long rows, evaluate_kernels.cpp's
// kWideLanesRowBytes): wider vectors are split by GCC through memory where the path has no such
// register (f8 on the AVX2 path at 0.43x the AVX-512 path's rate with 8 rows, below the baseline
// path's). The lanes' values do not depend on their count.
//
// L doubles as a GCC/Clang vector: each operation below is one vector instruction, not left to
// the vectorizer (which this header's optimize pragma makes timid); aligned like a double, as the
// row driver's buffers are not vector-aligned. (GCC ignores vector_size on a type that depends
// on a template parameter, hence one specialization per count.)
template <int L>
struct LaneVector;
template <>
struct LaneVector<2> {
  typedef double type __attribute__((vector_size(16), aligned(8)));
};
template <>
struct LaneVector<4> {
  typedef double type __attribute__((vector_size(32), aligned(8)));
};
template <>
struct LaneVector<8> {
  typedef double type __attribute__((vector_size(64), aligned(8)));
};
template <int L>
struct RowLanes {
  static constexpr int kCount = L;
  typedef typename LaneVector<L>::type Vec;
  Vec v;
  RowLanes() = default;
  explicit RowLanes(Vec a) : v(a) {}
  RowLanes(double a) {
    for (int k = 0; k < kCount; ++k) v[k] = a;
  }
};
// one register of the path's
using WidestRowLanes = RowLanes<int(sizeof(so_vnd) / sizeof(double))>;
#define SO_LANES_OP(op)                                                               \
  template <int L>                                                                    \
  inline RowLanes<L> operator op(const RowLanes<L>& a, const RowLanes<L>& b) {        \
    return RowLanes<L>(a.v op b.v);                                                   \
  }                                                                                   \
  template <int L>                                                                    \
  inline RowLanes<L> operator op(const RowLanes<L>& a, double b) {                    \
    return RowLanes<L>(a.v op b);                                                     \
  }                                                                                   \
  template <int L>                                                                    \
  inline RowLanes<L> operator op(double a, const RowLanes<L>& b) {                    \
    return RowLanes<L>(a op b.v);                                                     \
  }                                                                                   \
  template <int L>                                                                    \
  inline RowLanes<L>& operator op##=(RowLanes<L>& a, const RowLanes<L>& b) {          \
    a.v = a.v op b.v;                                                                 \
    return a;                                                                         \
  }
SO_LANES_OP(+)
SO_LANES_OP(-)
SO_LANES_OP(*)
#undef SO_LANES_OP
#endif

// a < limit ? yes : no, lane by lane
SO_HD double select_below(double a, double limit, double yes, double no) { return a < limit ? yes : no; }
#if defined(SO_BBOB_LANES)
template <int L>
inline RowLanes<L> select_below(const RowLanes<L>& a, double limit, const RowLanes<L>& yes,
                                double no) {
  return RowLanes<L>(a.v < limit ? yes.v : RowLanes<L>(no).v);
}
#endif

// The part every function shares (F: the function, CRTP). F provides
//   static SO_HD std::int64_t size(int d): number of table values (before the residuals);
//   static SO_HD int work(int d): doubles of row scratch its eval needs;
//   template <class M, class A> static SO_HD double eval(const double* x, int d, const A& t,
//                                                        double* w): the value at x, with the
//     table read through t (Exact or Split) and w holding work(d) doubles.
template <class F>
struct Suite {
  static constexpr bool kNoGradient = true;
  static std::int64_t data_size(int d) { return 2 * F::size(d); }
  // In values of the evaluation type: the doubles of F's scratch and, for float, of x widened
  // (twice as many floats; the double path gets the same count and uses less).
  static int scratch(int d) { return 2 * (F::work(d) + d); }

  template <class M, class T>
  static SO_BBOB_ENTRY T value(const T* x, int d, const T*, const Context<T>& c) {
    if constexpr (std::is_same_v<T, double>) {
      return F::template eval<M>(x, d, Exact{c.table}, c.work);
    } else {
      // The float scratch (allocated with operator new, so aligned for double) is reused as
      // doubles: placement-new starts their lifetimes (no code is generated for it).
      double* w = static_cast<double*>(static_cast<void*>(c.work));
      const int n = F::work(d) + d;
      for (int k = 0; k < n; ++k) ::new (static_cast<void*>(w + k)) double;
      double* xd = w + F::work(d);
      for (int i = 0; i < d; ++i) xd[i] = double(x[i]);
      const T* t = c.table;
      return static_cast<T>(F::template eval<M>(xd, d, Split{t, t + F::size(d)}, w));
    }
  }

#if defined(SO_BBOB_LANES)
  // L rows at once (see "rows in lanes"): the nb <= L rows of X (row-major), the lanes past nb
  // repeating the last row; out[k] = value(row k), bitwise. buf: lanes_buffer(d) (any L).
  static int lanes_buffer(int d) { return (d + F::work(d)) * WidestRowLanes::kCount; }
  template <class M, int L, class T>
  static SO_BBOB_ENTRY void value_lanes(const T* X, int nb, int d, const Context<T>& c, double* buf,
                                        T* out) {
    using V = RowLanes<L>;
    const int nw = F::work(d);
    V* xl = static_cast<V*>(static_cast<void*>(buf));
    for (int i = 0; i < d + nw; ++i) ::new (static_cast<void*>(xl + i)) V;
    for (int k = 0; k < L; ++k) {
      const T* x = X + std::int64_t(k < nb ? k : nb - 1) * d;
      for (int i = 0; i < d; ++i) xl[i].v[k] = double(x[i]);
    }
    V r;
    if constexpr (std::is_same_v<T, double>) {
      r = F::template eval<M>(xl, d, Exact{c.table}, xl + d);
    } else {
      const T* t = c.table;
      r = F::template eval<M>(xl, d, Split{t, t + F::size(d)}, xl + d);
    }
    for (int k = 0; k < nb; ++k) out[k] = static_cast<T>(r.v[k]);
  }
#endif
};

// A function whose first step is one product (see "the rotation of a block of points"): F
// provides, in place of eval,
//   static SO_HD Rotation rotation(int d): where the product's operands and result lie;
//   template <class M, class A> static SO_HD double finish(const double* x, int d, const A& t,
//                                                          double* w): the value, given the
//     product in w at rotation(d).out;
// and, where a second product follows a per-coordinate transform (F::kSecond = true),
//   template <class A> static SO_HD void middle(int d, const A& t, double* w): the transform,
//     from the first product (in w) to the second one's input;
//   static SO_HD Product second(int d): the second product, w + out = M (w + in);
// finish then starts from the second product, at second(d).out.
// eval is the product for one point, [middle, the second product,] then finish; on the host the
// row driver may instead call rotate_block for a block of points, then finish_row for each.
struct Product {
  std::int64_t matrix;
  std::int64_t in;
  std::int64_t out;
};
SO_DECLARES(has_second, kSecond)
// F::kMiddleRows (host only): F::middle_rows(d, t, in, out, nb, scratch) is middle for the nb
// rows of in (nb x d, the first products, in middle's input order) into out (nb x d: the second
// product's inputs, or without kSecond what finish reads at F::middle_out(d)) at once, with
// F::kMiddleRows nb d doubles of scratch. A row's transform is a few dependent stage loops of d
// elements, bound by their latency; over the block's rows they are long enough to be bound by
// throughput (f10, f11, f15, f17, f18). Without kSecond, middle(d, t, w) is the per-row form of
// that transform, between the product and finish.
SO_DECLARES(has_middle_rows, kMiddleRows)
// F::kRowsFinish (host only): F::finish_rows<M>(d, t, x, z, nb, scratch, v) is finish for the nb
// rows of z (nb x d: what finish reads, which it may overwrite) at once into v[0 .. nb), x the nb
// points (nb x d, in double), with 2 nb d doubles of scratch, which may hold x (float points,
// widened): x is to be read before the scratch is written (d >= 2). f9: its Rosenbrock sum in
// lanes of rows. f17-f19, f21-f23: their
// vector loops and their sums in COCO's order run over the block, where a row's loops are short
// and its sum one chain of dependent additions, and f21/f22's T_osz for the block's values at
// once. f3, f4, f15, f24: their cosines in one vector loop over the block (f15 on the Zen 4: D =
// 2-3 0.6-0.7x the time, D = 5-10 0.75-0.9x, D = 20-100 even; on the Xeon an earlier form had
// measured 0.54-1.23x at D = 2-20). f3 and f4 (no product after middle_rows) get middle_rows'
// output as z and only kBlock d doubles of scratch, which do not hold x.
SO_DECLARES(has_rows_finish, kRowsFinish)
// F::kRowTail: finish(x, d, t, w) = tail<M>(partial(x, d, t, w), t[0]), see partial_row.
SO_DECLARES(has_block_tail, kRowTail)

template <class F>
struct Rotated : Suite<F> {
  template <class M, class A>
  static SO_HD double eval(const double* x, int d, const A& t, double* w) {
    const Rotation r = F::rotation(d);
    if (r.matrix < 0) {
      const A shift = t + r.shift;
      double* z = w + r.out;
      SO_SIMD
      for (int i = 0; i < d; ++i) z[i] = x[i] - shift[i];
    } else if (r.shift >= 0)
      matvec_shifted(t + r.matrix, x, t + r.shift, d, w + r.out);
    else if (r.bias >= 0)
      matvec_bias(t + r.matrix, t + r.bias, x, d, w + r.out);
    else
      matvec(t + r.matrix, x, d, w + r.out);
    if constexpr (has_second<F>::value) {
      F::middle(d, t, w);
      const Product s = F::second(d);
      matvec(t + s.matrix, w + s.in, d, w + s.out);
    } else if constexpr (has_middle_rows<F>::value) {
      F::middle(d, t, w);
    }
    return F::template finish<M>(x, d, t, w);
  }

#if defined(SO_BBOB_BLOCKED)
  static constexpr int kBlock = 16;  // points per rotate_block
  // Whether the row driver takes blocks at dimension d: always with a product; without one
  // (f2-f4, for their middle_rows) up to D = 64, beyond which a row's own stage loops are long
  // enough and the block's copies cost more (one thread, D = 100: f2 1.035x, f3 1.04x, f4 1.075x
  // the time of the per-row path; D = 64: 1.0x; D = 40: 0.88-0.94x; D = 2-20: 0.43-0.72x).
  static bool blocks_at(int d) { return F::rotation(d).matrix >= 0 || d <= 64; }
  // Doubles of rotate_block's buffer: the points widened (float), x - shift (then the second
  // product's inputs), the products[, middle_rows' scratch].
  static int block_buffer(int d) {
    int arrays = 3;
    if constexpr (has_middle_rows<F>::value) arrays += F::kMiddleRows;
    return arrays * kBlock * d;
  }

  // The products of the nb <= kBlock points X (row-major, nb x d) into buf (block_buffer(d));
  // work: the row scratch (as value's; middle runs there row by row).
  template <class T>
  static SO_BBOB_ENTRY void rotate_block(const T* X, int nb, int d, const T* table, double* buf,
                                         T* work) {
    const double* xs[kBlock];
    const double* ys[kBlock];
    double* zs[kBlock];
    double* xw = buf;
    double* yw = buf + std::int64_t(kBlock) * d;
    double* zw = yw + std::int64_t(kBlock) * d;
    for (int b = 0; b < nb; ++b) {
      const T* x = X + std::int64_t(b) * d;
      if constexpr (std::is_same_v<T, double>) {
        xs[b] = x;
      } else {
        double* xd = xw + std::int64_t(b) * d;
        for (int i = 0; i < d; ++i) xd[i] = double(x[i]);
        xs[b] = xd;
      }
      ys[b] = yw + std::int64_t(b) * d;
      zs[b] = zw + std::int64_t(b) * d;
    }
    const Rotation r = F::rotation(d);
    auto run = [&](const auto& t) {
      if (r.matrix < 0) {
        const auto shift = t + r.shift;
        for (int b = 0; b < nb; ++b) {
          double* z = zs[b];
          const double* x = xs[b];
          SO_SIMD
          for (int i = 0; i < d; ++i) z[i] = x[i] - shift[i];
        }
      } else if (r.shift >= 0) {
        const auto shift = t + r.shift;
        for (int b = 0; b < nb; ++b) {
          double* y = yw + std::int64_t(b) * d;
          const double* x = xs[b];
          for (int i = 0; i < d; ++i) y[i] = x[i] - shift[i];
        }
        matmat_rows(t + r.matrix, static_cast<decltype(&t)>(nullptr), ys, nb, d, zs);
      } else if (r.bias >= 0) {
        const auto bias = t + r.bias;
        matmat_rows(t + r.matrix, &bias, xs, nb, d, zs);
      } else {
        matmat_rows(t + r.matrix, static_cast<decltype(&t)>(nullptr), xs, nb, d, zs);
      }
      if constexpr (has_second<F>::value) {
        const Product s = F::second(d);
        if constexpr (has_middle_rows<F>::value) {
          F::middle_rows(d, t, zw, yw, nb, zw + std::int64_t(kBlock) * d);
        } else {
          double* w = doubles(work, d);
          for (int b = 0; b < nb; ++b) {
            for (int i = 0; i < d; ++i) w[r.out + i] = zs[b][i];
            F::middle(d, t, w);
            double* y = yw + std::int64_t(b) * d;
            for (int i = 0; i < d; ++i) y[i] = w[s.in + i];
          }
        }
        matmat_rows(t + s.matrix, static_cast<decltype(&t)>(nullptr), ys, nb, d, zs);
      } else if constexpr (has_middle_rows<F>::value) {
        F::middle_rows(d, t, zw, yw, nb, zw + std::int64_t(kBlock) * d);  // on_row reads yw
      }
    };
    if constexpr (std::is_same_v<T, double>)
      run(Exact{table});
    else
      run(Split{table, table + F::size(d)});
  }

  // The value of point b of the block that rotate_block left in buf, x being its row: finish on
  // the product (the row's steps after it, with the math policy M). c.work: as for value.
  template <class M, class T>
  static SO_BBOB_ENTRY T finish_row(const T* x, int b, int d, const Context<T>& c,
                                    const double* buf) {
    return static_cast<T>(on_row(x, b, d, c, buf, [d](const double* xr, const auto& t, double* w) {
      return F::template finish<M>(xr, d, t, w);
    }));
  }

  // Functions with a finish over rows (has_rows_finish): the values of the nb points of the block
  // that rotate_block left in buf, at once (v: nb of them). The products (of the second product,
  // if any) sit where on_row finds them, after the widened points and the product's inputs, which
  // are consumed by then: the scratch.
  // Functions with middle_rows and no second product (f3, f4) finish on middle_rows' output
  // instead, with the product's rows (consumed by middle_rows) as the scratch: kBlock d doubles.
  template <class M, class T>
  static SO_BBOB_ENTRY void finish_block(const T* X, int nb, int d, const Context<T>& c, double* buf,
                                         double* v) {
    constexpr bool kOnMiddle = has_middle_rows<F>::value && !has_second<F>::value;
    double* z = buf + std::int64_t(kOnMiddle ? kBlock : 2 * kBlock) * d;
    double* scratch = kOnMiddle ? buf + std::int64_t(2 * kBlock) * d : buf;
    if constexpr (std::is_same_v<T, double>)
      F::template finish_rows<M>(d, Exact{c.table}, X, z, nb, scratch, v);
    else  // rotate_block's widened points, at the scratch's start
      F::template finish_rows<M>(d, Split{c.table, c.table + F::size(d)}, buf, z, nb, scratch, v);
  }

  // Functions with a row tail (has_block_tail: finish = tail(partial), tail a function of one
  // number per row, f6's T_osz(s)^0.9): the row driver takes the partials of a block of points
  // row by row (partial_row), then the tails of the whole block in one vector loop (tail_block),
  // where the C library would take its scalar calls row by row.
  template <class T>
  static SO_BBOB_ENTRY double partial_row(const T* x, int b, int d, const Context<T>& c,
                                          const double* buf) {
    return on_row(x, b, d, c, buf, [d](const double* xr, const auto& t, double* w) {
      return F::partial(xr, d, t, w);
    });
  }
  // v[b] = tail(s[b]) for the kBlock rows of a block (F::tail_rows: the vector forms, bitwise
  // tail<FastMath>'s values).
  template <class T>
  static SO_BBOB_ENTRY void tail_block(const double* s, T* v, int d, const Context<T>& c) {
    if constexpr (std::is_same_v<T, double>) {
      F::tail_rows(s, v, kBlock, Exact{c.table}[0]);
    } else {
      double f[kBlock];
      F::tail_rows(s, f, kBlock, Split{c.table, c.table + F::size(d)}[0]);
      for (int b = 0; b < kBlock; ++b) v[b] = static_cast<T>(f[b]);
    }
  }

 private:
  // fn(x in double, the table's view, w) for point b of the block that rotate_block left in buf,
  // with its product copied to where finish expects it in the row scratch (c.work, as for value).
  template <class T, class Fn>
  static SO_HD_FORCE double on_row(const T* x, int b, int d, const Context<T>& c, const double* buf,
                                   Fn fn) {
    const double* z = buf + std::int64_t(2 * kBlock + b) * d;
    double* w = doubles(c.work, d);
    std::int64_t out;
    if constexpr (has_second<F>::value) {
      out = F::second(d).out;
    } else if constexpr (has_middle_rows<F>::value) {
      out = F::middle_out(d);
      z = buf + std::int64_t(kBlock + b) * d;  // middle_rows' output
    } else {
      out = F::rotation(d).out;
    }
    for (int i = 0; i < d; ++i) w[out + i] = z[i];
    if constexpr (std::is_same_v<T, double>) {
      return fn(x, Exact{c.table}, w);
    } else {
      const double* xd = buf + std::int64_t(b) * d;
      const T* t = c.table;
      return fn(xd, Split{t, t + F::size(d)}, w);
    }
  }

  // The row scratch as F::work(d) doubles (for float, starting their lifetimes, as value does).
  template <class T>
  static SO_HD_FORCE double* doubles(T* work, int d) {
    double* w = static_cast<double*>(static_cast<void*>(work));
    if constexpr (!std::is_same_v<T, double>) {
      const int n = F::work(d);
      for (int k = 0; k < n; ++k) ::new (static_cast<void*>(w + k)) double;
    }
    return w;
  }
#endif
};

// ---- the functions ---------------------------------------------------------------------------
// Each comment gives the definition (as in the reference), the table layout (before the
// residuals) and the scratch.

// f1 sphere: f = ||x - shift||^2 + f_opt.
// table: [f_opt, shift(D)]
struct F1 : Suite<F1> {
  static SO_HD std::int64_t size(int d) { return 1 + d; }
  static SO_HD int work(int) { return 0; }
  template <class M, class A, class V>
  static SO_HD V eval(const V* x, int d, const A& t, V*) {
    const A shift = t + 1;
    const V s = sum_nonnegative<V>(d, [x, shift](int i) SO_LAMBDA_FORCE {
      const V z = x[i] - shift[i];
      return z * z;
    });
    return s + t[0];
  }
};

// T_osz between the first product (at the row scratch's start) and finish, which reads its
// output d further on, row by row or over the block's rows (middle_rows): f2, f4, f10, f11.
struct ToszAfterProduct {
  template <class A>
  static SO_HD void middle(int d, const A&, double* y) {
    tosz_array(y, y + d, d);
  }
  static constexpr int kMiddleRows = 0;
  template <class A>
  static void middle_rows(int d, const A&, const double* in, double* out, int nb, double*) {
    tosz_array(in, out, nb * d);
  }
  static SO_HD std::int64_t middle_out(int d) { return d; }
};

// f2 separable ellipsoid: z = T_osz(x - shift), f = sum w_i z_i^2 + f_opt.
// table: [f_opt, shift(D), weights(D)]; scratch: x - shift, z (2D). Rotated without a product,
// for the blocked driver's middle_rows (T_osz over a block of rows).
struct F2 : Rotated<F2>, ToszAfterProduct {
  static SO_HD std::int64_t size(int d) { return 1 + 2 * d; }
  static SO_HD int work(int d) { return 2 * d; }
  static SO_HD Rotation rotation(int) { return {-1, 1, 0}; }  // u = x - shift
  template <class M, class A>
  static SO_HD double finish(const double*, int d, const A& t, double* u) {
    const A w = t + 1 + d;
    const double* z = u + d;
    return sum_nonnegative<double>(d, [w, z](int i) SO_LAMBDA_FORCE { return w[i] * z[i] * z[i]; }) + t[0];
  }
};

// f3 separable Rastrigin: z = lambda * T_asy^0.2(T_osz(x - shift)), f = rastrigin(z) + f_opt.
// table: [f_opt, shift(D), lambda(D), T_asy's c_i(D)]; scratch: x - shift, z, T_asy's (4D).
// Rotated without a product (as f2).
struct F3 : Rotated<F3> {
  static SO_HD std::int64_t size(int d) { return 1 + 3 * d; }
  static SO_HD int work(int d) { return 4 * d; }
  static SO_HD Rotation rotation(int) { return {-1, 1, 0}; }  // u = x - shift
  template <class A>
  static SO_HD void middle(int d, const A& t, double* u) {  // T_asy(T_osz(u))
    tasy_tosz_array(u, u + d, d, t + 1 + 2 * d, u + 2 * d);
  }
  static constexpr int kMiddleRows = 2;
  template <class A>
  static void middle_rows(int d, const A& t, const double* in, double* out, int nb, double* scratch) {
    tasy_tosz_rows(in, out, nb, d, t + 1 + 2 * d, scratch);
  }
  static SO_HD std::int64_t middle_out(int d) { return d; }
  template <class M, class A>
  static SO_HD double finish(const double*, int d, const A& t, double* u) {
    double* z = u + d;
    scale(d, t, z);
    return rastrigin_raw<M>(z, d) + t[0];
  }
  template <class A>
  static SO_HD void scale(int d, const A& t, double* z) {  // z = lambda z
    const A lam = t + 1 + d;
    SO_SIMD
    for (int i = 0; i < d; ++i) z[i] = lam[i] * z[i];
  }
#if defined(SO_BBOB_BLOCKED)
  // The same over the block's rows (rastrigin_rows); finish's values bit for bit.
  static constexpr bool kRowsFinish = true;
  template <class M, class A>
  static void finish_rows(int d, const A& t, const double*, double* z, int nb, double* scratch,
                          double* v) {
    for (int b = 0; b < nb; ++b) scale(d, t, z + std::int64_t(b) * d);
    rastrigin_rows<M>(z, nb, d, scratch, t[0], v);
  }
#endif
};

// f4 Bueche-Rastrigin: u = T_osz(x - shift), z_i = (u_i > 0 ? lambda_pos_i : lambda_i) u_i,
// f = 10 (D - sum cos 2 pi z) + sum z^2 + f_opt + penalty_factor f_pen(x).
// table: [f_opt, penalty_factor, shift(D), lambda(D), lambda_pos(D)]; scratch: x - shift, z (2D).
// Rotated without a product (as f2).
struct F4 : Rotated<F4>, ToszAfterProduct {
  static SO_HD std::int64_t size(int d) { return 2 + 3 * d; }
  static SO_HD int work(int d) { return 2 * d; }
  static SO_HD Rotation rotation(int) { return {-1, 2, 0}; }  // v = x - shift
  template <class M, class A>
  static SO_HD double finish(const double* x, int d, const A& t, double* v) {
    double* z = v + d;
    scale(d, t, z);
    const double s1 = cosine_sum<M>(z, d);
    double s2 = 0;
    for (int i = 0; i < d; ++i) s2 += z[i] * z[i];
    return bueche_rastrigin_of_sums(s1, s2, d, t, x);
  }
  // z_i = (u_i > 0 ? lambda_pos_i : lambda_i) u_i in place
  template <class A>
  static SO_HD void scale(int d, const A& t, double* z) {
    const A lam = t + 2 + d, lam_pos = lam + d;
    SO_SIMD
    for (int i = 0; i < d; ++i) {
      const double u = z[i];
      z[i] = (u > 0.0 ? lam_pos[i] : lam[i]) * u;
    }
  }
  // 10 (D - s1) + s2 + f_opt + penalty_factor f_pen(x) for the cosine sum s1, the sum of squares s2
  template <class A>
  static SO_HD double bueche_rastrigin_of_sums(double s1, double s2, int d, const A& t,
                                               const double* x) {
    const double raw = 10.0 * (double(d) - s1) + s2 + 0.0;
    return (raw + t[0]) + t[1] * penalty(x, d);
  }
#if defined(SO_BBOB_BLOCKED)
  // The same over the block's rows: the cosines in one vector loop (cosine_sums_of_rows), both
  // sums in COCO's order with the rows side by side; finish's values bit for bit.
  static constexpr bool kRowsFinish = true;
  template <class M, class A>
  static void finish_rows(int d, const A& t, const double* x, double* z, int nb, double* scratch,
                          double* v) {
    for (int b = 0; b < nb; ++b) scale(d, t, z + std::int64_t(b) * d);
    cosine_sums_of_rows<M>(z, nb, d, scratch, v);
    const int m = nb * d;
    SO_SIMD
    for (int k = 0; k < m; ++k) scratch[k] = z[k] * z[k];
    double s2[kBlock];
    row_sums_in_order(scratch, nb, d, s2);
    for (int b = 0; b < nb; ++b)
      v[b] = bueche_rastrigin_of_sums(v[b], s2[b], d, t, x + std::int64_t(b) * d);
  }
#endif
};

// f5 linear slope: f = sum 5|s_i| - s_i x_i, with x_i replaced by x_opt_i where
// x_i x_opt_i >= 25 (beyond the boundary on the optimum's side), + f_opt.
// table: [f_opt, x_opt(D), slope(D)]
struct F5 : Suite<F5> {
  static SO_HD std::int64_t size(int d) { return 1 + 2 * d; }
  static SO_HD int work(int) { return 0; }
  template <class M, class A, class V>
  static SO_HD V eval(const V* x, int d, const A& t, V*) {
    const A best = t + 1, s = best + d;
    // each term is >= 0 (s_i x_i <= 5 |s_i| once x_i is held at the optimum's bound)
    const V acc = sum_nonnegative<V>(d, [x, best, s](int i) SO_LAMBDA_FORCE {
      const double b = best[i], si = s[i];
      const V xi = select_below(x[i] * b, 25.0, x[i], b);
      return 5.0 * math::abs(si) - si * xi;
    });
    return acc + t[0];
  }
};

// f6 attractive sector: z = M (x - shift) with M = R Lambda^10 Q,
// f = T_osz(sum (shift_i z_i > 0 ? 1e4 z_i^2 : z_i^2))^0.9 + f_opt.
// table: [f_opt, shift(D), M(D*D)]; scratch: z(D)
struct F6 : Rotated<F6> {
  static SO_HD std::int64_t size(int d) { return 1 + d + sq(d); }
  static SO_HD int work(int d) { return d; }
  static SO_HD Rotation rotation(int d) { return {1 + d, 1, 0}; }  // z = M (x - shift)
  static constexpr bool kRowTail = true;
  template <class A>
  static SO_HD double partial(const double*, int d, const A& t, double* z) {
    const A shift = t + 1;
    return sum_nonnegative<double>(d, [shift, z](int i) SO_LAMBDA_FORCE {
      return shift[i] * z[i] > 0.0 ? (100.0 * 100.0) * z[i] * z[i] : z[i] * z[i];
    });
  }
  // T_osz(s)^0.9 + f_opt, s >= 0. On the host (FastMath), to a few ulp, vectorizable: with
  // vecmath.hpp's T_osz(s) = s exp(w), T_osz(s)^0.9 = s exp(0.9 w - 0.1 log s), whose exponent
  // (|0.1 log s| <= ~3) carries 0.1 of log's error where pow(T_osz(s), 0.9) would carry 0.9 of
  // pow's. f - f_opt >= 0, so its relative error stays f's (COCO's own rounding of u inside
  // T_osz moves its value by up to ~2.5e-15). NaN (the whole row again with the C library)
  // where T_osz leaves vecmath's range (s > 1e30 or 0 < s < 1e-30).
  template <class M>
  static SO_HD double tail(double s, double f_opt) {
#if !defined(__CUDA_ARCH__)
    if constexpr (std::is_same_v<M, math::FastMath>) {
      const double l = vm::log_few_ulp(s);
      return tail_after_log(s, l, f_opt);
    }
#endif
    return c_pow(tosz(s), 0.9) + f_opt;
  }
#if !defined(__CUDA_ARCH__)
  static SO_HD_FORCE double tail_after_log(double s, double l, double f_opt) {
    const double w = vm::tosz_stage_sines(s, 10.0 * l);
    const double r = s * vm::exp_few_ulp(0.9 * w - 0.1 * l);
    return (s > 0.0 ? r : s) + f_opt;
  }
#endif
#if defined(SO_BBOB_BLOCKED)
  // v[b] = tail<FastMath>(s[b]) for n <= kBlock rows, in two loops (the logs, then the rest): one
  // loop with both the log and T_osz's sines GCC 12 leaves scalar ("no vectype" for the load of
  // s[b]), each stage alone it vectorizes.
  static void tail_rows(const double* s, double* v, int n, double f_opt) {
    double l[kBlock];
    SO_SIMD_LATENCY_BOUND
    for (int b = 0; b < n; ++b) l[b] = vm::log_few_ulp(s[b]);
    SO_SIMD_LATENCY_BOUND
    for (int b = 0; b < n; ++b) v[b] = tail_after_log(s[b], l[b], f_opt);
  }
#endif
  template <class M, class A>
  static SO_HD double finish(const double* x, int d, const A& t, double* z) {
    return tail<M>(partial(x, d, t, z), t[0]);
  }
};

// f7 step ellipsoid: zhat = M (x - shift) with M = Lambda^10 Q, rounded (to integers where
// |zhat_i| > 0.5, else to 0.1), z = R zround,
// f = 0.1 max(|zhat_1| 1e-4, sum w_i z_i^2) + penalty_factor f_pen(x) + f_opt.
// table: [f_opt, penalty_factor, shift(D), weights(D), M(D*D), R(D*D)]; scratch: zhat, z (2D)
struct F7 : Rotated<F7> {
  static SO_HD std::int64_t size(int d) { return 2 + 2 * d + 2 * sq(d); }
  static SO_HD int work(int d) { return 2 * d; }
  static SO_HD Rotation rotation(int d) { return {2 + 2 * d, 2, 0}; }  // zh = M (x - shift)
  static constexpr bool kSecond = true;
  template <class A>
  static SO_HD void middle(int d, const A&, double* zh) {
    for (int i = 0; i < d; ++i) {
      const double v = zh[i];
      zh[i] = math::abs(v) > 0.5 ? math::floor(v + 0.5) : math::floor(10.0 * v + 0.5) / 10.0;
    }
  }
  static SO_HD Product second(int d) { return {2 + 2 * d + sq(d), 0, d}; }  // z = R zround
  template <class M, class A>
  static SO_HD double finish(const double* x, int d, const A& t, double* zh) {
    const A w = t + 2 + d;
    const double* z = zh + d;
    const double s = sum_nonnegative<double>(d, [w, z](int i) SO_LAMBDA_FORCE { return w[i] * z[i] * z[i]; });
    // zhat_1 again, from x: the row driver rotates a block of points before it finishes each
    // one, so nothing but the second product's output survives per point in the scratch. The
    // same products, in the same order, as the first product's row 0 (matvec_shifted).
    const Rotation r = rotation(d);
    const A m = t + r.matrix, shift = t + r.shift;
    double x1 = (x[0] - shift[0]) * m[0];
    for (int j = 1; j < d; ++j) x1 += (x[j] - shift[j]) * m[std::int64_t(j) * d];
    const double a = math::abs(x1) * 1.0e-4;
    return 0.1 * (a >= s ? a : s) + penalty(x, d) * t[1] + t[0];
  }
};

// f8 Rosenbrock: z = scale (x - shift) + 1, f = rosenbrock(z) + f_opt.
// table: [f_opt, scale, shift(D)]; scratch: z(D)
struct F8 : Suite<F8> {
  static SO_HD std::int64_t size(int d) { return 2 + d; }
  static SO_HD int work(int d) { return d; }
  static constexpr bool kRowLanes = true;  // see "rows in lanes"
  template <class M, class A, class V>
  static SO_HD V eval(const V* x, int d, const A& t, V* z) {
    const double scale = t[1];
    const A shift = t + 2;
    auto coordinate = [scale, shift](V xi, int i) SO_LAMBDA_FORCE { return scale * (xi - shift[i]) - (-1.0); };
#if !defined(__CUDA_ARCH__)
    // A host row's z formed inside the sums' lanes, not stored first: the sums read z + 1 as whole
    // vectors right after z was stored in narrower ones (the AVX-512 copy stores 256 bits at a
    // time), a load the store buffer cannot forward (`perf`: the avx2 path ran these rows 1.2x
    // faster than the avx512 path)
    if constexpr (std::is_same_v<V, double>) return rosenbrock_of(x, d, coordinate) + t[0];
#endif
    for (int i = 0; i < d; ++i) z[i] = coordinate(x[i], i);
    return rosenbrock_raw(z, d) + t[0];
  }
};

// f9 rotated Rosenbrock: z = b + M x with M = scale R (b = 1/2), f = rosenbrock(z) + f_opt.
// table: [f_opt, b(D), M(D*D)]; scratch: z(D)
struct F9 : Rotated<F9> {
  static SO_HD std::int64_t size(int d) { return 1 + d + sq(d); }
  static SO_HD int work(int d) { return d; }
  static SO_HD Rotation rotation(int d) { return {1 + d, -1, 0, 1}; }  // z = b + M x
  template <class M, class A>
  static SO_HD double finish(const double*, int d, const A& t, double* z) {
    return rosenbrock_raw(z, d) + t[0];
  }
#if defined(SO_BBOB_LANES)
  // The same for the block's rows, L at a time in lanes (f8's "rows in lanes"; each lane bitwise
  // its row's finish): at D = 3-10 about 2x a row's own sums (partial sums or sum_zip's lanes),
  // level with them at D = 40-100.
  static constexpr bool kRowsFinish = true;
  template <class M, class A>
  static void finish_rows(int d, const A& t, const double*, double* z, int nb, double* scratch,
                          double* v) {
    using V = WidestRowLanes;
    constexpr int L = V::kCount;
    V* zl = static_cast<V*>(static_cast<void*>(scratch));  // d lanes: L d <= 2 nb d doubles
    int b = 0;
    for (; b + L <= nb; b += L) {
      // coordinate by coordinate (lanes written together): row by row, as value_lanes reads its
      // points, f9 at D = 10 ran at 0.87x the rate
      for (int i = 0; i < d; ++i) {
        ::new (static_cast<void*>(zl + i)) V;
        for (int k = 0; k < L; ++k) zl[i].v[k] = z[std::int64_t(b + k) * d + i];
      }
      const V r = rosenbrock_raw(zl, d);
      for (int k = 0; k < L; ++k) v[b + k] = r.v[k] + t[0];
    }
    for (; b < nb; ++b) v[b] = rosenbrock_raw(z + std::int64_t(b) * d, d) + t[0];
  }
#endif
};

// f10 rotated ellipsoid: z = T_osz(R (x - shift)), f = sum w_i z_i^2 + f_opt.
// table: [f_opt, shift(D), weights(D), R(D*D)]; scratch: R (x - shift), z (2D)
struct F10 : Rotated<F10>, ToszAfterProduct {
  static SO_HD std::int64_t size(int d) { return 1 + 2 * d + sq(d); }
  static SO_HD int work(int d) { return 2 * d; }
  static SO_HD Rotation rotation(int d) { return {1 + 2 * d, 1, 0}; }  // y = R (x - shift)
  template <class M, class A>
  static SO_HD double finish(const double*, int d, const A& t, double* y) {
    const A w = t + 1 + d;
    const double* z = y + d;
    return sum_nonnegative<double>(d, [w, z](int i) SO_LAMBDA_FORCE { return w[i] * z[i] * z[i]; }) + t[0];
  }
};

// f11 discus: z = T_osz(R (x - shift)), f = 1e6 z_1^2 + sum_{i>1} z_i^2 + f_opt.
// table: [f_opt, shift(D), R(D*D)]; scratch: R (x - shift), z (2D)
struct F11 : Rotated<F11>, ToszAfterProduct {
  static SO_HD std::int64_t size(int d) { return 1 + d + sq(d); }
  static SO_HD int work(int d) { return 2 * d; }
  static SO_HD Rotation rotation(int d) { return {1 + d, 1, 0}; }  // y = R (x - shift)
  template <class M, class A>
  static SO_HD double finish(const double*, int d, const A& t, double* y) {
    const double* z = y + d;
    return sum_nonnegative<double>(d, [z](int i) SO_LAMBDA_FORCE {
      return (i == 0 ? 1.0e6 : 1.0) * z[i] * z[i];  // 1e6 z_1^2 + sum_{i>1} z_i^2
    }) + t[0];
  }
};

// f12 bent cigar: z = R T_asy^0.5(R (x - shift)), f = z_1^2 + 1e6 sum_{i>1} z_i^2 + f_opt.
// table: [f_opt, shift(D), R(D*D), T_asy's c_i(D)]; scratch: y = R (x - shift) and then z,
// T_asy(y) (2D)
struct F12 : Rotated<F12> {
  static SO_HD std::int64_t size(int d) { return 1 + 2 * d + sq(d); }
  static SO_HD int work(int d) { return 2 * d; }
  static SO_HD Rotation rotation(int d) { return {1 + d, 1, 0}; }  // y = R (x - shift)
  static constexpr bool kSecond = true;
  // T_asy to a few ulp on the host (tasy_rows<true>, over the block's rows at once; one thread,
  // 0.61x the time at D = 40, 0.67x at 100, of the C library's pow row by row; cocoex agreement
  // 5.5e-15 of max(|f|, |f_opt|) on the wider sample, 7e-16 with the C library's)
  template <class A>
  static SO_HD void middle(int d, const A& t, double* y) {
    tasy_rows<true>(y, y + d, 1, d, t + 1 + d + sq(d));
  }
  static constexpr int kMiddleRows = 0;
  template <class A>
  static void middle_rows(int d, const A& t, const double* in, double* out, int nb, double*) {
    tasy_rows<true>(in, out, nb, d, t + 1 + d + sq(d));
  }
  static SO_HD Product second(int d) { return {1 + d, d, 0}; }  // z = R T_asy(y)
  template <class M, class A>
  static SO_HD double finish(const double*, int d, const A& t, double* z) {
    const double s = sum_nonnegative<double>(d - 1, [z](int i) SO_LAMBDA_FORCE {
      return 1.0e6 * z[i + 1] * z[i + 1];
    });
    return (z[0] * z[0] + s) + t[0];
  }
};

// f13 sharp ridge: z = M (x - shift) with M = R Lambda^10 Q,
// f = z_1^2 + 100 sqrt(sum_{i>1} z_i^2) + f_opt.
// table: [f_opt, shift(D), M(D*D)]; scratch: z(D)
struct F13 : Rotated<F13> {
  static SO_HD std::int64_t size(int d) { return 1 + d + sq(d); }
  static SO_HD int work(int d) { return d; }
  static SO_HD Rotation rotation(int d) { return {1 + d, 1, 0}; }  // z = M (x - shift)
  template <class M, class A>
  static SO_HD double finish(const double*, int d, const A& t, double* z) {
    const double s = sum_nonnegative<double>(d - 1, [z](int i) SO_LAMBDA_FORCE { return z[i + 1] * z[i + 1]; });
    return 100.0 * math::sqrt(s / 1.0) + z[0] * z[0] / 1.0 + t[0];
  }
};

// f14 different powers: z = R (x - shift), f = sqrt(sum |z_i|^e_i) + f_opt, e_i = 2 + 4i/(D-1).
// table: [f_opt, shift(D), exponents(D), R(D*D)]; scratch: z, the terms (2D)
struct F14 : Rotated<F14> {
  static SO_HD std::int64_t size(int d) { return 1 + 2 * d + sq(d); }
  static SO_HD int work(int d) { return 2 * d; }
  static SO_HD Rotation rotation(int d) { return {1 + 2 * d, 1, 0}; }  // z = R (x - shift)
  // the terms |z_i|^e_i (in: z, out: the terms) of one row, or of nb rows at once with the
  // exponents repeated row after row in scratch (one loop of nb d elements: the rows' own loops of
  // d were bound by the latency of pow's chain at small D). On the host a few ulp
  // (vm::pow_few_ulp), not the C library's rounding: no amplifier follows, and the sum of
  // non-negative terms is 8 partial sums; NaN only from NaN input.
  template <class A>
  static SO_HD void middle(int d, const A& t, double* z) {
    const A e = t + 1 + d;
    double* term = z + d;
#if defined(__CUDA_ARCH__)
    for (int i = 0; i < d; ++i) term[i] = c_pow(math::abs(z[i]), e[i]);
#else
    SO_SIMD_LATENCY_BOUND
    for (int i = 0; i < d; ++i) term[i] = vm::pow_few_ulp(math::abs(z[i]), e[i]);
#endif
  }
  static constexpr int kMiddleRows = 1;
  template <class A>
  static void middle_rows(int d, const A& t, const double* in, double* out, int nb, double* scratch) {
    vm::repeat_per_row(t + 1 + d, scratch, nb, d);
    const int m = nb * d;
    SO_SIMD_LATENCY_BOUND
    for (int k = 0; k < m; ++k) out[k] = vm::pow_few_ulp(math::abs(in[k]), scratch[k]);
  }
  static SO_HD std::int64_t middle_out(int d) { return d; }
  template <class M, class A>
  static SO_HD double finish(const double*, int d, const A& t, double* z) {
    const double* term = z + d;
    const double s = sum_nonnegative<double>(d, [term](int i) SO_LAMBDA_FORCE { return term[i]; });
    return math::sqrt(s) + t[0];
  }
};

// f15 rotated Rastrigin: z = M T_asy^0.2(T_osz(R (x - shift))) with M = R Lambda^10 Q,
// f = rastrigin(z) + f_opt.
// table: [f_opt, shift(D), R(D*D), M(D*D), T_asy's c_i(D)]; scratch: y = R (x - shift) and then
// z, y' = T_asy(T_osz(y)), T_asy's (4D)
struct F15 : Rotated<F15> {
  static SO_HD std::int64_t size(int d) { return 1 + 2 * d + 2 * sq(d); }
  static SO_HD int work(int d) { return 4 * d; }
  static SO_HD Rotation rotation(int d) { return {1 + d, 1, 0}; }  // y = R (x - shift)
  static constexpr bool kSecond = true;
  template <class A>
  static SO_HD void middle(int d, const A& t, double* y) {
    tasy_tosz_array(y, y + d, d, t + 1 + d + 2 * sq(d), y + 2 * d);
  }
  static constexpr int kMiddleRows = 2;
  template <class A>
  static void middle_rows(int d, const A& t, const double* in, double* out, int nb, double* scratch) {
    tasy_tosz_rows(in, out, nb, d, t + 1 + d + 2 * sq(d), scratch);
  }
  static SO_HD Product second(int d) { return {1 + d + sq(d), d, 0}; }  // z = M y'
  template <class M, class A>
  static SO_HD double finish(const double*, int d, const A& t, double* z) {
    return rastrigin_raw<M>(z, d) + t[0];
  }
#if defined(SO_BBOB_BLOCKED)
  // The same over the block's rows (cosine_sums_of_rows); finish's values bit for bit.
  static constexpr bool kRowsFinish = true;
  template <class M, class A>
  static void finish_rows(int d, const A& t, const double*, double* z, int nb, double* scratch,
                          double* v) {
    rastrigin_rows<M>(z, nb, d, scratch, t[0], v);
  }
#endif
};

// f16 Weierstrass: z = M T_osz(R (x - shift)) with M = R Lambda^(1/100) Q,
// f = 10 (1/D sum_i sum_k a_k cos(2 pi b_k (z_i + 1/2)) - f0)^3 + penalty_factor f_pen(x) + f_opt.
// table: [f_opt, penalty_factor, f0, ak(12), bk(12), shift(D), R(D*D), M(D*D)];
// scratch: T_osz(y), y and then z (2D; T_osz's scratch after them), the 12 D phases and their
// cosines
struct F16 : Rotated<F16> {
  static constexpr int kTerms = 12;
  static SO_HD std::int64_t size(int d) { return 3 + 2 * kTerms + d + 2 * sq(d); }
  static SO_HD int work(int d) { return 2 * d + 2 * kTerms * d; }
  static SO_HD Rotation rotation(int d) {  // y = R (x - shift), at offset d
    return {3 + 2 * kTerms + d, 3 + 2 * kTerms, d};
  }
  static constexpr bool kSecond = true;
  template <class A>
  static SO_HD void middle(int d, const A&, double* y) {
    // T_osz bitwise as COCO's: the 3^11 frequencies of the sum below turn one ulp of T_osz
    // into up to 3e-12 of f (measured with vecmath.hpp's few-ulp T_osz, which rounds
    // differently from glibc in about one case in 10^4)
    tosz_exact_array(y + d, y, d, y + 2 * d);
  }
  static constexpr int kMiddleRows = 2;
  template <class A>
  static void middle_rows(int d, const A&, const double* in, double* out, int nb, double* scratch) {
    tosz_exact_array(in, out, nb * d, scratch);
  }
  static SO_HD Product second(int d) {  // z = M y
    return {3 + 2 * kTerms + d + sq(d), 0, d};
  }
  template <class M, class A>
  static SO_HD double finish(const double* x, int d, const A& t, double* y) {
    const double f0 = t[2];
    const A ak = t + 3, bk = ak + kTerms;
    double* z = y + d;
    // all D * 12 phases u_i b_k, their cosines in one pass, then the sum in (i, k) order
    double* ph = z + d;
    double* cs = ph + std::int64_t(kTerms) * d;
    double a[kTerms], b[kTerms];
    for (int k = 0; k < kTerms; ++k) {
      a[k] = ak[k];
      b[k] = bk[k];
    }
    for (int i = 0; i < d; ++i) {
      const double u = kTwoPi * (z[i] + 0.5);
      for (int k = 0; k < kTerms; ++k) ph[i * kTerms + k] = u * b[k];
    }
    cos_wide_array<M>(ph, cs, kTerms * d);
    // Each coordinate's 12 terms in COCO's order, the D coordinate sums in sum_nonnegative's 8
    // partial sums (the terms have both signs: the reordering moves the sum by a few ulp of
    // sum |a_k cos|, a few 1e-15 of 1/D sum, which the cube 10 (. - f0)^3 keeps at a few 1e-15
    // of max(|f|, |f_opt|); measured against cocoex: 2.5e-15, bench/RESULTS.md). COCO's single chain of 12 D
    // dependent additions took 12 % of f16's time, this 7 %.
    const double acc = sum_nonnegative<double>(d, [&](int i) {
      double s = 0;
      for (int k = 0; k < kTerms; ++k) s += cs[i * kTerms + k] * a[k];
      return s;
    });
    const double raw = 10.0 * c_pow(acc / double(d) - f0, 3.0);
    return (raw + t[0]) + t[1] * penalty(x, d);
  }
};

// f17 / f18 Schaffers F7 (condition 10 / 1000): z = M T_asy^0.5(R (x - shift)) with
// M = Lambda^cond Q, s_i = z_i^2 + z_{i+1}^2,
// f = (1/(D-1) sum s_i^0.25 (1 + sin^2(50 s_i^0.1)))^2 + penalty_factor f_pen(x) + f_opt.
// table: [f_opt, penalty_factor, shift(D), R(D*D), M(D*D), T_asy's c_i(D)]; scratch: y, z, the
// terms (3D)
struct Schaffers : Rotated<Schaffers> {
  static SO_HD std::int64_t size(int d) { return 2 + 2 * d + 2 * sq(d); }
  static SO_HD int work(int d) { return 3 * d; }
  static SO_HD Rotation rotation(int d) { return {2 + d, 2, 2 * std::int64_t(d)}; }  // R (x - shift)
  static constexpr bool kSecond = true;
  template <class A>
  static SO_HD void middle(int d, const A& t, double* y) {
    tasy_array(y + 2 * d, y, d, t + 2 + d + 2 * sq(d));
  }
  static constexpr int kMiddleRows = 0;
  template <class A>
  static void middle_rows(int d, const A& t, const double* in, double* out, int nb, double*) {
    tasy_rows<false>(in, out, nb, d, t + 2 + d + 2 * sq(d));
  }
  static SO_HD Product second(int d) { return {2 + d + sq(d), 0, d}; }  // z = M y
  // p01[k] = s_k^0.1 and p25[k] = s_k^0.25 for k < m, s_k = s_of(k), as the C library rounds
  // them (sin(50 s^0.1) turns one ulp of s^0.1 into up to 1e-12 of f): vecmath's checked pow,
  // both powers from one log_dd of s, and the C library for each power it defers (10 % each).
  // (s^0.1 from the C library, with the checked pow for s^0.25 alone, took 1.2x the time.)
  template <class S>
  static SO_HD_FORCE void powers(int m, S s_of, double* p01, double* p25) {
#if defined(__CUDA_ARCH__)
    for (int k = 0; k < m; ++k) {
      p01[k] = c_pow(s_of(k), 0.1);
      p25[k] = c_pow(s_of(k), 0.25);
    }
#else
    simd::map_index(m, [s_of, p01, p25](int k) SO_LAMBDA_FORCE {
      const double s = s_of(k);
      double lh, ll, tie1, tie2;
      vm::log_dd(s, lh, ll);
      const double a = vm::pow_of_log(s, 0.1, lh, ll, tie1);
      const double b = vm::pow_of_log(s, 0.25, lh, ll, tie2);
      p01[k] = tie1 > 0.0 ? double(NAN) : a;
      p25[k] = tie2 > 0.0 ? double(NAN) : b;
    });
    for (int k = 0; k < m; ++k) {
      if (p01[k] == p01[k] && p25[k] == p25[k]) continue;
      const double s = s_of(k);
      if (p01[k] != p01[k]) p01[k] = c_pow(s, 0.1);
      if (p25[k] != p25[k]) p25[k] = c_pow(s, 0.25);
    }
#endif
  }
  // term[k] = s^0.25 (1 + sin^2(50 s^0.1)) (term must not alias p01 or p25: simd::map_index).
  // FastMath's sin beyond its range, s^0.1 > 1e4, leaves NaN: the driver's PreciseMath pass.
  template <class M>
  static SO_HD_FORCE void terms(int m, const double* p01, const double* p25, double* term) {
    simd::map_index(m, [p01, p25, term](int k) SO_LAMBDA_FORCE {
      const double sn = v_sin<M>(50.0 * p01[k]);
      term[k] = p25[k] * (1.0 + sn * sn);
    });
  }
  // f from the sum of the terms (in COCO's order) and the penalty
  template <class A>
  static SO_HD_FORCE double value_of(double raw, int d, const A& t, double pen) {
    raw = raw / (double(d) - 1.0);
    raw = raw * raw;
    return (raw + t[0]) + t[1] * pen;
  }
  template <class M, class A>
  static SO_HD double finish(const double* x, int d, const A& t, double* y) {
    // y (free after the second product) holds s^0.1, term s^0.25, then z the terms
    double* z = y + d;
    double* p01 = y;
    double* p25 = z + d;
    powers(d - 1, [z](int i) SO_LAMBDA_FORCE { return z[i] * z[i] + z[i + 1] * z[i + 1]; }, p01, p25);
    terms<M>(d - 1, p01, p25, z);
    double raw = 0;
    for (int i = 0; i < d - 1; ++i) raw += z[i];
    return value_of(raw, d, t, penalty(x, d));
  }
  // The same over the block's rows (s, the powers, the terms: rows of d - 1), the sums in COCO's
  // order with the rows side by side (see has_rows_finish)
  static constexpr bool kRowsFinish = true;
  template <class M, class A>
  static void finish_rows(int d, const A& t, const double* x, double* z, int nb, double* scratch,
                          double* v) {
    for (int b = 0; b < nb; ++b) v[b] = penalty(x + std::int64_t(b) * d, d);  // x first: see there
    const int n = d - 1, m = nb * n;
    double* s = scratch;
    double* p01 = scratch + m;
    for (int b = 0; b < nb; ++b) {
      const double* zb = z + std::int64_t(b) * d;
      double* sb = s + std::int64_t(b) * n;
      SO_SIMD
      for (int i = 0; i < n; ++i) sb[i] = zb[i] * zb[i] + zb[i + 1] * zb[i + 1];
    }
    double* p25 = z;  // z is consumed
    powers(m, [s](int k) SO_LAMBDA_FORCE { return s[k]; }, p01, p25);
    // (map_index's last vector may overlap the one before it: outputs never alias the inputs)
    double* term = s;  // s is consumed, then p01
    terms<M>(m, p01, p25, term);
    double* raw = p01;
    row_sums_in_order(term, nb, n, raw);
    for (int b = 0; b < nb; ++b) v[b] = value_of(raw[b], d, t, v[b]);
  }
};

// f19 composite Griewank-Rosenbrock F8F2: z = M x + 1/2 with M = scale R,
// s_i = 100 (z_i^2 - z_{i+1})^2 + (1 - z_i)^2, f = 10 + 10/(D-1) sum (s_i/4000 - cos s_i) + f_opt.
// table: [f_opt, M(D*D)]; scratch: z, s, cos s (3D)
// The s_i and their cosines are formed in vector loops and only the sum runs in COCO's order (a
// scalar loop calling cos_wide took ~70 cycles per coordinate: 0.9x bbobtorch's compiled f19).
struct F19 : Rotated<F19> {
  static SO_HD std::int64_t size(int d) { return 1 + sq(d); }
  static SO_HD int work(int d) { return 3 * d; }
  static SO_HD Rotation rotation(int) { return {1, -1, 0}; }  // z = M x
  template <class M, class A>
  static SO_HD double finish(const double*, int d, const A& t, double* z) {
    double* s = z + d;
    double* term = s + d;
    for (int i = 0; i < d; ++i) z[i] = z[i] - (-0.5);
    SO_SIMD
    for (int i = 0; i < d - 1; ++i) {
      const double c1 = z[i] * z[i] - z[i + 1];
      const double c2 = 1.0 - z[i];
      s[i] = 100.0 * c1 * c1 + c2 * c2;
    }
    cos_wide_array<M>(s, term, d - 1);
    SO_SIMD
    for (int i = 0; i < d - 1; ++i) term[i] = s[i] / 4000.0 - term[i];
    double r = 0;
    for (int i = 0; i < d - 1; ++i) r += term[i];
    return (10.0 + 10.0 * r / double(d - 1)) + t[0];
  }
  // The same over the block's rows (s, cos s, the terms: rows of d - 1), the sums in COCO's order
  // with the rows side by side: a row alone is one chain of d - 1 dependent additions
  static constexpr bool kRowsFinish = true;
  template <class M, class A>
  static void finish_rows(int d, const A& t, const double*, double* z, int nb, double* scratch,
                          double* v) {
    const int n = d - 1, m = nb * n;
    double* s = scratch;
    double* term = scratch + m;
    for (int k = 0; k < nb * d; ++k) z[k] = z[k] - (-0.5);
    for (int b = 0; b < nb; ++b) {
      const double* zb = z + std::int64_t(b) * d;
      double* sb = s + std::int64_t(b) * n;
      SO_SIMD
      for (int i = 0; i < n; ++i) {
        const double c1 = zb[i] * zb[i] - zb[i + 1];
        const double c2 = 1.0 - zb[i];
        sb[i] = 100.0 * c1 * c1 + c2 * c2;
      }
    }
    cos_wide_array<M>(s, term, m);
    SO_SIMD
    for (int k = 0; k < m; ++k) term[k] = s[k] / 4000.0 - term[k];
    row_sums_in_order(term, nb, n, v);
    for (int b = 0; b < nb; ++b) v[b] = (10.0 + 10.0 * v[b] / double(n)) + t[0];
  }
};

// f20 Schwefel x sin(x): xhat = 2 sign x, zhat_1 = xhat_1,
// zhat_i = xhat_i + 0.25 (xhat_{i-1} - 2|shift_{i-1}|),
// z = 100 (lambda (zhat - 2|shift|) + 2|shift|),
// f = 0.01 (f_pen500(z) + 418.9828872724339 - 1/D sum z_i sin(sqrt|z_i|)) + f_opt,
// f_pen500(z) = sum max(0, |z_i| - 500)^2.
// table: [f_opt, sign(D), shift(D), lambda(D)]; scratch: the penalty and sine terms, and for
// float rows q_{i-1} = xhat_{i-1} - 2|shift_{i-1}| at i (3D + 1)
// The terms are formed in a vector loop (xhat_{i-1} recomputed from x_{i-1}, so that no value
// is carried from one coordinate to the next) and summed in COCO's order. The float rows read
// the table as hi + lo pairs, and at the index i - 1 (a select) that loop did not vectorize
// (6x the double rows' time): they form q first, one place on, and read it at i (the same
// doubles; 0.23-0.25x the time). The double rows keep the select (the extra loop cost them
// 1.07-1.27x at D = 20-40).
struct F20 : Suite<F20> {
  static SO_HD std::int64_t size(int d) { return 1 + 3 * d; }
  static SO_HD int work(int d) { return 3 * d + 1; }
  template <class M, class A>
  static SO_HD double eval(const double* x, int d, const A& t, double* w) {
    constexpr bool kPairs = !std::is_same_v<A, Exact>;
    const A sign = t + 1, shift = sign + d, lam = shift + d;
    double* pen_term = w;
    double* sin_term = w + d;
    double* q_prev = w + 2 * d;  // q_prev[i] = q_{i-1} (float rows); q_prev[0] is not used
    if constexpr (kPairs) {
      q_prev[0] = 0.0;
      SO_SIMD
      for (int i = 0; i < d; ++i) q_prev[i + 1] = 2.0 * (sign[i] * x[i]) - 2.0 * math::abs(shift[i]);
    }
    SO_SIMD
    for (int i = 0; i < d; ++i) {
      const double xh = 2.0 * (sign[i] * x[i]);
      const double two_abs = 2.0 * math::abs(shift[i]);
      double q;  // q_{i-1} (unused for i = 0)
      if constexpr (kPairs) {
        q = q_prev[i];
      } else {
        const int j = i == 0 ? 0 : i - 1;
        q = 2.0 * (sign[j] * x[j]) - 2.0 * math::abs(shift[j]);
      }
      const double zh = i == 0 ? xh : xh + 0.25 * q;
      const double z = 100.0 * (lam[i] * (zh - two_abs) - (-two_abs));
      const double u = math::abs(z) - 500.0;
      pen_term[i] = u > 0.0 ? u * u : 0.0;
      sin_term[i] = z * sin_one_polynomial<M>(math::sqrt(math::abs(z)));
    }
    double pen = 0, s = 0;
    for (int i = 0; i < d; ++i) {
      pen += pen_term[i];
      s += sin_term[i];
    }
    return 0.01 * (pen + 418.9828872724339 - s / double(d)) + t[0];
  }
};

// f21 / f22 Gallagher's Gaussian 101-me / 21-hi peaks (P = 101 / 21):
// f = T_osz(10 - max(0, max_p h_p exp(-1/(2D) sum_j sc_pj (R x - y_p)_j^2)))^2
//     + penalty_factor f_pen(x) + f_opt, with y_p the (rotated) peaks.
// table: [f_opt, penalty_factor, heights(P), R(D*D), peaks(D*P), scales(D*P)] with
// peaks[j*P + p] = y_pj and scales[j*P + p] = sc_pj (coordinate-major, so that the sum over j
// runs left to right while the peaks are contiguous); scratch: R x (D), the P sums, the P terms
// to a few ulp (f21 on the host)
template <int P>
struct Gallagher : Rotated<Gallagher<P>> {
  static SO_HD std::int64_t size(int d) { return 2 + P + sq(d) + 2 * std::int64_t(P) * d; }
  static SO_HD int work(int d) { return d + 2 * P; }
  static SO_HD Rotation rotation(int) { return {2 + P, -1, 0}; }  // tx = R x
  template <class M, class A>
  static SO_HD double finish(const double* x, int d, const A& t, double* tx) {
    const double pen = penalty(x, d) * t[1];
    const double y = tosz(10.0 - largest_term(tx, d, t, tx + d));
    return (y * y + pen) + t[0];
  }
#if defined(SO_BBOB_BLOCKED)
  // The same over the block's rows: each row's largest term, then T_osz of the block's nb values
  // at once (tosz_exact_array: bitwise COCO's, as tosz), where each row took five calls of the C
  // library (see has_rows_finish)
  static constexpr bool kRowsFinish = true;
  template <class M, class A>
  static void finish_rows(int d, const A& t, const double* x, double* tx, int nb, double* scratch,
                          double* v) {
    for (int b = 0; b < nb; ++b) v[b] = penalty(x + std::int64_t(b) * d, d) * t[1];  // x first
    double acc[2 * P];
    double* s = scratch;
    double* y = scratch + nb;
    for (int b = 0; b < nb; ++b) s[b] = 10.0 - largest_term(tx + std::int64_t(b) * d, d, t, acc);
    tosz_exact_array(s, y, nb, scratch + 2 * nb);  // (2 nb d >= 4 nb doubles of scratch)
    for (int b = 0; b < nb; ++b) v[b] = (y[b] * y[b] + v[b]) + t[0];
  }
#endif

 private:
  // COCO's max(0, max_p h_p exp(-1/(2D) sum_j sc_pj (tx_j - y_pj)^2)) for a row tx (NaN if a
  // term is); acc: 2 P doubles of scratch
  template <class A>
  static SO_HD double largest_term(const double* tx, int d, const A& t, double* acc) {
    const A h = t + 2, RT = h + P, peaks = RT + sq(d), sc = peaks + std::int64_t(P) * d;
    const double t0 = tx[0];
    SO_SIMD
    for (int p = 0; p < P; ++p) {
      const double u = t0 - peaks[p];
      acc[p] = sc[p] * u * u;
    }
    for (int j = 1; j < d; ++j) {
      const double tj = tx[j];
      const A pk = peaks + std::int64_t(j) * P, s = sc + std::int64_t(j) * P;
      SO_SIMD
      for (int p = 0; p < P; ++p) {
        const double u = tj - pk[p];
        acc[p] += s[p] * u * u;
      }
    }
    const double a = -0.5 / double(d);
    const double* approx = nullptr;
    double cut = 0;
#if !defined(__CUDA_ARCH__)
    if constexpr (P >= 64) {
      // f21: the C library's exp only for the peaks that may hold COCO's maximum. Every term to a
      // few ulp in one vector loop (vm::exp_few_ulp), then as COCO rounds it for those within
      // 2^-30 of the largest (a few ulp cannot lift the others above it) and for NaN. Where the
      // largest is below 2^-60, so is COCO's (subnormal terms included), and 10 - it rounds to 10
      // as 10 - 0 does: none (at most points of the box every term underflows). The P calls of
      // the C library's exp per row took 59 % of f21's time at D = 2; f22's 21 terms took
      // 1.05-1.09x the time this way. (The maximum as a vector reduction: where a term is NaN, so
      // is COCO's value, whatever top.)
      double* v = acc + P;
      double top = 0;
      SO_SIMD_REDUCE(max : top)
      for (int p = 0; p < P; ++p) {
        v[p] = h[p] * vm::exp_few_ulp(a * acc[p]);
        top = v[p] > top ? v[p] : top;
      }
      approx = v;
      cut = top > 0x1p-60 ? top * (1.0 - 0x1p-30) : double(INFINITY);
    }
#endif
    bool nan = false;
    double best = 0;
    for (int p = 0; p < P; ++p) {
      if (approx != nullptr && approx[p] < cut) continue;  // (NaN is not skipped)
      const double v = h[p] * c_exp(a * acc[p]);
      nan |= v != v;
      best = v > best ? v : best;
    }
    return nan ? double(NAN) : best;
  }
};

// Katsuura's sum over j = 1..32 of |2^j z - round(2^j z)| / 2^j (BBOB's f23, CEC2017's basic
// Katsuura), COCO's and the CEC organizers' terms in their order; the division by 2^j as the
// product with 2^-j (the same value: a power of two; a division per term took half of f23's time).
// With one chain of dependent additions and the rest beside it, the fastest form for one or two
// coordinates; blocks of more take F23::katsuura_sums.
SO_HD double katsuura_sum(double z) {
  double s = 0, p = 1, inv = 1;
  for (int j = 1; j <= 32; ++j) {
    p = p * 2.0;      // 2^j, exact
    inv = inv * 0.5;  // 2^-j, exact
    const double u = p * z;
    s += math::abs(u - math::floor(u + 0.5)) * inv;
  }
  return s;
}

// f23 Katsuura: z = M (x - shift) with M = R Lambda^100 Q,
// f = 10/D^2 prod_i (1 + i sum_{j=1}^{32} |2^j z_i - round(2^j z_i)| / 2^j)^(10/D^1.2)
//     - 10/D^2 + penalty_factor f_pen(x) + f_opt.
// table: [f_opt, penalty_factor, shift(D), M(D*D)]; scratch: z, the sums (2D)
struct F23 : Rotated<F23> {
  static SO_HD std::int64_t size(int d) { return 2 + d + sq(d); }
  static SO_HD int work(int d) { return 2 * d; }
  static SO_HD Rotation rotation(int d) { return {2 + d, 2, 0}; }  // z = M (x - shift)
#if defined(SO_BBOB_BLOCKED)
  // out[k] = katsuura_sum(z[k]) for k < n <= K lanes-wide vectors, the lanes beyond n from 0:
  // the same terms, exactly, and the same sum. The j-th term is the distance of 2^j |z| to the
  // nearest integer over 2^j (symmetric in z; ties 1/2 either way), min(F_j, 2^-j - F_j) with
  // F_j = frac(2^j |z|) 2^-j, and F_j = F_{j-1} - 2^-j where F_{j-1} >= 2^-j (else F_{j-1}):
  // each step exact (Sterbenz), as F_0 = |z| - floor|z| is. That needs 2^32 |z| < 2^51 (COCO's
  // u + 0.5 exact); beyond, and for NaN, F_0 is NaN, and so is the sum (the caller recomputes).
  // A compare, a masked subtraction, a subtraction, a min and the sum per term, in K independent
  // vectors held in registers (floor's two micro-ops and the rest, one array pass per j, before:
  // f23's sums 0.4x the time at D = 40 with AVX-512).
  template <int K, int C>
  static SO_HD_FORCE void katsuura_sums_block(const double* z, double* out, int n) {
    constexpr int L = int(sizeof(so_vnd) / sizeof(double));
    constexpr int S = 32 / C;  // terms per chain
    alignas(64) double buf[K * L];
    alignas(64) double start[C][K * L];
    for (int k = 0; k < K * L; ++k) buf[k] = k < n ? z[k] : 0.0;
#pragma GCC unroll 4
    for (int c = 0; c < C; ++c) {
      const double up = double(1LL << (c * S)), down = 1.0 / up;  // powers of two: exact
      SO_SIMD
      for (int k = 0; k < K * L; ++k) {
        const double a = math::abs(buf[k]), u = a * up;
        start[c][k] = a < 0x1p19 ? (u - math::floor(u)) * down : double(NAN);  // F_{c S}
      }
    }
    // chain 0's terms go straight into the sums; the others' wait for their turn in the order
    so_vnd f[C][K], s[K], later[C > 1 ? C - 1 : 1][S][K];
#pragma GCC unroll 8
    for (int q = 0; q < K; ++q) s[q] = so_vnd{};
#pragma GCC unroll 4
    for (int c = 0; c < C; ++c)
#pragma GCC unroll 8
      for (int q = 0; q < K; ++q) __builtin_memcpy(&f[c][q], start[c] + q * L, sizeof(so_vnd));
    double inv = 1;
#pragma GCC unroll 32
    for (int j = 0; j < S; ++j) {
      inv = inv * 0.5;  // 2^-(j + 1), exact
#pragma GCC unroll 4
      for (int c = 0; c < C; ++c) {
        const double h = inv / double(1LL << (c * S));  // 2^-(c S + j + 1), exact
#pragma GCC unroll 8
        for (int q = 0; q < K; ++q) {
          f[c][q] = f[c][q] >= h ? f[c][q] - h : f[c][q];
          const so_vnd g = h - f[c][q];
          const so_vnd t = f[c][q] < g ? f[c][q] : g;  // NaN stays NaN (g is NaN)
          if (c == 0) s[q] = s[q] + t;
          else later[c - 1][j][q] = t;
        }
      }
    }
#pragma GCC unroll 4
    for (int c = 1; c < C; ++c)
#pragma GCC unroll 32
      for (int j = 0; j < S; ++j)
#pragma GCC unroll 8
        for (int q = 0; q < K; ++q) s[q] = s[q] + later[c - 1][j][q];
#pragma GCC unroll 8
    for (int q = 0; q < K; ++q) __builtin_memcpy(buf + q * L, &s[q], sizeof(so_vnd));
    for (int k = 0; k < n; ++k) out[k] = buf[k];
  }
  // out[i] = katsuura_sum(z[i]), i < d: blocks of five vectors (40 lanes with AVX-512, the
  // fewest that keep the compare-and-subtract chains' latency hidden), the rest in one to three
  static void katsuura_sums(const double* z, double* out, int d) {
    constexpr int L = int(sizeof(so_vnd) / sizeof(double));
    int i = 0;
    for (; i + 5 * L <= d; i += 5 * L) katsuura_sums_block<5, 1>(z + i, out + i, 5 * L);
    const int r = d - i;
    if (r > 3 * L) katsuura_sums_block<5, 1>(z + i, out + i, r);
    else if (r > 2 * L) katsuura_sums_block<3, 2>(z + i, out + i, r);
    else if (r > L) katsuura_sums_block<2, 2>(z + i, out + i, r);
    else if (r > 2) katsuura_sums_block<1, 4>(z + i, out + i, r);
    else
      for (int k = i; k < d; ++k) out[k] = katsuura_sum(z[k]);  // D = 2: 0.92x the time
    if (simd::any_nan(out, d))
      for (int k = 0; k < d; ++k)
        if (out[k] != out[k]) out[k] = katsuura_sum(z[k]);
  }
#endif
  template <class M, class A>
  static SO_HD double finish(const double* x, int d, const A& t, double* z) {
    double* base = z + d;
#if defined(SO_BBOB_BLOCKED)
    katsuura_sums(z, base, d);
#else
    for (int i = 0; i < d; ++i) base[i] = katsuura_sum(z[i]);
#endif
    return value_of(product_power(base, d, exponent(d)), d, t, penalty(x, d));
  }
#if defined(SO_BBOB_BLOCKED)
  // The same over the block's rows: the sums of all its coordinates at once (katsuura_sums' blocks
  // of vectors, where a row of COCO's few coordinates takes the scalar form or a short block),
  // the exponent once, then each row's product and power (see has_rows_finish)
  static constexpr bool kRowsFinish = true;
  template <class M, class A>
  static void finish_rows(int d, const A& t, const double* x, double* z, int nb, double* scratch,
                          double* v) {
    for (int b = 0; b < nb; ++b) v[b] = penalty(x + std::int64_t(b) * d, d);  // x first
    double* base = scratch;
    katsuura_sums(z, base, nb * d);
    const double e = exponent(d);
    for (int b = 0; b < nb; ++b) v[b] = value_of(product_power(base + std::int64_t(b) * d, d, e), d, t, v[b]);
  }
#endif

 private:
  static SO_HD double exponent(int d) { return 10.0 / c_pow(double(d), 1.2); }
  template <class A>
  static SO_HD_FORCE double value_of(double res, int d, const A& t, double pen) {
    const double raw = 10.0 / double(d) / double(d) * (-1.0 + res);
    return (raw + t[0]) + t[1] * pen;
  }
  // prod_i (1 + i base_i)^e over the d sums of a row (base: overwritten where the powers are
  // taken one by one)
  static SO_HD double product_power(double* base, int d, double e) {
#if defined(__CUDA_ARCH__)
    for (int i = 0; i < d; ++i) base[i] = c_pow(1.0 + (double(i) + 1.0) * base[i], e);
    double res = 1;
    for (int i = 0; i < d; ++i) res *= base[i];
#else
    // On the host the bases' product raised once, prod_i b_i^e = (prod_i b_i)^e: the product P
    // exactly as an unevaluated sum H + Lo (vm::two_prod per factor; four partial products, b_i,
    // b_i+1, ... round robin, as one chain of D dependent products was half the rest), then
    // exp(e (log H + Lo/H)) by vecmath's few-ulp log and exp: within 2 + 3 |e log P| ulp of P^e
    // (pow_few_ulp's bound; e log P = log(res): about 12 at D = 40, 0.03 near x_opt), against
    // COCO's D rounded powers and D - 1 rounded products. One power per row in place of D (0.53x
    // f23's time at D = 40). P rounded to one double first erred by e (D - 1)/2 ulp more (2.2 at
    // D = 2, e = 4.4: 2.1e-14 of max(|f|, |f_opt|) against cocoex near x_opt, 8.9e-15 with the
    // exact product, which costs 1.05x the time). Where H exceeds 2^995 (b_i <= 1 + i/2, so D
    // above ~140), and for NaN, the D powers in a vector loop.
    double h0 = 1, h1 = 1, h2 = 1, h3 = 1, l0 = 0, l1 = 0, l2 = 0, l3 = 0;
    const auto times = [](double& h, double& l, double b) SO_LAMBDA_FORCE {
      double p, err;
      vm::two_prod(h, b, p, err);  // h b = p + err exactly
      l = l * b + err;
      h = p;
    };
    const auto b = [base](int i) SO_LAMBDA_FORCE { return 1.0 + (double(i) + 1.0) * base[i]; };
    int i = 0;
    for (; i + 4 <= d; i += 4) {
      times(h0, l0, b(i));
      times(h1, l1, b(i + 1));
      times(h2, l2, b(i + 2));
      times(h3, l3, b(i + 3));
    }
    if (i < d) times(h0, l0, b(i));
    if (i + 1 < d) times(h1, l1, b(i + 1));
    if (i + 2 < d) times(h2, l2, b(i + 2));
    // (h0 + l0)(h1 + l1) and (h2 + l2)(h3 + l3), then their product (l l' below an ulp's 1e-16)
    const auto pair = [](double ah, double al, double bh, double bl, double& h, double& l)
        SO_LAMBDA_FORCE {
      double p, err;
      vm::two_prod(ah, bh, p, err);
      l = err + (ah * bl + al * bh);
      h = p;
    };
    double h01, l01, h23, l23, hp, lp;
    pair(h0, l0, h1, l1, h01, l01);
    pair(h2, l2, h3, l3, h23, l23);
    pair(h01, l01, h23, l23, hp, lp);
    double res;
    // every factor >= 1, so each partial product is <= hp: below 2^995 Dekker's product (the
    // paths without FMA) is exact as FMA's is, and every path takes the same branch
    if (hp <= 0x1p995) {
      res = vm::exp_few_ulp(e * (vm::log_few_ulp(hp) + lp / hp));
    } else {
      SO_SIMD_LATENCY_BOUND
      for (int k = 0; k < d; ++k) base[k] = vm::pow_few_ulp(1.0 + (double(k) + 1.0) * base[k], e);
      res = 1;
      for (int k = 0; k < d; ++k) res *= base[k];
    }
#endif
    return res;
  }
};

// f24 Lunacek bi-Rastrigin: xhat = 2 sign(shift) x, a = xhat - mu0, z = R (M a) with
// M = Lambda^100 Q,
// f = min(sum a^2, D + s sum (xhat - mu1)^2) + 10 (D - sum cos 2 pi z) + 1e4 f_pen(x) + f_opt.
// table: [f_opt, mu0, mu1, s, shift(D), R(D*D), Ms(D*D)] with Ms = M diag(2 sign(shift));
// scratch: M a, z (2D).
// M a is evaluated as Ms (x - shift), a blocked rotation like the other rotated functions':
// shift = sign(shift) mu0 / 2, so a_j = 2 sign_j (x_j - shift_j), and scaling by +-2 is exact
// and commutes with rounding: every product Ms_ij (x_j - shift_j) equals M_ij a_j to the bit,
// and so does the value.
struct F24 : Rotated<F24> {
  static SO_HD std::int64_t size(int d) { return 4 + d + 2 * sq(d); }
  static SO_HD int work(int d) { return 2 * d; }
  static SO_HD Rotation rotation(int d) { return {4 + d + sq(d), 4, 0}; }  // y = Ms (x - shift)
  static constexpr bool kSecond = true;
  template <class A>
  static SO_HD void middle(int, const A&, double*) {}
  static SO_HD Product second(int d) { return {4 + d, 0, d}; }  // z = R y
  // The parts of f that read x: the smaller of the two sphere terms, min(s1, d + sfac s2), and the
  // penalty. The two sums of squares in sum_nonnegative's partial sums (COCO's two chains of d
  // dependent additions: 1.06x f24's time).
  template <class A>
  static SO_HD void x_terms(const double* x, int d, const A& t, double& sphere, double& pen) {
    const double mu0 = t[1], mu1 = t[2], sfac = t[3];
    const A shift = t + 4;
    pen = penalty(x, d);
    const auto xhat = [x, shift](int i) SO_LAMBDA_FORCE {
      return shift[i] < 0.0 ? -(2.0 * x[i]) : 2.0 * x[i];
    };
    const double s1 = sum_nonnegative<double>(d, [&](int i) SO_LAMBDA_FORCE {
      const double a = xhat(i) - mu0;
      return a * a;
    });
    const double s2 = sum_nonnegative<double>(d, [&](int i) SO_LAMBDA_FORCE {
      const double b = xhat(i) - mu1;
      return b * b;
    });
    const double other = 1.0 * double(d) + sfac * s2;
    sphere = s1 <= other ? s1 : other;
  }
  // f from x_terms and the cosine sum s3 = sum cos(2 pi z_i) (in COCO's order)
  template <class A>
  static SO_HD double combine(int d, const A& t, double sphere, double pen, double s3) {
    const double res = sphere + 10.0 * (double(d) - s3) + 1e4 * pen;
    return res + t[0];
  }
  template <class M, class A>
  static SO_HD double finish(const double* x, int d, const A& t, double* y) {
    const double* z = y + d;
    double sphere, pen;
    x_terms(x, d, t, sphere, pen);
    return combine(d, t, sphere, pen, cosine_sum<M>(z, d));
  }
#if defined(SO_BBOB_BLOCKED)
  // The same over the block's rows (cosine_sums_of_rows); finish's values bit for bit. x first:
  // for float points it lies in the scratch that the cosines then take.
  static constexpr bool kRowsFinish = true;
  template <class M, class A>
  static void finish_rows(int d, const A& t, const double* x, double* z, int nb, double* scratch,
                          double* v) {
    double sphere[kBlock], pen[kBlock];
    for (int b = 0; b < nb; ++b) x_terms(x + std::int64_t(b) * d, d, t, sphere[b], pen[b]);
    cosine_sums_of_rows<M>(z, nb, d, scratch, v);  // nb d <= 2 nb d doubles of scratch
    for (int b = 0; b < nb; ++b) v[b] = combine(d, t, sphere[b], pen[b], v[b]);
  }
#endif
};

using F17 = Schaffers;
using F18 = Schaffers;
using F21 = Gallagher<101>;
using F22 = Gallagher<21>;

}  // namespace functions::bbob
SO_NAMESPACE_END

#if defined(__GNUC__) && !defined(__clang__) && !defined(__CUDACC__)
#pragma GCC pop_options
#endif
#undef SO_BBOB_ENTRY
