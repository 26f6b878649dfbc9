// Row kernels of the cec2017 functions (see rows.cuh).
#include "rows.cuh"

namespace scoreopt::cuda::detail {

template <class T>
bool run_rows_cec2017(FunctionId id, const RowJob<T>& a, bool grad, cudaStream_t stream) {
  return run_rows_in<Family::cec2017, T>(id, a, grad, stream);
}

template bool run_rows_cec2017<float>(FunctionId, const RowJob<float>&, bool, cudaStream_t);
template bool run_rows_cec2017<double>(FunctionId, const RowJob<double>&, bool, cudaStream_t);

}  // namespace scoreopt::cuda::detail
