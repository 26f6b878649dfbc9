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

}  // namespace scoreopt::integrator_checks
