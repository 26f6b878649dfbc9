// Annealed smoothing optimizers in C++: DIDA (and MPPI, its fixed-schedule special case) with
// ask/tell and a minimize loop that stays in the core. The iterates are the same as those of the
// Python classes in scoreopt.optimizers for the same seed and options: both draw the noise stream
// (seed, iteration) and use the same schedule formulas.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "scoreopt/problem.hpp"

namespace scoreopt {

struct DidaOptions {
  enum class Schedule { Geometric, Cosine, Adaptive };
  std::int64_t popsize = 100;          // even (antithetic pairs)
  double sigma0 = 0;                   // 0: 0.3 of the mean half-width of the box
  double sigma_end = 0;                // 0: 1e-9 of the mean half-width
  double temperature = 3.0;            // relative: lambda = temperature * std(f of the batch)
  double temperature_end = 0;          // 0: constant temperature
  Schedule schedule = Schedule::Geometric;
  double step = 1.0;                   // fraction of the MPPI step
  double shrink = 0.8;                 // adaptive schedule: sigma factor when converged
  double adapt_threshold = 0.1;        // adaptive schedule: |step| < this * sigma * sqrt(dim)
  bool anneal = true;                  // false: MPPI (sigma and temperature stay fixed)
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

class Dida {
 public:
  // lower/upper: the box (dim each, lower < upper); x0: initial mean (empty: box center).
  // Throws std::invalid_argument on bad options.
  Dida(int dim, std::vector<double> lower, std::vector<double> upper, DidaOptions options = {},
       std::vector<double> x0 = {});

  // The next population (popsize x dim) into X; every row lies in the box.
  void ask(double* X);
  // Values of the population from the last ask (NaN/Inf: the worst, counted).
  void tell(const double* X, const double* f);
  // One fused iteration on a built-in problem (cubic boxes; otherwise ask/evaluate/tell).
  void step(const Problem& problem);

  bool stop() const;
  OptimizeResult result() const;
  const std::vector<double>& mean() const { return mean_; }
  double sigma() const { return sigma_; }
  std::int64_t iteration() const { return t_; }
  int dim() const { return dim_; }
  std::int64_t popsize() const { return opt_.popsize; }

 private:
  void advance(const double* wmean, const double* best_x, double best_f, std::int64_t nonfinite);

  int dim_;
  std::vector<double> lower_, upper_, scale_, mean_, best_x_;
  DidaOptions opt_;
  double sigma_, sigma0_, sigma_end_, temperature_, half_;
  std::int64_t iterations_, t_ = 0, nfev_ = 0, nonfinite_ = 0;
  double best_f_;
  bool cubic_, asked_ = false;
  std::vector<double> asked_X_, history_;
  std::string message_;
};

// Run DIDA to the end of its budget: fused in the core for built-in problems.
OptimizeResult dida_minimize(const Problem& problem, const std::vector<double>& lower,
                             const std::vector<double>& upper, const DidaOptions& options,
                             const std::vector<double>& x0 = {});
OptimizeResult dida_minimize(const BatchObjective& f, int dim, const std::vector<double>& lower,
                             const std::vector<double>& upper, const DidaOptions& options,
                             const std::vector<double>& x0 = {});

}  // namespace scoreopt
