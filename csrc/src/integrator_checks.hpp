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

// The noisy steps share one form, x <- a x + b field + noise_std z; each function below checks
// its step's arguments and returns that step's coefficients, for the CPU and the CUDA step alike.
struct NoisyCoefficients {
  double a, b, noise_std;
};

// Euler-Maruyama for dx = (f x - g^2 score) dt + g dW.
inline NoisyCoefficients euler_maruyama_coefficients(double f, double g, double dt) {
  check_finite(f, "f");
  check_finite(g, "g");
  if (!(g >= 0)) throw std::invalid_argument("g: expected a value >= 0");
  check_finite(dt, "dt");
  return {1.0 + f * dt, -g * g * dt, g * std::sqrt(std::fabs(dt))};
}

// Unadjusted Langevin: x + step_size score + sqrt(2 step_size) z.
inline NoisyCoefficients langevin_coefficients(double step_size) {
  check_finite(step_size, "step_size");
  if (!(step_size >= 0)) throw std::invalid_argument("step_size: expected a value >= 0");
  return {1.0, step_size, std::sqrt(2.0 * step_size)};
}

// The DDPM ancestral step, after checking its schedule values (noise_std = 0 on the last step,
// alpha_bar_prev = 1: the posterior mean).
inline NoisyCoefficients ddpm_coefficients(double beta, double alpha_bar, double alpha_bar_prev) {
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
