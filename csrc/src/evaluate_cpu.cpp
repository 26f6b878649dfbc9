// Host driver for batched evaluation: rows in parallel (OpenMP), coordinates vectorized inside
// each function's row loop.
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "scoreopt/functions/dispatch.hpp"
#include "scoreopt/math.hpp"
#include "scoreopt/problem.hpp"
#include "row_evaluation.hpp"

namespace scoreopt {

namespace {

std::atomic<int> g_num_threads{0};

// Below this many coordinate evaluations a parallel region costs more than it saves.
constexpr std::int64_t kParallelWork = 1 << 14;

template <class T>
bool overlaps(const T* a, std::int64_t na, const T* b, std::int64_t nb) {
  if (!a || !b || na <= 0 || nb <= 0) return false;
  const auto a0 = reinterpret_cast<std::uintptr_t>(a), b0 = reinterpret_cast<std::uintptr_t>(b);
  return a0 < b0 + std::uintptr_t(nb) * sizeof(T) && b0 < a0 + std::uintptr_t(na) * sizeof(T);
}

template <class F, class T>
void run(const T* X, std::int64_t n, int d, const T* params, std::int64_t prow_stride, int np,
         const Context<T>& shared_ctx, const rows::Affine<T>* aff, T* f, T* grad, int nthreads,
         std::int64_t* bad_row) {
  std::atomic<std::int64_t> first_bad{std::numeric_limits<std::int64_t>::max()};
  const std::int64_t cost = n * d * (aff && aff->matrix ? d : 1);
  const bool parallel = cost >= kParallelWork && n > 1;
#pragma omp parallel num_threads(nthreads) if (parallel && nthreads > 1)
  {
    // Per-thread scratch of one row: the only temporaries, dim-sized.
    std::vector<T> z(aff ? d : 0), gz(aff && grad ? d : 0), diff(aff ? d : 0);
    std::vector<T> work(static_cast<size_t>(scratch_of<F>::size(d)));
    Context<T> ctx = shared_ctx;
    ctx.work = work.data();
    const rows::Affine<T> wrapper = aff ? *aff : rows::Affine<T>{};
#pragma omp for schedule(static)
    for (std::int64_t r = 0; r < n; ++r) {
      const T* x = X + r * d;
      const T* p = np ? params + r * prow_stride : nullptr;
      T* g = grad ? grad + r * d : nullptr;
      const T v = rows::eval_point<F>(x, d, p, ctx, aff != nullptr, wrapper, diff.data(), z.data(),
                                      gz.data(), g);
      // Non-finite input always yields a non-finite value, so only such rows need the check.
      if (!std::isfinite(v) && !rows::all_finite(x, d)) {
        std::int64_t cur = first_bad.load();
        while (r < cur && !first_bad.compare_exchange_weak(cur, r)) {
        }
      }
      f[r] = v;
    }
  }
  *bad_row = first_bad.load();
}

}  // namespace

void set_num_threads(int n) {
  if (n < 0) throw std::invalid_argument("n: number of threads must be >= 0, got " + std::to_string(n));
  g_num_threads = n;
}

int num_threads() {
  const int n = g_num_threads.load();
  return n > 0 ? n : omp_get_max_threads();
}

template <class T>
void Problem::evaluate(const T* X, std::int64_t n, const T* params, std::int64_t params_rows,
                       T* f, T* grad, bool parallel) const {
  const FunctionInfo& fi = *info_;
  if (n <= 0) throw std::invalid_argument("X: empty batch; expected at least one row");
  const int np = fi.num_params;
  std::int64_t stride = 0;
  if (np > 0) {
    if (!params)
      throw std::invalid_argument("params: " + fi.name + " needs " + std::to_string(np) +
                                  " parameter(s) per row, shape (" + std::to_string(np) +
                                  ",) or (N, " + std::to_string(np) + "); none given");
    if (params_rows != 1 && params_rows != n)
      throw std::invalid_argument("params: expected 1 or " + std::to_string(n) + " rows, got " +
                                  std::to_string(params_rows));
    for (std::int64_t i = 0; i < params_rows * np; ++i)
      if (!std::isfinite(params[i]))
        throw std::invalid_argument("params: contains NaN or Inf (row " +
                                    std::to_string(i / np) + ")");
    stride = params_rows == 1 ? 0 : np;
  } else if (params) {
    throw std::invalid_argument("params: " + fi.name + " takes no parameters");
  }

  Context<T> ctx;
  for (size_t k = 0; k < options_.size() && k < 4; ++k) ctx.option[k] = options_[k];
  if constexpr (std::is_same_v<T, double>) {
    ctx.table = table_d_.empty() ? nullptr : table_d_.data();
  } else {
    ctx.table = table_f_.empty() ? nullptr : table_f_.data();
  }

  if (grad && !fi.has_gradient)
    throw std::invalid_argument("gradient: " + fi.name + " has no analytic gradient");
  // The row code reads X and params through restrict pointers (see eval_row), so a grad that
  // overlaps them is undefined behaviour; an out that overlaps X would rewrite rows not yet read.
  const std::int64_t xlen = n * dim_, plen = np > 0 ? params_rows * np : 0;
  if (overlaps(f, n, X, xlen) || overlaps(f, n, params, plen) || overlaps(f, n, grad, grad ? xlen : 0))
    throw std::invalid_argument("out: overlaps X, params or grad; expected a separate buffer");
  if (grad && (overlaps(grad, xlen, X, xlen) || overlaps(grad, xlen, params, plen)))
    throw std::invalid_argument("grad: overlaps X or params; expected a separate buffer");
  if (fi.data_size && std::int64_t(data_.size()) != fi.data_size(dim_))
    throw std::invalid_argument("data: " + fi.name + " needs its instance data (Problem::with_data)");

  rows::Affine<T> av{};
  const rows::Affine<T>* aff = nullptr;
  if (!affine_.empty()) {
    if constexpr (std::is_same_v<T, double>) {
      av.matrix = affine_.matrix.empty() ? nullptr : affine_.matrix.data();
      av.shift = affine_.shift.empty() ? nullptr : affine_.shift.data();
    } else {
      av.matrix = matrix_f_.empty() ? nullptr : matrix_f_.data();
      av.shift = shift_f_.empty() ? nullptr : shift_f_.data();
    }
    av.scale = static_cast<T>(affine_.scale);
    av.bias = static_cast<T>(affine_.bias);
    aff = &av;
  }

  std::int64_t bad_row = 0;
  const int nt = parallel ? num_threads() : 1;
  functions::visit(fi.id, [&](auto fn) {
    using F = decltype(fn);
    run<F, T>(X, n, dim_, params, stride, np, ctx, aff, f, grad, nt, &bad_row);
  });
  if (bad_row != std::numeric_limits<std::int64_t>::max())
    throw std::invalid_argument("X: contains NaN or Inf (first at row " + std::to_string(bad_row) +
                                "); expected finite values");
}

template void Problem::evaluate<float>(const float*, std::int64_t, const float*, std::int64_t,
                                       float*, float*, bool) const;
template void Problem::evaluate<double>(const double*, std::int64_t, const double*, std::int64_t,
                                        double*, double*, bool) const;

}  // namespace scoreopt
