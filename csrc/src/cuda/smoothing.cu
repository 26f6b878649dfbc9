// cuda::smoothing_estimate: the fused estimator of smoothing_cpu.cpp on the device.
//
//   1. the row kernel (rows.cuh) draws each sample from the Philox noise straight into shared
//      memory, evaluates it and keeps only f: the M x K values;
//   2. one block per center reduces them: mean, std, best sample, non-finite count, the number of
//      usable (pairs of) samples, and the temperature;
//   3. one block per (center, chunk of samples), one thread per Philox block of coordinates,
//      redraws the noise of its four coordinates in registers and accumulates the Stein gradient
//      and the Boltzmann-weighted displacement (in double), one partial sum per chunk;
//   4. the partial sums are added in chunk order (so results do not depend on scheduling), and
//      the best sample is redrawn from its counter.
// With a factor A (samples clip(x + s A eps), smoothing_factor.hpp): step 1 stages each sample's
// whole noise vector and shapes it; step 3 keeps the Stein sums in the coordinates of eps, and
// the weighted displacement, which needs whole samples, goes to accumulate_weights_shaped (one
// sample's noise at a time in shared memory); step 4 turns the gradient into A^{-T} times it.
// The M x K x D samples exist only in registers and shared memory. Since every f is known before
// step 3, the weights are taken relative to the center's best value directly (the CPU estimator
// rebases running sums instead): the same weights, so the same estimate up to rounding.
#include <math_constants.h>

#include <cfloat>
#include <cmath>

#include "../smoothing_checks.hpp"
#include "../smoothing_factor.hpp"
#include "../smoothing_statistics.hpp"
#include "rows.cuh"

