// CUDA runtime queries. Device kernels for evaluation come with the GPU backend; this file is
// what makes SCOREOPT_CUDA=ON a real, linked configuration today.
#include <cuda_runtime.h>

namespace scoreopt::cuda {

int device_count() {
  int n = 0;
  // No driver or no device is a normal situation on CPU machines, not an error.
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();
    return 0;
  }
  return n;
}

}  // namespace scoreopt::cuda
