// Double-precision exp, log and pow written so that GCC vectorizes them inside `omp simd` loops
// (issue 16): no table lookups, no branches (every special case is a select), integer work only
// as 64-bit shifts and masks of the bit pattern, which SSE2, AVX2 and AVX-512 all have. The
// host compiler's libm is scalar (glibc's vector variants need -ffast-math), and the BBOB
// transforms T_osz and T_asy call exp, log and pow once or more per coordinate.
//
// Accuracy: the aim is to return what glibc returns, so that the BBOB values stay equal to COCO's
// (which calls glibc) to the last bits:
//   * exp: Cody-Waite reduction x = k ln2 + r, |r| <= ln2/2, the Taylor series to r^14 (truncation
//     below 2^-60), 1 + r and r^2/2 formed exactly, scaled by 2^k in two steps (exact, and gradual
//     underflow rounded once).
//   * The polynomials are evaluated by Estrin's scheme, not Horner's: the BBOB transforms' loops
//     (T_osz's log, T_asy's pow) are bound by the latency of their dependent chains (issue 16).
//   * log_dd: log x as an unevaluated sum hi + lo: x = 2^e m, m in [sqrt(1/2), sqrt(2)),
//     f = m - 1, log(1 + f) = f - f^2/2 + s (f^2/2 + R(s^2)) with s = f / (2 + f) (so
//     2 atanh(s) = log(1 + f)) and R a fit of 2 atanh(s)/s - 2 (8 terms in s^2); f^2/2 is formed
//     exactly, e ln2 in two parts. log = hi.
//   * pow(x, y), x >= +0: exp(y log x) with y log x as a double-double (exact product of y and
//     hi, plus y lo), exp taking that pair.
// Measured against glibc (tests/test_vecmath.py, every path): all within 1 ulp; the same double
// in all but ~0.2% (exp, log) and ~1% (pow) of random arguments. The checked forms (a `tie`
// output) also say when their value lies within a window (below: exp 0.02 ulp, log 0.025, pow
// 0.05, sin_checked and cos_checked 0.025, pow_half 0.025) of a rounding boundary, where the BBOB
// and CEC2017 code asks the C library instead (4%, 5%, 10%, 5% and 5% of the calls); elsewhere
// they return glibc's double (exp, log, sin, cos, pow(x, 0.5): every answered value of the tests'
// samples; pow: all but ~5e-4 where |y log x| reaches 24, none in 2e7 calls each of s^0.1 and
// s^0.25, nor in f16's T_osz, nor in the CEC2017 functions' 149 cases x 25,000 points).
// Special values follow C99 Annex F for the domain implemented: exp(+-inf) = inf / 0,
// exp(NaN) = NaN, log(0) = -inf, log(x < 0) = NaN, log(inf) = inf, pow(x, 0) = 1, pow(1, y) = 1,
// pow(0, y > 0) = 0, pow(0, y < 0) = inf, pow(inf, y) = inf / 0; pow with x < 0 returns NaN
// (the callers only need non-negative bases). Subnormal arguments and results are handled.
//
// Everything here is compiled without FMA contraction under GCC (Dekker's product needs each
// product rounded, and the results must not depend on the SIMD path), like the BBOB header; other
// compilers must be told so (clang: -ffp-contract=off). Host code only: nvcc's device code keeps
// the C library (see bbob.hpp).
#pragma once

#include <cstdint>
#include <cstring>

#include "scoreopt/config.hpp"
#include "scoreopt/math.hpp"

#if defined(__GNUC__) && !defined(__clang__) && !defined(__CUDACC__)
#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")
#endif

