// Elementary functions used by the objective definitions, in two policies.
//
// FastMath is branch-free polynomial code that the host compiler vectorizes inside
// `omp simd` loops (glibc's scalar sin/cos stop vectorization, and its vector library needs
// -ffast-math, which would break NaN/Inf handling everywhere). It covers the argument range
// that matters for optimization and returns NaN outside it. PreciseMath is the C library,
// exact at any magnitude. The evaluation drivers run FastMath and redo a row with PreciseMath
// only when the fast result is NaN, so results are correct everywhere and fast where it counts.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "scoreopt/config.hpp"

SO_NAMESPACE_BEGIN
namespace math {

template <class T>
SO_HD T rint(T x) {
#if defined(__CUDA_ARCH__)
  return ::rint(x);
#else
  return std::rint(x);
#endif
}

template <class T>
SO_HD T floor(T x) {
#if defined(__CUDA_ARCH__)
  return ::floor(x);
#else
  return std::floor(x);
#endif
}

template <class T>
SO_HD T sqrt(T x) {
#if defined(__CUDA_ARCH__)
  return ::sqrt(x);
#else
  return std::sqrt(x);
#endif
}

template <class T>
SO_HD T abs(T x) {
#if defined(__CUDA_ARCH__)
  return ::fabs(x);
#else
  return std::fabs(x);
#endif
}

template <class T>
SO_HD T exp(T x) {
#if defined(__CUDA_ARCH__)
  return ::exp(x);
#else
  return std::exp(x);
#endif
}

template <class T>
SO_HD T expm1(T x) {
#if defined(__CUDA_ARCH__)
  return ::expm1(x);
#else
  return std::expm1(x);
#endif
}

template <class T>
SO_HD T log1p(T x) {
#if defined(__CUDA_ARCH__)
  return ::log1p(x);
#else
  return std::log1p(x);
#endif
}

constexpr double kPi = 3.14159265358979323846264338327950288;
constexpr double kE = 2.71828182845904523536028747135266250;

// (The fast kernels are always inlined: a call inside an `omp simd` loop stops its vectorization,
// and GCC's inliner declines them in large loops under some -mtune settings: the portable
// x86-64-v3/v4 copies ran levy in float64 at a fifth of the -march=native speed before.)
// Taylor polynomials for sin and cos on |r| <= pi/4. Truncation error is below 1e-19 (double)
// and 3e-8 (float); Horner rounding keeps both within about one ulp.
template <class T>
struct Kernel;

template <>
struct Kernel<double> {
  SO_HD_FORCE static double sin(double r) {
    const double z = r * r;
    double p = 1.0 / 355687428096000.0;
    p = p * z - 1.0 / 1307674368000.0;
    p = p * z + 1.0 / 6227020800.0;
    p = p * z - 1.0 / 39916800.0;
    p = p * z + 1.0 / 362880.0;
    p = p * z - 1.0 / 5040.0;
    p = p * z + 1.0 / 120.0;
    p = p * z - 1.0 / 6.0;
    return r + r * z * p;
  }
  SO_HD_FORCE static double cos(double r) {
    const double z = r * r;
    double q = -1.0 / 6402373705728000.0;
    q = q * z + 1.0 / 20922789888000.0;
    q = q * z - 1.0 / 87178291200.0;
    q = q * z + 1.0 / 479001600.0;
    q = q * z - 1.0 / 3628800.0;
    q = q * z + 1.0 / 40320.0;
    q = q * z - 1.0 / 720.0;
    q = q * z + 1.0 / 24.0;
    return 1.0 - z * (0.5 - z * q);
  }
  // sin^2(pi r) on |r| <= 1/2 as z P(z), z = r^2, P of degree 10: a Chebyshev fit of
  // sin^2(pi sqrt(z)) / z on [0, 1/4] (truncation 1.2e-18 relative). One polynomial and no quadrant
  // logic, about half the work of sin and cos; its Horner rounding (coefficients up to 43 against
  // values of 4 to 10) leaves up to 7e-16 relative (measured, with and without FMA), against one
  // ulp for the sin kernel.
  SO_HD_FORCE static double sinpi_sq_half(double r) {
    const double z = r * r;
    double p = 0.0001463453581178668;
    p = p * z - 0.0018810629948578536;
    p = p * z + 0.018188472932155073;
    p = p * z - 0.14100237294484366;
    p = p * z + 0.8571952739808597;
    p = p * z - 3.9517681786638077;
    p = p * z + 13.213128391312958;
    p = p * z - 30.122320685926645;
    p = p * z + 42.72840860334668;
    p = p * z - 32.46969701133415;
    p = p * z + 9.869604401089358;  // ~ pi^2
    return z * p;
  }
  // sin r on |r| <= pi/2 (FastMath's sin_or_cos_by_pi): r + r z P(z), z = r^2, P of degree 7
  // fitted to the relative error (5e-18 with these doubles; tools/fit_kernels.py sin), one
  // polynomial in place of the two kernels and the quadrant selects, evaluated by Estrin's scheme
  // (its caller f20 evaluates it in long vector loops). The Taylor series it replaced went to
  // r^21 for 1.2e-18: 2 more terms. (T_osz, which needs only an absolute error, has its own
  // shorter sine: vecmath.hpp's sin_absolute.)
  SO_HD_FORCE static double sin_half_pi(double r) {
    const double z = r * r;
    const double z2 = z * z, z4 = z2 * z2;
    const double p01 = -0.16666666666666666 + z * 0.008333333333333194;
    const double p23 = -0.00019841269841209213 + z * 2.755731921113652e-06;
    const double p45 = -2.505210687274172e-08 + z * 1.605893970317535e-10;
    const double p67 = -7.642991424998957e-13 + z * 2.7211743404799903e-15;
    const double p = (p01 + z2 * p23) + z4 * (p45 + z2 * p67);
    return r + r * z * p;
  }
  // cos r on |r| <= pi/2 (FastMath's cos_by_pi): 1 - z/2 + z^2 P(z), z = r^2, P of 7 terms fitted
  // to the absolute error (1.2e-17 with these doubles; tools/fit_kernels.py cos --terms 7), by
  // Estrin's scheme; 1 - z/2 with its rounding error carried (exact: 1 - w for w in [1/2, 1]),
  // so that values next to 1 keep their last bits.
  SO_HD_FORCE static double cos_half_pi(double r) {
    const double z = r * r;
    const double z2 = z * z, z4 = z2 * z2;
    const double p = ((0.04166666666666583 + z * -0.0013888888888830037) +
                      z2 * (2.4801587285781484e-05 + z * -2.755731706828265e-07)) +
                     z4 * ((2.0876592581022175e-09 + z * -1.1463635142330372e-11) +
                           z2 * 4.616132001292537e-14);
    const double hz = 0.5 * z;
    const double w = 1.0 - hz;
    return w + (((1.0 - w) - hz) + z2 * p);
  }
  // The same to 2e-12 relative (degree 7, fitted the same way), for results rounded to float.
  SO_HD_FORCE static double sinpi_sq_half_short(double r) {
    const double z = r * r;
    double p = -0.12389076485702306;
    p = p * z + 0.850384537480908;
    p = p * z - 3.950341729508644;
    p = p * z + 13.212962172900312;
    p = p * z - 30.122310144547647;
    p = p * z + 42.728408274601684;
    p = p * z - 32.46969700742463;
    p = p * z + 9.869604401081725;
    return z * p;
  }
};

template <>
struct Kernel<float> {
  SO_HD_FORCE static float sin(float r) {
    const float z = r * r;
    float p = 1.0f / 362880.0f;
    p = p * z - 1.0f / 5040.0f;
    p = p * z + 1.0f / 120.0f;
    p = p * z - 1.0f / 6.0f;
    return r + r * z * p;
  }
  // sin^2(pi r) on |r| <= 1/2 as z P(z), z = r^2, P of degree 5 fitted to the relative error
  // (max 1.4e-8 before rounding): 7 multiply-adds, no sign or quadrant logic.
  SO_HD_FORCE static float sinpi_sq_half(float r) {
    const float z = r * r;
    float p = -3.3361863408919348f;
    p = p * z + 13.03707727420269f;
    p = p * z - 30.098539672075745f;
    p = p * z + 42.7269253482798f;
    p = p * z - 32.46966223625087f;
    p = p * z + 9.869604262328885f;  // ~ pi^2
    return z * p;
  }
  // sin r on the wider |r| <= pi/2, degree 9, fitted to the relative error (6e-9 before
  // rounding; 1.9 ulp after float rounding, measured on 2e6 points): FastMath's sin and cos of a
  // float reduce by pi instead of pi/2, so that one polynomial and a sign replace the quadrant
  // logic's two kernels and selects.
  SO_HD_FORCE static float sin_half_pi(float r) {
    const float z = r * r;
    float p = 2.605780082376441e-06f;
    p = p * z - 0.00019809602235909551f;
    p = p * z + 0.00833306647837162f;
    p = p * z - 0.16666659712791443f;
    return r + r * z * p;
  }
  SO_HD_FORCE static float cos(float r) {
    const float z = r * r;
    float q = -1.0f / 3628800.0f;
    q = q * z + 1.0f / 40320.0f;
    q = q * z - 1.0f / 720.0f;
    q = q * z + 1.0f / 24.0f;
    return 1.0f - z * (0.5f - z * q);
  }
};

// sin and cos of r + q*pi/2, |r| <= pi/4, q an integer held in floating point (so huge
// quadrant counts never overflow an int conversion).
template <class T>
SO_HD_FORCE void sincos_quadrant(T r, T q, T& s, T& c) {
  const T q4 = q - T(4) * floor(q * T(0.25));  // exact, in {0, 1, 2, 3}
  const T ks = Kernel<T>::sin(r);
  const T kc = Kernel<T>::cos(r);
  const bool odd = (q4 == T(1)) || (q4 == T(3));
  const T bs = odd ? kc : ks;
  const T bc = odd ? ks : kc;
  s = (q4 >= T(2)) ? -bs : bs;
  c = (q4 == T(1) || q4 == T(2)) ? -bc : bc;
}

// Cody-Waite split of pi/2: the leading parts have trailing zero bits so that n * part is
// exact for every quadrant count the fast path accepts.
template <class T>
struct PiOver2;
template <>
struct PiOver2<double> {
  static constexpr double c1 = 1.57079632673412561417e+00;
  static constexpr double c2 = 6.07710050630396597660e-11;
  static constexpr double c3 = 2.02226624879595063154e-21;
  static constexpr double limit = 5.0e5;  // |n| < 2^19: n * c1 stays exact
};
template <>
struct PiOver2<float> {
  static constexpr float c1 = 1.5703125f;
  static constexpr float c2 = 4.837512969970703125e-4f;
  static constexpr float c3 = 7.54978995489188216e-8f;
  static constexpr float limit = 8000.0f;
};

struct FastMath {
  template <class T>
  SO_HD_FORCE static void sincos(T x, T& s, T& c) {
    const T n = rint(x * T(2.0 / kPi));
    T r = x - n * PiOver2<T>::c1;
    r = r - n * PiOver2<T>::c2;
    r = r - n * PiOver2<T>::c3;
    sincos_quadrant(r, n, s, c);
    // Outside the range where the reduction is exact: NaN asks the driver for PreciseMath.
    const bool bad = !(abs(x) <= PiOver2<T>::limit);
    s = bad ? T(NAN) : s;
    c = bad ? T(NAN) : c;
  }
  // sin(pi x) and cos(pi x): the reduction x - n/2 is exact at every magnitude.
  template <class T>
  SO_HD_FORCE static void sincospi(T x, T& s, T& c) {
    const T n = rint(x + x);
    const T r = (x - T(0.5) * n) * T(kPi);
    sincos_quadrant(r, n, s, c);
  }
  // sin^2(pi x): period 1, so x - rint(x) is the whole reduction and no quadrant logic is
  // needed. The float path has its own short polynomial (rastrigin's and ackley's inner loop).
  template <class T>
  SO_HD_FORCE static T sinpi_sq(T x) {
    if constexpr (sizeof(T) == sizeof(float)) {
      return Kernel<float>::sinpi_sq_half(x - rint(x));
    } else {
      T s, c;
      sincospi(x, s, c);
      return s * s;
    }
  }
  // sin^2(pi x) and cos^2(pi x) of a phase held in double (one that must be reduced in double
  // whatever the caller's T), to T's precision: the double kernel for T = double, the shorter one
  // (2e-12) for a result that is rounded to float. x - rint(x) is exact at every magnitude, and
  // cos^2(pi x) = sin^2(pi (1/2 - |r|)), r = x - rint(x), where 1/2 - |r| is exact for |r| >= 1/4
  // (Sterbenz), so the zeros of cos^2 at half-integers come out exactly 0.
  template <class T>
  SO_HD_FORCE static double sinpi_sq_half64(double r) {
    if constexpr (sizeof(T) == sizeof(float)) {
      return Kernel<double>::sinpi_sq_half_short(r);
    } else {
      return Kernel<double>::sinpi_sq_half(r);
    }
  }
  template <class T>
  SO_HD_FORCE static double sinpi_sq64(double x) { return sinpi_sq_half64<T>(x - rint(x)); }
  template <class T>
  SO_HD_FORCE static double cospi_sq64(double x) { return sinpi_sq_half64<T>(0.5 - abs(x - rint(x))); }
  // sin or cos alone. float: x = k pi + r for sin (k = rint(x / pi)), x = k pi - pi/2 + r for cos
  // (k = floor(x / pi) + 1, since cos x = sin(x + pi/2)), |r| <= pi/2; the result is (-1)^k sin r,
  // one polynomial (Kernel<T>::sin_half_pi) where sincos evaluates two and selects. The
  // multiple of pi/2 (2k or 2k - 1) is removed with sincos's Cody-Waite parts, exact over the
  // same range. double keeps sincos here (within 1 ulp of the C library, where
  // sin_or_cos_by_pi<double> is within 3): the BBOB callers of double sin (f17/f18's
  // sin(50 s^0.1)) amplify an ulp; f20's z sin(sqrt|z|), which does not, takes
  // sin_or_cos_by_pi<double> (bbob.hpp, sin_one_polynomial), T_osz vecmath.hpp's sin_absolute,
  // and the cosine sums of f3, f4, f15, f24 cos_by_pi (an ulp next to +-1, where they cancel).
  template <class T>
  SO_HD_FORCE static T sin(T x) {
    if constexpr (sizeof(T) == sizeof(float)) {
      return sin_or_cos_by_pi(x, false);
    } else {
      T s, c;
      sincos(x, s, c);
      return s;
    }
  }
  template <class T>
  SO_HD_FORCE static T cos(T x) {
    if constexpr (sizeof(T) == sizeof(float)) {
      return sin_or_cos_by_pi(x, true);
    } else {
      T s, c;
      sincos(x, s, c);
      return c;
    }
  }
  // x = k pi + r (sin_or_cos_by_pi's cos: x = k pi - pi/2 + r), |r| <= pi/2, and t, whose
  // lowest bit is k's parity. rint by the 1.5 * 2^23 (2^52) shifter: the integer lands in the low
  // mantissa bits of t; for cos, k = rint(x / pi - 1/2) + 1 (the same as floor(x / pi) + 1 but at
  // the exact ties, where either r = +-pi/2 is right)
  template <class T>
  struct ByPi {
    T r, t;
  };
  template <class T>
  SO_HD_FORCE static ByPi<T> reduce_by_pi(T x, bool cosine) {
    constexpr T kShifter = sizeof(T) == sizeof(float) ? T(12582912.0) : T(6755399441055744.0);
    const T q = x * T(1.0 / kPi);
    const T t = (cosine ? q - T(0.5) : q) + kShifter;
    const T m = t - kShifter;
    // x = n pi/2 + r; for sin n = 2m, and m (2 c_k) is the same double as (2m) c_k (scaling by 2
    // is exact), one multiply fewer
    const T n = cosine ? T(2) * m + T(1) : m;
    const T f = cosine ? T(1) : T(2);
    T r = x - n * (f * PiOver2<T>::c1);
    r = r - n * (f * PiOver2<T>::c2);
    r = r - n * (f * PiOver2<T>::c3);
    return {r, t};
  }
  // (-1)^k v for reduce_by_pi's t (k + 1 for its cos), NaN beyond the range where the reduction
  // is exact
  template <class T>
  SO_HD_FORCE static T sign_by_pi(T v, T t, bool cosine, T x) {
    using U = std::conditional_t<sizeof(T) == sizeof(float), std::uint32_t, std::uint64_t>;
    U tb, vb;
    std::memcpy(&tb, &t, sizeof tb);
    std::memcpy(&vb, &v, sizeof vb);
    vb ^= ((cosine ? tb + U(1) : tb) & U(1)) << (8 * sizeof(T) - 1);  // k odd: -v
    T res;
    std::memcpy(&res, &vb, sizeof res);
    return abs(x) <= PiOver2<T>::limit ? res : T(NAN);
  }
  template <class T>
  SO_HD_FORCE static T sin_or_cos_by_pi(T x, bool cosine) {
    const ByPi<T> b = reduce_by_pi(x, cosine);
    return sign_by_pi(Kernel<T>::sin_half_pi(b.r), b.t, cosine, x);
  }
  // cos x (double, |x| <= 5e5, NaN beyond) as (-1)^k cos r, x = k pi + r, by the one cos kernel
  // (Kernel<double>::cos_half_pi): within an ulp where |cos x| >= 0.8, as sincos, next to +-1,
  // where the cosine sums of BBOB's Rastrigins (f3, f4, f15, f24) cancel near the optimum, and
  // 3.3e-16 absolute elsewhere (sincos: 2.2e-16; tests/test_vecmath.py::test_cos_by_pi_double).
  // sin_or_cos_by_pi's cos, the sin kernel at r = +-pi/2 there, is 2 ulp off next to +-1 and
  // quadrupled those functions' distance to cocoex near the optimum.
  SO_HD_FORCE static double cos_by_pi(double x) {
    const ByPi<double> b = reduce_by_pi(x, false);
    return sign_by_pi(Kernel<double>::cos_half_pi(b.r), b.t, false, x);
  }
  template <class T>
  SO_HD_FORCE static T sinpi(T x) {
    T s, c;
    sincospi(x, s, c);
    return s;
  }
  template <class T>
  SO_HD_FORCE static T cospi(T x) {
    T s, c;
    sincospi(x, s, c);
    return c;
  }
};

struct PreciseMath {
  template <class T>
  SO_HD static T sin(T x) {
#if defined(__CUDA_ARCH__)
    return ::sin(x);
#else
    return std::sin(x);
#endif
  }
  template <class T>
  SO_HD static T cos(T x) {
#if defined(__CUDA_ARCH__)
    return ::cos(x);
#else
    return std::cos(x);
#endif
  }
  template <class T>
  SO_HD static void sincos(T x, T& s, T& c) {
    s = sin(x);
    c = cos(x);
  }
  template <class T>
  SO_HD static T reduce2(T x) {  // x mod 2 into [-1, 1], exact
#if defined(__CUDA_ARCH__)
    return ::remainder(x, T(2));
#else
    return std::remainder(x, T(2));
#endif
  }
  template <class T>
  SO_HD static void sincospi(T x, T& s, T& c) {
    const T r = reduce2(x) * T(kPi);
    s = sin(r);
    c = cos(r);
  }
  template <class T>
  SO_HD static T sinpi(T x) {
    return sin(reduce2(x) * T(kPi));
  }
  template <class T>
  SO_HD static T sinpi_sq(T x) {
    const T s = sinpi(x);
    return s * s;
  }
  template <class T>
  SO_HD static T cospi(T x) {
    return cos(reduce2(x) * T(kPi));
  }
  template <class T>
  SO_HD static double sinpi_sq64(double x) { return sinpi_sq(x); }
  template <class T>
  SO_HD static double cospi_sq64(double x) {
    const double c = cospi(x);
    return c * c;
  }
};

}  // namespace math
SO_NAMESPACE_END
