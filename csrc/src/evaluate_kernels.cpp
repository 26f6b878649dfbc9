// The batched evaluation kernels: rows in parallel (OpenMP), coordinates vectorized inside each
// function's row loop. This file is compiled once per SIMD target with SCOREOPT_TARGET set (see
// CMakeLists.txt, "SIMD dispatch"); evaluate_cpu.cpp validates the arguments and calls the copy
// chosen at startup. Everything here lives in the target's inline namespace, and the file uses no
// standard-library template that would be instantiated outside it (std::vector and the like would
// be emitted as link-once symbols shared with the rest of the library, and the linker could keep
// the AVX-512 copy for every caller).
#include <omp.h>

#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <new>
#include <type_traits>

#include "evaluate_kernels.hpp"
#include "row_evaluation.hpp"
#include "scoreopt/functions/dispatch.hpp"
#include "scoreopt/math.hpp"
#include "scoreopt/vecmath.hpp"

#if !defined(SCOREOPT_TARGET)
#error "evaluate_kernels.cpp is compiled once per SIMD target, with -DSCOREOPT_TARGET=<name>"
#endif

SO_NAMESPACE_BEGIN
namespace kernels {

namespace {

// One thread's row scratch, value-initialized; operator new's alignment suits double, which
// bbob.hpp's float path relies on.
template <class T>
struct Scratch {
  T* p = nullptr;
  explicit Scratch(std::size_t n) {
    if (n) {
      p = static_cast<T*>(::operator new(n * sizeof(T)));
      for (std::size_t i = 0; i < n; ++i) p[i] = T(0);
    }
  }
  ~Scratch() { ::operator delete(p); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
};

// Rows go out in chunks of about 1/kChunksPerThread of a thread's share, taken by whichever
// thread is free (dynamic schedule): a thread that the OS parks behind another process holds up
// one chunk, not half of the batch. job.nthreads is the thread count Problem::evaluate chose
// (evaluate_cpu.cpp, "thread policy"). Which thread evaluates a row does not change its value.
constexpr std::int64_t kChunksPerThread = 8;

// Functions whose first step is one matrix product (bbob.hpp, "the rotation of a block of
// points") are evaluated by blocks of F::kBlock rows: the product for the whole block, then each
// row's remaining steps (run_blocked).
template <class F, class = void>
struct rotates_blocks : std::false_type {};
#if defined(SO_BBOB_BLOCKED)
template <class F>
struct rotates_blocks<F, std::void_t<decltype(F::kBlock)>> : std::true_type {};
#endif

// BBOB functions written for rows in lanes (bbob.hpp, "rows in lanes": L rows per call of
// value_lanes, each lane bitwise the row's value).
template <class F, class = void>
struct evaluates_lanes : std::false_type {};
#if defined(SO_BBOB_LANES)
template <class F>
struct evaluates_lanes<F, std::void_t<decltype(F::kRowLanes)>> : std::true_type {};
#endif

void note_bad(std::atomic<std::int64_t>& first_bad, std::int64_t r) {
  std::int64_t cur = first_bad.load();
  while (r < cur && !first_bad.compare_exchange_weak(cur, r)) {
  }
}

// Row r's fast value v into job.f, as rows::eval_row: a NaN (a FastMath argument out of range,
// or bad input) recomputes the whole row with the C library; non-finite input is noted. Always
// inlined: when 566e17e added a second rows-in-lanes driver, GCC stopped inlining it into the
// drivers, and the cheap rows lost up to a fifth of their rate (f5 and f8 at D = 40, one thread;
// bench/RESULTS.md, "f8's long rows in 4 lanes").
template <class F, class T>
inline __attribute__((always_inline)) void store_row(const eval_abi::Job<T>& job, std::int64_t r,
                                                     T v, const Context<T>& ctx,
                                                     std::atomic<std::int64_t>& first_bad) {
  const T* x = job.X + r * job.d;
  if (v != v) v = F::template value<math::PreciseMath>(x, job.d, static_cast<const T*>(nullptr), ctx);
  if (!std::isfinite(v) && !rows::all_finite(x, job.d)) note_bad(first_bad, r);
  job.f[r] = v;
}

// The context every thread starts from: the job's table and options (each thread adds its scratch).
template <class T>
Context<T> job_context(const eval_abi::Job<T>& job) {
  Context<T> c;
  c.table = job.table;
  for (int k = 0; k < 4; ++k) c.option[k] = job.option[k];
  return c;
}

// Asks for the input kPrefetchBytes past row x (its d values) to be fetched into the caches.
// The cheap rows (f1, f5, sphere, rastrigin: a few ns each) otherwise wait on memory row by row:
// f1 at D = 40, N = 10^5, the input evicted from L1/L2 between calls, read at 15.8 GB/s on both
// cores of the 2-core Xeon VM here, 18.4 GB/s with this (0.86x the time; D = 100 0.90x; 512 and
// 2048 bytes ahead 0.88-0.90x, 4096 0.98-1.13x: bench/rows_from_memory.py, bench/results/
// rows-from-memory-prefetch-20261206T105720Z.json).
// Prefetches never fault, so asking past the end of X is harmless. Only where the job says
// so (Job::prefetch_rows, from eval_abi::prefetch_helps(): not on AMD CPUs, where the rows ran
// faster without it).
constexpr std::int64_t kPrefetchBytes = 1024;
template <class T>
inline void prefetch_ahead(const eval_abi::Job<T>& job, const T* x, int d) {
#if defined(__GNUC__)
  if (!job.prefetch_rows) return;
  // as an integer: the address may lie past the end of X, where pointer arithmetic is undefined
  const std::uintptr_t p = reinterpret_cast<std::uintptr_t>(x) + kPrefetchBytes;
  const std::int64_t bytes = std::int64_t(d) * sizeof(T);
  for (std::int64_t off = 0; off < bytes; off += 64)
    __builtin_prefetch(reinterpret_cast<const void*>(p + std::uintptr_t(off)), 0, 3);
#else
  (void)job;
  (void)x;
  (void)d;
#endif
}

// The dynamic schedule's chunk for `units` rows or blocks: kChunksPerThread chunks per thread.
inline std::int64_t schedule_chunk(std::int64_t units, int nthreads) {
  const std::int64_t chunk = units / (std::int64_t(nthreads) * kChunksPerThread);
  return chunk < 1 ? 1 : chunk;
}

template <class F, class T>
std::int64_t run_blocked(const eval_abi::Job<T>& job) {
  const std::int64_t n = job.n;
  const int d = job.d;
  constexpr int kB = F::kBlock;
  const Context<T> shared_ctx = job_context(job);

  std::atomic<std::int64_t> first_bad{std::numeric_limits<std::int64_t>::max()};
  const int nt = job.nthreads;
  const std::int64_t nblocks = (n + kB - 1) / kB;
  const std::int64_t chunk = schedule_chunk(nblocks, nt);
#pragma omp parallel num_threads(nt) if (nt > 1)
  {
    eval_abi::note_worker_thread(job.worker_tids);
    Scratch<T> work(static_cast<std::size_t>(scratch_of<F>::size(d)));
    Scratch<double> buf(static_cast<std::size_t>(F::block_buffer(d)));
    Context<T> ctx = shared_ctx;
    ctx.work = work.p;
#pragma omp for schedule(dynamic, chunk)
    for (std::int64_t blk = 0; blk < nblocks; ++blk) {
      const std::int64_t r0 = blk * kB;
      const int nb = static_cast<int>(n - r0 < kB ? n - r0 : kB);
      const T* X = job.X + r0 * d;
      for (int b = 0; b < nb; ++b) prefetch_ahead(job, X + std::int64_t(b) * d, d);
      F::rotate_block(X, nb, d, job.table, buf.p, work.p);
      if constexpr (functions::bbob::has_block_tail<F>::value) {
        double s[kB];
        T v[kB];
        for (int b = 0; b < nb; ++b) s[b] = F::partial_row(X + std::int64_t(b) * d, b, d, ctx, buf.p);
        for (int b = nb; b < kB; ++b) s[b] = 0.0;  // the block's unused rows: discarded
        F::tail_block(s, v, d, ctx);
        for (int b = 0; b < nb; ++b) store_row<F>(job, r0 + b, v[b], ctx, first_bad);
      } else if constexpr (functions::bbob::has_rows_finish<F>::value) {
        double v[kB];
        F::template finish_block<math::FastMath>(X, nb, d, ctx, buf.p, v);
        for (int b = 0; b < nb; ++b) store_row<F>(job, r0 + b, static_cast<T>(v[b]), ctx, first_bad);
      } else {
        for (int b = 0; b < nb; ++b)
          store_row<F>(job, r0 + b, F::template finish_row<math::FastMath>(X + std::int64_t(b) * d, b, d, ctx, buf.p),
                       ctx, first_bad);
      }
    }
  }
  return first_bad.load();
}

#if defined(SO_BBOB_LANES)
template <class F, class T, int kL>
std::int64_t run_lanes_of(const eval_abi::Job<T>& job) {
  const std::int64_t n = job.n;
  const int d = job.d;
  const Context<T> shared_ctx = job_context(job);

  std::atomic<std::int64_t> first_bad{std::numeric_limits<std::int64_t>::max()};
  const int nt = job.nthreads;
  const std::int64_t nblocks = (n + kL - 1) / kL;
  const std::int64_t chunk = schedule_chunk(nblocks, nt);
#pragma omp parallel num_threads(nt) if (nt > 1)
  {
    eval_abi::note_worker_thread(job.worker_tids);
    Scratch<T> work(static_cast<std::size_t>(scratch_of<F>::size(d)));
    Scratch<double> buf(static_cast<std::size_t>(F::lanes_buffer(d)));
    Context<T> ctx = shared_ctx;
    ctx.work = work.p;
    T v[kL];
#pragma omp for schedule(dynamic, chunk)
    for (std::int64_t blk = 0; blk < nblocks; ++blk) {
      const std::int64_t r0 = blk * kL;
      const int nb = static_cast<int>(n - r0 < kL ? n - r0 : kL);
      for (int b = 0; b < nb; ++b) prefetch_ahead(job, job.X + (r0 + b) * d, d);
      F::template value_lanes<math::FastMath, kL>(job.X + r0 * d, nb, d, ctx, buf.p, v);
      for (int b = 0; b < nb; ++b) store_row<F>(job, r0 + b, v[b], ctx, first_bad);
    }
  }
  return first_bad.load();
}

// The path's widest lanes (8 rows with AVX-512) for rows of up to kWideLanesRowBytes of input
// (float64 D <= 50, float32 D <= 100), 4 beyond. f8 (the one function on this path) on Zen 4, one
// thread, N = 10^5, the best call over 8 start offsets of X (bench/input_placement.py;
// bench/RESULTS.md, "f8's long rows in 4 lanes"): float64 D = 100 7-10 M/s with 8 rows, 13.5-14.3
// with 4, D = 64 1.2-1.7x with 4; D = 40 even; float32 D = 100 0.9-1.0x with 4; D = 5-20 8 rows
// 1.1-1.4x ahead. Why 8 long float64 rows stall is not understood (the loads of the block's
// transposition take the time; neither a prefetch of the next block nor a copy of the block
// first removed it, and in cache both counts run at the same rate).
constexpr int kWideLanesRowBytes = 400;
// Where the lanes pay: float64 rows of more than kLanesRowBytes run row by row instead (f8, the
// same values: its Rosenbrock sums take simd::sum_zip's order both ways). Both cores, N = 10^5,
// row by row against the lanes: D = 40 1.2-1.3x, D = 100 1.1-1.6x, D = 24-32 0.9-1.0x; float32
// rows stay in lanes (1.03-1.3x ahead at D = 32-100; bench/RESULTS.md, "f8/f9's Rosenbrock sums").
constexpr int kLanesRowBytes = 256;
template <class T>
bool lanes_pay(const eval_abi::Job<T>& job) {
  const std::int64_t row_bytes = std::int64_t(job.d) * std::int64_t(sizeof(T));
  return !(std::is_same_v<T, double> && row_bytes > kLanesRowBytes);
}
template <class F, class T>
std::int64_t run_lanes(const eval_abi::Job<T>& job) {
  constexpr int kWide = functions::bbob::WidestRowLanes::kCount;
  if constexpr (kWide > 4) {
    if (std::int64_t(job.d) * std::int64_t(sizeof(T)) > kWideLanesRowBytes)
      return run_lanes_of<F, T, 4>(job);
  }
  return run_lanes_of<F, T, kWide>(job);
}
#endif

// Functions with a row tail (context.hpp, "row tails"; ackley) are evaluated by blocks of
// kTailBlock rows (through the affine wrapper as rows::eval_point when there is one; gradients
// take run's per-row path): each row's coordinate sums, then the tails of the whole block in one vectorized
// loop. The loop always runs over the full block (the rows past the end of the batch finish a
// zero Partial, which is discarded), so that every row goes through the same vector code whatever
// its place in the batch. kTailBlock is a multiple of every path's vector length.
constexpr int kTailBlock = 32;

template <class F, class T>
std::int64_t run_tails(const eval_abi::Job<T>& job) {
  using math::FastMath;
  using math::PreciseMath;
  using P = typename F::template Partial<T>;
  static_assert(std::is_trivially_copyable_v<P>, "a row tail's Partial must be plain data");
  const std::int64_t n = job.n;
  const int d = job.d;
  constexpr int kB = kTailBlock;
  const bool aff = job.affine;
  const rows::Affine<T> wrapper{job.matrix, job.shift, job.scale, job.bias};
  const Context<T> shared_ctx = job_context(job);

  std::atomic<std::int64_t> first_bad{std::numeric_limits<std::int64_t>::max()};
  const int nt = job.nthreads;
  const std::int64_t nblocks = (n + kB - 1) / kB;
  const std::int64_t chunk = schedule_chunk(nblocks, nt);
#pragma omp parallel num_threads(nt) if (nt > 1)
  {
    eval_abi::note_worker_thread(job.worker_tids);
    Scratch<T> z(aff ? d : 0), diff(aff ? d : 0);
    Scratch<T> work(static_cast<std::size_t>(scratch_of<F>::size(d)));
    Context<T> ctx = shared_ctx;
    ctx.work = work.p;
    P part[kB];
    T v[kB];
#pragma omp for schedule(dynamic, chunk)
    for (std::int64_t blk = 0; blk < nblocks; ++blk) {
      const std::int64_t r0 = blk * kB;
      const int nb = static_cast<int>(n - r0 < kB ? n - r0 : kB);
      for (int b = 0; b < nb; ++b) {
        const std::int64_t r = r0 + b;
        const T* p = job.np ? job.params + r * job.prow_stride : nullptr;
        const T* x = job.X + r * d;
        prefetch_ahead(job, x, d);
        if (aff) {
          rows::affine_input(wrapper, x, d, diff.p, z.p);
          x = z.p;
        }
        part[b] = F::template reduce<FastMath>(x, d, p, ctx);
      }
      for (int b = nb; b < kB; ++b) part[b] = P{};
      SO_SIMD
      for (int b = 0; b < kB; ++b) v[b] = F::template finish<FastMath>(part[b], d, ctx);
      for (int b = 0; b < nb; ++b) {
        const std::int64_t r = r0 + b;
        const T* x = job.X + r * d;
        T vb = v[b];
        // as rows::eval_row: a NaN (a FastMath argument out of range, or bad input) recomputes
        // the whole row with the C library
        if (vb != vb) {
          const T* p = job.np ? job.params + r * job.prow_stride : nullptr;
          const T* xin = x;
          if (aff) {
            rows::affine_input(wrapper, x, d, diff.p, z.p);
            xin = z.p;
          }
          vb = F::template value<PreciseMath>(xin, d, p, ctx);
        }
        if (aff) vb += wrapper.bias;  // as rows::eval_point
        if (!std::isfinite(vb) && !rows::all_finite(x, d)) note_bad(first_bad, r);
        job.f[r] = vb;
      }
    }
  }
  return first_bad.load();
}

template <class F, class T>
std::int64_t run(const eval_abi::Job<T>& job) {
  if constexpr (rotates_blocks<F>::value && !has_gradient<F>::value) {
    if (!job.affine && job.grad == nullptr && F::blocks_at(job.d)) return run_blocked<F, T>(job);
  }
  if constexpr (has_row_tail<F>::value) {
    if (job.grad == nullptr) return run_tails<F, T>(job);
  }
#if defined(SO_BBOB_LANES)
  if constexpr (evaluates_lanes<F>::value) {
    if (!job.affine && job.grad == nullptr && lanes_pay(job)) return run_lanes<F, T>(job);
  }
#endif
  const std::int64_t n = job.n;
  const int d = job.d;
  const bool aff = job.affine;
  const bool want_grad = job.grad != nullptr;
  const Context<T> shared_ctx = job_context(job);
  const rows::Affine<T> wrapper{job.matrix, job.shift, job.scale, job.bias};

  std::atomic<std::int64_t> first_bad{std::numeric_limits<std::int64_t>::max()};
  const int nt = job.nthreads;
  const std::int64_t chunk = schedule_chunk(n, nt);
#pragma omp parallel num_threads(nt) if (nt > 1)
  {
    eval_abi::note_worker_thread(job.worker_tids);
    // Per-thread scratch of one row: the only temporaries, dim-sized.
    Scratch<T> z(aff ? d : 0), gz(aff && want_grad ? d : 0), diff(aff ? d : 0);
    Scratch<T> work(static_cast<std::size_t>(scratch_of<F>::size(d)));
    Context<T> ctx = shared_ctx;
    ctx.work = work.p;
#pragma omp for schedule(dynamic, chunk)
    for (std::int64_t r = 0; r < n; ++r) {
      const T* x = job.X + r * d;
      prefetch_ahead(job, x, d);
      const T* p = job.np ? job.params + r * job.prow_stride : nullptr;
      T* g = want_grad ? job.grad + r * d : nullptr;
      const T v = rows::eval_point<F>(x, d, p, ctx, aff, wrapper, diff.p, z.p, gz.p, g);
      // Non-finite input always yields a non-finite value, so only such rows need the check.
      if (!std::isfinite(v) && !rows::all_finite(x, d)) note_bad(first_bad, r);
      job.f[r] = v;
    }
  }
  return first_bad.load();
}

template <class T>
std::int64_t evaluate_any(const eval_abi::Job<T>& job) {
  return functions::visit(job.id, [&](auto fn) {
    using F = decltype(fn);
    return run<F, T>(job);
  });
}

}  // namespace

std::int64_t evaluate(const eval_abi::Job<float>& job) { return evaluate_any(job); }
std::int64_t evaluate(const eval_abi::Job<double>& job) { return evaluate_any(job); }

// compiled as the suites are (vecmath.hpp): without FMA contraction, which would otherwise be
// applied to the inlined code here
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")
#endif
void vecmath(int op, const double* x, const double* y, double* out, std::int64_t n) {
  using eval_abi::VecOp;
  switch (static_cast<VecOp>(op)) {
    case VecOp::Exp:
      SO_SIMD
      for (std::int64_t i = 0; i < n; ++i) out[i] = vm::exp(x[i]);
      return;
    case VecOp::Log:
      SO_SIMD
      for (std::int64_t i = 0; i < n; ++i) out[i] = vm::log(x[i]);
      return;
    case VecOp::Pow:
      SO_SIMD
      for (std::int64_t i = 0; i < n; ++i) out[i] = vm::pow(x[i], y[i]);
      return;
    case VecOp::Sin:
      SO_SIMD
      for (std::int64_t i = 0; i < n; ++i) out[i] = math::FastMath::sin(x[i]);
      return;
    case VecOp::Cos:
      SO_SIMD
      for (std::int64_t i = 0; i < n; ++i) out[i] = math::FastMath::cos(x[i]);
      return;
    case VecOp::SinFloat:
      SO_SIMD
      for (std::int64_t i = 0; i < n; ++i) out[i] = double(math::FastMath::sin(float(x[i])));
      return;
    case VecOp::CosFloat:
      SO_SIMD
      for (std::int64_t i = 0; i < n; ++i) out[i] = double(math::FastMath::cos(float(x[i])));
      return;
    case VecOp::Expm1:
      SO_SIMD
      for (std::int64_t i = 0; i < n; ++i) out[i] = vm::expm1(x[i]);
      return;
    case VecOp::ToszFewUlp:  // as the BBOB rows run it (the stages as loops), in rows of 4096
      for (std::int64_t i = 0; i < n; i += 4096)
        vm::tosz_few_ulp_array(x + i, out + i, static_cast<int>(n - i < 4096 ? n - i : 4096));
      return;
    case VecOp::SinByPi:
      SO_SIMD
      for (std::int64_t i = 0; i < n; ++i) out[i] = math::FastMath::sin_or_cos_by_pi(x[i], false);
      return;
    case VecOp::TasyToszFewUlp: {  // as f3 and f15 run it, in rows of 4096
      Scratch<double> scratch(2 * 4096);
      for (std::int64_t i = 0; i < n; i += 4096)
        vm::tasy_tosz_few_ulp_array(x + i, out + i, static_cast<int>(n - i < 4096 ? n - i : 4096),
                                    y + i, scratch.p, scratch.p + 4096);
      return;
    }
    case VecOp::CosByPi:
      SO_SIMD
      for (std::int64_t i = 0; i < n; ++i) out[i] = math::FastMath::cos_by_pi(x[i]);
      return;
    case VecOp::SinAbsolute:
      SO_SIMD
      for (std::int64_t i = 0; i < n; ++i) out[i] = vm::sin_absolute(x[i]);
      return;
    case VecOp::Tasy:  // y: the exponent's coefficient beta i / (d - 1)
      SO_SIMD
      for (std::int64_t i = 0; i < n; ++i) out[i] = vm::tasy(x[i], y[i]);
      return;
    case VecOp::ExpChecked:
      vm::checked_map(n, out, [x](std::int64_t i, double& tie) SO_LAMBDA_FORCE {
        return vm::exp_dd(x[i], 0.0, tie);
      });
      return;
    case VecOp::LogChecked:
      vm::checked_map(n, out, [x](std::int64_t i, double& tie) SO_LAMBDA_FORCE {
        return vm::log(x[i], tie);
      });
      return;
    case VecOp::TasyFewUlp:  // y as for Tasy
      SO_SIMD
      for (std::int64_t i = 0; i < n; ++i) out[i] = vm::tasy_few_ulp(x[i], y[i]);
      return;
    case VecOp::ExpFewUlp:
      SO_SIMD
      for (std::int64_t i = 0; i < n; ++i) out[i] = vm::exp_few_ulp(x[i]);
      return;
    case VecOp::LogFewUlp:
      SO_SIMD
      for (std::int64_t i = 0; i < n; ++i) out[i] = vm::log_few_ulp(x[i]);
      return;
    case VecOp::PowFewUlp:
      SO_SIMD
      for (std::int64_t i = 0; i < n; ++i) out[i] = vm::pow_few_ulp(x[i], y[i]);
      return;
    case VecOp::PowChecked:
      vm::checked_map(n, out, [x, y](std::int64_t i, double& tie) SO_LAMBDA_FORCE {
        return vm::pow(x[i], y[i], tie);
      });
      return;
    case VecOp::SinChecked:
      vm::checked_map(n, out, [x](std::int64_t i, double& tie) SO_LAMBDA_FORCE {
        return vm::sin_checked(x[i], tie);
      });
      return;
    case VecOp::CosChecked:
      vm::checked_map(n, out, [x](std::int64_t i, double& tie) SO_LAMBDA_FORCE {
        return vm::cos_checked(x[i], tie);
      });
      return;
    case VecOp::CosCheckedWide:
      vm::checked_map(n, out, [x](std::int64_t i, double& tie) SO_LAMBDA_FORCE {
        return vm::sin_or_cos_checked_wide(x[i], true, tie);
      });
      return;
    case VecOp::PowHalf:
      vm::checked_map(n, out, [x](std::int64_t i, double& tie) SO_LAMBDA_FORCE {
        return vm::pow_half(x[i], tie);
      });
      return;
    case VecOp::ToszExact: {  // as f16 runs it, in rows of 4096
      Scratch<double> scratch(2 * 4096);
      for (std::int64_t i = 0; i < n; i += 4096)
        functions::bbob::tosz_exact_array(x + i, out + i, static_cast<int>(n - i < 4096 ? n - i : 4096),
                                          scratch.p);
      return;
    }
    case VecOp::CosWide:
      for (std::int64_t i = 0; i < n; i += 4096)
        functions::bbob::cos_wide_array<math::FastMath>(x + i, out + i,
                                                        static_cast<int>(n - i < 4096 ? n - i : 4096));
      return;
  }
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif

}  // namespace kernels
SO_NAMESPACE_END
