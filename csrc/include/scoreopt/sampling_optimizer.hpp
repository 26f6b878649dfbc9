// The sampling optimizers (DIDA, CDIDA, MPPI, MBD, CEM, ES): one engine for all of them. The engine
// owns what every method shares (the search distribution N(mean, sigma^2 S C S) with S =
// diag(scale) inside a box, samples reflected into the box, the counter-based noise, the batch
// statistics, budgets, restarts and their population regimes, the best point and history,
// checkpoints); each method is an update rule that moves the mean and sigma (and, for CDIDA, the
// shape C) after each batch (csrc/src/sampling_rules.cpp, covariance_rule.cpp). ask/tell, step and minimize are the same code: step(problem) is
// ask, a core evaluation and tell, so the iterates do not depend on how the values were computed.
// The Python classes scoreopt.optimizers.DIDA, ... are this engine behind a thin facade.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "scoreopt/problem.hpp"

namespace scoreopt {

// External: no built-in rule; tell() computes the batch statistics and the caller moves the search
// distribution with set_search() (how rules written in another language drive the engine).
// Cdida: DIDA with a learned covariance (covariance-adapted annealed smoothing). Marginal: the
// weighted density itself, as the product of its smoothed marginals (factorized annealed
// smoothing; last, so that the numbers of the others, which checkpoints store, stay).
enum class Method { Dida, Mppi, Mbd, Cem, Es, Cdida, External, Marginal };
enum class SigmaSchedule { Geometric, Cosine, Adaptive };
// How a run is split into cycles. Equal: `restarts` + 1 cycles of equal length. Ipop, Bipop: a
// cycle ends when its stopping tests fire (flat fitness, stagnation, sigma collapse, a degenerate
// shape), and the next one runs with a doubled population (Ipop), or alternately a doubled one
// and a small one with a random smaller sigma0, whichever regime has spent fewer evaluations
// (Bipop), until the budget is spent.
enum class RestartRegime { Equal, Ipop, Bipop };
// The shape C of CDIDA's smoothing kernel: full, diagonal, or Auto (full up to kFullCovarianceMaxDim
// dimensions, diagonal beyond, where a d x d factor costs more than the evaluations).
enum class Covariance { Auto, Full, Diagonal, Isotropic };
// CDIDA's sample weights: Rank (log-rank weights of the better half: the soft-min smoothing of the
// objective's quantile function, invariant to monotone transforms of f) or Boltzmann
// (exp(-(f - fmin) / (temperature std f)), DIDA's weights).
enum class Weighting { Rank, Boltzmann };
constexpr int kFullCovarianceMaxDim = 400;

// Names as options spell them ("dida", ..., "external"; "geometric", ...). The parsers throw
// std::invalid_argument naming the choices.
Method parse_method(const std::string& name);
const char* method_name(Method method);
SigmaSchedule parse_schedule(const std::string& name);
const char* schedule_name(SigmaSchedule schedule);
RestartRegime parse_regime(const std::string& name);
const char* regime_name(RestartRegime regime);
Covariance parse_covariance(const std::string& name);
const char* covariance_name(Covariance covariance);
Weighting parse_weights(const std::string& name);
const char* weights_name(Weighting weights);

// An option value of the wrong kind (a real number for an integer option, ...).
struct OptionTypeError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// Unset optional fields take the method's default (resolved by the engine: SamplingOptimizer::
// options() returns them filled in). Fields of other methods are ignored.
struct SamplingOptions {
  Method method = Method::Dida;
  // -- the engine, every method
  std::optional<std::int64_t> popsize;  // even when antithetic; DIDA 100, CEM >= 5 elites, CDIDA
                                        // 4 + floor(3 ln dim) (its first cycle), Marginal 40 dim
                                        // but at most a cycle's budget / 150 (>= 200),
                                        // else max(16, 4 + 4 floor(3 ln dim))
  std::optional<double> sigma0;         // initial scale; 0.3 of the mean half-width of the box
  std::optional<std::int64_t> budget;   // evaluations: the schedules span it and the run stops
                                        // before exceeding it; unset: 1000 iterations, no limit
  std::uint64_t seed = 0;               // noise stream (seed, iteration)
  std::optional<std::int64_t> restarts;  // built-in methods, each restart from a uniform point of
                                         // the box. Equal regime: the budget is split into
                                         // restarts + 1 cycles (default 0); Ipop/Bipop: at most
                                         // this many restarts (default: until the budget is spent)
  std::optional<RestartRegime> restart_regime;  // CDIDA: default Bipop; the others: Equal
  std::optional<bool> antithetic;       // samples in pairs +eps, -eps; default true, CDIDA false
  // -- the rules' options
  std::optional<double> temperature;      // relative: lambda = temperature * std(f of the batch);
                                          // DIDA 3, MPPI 1, MBD 0.1; External: unset = no weights
  std::optional<double> temperature_end;  // DIDA: annealed to it geometrically; default temperature
  std::optional<double> sigma_end;        // DIDA 1e-9, ES 1e-6 of the mean half-width
  std::optional<SigmaSchedule> schedule;  // DIDA's sigma (default geometric); CDIDA's: adaptive
                                         // (default; path-length control) or geometric/cosine
  double step = 1.0;                     // DIDA: fraction of the MPPI step taken
  double shrink = 0.8;                   // DIDA adaptive: sigma factor once converged
  double adapt_threshold = 0.1;          // DIDA adaptive: converged when |move| < this sigma sqrt(dim)
  double beta_start = 1e-4, beta_end = 1e-2;  // MBD: DDPM betas, linear over a cycle
  std::optional<double> learning_rate;   // ES; 0.5 sigma0
  double beta1 = 0.9, beta2 = 0.999;     // ES (Adam)
  double elite_frac = 0.1, alpha = 0.7;  // CEM
  std::optional<double> sigma_min;       // CEM; 1e-12 of the mean half-width
  bool gradient = false;                 // External: compute the Stein gradient
  Covariance covariance = Covariance::Auto;  // CDIDA
  Weighting weights = Weighting::Rank;       // CDIDA, Marginal
  // Marginal: each coordinate's kernel is at least this fraction of the parents' weighted spread
  // (in [0, 0.5]; 0: the schedule's sigma alone bounds it from below)
  double spread_floor = 0.05;
  // CDIDA with a fixed schedule: sigma follows it over this fraction of each cycle (the annealed
  // smoothing phase), then path-length control takes over from sigma_end (the local phase)
  double anneal_fraction = 1.0;
  // CDIDA, annealed phase: the fraction c_m of the weighted mean step taken (< 1 averages the
  // smoothed gradient's estimate over batches; the local phase takes whole steps)
  double mean_rate = 1.0;
  double tolfun = 1e-11;                 // CDIDA: a cycle ends when f's range over the recent
                                         // iterations (and within the batch) is below this
  std::optional<double> tolx;            // CDIDA: ... or when sigma times the largest standard
                                         // deviation of C is below this (1e-11 of the half-width)