namespace scoreopt::cuda {

namespace detail {

template <class T>
void check_rows_finite(const T* v, std::int64_t rows, int width, unsigned long long* first,
                       cudaStream_t stream);  // evaluate.cu
void check_problem_call(const Problem& p, const void* params, std::int64_t params_rows,
                        std::int64_t rows, const char* rows_name);

struct CenterStats {
  double mean;       // of the finite values (NaN when none)
  double fmin;       // best finite value (+inf when none)
  long long argmin;  // its sample index (the first on ties), -1 when none
  double count;      // usable terms of the gradient: finite pairs, or finite samples
  double lam;        // the temperature of the weights
};

constexpr int kStatThreads = 256;

// sigma must be finite and > 0
template <class T>
__global__ void check_sigma(const T* s, std::int64_t n, unsigned long long* first) {
  for (std::int64_t i = blockIdx.x * std::int64_t(blockDim.x) + threadIdx.x; i < n;
       i += std::int64_t(gridDim.x) * blockDim.x)
    if (!(s[i] > T(0)) || !isfinite(s[i])) atomicMin(first, static_cast<unsigned long long>(i));
}

template <class T>
__global__ void __launch_bounds__(kStatThreads)
    center_stats(const T* F, std::int64_t K, bool antithetic, double temperature, bool relative,
                 CenterStats* stats, T* value, T* best_f, std::int64_t* nonfinite) {
  __shared__ double s_a[kStatThreads], s_b[kStatThreads], s_c[kStatThreads];
  __shared__ long long s_i[kStatThreads];
  const std::int64_t c = blockIdx.x;
  const T* f = F + c * K;
  const int tid = threadIdx.x;
  // the moments of the finite values: each thread's share by Welford, the shares merged (Chan),
  // the formulas of smoothing_statistics.hpp that the CPU estimator and the engine use
  smoothing_stats::Moments mom;
  double fmin = CUDART_INF, pairs = 0;
  long long arg = -1;
  for (std::int64_t k = tid; k < K; k += blockDim.x) {
    const T v = f[k];
    if (!isfinite(v)) continue;
    mom.add(double(v));
    if (double(v) < fmin) fmin = double(v), arg = k;  // k increases: first minimum kept
  }
  if (antithetic)
    for (std::int64_t q = tid; q < K / 2; q += blockDim.x) pairs += isfinite(f[2 * q]) && isfinite(f[2 * q + 1]);
  s_a[tid] = mom.n;
  s_b[tid] = mom.mean;
  s_c[tid] = mom.m2;
  __syncthreads();
  for (int w = blockDim.x / 2; w > 0; w /= 2) {
    if (tid < w) {
      smoothing_stats::Moments a{s_a[tid], s_b[tid], s_c[tid]};
      a.merge(smoothing_stats::Moments{s_a[tid + w], s_b[tid + w], s_c[tid + w]});
      s_a[tid] = a.n, s_b[tid] = a.mean, s_c[tid] = a.m2;
    }
    __syncthreads();
  }
  const smoothing_stats::Moments all{s_a[0], s_b[0], s_c[0]};
  const double n_all = all.n, mean = all.value();
  __syncthreads();
  s_a[tid] = pairs;
  s_b[tid] = fmin;
  s_i[tid] = arg;
  __syncthreads();
  for (int w = blockDim.x / 2; w > 0; w /= 2) {
    if (tid < w) {
      s_a[tid] += s_a[tid + w];
      const double o = s_b[tid + w];
      const long long oi = s_i[tid + w];
      if (oi >= 0 && (s_i[tid] < 0 || o < s_b[tid] || (o == s_b[tid] && oi < s_i[tid])))
        s_b[tid] = o, s_i[tid] = oi;
    }
    __syncthreads();
  }
  const double pairs_all = s_a[0], best = s_b[0];
  const long long best_k = s_i[0];
  if (tid == 0) {
    const double sd = all.sd();
    const double lam = relative ? smoothing_stats::temperature(temperature, true, sd) : temperature;
    stats[c] = CenterStats{mean, best, best_k, antithetic ? pairs_all : n_all, lam};
    if (value) value[c] = T(mean);
    if (best_f) best_f[c] = best_k >= 0 ? T(best) : T(CUDART_NAN);
    if (nonfinite) nonfinite[c] = K - static_cast<std::int64_t>(n_all);
  }
}

template <class T>
struct AccumJob {
  const T* X;
  const T* F;
  const T* sigma;
  std::int64_t sigma_len;
  const CenterStats* stats;
  int d;
  std::int64_t K, chunk, chunks;
  bool antithetic, want_g, want_w;
  std::uint64_t seed, center_offset;
  const double* lower;
  const double* upper;
  double* part_g;     // (m, chunks, d)
  double* part_w;     // (m, chunks, d)
  double* part_wsum;  // (m, chunks)
  smoothing_factor::Factor factor{};  // on the device; a == nullptr: none
  double* grad_eps = nullptr;         // (m, d): with a factor, the gradient before A^{-T}
};

// one block per (center, chunk); thread j owns coordinates j, B + j, 2B + j, 3B + j
template <class T>
__global__ void accumulate_chunk(const AccumJob<T> a) {
  const std::int64_t c = blockIdx.x, ch = blockIdx.y;
  const int d = a.d, B4 = (d + 3) / 4;
  const CenterStats st = a.stats[c];
  const T s = a.sigma[a.sigma_len == 1 ? 0 : c];
  const T* x = a.X + c * d;
  const T* f = a.F + c * a.K;
  const std::int64_t k0 = ch * a.chunk, k1 = k0 + a.chunk < a.K ? k0 + a.chunk : a.K;
  const std::uint64_t stream = a.center_offset + std::uint64_t(c);
  // with a factor the weighted displacement is accumulate_weights_shaped's
  const bool own_w = a.want_w && !a.factor.a;
  const bool weights = own_w && st.argmin >= 0;
  for (int j = threadIdx.x; j < B4; j += blockDim.x) {
    double g[4] = {0, 0, 0, 0}, w[4] = {0, 0, 0, 0}, wsum = 0;
    T xv[4], lo[4], hi[4];
    for (int q = 0; q < 4; ++q) {
      const int i = q * B4 + j;
      xv[q] = i < d ? x[i] : T(0);
      lo[q] = a.lower && i < d ? T(a.lower[i]) : T(0);
      hi[q] = a.lower && i < d ? T(a.upper[i]) : T(0);
    }
    // y - x of the sample with noise sign*z, clipped as in make_sample
    auto add_weighted = [&](double fk, const T z[4], bool neg) {
      const double wk = smoothing_stats::boltzmann_weight(fk, st.fmin, st.lam);
      if (wk == 0.0) return;  // below double range relative to the best: no contribution
      for (int q = 0; q < 4; ++q) {
        const T e = neg ? -z[q] : z[q];
        T y = xv[q] + s * e;
        if (a.lower) {
          y = smoothing_factor::clip(y, lo[q], hi[q]);
        }
        w[q] += wk * (double(y) - double(xv[q]));
      }
      wsum += wk;
    };
    T z[4];
    if (a.antithetic) {
      for (std::int64_t k = k0; k + 1 < k1; k += 2) {
        const T f0 = f[k], f1 = f[k + 1];
        const bool ok0 = isfinite(f0), ok1 = isfinite(f1);
        if (!ok0 && !ok1) continue;
        noise_block<T>(a.seed, stream, std::uint32_t(k / 2), j, z);
        if (a.want_g && ok0 && ok1) {
          const double coef = smoothing_stats::stein_pair_coefficient(f0, f1, s);
          for (int q = 0; q < 4; ++q) g[q] += coef * double(z[q]);
        }
        if (weights) {
          if (ok0) add_weighted(double(f0), z, false);
          if (ok1) add_weighted(double(f1), z, true);
        }
      }
    } else {
      for (std::int64_t k = k0; k < k1; ++k) {
        const T fk = f[k];
        if (!isfinite(fk)) continue;
        noise_block<T>(a.seed, stream, std::uint32_t(k), j, z);
        if (a.want_g) {
          const double coef = smoothing_stats::stein_single_coefficient(fk, st.mean);
          for (int q = 0; q < 4; ++q) g[q] += coef * double(z[q]);
        }
        if (weights) add_weighted(double(fk), z, false);
      }
    }
    const std::int64_t base = (c * a.chunks + ch) * d;
    for (int q = 0; q < 4; ++q) {
      const int i = q * B4 + j;
      if (i >= d) continue;
      if (a.want_g) a.part_g[base + i] = g[q];
      if (own_w) a.part_w[base + i] = w[q];
    }
    if (own_w && j == 0) a.part_wsum[c * a.chunks + ch] = wsum;
  }
}

// With a factor: the weighted displacement of one (center, chunk), block-wide. For each sample
// with a weight the block draws its whole noise vector into shared memory (one thread per Philox
// block), then thread t adds w (y_i - x_i), y = clip(x + s A eps), for the coordinates
// i = t, t + blockDim, ... straight into the chunk's partial sums, which it alone writes.
template <class T>
__global__ void accumulate_weights_shaped(const AccumJob<T> a) {
  extern __shared__ double smem_[];  // declared double for alignment
  T* e = reinterpret_cast<T*>(smem_);
  const std::int64_t c = blockIdx.x, ch = blockIdx.y;
  const int d = a.d, B4 = (d + 3) / 4;
  const CenterStats st = a.stats[c];
  const T s = a.sigma[a.sigma_len == 1 ? 0 : c];
  const T* x = a.X + c * d;
  const T* f = a.F + c * a.K;
  const std::int64_t k0 = ch * a.chunk, k1 = k0 + a.chunk < a.K ? k0 + a.chunk : a.K;
  const std::uint64_t stream = a.center_offset + std::uint64_t(c);
  const std::int64_t base = (c * a.chunks + ch) * d;
  for (int i = threadIdx.x; i < d; i += blockDim.x) a.part_w[base + i] = 0.0;
  double wsum = 0;
  if (st.argmin >= 0) {
    for (std::int64_t k = k0; k < k1; ++k) {
      const T fk = f[k];  // the same for every thread: the branches below are block-uniform
      if (!isfinite(fk)) continue;
      const double wk = smoothing_stats::boltzmann_weight(double(fk), st.fmin, st.lam);
      if (wk == 0.0) continue;  // below double range relative to the best: no contribution
      const std::uint32_t ns = a.antithetic ? std::uint32_t(k / 2) : std::uint32_t(k);
      const bool neg = a.antithetic && (k & 1);
      __syncthreads();  // the previous sample's noise is no longer read
      for (int j = threadIdx.x; j < B4; j += blockDim.x) {
        T z[4];
        noise_block<T>(a.seed, stream, ns, j, z);
        for (int q = 0; q < 4; ++q)
          if (q * B4 + j < d) e[q * B4 + j] = neg ? -z[q] : z[q];
      }
      __syncthreads();
      for (int i = threadIdx.x; i < d; i += blockDim.x) {
        T y = smoothing_factor::sample_coordinate(x[i], s, a.factor, e, i, d);
        if (a.lower) y = smoothing_factor::clip(y, T(a.lower[i]), T(a.upper[i]));
        a.part_w[base + i] += wk * (double(y) - double(x[i]));
      }
      wsum += wk;
    }
  }
  if (threadIdx.x == 0) a.part_wsum[c * a.chunks + ch] = wsum;
}

// gradient and weighted mean of (center, coordinate), partial sums added in chunk order
template <class T>
__global__ void finish_sums(const AccumJob<T> a, std::int64_t m, T* gradient, T* weighted) {
  const int d = a.d;
  for (std::int64_t e = blockIdx.x * std::int64_t(blockDim.x) + threadIdx.x; e < m * d;
       e += std::int64_t(gridDim.x) * blockDim.x) {
    const std::int64_t c = e / d;
    const int i = int(e - c * d);
    const CenterStats st = a.stats[c];
    if (gradient) {
      double g = 0;
      for (std::int64_t ch = 0; ch < a.chunks; ++ch) g += a.part_g[(c * a.chunks + ch) * d + i];
      const double s = double(a.sigma[a.sigma_len == 1 ? 0 : c]);
      const double div = smoothing_stats::stein_divisor(a.antithetic, st.count, s);
      const double ge = smoothing_stats::gradient(g, 0.0, 0.0, st.count, div);
      if (a.factor.a)
        a.grad_eps[e] = ge;  // solve_gradient takes it to x's coordinates
      else
        gradient[e] = T(ge);
    }
    if (weighted) {
      double w = 0, wsum = 0;
      for (std::int64_t ch = 0; ch < a.chunks; ++ch) {
        w += a.part_w[(c * a.chunks + ch) * d + i];
        wsum += a.part_wsum[c * a.chunks + ch];
      }
      const T x = a.X[e];
      weighted[e] = wsum > 0 ? T(smoothing_stats::weighted_mean(x, w, wsum)) : x;
    }
  }
}

// With a factor: the gradient of each center, A^{-T} times its sum in eps's coordinates
// (smoothing_factor.hpp's solve_transpose, as on the CPU), one thread per center.
template <class T>
__global__ void solve_gradient(const AccumJob<T> a, std::int64_t m, T* gradient) {
  const int d = a.d;
  for (std::int64_t c = blockIdx.x * std::int64_t(blockDim.x) + threadIdx.x; c < m;
       c += std::int64_t(gridDim.x) * blockDim.x) {
    double* g = a.grad_eps + c * d;
    smoothing_factor::solve_transpose(a.factor, d, g);
    for (int i = 0; i < d; ++i) gradient[c * d + i] = T(g[i]);
  }
}

// With a factor: best_sample wrote the best sample's noise; shape it in place.
template <class T>
__global__ void shape_best(const RowJob<T> a, std::int64_t m, const CenterStats* stats, T* best_x) {
  for (std::int64_t c = blockIdx.x * std::int64_t(blockDim.x) + threadIdx.x; c < m;
       c += std::int64_t(gridDim.x) * blockDim.x)
    if (stats[c].argmin >= 0) shape_sample(a, c, best_x + c * a.d);
}

// best_x: the best sample redrawn from its counter (the center itself when no value was finite)
template <class T>
__global__ void best_sample(const RowJob<T> a, std::int64_t m, const CenterStats* stats, T* best_x) {
  const int d = a.d, B4 = (d + 3) / 4;
  for (std::int64_t e = blockIdx.x * std::int64_t(blockDim.x) + threadIdx.x; e < m * B4;
       e += std::int64_t(gridDim.x) * blockDim.x) {
    const std::int64_t c = e / B4;
    const int j = int(e - c * B4);
    const long long k = stats[c].argmin;
    T* out = best_x + c * d;
    if (k >= 0) {
      std::int64_t cc;
      std::uint32_t ns;
      bool neg;
      sample_of(a, c * a.K + k, cc, ns, neg);
      sample_block(a, cc, ns, neg, j, B4, out);
    } else {
      for (int q = 0; q < 4; ++q)
        if (q * B4 + j < d) out[q * B4 + j] = a.X[c * d + q * B4 + j];
    }
  }
}

}  // namespace detail

template <class T>
void smoothing_estimate(const Problem& problem, const T* X, std::int64_t m, const T* sigma,
                        std::int64_t sigma_len, const T* params, std::int64_t params_rows,
                        const SmoothingOptions& opt, const SmoothingResult<T>& out,
                        std::int64_t chunk_size, Stream stream_handle) {
  using namespace detail;
  require_device();
  const int d = problem.dim();
  const std::int64_t K = opt.samples;
  smoothing_checks::check_options(m, sigma_len, opt, out.weighted_mean != nullptr);
  smoothing_checks::check_factor(opt, d);
  if (chunk_size < 2) throw std::invalid_argument("chunk_size: expected at least 2, got " + std::to_string(chunk_size));
  if (m > std::int64_t(INT32_MAX))
    throw std::invalid_argument("X: at most 2^31 - 1 centers per CUDA call");
  check_problem_call(problem, params, params_rows, m, "one per center");
  check_device_pointer(X, "X");
  check_device_pointer(sigma, "sigma");
  check_device_pointer(out.value, "value", false);
  check_device_pointer(out.gradient, "gradient", false);
  check_device_pointer(out.weighted_mean, "weighted_mean", false);
  check_device_pointer(out.best_x, "best_x", false);
  check_device_pointer(out.best_f, "best_f", false);
  check_device_pointer(out.nonfinite, "nonfinite", false);
  if (opt.lower)
    for (int i = 0; i < d; ++i)
      if (!std::isfinite(opt.lower[i]) || !std::isfinite(opt.upper[i]) || opt.lower[i] > opt.upper[i])
        throw std::invalid_argument("bounds: expected finite lower <= upper");
  const cudaStream_t stream = as_stream(stream_handle);
  const int np = problem.info().num_params;

  Buffer flags_buf(sizeof(Flags), stream);
  Flags* flags = flags_buf.as<Flags>();
  SO_CUDA_CHECK(cudaMemsetAsync(flags, 0xFF, sizeof(Flags), stream));
  check_rows_finite(X, m, d, &flags->bad_x, stream);
  if (np > 0) check_rows_finite(params, params_rows, np, &flags->bad_params, stream);
  check_sigma<T><<<grid_for(sigma_len, 256, 64), 256, 0, stream>>>(sigma, sigma_len, &flags->bad_sigma);
  SO_CUDA_LAUNCHED("check_sigma");
  // the values below are only meaningful for valid inputs: read the flags first
  const Flags bad = read_flags(flags, stream);
  if (bad.bad_sigma != kNone) throw std::invalid_argument("sigma: expected finite values > 0");
  if (bad.bad_x != kNone)
    throw std::invalid_argument("X: contains NaN or Inf (row " + std::to_string(bad.bad_x) + ")");
  if (bad.bad_params != kNone)
    throw std::invalid_argument("params: contains NaN or Inf (row " + std::to_string(bad.bad_params) + ")");

  std::vector<double> bounds_host;
  if (opt.lower) {
    bounds_host.assign(opt.lower, opt.lower + d);
    bounds_host.insert(bounds_host.end(), opt.upper, opt.upper + d);
  }
  DeviceVector<double> bounds(bounds_host, stream);
  std::vector<double> factor_host;
  if (opt.factor)
    factor_host.assign(opt.factor, opt.factor + (opt.factor_diagonal ? d : std::size_t(d) * d));
  DeviceVector<double> factor(factor_host, stream);
  const smoothing_factor::Factor A{factor.ptr, opt.factor_diagonal};
  ProblemOnDevice<T> dev(problem, stream);

  // 1. values
  Buffer F(std::size_t(m * K) * sizeof(T), stream);
  RowJob<T> job;
  job.d = d;
  job.n = m * K;
  job.X = X;
  job.params = np > 0 ? params : nullptr;
  job.pstride = np > 0 && params_rows != 1 ? np : 0;
  job.ctx = dev.ctx;
  job.aff = dev.aff;
  job.f = F.as<T>();
  job.sampling = true;
  job.K = K;
  job.sigma = sigma;
  job.sigma_len = sigma_len;
  job.antithetic = opt.antithetic;
  job.seed = opt.seed;
  job.center_offset = opt.center_offset;
  job.lower = opt.lower ? bounds.ptr : nullptr;
  job.upper = opt.lower ? bounds.ptr + d : nullptr;
  job.factor = A;
  run_rows<T>(problem.info().id, job, false, stream);

  // 2. per-center statistics
  const bool want_g = out.gradient != nullptr, want_w = out.weighted_mean != nullptr;
  Buffer stats(std::size_t(m) * sizeof(CenterStats), stream);
  center_stats<T><<<unsigned(m), kStatThreads, 0, stream>>>(
      F.as<T>(), K, opt.antithetic, want_w ? opt.temperature : 0.0,
      want_w && opt.relative_temperature, stats.as<CenterStats>(), out.value, out.best_f,
      out.nonfinite);
  SO_CUDA_LAUNCHED("center_stats");

  // 3, 4. gradient and weighted mean
  if (want_g || want_w) {
    // enough (center, chunk) blocks to fill the device, each at most chunk_size samples
    const DeviceProps props = device_props();
    std::int64_t chunk = chunk_size;
    const std::int64_t want_blocks = 4 * std::int64_t(props.sms);
    if (m < want_blocks) {
      const std::int64_t per_center = (want_blocks + m - 1) / m;
      chunk = std::min(chunk, std::max<std::int64_t>(64, (K + per_center - 1) / per_center));
    }
    chunk = std::max(chunk, (K + 65534) / 65535);  // grid.y holds the chunks
    chunk += chunk % 2;                                // antithetic pairs never split
    const std::int64_t chunks = (K + chunk - 1) / chunk;
    Buffer pg(want_g ? std::size_t(m * chunks * d) * sizeof(double) : 0, stream);
    Buffer pw(want_w ? std::size_t(m * chunks * d) * sizeof(double) : 0, stream);
    Buffer pws(want_w ? std::size_t(m * chunks) * sizeof(double) : 0, stream);
    Buffer ge(A.a && want_g ? std::size_t(m) * d * sizeof(double) : 0, stream);
    AccumJob<T> acc{X, F.as<T>(), sigma, sigma_len, stats.as<CenterStats>(), d, K, chunk, chunks,
                    opt.antithetic, want_g, want_w, opt.seed, opt.center_offset, job.lower,
                    job.upper, pg.as<double>(), pw.as<double>(), pws.as<double>()};
    acc.factor = A;
    acc.grad_eps = ge.as<double>();
    const int B4 = (d + 3) / 4;
    const int threads = std::min(256, (B4 + 31) / 32 * 32);
    if (want_g || !A.a) {  // with a factor it only has the gradient to do
      accumulate_chunk<T><<<dim3(unsigned(m), unsigned(chunks)), threads, 0, stream>>>(acc);
      SO_CUDA_LAUNCHED("accumulate_chunk");
    }
    if (A.a && want_w) {
      const std::size_t smem = std::size_t(d) * sizeof(T);  // one sample's noise
      auto kernel = accumulate_weights_shaped<T>;
      if (smem > std::size_t(kDefaultSmem)) {
        if (smem > std::size_t(device_props().max_smem_optin))
          throw std::invalid_argument("factor: dim " + std::to_string(d) +
                                      " is too large for the CUDA weighted mean with a factor");
        SO_CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(smem)));
      }
      const int wthreads = std::min(256, (d + 31) / 32 * 32);
      kernel<<<dim3(unsigned(m), unsigned(chunks)), wthreads, smem, stream>>>(acc);
      SO_CUDA_LAUNCHED("accumulate_weights_shaped");
    }
    finish_sums<T><<<grid_for(m * d, 256), 256, 0, stream>>>(acc, m, out.gradient, out.weighted_mean);
    SO_CUDA_LAUNCHED("finish_sums");
    if (A.a && want_g) {
      solve_gradient<T><<<grid_for(m, 128), 128, 0, stream>>>(acc, m, out.gradient);
      SO_CUDA_LAUNCHED("solve_gradient");
    }
  }
  if (out.best_x) {
    const int B4 = (d + 3) / 4;
    best_sample<T><<<grid_for(m * B4, 256), 256, 0, stream>>>(job, m, stats.as<CenterStats>(), out.best_x);
    SO_CUDA_LAUNCHED("best_sample");
    if (A.a) {
      shape_best<T><<<grid_for(m, 128), 128, 0, stream>>>(job, m, stats.as<CenterStats>(), out.best_x);
      SO_CUDA_LAUNCHED("shape_best");
    }
  }
  sync(stream);
}

template void smoothing_estimate<float>(const Problem&, const float*, std::int64_t, const float*,
                                        std::int64_t, const float*, std::int64_t,
                                        const SmoothingOptions&, const SmoothingResult<float>&,
                                        std::int64_t, Stream);
template void smoothing_estimate<double>(const Problem&, const double*, std::int64_t,
                                         const double*, std::int64_t, const double*, std::int64_t,
                                         const SmoothingOptions&, const SmoothingResult<double>&,
                                         std::int64_t, Stream);

}  // namespace scoreopt::cuda
