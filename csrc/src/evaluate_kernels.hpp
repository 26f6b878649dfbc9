// The interface between Problem::evaluate (evaluate_cpu.cpp, compiled once) and the evaluation
// kernels (evaluate_kernels.cpp, compiled once per SIMD target: see SO_NAMESPACE_BEGIN in
// scoreopt/config.hpp and "SIMD dispatch" in CMakeLists.txt). Only plain data crosses it: the
// function headers' types (Context, Affine, ...) exist once per target and must not.
#pragma once

#include <cstdint>

#include "scoreopt/registry.hpp"

namespace scoreopt::eval_abi {

template <class T>
struct Job {
  FunctionId id;
  const T* X;  // n x d, row-major
  std::int64_t n;
  int d;
  const T* params;  // nullptr, or rows of np values, prow_stride apart (0: one row for all)
  std::int64_t prow_stride;
  int np;
  const T* table;  // Context::table
  double option[4];
  bool affine;  // the wrapper x -> f(scale M (x - o)) + bias; matrix/shift nullptr: none
  const T* matrix;
  const T* shift;
  T scale;
  T bias;
  T* f;     // n values
  T* grad;  // n x d, or nullptr
  int nthreads;  // upper bound; the kernel uses fewer for small batches
  long* worker_tids;  // the calling thread's record of its pool's workers (note_worker_thread)
  bool prefetch_rows;  // whether the row drivers ask for the input ahead (prefetch_helps())
};

// Whether asking for the input ahead of each row helps on this CPU (evaluate_cpu.cpp, beside the
// SIMD path's detection; decided once per process).
bool prefetch_helps();

// Evaluates job; returns the first row whose input holds NaN or Inf, or INT64_MAX when none.
using KernelF32 = std::int64_t (*)(const Job<float>&);
using KernelF64 = std::int64_t (*)(const Job<double>&);

// The vector math of scoreopt/vecmath.hpp (and math.hpp's FastMath sin/cos) on arrays, as this
// copy compiles it, for the accuracy tests (tests/test_vecmath.py). y: the second argument of
// pow (ignored otherwise).
// ExpChecked, LogChecked, PowChecked: NaN where the result may round differently from a
// correctly rounded one (vecmath.hpp, near_tie), where the callers recompute with the C library.
enum class VecOp : int {
  Exp = 0, Log = 1, Pow = 2, Sin = 3, Cos = 4, Tasy = 5,
  ExpChecked = 6, LogChecked = 7, PowChecked = 8, Expm1 = 9,
  SinFloat = 10, CosFloat = 11,  // FastMath's float sin/cos of float(x), widened
  ToszFewUlp = 12,  // vm::tosz_few_ulp_array (NaN where the caller defers to the C library)
  SinByPi = 13,  // FastMath::sin_or_cos_by_pi<double>(x, false)
  PowFewUlp = 14,  // vm::pow_few_ulp
  LogFewUlp = 15,  // vm::log_few_ulp
  ExpFewUlp = 16,  // vm::exp_few_ulp
  TasyFewUlp = 17,  // vm::tasy_few_ulp, y as for Tasy (NaN where the caller defers)
  SinAbsolute = 18,  // vm::sin_absolute
  CosByPi = 19,  // FastMath::cos_by_pi
  TasyToszFewUlp = 20,  // vm::tasy_tosz_few_ulp_array, y: T_asy's c_i (NaN where the caller defers)
  SinChecked = 21,  // vm::sin_checked (NaN where it defers)
  ToszExact = 22,  // bbob.hpp's tosz_exact_array (f16's T_osz, its C-library fallbacks included)
  CosWide = 23,  // bbob.hpp's cos_wide_array<FastMath> (f16's and f19's cosines)
  CosChecked = 24,  // vm::cos_checked (NaN where it defers)
  PowHalf = 25,  // vm::pow_half, pow(x, 0.5) (NaN where it defers)
  CosCheckedWide = 26,  // vm::sin_or_cos_checked_wide's cosine (NaN where it defers)
  Count = 27
};
using VecMath = void (*)(int op, const double* x, const double* y, double* out, std::int64_t n);

// Called by every thread at the start of each parallel evaluation, with the job's worker_tids:
// the thread policy (evaluate_cpu.cpp) then knows the calling thread's pool of workers and does
// not count them as other load.
void note_worker_thread(long* worker_tids);

}  // namespace scoreopt::eval_abi

// The entry points of the copy named ns (declared here without `inline`; the mangled names are
// the same as those of the kernel file's inline namespace).
#define SO_DECLARE_EVAL_KERNELS(ns)                                     \
  namespace scoreopt::ns::kernels {                                     \
  std::int64_t evaluate(const ::scoreopt::eval_abi::Job<float>& job);   \
  std::int64_t evaluate(const ::scoreopt::eval_abi::Job<double>& job);  \
  void vecmath(int op, const double* x, const double* y, double* out,  \
               std::int64_t n);                                         \
  }
