// Counter-based Gaussian noise: Philox4x32-10 (Salmon et al., SC'11) keyed by the seed, with the
// counter (block, sample, center). Any (seed, center, sample) gives the same vector on every
// backend and in any order, so nothing has to be stored to replay a sample, and the CPU and CUDA
// paths draw identical noise.
#pragma once

#include <cstdint>
#include <cstring>

#include "scoreopt/config.hpp"
#include "scoreopt/math.hpp"

namespace scoreopt::random {

struct U4 {
  std::uint32_t v[4];
};

SO_HD void mulhilo(std::uint32_t a, std::uint32_t b, std::uint32_t& hi, std::uint32_t& lo) {
  const std::uint64_t p = std::uint64_t(a) * std::uint64_t(b);
  hi = std::uint32_t(p >> 32);
  lo = std::uint32_t(p);
}

SO_HD U4 philox4x32(std::uint32_t c0, std::uint32_t c1, std::uint32_t c2, std::uint32_t c3,
                    std::uint32_t k0, std::uint32_t k1) {
  for (int r = 0; r < 10; ++r) {
    std::uint32_t hi0, lo0, hi1, lo1;
    mulhilo(0xD2511F53u, c0, hi0, lo0);
    mulhilo(0xCD9E8D57u, c2, hi1, lo1);
    const std::uint32_t n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
    c0 = n0;
    c1 = lo1;
    c2 = n2;
    c3 = lo0;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return U4{{c0, c1, c2, c3}};
}

// ln(u) for u in (0, 1], branch-free (frexp by bit manipulation, then an atanh series), so that
// Box-Muller vectorizes. Relative error about 1e-15.
SO_HD double log_unit(double u) {
  std::uint64_t bits;
  std::memcpy(&bits, &u, sizeof bits);
  const std::int64_t e = std::int64_t((bits >> 52) & 0x7FF) - 1022;  // u = m 2^e, m in [0.5, 1)
  bits = (bits & 0x000FFFFFFFFFFFFFull) | 0x3FE0000000000000ull;
  double m;
  std::memcpy(&m, &bits, sizeof m);
  // move m into [sqrt(1/2), sqrt(2)) so the series argument stays below 0.172
  const bool low = m < 0.70710678118654752;
  m = low ? m * 2.0 : m;
  const double ef = double(e) - (low ? 1.0 : 0.0);
  const double s = (m - 1.0) / (m + 1.0);
  const double z = s * s;
  double p = 1.0 / 21.0;
  p = p * z + 1.0 / 19.0;
  p = p * z + 1.0 / 17.0;
  p = p * z + 1.0 / 15.0;
  p = p * z + 1.0 / 13.0;
  p = p * z + 1.0 / 11.0;
  p = p * z + 1.0 / 9.0;
  p = p * z + 1.0 / 7.0;
  p = p * z + 1.0 / 5.0;
  p = p * z + 1.0 / 3.0;
  p = p * z + 1.0;
  return ef * 0.69314718055994531 + 2.0 * s * p;
}

// ln(u) for u in (0, 1] in float, same construction (relative error about 1e-7).
SO_HD float log_unit(float u) {
  std::uint32_t bits;
  std::memcpy(&bits, &u, sizeof bits);
  const std::int32_t e = std::int32_t((bits >> 23) & 0xFF) - 126;
  bits = (bits & 0x007FFFFFu) | 0x3F000000u;
  float m;
  std::memcpy(&m, &bits, sizeof m);
  const bool low = m < 0.70710678f;
  m = low ? m * 2.0f : m;
  const float ef = float(e) - (low ? 1.0f : 0.0f);
  const float s = (m - 1.0f) / (m + 1.0f);
  const float z = s * s;
  float p = 1.0f / 9.0f;
  p = p * z + 1.0f / 7.0f;
  p = p * z + 1.0f / 5.0f;
  p = p * z + 1.0f / 3.0f;
  p = p * z + 1.0f;
  return ef * 0.69314718f + 2.0f * s * p;
}

// Two standard normals from two 32-bit words (Box-Muller in T). Uniforms use the top 24 bits
// (float) or all 32 bits (double), offset by half a step so that log never sees 0.
template <class T>
SO_HD void box_muller(std::uint32_t a, std::uint32_t b, T& z0, T& z1) {
  T u1, u2;
  if constexpr (sizeof(T) == sizeof(float)) {
    u1 = (T(std::int32_t(a >> 8)) + T(0.5)) * T(1.0 / 16777216.0);
    u2 = (T(std::int32_t(b >> 8)) + T(0.5)) * T(1.0 / 16777216.0);
  } else {
    u1 = (T(a) + T(0.5)) * T(1.0 / 4294967296.0);
    u2 = (T(b) + T(0.5)) * T(1.0 / 4294967296.0);
  }
  const T rad = math::sqrt(T(-2) * log_unit(u1));
  T sn, cs;
  math::FastMath::sincospi(T(2) * u2, sn, cs);
  z0 = rad * cs;
  z1 = rad * sn;
}

// eps (length d) for (seed, center, sample). With B = ceil(d / 4) Philox blocks, the four normals
// of block j are coordinates j, B + j, 2B + j and 3B + j: each output stream is contiguous in j,
// which lets the block loop vectorize (written without arrays for the same reason).
template <class T>
SO_HD void normal_vector(std::uint64_t seed, std::uint64_t center, std::uint32_t sample, int d,
                         T* eps) {
  const int B = (d + 3) / 4;
  const std::uint32_t clo = std::uint32_t(center), chi = std::uint32_t(center >> 32);
  const std::uint32_t k0 = std::uint32_t(seed), k1 = std::uint32_t(seed >> 32);
  const int full = d - 3 * B > 0 ? d - 3 * B : 0;  // blocks whose four coordinates all exist
  // four disjoint output streams; saying so keeps the compiler from a runtime alias check that
  // falls back to scalar code for short rows
  T* __restrict o0 = eps;
  T* __restrict o1 = eps + B;
  T* __restrict o2 = eps + 2 * B;
  T* __restrict o3 = eps + 3 * B;
  SO_SIMD
  for (int j = 0; j < full; ++j) {
    const U4 r = philox4x32(std::uint32_t(j), sample, clo, chi, k0, k1);
    T z0, z1, z2, z3;
    box_muller<T>(r.v[0], r.v[1], z0, z1);
    box_muller<T>(r.v[2], r.v[3], z2, z3);
    o0[j] = z0;
    o1[j] = z1;
    o2[j] = z2;
    o3[j] = z3;
  }
  for (int j = full; j < B; ++j) {
    const U4 r = philox4x32(std::uint32_t(j), sample, clo, chi, k0, k1);
    T z[4];
    box_muller<T>(r.v[0], r.v[1], z[0], z[1]);
    box_muller<T>(r.v[2], r.v[3], z[2], z[3]);
    for (int q = 0; q < 4; ++q)
      if (q * B + j < d) eps[q * B + j] = z[q];
  }
}

}  // namespace scoreopt::random