SO_NAMESPACE_BEGIN
namespace vm {

#if defined(__GNUC__)
#define SO_VM_INLINE inline __attribute__((always_inline))
#else
#define SO_VM_INLINE inline
#endif

// out[k] = checked(k, tie) for k < n in one vector loop, NaN where the checked form defers (tie
// set), for the caller to take from the C library (the checked forms below; the CEC2017 code and
// the accuracy tests' entry point). checked: (index, double& tie) -> double, force-inlined.
template <class I, class F>
SO_VM_INLINE void checked_map(I n, double* out, F checked) {
  SO_SIMD
  for (I k = 0; k < n; ++k) {
    double tie;
    const double v = checked(k, tie);
    out[k] = tie > 0.0 ? double(NAN) : v;
  }
}

SO_VM_INLINE std::uint64_t bits(double x) {
  std::uint64_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
}
SO_VM_INLINE double from_bits(std::uint64_t u) {
  double x;
  std::memcpy(&x, &u, sizeof x);
  return x;
}

// 2^k for an integral k in [-1022, 1023] held in a double: k + 1023 lands in the low mantissa
// bits of k + (2^52 + 2^51 + 1023), and a shift moves it into the exponent field.
SO_VM_INLINE double pow2i(double k) {
  const double t = k + (6755399441055744.0 + 1023.0);
  return from_bits(bits(t) << 52);
}

// The exact product a * b = p + e (|a|, |b| < 2^995): one FMA where the path has it, else
// Dekker's splitting (which needs rounded products: no contraction). Both give the same p and e.
SO_VM_INLINE void two_prod(double a, double b, double& p, double& e) {
#if defined(__FMA__) && defined(__GNUC__)
  p = a * b;
  e = __builtin_fma(a, b, -p);
  return;
#endif
  constexpr double kSplit = 134217729.0;  // 2^27 + 1
  const double ca = kSplit * a, cb = kSplit * b;
  const double ah = ca - (ca - a), al = a - ah;
  const double bh = cb - (cb - b), bl = b - bh;
  p = a * b;
  e = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
}

// ln 2 in two parts; the first has 36 significant bits, so k * kLn2Hi is exact for |k| < 2^17.
constexpr double kLn2Hi = 0x1.62e42fefap-1;
constexpr double kLn2Lo = 0x1.cf79abc9e3b3ap-40;
constexpr double kInvLn2 = 0x1.71547652b82fep+0;

// Rounding-boundary test (Ziv's idea, with the C library as the slow path): res = RN(H + L) for
// a pre-rounding value H + L whose error is far below the window. When the exact value lies
// within a window of w ulp of a midpoint between two doubles, a libm with error bound 0.5 + w ulp
// may round the other way; elsewhere it returns the correctly rounded value, which is res. `err`
// = H + L - res exactly. The windows: the C library's bound beyond half an ulp plus this file's
// own error, measured against an 80-bit reference (x87 expl/logl) on 4e6-8e6 arguments each:
//   * exp: glibc rounds away from the correctly rounded value up to 0.0063 ulp from a midpoint
//     (its stated bound: 0.511 ulp), exp_dd errs by up to 0.005 ulp: 0.02;
//   * log: glibc up to 0.0186 ulp (0.519 stated), log_dd 0.0025: 0.025;
//   * pow: glibc up to 0.025 ulp (s^0.1, 2e6 log-uniform s in [1e-12, 1e8]; 0.52 stated): 0.05
//     (at 0.01, 1.4e-4 of the answered calls differed by an ulp; at 0.05 none in 4e7,
//     tests/test_vecmath.py, and it defers 10 % of them).
// (Until issue 16's f16 work, exp and log took 0.01 while exp_dd erred by up to 0.037 ulp and
// log_dd by 0.17: about 1e-4 and 8e-4 of their answers were not glibc's.)
constexpr double kTieWindow = 0.02;
constexpr double kLogTieWindow = 0.025;
constexpr double kPowTieWindow = 0.05;
// (1.0 for yes, 0.0 for no: flags are doubles, which GCC's vectorizer combines and selects on
// more reliably than bools of several origins)
// The ulp is that of the side where H + L lies: where res is a power of two and H + L below it in
// magnitude (err of the other sign), the doubles there are half as far apart (res's own ulp
// missed those ties, e.g. a cos or exp just below 1: tests/test_vecmath.py::test_cos_checked_edges).
SO_VM_INLINE double near_tie(double res, double err, double window = kTieWindow) {
  const double ulp_res = from_bits(bits(res) & 0x7FF0000000000000ULL) * 0x1p-52;
  const double power_of_two = (bits(res) << 12) == 0 ? 1.0 : 0.0;
  const double inward = res * err < 0.0 ? 1.0 : 0.0;
  const double ulp = power_of_two * inward > 0.0 ? 0.5 * ulp_res : ulp_res;
  return 0.5 * ulp - math::abs(err) < window * ulp ? 1.0 : 0.0;
}

// The pieces every exp here shares (exp_dd, exp_few_ulp, expm1). The argument clamped to where
// exp overflows or underflows to zero, so that k stays inside the scaling range (NaN passes
// through the comparisons and the arithmetic).
SO_VM_INLINE double exp_clamp(double x) {
  x = x > 710.0 ? 710.0 : x;
  return x < -746.0 ? -746.0 : x;
}
// (exp(r) - 1 - r - r^2/2 - r^3/6) / r^4 = 1/24 + r/120 + ... + r^10/14! on |r| <= ln2/2
// (truncation below 2^-60 of exp(r)), rr = r^2 rounded; by Estrin's scheme, as in log_reduce (its
// rounding is far below the result's). exp_series_tail = 1/6 + r exp_series_quartic: exp_dd
// keeps r^3/6 apart, as a double-double.
SO_VM_INLINE double exp_series_quartic(double r, double rr) {
  const double r4 = rr * rr, r8 = r4 * r4;
  return (((1.0 / 24.0) + r * (1.0 / 120.0)) + rr * ((1.0 / 720.0) + r * (1.0 / 5040.0))) +
         r4 * (((1.0 / 40320.0) + r * (1.0 / 362880.0)) +
               rr * ((1.0 / 3628800.0) + r * (1.0 / 39916800.0))) +
         r8 * (((1.0 / 479001600.0) + r * (1.0 / 6227020800.0)) + rr * (1.0 / 87178291200.0));
}
// (exp(r) - 1 - r - r^2/2) / r^3
SO_VM_INLINE double exp_series_tail(double r, double rr) {
  return (1.0 / 6.0) + r * exp_series_quartic(r, rr);
}
// e 2^k for an integral k in [-1077, 1024], in two steps, so that a subnormal result is rounded
// once, at the last product.
SO_VM_INLINE double scale_pow2(double e, double k) {
  const double k1 = math::floor(k * 0.5);
  return (e * pow2i(k1)) * pow2i(k - k1);
}

// exp(xh + xl) with |xl| <= ~2^-50 |xh| (xl = 0 for plain exp). tie: set when the result may
// round differently from a correctly rounded exp (near_tie), or is subnormal, zero or infinite.
// exp_dd_reduced: exp(xh + xl) = (e + err) 2^k, e = RN(e + err) in [0.7, 1.42] (exp_dd scales it;
// f16's T_osz also takes log(e 2^k) = xh + xl - err/e from it, for its pow).
SO_VM_INLINE double exp_dd_reduced(double xh, double xl, double& k, double& err) {
  xh = exp_clamp(xh);
  k = math::rint(xh * kInvLn2);
  const double rh = xh - k * kLn2Hi;  // exact (Sterbenz; k * kLn2Hi exact)
  const double c = xl - k * kLn2Lo;
  const double r = rh + c;
  const double rc = (rh - r) + c;  // the rounding error of r (|c| is tiny next to |rh| or both are)
  // exp(r) = 1 + r + r^2/2 + r^3/6 + r^4 exp_series_quartic(r); 1 + r and r^2/2 are kept exact,
  // r^3/6 (up to 0.007 of the result) as a double-double: rounded once, it left errors up to
  // 0.037 ulp, next to glibc's 0.511 ulp bound beyond the tie window
  double rr, rre;
  two_prod(r, r, rr, rre);
  double c3, c3e;
  two_prod(r, rr, c3, c3e);
  const double c3l = c3e + r * rre;  // r^3 = c3 + c3l
  constexpr double kSixthHi = 1.0 / 6.0;
  constexpr double kSixthLo = 0x1.5555555555555p-57;  // 1/6 - kSixthHi
  double t3, t3e;
  two_prod(c3, kSixthHi, t3, t3e);
  const double t3l = t3e + (c3 * kSixthLo + c3l * kSixthHi);  // r^3/6 = t3 + t3l
  const double hi = 1.0 + r;
  const double lo = (1.0 - hi) + r;  // exact: 1 + r = hi + lo
  const double h2 = 0.5 * rr;        // exact
  const double sh = hi + h2;
  const double e2 = (hi - sh) + h2;  // exact (|hi| > |h2|)
  const double s3 = sh + t3;
  const double e3 = (sh - s3) + t3;  // exact (|sh| > |t3|)
  const double low = (((lo + e2) + (0.5 * rre + e3)) + t3l) +
                     ((c3 * r) * exp_series_quartic(r, rr) + rc * sh);  // rc exp(r) ~ rc sh
  const double e = s3 + low;
  err = (s3 - e) + low;
  return e;
}
// exp_dd's tie flag for res = e 2^k
SO_VM_INLINE double exp_dd_tie(double e, double err, double res, double window = kTieWindow) {
  const double ares = math::abs(res);
  return near_tie(e, err, window) + ((ares >= 0x1p-1022 ? 0.0 : 1.0) + (ares <= 0x1.fffffffffffffp+1023 ? 0.0 : 1.0));
}
SO_VM_INLINE double exp_dd(double xh, double xl, double& tie, double window = kTieWindow) {
  double k, err;
  const double e = exp_dd_reduced(xh, xl, k, err);
  const double res = scale_pow2(e, k);
  tie = exp_dd_tie(e, err, res, window);
  return res;
}

SO_VM_INLINE double exp(double x) {
  double tie;
  return exp_dd(x, 0.0, tie);
}

// exp x within 1 ulp of the C library (tests/test_vecmath.py::test_exp_few_ulp), not to its
// rounding: exp_dd's reduction and series, summed as 1 + (r + r^2 (1/2 + r tail)) in single
// doubles (the rounding of r and of the last sum dominate: below 1 ulp), without the exact
// parts and the tie test that serve the C library's rounding. For pow_few_ulp (f14's and f23's
// powers), T_asy of f3/f15 and f6's row tail. Special values as exp; subnormal results rounded
// once, as exp_dd's.
// exp_few_ulp_reduced: e with exp x = e 2^k, |log e| <= ln2/2, and k.
SO_VM_INLINE double exp_few_ulp_reduced(double x, double& k) {
  k = math::rint(x * kInvLn2);
  const double r = (x - k * kLn2Hi) - k * kLn2Lo;  // the first difference exact
  const double rr = r * r;
  return 1.0 + (r + rr * (0.5 + r * exp_series_tail(r, rr)));
}
SO_VM_INLINE double exp_few_ulp(double x) {
  double k;
  const double e = exp_few_ulp_reduced(exp_clamp(x), k);
  return scale_pow2(e, k);
}
// The same for |x| <= 700 only (a normal result; beyond, a wrong one: the caller tests x), without
// the clamp and the two-step scaling that serve the edges: 0.88x T_asy(T_osz)'s time
// (tasy_few_ulp_with_log); where both answer, the same double.
SO_VM_INLINE double exp_few_ulp_normal(double x) {
  double k;
  const double e = exp_few_ulp_reduced(x, k);
  return e * pow2i(k);
}

// exp(x) - 1 without cancellation (issue 16, item 4: the classic functions' row tails, ackley's).
// x = k ln2 + r as in exp_dd; expm1(r) = r + r^2/2 + r^3 exp_series_tail(r), with r + r^2/2
// kept as an unevaluated sum; then
// expm1(x) = 2^k expm1(r) + (2^k - 1), both sums formed exactly (TwoSum) and rounded once. For
// k = 0 that is expm1(r) itself, so the result keeps full relative accuracy next to 0. For
// k > 1022 the result is formed as 2 (2^(k-1) (1 + expm1(r)) - 1/2), so that 2^k is never
// formed. Special values: expm1(+-0) = +-0, expm1(inf) = inf, expm1(-inf) = -1, NaN stays NaN;
// x < -60 gives -1 (as the C library: e^-60 is below half an ulp of 1).
SO_VM_INLINE double expm1(double x) {
  double xc = x < -60.0 ? -60.0 : x;
  xc = xc > 710.0 ? 710.0 : xc;  // beyond: overflow to inf (NaN passes through)
  const double k = math::rint(xc * kInvLn2);
  const double rh = xc - k * kLn2Hi;  // exact
  const double c = -(k * kLn2Lo);
  const double r = rh + c;
  const double rc = (rh - r) + c;  // the rounding error of r (0 when k = 0)
  double rr, rre;
  two_prod(r, r, rr, rre);
  const double q = exp_series_tail(r, rr);
  const double h2 = 0.5 * rr;        // exact
  const double s = r + h2;
  const double e2 = (r - s) + h2;    // exact (|r| >= |h2|)
  const double low = ((e2 + 0.5 * rre) + (r * rr) * q) + rc * (1.0 + r);  // expm1(r) = s + low
  // 2^k expm1(r) + (2^k - 1), with k -> k - 1 and the result doubled at the top of the range
  const double top = k > 1022.0 ? 1.0 : 0.0;
  const double sc = pow2i(k - top);
  const double one = top > 0.0 ? 0.5 : 1.0;
  const double a = sc - one;  // TwoSum: a + ae = sc - one exactly
  const double av = a - sc;
  const double ae = (sc - (a - av)) + (-one - av);
  const double b = sc * s;  // exact
  const double t = a + b;   // TwoSum: t + te = a + b exactly
  const double tv = t - a;
  const double te = (a - (t - tv)) + (b - tv);
  const double res = (t + ((te + ae) + sc * low)) * (top > 0.0 ? 2.0 : 1.0);
  return x == 0.0 ? x : res;
}

// The reduction shared by log_dd and log_few_ulp: x = 2^e (1 + f), 1 + f in [sqrt(1/2), sqrt(2)),
// s = f / (2 + f) (so 2 atanh(s) = log(1 + f)), and R ~ 2 (z/3 + z^2/5 + ...), z = s^2, so that
// log(1 + f) = f - f^2/2 + s (f^2/2 + R). log_reduce: for finite x > 0 (subnormals included);
// the callers select the special values. log_reduce_normal: x 2^-scale for a normal x > 0 (0,
// subnormals, inf and NaN give finite values with e <= -1023 or e >= 1024, which T_osz's range
// test catches without the selects).
struct LogReduced {
  double e, f, s, R;
  double z, tail;  // s^2 rounded; P(z) = 2/3 (rounded) + tail, rounded, with R = z P(z)
};
SO_VM_INLINE LogReduced log_reduce_normal(double x, double scale) {
  const std::uint64_t u = bits(x);
  // the biased exponent as a double: its bits OR'ed under 2^52's pattern
  const double be = from_bits((u >> 52) | 0x4330000000000000ULL) - 4503599627370496.0;
  double m = from_bits((u & 0x000FFFFFFFFFFFFFULL) | 0x3FF0000000000000ULL);  // [1, 2)
  const bool big = m > 1.4142135623730951;
  m = big ? 0.5 * m : m;
  LogReduced r;
  r.e = be - 1023.0 + (big ? 1.0 : 0.0) - scale;
  r.f = m - 1.0;  // exact
  r.s = r.f / (2.0 + r.f);
  const double z = r.s * r.s;
  // R = z P(z), P of 8 terms fitted to the error of s R relative to log(1 + f) on |s| <= 0.1716
  // (2.9e-19 = 2^-61.6 with these doubles; tools/fit_kernels.py log), by Estrin's scheme (T_osz
  // chains log, sin and exp, and its loops are bound by that latency; the rounding of R is far
  // below the result's). The Taylor series it replaced, to z^10, left 1.2e-18 at the interval's
  // edge (its comment said below 2^-62) and took 2 terms more.
  // (the leading coefficient added last, so that log_dd can keep that sum's rounding)
  const double z2 = z * z, z4 = z2 * z2;
  r.tail = (z * 0.40000000000006225 + z2 * (0.28571428569092844 + z * 0.2222222264580545)) +
           z4 * ((0.18181775740890785 + z * 0.15387087611107983) +
                 z2 * (0.1325018613668509 + z * 0.13250734246311727));
  r.z = z;
  r.R = (0.6666666666666666 + r.tail) * z;
  return r;
}
SO_VM_INLINE LogReduced log_reduce(double x) {
  const bool sub = x < 0x1p-1022;  // subnormals: scaled into the normal range first
  return log_reduce_normal(sub ? x * 0x1p54 : x, sub ? 54.0 : 0.0);
}
// C's log of the special arguments (0: -inf, < 0 or NaN: NaN, inf: inf); finite x > 0: h.
SO_VM_INLINE double log_special(double x, double h) {
  const double special = x == 0.0 ? -double(INFINITY) : (x > 0.0 ? x : double(NAN));  // inf, NaN
  return x > 0.0 ? (x <= 0x1.fffffffffffffp+1023 ? h : special) : special;
}

// log x = hi + lo (see the top). Special values: hi as C's log, lo = 0.
// Accurate to ~0.0025 ulp of hi (measured against x87 80-bit logl on 8e6 arguments; glibc's double
// wherever the tie test answers: tests/test_vecmath.py::test_checked_variants_...), which the tie test needs: every rounding of a term as large as s (f^2/2 + R) (up to
// 0.05 of the result at the ends of f's interval) is kept, as are s's own (s = f / (2 + f),
// rounded: its residual f - s (2 + f) is formed exactly) and s f^2/2's low part. Rounding those
// terms once each left errors up to 0.17 ulp (glibc's value differed from the answered one in
// 7.8e-4 of the calls; issue 16, f16).
SO_VM_INLINE void log_dd(double x, double& hi, double& lo) {
  const LogReduced g = log_reduce(x);
  double pp, pe;
  two_prod(g.f, g.f, pp, pe);
  const double hfh = 0.5 * pp, hfl = 0.5 * pe;  // f^2/2, exactly
  const double a = g.f - hfh;
  const double e1 = (g.f - a) - hfh;  // exact (|hfh| <= |f|)
  // s's rounding: s + sc = f / (2 + f) to far below an ulp of s (f - s (2 + f) is exact)
  const double tw = 2.0 + g.f;
  const double twe = (2.0 - tw) + g.f;  // exact: 2 + f = tw + twe
  double sp, spe;
  two_prod(g.s, tw, sp, spe);
  const double sc = (((g.f - sp) - spe) - g.s * twe) / tw;
  // R = z P(z) with the roundings of z = s^2, of P's leading sum and of the product kept:
  // R = g.R + rl
  constexpr double kC0 = 0.6666666666666666;
  const double ph = kC0 + g.tail;
  const double pl = (kC0 - ph) + g.tail;  // exact (tail < 2/3)
  double zh, ze, rh, rhe;
  two_prod(g.s, g.s, zh, ze);
  two_prod(zh, ph, rh, rhe);  // rh = g.R
  const double rl = rhe + (zh * pl + ze * ph);
  // (s + sc)(f^2/2 + R) with q = hfh + R exactly as q + qe (hfh >= R: f^2/2 >= 2 s^2 / 3)
  const double q = hfh + rh;
  const double qe = (hfh - q) + rh;
  double bp, bpe;
  two_prod(g.s, q, bp, bpe);
  const double eh = g.e * kLn2Hi;  // exact
  const double el = g.e * kLn2Lo;
  // s's correction sc enters through both factors: d(s (f^2/2 + R(s)))/ds = q + s R'(s), and
  // s R'(s) = 2 z (P + z P') ~ 2 z P to far more than sc's few bits need
  const double small = ((bpe + g.s * ((qe + rl) + hfl)) + sc * (q + 2.0 * (zh * ph))) + ((e1 - hfl) + el);
  // eh + a, exactly, as sh + se (either may be the larger); then + bp, exactly
  const double sh = eh + a;
  const double bv = sh - eh;
  const double se = (eh - (sh - bv)) + (a - bv);
  const double h1 = sh + bp;
  const double bv1 = h1 - sh;
  const double h1e = (sh - (h1 - bv1)) + (bp - bv1);
  const double l = h1e + (se + small);
  const double h = h1 + l;
  hi = log_special(x, h);
  lo = x > 0.0 ? (x <= 0x1.fffffffffffffp+1023 ? l - (h - h1) : 0.0) : 0.0;
}

// log x within 1 ulp of the C library (tests/test_vecmath.py::test_log_few_ulp), not to its
// rounding: log_dd's reduction with a single-double reconstruction,
// e ln2_hi + (f - (f^2/2 - (s (f^2/2 + R) + e ln2_lo))), whose only rounding errors that matter
// are the last addition's and that of f^2/2 (below half an ulp of f^2/2 <= 0.09 |log(1 + f)|).
// For the callers that amplify no ulp of it (T_osz, pow_few_ulp): 0.8x the time of log_dd's hi,
// whose exact products and sums serve the tie test. Special values as C's log.
SO_VM_INLINE double log_few_ulp_of(const LogReduced& g) {
  const double hfsq = 0.5 * (g.f * g.f);
  return g.e * kLn2Hi + (g.f - (hfsq - (g.s * (hfsq + g.R) + g.e * kLn2Lo)));
}
SO_VM_INLINE double log_few_ulp(double x) { return log_special(x, log_few_ulp_of(log_reduce(x))); }

// log x; tie as for exp_dd.
SO_VM_INLINE double log(double x, double& tie) {
  double h, l;
  log_dd(x, h, l);
  tie = near_tie(h, l, kLogTieWindow);
  return h;
}
SO_VM_INLINE double log(double x) {
  double tie;
  return log(x, tie);
}

// x^y for x >= 0 (x < 0: NaN), any y; tie as for exp_dd (also set for the special cases).
// pow_of_log: the same from log_dd(x) = lh + ll, for callers that raise one x to two powers
// (f17/f18's s^0.1 and s^0.25).
// pow_of_log_finite: exp(y (lh + ll)) alone, for a finite y log x well inside exp's range (f16's
// T_osz, where x is a normal exp(u)), without the special cases.
SO_VM_INLINE double pow_of_log_finite(double y, double lh, double ll, double& tie) {
  double ph, pe;
  two_prod(y, lh, ph, pe);
  const double pl = pe + y * ll;
  return exp_dd(ph, pl, tie, kPowTieWindow);
}
SO_VM_INLINE double pow_of_log(double x, double y, double lh, double ll, double& tie) {
  const double ph = y * lh;
  double r = pow_of_log_finite(y, lh, ll, tie);
  // |y log x| beyond the double range: two_prod's error term is NaN, the result 0 or inf
  r = ph > 710.0 ? double(INFINITY) : r;
  r = ph < -746.0 ? 0.0 : r;
  // y * log x is +-inf or NaN for x = 0 or inf, and two_prod turns inf into NaN: decide those
  // from the signs; y = 0 and x = 1 give 1 whatever the other argument is (C99)
  // (each case a select of doubles: GCC does not vectorize selects between bools here)
  const double edge_pos = y > 0.0 ? 0.0 : double(INFINITY);  // x = 0
  const double edge_inf = y > 0.0 ? double(INFINITY) : 0.0;  // x = inf
  r = x == 0.0 ? edge_pos : r;
  r = x > 0x1.fffffffffffffp+1023 ? edge_inf : r;
  r = y > 0x1.fffffffffffffp+1023 ? (x < 1.0 ? 0.0 : double(INFINITY)) : r;
  r = y < -0x1.fffffffffffffp+1023 ? (x < 1.0 ? double(INFINITY) : 0.0) : r;
  r = x < 0.0 ? double(NAN) : r;
  r = x != x ? double(NAN) : r;
  r = y != y ? double(NAN) : r;
  r = y == 0.0 ? 1.0 : r;
  r = x == 1.0 ? 1.0 : r;
  return r;
}
SO_VM_INLINE double pow(double x, double y, double& tie) {
  double lh, ll;
  log_dd(x, lh, ll);
  return pow_of_log(x, y, lh, ll, tie);
}
SO_VM_INLINE double pow(double x, double y) {
  double tie;
  return pow(x, y, tie);
}

// pow(x, 0.5) as the C library rounds it: sqrt x (correctly rounded) and its remainder x - q^2
// (exact) for the tie test, err = (x - q^2) / 2q. glibc's pow(x, 0.5) is not sqrt: 0.085 % of
// 6e6 arguments rounded the other way, up to 0.0074 ulp beyond half an ulp (its stated bound,
// 0.52 ulp, allows 0.02): window 0.025. Deferred (tie set) outside [2^-1000, 2^1000] but for 0,
// where the remainder's products could leave the normal range, and for x < 0, inf and NaN.
constexpr double kPowHalfTieWindow = 0.025;
SO_VM_INLINE double pow_half(double x, double& tie) {
  const double q = math::sqrt(x);
  double p, e;
  two_prod(q, q, p, e);
  const double err = ((x - p) - e) / (2.0 * q);
  const double in_range = (x >= 0x1p-1000 ? 1.0 : 0.0) * (x <= 0x1p1000 ? 1.0 : 0.0);
  tie = in_range > 0.0 ? near_tie(q, err, kPowHalfTieWindow) : (x == 0.0 ? 0.0 : 1.0);
  return x == 0.0 ? 0.0 : q;  // pow(-0, 0.5) = +0
}

// x^y for x >= 0 to a few ulp, not to the C library's rounding: exp(y log x) with the product
// rounded once, so the error is about (2 + |y log x|) ulp (log within 1 ulp, the rounding of the
// product moves y log x by half an ulp of it, exp adds 1). For f14's terms (y in [2, 6], the
// terms that weigh in the sum have |log x| below ~5) that is below 35 ulp, and the square root of
// their sum halves it: far inside the 1e-13 contract, where vm::pow's double-double product, tie
// test and C-library fallback take 1.5x the time (bench/RESULTS.md). Special values as pow for
// x >= 0 (0^y = 0 and inf^y = inf for y > 0, NaN stays).
SO_VM_INLINE double pow_few_ulp(double x, double y) { return vm::exp_few_ulp(y * vm::log_few_ulp(x)); }

// sin x for |x| <= 5e5 (beyond: NaN): math.hpp's FastMath::sin (Cody-Waite reduction by pi/2,
// the Taylor kernels, the quadrant by selects), which is force-inlined, so that it vectorizes
// inside the BBOB rows' vector loops (bbob.hpp, v_sin).
SO_VM_INLINE double sin(double x) { return math::FastMath::sin(x); }

// sin x to an absolute error below 5e-16 for |x| <= 1e5 (beyond: NaN; measured 4.4e-16, 4 ulp of
// values next to 1), not to a relative one: next to its roots the value may have few correct
// digits (sin_or_cos_by_pi keeps 3 ulp there and 2.2e-16), and sin(-0) may be +0. For
// T_osz, whose sines enter as 0.049 (sin a + sin b) next to 1, so that an absolute error e moves
// T_osz by 0.049 e relative. x = k pi + r with the multiple of pi removed in two parts (|k| < 2^15,
// so k pi_hi is exact; the tail's rounding leaves k 2^-87), and one 7-term fit of sin on |r| <= pi/2
// (1.9e-16 relative; tools/fit_kernels.py sin --terms 7): 4 multiplies and additions fewer than
// sin_or_cos_by_pi's 3-part reduction and 8 terms.
SO_VM_INLINE double sin_absolute(double x) {
  constexpr double kShifter = 6755399441055744.0;   // 1.5 * 2^52: rint by its low mantissa bits
  constexpr double kPiHi = 3.14159265346825122833;  // 2 PiOver2<double>::c1, 31 bits
  constexpr double kPiLo = 1.21542010130123844986e-10;  // pi - kPiHi, rounded
  const double t = x * (1.0 / 3.14159265358979323846) + kShifter;
  const double k = t - kShifter;
  const double r = (x - k * kPiHi) - k * kPiLo;
  const double z = r * r;
  const double z2 = z * z, z4 = z2 * z2;
  const double p = ((-0.16666666666666186 + z * 0.008333333333285536) +
                    z2 * (-0.0001984126982505496 + z * 2.7557316600414138e-06)) +
                   z4 * ((-2.5051880266170392e-08 + z * 1.6048095190770958e-10) +
                         z2 * -7.373342169525347e-13);
  const double s = r + r * z * p;
  const double res = from_bits(bits(s) ^ ((bits(t) & 1ULL) << 63));  // k odd: -s
  return math::abs(x) <= 1e5 ? res : double(NAN);
}

// sin x with the tie test of exp_dd (kSinTieWindow), for |x| <= 8192 (beyond, and for inf and
// NaN: tie set): what f16's T_osz needs of glibc's sin (bbob.hpp, tosz_exact_array). x = k pi/2 +
// r with pi/2 in three parts (40, 40 and 53 bits: k P1 and k P2 are exact for |k| < 2^13, and
// the tail leaves 1e-39 k of r), r as a double-double rh + rl; then the Taylor series of sin
// (k even) or cos (k odd) on |r| <= pi/4, their leading terms (r^3/6; r^2/2 and r^4/24) as
// double-doubles, to r^19 and r^20 (truncation below 1e-19): within 0.002 ulp of sin x (measured
// against x87 80-bit sinl on 1.2e7 arguments; glibc's double wherever it answers:
// tests/test_vecmath.py::test_checked_variants_...). Both series are
// evaluated and the quadrant selects one (a vector loop has no branches); sign by the quadrant.
// cos_checked: the same with the quadrant advanced by one (cos x = sin(x + pi/2)); glibc's cos
// rounds away from the correctly rounded value up to 0.0156 ulp from a midpoint as its sin does
// (4e6 arguments in [-8192, 8192], against x87 80-bit cosl), so the same window.
// sin_or_cos_checked_wide: the same for |x| <= 2^36 (the CEC2017 Weierstrass's and
// Griewank-Rosenbrock's arguments, up to 2 pi 3^20 |z + 0.5|): pi/2 in six parts (five of 17
// bits, so that k P_i is exact for |k| < 2^36, and 53 bits; the tail leaves 2^-150 k of r), each
// subtraction of a k P_i kept exact by TwoSum and their remainders summed (below 2^-52 |r|; their
// rounding 2^-106), and the tie set where |r| < 2^-40 too (there the reduction's error is no
// longer far below an ulp of the result; beyond 8192 such r are rarer than 1 in 10^12). Three
// TwoSums and three products more per argument than the form for 8192.
constexpr double kSinTieWindow = 0.025;  // glibc's sin: up to 0.0156 ulp from a midpoint (measured)
template <bool kWide>
SO_VM_INLINE double sin_or_cos_checked_on(double x, bool cosine, double& tie) {
  constexpr double kShifter = 6755399441055744.0;  // 1.5 * 2^52: rint by its low mantissa bits
  constexpr double kReach = kWide ? 0x1p36 : 8192.0;
  const double xc = math::abs(x) <= kReach ? x : 0.0;
  const double sh = xc * 0x1.45f306dc9c883p-1 + kShifter;
  const double k = sh - kShifter;
  double rh, rl, tiny = 0.0;
  if constexpr (!kWide) {
    constexpr double kP1 = 0x1.921fb54442000p+0;
    constexpr double kP2 = 0x1.a308d3131a000p-41;
    constexpr double kP3 = -0x1.d747f23e32ed7p-83;
    const double r1 = xc - k * kP1;  // exact (Sterbenz; k P1 exact)
    const double p2 = k * kP2;       // exact
    const double r2 = r1 - p2;       // TwoSum: r2 + r2e = r1 - p2 exactly
    const double bv = r2 - r1;
    const double r2e = (r1 - (r2 - bv)) - (p2 + bv);
    const double tl = r2e - k * kP3;
    rh = r2 + tl;
    rl = (r2 - rh) + tl;
  } else {
    constexpr double kP[6] = {0x1.9220000000000p+0,  -0x1.2aef000000000p-18, 0x1.68c2000000000p-39,
                              0x1.a626000000000p-58, 0x1.98a3000000000p-77, -0x1.fc8f8cbb5bf6cp-97};
    double r = xc - k * kP[0];  // exact: x and k P1 are multiples of the finer of their ulps
    double tl = 0.0;
#if defined(__GNUC__) && !defined(__CUDACC__)
#pragma GCC unroll 4
#endif
    for (int i = 1; i < 5; ++i) {
      const double p = k * kP[i];  // exact
      const double rn = r - p;     // TwoSum: rn + e = r - p exactly
      const double bv = rn - r;
      tl = tl + ((r - (rn - bv)) - (p + bv));
      r = rn;
    }
    tl = tl - k * kP[5];
    rh = r + tl;
    rl = (r - rh) + tl;
    tiny = (math::abs(rh) < 0x1p-40 ? 1.0 : 0.0) * (x != 0.0 ? 1.0 : 0.0);
  }
  double z, ze;
  two_prod(rh, rh, z, ze);
  const double z2 = z * z, z4 = z2 * z2;
  // sin: rh - rh^3/6 + rh^5 S1(z) + rl cos(rh) (rl cos rh: rl 2^-53 below rh, to its z^2 term)
  constexpr double kSixthHi = 1.0 / 6.0;
  constexpr double kSixthLo = 0x1.5555555555555p-57;
  double c3, c3e;
  two_prod(rh, z, c3, c3e);
  const double c3l = c3e + rh * ze;
  double t3, t3e;
  two_prod(c3, kSixthHi, t3, t3e);
  const double t3l = t3e + (c3 * kSixthLo + c3l * kSixthHi);  // rh^3/6 = t3 + t3l
  // rh^5/120 (up to 0.003 of sin) as a double-double too, then rh^7 S2(z)
  constexpr double k120Hi = 1.0 / 120.0;
  constexpr double k120Lo = 0x1.1111111111111p-63;  // 1/120 - k120Hi
  double c5, c5e;
  two_prod(c3, z, c5, c5e);
  const double c5l = c5e + (c3 * ze + c3l * z);  // rh^5 = c5 + c5l
  double t5, t5e;
  two_prod(c5, k120Hi, t5, t5e);
  const double t5l = t5e + (c5 * k120Lo + c5l * k120Hi);
  const double s2z = ((-1.0 / 5040.0 + z * (1.0 / 362880.0)) + z2 * (-1.0 / 39916800.0 + z * (1.0 / 6227020800.0))) +
                     z4 * ((-1.0 / 1307674368000.0 + z * (1.0 / 355687428096000.0)) +
                           z2 * (-1.0 / 121645100408832000.0));
  const double s3 = rh - t3;
  const double s3e = ((rh - s3) - t3);  // exact (|t3| <= 0.11 |rh|)
  const double ss = s3 + t5;
  const double sse = ((s3 - ss) + t5);  // exact (|t5| <= 0.003 |rh|)
  const double slow = ((s3e + sse) + (t5l - t3l)) +
                      ((c5 * z) * s2z + rl * ((1.0 - 0.5 * z) + z2 * (1.0 / 24.0)));
  const double sv = ss + slow;
  const double serr = (ss - sv) + slow;
  // cos: 1 - z/2 + z^2/24 + z^3 C1(z) - rl sin(rh)
  constexpr double k24Hi = 1.0 / 24.0;
  constexpr double k24Lo = 0x1.5555555555555p-59;
  const double h2 = 0.5 * z, h2e = 0.5 * ze;  // exact
  const double c1 = 1.0 - h2;
  const double c1e = (1.0 - c1) - h2;  // exact
  double q, qe;
  two_prod(z, z, q, qe);
  const double ql = qe + 2.0 * (z * ze);  // rh^4 = q + ql
  double t4, t4e;
  two_prod(q, k24Hi, t4, t4e);
  const double t4l = t4e + (q * k24Lo + ql * k24Hi);  // rh^4/24 = t4 + t4l
  const double c1z = ((-1.0 / 720.0 + z * (1.0 / 40320.0)) + z2 * (-1.0 / 3628800.0 + z * (1.0 / 479001600.0))) +
                     z4 * ((-1.0 / 87178291200.0 + z * (1.0 / 20922789888000.0)) +
                           z2 * (-1.0 / 6402373705728000.0 + z * (1.0 / 2432902008176640000.0)));
  const double cs = c1 + t4;
  const double cse = (c1 - cs) + t4;  // exact (c1 >= 0.69 > t4)
  const double clow = ((c1e + cse) + (t4l - h2e)) + ((q * z) * c1z - rl * (rh - c3 * (1.0 / 6.0)));
  const double cv = cs + clow;
  const double cerr = (cs - cv) + clow;
  // quadrant: k mod 4 from the shifter's low bits (k + 1 for the cosine)
  const std::uint64_t kq = bits(sh) + (cosine ? 1ULL : 0ULL);
  const bool odd = (kq & 1ULL) != 0;
  const double v = odd ? cv : sv;
  const double err = odd ? cerr : serr;
  const std::uint64_t neg = (kq & 2ULL) << 62;
  const double res = from_bits(bits(v) ^ neg);
  tie = near_tie(v, err, kSinTieWindow) + (math::abs(x) <= kReach ? 0.0 : 1.0) + tiny;
  return x == 0.0 && !cosine ? x : res;  // sin(-0) = -0
}
SO_VM_INLINE double sin_or_cos_checked(double x, bool cosine, double& tie) {
  return sin_or_cos_checked_on<false>(x, cosine, tie);
}
SO_VM_INLINE double sin_or_cos_checked_wide(double x, bool cosine, double& tie) {
  return sin_or_cos_checked_on<true>(x, cosine, tie);
}
SO_VM_INLINE double sin_checked(double x, double& tie) { return sin_or_cos_checked(x, false, tie); }
SO_VM_INLINE double cos_checked(double x, double& tie) { return sin_or_cos_checked(x, true, tie); }


// BBOB's oscillation T_osz (alpha = 0.1) to a few ulp of COCO's formula, not to its rounding
// (t = log|x| / 0.1, u = t + 0.49 (sin(c1 t) + sin(c2 t)), sign(x) pow(exp(u), 0.1); c1, c2 = 1,
// 0.79 for x > 0, 0.55, 0.31 for x < 0): why that is enough for f2-f4, f10, f11 and f15 is in
// bbob.hpp (tosz_array). exp(0.1 u) = |x| exp(0.049 (sin(c1 t) + sin(c2 t))): one log,
// the two sines (sin_absolute: an absolute error e of a sine moves T_osz by 0.049 e) and exp of an
// argument |w| <= 0.098 (a 7-term fit, 1.3e-17 relative); no double-double work and no deferral
// for rounding ties. Measured against COCO's formula in float64 (tests/test_vecmath.py::
// test_tosz_few_ulp): within a few ulp plus what COCO's own roundings of t and u move its value
// (up to 0.1 |u| ulp(u)). NaN where exp(u) overflows or is subnormal in COCO (|t| > 700:
// |x| > 1e30 or |x| < 1e-30), for the caller to recompute with the C library, as tosz_array does;
// 0 and NaN stay.
// Three stages, which tosz_few_ulp_array runs as three loops over the row: chained in one loop,
// log -> sin -> exp is one long dependent chain per element and the loop is latency-bound
// (measured: 0.64x the time of the single loop on the AVX-512 copy, 0.74x on AVX2).
// t = 10 log|x| (COCO divides by 0.1: an ulp of t, damped by 0.049); without log_few_ulp's special
// values and subnormal scaling: for 0, subnormals, inf and NaN |t| comes out above 7000, and the
// next stage hands those to the caller (0 stays 0) as it does every |t| > 700.
SO_VM_INLINE double tosz_log(double x) {  // log|x|, t / 10
  return vm::log_few_ulp_of(vm::log_reduce_normal(math::abs(x), 0.0));
}
SO_VM_INLINE double tosz_stage_log(double x) { return tosz_log(x) * 10.0; }
// w = 0.049 (sin(c1 t) + sin(c2 t)); NaN where COCO's exp(u) leaves the normal range (x != 0)
// T_osz's two sine arguments from t as COCO rounds them: t and 0.79 t for x > 0, else 0.55 t and
// 0.31 t (also f16's bitwise T_osz, bbob.hpp's tosz_exact_array)
SO_VM_INLINE void tosz_sine_arguments(double x, double t, double& a1, double& a2) {
  const bool pos = x > 0.0;
  a1 = pos ? t : 0.55 * t;
  a2 = (pos ? 0.79 : 0.31) * t;
}
SO_VM_INLINE double tosz_stage_sines(double x, double t) {
  double a1, a2;
  tosz_sine_arguments(x, t, a1, a2);
  const double w = 0.049 * (vm::sin_absolute(a1) + vm::sin_absolute(a2));
  const double far = math::abs(t) > 700.0 ? 1.0 : 0.0;  // a double flag (see near_tie)
  return far > 0.0 ? (x != 0.0 ? double(NAN) : 0.0) : w;
}
// sign(x) |x| exp(w) (the sign by its bit: +-0 stay)
SO_VM_INLINE double tosz_stage_scale(double x, double w) {
  // exp(w) - 1 = w + w^2 P(w), P of 7 terms fitted to the relative error of exp on |w| <= 0.098
  // (1.3e-17 with these doubles; tools/fit_kernels.py tosz_exp; the Taylor series it replaced took
  // 9), by Estrin's scheme, kept apart from the 1 so that |x| (1 + em1) rounds once
  const double w2 = w * w, w4 = w2 * w2;
  const double p = ((0.5000000000000018 + w * 0.16666666666727747) +
                    w2 * (0.04166666666550001 + w * 0.008333333001479258)) +
                   w4 * ((0.0013888890876606178 + w * 0.00019846694415828262) +
                         w2 * 2.4794042641354837e-05);
  const double em1 = w2 * p + w;
  const double ax = math::abs(x);
  const double r = ax + ax * em1;
  return from_bits(bits(r) | (bits(x) & 0x8000000000000000ULL));
}
// out[i] = T_osz(in[i]) to a few ulp, stage by stage (out holds t, then w); out must not alias in.
// Each loop takes 8 doubles per iteration (512-bit vectors on the AVX-512 copy, which otherwise
// prefers 256; two chains on AVX2): the same values, 0.7x the time there.
inline void tosz_few_ulp_array(const double* in, double* out, int n) {
  SO_SIMD_LATENCY_BOUND
  for (int i = 0; i < n; ++i) out[i] = tosz_stage_log(in[i]);
  SO_SIMD_LATENCY_BOUND
  for (int i = 0; i < n; ++i) out[i] = tosz_stage_sines(in[i], out[i]);
  SO_SIMD_LATENCY_BOUND
  for (int i = 0; i < n; ++i) out[i] = tosz_stage_scale(in[i], out[i]);
}

// COCO's T_asy^beta on coordinate i of d: x^(1 + coef sqrt(x)) for x > 0, else x, coef = beta
// i/(d-1) as COCO rounds it (bbob.hpp's instance tables hold it).
// NaN where pow may round differently from the C library (the caller recomputes those).
SO_VM_INLINE double tasy(double x, double coef) {
  const double xp = x > 0.0 ? x : 1.0;  // keeps sqrt and log away from negative arguments
  double tie;
  const double r = vm::pow(xp, 1.0 + coef * math::sqrt(xp), tie);
  return x > 0.0 ? (tie > 0.0 ? double(NAN) : r) : x;
}

// T_asy to a few ulp, for the callers that amplify no ulp beyond the contract (bbob.hpp):
// x^y = x exp((y - 1) log x) with COCO's rounded exponent y = 1 + coef sqrt(x) (y - 1 is
// then exact, and |(y - 1) log x| is small where y log x is not), by exp_few_ulp_normal:
// within a few ulp of the C library's pow (tests/test_vecmath.py::test_tasy_few_ulp). NaN where
// the C library's value is inf or NaN and this form's may not be (the caller recomputes those).
// tasy_few_ulp_with_log takes log x to a few ulp (any value where x <= 0): f3 and f15 pass
// T_osz's (tasy_tosz_few_ulp_array); tasy_few_ulp, with log_few_ulp's, is the form tested alone.
SO_VM_INLINE double tasy_few_ulp_with_log(double x, double coef, double log_x) {
  const double xp = x > 0.0 ? x : 1.0;  // keeps sqrt away from negative arguments
  const double y = 1.0 + coef * math::sqrt(xp);
  const double a = (y - 1.0) * log_x;  // > -0.15 for x > 0: exp's range ends only above
  const double r = xp * vm::exp_few_ulp_normal(a);
  // a double flag (see near_tie): r finite, a in exp_few_ulp_normal's range
  const double ok = (r <= 0x1.fffffffffffffp+1023 ? 1.0 : 0.0) * (a <= 700.0 ? 1.0 : 0.0);
  return x > 0.0 ? (ok > 0.0 ? r : double(NAN)) : x;
}
SO_VM_INLINE double tasy_few_ulp(double x, double coef) {
  return tasy_few_ulp_with_log(x, coef, vm::log_few_ulp(x > 0.0 ? x : 1.0));
}

// out (rows x n) = the n coefficients coef[0 .. n) row after row (the first row read, the others
// copied): per-coordinate coefficients for one loop over a block of rows (T_asy's c_i, f14's
// exponents), where rows of a few coordinates would each be a short loop bound by its latency
template <class C>
inline void repeat_per_row(const C& coef, double* out, int rows, int n) {
  for (int i = 0; i < n; ++i) out[i] = coef[i];
  for (int r = 1; r < rows; ++r) std::memcpy(out + std::int64_t(r) * n, out, sizeof(double) * n);
}

// T_asy^beta(T_osz(x)) for f3 and f15, stage by stage as tosz_few_ulp_array, and T_asy's log from
// T_osz's: log T_osz(x) = log|x| + w (x > 0), where w = 0.049 (sin + sin) is T_osz's exponent,
// instead of a second log (f3 0.81x the time, f15 0.87x; as accurate: test_tasy_tosz_few_ulp). out[i] = T_asy(T_osz(in[i])) with coef[i] its
// c_i (tasy_few_ulp); NaN where either leaves vecmath's range (the caller recomputes those).
// log_x and x: scratch of n doubles each; out must not alias in.
// tasy_tosz_few_ulp_rows: the same for `rows` rows of n coordinates (in and out rows x n, coef[i]
// for coordinate i of every row; log_x and x rows x n): each stage over all rows at once, whose
// loops are then long enough to be bound by throughput rather than by the latency of a row's
// chain (the blocks of 16 rows of f3 and f15).
template <class C>
inline void tasy_tosz_few_ulp_rows(const double* in, double* out, int rows, int n, const C& coef,
                                   double* log_x, double* x) {
  const int m = rows * n;
  SO_SIMD_LATENCY_BOUND
  for (int i = 0; i < m; ++i) log_x[i] = tosz_log(in[i]);
  SO_SIMD_LATENCY_BOUND
  for (int i = 0; i < m; ++i) {
    const double w = tosz_stage_sines(in[i], log_x[i] * 10.0);
    x[i] = w;
    log_x[i] = log_x[i] + w;
  }
  SO_SIMD_LATENCY_BOUND
  for (int i = 0; i < m; ++i) x[i] = tosz_stage_scale(in[i], x[i]);
  if (n >= 32) {  // a row's loop is long enough (the copy below took f3 and f15 1.01-1.04x there)
    for (int r = 0; r < rows; ++r) {
      const double* xr = x + std::int64_t(r) * n;
      const double* lr = log_x + std::int64_t(r) * n;
      double* outr = out + std::int64_t(r) * n;
      SO_SIMD_LATENCY_BOUND
      for (int i = 0; i < n; ++i) outr[i] = tasy_few_ulp_with_log(xr[i], coef[i], lr[i]);
    }
    return;
  }
  // short rows: the coefficients row after row in out, so that T_asy too is one loop over all
  // rows (f3 and f15 at D = 10: 0.82x and 0.86x the time)
  repeat_per_row(coef, out, rows, n);
  SO_SIMD_LATENCY_BOUND
  for (int i = 0; i < m; ++i) out[i] = tasy_few_ulp_with_log(x[i], out[i], log_x[i]);
}
template <class C>
inline void tasy_tosz_few_ulp_array(const double* in, double* out, int n, const C& coef,
                                    double* log_x, double* x) {
  tasy_tosz_few_ulp_rows(in, out, 1, n, coef, log_x, x);
}

#undef SO_VM_INLINE

}  // namespace vm
SO_NAMESPACE_END

#if defined(__GNUC__) && !defined(__clang__) && !defined(__CUDACC__)
#pragma GCC pop_options
#endif
