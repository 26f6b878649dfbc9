// Marginal: factorized annealed smoothing, the update rule of Method::Marginal.
//
// DIDA smooths the Boltzmann density p(x) ∝ exp(-f(x) / lambda) with a Gaussian and follows its
// mean. This rule keeps the whole weighted density instead (log-rank weights by default, or
// Boltzmann's), in the one form that a batch can estimate in any dimension: the product of its
// marginals. After each batch the weighted samples (x_k, w_k)
// are the density's estimate; the next batch draws every coordinate i of every sample
// independently from the weighted marginal, x_i = x_{j,i} + sigma s_i z_i with j ~ w, i.e. from
//   q(x) = prod_i sum_j w_j N(x_i; x_{j,i}, sigma^2 s_i^2),
// the marginals smoothed at scale sigma (the diffusion scale of HSM's hierarchy, here a kernel
// width), which anneals on DIDA's fixed schedule from sigma0 to sigma_end over each cycle, and
// per coordinate at most half the weighted spread of the parents (the kernel density's bandwidth
// by Silverman's rule for ~50 effective samples), and at least a small fraction of it
// (spread_floor, 0.05): h_i = max(min(sigma s_i, 0.5 sd_w(x_{.,i})), 0.05 sd_w(x_{.,i})). The
// schedule alone is one width for every coordinate, and on a separable but ill-conditioned f
// (BBOB f2, scales 1 to 10^6) it was too wide for the steep coordinates until the budget's end
// (errors 53-240 at D = 20, 2e5 evaluations). The floor is the other side of the same problem:
// once the schedule's sigma has passed below a coordinate's spread, a weakly selected
// coordinate (a flat term of f2, or a rastrigin coordinate whose term is drowned by the other
// 99) would freeze where it stands; with the floor it keeps searching within its own spread,
// which selection still shrinks (BBOB f2 D = 40: one instance in five stopped 1.5e-4 short
// without it; shifted rastrigin D = 100 at 2e5, held-out seeds: median 3e-4 and worst 2.0
// without, median 4.7e-6 and worst 6.1e-6 with; a floor of 0.15 spreads too wide and loses
// rastrigin; bench/RESULTS.md). A
// marginal may be multimodal, so every coordinate keeps all of its good basins until the weights
// decide between them; nothing is a mean step. On a separable f (a sum of functions of one
// coordinate each) the factorization is exact and the coordinates are optimized independently,
// each against the noise of the others' terms: Schwefel 2.26, whose optimum sits near a corner
// of the box with the second-best basin of each coordinate at the far side, defeats CDIDA and
// BIPOP-CMA-ES (measured, bench/RESULTS.md) and not this one. On a
// rotated f the factorization loses the dependencies, and the learned covariance of CDIDA is
// the method to use.
//
// The first batch of a cycle has no weighted samples yet: its centers are the cycle's start
// (one sample) and uniform points of the box (the rest), so the first density covers the box;
// the samples are those centers plus the kernel's noise at sigma0, reflected into the box.
// Samples are never antithetic: each has its own center, and mirroring one's noise in another
// pairs nothing.
// Weights: "rank" (default; log-rank weights of the better half) or "boltzmann"
// (exp(-(f - fmin) / (temperature std f))). Non-finite values get no weight.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "sampling_rules.hpp"
#include "scoreopt/random.hpp"
#include "scoreopt/smoothing.hpp"

