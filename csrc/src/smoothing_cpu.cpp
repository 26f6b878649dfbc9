// Host driver of the fused smoothing estimator. Two sweeps over (center, chunk of samples) work
// items: the first draws the noise, evaluates the chunk and keeps only f (M x K scalars); the
// second redraws the same noise from its counters and accumulates the gradient and the weighted
// mean. Memory is O(M K + threads * chunk * dim + items * dim), never M x K x dim.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "scoreopt/random.hpp"
#include "scoreopt/smoothing.hpp"
#include "smoothing_checks.hpp"
#include "smoothing_factor.hpp"
#include "smoothing_statistics.hpp"

namespace scoreopt {

namespace stats = smoothing_stats;
using smoothing_factor::Factor;

namespace {

constexpr std::int64_t kChunk = 64;  // samples per work item (even: antithetic pairs never split)
constexpr int kLanes = 16;           // fixed split of one center's chunks, whatever the threads

// Kept out of line: inlined into the sweep lambdas, the block loop of normal_vector gets a
// runtime alias check whose fallback is scalar code (2x slower overall).
template <class T>
__attribute__((noinline)) void draw(std::uint64_t seed, std::uint64_t stream, std::int64_t k,
                                    bool antithetic, int d, T* eps) {
  if (antithetic) {
    random::normal_vector(seed, stream, std::uint32_t(k / 2), d, eps);
    if (k % 2) {
      SO_SIMD
      for (int i = 0; i < d; ++i) eps[i] = -eps[i];
    }
  } else {
    random::normal_vector(seed, stream, std::uint32_t(k), d, eps);
  }
}

// y = clip(x + s A eps) (smoothing_factor.hpp; the box when given), with a vectorized loop for
// the identity
template <class T>
void make_sample(const T* x, T s, const Factor& A, const T* eps, int d, const double* lo,
                 const double* hi, T* y) {
  if (A.a) {
    smoothing_factor::shape_row(x, s, A, eps, d, lo, hi, y);
    return;
  }
  SO_SIMD
  for (int i = 0; i < d; ++i) y[i] = smoothing_factor::sample_coordinate(x[i], s, Factor{}, eps, i, d);
  if (lo) {
    for (int i = 0; i < d; ++i) y[i] = smoothing_factor::clip(y[i], T(lo[i]), T(hi[i]));
  }
}

}  // namespace

template <class T>
void smoothing_noise(std::uint64_t seed, std::uint64_t center, std::int64_t start,
                     std::int64_t count, int dim, bool antithetic, T* out) {
  if (dim < 1) throw std::invalid_argument("dim: must be >= 1");
  if (start < 0 || count < 0) throw std::invalid_argument("start, count: must be >= 0");
  if (start + count > (std::int64_t(1) << 32))
    throw std::invalid_argument("samples: at most 2^32 samples per center");
  for (std::int64_t r = 0; r < count; ++r) {
    T* row = out + r * dim;
    if (antithetic && (start + r) % 2 && r > 0) {  // the pair's second member mirrors the first
      const T* first = row - dim;
      SO_SIMD
      for (int i = 0; i < dim; ++i) row[i] = -first[i];
    } else {
      draw(seed, center, start + r, antithetic, dim, row);
    }
  }
}

namespace {

// Running sums of one center's estimate over any subset of its samples. Accumulators merge, so
// work can be split over threads; none of them grows with the number of samples K.
struct Accum {
  std::vector<double> g, esum, w;  // sum c_k eps_k, sum eps_k (no pairs), sum w_k (y_k - x)
  double gcount = 0, wsum = 0;
  double wmin = std::numeric_limits<double>::infinity();  // weights are exp(-(f - wmin) / lam)
  double shift = 0;                                       // gradient sums use (f - shift)
  bool has_shift = false;
  stats::Moments moments;  // of the finite f
  double fmin = std::numeric_limits<double>::infinity();
  std::int64_t argmin = -1, nonfinite = 0;

  explicit Accum(int d) : g(d, 0.0), esum(d, 0.0), w(d, 0.0) {}

  void rebase_weights(double new_min, double lam) {
    if (wsum > 0 && new_min < wmin) {
      const double s = stats::rebase_factor(wmin, new_min, lam);
      for (double& v : w) v *= s;
      wsum *= s;
    }
    wmin = std::min(wmin, new_min);
  }

