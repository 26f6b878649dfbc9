// The statistics of one center's batch of smoothing samples, written once and compiled for the
// CPU estimator (smoothing_cpu.cpp), the CUDA estimator (cuda/smoothing.cu) and the sampling
// engine (sampling_optimizer.cpp); the Python-callable path and HSM reach them through
// smoothing_statistics / population_statistics. The Triton kernel (kernels/smoothing.py) is the
// one other copy, checked against these by tests/test_kernels_triton.py. Internal header.
//
// Non-finite f are the worst possible value: the callers skip them before calling in here.
#pragma once

#include <cfloat>
#include <cmath>

#include "scoreopt/config.hpp"

namespace scoreopt::smoothing_stats {

// Welford / Chan moments of the finite values: merge() lets any split of the batch (chunks,
// lanes, threads) give the same mean and variance up to rounding.
struct Moments {
  double n = 0, mean = 0, m2 = 0;

  SO_HD void add(double v) {
    n += 1;
    const double delta = v - mean;
    mean += delta / n;
    m2 += delta * (v - mean);
  }
  SO_HD void merge(const Moments& o) {
    if (!(o.n > 0)) return;
    const double tot = n + o.n, delta = o.mean - mean;
    mean += delta * o.n / tot;
    m2 += o.m2 + delta * delta * n * o.n / tot;
    n = tot;
  }
  SO_HD double sd() const { return n > 1 ? sqrt(m2 / (n - 1)) : 0.0; }
  // the smoothed value: the mean of the finite values, NaN when there is none
  SO_HD double value() const { return n > 0 ? mean : NAN; }
};

// The weights' temperature: tau itself, or tau times the std of the batch's finite f. A flat
// batch (std 0), or any lambda that is not > 0, gets the largest lambda, i.e. uniform weights,
// where a zero would divide by zero.
SO_HD double temperature(double tau, bool relative, double sd) {
  const double lam = relative ? tau * sd : tau;
  return lam > 0 ? lam : DBL_MAX;
}

// The robust form of the temperature, for batches whose std is dominated by one outlier (HSM's
// fitness-weighted training sets): tau times the spread median - min of the finite values, or
// their range when the median is the minimum, at least the smallest normal double.
SO_HD double median_spread_temperature(double tau, double fmin, double median, double fmax) {
  double spread = median - fmin;
  if (!(spread > 0)) spread = fmax - fmin > DBL_MIN ? fmax - fmin : DBL_MIN;
  return tau * spread;
}

// The Boltzmann weight exp(-(f - fmin) / lambda) of a finite f, relative to the batch's (or the
// running) minimum so that the best sample has weight 1 and no weight overflows.
SO_HD double boltzmann_weight(double f, double fmin, double lam) { return exp(-(f - fmin) / lam); }

// Online softmax merge: sums of weights taken relative to old_min are rescaled by this factor
// to be relative to new_min <= old_min.
SO_HD double rebase_factor(double old_min, double new_min, double lam) {
  return exp(-(old_min - new_min) / lam);
}

// Stein's identity: the coefficient of eps in one term of the gradient sum. With antithetic
// pairs (f+ at x + s e, f- at x - s e) it is (f+ - f-) / (2 sigma) and the sum is divided by the
// number of finite pairs. Without pairs it is f - shift (any shift: sum (f - shift) e is corrected
// to sum (f - mean) e by stein_correction) and the sum is divided by count * sigma.
SO_HD double stein_pair_coefficient(double f_plus, double f_minus, double sigma) {
  return (f_plus - f_minus) / (2.0 * sigma);
}
SO_HD double stein_single_coefficient(double f, double shift) { return f - shift; }
SO_HD double stein_divisor(bool antithetic, double count, double sigma) {
  return antithetic ? count : count * sigma;
}
// sum (f - mean) e = sum (f - shift) e - (mean - shift) sum e; no correction with pairs
SO_HD double stein_correction(bool antithetic, double mean, double shift) {
  return antithetic ? 0.0 : mean - shift;
}

// The finish step. Gradient: the corrected sum over its divisor, 0 when no term was finite.
SO_HD double gradient(double g, double correction, double esum, double count, double divisor) {
  return count > 0 ? (g - correction * esum) / divisor : 0.0;
}
// Weighted mean: center + sum w (y - center) / sum w, the center itself when nothing weighs.
SO_HD double weighted_mean(double center, double acc, double wsum) {
  return wsum > 0 ? center + acc / wsum : center;
}

}  // namespace scoreopt::smoothing_stats
