// Each method's update rule, defaults and option checks (see sampling_rules.hpp).
#include "sampling_rules.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>

namespace scoreopt {

namespace checks {

void require(bool ok, const std::string& message) {
  if (!ok) throw std::invalid_argument(message);
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

double positive(double v, const std::string& name) {
  require(std::isfinite(v) && v > 0, name + ": expected a finite value > 0, got " + number(v));
  return v;
}

}  // namespace checks

void UpdateRule::set_state(const std::vector<double>& s) {
  checks::require(s.size() == state().size(), "state: the rule's state has the wrong size");
}

void UpdateRule::shape(const double*, std::int64_t, double*) const {
  throw std::logic_error("shape: this rule samples isotropic noise");
}

void UpdateRule::unshape(const double*, double*) const {
  throw std::logic_error("unshape: this rule samples isotropic noise");
}

void UpdateRule::centers(std::uint64_t, std::int64_t, std::int64_t, const std::vector<double>&, double*) const {
  throw std::logic_error("centers: this rule centers every sample on the mean");
}

namespace {

using checks::number;
using checks::positive;
using checks::require;

constexpr double kPi = 3.14159265358979323846;

// exp((1 - w) log a + w log b): geometric interpolation from a (w = 0) to b (w = 1)
double log_interp(double a, double b, double w) {
  return std::exp((1 - w) * std::log(a) + w * std::log(b));
}

// An optional option: its value if set (checked > 0), else the default; written back to `o`.
double resolve(std::optional<double>& v, double fallback, const char* name) {
  v = v ? positive(*v, name) : fallback;
  return *v;
}

double fraction(double v, const char* name) {  // in (0, 1]
  require(v > 0 && v <= 1, std::string(name) + ": expected a fraction in (0, 1], got " + number(v));
  return v;
}

std::int64_t generic_popsize(int dim) {
  return std::max<std::int64_t>(16, 4 + std::int64_t(3 * std::log(double(dim))) * 4);
}

// Marginal: each marginal is estimated from one batch, so the batch must resolve a coordinate's
// basins against the noise of the other coordinates' terms, which grows with dim: 40 dim samples,
// at least 200. Fewer batches leave fewer generations to anneal over, and below about 150 a
// cycle stops short of the precision (measured on rastrigin D = 100 and BBOB f2-f4, D = 10-40;
// bench/RESULTS.md, "Marginal's population grows with the dimension"): a cycle's budget / 150
// bounds it.
constexpr std::int64_t kMarginalPopsizeMin = 200;
constexpr std::int64_t kMarginalPerDim = 40;
constexpr std::int64_t kMarginalBatches = 150;
constexpr std::int64_t kMarginalBatchElements = std::int64_t(1) << 25;  // K x dim: 256 MiB

std::int64_t marginal_popsize(const SamplingOptions& o, int dim) {
  std::int64_t K = kMarginalPerDim * dim;
  if (o.budget) {
    const std::int64_t cycles = std::max<std::int64_t>(0, o.restarts.value_or(0)) + 1;
    K = std::min(K, *o.budget / cycles / kMarginalBatches);
  }
  return std::max(kMarginalPopsizeMin, std::min(K, kMarginalBatchElements / dim));
}

// The Boltzmann-weighted mean of the batch becomes the mean (MPPI, MBD, DIDA with step 1).
void take_weighted_mean(const Batch& b, std::vector<double>& mean) {
  mean.assign(b.weighted_mean, b.weighted_mean + mean.size());
}

// DIDA: annealed smoothing. The mean takes the MPPI step (the Boltzmann-weighted mean: a step
// of sigma^2 / lambda on the soft-min-smoothed objective) while sigma and the temperature anneal
// over the cycle: large sigma makes the landscape nearly convex around the global basin, and
// sigma -> sigma_end removes the smoothing bias.
class Dida final : public UpdateRule {
 public:
  static constexpr std::int64_t kPopsize = 100;

