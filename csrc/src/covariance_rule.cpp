// CDIDA: covariance-adapted annealed smoothing, the update rule of Method::Cdida.
//
// The smoothing kernel of DIDA, N(m, sigma^2 I), becomes N(m, sigma^2 S C S) (S = diag(scale),
// the box's per-coordinate unit): the smoothed objective F(m, sigma, C) = E f(m + sigma S A z),
// z ~ N(0, I), C = A A^T, is estimated in the whitened coordinates z, where the landscape of a
// rotated, ill-conditioned function looks like a round bowl once C has learned its Hessian's
// inverse shape. Each batch moves the three parameters by one natural-gradient step on the
// smoothed (soft-min) objective, in which the samples' weights w_k play the role of the
// Boltzmann weights exp(-f / lambda) of DIDA (docs: "Covariance-adapted annealed smoothing"):
//   mean:   m  <- m + sigma S sum_k w_k y_k            (the MPPI / weighted-mean step, y = A z)
//   shape:  C  <- (1 - c1 - cmu) C + c1 p_c p_c^T + cmu sum_k w_k y_k y_k^T
//           (the weighted second moment of the successful steps: the natural gradient of the
//           smoothed objective with respect to C; p_c, the smoothed path of mean steps, adds the
//           rank-one direction that a population too small to see C whole still finds;
//           a coordinate within one standard deviation of a bound also learns its variance at
//           the diagonal rate: learn_bound_scales)
//   scale:  "adaptive" (default): path-length control, the generalization of DIDA's adaptive
//           schedule: sigma shrinks while the whitened mean steps cancel (the smoothed
//           minimum at this level is reached) and grows while they line up:
//           sigma <- sigma exp(c_s / d_s (|p_s| / E|N(0, I)| - 1)), p_s the path of sum w z;
//           "geometric" / "cosine": DIDA's fixed annealing over the cycle.
// Weights: "rank" (default), the log-rank weights of the better half, which make the step that of
// the smoothed quantile function of f (invariant to any increasing transform of f, the
// robust form of the Boltzmann weights when f spans decades within a batch); "boltzmann":
// exp(-(f - fmin) / (temperature std f)) over the whole batch, DIDA's own weights.
// The learning rates are the standard ones of the covariance-matrix-adaptation literature
// (Hansen, "The CMA Evolution Strategy: A Tutorial", 2016), as functions of the weights'
// effective sample size mu_eff; in the diagonal form (large dim) they are scaled by (dim + 2) / 3
// (Ros & Hansen 2008). The factor A is the Cholesky factor of C, recomputed every few
// iterations (O(dim^3 / 6)); sum_k w_k z_k is then exactly A^{-1} of the mean step, so the
// scale's path needs no inverse.
//
// Stopping tests for the Ipop/Bipop regimes (converged()): flat fitness (the batch's range and
// the recent best values' range below tolfun), sigma collapse (sigma times the largest standard
// deviation below tolx), a coordinate or step that no longer changes the mean, a condition
// number of C above 1e14, stagnation (the median of the recent best and median values no better
// than those of older iterations), a non-finite or non-positive-definite shape.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "sampling_rules.hpp"
#include "scoreopt/smoothing.hpp"