namespace scoreopt {

namespace {

using checks::positive;
using checks::require;

// The kernel's width on a coordinate is at most this fraction of the parents' weighted spread
constexpr double kSpreadFraction = 0.5;

// Philox words for the choice of parents: counter (word block, sample, t, salt), so that they
// are a stream of their own, apart from the samples' Gaussian noise (counter high word 0) and
// the restarts' uniform points (sample 2^32 - 1)
constexpr std::uint32_t kParentSalt = 0x9E3779B9u;

class MarginalRule final : public UpdateRule {
 public:
  MarginalRule(SamplingOptions& o, const Geometry& g)
      : n_(g.dim), lower_(g.lower), upper_(g.upper), scale_(g.scale), b_(std::size_t(g.dim), 1.0) {
    schedule_ = *(o.schedule = o.schedule.value_or(SigmaSchedule::Geometric));
    require(schedule_ != SigmaSchedule::Adaptive,
            "schedule: expected one of geometric, cosine for marginal, got 'adaptive'");
    require(!o.antithetic.value_or(false),
            "antithetic: not available for marginal (each sample has its own center), got true");
    sigma_end_ = o.sigma_end ? positive(*o.sigma_end, "sigma_end") : 1e-9 * g.half;
    require(sigma_end_ < g.sigma0, "sigma_end: must be below sigma0 (" + checks::number(g.sigma0) + "), got " +
                                       checks::number(sigma_end_));
    o.sigma_end = sigma_end_;
    weights_ = o.weights;
    tau_ = o.temperature ? positive(*o.temperature, "temperature") : 1.0;
    o.temperature = tau_;
    spread_floor_ = o.spread_floor;
    require(spread_floor_ >= 0 && spread_floor_ <= kSpreadFraction,
            "spread_floor: expected a value in [0, " + checks::number(kSpreadFraction) + "], got " +
                checks::number(spread_floor_));
  }

  bool places_samples() const override { return true; }
  // the per-coordinate bandwidth: y_i = b_i z_i, b_i = max(min(1, 0.5 sd_i / (sigma s_i)),
  // spread_floor sd_i / (sigma s_i))
  bool shapes_noise() const override { return true; }
  void shape(const double* z, std::int64_t count, double* y) const override {
    const int n = n_;
    for (std::int64_t k = 0; k < count; ++k)
      for (int i = 0; i < n; ++i) y[k * n + i] = b_[std::size_t(i)] * z[k * n + i];
  }

  void centers(std::uint64_t seed, std::int64_t t, std::int64_t count, const std::vector<double>& mean,
               double* C) const override {
    const int n = n_;
    const std::uint32_t k0 = std::uint32_t(seed), k1 = std::uint32_t(seed >> 32);
    auto words = [&](int block, std::int64_t k) {
      return random::philox4x32(std::uint32_t(block), std::uint32_t(k), std::uint32_t(t), kParentSalt, k0, k1);
    };
    auto unit = [](std::uint32_t w) { return (double(w) + 0.5) * (1.0 / 4294967296.0); };
    if (cum_.empty()) {  // a cycle's first batch: its start, then uniform points of the box
      std::copy(mean.begin(), mean.end(), C);
      for (std::int64_t k = 1; k < count; ++k)
        for (int b = 0; 4 * b < n; ++b) {
          const random::U4 r = words(b, k);
          for (int q = 0; q < 4 && 4 * b + q < n; ++q) {
            const int i = 4 * b + q;
            C[k * n + i] = lower_[i] + (upper_[i] - lower_[i]) * unit(r.v[q]);
          }
        }
      return;
    }
    // each coordinate's parent drawn from the weights (inverse of their cumulative sum)
    const double total = cum_.back();
    for (std::int64_t k = 0; k < count; ++k)
      for (int b = 0; 4 * b < n; ++b) {
        const random::U4 r = words(b, k);
        for (int q = 0; q < 4 && 4 * b + q < n; ++q) {
          const int i = 4 * b + q;
          const double u = unit(r.v[q]) * total;
          const auto j = std::min<std::size_t>(std::size_t(std::upper_bound(cum_.begin(), cum_.end(), u) - cum_.begin()),
                                               cum_.size() - 1);
          C[k * n + i] = parents_[j * std::size_t(n) + std::size_t(i)];
        }
      }
  }

  double start(std::int64_t, double sigma0) override {
    sigma0_ = sigma0;
    parents_.clear();
    cum_.clear();
    b_.assign(std::size_t(n_), 1.0);
    return sigma0;
  }