  Dida(SamplingOptions& o, const Geometry& g)
      : schedule_(*(o.schedule = o.schedule.value_or(SigmaSchedule::Geometric))), sigma0_(g.sigma0), dim_(g.dim) {
    tau0_ = resolve(o.temperature, 3.0, "temperature");
    tau_end_ = resolve(o.temperature_end, tau0_, "temperature_end");
    sigma_end_ = resolve(o.sigma_end, 1e-9 * g.half, "sigma_end");
    require(sigma_end_ < sigma0_, "sigma_end: must be below sigma0 (" + number(sigma0_) + "), got " +
                                      number(sigma_end_));
    step_ = positive(o.step, "step");
    shrink_ = o.shrink;
    require(shrink_ > 0 && shrink_ < 1, "shrink: expected a factor in (0, 1), got " + number(shrink_));
    threshold_ = positive(o.adapt_threshold, "adapt_threshold");
  }
  double temperature() const override { return tau_; }
  double start(std::int64_t, double sigma0) override {
    tau_ = tau0_;
    return sigma0;
  }
  void update(const Batch& b, const Cycle& c, std::vector<double>& mean, double& sigma) override {
    double move2 = 0;
    if (step_ == 1.0) {  // lands exactly on the weighted mean
      for (int i = 0; i < dim_; ++i) move2 += (b.weighted_mean[i] - mean[i]) * (b.weighted_mean[i] - mean[i]);
      take_weighted_mean(b, mean);
    } else {
      for (int i = 0; i < dim_; ++i) {
        const double next = mean[i] + step_ * (b.weighted_mean[i] - mean[i]);
        move2 += (next - mean[i]) * (next - mean[i]);
        mean[i] = next;
      }
    }
    const double p = c.progress();
    switch (schedule_) {
      case SigmaSchedule::Geometric:
      case SigmaSchedule::Cosine:
        sigma = annealed_sigma(schedule_, sigma0_, sigma_end_, p);
        break;
      case SigmaSchedule::Adaptive:  // shrink once the mean stops moving at this smoothing level
        if (std::sqrt(move2) < threshold_ * sigma * std::sqrt(double(dim_)))
          sigma = std::max(sigma * shrink_, sigma_end_);
        break;
    }
    tau_ = log_interp(tau0_, tau_end_, p);
  }
  std::vector<double> state() const override { return {tau_}; }
  void set_state(const std::vector<double>& s) override {
    UpdateRule::set_state(s);
    tau_ = s[0];
  }

 private:
  SigmaSchedule schedule_;
  double sigma0_, sigma_end_, tau0_, tau_end_, tau_ = 0, step_, shrink_, threshold_;
  int dim_;
};

// MPPI: the weighted-mean step at a fixed sigma and temperature.
class Mppi final : public UpdateRule {
 public:
  Mppi(SamplingOptions& o, const Geometry& g) : sigma0_(g.sigma0) {
    tau_ = resolve(o.temperature, 1.0, "temperature");
  }
  double temperature() const override { return tau_; }
  double start(std::int64_t, double sigma0) override { return sigma0; }
  void update(const Batch& b, const Cycle&, std::vector<double>& mean, double&) override {
    take_weighted_mean(b, mean);
  }

 private:
  double sigma0_, tau_;
};

// MBD: model-based diffusion, the reverse-diffusion form. Over a cycle of T iterations the betas
// of a DDPM schedule run linearly from beta_start to beta_end, abar_t = prod_{s <= t} (1 - beta_s),
// and iteration j samples at sigma = sqrt((1 - abar) / abar) (times the half-width) of level
// T - 1 - j: the noisiest first. The estimate x0_hat becomes the Boltzmann-weighted mean of its
// samples (temperature 0.1 of the batch's std, as in the reference code).
class Mbd final : public UpdateRule {
 public:
  Mbd(SamplingOptions& o, const Geometry& g) {
    tau_ = resolve(o.temperature, 0.1, "temperature");
    const double b0 = positive(o.beta_start, "beta_start"), b1 = positive(o.beta_end, "beta_end");
    require(b0 < b1 && b1 < 1, "beta_start, beta_end: expected 0 < beta_start < beta_end < 1, got " +
                                   number(b0) + ", " + number(b1));
    const std::int64_t n = g.cycle_length;
    table_.resize(static_cast<size_t>(n));
    const double delta = n > 1 ? (b1 - b0) / double(n - 1) : 0.0;
    double abar = 1;
    for (std::int64_t t = 0; t < n; ++t) {
      const double beta = t == n - 1 && n > 1 ? b1 : double(t) * delta + b0;
      abar *= 1 - beta;
      table_[static_cast<size_t>(n - 1 - t)] = std::sqrt((1 - abar) / abar) * g.half;
    }
  }
  double temperature() const override { return tau_; }
  double start(std::int64_t, double) override { return table_[0]; }
  void update(const Batch& b, const Cycle& c, std::vector<double>& mean, double& sigma) override {
    take_weighted_mean(b, mean);
    sigma = table_[static_cast<size_t>(std::min<std::int64_t>(c.t + 1, std::int64_t(table_.size()) - 1))];
  }