namespace scoreopt {

namespace {

using checks::number;
using checks::positive;
using checks::require;

constexpr double kMaxCondition = 1e14;
constexpr double kWideSmoothing = 0.3;  // sigma / half-width above which the evaluated steps count
constexpr std::size_t kHistoryCap = 50000;
constexpr double kReflectionZone = 1.0;  // standard deviations from a bound: see learn_bound_scales


// In-place Cholesky factor of the symmetric n x n matrix a (row-major, lower triangle read and
// written, upper zeroed). False when a is not numerically positive definite.
bool cholesky(std::vector<double>& a, int n) {
  for (int j = 0; j < n; ++j) {
    double* aj = a.data() + std::size_t(j) * n;
    double d = aj[j];
    for (int k = 0; k < j; ++k) d -= aj[k] * aj[k];
    if (!(d > 0) || !std::isfinite(d)) return false;
    const double r = std::sqrt(d);
    aj[j] = r;
    for (int i = j + 1; i < n; ++i) {
      double* ai = a.data() + std::size_t(i) * n;
      double s = ai[j];
      for (int k = 0; k < j; ++k) s -= ai[k] * aj[k];
      ai[j] = s / r;
    }
    for (int k = j + 1; k < n; ++k) aj[k] = 0.0;
  }
  return true;
}

double median(std::vector<double> v) {
  if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
  const auto mid = v.begin() + std::ptrdiff_t(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  double m = *mid;
  if (v.size() % 2 == 0) m = (m + *std::max_element(v.begin(), mid)) / 2;
  return m;
}

class CovarianceDida final : public UpdateRule {
 public:
  CovarianceDida(SamplingOptions& o, const Geometry& g)
      : n_(g.dim), half_(g.half), scale_(g.scale), lower_(g.lower), upper_(g.upper) {
    const Covariance cov = o.covariance;
    full_ = cov == Covariance::Full || (cov == Covariance::Auto && g.dim <= kFullCovarianceMaxDim);
    learn_ = cov != Covariance::Isotropic;
    require(!(cov == Covariance::Full && g.dim > 20000),
            "covariance: 'full' needs dim x dim doubles; expected dim <= 20000, got " + std::to_string(g.dim));
    schedule_ = *(o.schedule = o.schedule.value_or(SigmaSchedule::Adaptive));
    weights_ = o.weights;
    tau_ = o.temperature ? positive(*o.temperature, "temperature") : 1.0;
    o.temperature = tau_;
    sigma_end_ = o.sigma_end ? positive(*o.sigma_end, "sigma_end") : 1e-9 * g.half;
    o.sigma_end = sigma_end_;
    cm_ = o.mean_rate;
    require(cm_ > 0 && cm_ <= 1, "mean_rate: expected a value in (0, 1], got " + number(cm_));
    anneal_ = o.anneal_fraction;
    require(anneal_ > 0 && anneal_ <= 1, "anneal_fraction: expected a value in (0, 1], got " + number(anneal_));
    tolfun_ = o.tolfun;
    require(tolfun_ >= 0 && std::isfinite(tolfun_), "tolfun: expected a finite value >= 0, got " + number(tolfun_));
    tolx_ = o.tolx ? *o.tolx : 1e-11 * g.half;
    require(tolx_ >= 0 && std::isfinite(tolx_), "tolx: expected a finite value >= 0, got " + number(tolx_));
    o.tolx = tolx_;
  }

  bool shapes_noise() const override { return true; }

  void shape(const double* z, std::int64_t count, double* y) const override {
    const int n = n_;
    if (!full_) {
      for (std::int64_t k = 0; k < count; ++k)
        for (int i = 0; i < n; ++i) y[k * n + i] = a_[i] * z[k * n + i];
      return;
    }
    for (std::int64_t k = 0; k < count; ++k) {
      const double* zk = z + k * n;
      double* yk = y + k * n;
      for (int i = 0; i < n; ++i) {
        const double* ai = a_.data() + std::size_t(i) * n;
        double s = 0;
        for (int j = 0; j <= i; ++j) s += ai[j] * zk[j];
        yk[i] = s;
      }
    }
  }

  void unshape(const double* y, double* z) const override { whiten(y, z); }
  // The evaluated (reflected) steps while the smoothing is wide: in the annealed phase, and in
  // the adaptive one while the samples' width, sigma sqrt(tr C / n), exceeds 0.3 of the
  // half-width (sigma alone is not the width: only sigma^2 C is fixed by the data), where
  // reflection is frequent and the draws' bias (up to sigma) is as large as the search's
  // scale. Below that the draws are
  // credited: a weighted mean of reflected points never reaches the bound itself, and an
  // optimum on the bound (BBOB f5's corner) would then be approached only as fast as sigma
  // shrinks (measured: 10x slower on f5 with the evaluated steps throughout).
  bool credits_evaluated_steps(const Cycle& c) const override {
    if (annealing(c)) return true;
    const std::size_t n = std::size_t(n_);
    double trace = 0;
    for (std::size_t i = 0; i < n; ++i) trace += full_ ? c_[i * n + i] : c_[i];
    return sigma_last_ * std::sqrt(trace / double(n)) > kWideSmoothing * half_;
  }

  double start(std::int64_t popsize, double sigma0) override {
    lambda_ = popsize;
    sigma0_ = sigma0;
    sigma_last_ = sigma0;  // the scale of the cycle's first batch
    g_ = 0;
    const std::size_t n = std::size_t(n_);
    ps_.assign(n, 0.0);
    pc_.assign(n, 0.0);
    if (full_) {
      c_.assign(n * n, 0.0);
      a_.assign(n * n, 0.0);
      for (std::size_t i = 0; i < n; ++i) c_[i * n + i] = a_[i * n + i] = 1.0;
    } else {
      c_.assign(n, 1.0);
      a_.assign(n, 1.0);
    }
    since_factor_ = 0;
    best_hist_.clear();
    median_hist_.clear();
    batch_range_ = std::numeric_limits<double>::infinity();
    degenerate_ = no_effect_ = false;
    rank_mueff_ = rank_mueff();
    set_rates(rank_mueff_);
    return sigma0;
  }

  void update(const Batch& b, const Cycle& c, std::vector<double>& mean, double& sigma) override {
    const int n = n_;
    const std::int64_t K = b.n;
    // --- the order of the batch, non-finite values last
    rank_order(b, order_);
    const std::int64_t finite = K - b.nonfinite;
    ++g_;
    // the annealed smoothing phase of a fixed schedule, or the local phase after it
    const bool annealed = annealing(c);
    const double cm = annealed ? cm_ : 1.0;
    // C learns from the draws only. The evaluated steps are folded into the box, so their second
    // moment measures the box rather than the landscape: learning C from them shrinks C while
    // the path-length rule, reading the whitened steps, grows sigma by as much, and the samples'
    // width sigma^2 C never falls below the box's (measured: BBOB f5 at D = 40, popsize 60, held
    // at a width of half the box for the whole budget, the corner never reached).
    const bool evaluated_steps = credits_evaluated_steps(c);
    if (finite == 0) {  // nothing to learn from: the same distribution again
      best_hist_.push_back(std::numeric_limits<double>::infinity());
      median_hist_.push_back(std::numeric_limits<double>::infinity());
      return;
    }
    const double fbest = b.f[order_[0]], fworst = b.f[order_[std::size_t(finite - 1)]];
    batch_range_ = fworst - fbest;
    if (best_hist_.size() >= kHistoryCap) {  // the stagnation test reads at most 20 % of g
      best_hist_.erase(best_hist_.begin(), best_hist_.begin() + kHistoryCap / 5);
      median_hist_.erase(median_hist_.begin(), median_hist_.begin() + kHistoryCap / 5);
    }
    best_hist_.push_back(fbest);
    median_hist_.push_back(b.f[order_[std::size_t((finite - 1) / 2)]]);

    // --- the weights, best first
    w_.clear();
    wneg_.clear();
    if (weights_ == Weighting::Rank) {
      const std::int64_t mu = std::min<std::int64_t>(finite, std::max<std::int64_t>(1, K / 2));
      double sum = 0;
      for (std::int64_t r = 0; r < mu; ++r) {
        w_.push_back(log_rank_weight(double(K / 2), double(r)));
        sum += w_.back();
      }
      for (double& v : w_) v /= sum;
      // the worse half pushes C away from its steps (the active update): the same log-rank
      // shape, mirrored, scaled so that C stays positive definite (Hansen 2016, sec. 3.6)
      const std::int64_t nneg = std::min<std::int64_t>(finite - mu, K - K / 2);
      neg_from_ = std::size_t(finite - std::max<std::int64_t>(nneg, 0));
      if (nneg > 0) {
        double neg = 0;
        for (std::int64_t r = 0; r < nneg; ++r) {
          const double rank = double(finite - nneg + r);  // 0-based rank among the finite values
          wneg_.push_back(log_rank_weight(double(K / 2), rank));  // < 0
          neg += -wneg_.back();
        }
        double nw2 = 0;
        for (double v : wneg_) nw2 += v * v;
        const double mueff_neg = neg * neg / nw2;
        const double scale_to = std::min({1 + c1_ / cmu_, 1 + 2 * mueff_neg / (rank_mueff_ + 2),
                                          (1 - c1_ - cmu_) / (double(n) * cmu_)});
        for (double& v : wneg_) v *= scale_to / neg;
      }
    } else {
      wall_.resize(std::size_t(K));
      boltzmann_weights(b.f, K, tau_, TemperatureScale::Std, wall_.data());
      for (std::int64_t r = 0; r < finite; ++r) w_.push_back(wall_[std::size_t(order_[std::size_t(r)])]);
    }
    double w2 = 0;
    for (double v : w_) w2 += v * v;
    const double mueff = 1.0 / w2;
    if (weights_ == Weighting::Boltzmann) set_rates(mueff);

    // --- weighted means of the steps y and of the draws z
    ybar_.assign(std::size_t(n), 0.0);
    zbar_.assign(std::size_t(n), 0.0);
    for (std::size_t r = 0; r < w_.size(); ++r) {
      const std::int64_t k = order_[r];
      const double* y = b.steps + k * n;
      const double* z = b.noise + k * n;
      for (int i = 0; i < n; ++i) {
        ybar_[i] += w_[r] * y[i];
        zbar_[i] += w_[r] * z[i];
      }
    }
    // The mean stays in the box. Where a bound stopped it, the rank-one path learns from the step
    // actually taken (else a mean pressed on a bound keeps a path pointing out of the box), and
    // the scale's path sees the coordinate as unselected: the weights applied to the samples in
    // draw order, which is independent of their values (even rows first, so that antithetic
    // pairs do not cancel). A coordinate held on its bound is an
    // active constraint, not a sign of convergence: its folded samples look converged (their
    // values depend on |y| only), and counting them so shrinks sigma while the free coordinates
    // still travel (measured: BBOB f5, D = 40, instances 1-5, ECDF area 0.35 -> 0.37).
    no_effect_ = true;
    bool stopped = false;
    yps_.assign(ybar_.begin(), ybar_.end());
    for (int i = 0; i < n; ++i) {
      const double before = mean[i];
      const double next = before + cm * sigma * scale_[i] * ybar_[i];
      mean[i] = std::min(std::max(next, lower_[i]), upper_[i]);
      no_effect_ = no_effect_ && mean[i] == before;
      if (mean[i] != next) {
        stopped = true;
        ybar_[i] = (mean[i] - before) / (cm * sigma * scale_[i]);
        double unselected = 0;
        for (std::size_t r = 0; r < w_.size(); ++r) {
          const std::int64_t row = 2 * std::int64_t(r) < K ? 2 * std::int64_t(r) : 2 * std::int64_t(r) - K + 1;
          unselected += w_[r] * b.steps[row * n + i];
        }
        yps_[i] = unselected;
      }
    }
    if (stopped) whiten(yps_, zbar_);  // zbar = A^{-1} of that step

    // --- the paths
    const double cs = cs_, cc = cc_;
    double ps2 = 0;
    const double ks = std::sqrt(cs * (2 - cs) * mueff);
    for (int i = 0; i < n; ++i) {
      ps_[i] = (1 - cs) * ps_[i] + ks * zbar_[i];
      ps2 += ps_[i] * ps_[i];
    }
    const double hs_bound = (2.0 + 4.0 / (n + 1)) * n;
    const bool hsig = ps2 / (1 - std::pow(1 - cs, 2.0 * double(g_))) < hs_bound;
    const double kc = hsig ? std::sqrt(cc * (2 - cc) * mueff) : 0.0;
    for (int i = 0; i < n; ++i) pc_[i] = (1 - cc) * pc_[i] + kc * ybar_[i];

    // --- the shape
    const double c1 = c1_, cmu = cmu_;
    double wneg_sum = 0;
    for (double v : wneg_) wneg_sum += v;
    const double keep = 1 - c1 - cmu * (1 + wneg_sum) + (hsig ? 0.0 : c1 * cc * (2 - cc));
    // the worse steps enter with y scaled to the expected length of a whitened step,
    // y sqrt(n) / |z|, so that one long unlucky step cannot shrink C by much
    wneg_eff_.resize(wneg_.size());
    for (std::size_t r = 0; r < wneg_.size(); ++r) {
      const double* z = b.noise + order_[neg_from_ + r] * n;
      double z2 = 0;
      for (int i = 0; i < n; ++i) z2 += z[i] * z[i];
      wneg_eff_[r] = z2 > 0 ? wneg_[r] * double(n) / z2 : 0.0;
    }
    if (!learn_ || evaluated_steps) {
      // isotropic (DIDA's kernel N(m, sigma^2 S S), C stays I), or steps folded by the box
    } else if (full_) {
      const std::size_t nn = std::size_t(n);
      for (std::size_t i = 0; i < nn; ++i) {
        double* ci = c_.data() + i * nn;
        for (std::size_t j = 0; j <= i; ++j) ci[j] = keep * ci[j] + c1 * pc_[i] * pc_[j];
      }
      auto rank_one = [&](const double* y, double wr) {
        for (std::size_t i = 0; i < nn; ++i) {
          double* ci = c_.data() + i * nn;
          const double wy = wr * y[i];
          for (std::size_t j = 0; j <= i; ++j) ci[j] += wy * y[j];
        }
      };
      for (std::size_t r = 0; r < w_.size(); ++r) rank_one(b.steps + order_[r] * n, cmu * w_[r]);
      for (std::size_t r = 0; r < wneg_.size(); ++r)
        rank_one(b.steps + order_[neg_from_ + r] * n, cmu * wneg_eff_[r]);
      learn_bound_scales(b, mean, sigma);
      if (++since_factor_ >= factor_every_) refactor();
    } else {
      for (int i = 0; i < n; ++i) {
        double s = 0;
        for (std::size_t r = 0; r < w_.size(); ++r) {
          const double y = b.steps[order_[r] * n + i];
          s += w_[r] * y * y;
        }
        for (std::size_t r = 0; r < wneg_.size(); ++r) {
          const double y = b.steps[order_[neg_from_ + r] * n + i];
          s += wneg_eff_[r] * y * y;
        }
        c_[i] = keep * c_[i] + c1 * pc_[i] * pc_[i] + cmu * s;
        degenerate_ = degenerate_ || !(c_[i] > 0) || !std::isfinite(c_[i]);
        a_[i] = std::sqrt(c_[i]);
      }
    }

    // --- the scale
    // a flat batch (the best quarter all equal: a plateau at this scale) sees no gradient of the
    // smoothed objective: smooth more, as long as the values are not flat because converged
    const std::size_t quarter = std::min<std::size_t>(std::size_t(finite - 1), std::size_t(0.1 + double(K) / 4));
    const bool plateau = b.f[order_[quarter]] == fbest && finite > 1;
    switch (schedule_) {
      case SigmaSchedule::Adaptive: {
        const double arg = (cs / ds_) * (std::sqrt(ps2) / chi_n_ - 1);
        sigma *= std::exp(std::min(1.0, arg));  // at most a factor e per batch
        if (plateau) sigma *= std::exp(0.2 + cs / ds_);
        break;
      }
      case SigmaSchedule::Geometric:
      case SigmaSchedule::Cosine:
        if (annealed) {
          sigma = annealed_sigma(schedule_, sigma0_, std::min(sigma_end_, sigma0_),
                                 std::min(1.0, c.progress() / anneal_));
        } else {  // the local phase: path-length control from where the annealing ended
          const double arg = (cs / ds_) * (std::sqrt(ps2) / chi_n_ - 1);
          sigma *= std::exp(std::min(1.0, arg));
        }
        break;
    }
    if (!std::isfinite(sigma) || !(sigma > 0)) degenerate_ = true;
    sigma_last_ = sigma;  // converged() runs after this update and tests the new scale
  }

  bool converged(const Cycle&) const override {
    if (degenerate_ || no_effect_) return true;
    const int n = n_;
    // flat fitness: the batch and the recent best values
    const std::size_t window = std::size_t(10 + std::ceil(30.0 * n / double(lambda_)));
    if (best_hist_.size() >= window) {
      const auto first = best_hist_.end() - std::ptrdiff_t(window);
      const auto [lo, hi] = std::minmax_element(first, best_hist_.end());
      if (*hi - *lo <= tolfun_ && batch_range_ <= tolfun_) return true;
    }
    // sigma collapse: every coordinate's and the path's spread below tolx
    double sd_max = 0, pc_max = 0, dmin = std::numeric_limits<double>::infinity(), dmax = 0;
    for (int i = 0; i < n; ++i) {
      const double cii = full_ ? c_[std::size_t(i) * n + i] : c_[i];
      sd_max = std::max(sd_max, scale_[i] * std::sqrt(cii));
      pc_max = std::max(pc_max, scale_[i] * std::abs(pc_[i]));
      const double aii = full_ ? a_[std::size_t(i) * n + i] : a_[i];
      dmin = std::min(dmin, aii);
      dmax = std::max(dmax, aii);
    }
    if (sigma_last_ * sd_max < tolx_ && sigma_last_ * pc_max < tolx_) return true;
    // condition: the Cholesky diagonal's spread bounds the eigenvalues' from below
    if (dmax * dmax > kMaxCondition * dmin * dmin) return true;
    // stagnation: the recent 30 % of the best and median values no better than the oldest 30 %
    const std::size_t span = std::size_t(120 + std::ceil(30.0 * n / double(lambda_)));
    const std::size_t h = best_hist_.size();
    if (h >= span) {
      const std::size_t keep = std::min<std::size_t>(h, std::max<std::size_t>(span, std::size_t(0.2 * double(g_))));
      const std::size_t part = std::max<std::size_t>(1, std::size_t(0.3 * double(keep)));
      auto med = [&](const std::vector<double>& v, std::size_t from) {
        return median(std::vector<double>(v.begin() + std::ptrdiff_t(from), v.begin() + std::ptrdiff_t(from + part)));
      };
      const std::size_t old_from = h - keep, new_from = h - part;
      if (med(best_hist_, new_from) >= med(best_hist_, old_from) &&
          med(median_hist_, new_from) >= med(median_hist_, old_from))
        return true;
    }
    return false;
  }

  std::vector<double> state() const override {
    std::vector<double> s{double(lambda_), sigma0_, double(g_), double(since_factor_), batch_range_,
                          double(degenerate_), double(no_effect_), sigma_last_, double(best_hist_.size())};
    s.insert(s.end(), ps_.begin(), ps_.end());
    s.insert(s.end(), pc_.begin(), pc_.end());
    s.insert(s.end(), c_.begin(), c_.end());
    s.insert(s.end(), a_.begin(), a_.end());
    s.insert(s.end(), best_hist_.begin(), best_hist_.end());
    s.insert(s.end(), median_hist_.begin(), median_hist_.end());
    return s;
  }

  void set_state(const std::vector<double>& s) override {
    const std::size_t n = std::size_t(n_), cn = full_ ? n * n : n;
    require(s.size() >= 9 + 2 * n + 2 * cn, "state: the rule's state has the wrong size");
    const double lam = s[0], hist = s[8];
    require(lam >= 2 && lam < 2147483648.0 && hist >= 0 && s.size() == 9 + 2 * n + 2 * cn + 2 * std::size_t(hist),
            "state: the rule's state has the wrong size");
    start(std::int64_t(lam), s[1]);
    g_ = std::int64_t(s[2]);
    since_factor_ = std::int64_t(s[3]);
    batch_range_ = s[4];
    degenerate_ = s[5] != 0;
    no_effect_ = s[6] != 0;
    sigma_last_ = s[7];
    auto at = s.begin() + 9;
    auto take = [&](std::vector<double>& v, std::size_t m) {
      v.assign(at, at + std::ptrdiff_t(m));
      at += std::ptrdiff_t(m);
    };
    take(ps_, n);
    take(pc_, n);
    take(c_, cn);
    take(a_, cn);
    take(best_hist_, std::size_t(hist));
    take(median_hist_, std::size_t(hist));
  }

 private:
  // the annealed smoothing phase of a fixed schedule (progress only grows within a cycle: once
  // past anneal_fraction, the cycle stays in its local phase)
  bool annealing(const Cycle& c) const { return schedule_ != SigmaSchedule::Adaptive && c.progress() <= anneal_; }

  double rank_mueff() const {
    const std::int64_t mu = std::max<std::int64_t>(1, lambda_ / 2);
    double s = 0, s2 = 0;
    for (std::int64_t r = 0; r < mu; ++r) {
      const double w = log_rank_weight(double(mu), double(r));
      s += w;
      s2 += w * w;
    }
    return s * s / s2;
  }

  void set_rates(double mueff) {
    const double n = n_;
    cs_ = (mueff + 2) / (n + mueff + 5);
    // The scale's damping grows with mu_eff from mu_eff ~ n / 8 on, where the tutorial's form
    // (the inner factor 1) only grows above mu_eff ~ n: c_s rises toward 1 with mu_eff, the path
    // then remembers only a few batches, and a path shortened by selection on a non-smooth
    // ridge or on multimodal noise anneals sigma by c_s / d_s of that deficit every batch. In the
    // large-population cycles of the restarts that outran C's learning of the ridge (BBOB f13,
    // D = 40, popsize 60: the cycles ended by sigma collapse at errors 1e-4) and annealed the
    // smoothing in half the batches BIPOP-CMA-ES takes on f17. The inner factor
    // max(1, 3 (1 - 2^(-n / 9))) is pycma's since 4.x (its issue 231); with it set back to 1,
    // pycma's popsize-60 runs on f13 fail as CDIDA's did (docs: "Annealing the smoothing scale").
    const double inner = std::max(1.0, 3 * (1 - std::pow(2.0, -n / 9)));
    ds_ = 1 + 2 * std::max(0.0, inner * std::sqrt((mueff - 1) / (n + 1)) - 1) + cs_;
    cc_ = (4 + mueff / n) / (n + 4 + 2 * mueff / n);
    c1_ = 2 / ((n + 1.3) * (n + 1.3) + mueff);
    cmu_ = std::min(1 - c1_, 2 * (mueff - 2 + 1 / mueff) / ((n + 2) * (n + 2) + mueff));
    if (!full_) {  // a diagonal has n, not n^2 / 2, parameters to learn
      const double f = (n + 2) / 3;
      c1_ = std::min(1.0, c1_ * f);
      cmu_ = std::min(1 - c1_, cmu_ * f);
    }
    if (full_) {
      const double f = (n + 2) / 3;
      cmu_sep_ = std::min(1 - c1_ * f, cmu_ * f);
    } else {
      cmu_sep_ = cmu_;
    }
    chi_n_ = std::sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n));
    // the factor is refreshed whenever C has moved by about a tenth of its learning horizon
    factor_every_ = std::max<std::int64_t>(1, std::int64_t(1.0 / ((c1_ + cmu_) * n * 10)));
  }