  // Options by name, as language bindings and configuration files give them. set() throws
  // std::invalid_argument for a name that is not an option of `method` (set the method first)
  // and OptionTypeError for a value of the wrong kind; values are range-checked when the engine
  // is built. items() lists the method's options that have a value.
  // integers: std::int64_t, or std::uint64_t for values of 2^63 and above (seeds span 64 bits)
  using Value = std::variant<bool, std::int64_t, double, std::string, std::uint64_t>;
  void set(const std::string& name, const Value& value);
  std::vector<std::pair<std::string, Value>> items() const;
  static std::vector<std::string> names(Method method);
};

struct OptimizeResult {
  std::vector<double> x;
  double fun;
  std::int64_t nfev = 0, nit = 0, nonfinite = 0;
  bool success = false;
  std::string message;
  std::vector<double> history;  // best so far after each iteration
};

// What tell() saw of one population; pointers stay valid until the next ask().
struct Batch {
  std::int64_t n;               // the population size
  const double* X;              // n x dim samples (in the box)
  const double* noise;          // n x dim standard normal draws z of the samples
  const double* steps;          // n x dim shaped draws y = A z (C = A A^T; y = z when isotropic):
                                // before reflection, X = reflect(center + sigma scale * y), the
                                // center being the mean (each sample's own for Marginal)
  const double* f;              // n values as told (NaN/Inf: the worst)
  double value;                 // mean of the finite values (NaN when none)
  const double* weighted_mean;  // dim: Boltzmann-weighted mean (rules with a temperature), or null
  const double* gradient;       // dim: Stein gradient in noise units (rules that ask), or null
  std::int64_t best;            // row of the best finite value, -1 when none
  std::int64_t nonfinite;
};

// A batch objective for C++ callers: X (n x dim, row-major) -> f (n).
using BatchObjective = std::function<void(const double* X, std::int64_t n, double* f)>;

class UpdateRule;  // one per method, csrc/src/sampling_rules.hpp

class SamplingOptimizer {
 public:
  // lower/upper: the box (dim each, lower < upper); x0: initial mean (empty: the box center),
  // clipped into the box. Throws std::invalid_argument naming a bad option or argument.
  SamplingOptimizer(int dim, std::vector<double> lower, std::vector<double> upper,
                    SamplingOptions options = {}, std::vector<double> x0 = {});
  SamplingOptimizer(SamplingOptimizer&&) noexcept;
  SamplingOptimizer& operator=(SamplingOptimizer&&) noexcept;
  ~SamplingOptimizer();