  void update(const Batch& b, const Cycle& c, std::vector<double>& mean, double& sigma) override {
    const int n = n_;
    const std::int64_t K = b.n;
    std::vector<double> w(static_cast<std::size_t>(K), 0.0);
    const std::int64_t finite = K - b.nonfinite;
    if (finite > 0) {
      if (weights_ == Weighting::Rank) {
        std::vector<std::int64_t> order;
        rank_order(b, order);
        const std::int64_t mu = std::min<std::int64_t>(finite, std::max<std::int64_t>(1, K / 2));
        for (std::int64_t r = 0; r < mu; ++r)
          w[std::size_t(order[std::size_t(r)])] = log_rank_weight(double(K / 2), double(r));
      } else {
        boltzmann_weights(b.f, K, tau_, TemperatureScale::Std, w.data());
      }
      // the weighted samples become the next batch's density
      parents_.assign(b.X, b.X + K * n);
      cum_.resize(std::size_t(K));
      std::partial_sum(w.begin(), w.end(), cum_.begin());
      const double total = cum_.back();
      // the mean is the density's mean: what the engine reports and restarts compare
      spread_.assign(std::size_t(n), 0.0);
      for (int i = 0; i < n; ++i) {
        double s = 0;
        for (std::int64_t k = 0; k < K; ++k) s += w[std::size_t(k)] * b.X[k * n + i];
        mean[std::size_t(i)] = s / total;
        double v = 0;
        for (std::int64_t k = 0; k < K; ++k) {
          const double dx = b.X[k * n + i] - mean[std::size_t(i)];
          v += w[std::size_t(k)] * dx * dx;
        }
        spread_[std::size_t(i)] = std::sqrt(v / total);
      }
    }  // no finite value: the same density again
    sigma = annealed_sigma(schedule_, sigma0_, sigma_end_, c.progress());
    if (!spread_.empty())
      for (int i = 0; i < n; ++i) {
        const double cap = kSpreadFraction * spread_[std::size_t(i)] / (sigma * scale_[std::size_t(i)]);
        double width = cap < 1.0 ? cap : 1.0;  // a NaN cap (sigma 0) keeps the full width
        const double floor = spread_floor_ * spread_[std::size_t(i)] / (sigma * scale_[std::size_t(i)]);
        if (floor > width && std::isfinite(floor)) width = floor;
        b_[std::size_t(i)] = width;
      }
  }

  std::vector<double> state() const override {
    std::vector<double> s{sigma0_, double(cum_.size())};
    s.insert(s.end(), b_.begin(), b_.end());
    s.insert(s.end(), parents_.begin(), parents_.end());
    s.insert(s.end(), cum_.begin(), cum_.end());
    return s;
  }

  void set_state(const std::vector<double>& s) override {
    require(s.size() >= 2, "state: the rule's state has the wrong size");
    const double K = s[1];
    require(K >= 0 && K < 2147483648.0 && K == std::floor(K) &&
                s.size() == 2 + std::size_t(n_) + std::size_t(K) * (std::size_t(n_) + 1),
            "state: the rule's state has the wrong size");
    sigma0_ = s[0];
    const auto at = s.begin() + 2 + n_;
    b_.assign(s.begin() + 2, at);
    parents_.assign(at, at + std::ptrdiff_t(K) * n_);
    cum_.assign(at + std::ptrdiff_t(K) * n_, s.end());
    // cumulative weights: non-decreasing, with a positive total (what centers() draws from)
    require(cum_.empty() || (std::is_sorted(cum_.begin(), cum_.end()) && cum_.front() >= 0 && cum_.back() > 0),
            "state: the rule's weights are not a cumulative sum");
  }

 private:
  int n_;
  std::vector<double> lower_, upper_, scale_;
  SigmaSchedule schedule_;
  Weighting weights_;
  double tau_, sigma0_ = 0, sigma_end_, spread_floor_;
  std::vector<double> parents_;  // K x dim: the last batch's samples
  std::vector<double> cum_;      // K: the cumulative sum of their weights (empty: none yet)
  std::vector<double> b_;        // dim: each coordinate's kernel width over sigma s_i
  std::vector<double> spread_;   // dim: the parents' weighted standard deviation (scratch)
};

}  // namespace

std::unique_ptr<UpdateRule> make_marginal_rule(SamplingOptions& o, const Geometry& g) {
  return std::make_unique<MarginalRule>(o, g);
}

}  // namespace scoreopt
