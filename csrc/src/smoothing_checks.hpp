// The option checks of the smoothing estimator, shared by the CPU (smoothing_cpu.cpp) and CUDA
// (cuda/smoothing.cu) paths so both reject the same calls with the same words. Internal header;
// the checks that read X and sigma stay with each path (host vs device memory).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "scoreopt/smoothing.hpp"

namespace scoreopt::smoothing_checks {

inline void check_options(std::int64_t m, std::int64_t sigma_len, const SmoothingOptions& opt,
                          bool want_weighted_mean) {
  const std::int64_t K = opt.samples;
  if (m <= 0) throw std::invalid_argument("X: expected at least one center");
  if (K < 2) throw std::invalid_argument("samples: expected at least 2, got " + std::to_string(K));
  if (opt.antithetic && K % 2)
    throw std::invalid_argument("samples: antithetic sampling needs an even count, got " +
                                std::to_string(K));
  if (K > (std::int64_t(1) << 32)) throw std::invalid_argument("samples: at most 2^32 per center");
  if (sigma_len != 1 && sigma_len != m)
    throw std::invalid_argument("sigma: expected a scalar or one value per center (" +
                                std::to_string(m) + "), got " + std::to_string(sigma_len));
  if (!(opt.temperature >= 0.0) || !std::isfinite(opt.temperature))
    throw std::invalid_argument("temperature: expected a finite value > 0");
  if ((opt.lower == nullptr) != (opt.upper == nullptr))
    throw std::invalid_argument("bounds: give both lower and upper");
  if (want_weighted_mean && !(opt.temperature > 0))
    throw std::invalid_argument("temperature: the weighted mean needs a temperature > 0");
}

// The kernel's factor (host memory): finite, lower-triangular, with a diagonal > 0.
inline void check_factor(const SmoothingOptions& opt, int d) {
  const double* a = opt.factor;
  if (!a) return;
  const std::int64_t n = opt.factor_diagonal ? d : std::int64_t(d) * d;
  auto fail = [&](const char* what, std::int64_t k, std::int64_t i, std::int64_t j) {
    const std::string at = opt.factor_diagonal ? "[" + std::to_string(i) + "]"
                                               : "[" + std::to_string(i) + ", " + std::to_string(j) + "]";
    char v[32];
    std::snprintf(v, sizeof v, "%.17g", a[k]);
    throw std::invalid_argument(std::string("factor: expected ") + what + ", got " + v + " at " + at);
  };
  for (std::int64_t k = 0; k < n; ++k) {
    const std::int64_t i = opt.factor_diagonal ? k : k / d, j = opt.factor_diagonal ? k : k % d;
    if (!std::isfinite(a[k])) fail("finite values", k, i, j);
    if (j > i && a[k] != 0.0) fail("a lower-triangular matrix (zeros above the diagonal)", k, i, j);
    if (j == i && !(a[k] > 0.0)) fail("a diagonal > 0 (a Cholesky factor)", k, i, j);
  }
}

}  // namespace scoreopt::smoothing_checks
