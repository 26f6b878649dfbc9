// The fused Gaussian-smoothing estimator (DIDA): for M centers x, K samples y = x + sigma A eps
// each (eps from the counter-based generator, never stored; A the optional factor of the kernel's
// shape, N(x, sigma^2 A A^T), the identity by default), one call returns
//   value            F_sigma(x) = E f(x + sigma A eps), the sample mean;
//   gradient         grad F_sigma(x) by Stein's identity, A^{-T} times the mean over antithetic
//                    pairs of (f(x + s A e) - f(x - s A e)) / (2 sigma) e, or of (f - mean f) / sigma e
//                    without pairs;
//   weighted_mean    sum_k w_k y_k with w = softmax(-f / lambda), computed after subtracting min f:
//                    the MPPI / model-based-diffusion update, and x + sigma^2 times the score of the
//                    smoothed Boltzmann density;
//   best_x, best_f   the best sample seen.
// Non-finite f values count as the worst possible: they get zero weight, drop out of the means
// (an antithetic pair with a non-finite member drops out of the gradient), and are counted.
#pragma once

#include <cstdint>

#include "scoreopt/problem.hpp"

namespace scoreopt {

struct SmoothingOptions {
  std::int64_t samples = 0;       // K per center (even when antithetic)
  bool antithetic = true;
  double temperature = 0.0;       // lambda > 0; 0 means no weighted mean
  bool relative_temperature = false;  // lambda = temperature * std(f) of each center's samples
  std::uint64_t seed = 0;
  std::uint64_t center_offset = 0;  // noise stream of center m is center_offset + m
  const double* lower = nullptr;  // optional box (dim each): samples are clipped into it
  const double* upper = nullptr;
  // optional factor A of the kernel (host array; nullptr: the identity): lower-triangular
  // dim x dim row-major (entries above the diagonal 0), or with factor_diagonal the dim values of
  // a diagonal A; finite, with a diagonal > 0. Samples are y = clip(x + sigma A eps).
  const double* factor = nullptr;
  bool factor_diagonal = false;
};

template <class T>
struct SmoothingResult {
  T* value = nullptr;          // M
  T* gradient = nullptr;       // M x dim, or nullptr
  T* weighted_mean = nullptr;  // M x dim, or nullptr (needs temperature > 0)
  T* best_x = nullptr;         // M x dim, or nullptr
  T* best_f = nullptr;         // M, or nullptr
  std::int64_t* nonfinite = nullptr;  // M, or nullptr
};

// X: M x dim centers; sigma: 1 (shared) or M values, all > 0; params as in Problem::evaluate.
// Throws std::invalid_argument on bad sizes or values.
template <class T>
void smoothing_estimate(const Problem& problem, const T* X, std::int64_t m, const T* sigma,
                        std::int64_t sigma_len, const T* params, std::int64_t params_rows,
                        const SmoothingOptions& options, const SmoothingResult<T>& out);

// Throws std::invalid_argument naming `factor` unless options.factor is unset or a valid factor of
// dimension dim: finite, lower-triangular (or diagonal), with a diagonal > 0.
void check_smoothing_factor(const SmoothingOptions& options, int dim);

// The same estimate from the caller's values (M x K, row c holding f of center c's samples in
// sample order, as smoothing_noise draws them): for objectives the core cannot evaluate.
template <class T>
void smoothing_statistics(int dim, const T* X, std::int64_t m, const T* sigma, std::int64_t sigma_len,
                          const T* values, const SmoothingOptions& options,
                          const SmoothingResult<T>& out);

// The statistics of one population Y (K x dim) drawn around `center`, from the caller's f:
// value, best and non-finite count always; weighted_mean (dim, or nullptr) with lambda =
// temperature * std f; gradient (dim, or nullptr) by Stein's identity from the noise eps
// (K x dim) at scale sigma, pairs (2p, 2p + 1) being antithetic when `antithetic`.
struct PopulationStatistics {
  double value = 0;             // mean of the finite f, NaN when none is finite
  std::int64_t best = -1;       // index of the smallest finite f, -1 when none
  std::int64_t nonfinite = 0;
};
PopulationStatistics population_statistics(int dim, std::int64_t K, const double* Y,
                                           const double* f, const double* center,
                                           double temperature, double* weighted_mean,
                                           const double* eps, double sigma, bool antithetic,
                                           double* gradient);

// Normalized Boltzmann weights w (n) of the values f (n): w_k proportional to
// exp(-(f_k - min f) / lambda) over the finite f (non-finite ones get 0; all 0 when none is
// finite). lambda = temperature * std f (TemperatureScale::Std, the estimator's and the engine's
// rule) or temperature * (median - min) (TemperatureScale::MedianSpread, robust to outliers).
enum class TemperatureScale { Std, MedianSpread };
void boltzmann_weights(const double* f, std::int64_t n, double temperature, TemperatureScale scale, double* w);

// The noise the estimator uses: rows [start, start + count) of center `center` (a stream index,
// i.e. center_offset + m), with the antithetic sign applied (sample 2p is +eps_p, 2p+1 is -eps_p).
template <class T>
void smoothing_noise(std::uint64_t seed, std::uint64_t center, std::int64_t start,
                     std::int64_t count, int dim, bool antithetic, T* out);

}  // namespace scoreopt
