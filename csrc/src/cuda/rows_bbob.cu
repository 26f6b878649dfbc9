// Row kernels of the bbob functions (see rows.cuh).
#include "rows.cuh"

namespace scoreopt::cuda::detail {

template <class T>
bool run_rows_bbob(FunctionId id, const RowJob<T>& a, bool grad, cudaStream_t stream) {
  return run_rows_in<Family::bbob, T>(id, a, grad, stream);
}

template bool run_rows_bbob<float>(FunctionId, const RowJob<float>&, bool, cudaStream_t);
template bool run_rows_bbob<double>(FunctionId, const RowJob<double>&, bool, cudaStream_t);

}  // namespace scoreopt::cuda::detail