 private:
  double tau_;
  std::vector<double> table_;
};

// CEM: mean and an isotropic sigma refit to the best elite_frac of the population, smoothed by
// alpha. Non-finite values (rejected samples in feasible-mode constraints) are never elites:
// refitting to them would drag the mean to random infeasible points.
class Cem final : public UpdateRule {
 public:
  // With the generic default (16 in low dimension: 2 elites) sigma collapsed within ~20
  // iterations, before the mean had travelled ~2 sigma0; the default keeps 5 elites.
  static constexpr double kMinElites = 5;
  static std::int64_t popsize(const SamplingOptions& o, int dim) {
    const double frac = fraction(o.elite_frac, "elite_frac");
    const std::int64_t need = 2 * std::int64_t(std::ceil(kMinElites / frac / 2));  // even
    return std::max(generic_popsize(dim), need);
  }

  Cem(SamplingOptions& o, const Geometry& g) : scale_(g.scale), sigma0_(g.sigma0) {
    frac_ = fraction(o.elite_frac, "elite_frac");
    alpha_ = fraction(o.alpha, "alpha");
    sigma_min_ = resolve(o.sigma_min, 1e-12 * g.half, "sigma_min");
  }
  double start(std::int64_t, double sigma0) override { return sigma0; }
  void update(const Batch& b, const Cycle&, std::vector<double>& mean, double& sigma) override {
    const int d = int(mean.size());
    const std::int64_t n = b.n;
    const std::int64_t finite = n - b.nonfinite;
    if (finite == 0) return;  // nothing to refit to: sample the same Gaussian again
    rank_order(b, order_);
    const std::int64_t k = std::min<std::int64_t>(
        finite, std::max<std::int64_t>(1, std::int64_t(std::nearbyint(frac_ * double(n)))));
    std::vector<double> em(d, 0.0), ev(d, 0.0);
    for (std::int64_t r = 0; r < k; ++r)
      for (int i = 0; i < d; ++i) em[i] += b.X[order_[r] * d + i];
    for (int i = 0; i < d; ++i) em[i] /= double(k);
    double refit = sigma;
    if (k > 1) {
      for (std::int64_t r = 0; r < k; ++r)
        for (int i = 0; i < d; ++i) {
          const double dev = b.X[order_[r] * d + i] - em[i];
          ev[i] += dev * dev;
        }
      double s = 0;  // sigma is in noise units: each coordinate's variance over its scale^2
      for (int i = 0; i < d; ++i) s += ev[i] / double(k) / (scale_[i] * scale_[i]);
      refit = std::sqrt(s / double(d));
    }
    for (int i = 0; i < d; ++i) mean[i] = alpha_ * em[i] + (1 - alpha_) * mean[i];
    sigma = std::max(sigma_min_, alpha_ * refit + (1 - alpha_) * sigma);
  }

