// The row kernel: one thread per row (a point to evaluate, or one smoothing sample), 64 rows per
// block. The block stages its rows in shared memory with coalesced loads (or, for smoothing,
// draws the samples there from the Philox noise, one thread per (sample, Philox block)), each
// thread runs the function's row code on its staged row, and gradients leave through shared
// memory as coalesced stores. Rows too long for shared memory are read from global memory
// directly, and samples are then drawn into the thread's scratch row.
//
// The kernels are instantiated per function, split over three translation units by family
// (rows_classic.cu, rows_bbob.cu, rows_cec2017.cu) so that they compile in parallel.
#pragma once

#include <algorithm>
#include <type_traits>

#include "../smoothing_factor.hpp"
#include "common.cuh"
#include "scoreopt/functions/dispatch.hpp"

namespace scoreopt::cuda::detail {

constexpr int kRowsPerBlock = 64;
// Shared memory a block may use without asking for more; beyond it the launch opts in as long
// as two blocks still fit on a multiprocessor, and longer rows go unstaged.
constexpr int kDefaultSmem = 48 * 1024;
// Cap on the global scratch of one launch (suite functions need tens of values per coordinate).
constexpr std::int64_t kScratchBytes = std::int64_t(256) << 20;

template <class T>
struct RowJob {
  int d = 0;
  std::int64_t n = 0;    // rows: points, or samples (m * K)
  const T* X = nullptr;  // the points (n x d), or the centers (m x d)
  const T* params = nullptr;
  std::int64_t pstride = 0;  // per point, or per center
  Context<T> ctx;
  DeviceAffine<T> aff{};
  T* f = nullptr;     // n values
  T* grad = nullptr;  // n x d (evaluation only)
  unsigned long long* bad_row = nullptr;  // evaluation: first row with non-finite x and value
  // smoothing: row i is sample k = i % K of center c = i / K
  bool sampling = false;
  std::int64_t K = 1;
  const T* sigma = nullptr;
  std::int64_t sigma_len = 1;
  bool antithetic = true;
  std::uint64_t seed = 0, center_offset = 0;
  const double* lower = nullptr;  // device arrays of d values, or nullptr
  const double* upper = nullptr;
  smoothing_factor::Factor factor;  // the kernel's factor A on the device (a == nullptr: none)
};

// Layout of one launch, decided on the host.
struct Tiling {
  bool staged;     // rows in shared memory
  int stride;      // shared-memory row stride in values (odd: conflict-free column reads)
  int off_aff;     // scratch offset of the affine z and gz rows (2 d values), or -1
  int off_row;     // scratch offset of the sample row (unstaged smoothing), or -1
  int per_thread;  // values of global scratch per thread (the function's scratch comes first)
};

// Sample row i of a smoothing job: center c, noise sample ns and whether it is the mirrored
// member of an antithetic pair (smoothing_cpu.cpp's draw()).
template <class T>
__device__ __forceinline__ void sample_of(const RowJob<T>& a, std::int64_t i, std::int64_t& c,
                                          std::uint32_t& ns, bool& neg) {
  std::int64_t k;
  if (a.n <= 0xFFFFFFFFll) {  // the usual case: a 32-bit division costs a fraction of a 64-bit one
    const std::uint32_t ii = std::uint32_t(i), kk = std::uint32_t(a.K), ci = ii / kk;
    c = ci;
    k = ii - ci * kk;
  } else {
    c = i / a.K;
    k = i - c * a.K;
  }
  ns = a.antithetic ? std::uint32_t(k / 2) : std::uint32_t(k);
  neg = a.antithetic && (k & 1);
}

// smoothing_cpu.cpp's make_sample, y = clip(x + s eps), for the coordinates of Philox block j.
// With a factor A a coordinate of the sample needs the whole noise vector: the block's noise is
// written as it is (y = eps), and shape_sample makes the row clip(x + s A eps) once all its
// blocks are in.
template <class T>
__device__ __forceinline__ void sample_block(const RowJob<T>& a, std::int64_t c, std::uint32_t ns,
                                             bool neg, int j, int B, T* y) {
  T z[4];
  noise_block<T>(a.seed, a.center_offset + std::uint64_t(c), ns, j, z);
  if (a.factor.a) {
    for (int q = 0; q < 4; ++q)
      if (q * B + j < a.d) y[q * B + j] = neg ? -z[q] : z[q];
    return;
  }
  const T s = a.sigma[a.sigma_len == 1 ? 0 : c];
  const T* x = a.X + c * a.d;
  for (int q = 0; q < 4; ++q) {
    const int i = q * B + j;
    if (i < a.d) {
      const T e = neg ? -z[q] : z[q];
      T v = x[i] + s * e;
      if (a.lower) v = smoothing_factor::clip(v, T(a.lower[i]), T(a.upper[i]));  // as on the CPU
      y[i] = v;
    }
  }
}

// With a factor: the row y of center c, holding the sample's noise eps (every block of it), becomes
// the sample clip(x + s A eps) in place (smoothing_factor.hpp's shape_row, the CPU's formula).
template <class T>
__device__ __forceinline__ void shape_sample(const RowJob<T>& a, std::int64_t c, T* y) {
  smoothing_factor::shape_row(a.X + c * a.d, a.sigma[a.sigma_len == 1 ? 0 : c], a.factor, y, a.d,
                              a.lower, a.upper, y);
}

// (row, column) of a flat index walked in steps of the block size, without a division per step:
// the staging loops are the memory-bound part, and an integer division per element would cost
// more issue slots than the loads.
struct FlatIndex {
  int row, col;
  __device__ FlatIndex(int w, int width) : row(w / width), col(w - (w / width) * width) {}
  __device__ void advance(int step, int width) {
    col += step;
    while (col >= width) col -= width, ++row;
  }
};

template <class F, class T, bool Grad>
__global__ void __launch_bounds__(kRowsPerBlock)
    rows_kernel(const RowJob<T> a, const Tiling t, T* scratch) {
  extern __shared__ double smem_[];  // declared double for alignment
  T* xs = reinterpret_cast<T*>(smem_);
  T* gs = xs + kRowsPerBlock * t.stride;
  const int d = a.d, B4 = (d + 3) / 4, tid = threadIdx.x;
  T* mine = t.per_thread
                ? scratch + (std::int64_t(blockIdx.x) * blockDim.x + tid) * std::int64_t(t.per_thread)
                : nullptr;
  Context<T> ctx = a.ctx;
  ctx.work = mine;
  T* z = t.off_aff >= 0 ? mine + t.off_aff : nullptr;
  T* gz = z ? z + d : nullptr;
  const std::int64_t tiles = (a.n + kRowsPerBlock - 1) / kRowsPerBlock;
  for (std::int64_t tile = blockIdx.x; tile < tiles; tile += gridDim.x) {
    const std::int64_t r0 = tile * kRowsPerBlock;
    const int rows = int(a.n - r0 < kRowsPerBlock ? a.n - r0 : kRowsPerBlock);
    if (t.staged) {
      __syncthreads();  // the previous tile's rows are no longer read
      if (a.sampling) {
        FlatIndex at(tid, B4);
        for (int w = tid; w < rows * B4; w += blockDim.x, at.advance(blockDim.x, B4)) {
          std::int64_t c;
          std::uint32_t ns;
          bool neg;
          sample_of(a, r0 + at.row, c, ns, neg);
          sample_block(a, c, ns, neg, at.col, B4, xs + at.row * t.stride);
        }
      } else {
        const T* src = a.X + r0 * d;  // the tile's rows are one contiguous run
        FlatIndex at(tid, d);
        for (int w = tid; w < rows * d; w += blockDim.x, at.advance(blockDim.x, d))
          xs[at.row * t.stride + at.col] = src[w];
      }
      __syncthreads();
    }
    if (tid < rows) {
      const std::int64_t r = r0 + tid;
      const T* x;
      const T* p;
      if (a.sampling) {
        std::int64_t c;
        std::uint32_t ns;
        bool neg;
        sample_of(a, r, c, ns, neg);
        if (t.staged) {
          if (a.factor.a) shape_sample(a, c, xs + tid * t.stride);  // its noise is staged
          x = xs + tid * t.stride;
        } else {
          T* y = mine + t.off_row;
          for (int j = 0; j < B4; ++j) sample_block(a, c, ns, neg, j, B4, y);
          if (a.factor.a) shape_sample(a, c, y);
          x = y;
        }
        p = a.params ? a.params + c * a.pstride : nullptr;
      } else {
        x = t.staged ? xs + tid * t.stride : a.X + r * d;
        p = a.params ? a.params + r * a.pstride : nullptr;
      }
      T* g = nullptr;
      if constexpr (Grad) g = t.staged ? gs + tid * t.stride : a.grad + r * d;
      const T v = scoreopt::rows::eval_point<F>(x, d, p, ctx, a.aff.on, a.aff, static_cast<T*>(nullptr), z, gz, g);
      a.f[r] = v;
      // as on the CPU: non-finite input always gives a non-finite value, so only such rows are
      // checked (smoothing samples come from finite centers and count non-finite values instead)
      if (!a.sampling && !isfinite(v) && !scoreopt::rows::all_finite(x, d))
        atomicMin(a.bad_row, static_cast<unsigned long long>(r));
    }
    if constexpr (Grad) {
      if (t.staged) {
        __syncthreads();
        T* dst = a.grad + r0 * d;
        FlatIndex at(tid, d);
        for (int w = tid; w < rows * d; w += blockDim.x, at.advance(blockDim.x, d))
          dst[w] = gs[at.row * t.stride + at.col];
      }
    }
  }
}

inline int round_to_doubles(std::int64_t values, std::size_t value_size) {
  const std::int64_t per = std::int64_t(sizeof(double) / value_size);
  return static_cast<int>((values + per - 1) / per * per);
}

template <class F, class T, bool Grad>
void launch_rows(const RowJob<T>& a, cudaStream_t stream) {
  const int d = a.d;
  const DeviceProps props = device_props();
  auto kernel = rows_kernel<F, T, Grad>;
  Tiling t{};
  t.stride = d | 1;
  const std::size_t want = std::size_t(kRowsPerBlock) * std::size_t(t.stride) * sizeof(T) * (Grad ? 2 : 1);
  t.staged = want <= std::size_t(kDefaultSmem) || want * 2 <= std::size_t(props.max_smem_optin);
  const std::size_t smem = t.staged ? want : 0;
  if (smem > std::size_t(kDefaultSmem))
    SO_CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(smem)));
  std::int64_t off = round_to_doubles(scratch_of<F>::size(d), sizeof(T));
  t.off_aff = -1;
  t.off_row = -1;
  if (a.aff.on) {
    t.off_aff = int(off);
    off += 2 * std::int64_t(d);
  }
  if (a.sampling && !t.staged) {
    t.off_row = int(off);
    off += d;
  }
  if (off > (std::int64_t(1) << 30)) throw std::invalid_argument("dim: too large for the CUDA row kernel");
  t.per_thread = round_to_doubles(off, sizeof(T));
  int per_sm = 0;
  SO_CUDA_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, kernel, kRowsPerBlock, smem));
  if (per_sm < 1)
    throw std::runtime_error("scoreopt CUDA: the row kernel does not fit on this device");
  const std::int64_t tiles = (a.n + kRowsPerBlock - 1) / kRowsPerBlock;
  std::int64_t grid = std::min<std::int64_t>(tiles, std::int64_t(per_sm) * props.sms);
  if (t.per_thread > 0) {
    const std::int64_t per_block = std::int64_t(kRowsPerBlock) * t.per_thread * std::int64_t(sizeof(T));
    grid = std::max<std::int64_t>(1, std::min(grid, kScratchBytes / per_block));
  }
  Buffer scratch(std::size_t(grid) * kRowsPerBlock * std::size_t(t.per_thread) * sizeof(T), stream);
  kernel<<<unsigned(grid), kRowsPerBlock, smem, stream>>>(a, t, scratch.template as<T>());
  SO_CUDA_LAUNCHED("rows_kernel");
}