  void merge(const Accum& o, double lam) {
    const int d = static_cast<int>(g.size());
    if (o.has_shift) {
      if (!has_shift) {
        shift = o.shift;
        has_shift = true;
      }
      // sum (f - shift) e = sum (f - o.shift) e + (o.shift - shift) sum e
      for (int i = 0; i < d; ++i) {
        g[i] += o.g[i] + (o.shift - shift) * o.esum[i];
        esum[i] += o.esum[i];
      }
    } else {
      for (int i = 0; i < d; ++i) g[i] += o.g[i];
    }
    gcount += o.gcount;
    if (o.wsum > 0) {
      const double m = std::min(wmin, o.wmin);
      rebase_weights(m, lam);
      const double s = stats::rebase_factor(o.wmin, m, lam);
      for (int i = 0; i < d; ++i) w[i] += s * o.w[i];
      wsum += s * o.wsum;
    }
    moments.merge(o.moments);
    if (o.fmin < fmin) fmin = o.fmin, argmin = o.argmin;
    nonfinite += o.nonfinite;
  }
};

template <class T>
void accumulate(const T* f, const T* E, const T* Y, const T* x, std::int64_t k0, std::int64_t n,
                int d, T s, bool antithetic, bool want_g, double lam, Accum& a) {
  for (std::int64_t r = 0; r < n; ++r) {
    if (!std::isfinite(f[r])) {
      ++a.nonfinite;
      continue;
    }
    const double v = f[r];
    a.moments.add(v);
    if (v < a.fmin) a.fmin = v, a.argmin = k0 + r;
  }
  if (want_g) {
    if (antithetic) {
      for (std::int64_t r = 0; r + 1 < n; r += 2) {
        if (!std::isfinite(f[r]) || !std::isfinite(f[r + 1])) continue;
        const double c = stats::stein_pair_coefficient(f[r], f[r + 1], s);
        const T* __restrict e = E + r * d;
        double* __restrict g = a.g.data();
        SO_SIMD
        for (int i = 0; i < d; ++i) g[i] += c * double(e[i]);
        a.gcount += 1.0;
      }
    } else {
      for (std::int64_t r = 0; r < n; ++r) {
        if (!std::isfinite(f[r])) continue;
        if (!a.has_shift) a.shift = f[r], a.has_shift = true;
        const double c = stats::stein_single_coefficient(f[r], a.shift);
        const T* __restrict e = E + r * d;
        double* __restrict g = a.g.data();
        double* __restrict es = a.esum.data();
        SO_SIMD
        for (int i = 0; i < d; ++i) {
          g[i] += c * double(e[i]);
          es[i] += double(e[i]);
        }
        a.gcount += 1.0;
      }
    }
  }
  if (lam > 0) {
    double lo = std::numeric_limits<double>::infinity();
    for (std::int64_t r = 0; r < n; ++r)
      if (std::isfinite(f[r])) lo = std::min(lo, double(f[r]));
    if (lo == std::numeric_limits<double>::infinity()) return;
    a.rebase_weights(lo, lam);
    for (std::int64_t r = 0; r < n; ++r) {
      if (!std::isfinite(f[r])) continue;
      const double w = stats::boltzmann_weight(f[r], a.wmin, lam);
      if (w == 0.0) continue;  // below double range relative to the best: no contribution
      const T* __restrict y = Y + r * d;
      double* __restrict wa = a.w.data();
      SO_SIMD
      for (int i = 0; i < d; ++i) wa[i] += w * (double(y[i]) - double(x[i]));
      a.wsum += w;
    }
  }
}

}  // namespace

namespace {

// The estimator, evaluating its samples with `problem`, or, when `values` (M x K) is given,
// taking the caller's f of exactly the samples it would have evaluated.
template <class T>
void estimate(const Problem* problem, const T* values, int d, const T* X, std::int64_t m,
              const T* sigma, std::int64_t sigma_len, const T* params, std::int64_t params_rows,
              const SmoothingOptions& opt, const SmoothingResult<T>& out) {
  const std::int64_t K = opt.samples;
  smoothing_checks::check_options(m, sigma_len, opt, out.weighted_mean != nullptr);
  smoothing_checks::check_factor(opt, d);
  const Factor A{opt.factor, opt.factor_diagonal};
  for (std::int64_t i = 0; i < sigma_len; ++i)
    if (!(sigma[i] > T(0)) || !std::isfinite(sigma[i]))
      throw std::invalid_argument("sigma: expected finite values > 0");
  for (std::int64_t i = 0; i < m * d; ++i)
    if (!std::isfinite(X[i]))
      throw std::invalid_argument("X: contains NaN or Inf (row " + std::to_string(i / d) + ")");
  const int np = problem ? problem->info().num_params : 0;
  const std::int64_t pstride = params_rows == 1 ? 0 : np;
  if (np > 0 && params_rows != 1 && params_rows != m)
    throw std::invalid_argument("params: expected 1 or " + std::to_string(m) + " rows");

  const bool want_g = out.gradient != nullptr;
  const bool want_w = out.weighted_mean != nullptr;
  // An absolute temperature is applied while each chunk's noise is at hand. A relative one
  // (lambda = tau * std f) needs every f of the center first: only then are the values kept
  // (M x K scalars) and the noise drawn a second time.
  const bool relative = want_w && opt.relative_temperature;
  const double lam_abs = want_w && !relative ? opt.temperature : 0.0;
  const std::int64_t chunks = (K + kChunk - 1) / kChunk;
  const int nt = num_threads();
  std::vector<T> F(relative && !values ? static_cast<size_t>(m * K) : 0);
  const T* Fall = values ? values : F.data();
  std::vector<Accum> acc(static_cast<size_t>(m), Accum(d));
  std::vector<double> lam(static_cast<size_t>(m), opt.temperature);
  std::string error;

  // One chunk of center c: draw, clip, evaluate, accumulate into a.
  auto sweep1 = [&](std::int64_t c, std::int64_t ch, T* E, T* Y, T* fbuf, Accum& a) {
    const std::int64_t k0 = ch * kChunk, n = std::min(kChunk, K - k0);
    const T s = sigma[sigma_len == 1 ? 0 : c];
    const T* x = X + c * d;
    for (std::int64_t r = 0; r < n; ++r) {
      T* e = E + r * d;
      if (opt.antithetic && r % 2) {  // the pair's second member mirrors the first
        const T* e0 = e - d;
        SO_SIMD
        for (int i = 0; i < d; ++i) e[i] = -e0[i];
      } else {
        draw(opt.seed, opt.center_offset + c, k0 + r, opt.antithetic, d, e);
      }
      make_sample(x, s, A, e, d, opt.lower, opt.upper, Y + r * d);
    }
    const T* f = values ? values + c * K + k0 : nullptr;
    if (!values) {
      T* fe = relative ? F.data() + c * K + k0 : fbuf;
      try {
        problem->evaluate<T>(Y, n, np ? params + c * pstride : nullptr, 1, fe, nullptr,
                             /*parallel=*/false);
      } catch (const std::exception& ex) {
#pragma omp critical(scoreopt_smoothing_error)
        if (error.empty()) error = ex.what();
        return;
      }
      f = fe;
    }
    accumulate(f, E, Y, x, k0, n, d, s, opt.antithetic, want_g, lam_abs, a);
  };
  // One chunk of center c, second pass (relative temperature): weights only.
  auto sweep2 = [&](std::int64_t c, std::int64_t ch, T* E, T* Y, Accum& a) {
    const std::int64_t k0 = ch * kChunk, n = std::min(kChunk, K - k0);
    const T s = sigma[sigma_len == 1 ? 0 : c];
    const T* x = X + c * d;
    const T* f = Fall + c * K + k0;
    for (std::int64_t r = 0; r < n; ++r) {
      draw(opt.seed, opt.center_offset + c, k0 + r, opt.antithetic, d, E + r * d);
      make_sample(x, s, A, E + r * d, d, opt.lower, opt.upper, Y + r * d);
    }
    accumulate(f, E, Y, x, k0, n, d, s, opt.antithetic, false, lam[c], a);  // only w is kept
  };
  auto finish_stats = [&](std::int64_t c) {
    if (relative) lam[c] = stats::temperature(opt.temperature, true, acc[c].moments.sd());
  };
  // Lane results of one center merge in lane order into the center's accumulator.
  auto merge_lanes = [&](std::int64_t c, int pass, const std::vector<Accum>& part) {
    if (pass == 2) {
      Accum wacc(d);
      for (const Accum& a : part) wacc.merge(a, lam[c]);
      acc[c].w = wacc.w, acc[c].wsum = wacc.wsum, acc[c].wmin = wacc.wmin;
    } else {
      for (const Accum& a : part) acc[c].merge(a, lam_abs > 0 ? lam_abs : 1.0);
    }
  };
  // Lane l of center c: chunks l, l + kLanes, ... in order.
  auto run_lane = [&](std::int64_t c, int l, int pass, T* E, T* Y, T* fb, Accum& a) {
    for (std::int64_t ch = l; ch < chunks; ch += kLanes) {
      if (pass == 2)
        sweep2(c, ch, E, Y, a);
      else
        sweep1(c, ch, E, Y, fb, a);
    }
  };
  auto run_pass = [&](int pass) {
    if (m >= nt) {
      // enough centers: one thread per center, lanes walked in turn
#pragma omp parallel num_threads(nt)
      {
        std::vector<T> E(static_cast<size_t>(kChunk * d)), Y(E.size()), fb(kChunk);
        std::vector<Accum> part(static_cast<size_t>(kLanes), Accum(d));
#pragma omp for schedule(dynamic, 1)
        for (std::int64_t c = 0; c < m; ++c) {
          for (int l = 0; l < kLanes; ++l) {
            part[l] = Accum(d);
            run_lane(c, l, pass, E.data(), Y.data(), fb.data(), part[l]);
          }
          merge_lanes(c, pass, part);
        }
      }
    } else {
      // few centers: each center's chunks go to kLanes fixed lanes (chunk ch to lane
      // ch % kLanes), each accumulated in chunk order and merged in lane order, so the result
      // is the same bits for any thread count and schedule
      for (std::int64_t c = 0; c < m; ++c) {
        std::vector<Accum> part(static_cast<size_t>(kLanes), Accum(d));
#pragma omp parallel num_threads(nt)
        {
          std::vector<T> E(static_cast<size_t>(kChunk * d)), Y(E.size()), fb(kChunk);
#pragma omp for schedule(dynamic, 1)
          for (int l = 0; l < kLanes; ++l) run_lane(c, l, pass, E.data(), Y.data(), fb.data(), part[l]);
        }
        merge_lanes(c, pass, part);
      }
    }
  };

  run_pass(1);
  if (!error.empty()) throw std::invalid_argument(error);
  for (std::int64_t c = 0; c < m; ++c) finish_stats(c);
  if (relative) run_pass(2);

  std::vector<T> eps(d);
  std::vector<double> grad(want_g ? d : 0);
  for (std::int64_t c = 0; c < m; ++c) {
    const Accum& a = acc[c];
    const T* x = X + c * d;
    const T s = sigma[sigma_len == 1 ? 0 : c];
    const double mean = a.moments.value();
    if (out.value) out.value[c] = T(mean);
    if (out.nonfinite) out.nonfinite[c] = a.nonfinite;
    if (out.best_f) out.best_f[c] = a.argmin >= 0 ? T(a.fmin) : T(NAN);
    if (out.best_x) {
      T* bx = out.best_x + c * d;
      if (a.argmin >= 0) {
        draw(opt.seed, opt.center_offset + c, a.argmin, opt.antithetic, d, eps.data());
        make_sample(x, s, A, eps.data(), d, opt.lower, opt.upper, bx);
      } else {
        std::copy(x, x + d, bx);
      }
    }
    if (want_g) {
      const double corr = stats::stein_correction(opt.antithetic, mean, a.shift);
      const double div = stats::stein_divisor(opt.antithetic, a.gcount, s);
      for (int i = 0; i < d; ++i) grad[i] = stats::gradient(a.g[i], corr, a.esum[i], a.gcount, div);
      smoothing_factor::solve_transpose(A, d, grad.data());  // from eps's coordinates to x's
      for (int i = 0; i < d; ++i) out.gradient[c * d + i] = T(grad[i]);
    }
    if (want_w)
      for (int i = 0; i < d; ++i)
        out.weighted_mean[c * d + i] = a.wsum > 0 ? T(stats::weighted_mean(x[i], a.w[i], a.wsum)) : x[i];
  }
}

}  // namespace

template <class T>
void smoothing_estimate(const Problem& problem, const T* X, std::int64_t m, const T* sigma,
                        std::int64_t sigma_len, const T* params, std::int64_t params_rows,
                        const SmoothingOptions& opt, const SmoothingResult<T>& out) {
  estimate<T>(&problem, nullptr, problem.dim(), X, m, sigma, sigma_len, params, params_rows, opt, out);
}

template <class T>
void smoothing_statistics(int dim, const T* X, std::int64_t m, const T* sigma, std::int64_t sigma_len,
                          const T* values, const SmoothingOptions& opt, const SmoothingResult<T>& out) {
  if (dim < 1) throw std::invalid_argument("dim: must be >= 1");
  if (values == nullptr) throw std::invalid_argument("values: expected M x samples values");
  estimate<T>(nullptr, values, dim, X, m, sigma, sigma_len, nullptr, 0, opt, out);
}

void check_smoothing_factor(const SmoothingOptions& options, int dim) {
  smoothing_checks::check_factor(options, dim);
}

void boltzmann_weights(const double* f, std::int64_t n, double temperature, TemperatureScale scale, double* w) {
  stats::Moments mom;
  std::vector<double> finite;
  double fmin = std::numeric_limits<double>::infinity(), fmax = -fmin;
  for (std::int64_t k = 0; k < n; ++k) {
    w[k] = 0.0;
    if (!std::isfinite(f[k])) continue;
    mom.add(f[k]);
    fmin = std::min(fmin, f[k]);
    fmax = std::max(fmax, f[k]);
    if (scale == TemperatureScale::MedianSpread) finite.push_back(f[k]);
  }
  if (!(mom.n > 0)) return;
  double lam;
  if (scale == TemperatureScale::Std) {
    lam = stats::temperature(temperature, true, mom.sd());
  } else {
    const size_t h = finite.size() / 2;
    std::nth_element(finite.begin(), finite.begin() + std::ptrdiff_t(h), finite.end());
    double median = finite[h];
    if (finite.size() % 2 == 0) median = (median + *std::max_element(finite.begin(), finite.begin() + std::ptrdiff_t(h))) / 2;
    lam = stats::median_spread_temperature(temperature, fmin, median, fmax);
  }
  double sum = 0;
  for (std::int64_t k = 0; k < n; ++k)
    if (std::isfinite(f[k])) sum += (w[k] = stats::boltzmann_weight(f[k], fmin, lam));
  for (std::int64_t k = 0; k < n; ++k) w[k] /= sum;
}

PopulationStatistics population_statistics(int dim, std::int64_t K, const double* Y,
                                           const double* f, const double* center,
                                           double temperature, double* weighted_mean,
                                           const double* eps, double sigma, bool antithetic,
                                           double* gradient) {
  const int d = dim;
  stats::Moments mom;
  double fmin = std::numeric_limits<double>::infinity();
  PopulationStatistics r;
  for (std::int64_t k = 0; k < K; ++k) {
    if (!std::isfinite(f[k])) {
      ++r.nonfinite;
      continue;
    }
    mom.add(f[k]);
    if (f[k] < fmin) fmin = f[k], r.best = k;
  }
  r.value = mom.value();
  if (weighted_mean) {
    std::vector<double> acc(d, 0.0);  // sum_k w_k (y_k - center)
    double ws = 0;
    if (r.best >= 0) {
      const double lam = stats::temperature(temperature, true, mom.sd());
      for (std::int64_t k = 0; k < K; ++k) {
        if (!std::isfinite(f[k])) continue;
        const double w = stats::boltzmann_weight(f[k], fmin, lam);
        const double* y = Y + k * d;
        SO_SIMD
        for (int i = 0; i < d; ++i) acc[i] += w * (y[i] - center[i]);
        ws += w;
      }
    }
    for (int i = 0; i < d; ++i) weighted_mean[i] = stats::weighted_mean(center[i], acc[i], ws);
  }
  if (gradient) {
    std::fill(gradient, gradient + d, 0.0);
    double count = 0;
    const std::int64_t stride = antithetic ? 2 : 1;
    for (std::int64_t k = 0; k + stride - 1 < K; k += stride) {
      double c;
      if (antithetic) {
        if (!std::isfinite(f[k]) || !std::isfinite(f[k + 1])) continue;
        c = stats::stein_pair_coefficient(f[k], f[k + 1], sigma);
      } else {
        if (!std::isfinite(f[k])) continue;
        c = stats::stein_single_coefficient(f[k], r.value);  // the mean is known: no correction
      }
      const double* e = eps + k * d;
      SO_SIMD
      for (int i = 0; i < d; ++i) gradient[i] += c * e[i];
      count += 1;
    }
    const double div = stats::stein_divisor(antithetic, count, sigma);
    for (int i = 0; i < d; ++i) gradient[i] = stats::gradient(gradient[i], 0.0, 0.0, count, div);
  }
  return r;
}

template void smoothing_statistics<float>(int, const float*, std::int64_t, const float*, std::int64_t,
                                          const float*, const SmoothingOptions&,
                                          const SmoothingResult<float>&);
template void smoothing_statistics<double>(int, const double*, std::int64_t, const double*,
                                           std::int64_t, const double*, const SmoothingOptions&,
                                           const SmoothingResult<double>&);
template void smoothing_estimate<float>(const Problem&, const float*, std::int64_t, const float*,
                                        std::int64_t, const float*, std::int64_t,
                                        const SmoothingOptions&, const SmoothingResult<float>&);
template void smoothing_estimate<double>(const Problem&, const double*, std::int64_t,
                                         const double*, std::int64_t, const double*, std::int64_t,
                                         const SmoothingOptions&, const SmoothingResult<double>&);
template void smoothing_noise<float>(std::uint64_t, std::uint64_t, std::int64_t, std::int64_t, int,
                                     bool, float*);
template void smoothing_noise<double>(std::uint64_t, std::uint64_t, std::int64_t, std::int64_t,
                                      int, bool, double*);

}  // namespace scoreopt
