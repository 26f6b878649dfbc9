// Host driver of the batched integrator steps. The deterministic steps stream over the flat
// B x D array in contiguous blocks (memory-bound: one fused pass, nothing else touched); the
// stochastic steps go row by row, each thread drawing one row of Philox noise into its own
// scratch row, so the noise of row r never depends on which thread took it.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "scoreopt/integrators.hpp"
#include "scoreopt/problem.hpp"
#include "scoreopt/random.hpp"
#include "integrator_checks.hpp"

namespace scoreopt {

using namespace integrator_checks;

namespace {

constexpr std::int64_t kSerialBelow = 1 << 15;  // elements: smaller calls stay on one thread

void check_ptr(const void* p, std::int64_t B, const char* name) {
  if (B > 0 && p == nullptr) throw std::invalid_argument(std::string(name) + ": null pointer");
}


// Kept out of line: inlined, the block loop of normal_vector gets a runtime alias check whose
// fallback is scalar code (see smoothing_cpu.cpp).
template <class T>
__attribute__((noinline)) void draw_row(const NoiseKey& key, std::int64_t r, int d, T* z) {
  random::normal_vector(key.seed, key.step, std::uint32_t(key.row_offset + r), d, z);
}

// body(i0, i1) over [0, n) in contiguous blocks, one per thread
template <class F>
void for_blocks(std::int64_t n, F&& body) {
  if (n < kSerialBelow) {
    body(std::int64_t(0), n);
    return;
  }
  const int nt = num_threads();
#pragma omp parallel num_threads(nt)
  {
    const std::int64_t nth = omp_get_num_threads(), id = omp_get_thread_num();
    // block edges on multiples of 16 elements keep every block's vector loop aligned alike
    const std::int64_t per = ((n + nth - 1) / nth + 15) / 16 * 16;
    const std::int64_t i0 = std::min(n, id * per), i1 = std::min(n, i0 + per);
    if (i0 < i1) body(i0, i1);
  }
}

// body(r, z) over rows with a per-thread scratch row z of length D
template <class T, class F>
void for_rows_with_noise(std::int64_t B, std::int64_t D, const NoiseKey& key, F&& body) {
  const bool par = B * D >= kSerialBelow;
#pragma omp parallel num_threads(num_threads()) if (par)
  {
    std::vector<T> z(static_cast<size_t>(D));
#pragma omp for schedule(static)
    for (std::int64_t r = 0; r < B; ++r) {
      draw_row<T>(key, r, int(D), z.data());
      body(r, z.data());
    }
  }
}

}  // namespace

Schedule checked_schedule(Path path, double t, const PathParams& p) {
  if (!(t >= 0.0 && t <= 1.0))
    throw std::invalid_argument("t: expected a value in [0, 1], got " + num(t));
  if (path == Path::vp) {
    if (!(p.beta_min > 0) || !std::isfinite(p.beta_min))
      throw std::invalid_argument("beta_min: expected a finite value > 0");
    if (!(p.beta_max >= p.beta_min) || !std::isfinite(p.beta_max))
      throw std::invalid_argument("beta_max: expected a finite value >= beta_min");
  } else if (path == Path::cosine) {
    if (!(p.cosine_s > 0) || !std::isfinite(p.cosine_s))
      throw std::invalid_argument("s: expected a finite value > 0");
  } else if (path != Path::linear) {
    throw std::invalid_argument("path: unknown path " + std::to_string(int(path)));
  }
  return schedule(path, t, p);
}

template <class T>
void euler_step(T* x, const T* v, std::int64_t B, std::int64_t D, double dt) {
  check_sizes(B, D);
  check_ptr(x, B, "x");
  check_ptr(v, B, "v");
  check_finite(dt, "dt");
  const T h = T(dt);
  for_blocks(B * D, [&](std::int64_t i0, std::int64_t i1) {
    SO_SIMD
    for (std::int64_t i = i0; i < i1; ++i) x[i] += h * v[i];
  });
}

template <class T>
void heun_step(T* x, const T* v1, const T* v2, std::int64_t B, std::int64_t D, double dt) {
  check_sizes(B, D);
  check_ptr(x, B, "x");
  check_ptr(v1, B, "v1");
  check_ptr(v2, B, "v2");
  check_finite(dt, "dt");
  const T h = T(0.5 * dt);
  for_blocks(B * D, [&](std::int64_t i0, std::int64_t i1) {
    SO_SIMD
    for (std::int64_t i = i0; i < i1; ++i) x[i] += h * (v1[i] + v2[i]);
  });
}

// The noisy steps share one form, x <- a x + b field + c z with z ~ N(0, I) from the key;
// only their coefficients differ (integrator_checks.hpp computes them for CPU and CUDA).
template <class T>
void noisy_affine_step(T* x, const T* field, std::int64_t B, std::int64_t D, T a, T b, T c,
                       const NoiseKey& key) {
  for_rows_with_noise<T>(B, D, key, [&](std::int64_t r, const T* z) {
    T* xr = x + r * D;
    const T* fr = field + r * D;
    SO_SIMD
    for (std::int64_t i = 0; i < D; ++i) xr[i] = a * xr[i] + b * fr[i] + c * z[i];
  });
}

template <class T>
void euler_maruyama_step(T* x, const T* score, std::int64_t B, std::int64_t D, double f, double g,
                         double dt, const NoiseKey& key) {
  check_sizes(B, D);
  check_ptr(x, B, "x");
  check_ptr(score, B, "score");
  const NoisyCoefficients k = euler_maruyama_coefficients(f, g, dt);
  check_key(key, B);
  noisy_affine_step<T>(x, score, B, D, T(k.a), T(k.b), T(k.noise_std), key);
}

template <class T>
void langevin_step(T* x, const T* score, std::int64_t B, std::int64_t D, double step_size,
                   const NoiseKey& key) {
  check_sizes(B, D);
  check_ptr(x, B, "x");
  check_ptr(score, B, "score");
  const NoisyCoefficients k = langevin_coefficients(step_size);
  check_key(key, B);
  noisy_affine_step<T>(x, score, B, D, T(k.a), T(k.b), T(k.noise_std), key);
}

template <class T>
void ddpm_step(T* x, const T* eps_pred, std::int64_t B, std::int64_t D, double beta,
               double alpha_bar, double alpha_bar_prev, const NoiseKey& key) {
  check_sizes(B, D);
  check_ptr(x, B, "x");
  check_ptr(eps_pred, B, "eps");
  const NoisyCoefficients k = ddpm_coefficients(beta, alpha_bar, alpha_bar_prev);
  check_key(key, B);
  const T a = T(k.a), b = T(k.b);
  const T c = T(k.noise_std);
  if (!(k.noise_std > 0)) {  // last step: the posterior mean, no noise drawn
    for_blocks(B * D, [&](std::int64_t i0, std::int64_t i1) {
      SO_SIMD
      for (std::int64_t i = i0; i < i1; ++i) x[i] = a * x[i] + b * eps_pred[i];
    });
    return;
  }
  noisy_affine_step<T>(x, eps_pred, B, D, a, b, c, key);
}

template <class T>
void convert_field(Field from, Field to, const Schedule& s, const T* x, const T* in, T* out,
                   std::int64_t B, std::int64_t D) {
  check_sizes(B, D);
  check_ptr(x, B, "x");
  check_ptr(in, B, "field");
  check_ptr(out, B, "out");
  double cx, cin;
  conversion_coefficients(from, to, s, cx, cin);
  if (!std::isfinite(cx) || !std::isfinite(cin))
    throw std::invalid_argument(
        "t: the conversion is singular at this time (alpha or sigma is 0, or the velocity "
        "does not depend on eps)");
  const T a = T(cx), b = T(cin);
  for_blocks(B * D, [&](std::int64_t i0, std::int64_t i1) {
    SO_SIMD
    for (std::int64_t i = i0; i < i1; ++i) out[i] = a * x[i] + b * in[i];
  });
}

#define SO_INSTANTIATE(T)                                                                     \
  template void euler_step<T>(T*, const T*, std::int64_t, std::int64_t, double);             \
  template void heun_step<T>(T*, const T*, const T*, std::int64_t, std::int64_t, double);    \
  template void euler_maruyama_step<T>(T*, const T*, std::int64_t, std::int64_t, double,     \
                                       double, double, const NoiseKey&);                      \
  template void langevin_step<T>(T*, const T*, std::int64_t, std::int64_t, double,           \
                                 const NoiseKey&);                                            \
  template void ddpm_step<T>(T*, const T*, std::int64_t, std::int64_t, double, double, double, \
                             const NoiseKey&);                                                \
  template void convert_field<T>(Field, Field, const Schedule&, const T*, const T*, T*,       \
                                 std::int64_t, std::int64_t);
SO_INSTANTIATE(float)
SO_INSTANTIATE(double)
#undef SO_INSTANTIATE

}  // namespace scoreopt
