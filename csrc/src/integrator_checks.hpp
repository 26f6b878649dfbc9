// Argument checks shared by the CPU (integrators_cpu.cpp) and CUDA (cuda/integrators.cu)
// integrator steps, so both reject the same inputs with the same words. Internal header.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "scoreopt/integrators.hpp"

namespace scoreopt::integrator_checks {

inline std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

inline void check_sizes(std::int64_t B, std::int64_t D) {
  if (B < 0) throw std::invalid_argument("x: expected B >= 0 rows, got " + std::to_string(B));
  if (D < 1) throw std::invalid_argument("x: expected D >= 1 columns, got " + std::to_string(D));
  if (D > (std::int64_t(1) << 30))
    throw std::invalid_argument("x: at most 2^30 columns, got " + std::to_string(D));
}

inline void check_finite(double v, const char* name) {
  if (!std::isfinite(v))
    throw std::invalid_argument(std::string(name) + ": expected a finite value, got " + num(v));
}

inline void check_key(const NoiseKey& key, std::int64_t B) {
  if (key.row_offset < 0)
    throw std::invalid_argument("row_offset: expected >= 0, got " + std::to_string(key.row_offset));
  if (key.row_offset + B > (std::int64_t(1) << 32))
    throw std::invalid_argument("row_offset: noise rows are limited to 2^32 per step");
}

// x <- a x + b eps_pred + noise_std z: the DDPM ancestral step's coefficients, after checking
// its schedule values (noise_std = 0 on the last step, alpha_bar_prev = 1: the posterior mean).
struct DdpmCoefficients {
  double a, b, noise_std;
};

inline DdpmCoefficients ddpm_coefficients(double beta, double alpha_bar, double alpha_bar_prev) {
  if (!(beta > 0 && beta < 1)) throw std::invalid_argument("beta: expected a value in (0, 1)");
  if (!(alpha_bar > 0 && alpha_bar < 1))
    throw std::invalid_argument("alpha_bar: expected a value in (0, 1)");
  if (!(alpha_bar_prev > 0 && alpha_bar_prev <= 1))
    throw std::invalid_argument("alpha_bar_prev: expected a value in (0, 1]");
  const double inv = 1.0 / std::sqrt(1.0 - beta);
  const double var = beta * (1.0 - alpha_bar_prev) / (1.0 - alpha_bar);
  return {inv, -inv * beta / std::sqrt(1.0 - alpha_bar), var > 0 ? std::sqrt(var) : 0.0};
}

}  // namespace scoreopt::integrator_checks
