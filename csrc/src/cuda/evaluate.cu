// cuda::evaluate: Problem::evaluate on device memory. The argument checks are the CPU driver's
// (same messages); the per-row work is the row kernel of rows.cuh.
#include "rows.cuh"

namespace scoreopt::cuda {

namespace detail {

// Index of the first row (of `width` values) holding a non-finite value, into *first.
template <class T>
__global__ void first_nonfinite_row(const T* v, std::int64_t count, int width,
                                    unsigned long long* first) {
  for (std::int64_t i = blockIdx.x * std::int64_t(blockDim.x) + threadIdx.x; i < count;
       i += std::int64_t(gridDim.x) * blockDim.x)
    if (!isfinite(v[i])) atomicMin(first, static_cast<unsigned long long>(i / width));
}

template <class T>
void check_rows_finite(const T* v, std::int64_t rows, int width, unsigned long long* first,
                       cudaStream_t stream) {
  const std::int64_t count = rows * width;
  if (count == 0) return;
  first_nonfinite_row<T><<<grid_for(count, 256, 4096), 256, 0, stream>>>(v, count, width, first);
  SO_CUDA_LAUNCHED("first_nonfinite_row");
}

template void check_rows_finite<float>(const float*, std::int64_t, int, unsigned long long*, cudaStream_t);
template void check_rows_finite<double>(const double*, std::int64_t, int, unsigned long long*, cudaStream_t);

// Problem::evaluate's checks of the parameters and the problem's state.
void check_problem_call(const Problem& p, const void* params, std::int64_t params_rows,
                        std::int64_t rows, const char* rows_name) {
  const FunctionInfo& fi = p.info();
  const int np = fi.num_params;
  if (np > 0) {
    if (!params)
      throw std::invalid_argument("params: " + fi.name + " needs " + std::to_string(np) +
                                  " parameter(s) per row, shape (" + std::to_string(np) +
                                  ",) or (N, " + std::to_string(np) + "); none given");
    if (params_rows != 1 && params_rows != rows)
      throw std::invalid_argument("params: expected 1 or " + std::to_string(rows) + " rows (" +
                                  rows_name + "), got " + std::to_string(params_rows));
    check_device_pointer(params, "params");
  } else if (params) {
    throw std::invalid_argument("params: " + fi.name + " takes no parameters");
  }
  if (fi.data_size && std::int64_t(p.data().size()) != fi.data_size(p.dim()))
    throw std::invalid_argument("data: " + fi.name + " needs its instance data (Problem::with_data)");
}

}  // namespace detail

template <class T>
void evaluate(const Problem& problem, const T* X, std::int64_t n, const T* params,
              std::int64_t params_rows, T* f, T* grad, Stream stream_handle) {
  using namespace detail;
  require_device();
  const FunctionInfo& fi = problem.info();
  if (n <= 0) throw std::invalid_argument("X: empty batch; expected at least one row");
  check_problem_call(problem, params, params_rows, n, "one per row of X");
  if (grad && !fi.has_gradient)
    throw std::invalid_argument("gradient: " + fi.name + " has no analytic gradient");
  check_device_pointer(X, "X");
  check_device_pointer(f, "f");
  check_device_pointer(grad, "grad", false);
  const cudaStream_t stream = as_stream(stream_handle);

  Buffer flags_buf(sizeof(Flags), stream);
  Flags* flags = flags_buf.as<Flags>();
  SO_CUDA_CHECK(cudaMemsetAsync(flags, 0xFF, sizeof(Flags), stream));
  const int np = fi.num_params;
  if (np > 0) check_rows_finite(params, params_rows, np, &flags->bad_params, stream);

  ProblemOnDevice<T> dev(problem, stream);
  RowJob<T> job;
  job.d = problem.dim();
  job.n = n;
  job.X = X;
  job.params = np > 0 ? params : nullptr;
  job.pstride = np > 0 && params_rows != 1 ? np : 0;
  job.ctx = dev.ctx;
  job.aff = dev.aff;
  job.f = f;
  job.grad = grad;
  job.bad_row = &flags->bad_x;
  run_rows<T>(fi.id, job, grad != nullptr, stream);

  const Flags host = read_flags(flags, stream);
  if (host.bad_params != kNone)
    throw std::invalid_argument("params: contains NaN or Inf (row " + std::to_string(host.bad_params) + ")");
  if (host.bad_x != kNone)
    throw std::invalid_argument("X: contains NaN or Inf (first at row " + std::to_string(host.bad_x) +
                                "); expected finite values");
}

template void evaluate<float>(const Problem&, const float*, std::int64_t, const float*,
                              std::int64_t, float*, float*, Stream);
template void evaluate<double>(const Problem&, const double*, std::int64_t, const double*,
                               std::int64_t, double*, double*, Stream);

}  // namespace scoreopt::cuda
