// A batched objective: a built-in function at a fixed dimension, with options and an optional
// affine wrapper x -> f(scale * M (x - o)) + bias. Evaluation is row-parallel over the batch and
// vectorized over coordinates.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "scoreopt/registry.hpp"

namespace scoreopt {

struct Affine {
  std::vector<double> matrix;  // dim x dim, row-major; empty means the identity
  std::vector<double> shift;   // dim; empty means zero
  double scale = 1.0;
  double bias = 0.0;
  bool empty() const { return matrix.empty() && shift.empty() && scale == 1.0 && bias == 0.0; }
};

class Problem {
 public:
  // Throws std::invalid_argument for an unknown name, a dimension the function does not allow,
  // or an unknown / out-of-range option.
  Problem(std::string_view name, int dim, const std::map<std::string, double>& options = {});

  const FunctionInfo& info() const { return *info_; }
  int dim() const { return dim_; }
  const std::vector<double>& options() const { return options_; }
  const Affine& affine() const { return affine_; }

  // Returns a copy wrapped as x -> f(scale * M (x - o)) + bias. Throws on wrong sizes,
  // non-finite entries, or when this problem is already wrapped (wrappers do not stack: the
  // (x - o) form keeps f exact at x = o, which a composed A x + c form would not).
  Problem with_affine(Affine affine) const;

  // Returns a copy holding the instance data of a function that needs it (suite functions:
  // shifts, rotations, ...), exactly info().data_size(dim) values. Throws on a wrong length or
  // non-finite values.
  Problem with_data(std::vector<double> data) const;
  const std::vector<double>& data() const { return data_; }

  // The per-problem constants a row evaluation reads through Context::table, in the evaluation
  // type (ellipsoid weights, suite instance data; empty when none): what a device backend copies.
  template <class T>
  const std::vector<T>& table() const {
    if constexpr (std::is_same_v<T, double>) {
      return table_d_;
    } else {
      return table_f_;
    }
  }

  // X: n x dim row-major. params: params_rows x num_params (params_rows is 1 to broadcast, or n),
  // nullptr when the function takes none. f: n outputs. grad: n x dim, or nullptr.
  // Throws std::invalid_argument on inconsistent sizes, missing parameters, non-finite values
  // in X or params (the message names the first offending row), or f / grad overlapping X,
  // params or each other.
  // parallel = false keeps the work on the calling thread (for callers that are parallel
  // themselves, like the smoothing estimator).
  template <class T>
  void evaluate(const T* X, std::int64_t n, const T* params, std::int64_t params_rows, T* f,
                T* grad = nullptr, bool parallel = true) const;

 private:
  void rebuild_tables();

  const FunctionInfo* info_;
  int dim_;
  std::vector<double> options_;
  Affine affine_;
  std::vector<double> data_;
  std::vector<double> table_d_;
  std::vector<float> table_f_;
  std::vector<float> matrix_f_, shift_f_;
};

// Worker threads used by batched calls (0: SCOREOPT_NUM_THREADS when set and > 0, else the
// OpenMP default, usually one per core).
void set_num_threads(int n);
int num_threads();

// The threads a batched evaluation of n rows of dim coordinates (rotated: under a dim x dim
// matrix) would use now: 1 below 2^18 coordinate evaluations, then one per 2^18, at most
// num_threads() and at most the idle cores (see "thread policy" in evaluate_cpu.cpp).
int evaluation_threads(std::int64_t n, int dim, bool rotated);

// The threads the calling thread's most recent batched evaluation (Problem::evaluate) ran on, as
// the policy above chose them for it; 0 before the first. For benchmarks and for a user asking why
// a call ran on fewer threads than num_threads() (small batch, busy cores).
int last_evaluation_threads();

}  // namespace scoreopt
