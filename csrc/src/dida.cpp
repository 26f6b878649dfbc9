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

double log_interp(double a, double b, double w) {
  return std::exp((1 - w) * std::log(a) + w * std::log(b));
}

void require(bool ok, const std::string& msg) {
  if (!ok) throw std::invalid_argument(msg);
}

}  // namespace

Dida::Dida(int dim, std::vector<double> lower, std::vector<double> upper, DidaOptions options,
           std::vector<double> x0)
    : dim_(dim), lower_(std::move(lower)), upper_(std::move(upper)), opt_(options) {
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
  sigma0_ = opt_.sigma0 > 0 ? opt_.sigma0 : 0.3 * half_;
  require(std::isfinite(sigma0_), "sigma0: expected a finite value > 0");
  sigma_end_ = opt_.sigma_end > 0 ? opt_.sigma_end : 1e-9 * half_;
  require(!opt_.anneal || sigma_end_ < sigma0_, "sigma_end: must be below sigma0");
  require(opt_.temperature > 0 && std::isfinite(opt_.temperature),
          "temperature: expected a finite value > 0");
  if (opt_.temperature_end <= 0) opt_.temperature_end = opt_.temperature;
  require(opt_.step > 0 && opt_.shrink > 0 && opt_.shrink < 1 && opt_.adapt_threshold > 0,
          "step, shrink, adapt_threshold: expected step > 0, 0 < shrink < 1, threshold > 0");
  sigma_ = sigma0_;
  temperature_ = opt_.temperature;
  iterations_ = std::max<std::int64_t>(1, opt_.budget ? opt_.budget / opt_.popsize : 1000);
  best_x_ = mean_;
  best_f_ = std::numeric_limits<double>::infinity();
}

void Dida::ask(double* X) {
  const std::int64_t K = opt_.popsize;
  smoothing_noise<double>(opt_.seed, std::uint64_t(t_), 0, K, dim_, true, X);
  for (std::int64_t k = 0; k < K; ++k)
    for (int i = 0; i < dim_; ++i) {
      double& v = X[k * dim_ + i];
      v = std::min(std::max(mean_[i] + sigma_ * (scale_[i] * v), lower_[i]), upper_[i]);
    }
  asked_X_.assign(X, X + K * dim_);
  asked_ = true;
}

void Dida::tell(const double* X, const double* f) {
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
  std::vector<double> wm(mean_);
  if (kb >= 0) {
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
  advance(wm.data(), kb >= 0 ? X + kb * dim_ : mean_.data(),
          kb >= 0 ? f[kb] : std::numeric_limits<double>::quiet_NaN(), bad);
}

void Dida::step(const Problem& problem) {
  require(problem.dim() == dim_, "problem: dim differs from the optimizer's");
  require(problem.info().num_params == 0,
          "problem: parametric families need parameters; use ask/tell");
  const std::int64_t K = opt_.popsize;
  if (!cubic_) {
    std::vector<double> X(static_cast<size_t>(K * dim_)), f(K);
    ask(X.data());
    problem.evaluate<double>(X.data(), K, nullptr, 0, f.data());
    tell(X.data(), f.data());
    return;
  }
  SmoothingOptions so;
  so.samples = K;
  so.antithetic = true;
  so.temperature = temperature_;
  so.relative_temperature = true;
  so.seed = opt_.seed;
  so.center_offset = std::uint64_t(t_);
  so.lower = lower_.data();
  so.upper = upper_.data();
  std::vector<double> wm(dim_), bx(dim_);
  double value, bf;
  std::int64_t bad;
  SmoothingResult<double> out;
  out.value = &value;
  out.weighted_mean = wm.data();
  out.best_x = bx.data();
  out.best_f = &bf;
  out.nonfinite = &bad;
  smoothing_estimate<double>(problem, mean_.data(), 1, &sigma_, 1, nullptr, 1, so, out);
  advance(wm.data(), bx.data(), bf, bad);
}

void Dida::advance(const double* wmean, const double* best_x, double best_f,
                   std::int64_t nonfinite) {
  nfev_ += opt_.popsize;
  nonfinite_ += nonfinite;
  if (std::isfinite(best_f) && best_f < best_f_) {
    best_f_ = best_f;
    best_x_.assign(best_x, best_x + dim_);
  }
  // step 1 lands exactly on the weighted mean (the Python classes do the same)
  double norm2 = 0;
  for (int i = 0; i < dim_; ++i) {
    const double next = opt_.step == 1.0 ? wmean[i] : mean_[i] + opt_.step * (wmean[i] - mean_[i]);
    norm2 += (next - mean_[i]) * (next - mean_[i]);
    mean_[i] = next;
  }
  if (opt_.anneal) {
    const double p = std::min(1.0, double(t_ + 1) / double(iterations_));
    switch (opt_.schedule) {
      case DidaOptions::Schedule::Geometric:
        sigma_ = log_interp(sigma0_, sigma_end_, p);
        break;
      case DidaOptions::Schedule::Cosine:
        sigma_ = log_interp(sigma0_, sigma_end_, (1 - std::cos(kPi * p)) / 2);
        break;
      case DidaOptions::Schedule::Adaptive:
        if (std::sqrt(norm2) < opt_.adapt_threshold * sigma_ * std::sqrt(double(dim_)))
          sigma_ = std::max(sigma_ * opt_.shrink, sigma_end_);
        break;
    }
    temperature_ = log_interp(opt_.temperature, opt_.temperature_end, p);
  }
  for (int i = 0; i < dim_; ++i) mean_[i] = std::min(std::max(mean_[i], lower_[i]), upper_[i]);
  ++t_;
  history_.push_back(best_f_);
}

bool Dida::stop() const { return opt_.budget > 0 && nfev_ + opt_.popsize > opt_.budget; }

OptimizeResult Dida::result() const {
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

OptimizeResult dida_minimize(const Problem& problem, const std::vector<double>& lower,
                             const std::vector<double>& upper, const DidaOptions& options,
                             const std::vector<double>& x0) {
  require(options.budget > 0, "budget: dida_minimize needs a budget");
  Dida opt(problem.dim(), lower, upper, options, x0);
  while (!opt.stop()) opt.step(problem);
  return opt.result();
}

OptimizeResult dida_minimize(const BatchObjective& f, int dim, const std::vector<double>& lower,
                             const std::vector<double>& upper, const DidaOptions& options,
                             const std::vector<double>& x0) {
  require(options.budget > 0, "budget: dida_minimize needs a budget");
  require(static_cast<bool>(f), "f: empty objective");
  Dida opt(dim, lower, upper, options, x0);
  std::vector<double> X(static_cast<size_t>(opt.popsize() * dim)), v(opt.popsize());
  while (!opt.stop()) {
    opt.ask(X.data());
    f(X.data(), opt.popsize(), v.data());
    opt.tell(X.data(), v.data());
  }
  return opt.result();
}

}  // namespace scoreopt