  // The next population (popsize x dim) into X; every row lies in the box.
  void ask(double* X);
  // Values of the population from the last ask (NaN/Inf: the worst, counted).
  void tell(const double* X, const double* f);
  // One iteration on a built-in problem without parameters: ask, evaluate in the core, tell.
  void step(const Problem& problem);
  // Stop before the budget is done; stop() is true from now on and `message` is the result's.
  void halt(std::string message);
  // External rule only: the search distribution for the next ask (mean clipped into the box).
  void set_search(const std::vector<double>& mean, double sigma);

  // The whole state (options, box, search distribution, counters, best point, history, the
  // rule's own state) as bytes, and an optimizer rebuilt from them: a run resumed from its
  // state continues bit for bit. load() throws std::invalid_argument on malformed bytes.
  std::vector<std::uint8_t> save() const;
  static SamplingOptimizer load(const std::vector<std::uint8_t>& bytes);

  bool stop() const;
  OptimizeResult result() const;
  const Batch& last_batch() const { return batch_; }  // valid after a tell
  const SamplingOptions& options() const { return opt_; }  // resolved: defaults filled in
  const std::vector<double>& mean() const { return mean_; }
  double sigma() const { return sigma_; }
  double temperature() const;  // the rule's current relative temperature, 0 when none
  std::int64_t iteration() const { return t_; }
  std::int64_t iterations() const { return iterations_; }  // planned over the budget
  std::int64_t cycle_length() const { return cycle_length_; }
  std::int64_t nfev() const { return nfev_; }
  std::int64_t nonfinite() const { return nonfinite_; }
  const std::vector<double>& best_x() const { return best_x_; }
  double best_f() const { return best_f_; }
  const std::vector<double>& history() const { return history_; }
  const std::vector<double>& lower() const { return lower_; }
  const std::vector<double>& upper() const { return upper_; }
  int dim() const { return dim_; }
  std::int64_t popsize() const { return popsize_; }  // of the current cycle
  std::int64_t cycles() const { return cycles_; }    // cycles begun (1 + restarts done)

 private:
  void sample();   // the population of iteration t_ into X_ (and its noise into eps_)
  void observe();  // statistics of (X_, f_), bookkeeping, the rule's update or a restart
  void restart();
  bool cycle_over(std::int64_t tc) const;  // whether the cycle ends with this iteration

  int dim_;
  SamplingOptions opt_;
  std::vector<double> lower_, upper_, scale_;
  double half_;
  std::unique_ptr<UpdateRule> rule_;
  std::int64_t iterations_, cycle_length_, cycle_start_ = 0;
  std::int64_t popsize_, cycles_ = 1;
  // Ipop/Bipop books: evaluations spent by the large- and the small-population regime, the
  // current cycle's regime (1 large, 0 small), its start and its evaluation allowance, the
  // number of large cycles so far
  double regime_evals_[2] = {0, 0};
  std::int64_t regime_ = 1, cycle_nfev_start_ = 0, cycle_allowance_ = 0, large_cycles_ = 0;
  std::vector<double> mean_;
  double sigma_;
  std::int64_t t_ = 0, nfev_ = 0, nonfinite_ = 0;
  std::vector<double> best_x_, history_;
  double best_f_;
  std::string halted_;
  bool asked_ = false;
  std::vector<double> X_, eps_, Y_, f_, wmean_, gradient_;  // the current population and statistics
  std::vector<double> centers_;  // each sample's center, for rules that place their samples
  Batch batch_{};
};

// Each of the n rows of X (n x dim) reflected into the box [lower, upper]: a coordinate outside
// goes to its mirror image across the bound it crossed (repeatedly, for points several widths
// out), so Gaussian samples near a bound are folded back instead of piling up on it. Points
// inside are unchanged bit for bit; +-Inf go to the nearer bound, NaN to the upper one. The
// boundary treatment of every sampling method (the engine and HSM).
void reflect_into_box(std::int64_t n, int dim, const double* lower, const double* upper, double* X);

// Run one of the methods to the end of its budget (options.budget is required).
OptimizeResult minimize(const Problem& problem, const std::vector<double>& lower,
                        const std::vector<double>& upper, const SamplingOptions& options,
                        const std::vector<double>& x0 = {});
OptimizeResult minimize(const BatchObjective& f, int dim, const std::vector<double>& lower,
                        const std::vector<double>& upper, const SamplingOptions& options,
                        const std::vector<double>& x0 = {});

}  // namespace scoreopt