  // z = A^{-1} y (forward substitution with the lower-triangular factor, or the diagonal)
  void whiten(const std::vector<double>& y, std::vector<double>& z) const { whiten(y.data(), z.data()); }
  void whiten(const double* y, double* z) const {
    const int n = n_;
    for (int i = 0; i < n; ++i) {
      if (!full_) {
        z[i] = y[i] / a_[i];
        continue;
      }
      const double* ai = a_.data() + std::size_t(i) * n;
      double s = y[i];
      for (int j = 0; j < i; ++j) s -= ai[j] * z[j];
      z[i] = s / ai[i];
    }
  }

  // A coordinate whose mean lies within one standard deviation of a bound (the reflection zone)
  // is held by the box, a separable constraint, and where its optimum is the bound (BBOB f5) the
  // selected samples are those folded nearest it: each such coordinate adds its folded spread
  // to every value, noise that hides the free coordinates' slope until that spread shrinks. The
  // full C learns a diagonal entry at cmu, about 2 / n^2 per batch, far slower than the scale
  // itself must move there (measured: BBOB f5, D = 40, the corner reached in 17,000-38,000
  // evaluations where covariance "diagonal", with the separable rate, needs half as many). So
  // these coordinates' variances also learn at the separable rate cmu (n + 2) / 3: C <- S C S
  // with S diagonal, S_ii^2 = 1 + (that rate - cmu) (the selected second moment of the draws /
  // their variance - 1), which keeps C positive definite and S A its Cholesky factor.
  void learn_bound_scales(const Batch& b, const std::vector<double>& mean, double sigma) {
    const std::size_t n = std::size_t(n_);
    const double extra = cmu_sep_ - cmu_;
    if (!(extra > 0)) return;
    bound_scale_.assign(n, 1.0);
    bool any = false;
    for (std::size_t i = 0; i < n; ++i) {
      const double* ai = a_.data() + i * n;
      double drawn = 0;  // the variance the batch was drawn with, (A A^T)_ii
      for (std::size_t j = 0; j <= i; ++j) drawn += ai[j] * ai[j];
      const double sd = sigma * scale_[i] * std::sqrt(drawn);
      if (std::min(mean[i] - lower_[i], upper_[i] - mean[i]) > kReflectionZone * sd) continue;
      double selected = 0;
      for (std::size_t r = 0; r < w_.size(); ++r) {
        const double y = b.steps[std::size_t(order_[r]) * n + i];
        selected += w_[r] * y * y;
      }
      // at most a factor 2 per batch either way, as the path-length rule's e
      const double s2 = 1 + extra * (selected / drawn - 1);
      bound_scale_[i] = std::sqrt(std::min(4.0, std::max(0.25, s2)));
      any = true;
    }
    if (!any) return;
    for (std::size_t i = 0; i < n; ++i) {
      double* ci = c_.data() + i * n;
      double* ai = a_.data() + i * n;
      for (std::size_t j = 0; j <= i; ++j) {
        ci[j] *= bound_scale_[i] * bound_scale_[j];
        ai[j] *= bound_scale_[i];
      }
    }
  }