 private:
  std::vector<double> scale_;
  double sigma0_, frac_, alpha_, sigma_min_;
  std::vector<std::int64_t> order_;  // sample indices, best first
};

// ES: Adam on the antithetic Stein gradient of the smoothed objective; sigma anneals
// geometrically to sigma_end and the learning rate follows it.
class Es final : public UpdateRule {
 public:
  Es(SamplingOptions& o, const Geometry& g) : scale_(g.scale), sigma0_(g.sigma0) {
    lr0_ = resolve(o.learning_rate, 0.5 * g.sigma0, "learning_rate");
    sigma_end_ = resolve(o.sigma_end, 1e-6 * g.half, "sigma_end");
    for (auto [v, name] : {std::pair{o.beta1, "beta1"}, std::pair{o.beta2, "beta2"}})
      require(v >= 0 && v < 1, std::string(name) + ": expected a value in [0, 1), got " + number(v));
    b1_ = o.beta1, b2_ = o.beta2;
  }
  bool wants_gradient() const override { return true; }
  double start(std::int64_t, double sigma0) override {
    m_.assign(scale_.size(), 0.0);
    v_.assign(scale_.size(), 0.0);
    return sigma0;
  }
  void update(const Batch& b, const Cycle& c, std::vector<double>& mean, double& sigma) override {
    const double c1 = 1 - std::pow(b1_, double(c.t + 1)), c2 = 1 - std::pow(b2_, double(c.t + 1));
    const double lr = lr0_ * (sigma / sigma0_);  // lr0 * sigma overflows for a huge sigma0
    // values near the float64 maximum overflow the Stein estimate: it has no usable direction,
    // and folding inf/NaN into Adam's moments would poison every later step
    bool finite = true;
    for (size_t i = 0; i < mean.size(); ++i) finite = finite && std::isfinite(b.gradient[i]);
    for (size_t i = 0; finite && i < mean.size(); ++i) {
      const double g = b.gradient[i];
      m_[i] = b1_ * m_[i] + (1 - b1_) * g;
      v_[i] = b2_ * v_[i] + (1 - b2_) * g * g;
      mean[i] -= lr * scale_[i] * (m_[i] / c1) / (std::sqrt(v_[i] / c2) + 1e-12);
    }
    sigma = log_interp(sigma0_, sigma_end_, c.progress());
  }
  std::vector<double> state() const override {
    std::vector<double> s(m_);
    s.insert(s.end(), v_.begin(), v_.end());
    return s;
  }
  void set_state(const std::vector<double>& s) override {
    UpdateRule::set_state(s);
    m_.assign(s.begin(), s.begin() + std::ptrdiff_t(m_.size()));
    v_.assign(s.begin() + std::ptrdiff_t(m_.size()), s.end());
  }

 private:
  std::vector<double> scale_, m_, v_;
  double sigma0_, lr0_, sigma_end_, b1_, b2_;
};

// External: the caller moves the search distribution (SamplingOptimizer::set_search).
class External final : public UpdateRule {
 public:
  External(SamplingOptions& o, const Geometry& g) : sigma0_(g.sigma0), gradient_(o.gradient) {
    tau_ = o.temperature ? positive(*o.temperature, "temperature") : 0.0;
  }
  double temperature() const override { return tau_; }
  bool wants_gradient() const override { return gradient_; }
  double start(std::int64_t, double sigma0) override { return sigma0; }
  void update(const Batch&, const Cycle&, std::vector<double>&, double&) override {}

 private:
  double sigma0_, tau_;
  bool gradient_;
};

}  // namespace

double annealed_sigma(SigmaSchedule schedule, double sigma0, double sigma_end, double progress) {
  const double w = schedule == SigmaSchedule::Cosine ? (1 - std::cos(kPi * progress)) / 2 : progress;
  return log_interp(sigma0, sigma_end, w);
}

void rank_order(const Batch& b, std::vector<std::int64_t>& order) {
  order.resize(static_cast<std::size_t>(b.n));
  std::iota(order.begin(), order.end(), 0);
  auto key = [&](std::int64_t k) { return std::isfinite(b.f[k]) ? b.f[k] : std::numeric_limits<double>::infinity(); };
  std::stable_sort(order.begin(), order.end(), [&](std::int64_t p, std::int64_t q) { return key(p) < key(q); });
}

double log_rank_weight(double mu, double rank) { return std::log(mu + 0.5) - std::log(rank + 1.0); }

std::int64_t default_popsize(const SamplingOptions& o, int dim) {
  switch (o.method) {
    case Method::Dida:
      return Dida::kPopsize;
    case Method::Cem:
      return Cem::popsize(o, dim);
    case Method::Cdida:
      return covariance_popsize(dim);
    case Method::Marginal:
      return marginal_popsize(o, dim);
    default:
      return generic_popsize(dim);
  }
}

std::unique_ptr<UpdateRule> make_rule(SamplingOptions& o, const Geometry& g) {
  switch (o.method) {
    case Method::Dida:
      return std::make_unique<Dida>(o, g);
    case Method::Mppi:
      return std::make_unique<Mppi>(o, g);
    case Method::Mbd:
      return std::make_unique<Mbd>(o, g);
    case Method::Cem:
      return std::make_unique<Cem>(o, g);
    case Method::Es:
      return std::make_unique<Es>(o, g);
    case Method::Cdida:
      return make_covariance_rule(o, g);
    case Method::Marginal:
      return make_marginal_rule(o, g);
    case Method::External:
      return std::make_unique<External>(o, g);
  }
  throw std::invalid_argument("method: unknown");
}

}  // namespace scoreopt
