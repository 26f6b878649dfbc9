#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>

#include "scoreopt/optimizers.hpp"
#include "scoreopt/smoothing.hpp"

namespace scoreopt {

namespace {

constexpr double kPi = 3.14159265358979323846;
using Method = SamplingOptions::Method;

double log_interp(double a, double b, double w) {
  return std::exp((1 - w) * std::log(a) + w * std::log(b));
}

void require(bool ok, const std::string& msg) {
  if (!ok) throw std::invalid_argument(msg);
}

}  // namespace

SamplingOptimizer::SamplingOptimizer(int dim, std::vector<double> lower, std::vector<double> upper,
                                     SamplingOptions options, std::vector<double> x0)
    : dim_(dim), lower_(std::move(lower)), upper_(std::move(upper)), opt_(std::move(options)) {
  require(dim >= 1, "dim: expected an integer >= 1, got " + std::to_string(dim));
  require(lower_.size() == size_t(dim) && upper_.size() == size_t(dim),
          "bounds: expected dim values in lower and in upper");
  for (int i = 0; i < dim; ++i) {
    require(std::isfinite(lower_[i]) && std::isfinite(upper_[i]), "bounds: contain NaN or Inf");
    require(upper_[i] > lower_[i], "bounds: upper must be > lower in every coordinate");
  }
  require(opt_.popsize >= 2 && opt_.popsize % 2 == 0,
          "popsize: expected an even integer >= 2, got " + std::to_string(opt_.popsize));
  require(opt_.budget == 0 || opt_.budget >= opt_.popsize,
          "budget: expected an integer >= popsize (" + std::to_string(opt_.popsize) + ")");
  std::vector<double> half(dim);
  for (int i = 0; i < dim; ++i) half[i] = (upper_[i] - lower_[i]) / 2;
  half_ = std::accumulate(half.begin(), half.end(), 0.0) / dim;
  scale_.resize(dim);
  cubic_ = true;
  for (int i = 0; i < dim; ++i) {
    scale_[i] = half[i] / half_;
    cubic_ = cubic_ && std::fabs(scale_[i] - 1.0) <= 1e-12;
  }
  mean_.resize(dim);
  if (x0.empty()) {
    for (int i = 0; i < dim; ++i) mean_[i] = (lower_[i] + upper_[i]) / 2;
  } else {
    require(x0.size() == size_t(dim), "x0: expected dim values");
    for (int i = 0; i < dim; ++i) {
      require(std::isfinite(x0[i]), "x0: contains NaN or Inf");
      mean_[i] = std::min(std::max(x0[i], lower_[i]), upper_[i]);
    }
  }
  iterations_ = std::max<std::int64_t>(1, opt_.budget ? opt_.budget / opt_.popsize : 1000);
  sigma0_ = opt_.sigma0 > 0 ? opt_.sigma0 : 0.3 * half_;
  require(std::isfinite(sigma0_), "sigma0: expected a finite value > 0");
  const bool es = opt_.method == Method::Es;
  sigma_end_ = opt_.sigma_end > 0 ? opt_.sigma_end : (es ? 1e-6 : 1e-9) * half_;
  require(opt_.method != Method::Dida || sigma_end_ < sigma0_, "sigma_end: must be below sigma0");
  require(opt_.temperature > 0 && std::isfinite(opt_.temperature),
          "temperature: expected a finite value > 0");
  if (opt_.temperature_end <= 0) opt_.temperature_end = opt_.temperature;
  require(opt_.step > 0 && opt_.shrink > 0 && opt_.shrink < 1 && opt_.adapt_threshold > 0,
          "step, shrink, adapt_threshold: expected step > 0, 0 < shrink < 1, threshold > 0");
  sigma_ = sigma0_;
  if (opt_.method == Method::Mbd) {
    require(!opt_.sigma_table.empty(), "sigma_table: MBD needs its sigma of every iteration");
    for (double s : opt_.sigma_table)
      require(s > 0 && std::isfinite(s), "sigma_table: expected finite values > 0");
    sigma_ = opt_.sigma_table[0];
  }
  lr0_ = opt_.learning_rate > 0 ? opt_.learning_rate : 0.5 * sigma0_;
  sigma_min_ = opt_.sigma_min > 0 ? opt_.sigma_min : 1e-12 * half_;
  require(opt_.elite_frac > 0 && opt_.elite_frac <= 1 && opt_.alpha > 0 && opt_.alpha <= 1,
          "elite_frac, alpha: expected fractions in (0, 1]");
  m_.assign(dim, 0.0);
  v_.assign(dim, 0.0);
  temperature_ = opt_.temperature;
  best_x_ = mean_;
  best_f_ = std::numeric_limits<double>::infinity();
}

void SamplingOptimizer::ask(double* X) {
  const std::int64_t K = opt_.popsize;
  asked_eps_.resize(static_cast<size_t>(K * dim_));
  smoothing_noise<double>(opt_.seed, std::uint64_t(t_), 0, K, dim_, true, asked_eps_.data());
  for (std::int64_t k = 0; k < K; ++k)
    for (int i = 0; i < dim_; ++i)
      X[k * dim_ + i] = std::min(
          std::max(mean_[i] + sigma_ * (scale_[i] * asked_eps_[k * dim_ + i]), lower_[i]),
          upper_[i]);
  asked_X_.assign(X, X + K * dim_);
  asked_ = true;
}

void SamplingOptimizer::tell(const double* X, const double* f) {
  require(asked_, "tell: call ask() first");
  const std::int64_t K = opt_.popsize;
  require(std::equal(X, X + K * dim_, asked_X_.begin()),
          "X: tell() takes the population returned by the last ask()");
  asked_ = false;
  double n = 0, mean = 0, m2 = 0, fmin = std::numeric_limits<double>::infinity();
  std::int64_t kb = -1, bad = 0;
  for (std::int64_t k = 0; k < K; ++k) {
    if (!std::isfinite(f[k])) {
      ++bad;
      continue;
    }
    n += 1;
    const double delta = f[k] - mean;
    mean += delta / n;
    m2 += delta * (f[k] - mean);
    if (f[k] < fmin) fmin = f[k], kb = k;
  }
  std::vector<double> wm(mean_), g(dim_, 0.0);
  if (needs_weights() && kb >= 0) {
    const double sd = n > 1 ? std::sqrt(m2 / (n - 1)) : 0.0;
    double lam = temperature_ * sd;
    if (!(lam > 0)) lam = std::numeric_limits<double>::max();
    std::vector<double> acc(dim_, 0.0);
    double ws = 0;
    for (std::int64_t k = 0; k < K; ++k) {
      if (!std::isfinite(f[k])) continue;
      const double w = std::exp(-(f[k] - fmin) / lam);
      for (int i = 0; i < dim_; ++i) acc[i] += w * (X[k * dim_ + i] - mean_[i]);
      ws += w;
    }
    for (int i = 0; i < dim_; ++i) wm[i] = mean_[i] + acc[i] / ws;
  }
  if (needs_gradient()) {  // antithetic Stein estimate, as the core estimator computes it
    double pairs = 0;
    for (std::int64_t k = 0; k + 1 < K; k += 2) {
      if (!std::isfinite(f[k]) || !std::isfinite(f[k + 1])) continue;
      const double c = (f[k] - f[k + 1]) / (2.0 * sigma_);
      for (int i = 0; i < dim_; ++i) g[i] += c * asked_eps_[k * dim_ + i];
      pairs += 1;
    }
    for (int i = 0; i < dim_; ++i) g[i] = pairs > 0 ? g[i] / pairs : 0.0;
  }
  advance(Batch{wm.data(), g.data(), X, f, kb >= 0 ? X + kb * dim_ : mean_.data(),
                kb >= 0 ? f[kb] : std::numeric_limits<double>::quiet_NaN(), bad});
}

void SamplingOptimizer::step(const Problem& problem) {
  require(problem.dim() == dim_, "problem: dim differs from the optimizer's");
  require(problem.info().num_params == 0,
          "problem: parametric families need parameters; use ask/tell");
  const std::int64_t K = opt_.popsize;
  if (!cubic_ || opt_.method == Method::Cem) {
    std::vector<double> X(static_cast<size_t>(K * dim_)), f(K);
    ask(X.data());
    problem.evaluate<double>(X.data(), K, nullptr, 0, f.data());
    tell(X.data(), f.data());
    return;
  }
  SmoothingOptions so;
  so.samples = K;
  so.antithetic = true;
  so.temperature = needs_weights() ? temperature_ : 0.0;
  so.relative_temperature = true;
  so.seed = opt_.seed;
  so.center_offset = std::uint64_t(t_);
  so.lower = lower_.data();
  so.upper = upper_.data();
  std::vector<double> wm(dim_), g(dim_), bx(dim_);
  double value, bf;
  std::int64_t bad;
  SmoothingResult<double> out;
  out.value = &value;
  out.weighted_mean = needs_weights() ? wm.data() : nullptr;
  out.gradient = needs_gradient() ? g.data() : nullptr;
  out.best_x = bx.data();
  out.best_f = &bf;
  out.nonfinite = &bad;
  smoothing_estimate<double>(problem, mean_.data(), 1, &sigma_, 1, nullptr, 1, so, out);
  advance(Batch{wm.data(), g.data(), nullptr, nullptr, bx.data(), bf, bad});
}

void SamplingOptimizer::advance(const Batch& b) {
  nfev_ += opt_.popsize;
  nonfinite_ += b.nonfinite;
  if (std::isfinite(b.best_f) && b.best_f < best_f_) {
    best_f_ = b.best_f;
    best_x_.assign(b.best_x, b.best_x + dim_);
  }
  const double p = std::min(1.0, double(t_ + 1) / double(iterations_));
  switch (opt_.method) {
    case Method::Dida: {
      // step 1 lands exactly on the weighted mean (the Python classes do the same)
      double norm2 = 0;
      for (int i = 0; i < dim_; ++i) {
        const double next =
            opt_.step == 1.0 ? b.wmean[i] : mean_[i] + opt_.step * (b.wmean[i] - mean_[i]);
        norm2 += (next - mean_[i]) * (next - mean_[i]);
        mean_[i] = next;
      }
      switch (opt_.schedule) {
        case SamplingOptions::Schedule::Geometric:
          sigma_ = log_interp(sigma0_, sigma_end_, p);
          break;
        case SamplingOptions::Schedule::Cosine:
          sigma_ = log_interp(sigma0_, sigma_end_, (1 - std::cos(kPi * p)) / 2);
          break;
        case SamplingOptions::Schedule::Adaptive:
          if (std::sqrt(norm2) < opt_.adapt_threshold * sigma_ * std::sqrt(double(dim_)))
            sigma_ = std::max(sigma_ * opt_.shrink, sigma_end_);
          break;
      }
      temperature_ = log_interp(opt_.temperature, opt_.temperature_end, p);
      break;
    }
    case Method::Mppi:
      mean_.assign(b.wmean, b.wmean + dim_);
      break;
    case Method::Mbd: {
      mean_.assign(b.wmean, b.wmean + dim_);
      const std::int64_t n = std::int64_t(opt_.sigma_table.size());
      sigma_ = opt_.sigma_table[std::min(t_ + 1, n - 1)];
      break;
    }
    case Method::Es: {
      const double b1 = opt_.beta1, b2 = opt_.beta2;
      const double c1 = 1 - std::pow(b1, double(t_ + 1)), c2 = 1 - std::pow(b2, double(t_ + 1));
      const double lr = lr0_ * (sigma_ / sigma0_);  // lr0 * sigma overflows for a huge sigma0
      // values near the float64 maximum overflow the Stein estimate: it has no usable direction,
      // and folding inf/NaN into Adam's moments would poison every later step (as in Python)
      bool finite = true;
      for (int i = 0; i < dim_; ++i) finite = finite && std::isfinite(b.gradient[i]);
      for (int i = 0; finite && i < dim_; ++i) {
        const double g = b.gradient[i];
        m_[i] = b1 * m_[i] + (1 - b1) * g;
        v_[i] = b2 * v_[i] + (1 - b2) * g * g;
        const double mh = m_[i] / c1, vh = v_[i] / c2;
        mean_[i] = mean_[i] - lr * scale_[i] * mh / (std::sqrt(vh) + 1e-12);
      }
      sigma_ = log_interp(sigma0_, sigma_end_, p);
      break;
    }
    case Method::Cem: {
      // elites: the best elite_frac, ties in sample order (stable), non-finite values last
      const std::int64_t K = opt_.popsize;
      std::vector<std::int64_t> order(K);
      std::iota(order.begin(), order.end(), 0);
      auto key = [&](std::int64_t k) {
        return std::isfinite(b.f[k]) ? b.f[k] : std::numeric_limits<double>::infinity();
      };
      std::stable_sort(order.begin(), order.end(),
                       [&](std::int64_t a, std::int64_t c) { return key(a) < key(c); });
      const std::int64_t finite = std::count_if(b.f, b.f + K, [](double v) { return std::isfinite(v); });
      if (finite == 0) break;  // nothing to refit to: sample the same Gaussian again
      // non-finite (rejected) samples never become elites
      const std::int64_t k = std::min<std::int64_t>(
          finite, std::max<std::int64_t>(1, std::int64_t(std::nearbyint(opt_.elite_frac * double(K)))));
      // sums in row order, as the Python class does (cumulative sums)
      std::vector<double> em(dim_, 0.0), ev(dim_, 0.0);
      for (std::int64_t r = 0; r < k; ++r)
        for (int i = 0; i < dim_; ++i) em[i] += b.X[order[r] * dim_ + i];
      for (int i = 0; i < dim_; ++i) em[i] /= double(k);
      double new_sigma = sigma_;
      if (k > 1) {
        for (std::int64_t r = 0; r < k; ++r)
          for (int i = 0; i < dim_; ++i) {
            const double dlt = b.X[order[r] * dim_ + i] - em[i];
            ev[i] += dlt * dlt;
          }
        double s = 0;
        for (int i = 0; i < dim_; ++i) s += ev[i] / double(k) / (scale_[i] * scale_[i]);
        new_sigma = std::sqrt(s / double(dim_));
      }
      for (int i = 0; i < dim_; ++i) mean_[i] = opt_.alpha * em[i] + (1 - opt_.alpha) * mean_[i];
      sigma_ = std::max(sigma_min_, opt_.alpha * new_sigma + (1 - opt_.alpha) * sigma_);
      break;
    }
  }
  for (int i = 0; i < dim_; ++i) mean_[i] = std::min(std::max(mean_[i], lower_[i]), upper_[i]);
  ++t_;
  history_.push_back(best_f_);
}

bool SamplingOptimizer::stop() const {
  return opt_.budget > 0 && nfev_ + opt_.popsize > opt_.budget;
}

OptimizeResult SamplingOptimizer::result() const {
  OptimizeResult r;
  r.x = best_x_;
  r.fun = best_f_;
  r.nfev = nfev_;
  r.nit = t_;
  r.nonfinite = nonfinite_;
  r.success = std::isfinite(best_f_);
  r.message = !r.success ? "no finite objective value seen"
                         : (stop() ? "budget exhausted" : "running");
  r.history = history_;
  return r;
}

OptimizeResult minimize(const Problem& problem, const std::vector<double>& lower,
                        const std::vector<double>& upper, const SamplingOptions& options,
                        const std::vector<double>& x0) {
  require(options.budget > 0, "budget: minimize needs a budget");
  SamplingOptimizer opt(problem.dim(), lower, upper, options, x0);
  while (!opt.stop()) opt.step(problem);
  return opt.result();
}

OptimizeResult minimize(const BatchObjective& f, int dim, const std::vector<double>& lower,
                        const std::vector<double>& upper, const SamplingOptions& options,
                        const std::vector<double>& x0) {
  require(options.budget > 0, "budget: minimize needs a budget");
  require(static_cast<bool>(f), "f: empty objective");
  SamplingOptimizer opt(dim, lower, upper, options, x0);
  std::vector<double> X(static_cast<size_t>(opt.popsize() * dim)), v(opt.popsize());
  while (!opt.stop()) {
    opt.ask(X.data());
    f(X.data(), opt.popsize(), v.data());
    opt.tell(X.data(), v.data());
  }
  return opt.result();
}

}  // namespace scoreopt
