// The sampling-based optimizers in C++ (DIDA, MPPI, MBD, ES, CEM) with ask/tell and a minimize
// loop that stays in the core. For the same seed and options the iterates equal those of the
// Python classes in scoreopt.optimizers: both draw the noise stream (seed, iteration) and apply
// the same update formulas in the same order (this file is compiled without FMA contraction).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "scoreopt/problem.hpp"

namespace scoreopt {

struct SamplingOptions {
  enum class Method { Dida, Mppi, Mbd, Es, Cem };
  enum class Schedule { Geometric, Cosine, Adaptive };
  Method method = Method::Dida;
  std::int64_t popsize = 100;          // even (antithetic pairs)
  double sigma0 = 0;                   // 0: 0.3 of the mean half-width of the box
  double sigma_end = 0;                // DIDA 0: 1e-9, ES 0: 1e-6 of the mean half-width
  double temperature = 3.0;            // relative: lambda = temperature * std(f of the batch)
  double temperature_end = 0;          // DIDA; 0: constant temperature
  Schedule schedule = Schedule::Geometric;  // DIDA
  double step = 1.0;                   // DIDA: fraction of the MPPI step
  double shrink = 0.8;                 // DIDA adaptive: sigma factor when converged
  double adapt_threshold = 0.1;        // DIDA adaptive: |step| < this * sigma * sqrt(dim)
  std::vector<double> sigma_table;     // MBD: sigma of each iteration (required)
  double learning_rate = 0;            // ES; 0: 0.5 sigma0
  double beta1 = 0.9, beta2 = 0.999;   // ES (Adam)
  double elite_frac = 0.1, alpha = 0.7, sigma_min = 0;  // CEM; sigma_min 0: 1e-12 half-width
  std::uint64_t seed = 0;
  std::int64_t budget = 0;             // evaluations; 0: 1000 iterations planned, no limit
};

struct OptimizeResult {
  std::vector<double> x;
  double fun;
  std::int64_t nfev = 0, nit = 0, nonfinite = 0;
  bool success = false;
  std::string message;
  std::vector<double> history;  // best so far after each iteration
};

// A batch objective for C++ callers: X (n x dim, row-major) -> f (n).
using BatchObjective = std::function<void(const double* X, std::int64_t n, double* f)>;

class SamplingOptimizer {
 public:
  // lower/upper: the box (dim each, lower < upper); x0: initial mean (empty: box center).
  // Throws std::invalid_argument on bad options.
  SamplingOptimizer(int dim, std::vector<double> lower, std::vector<double> upper,
                    SamplingOptions options = {}, std::vector<double> x0 = {});

  // The next population (popsize x dim) into X; every row lies in the box.
  void ask(double* X);
  // Values of the population from the last ask (NaN/Inf: the worst, counted).
  void tell(const double* X, const double* f);
  // One iteration on a built-in problem: fused in the core (sampling, evaluation, statistics)
  // for cubic boxes; ask/evaluate/tell otherwise and for CEM (which needs the samples).
  void step(const Problem& problem);

  bool stop() const;
  OptimizeResult result() const;
  const std::vector<double>& mean() const { return mean_; }
  double sigma() const { return sigma_; }
  std::int64_t iteration() const { return t_; }
  int dim() const { return dim_; }
  std::int64_t popsize() const { return opt_.popsize; }

 private:
  struct Batch {
    const double* wmean;     // weighted mean (DIDA, MPPI, MBD)
    const double* gradient;  // Stein gradient (ES)
    const double* X;         // samples and values (CEM)
    const double* f;
    const double* best_x;
    double best_f;
    std::int64_t nonfinite;
  };
  void advance(const Batch& b);
  bool needs_gradient() const { return opt_.method == SamplingOptions::Method::Es; }
  bool needs_weights() const {
    return opt_.method != SamplingOptions::Method::Es && opt_.method != SamplingOptions::Method::Cem;
  }

  int dim_;
  std::vector<double> lower_, upper_, scale_, mean_, best_x_, m_, v_;
  SamplingOptions opt_;
  double sigma_, sigma0_, sigma_end_, temperature_, half_, lr0_, sigma_min_;
  std::int64_t iterations_, t_ = 0, nfev_ = 0, nonfinite_ = 0;
  double best_f_;
  bool cubic_, asked_ = false;
  std::vector<double> asked_X_, asked_eps_, history_;
};

// Run one of the methods to the end of its budget: fused in the core for built-in problems.
OptimizeResult minimize(const Problem& problem, const std::vector<double>& lower,
                        const std::vector<double>& upper, const SamplingOptions& options,
                        const std::vector<double>& x0 = {});
OptimizeResult minimize(const BatchObjective& f, int dim, const std::vector<double>& lower,
                        const std::vector<double>& upper, const SamplingOptions& options,
                        const std::vector<double>& x0 = {});

}  // namespace scoreopt