// ---- per-family dispatch ---------------------------------------------------------------------

enum class Family { classic, bbob, cec2017 };

template <class F>
struct is_cec : std::false_type {};
template <int N>
struct is_cec<functions::cec2017::Fn<N>> : std::true_type {};
template <class F, class = void>
struct is_suite : std::false_type {};  // suite functions declare the doubles they work in
template <class F>
struct is_suite<F, std::void_t<decltype(F::work(1))>> : std::true_type {};

template <class F>
constexpr Family family_of() {
  return is_cec<F>::value ? Family::cec2017 : is_suite<F>::value ? Family::bbob : Family::classic;
}

// Launches the row kernel of function `id` if it belongs to family Fam; false otherwise.
template <Family Fam, class T>
bool run_rows_in(FunctionId id, const RowJob<T>& a, bool grad, cudaStream_t stream) {
  return functions::visit(id, [&](auto fn) -> bool {
    using F = decltype(fn);
    if constexpr (family_of<F>() == Fam) {
      if constexpr (has_gradient<F>::value) {
        if (grad) {
          launch_rows<F, T, true>(a, stream);
          return true;
        }
      }
      launch_rows<F, T, false>(a, stream);
      return true;
    } else {
      return false;
    }
  });
}

template <class T>
bool run_rows_classic(FunctionId id, const RowJob<T>& a, bool grad, cudaStream_t stream);
template <class T>
bool run_rows_bbob(FunctionId id, const RowJob<T>& a, bool grad, cudaStream_t stream);
template <class T>
bool run_rows_cec2017(FunctionId id, const RowJob<T>& a, bool grad, cudaStream_t stream);

template <class T>
void run_rows(FunctionId id, const RowJob<T>& a, bool grad, cudaStream_t stream) {
  if (run_rows_classic<T>(id, a, grad, stream) || run_rows_bbob<T>(id, a, grad, stream) ||
      run_rows_cec2017<T>(id, a, grad, stream))
    return;
  throw std::logic_error("scoreopt CUDA: function without a row kernel");
}

}  // namespace scoreopt::cuda::detail