  void refactor() {
    since_factor_ = 0;
    const std::size_t n = std::size_t(n_);
    std::vector<double> l(c_);  // lower triangle of C
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = i + 1; j < n; ++j) l[i * n + j] = 0.0;
    if (cholesky(l, n_)) {
      a_.swap(l);
    } else {
      degenerate_ = true;  // C lost positive definiteness in rounding: end the cycle
    }
  }

  int n_;
  double half_;  // the mean half-width of the box: the unit of sigma's size
  std::vector<double> scale_, lower_, upper_;
  bool full_;
  SigmaSchedule schedule_;
  Weighting weights_;
  double tau_, sigma_end_, tolfun_, tolx_, cm_, anneal_;
  std::int64_t lambda_ = 2, g_ = 0, since_factor_ = 0, factor_every_ = 1;
  double cmu_sep_ = 0;  // the diagonal (separable) rate of C's rank-mu update
  std::vector<double> bound_scale_;
  double sigma0_ = 1, cs_ = 0, ds_ = 1, cc_ = 0, c1_ = 0, cmu_ = 0, chi_n_ = 1;
  double batch_range_ = 0, sigma_last_ = 1, rank_mueff_ = 1;
  bool degenerate_ = false, no_effect_ = false;
  bool learn_ = true;  // false: covariance "isotropic", C = I
  std::vector<double> ps_, pc_, c_, a_;  // paths; C (full: n x n lower triangle; else its diagonal); A
  std::vector<double> best_hist_, median_hist_;
  std::vector<std::int64_t> order_;
  std::vector<double> w_, wneg_, wneg_eff_, wall_, ybar_, zbar_, yps_;  // weights: the better, the worse ones
  std::size_t neg_from_ = 0;                              // rank of the first of the worse ones
};

}  // namespace

std::int64_t covariance_popsize(int dim) { return 4 + std::int64_t(3 * std::log(double(dim))); }

std::unique_ptr<UpdateRule> make_covariance_rule(SamplingOptions& o, const Geometry& g) {
  return std::make_unique<CovarianceDida>(o, g);
}

}  // namespace scoreopt
