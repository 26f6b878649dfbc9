// The update rules of the sampling engine: the one place where a method differs from another.
// A rule sees each batch's statistics and moves the mean and sigma; the engine does the rest
// (sampling, statistics, budget, restarts, clipping into the box, best point, history).
// A new method is a new UpdateRule subclass in sampling_rules.cpp and one line in make_rule.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "scoreopt/sampling_optimizer.hpp"

namespace scoreopt {

// The fixed quantities of a run that rules read.
struct Geometry {
  int dim;
  double half;                // mean half-width of the box: the unit of sigma
  std::vector<double> scale;  // per-coordinate noise scale, half-width / half (1 in a cube)
  std::vector<double> lower, upper;  // the box
  double sigma0;
  std::int64_t cycle_length;  // iterations of one annealing cycle (the run, or between restarts)
};

// Where the cycle stands at an update: t of its iterations were done before this one.
struct Cycle {
  std::int64_t t, length;
  // the fraction of the cycle done once this update is applied, in (0, 1]
  double progress() const { return t + 1 >= length ? 1.0 : double(t + 1) / double(length); }
};

class UpdateRule {
 public:
  virtual ~UpdateRule() = default;
  // Relative temperature tau of the Boltzmann weights of the next batch (lambda = tau std f);
  // 0: the rule reads no weighted mean.
  virtual double temperature() const { return 0.0; }
  virtual bool wants_gradient() const { return false; }
  // A cycle begins (the run's first, or a restart) with this population size and initial scale
  // (the option sigma0, or a Bipop small cycle's smaller one): reset the rule's own state and
  // return the cycle's first sigma.
  virtual double start(std::int64_t popsize, double sigma0) = 0;
  // Rules with a learned shape: y = A z for each of the n rows of z (n x dim), C = A A^T.
  virtual bool shapes_noise() const { return false; }
  virtual void shape(const double* z, std::int64_t n, double* y) const;
  // Its inverse for one row: z = A^{-1} y (for a step changed after shaping: a reflected sample).
  virtual void unshape(const double* y, double* z) const;
  // Rules that center each sample's kernel on a point of its own (Marginal: a mixture over the
  // last batch) instead of the mean: the count x dim centers of iteration t's batch, from the
  // rule's state and the seed's own stream; the engine adds sigma scale y and reflects.
  virtual bool places_samples() const { return false; }
  virtual void centers(std::uint64_t seed, std::int64_t t, std::int64_t count,
                       const std::vector<double>& mean, double* C) const;
  // Rules with a learned shape: whether the batch about to be drawn in cycle c should report, for
  // each sample reflected into the box, the step to the reflected point instead of the draw.
  virtual bool credits_evaluated_steps(const Cycle&) const { return false; }
  // Ipop/Bipop regimes: whether the cycle has converged (its stopping tests), checked after
  // each update.
  virtual bool converged(const Cycle&) const { return false; }
  // After each batch: move the mean (the batch's center on entry; clipped into the box by the
  // engine afterwards) and sigma.
  virtual void update(const Batch& b, const Cycle& c, std::vector<double>& mean, double& sigma) = 0;
  // The rule's own state besides mean and sigma, for checkpoints.
  virtual std::vector<double> state() const { return {}; }
  virtual void set_state(const std::vector<double>& s);
};

// Option checks of the engine and the rules, in one wording: "name: expected ..., got value".
namespace checks {
void require(bool ok, const std::string& message);
std::string number(double v);                        // %g
double positive(double v, const std::string& name);  // a finite v > 0, returned
}  // namespace checks

// DIDA's fixed annealing of sigma from sigma0 (progress 0) to sigma_end (progress 1):
// Geometric, or Cosine (geometric in log scale, slow at both ends). Used by DIDA and CDIDA.
double annealed_sigma(SigmaSchedule schedule, double sigma0, double sigma_end, double progress);

// The batch's rows by value, best first: order = 0..n-1 sorted by f, non-finite values last
// (the worst), ties in sample order. Used by CEM, CDIDA and Marginal.
void rank_order(const Batch& b, std::vector<std::int64_t>& order);

// The log-rank weight of 0-based rank r with mu parents, before normalization:
// log(mu + 1/2) - log(r + 1) (CMA-ES's default weights). Positive for r < mu, negative beyond,
// which is the mirrored shape of the active update's weights. Used by CDIDA and Marginal.
double log_rank_weight(double mu, double rank);

// The population size of o.method when o.popsize is unset.
std::int64_t default_popsize(const SamplingOptions& o, int dim);

// The rule of o.method; fills its unset options in `o` with their defaults and checks them
// (std::invalid_argument naming the option).
std::unique_ptr<UpdateRule> make_rule(SamplingOptions& o, const Geometry& g);

// CDIDA's rule (covariance_rule.cpp) and its default population size.
std::unique_ptr<UpdateRule> make_covariance_rule(SamplingOptions& o, const Geometry& g);
std::int64_t covariance_popsize(int dim);
// The factorized rule of Method::Marginal (marginal_rule.cpp).
std::unique_ptr<UpdateRule> make_marginal_rule(SamplingOptions& o, const Geometry& g);

}  // namespace scoreopt
