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

namespace scoreopt {

namespace {

constexpr std::int64_t kChunk = 64;  // samples per work item (even: antithetic pairs never split)

template <class T>
void draw(std::uint64_t seed, std::uint64_t stream, std::int64_t k, bool antithetic, int d,
          T* eps) {
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

// y = clip(x + s eps) when a box is given
template <class T>
void make_sample(const T* x, T s, const T* eps, int d, const double* lo, const double* hi, T* y) {
  SO_SIMD
  for (int i = 0; i < d; ++i) y[i] = x[i] + s * eps[i];
  if (lo) {
    for (int i = 0; i < d; ++i) y[i] = std::min(std::max(y[i], T(lo[i])), T(hi[i]));
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
  for (std::int64_t r = 0; r < count; ++r) draw(seed, center, start + r, antithetic, dim, out + r * dim);
}

namespace {

// Per-item partial sums, double precision: [g (d)] [sum eps (d)] [w (d)] then scalars.
struct Layout {
  std::int64_t d;
  std::int64_t stride() const { return 3 * d + 5; }
  std::int64_t g() const { return 0; }
  std::int64_t e() const { return d; }
  std::int64_t w() const { return 2 * d; }
  std::int64_t gcount() const { return 3 * d; }
  std::int64_t wsum() const { return 3 * d + 1; }
  std::int64_t wmin() const { return 3 * d + 2; }   // the item's own min f (weights relative to it)
  std::int64_t shift() const { return 3 * d + 3; }  // f shift used in sum (f - shift) eps
};

template <class T>
void accumulate(const T* f, const T* E, const T* Y, const T* x, std::int64_t n, int d, T s,
                bool antithetic, bool want_g, double lam, double* acc, const Layout& L) {
  if (want_g) {
    if (antithetic) {
      for (std::int64_t r = 0; r + 1 < n; r += 2) {
        if (!std::isfinite(f[r]) || !std::isfinite(f[r + 1])) continue;
        const double c = (double(f[r]) - double(f[r + 1])) / (2.0 * double(s));
        const T* e = E + r * d;
        SO_SIMD
        for (int i = 0; i < d; ++i) acc[L.g() + i] += c * double(e[i]);
        acc[L.gcount()] += 1.0;
      }
    } else {
      // sum (f - mean) eps = sum (f - shift) eps - (mean - shift) sum eps; shifting by the item's
      // own mean keeps the two terms small
      double sh = 0, cnt = 0;
      for (std::int64_t r = 0; r < n; ++r)
        if (std::isfinite(f[r])) sh += f[r], cnt += 1;
      sh = cnt > 0 ? sh / cnt : 0.0;
      acc[L.shift()] = sh;
      for (std::int64_t r = 0; r < n; ++r) {
        if (!std::isfinite(f[r])) continue;
        const double c = double(f[r]) - sh;
        const T* e = E + r * d;
        SO_SIMD
        for (int i = 0; i < d; ++i) {
          acc[L.g() + i] += c * double(e[i]);
          acc[L.e() + i] += double(e[i]);
        }
        acc[L.gcount()] += 1.0;
      }
    }
  }
  if (lam > 0) {
    double lo = std::numeric_limits<double>::infinity();
    for (std::int64_t r = 0; r < n; ++r)
      if (std::isfinite(f[r])) lo = std::min(lo, double(f[r]));
    acc[L.wmin()] = lo;
    if (lo == std::numeric_limits<double>::infinity()) return;
    for (std::int64_t r = 0; r < n; ++r) {
      if (!std::isfinite(f[r])) continue;
      const double w = std::exp(-(double(f[r]) - lo) / lam);
      const T* y = Y + r * d;
      SO_SIMD
      for (int i = 0; i < d; ++i) acc[L.w() + i] += w * (double(y[i]) - double(x[i]));
      acc[L.wsum()] += w;
    }
  }
}

}  // namespace

template <class T>
void smoothing_estimate(const Problem& problem, const T* X, std::int64_t m, const T* sigma,
                        std::int64_t sigma_len, const T* params, std::int64_t params_rows,
                        const SmoothingOptions& opt, const SmoothingResult<T>& out) {
  const int d = problem.dim();
  const std::int64_t K = opt.samples;
  if (m <= 0) throw std::invalid_argument("X: expected at least one center");
  if (K < 2) throw std::invalid_argument("samples: expected at least 2, got " + std::to_string(K));
  if (opt.antithetic && K % 2)
    throw std::invalid_argument("samples: antithetic sampling needs an even count, got " +
                                std::to_string(K));
  if (K > (std::int64_t(1) << 32)) throw std::invalid_argument("samples: at most 2^32 per center");
  if (sigma_len != 1 && sigma_len != m)
    throw std::invalid_argument("sigma: expected a scalar or one value per center (" +
                                std::to_string(m) + "), got " + std::to_string(sigma_len));
  for (std::int64_t i = 0; i < sigma_len; ++i)
    if (!(sigma[i] > T(0)) || !std::isfinite(sigma[i]))
      throw std::invalid_argument("sigma: expected finite values > 0");
  if (!(opt.temperature >= 0.0) || !std::isfinite(opt.temperature))
    throw std::invalid_argument("temperature: expected a finite value > 0");
  for (std::int64_t i = 0; i < m * d; ++i)
    if (!std::isfinite(X[i]))
      throw std::invalid_argument("X: contains NaN or Inf (row " + std::to_string(i / d) + ")");
  if ((opt.lower == nullptr) != (opt.upper == nullptr))
    throw std::invalid_argument("bounds: give both lower and upper");
  if (out.weighted_mean != nullptr && !(opt.temperature > 0))
    throw std::invalid_argument("temperature: the weighted mean needs a temperature > 0");
  const int np = problem.info().num_params;
  const std::int64_t pstride = params_rows == 1 ? 0 : np;
  if (np > 0 && params_rows != 1 && params_rows != m)
    throw std::invalid_argument("params: expected 1 or " + std::to_string(m) + " rows");

  const bool want_g = out.gradient != nullptr;
  const bool want_w = out.weighted_mean != nullptr;
  // With an absolute temperature everything is accumulated while the chunk's noise is still at
  // hand; a relative one needs every f of the center first, so the noise is drawn again.
  const bool second_sweep = want_w && opt.relative_temperature;
  const double lam_abs = want_w && !opt.relative_temperature ? opt.temperature : 0.0;

  const std::int64_t chunks = (K + kChunk - 1) / kChunk;
  const std::int64_t items = m * chunks;
  const Layout L{d};
  std::vector<T> F(static_cast<size_t>(m * K));
  std::vector<double> part(static_cast<size_t>(items * L.stride()), 0.0);
  const int nt = num_threads();

  std::string error;
#pragma omp parallel num_threads(nt)
  {
    std::vector<T> E(static_cast<size_t>(kChunk * d)), Y(static_cast<size_t>(kChunk * d));
#pragma omp for schedule(dynamic, 1)
    for (std::int64_t it = 0; it < items; ++it) {
      const std::int64_t c = it / chunks, k0 = (it % chunks) * kChunk;
      const std::int64_t n = std::min(kChunk, K - k0);
      const T s = sigma[sigma_len == 1 ? 0 : c];
      const T* x = X + c * d;
      for (std::int64_t r = 0; r < n; ++r) {
        T* e = E.data() + r * d;
        if (opt.antithetic && r % 2) {  // the pair's second member: the first one's mirror
          const T* e0 = e - d;
          SO_SIMD
          for (int i = 0; i < d; ++i) e[i] = -e0[i];
        } else {
          draw(opt.seed, opt.center_offset + c, k0 + r, opt.antithetic, d, e);
        }
        make_sample(x, s, e, d, opt.lower, opt.upper, Y.data() + r * d);
      }
      T* f = F.data() + c * K + k0;
      try {
        problem.evaluate<T>(Y.data(), n, np ? params + c * pstride : nullptr, 1, f, nullptr,
                            /*parallel=*/false);
      } catch (const std::exception& ex) {
#pragma omp critical(scoreopt_smoothing_error)
        if (error.empty()) error = ex.what();
        continue;
      }
      accumulate(f, E.data(), Y.data(), x, n, d, s, opt.antithetic, want_g, lam_abs,
                 part.data() + it * L.stride(), L);
    }
  }
  if (!error.empty()) throw std::invalid_argument(error);

  // Per-center statistics over the stored values.
  std::vector<double> mean(m), fmin(m), lam(m);
  std::vector<std::int64_t> argmin(m), bad(m);
  for (std::int64_t c = 0; c < m; ++c) {
    const T* f = F.data() + c * K;
    double sum = 0, sq = 0, lo = std::numeric_limits<double>::infinity();
    std::int64_t cnt = 0, am = -1;
    for (std::int64_t k = 0; k < K; ++k) {
      if (!std::isfinite(f[k])) continue;
      const double v = f[k];
      sum += v;
      ++cnt;
      if (v < lo) lo = v, am = k;
    }
    const double mu = cnt ? sum / double(cnt) : std::numeric_limits<double>::quiet_NaN();
    for (std::int64_t k = 0; k < K; ++k)
      if (std::isfinite(f[k])) sq += (double(f[k]) - mu) * (double(f[k]) - mu);
    const double sd = cnt > 1 ? std::sqrt(sq / double(cnt - 1)) : 0.0;
    mean[c] = mu;
    fmin[c] = lo;
    argmin[c] = am;
    bad[c] = K - cnt;
    lam[c] = opt.relative_temperature ? opt.temperature * sd : opt.temperature;
    // A flat batch (sd = 0) has uniform weights; the largest lambda gives exactly that.
    if (opt.relative_temperature && !(lam[c] > 0)) lam[c] = std::numeric_limits<double>::max();
  }

  if (second_sweep) {
#pragma omp parallel num_threads(nt)
    {
      std::vector<T> eps(d), y(d);
#pragma omp for schedule(dynamic, 1)
      for (std::int64_t it = 0; it < items; ++it) {
        const std::int64_t c = it / chunks, k0 = (it % chunks) * kChunk;
        const std::int64_t n = std::min(kChunk, K - k0);
        if (fmin[c] == std::numeric_limits<double>::infinity()) continue;
        const T s = sigma[sigma_len == 1 ? 0 : c];
        const T* x = X + c * d;
        const T* f = F.data() + c * K;
        double* acc = part.data() + it * L.stride();
        acc[L.wmin()] = fmin[c];
        for (std::int64_t r = 0; r < n; ++r) {
          const std::int64_t k = k0 + r;
          if (!std::isfinite(f[k])) continue;
          const double w = std::exp(-(double(f[k]) - fmin[c]) / lam[c]);
          if (w == 0.0) continue;
          draw(opt.seed, opt.center_offset + c, k, opt.antithetic, d, eps.data());
          make_sample(x, s, eps.data(), d, opt.lower, opt.upper, y.data());
          SO_SIMD
          for (int i = 0; i < d; ++i) acc[L.w() + i] += w * (double(y[i]) - double(x[i]));
          acc[L.wsum()] += w;
        }
      }
    }
  }

  // Reduce the items of each center and write the outputs.
  std::vector<T> eps(d);
  std::vector<double> g(d), esum(d), w(d);
  for (std::int64_t c = 0; c < m; ++c) {
    const T* x = X + c * d;
    const T s = sigma[sigma_len == 1 ? 0 : c];
    if (out.value) out.value[c] = T(mean[c]);
    if (out.nonfinite) out.nonfinite[c] = bad[c];
    if (out.best_f) out.best_f[c] = argmin[c] >= 0 ? F[c * K + argmin[c]] : T(NAN);
    if (out.best_x) {
      T* bx = out.best_x + c * d;
      if (argmin[c] >= 0) {
        draw(opt.seed, opt.center_offset + c, argmin[c], opt.antithetic, d, eps.data());
        make_sample(x, s, eps.data(), d, opt.lower, opt.upper, bx);
      } else {
        std::copy(x, x + d, bx);
      }
    }
    std::fill(g.begin(), g.end(), 0.0);
    std::fill(w.begin(), w.end(), 0.0);
    double gc = 0, ws = 0;
    for (std::int64_t it = c * chunks; it < (c + 1) * chunks; ++it) {
      const double* acc = part.data() + it * L.stride();
      if (want_g) {
        // non-antithetic: sum (f - mean) e = sum (f - shift) e - (mean - shift) sum e
        const double corr = opt.antithetic ? 0.0 : mean[c] - acc[L.shift()];
        for (int i = 0; i < d; ++i) g[i] += acc[L.g() + i] - corr * acc[L.e() + i];
        gc += acc[L.gcount()];
      }
      if (want_w && acc[L.wsum()] > 0) {
        const double scale = std::exp(-(acc[L.wmin()] - fmin[c]) / lam[c]);  // online softmax
        for (int i = 0; i < d; ++i) w[i] += scale * acc[L.w() + i];
        ws += scale * acc[L.wsum()];
      }
    }
    if (want_g) {
      const double div = opt.antithetic ? gc : gc * double(s);
      for (int i = 0; i < d; ++i) out.gradient[c * d + i] = gc > 0 ? T(g[i] / div) : T(0);
    }
    if (want_w)
      for (int i = 0; i < d; ++i)
        out.weighted_mean[c * d + i] = ws > 0 ? T(double(x[i]) + w[i] / ws) : x[i];
  }
}

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
