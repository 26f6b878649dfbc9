#include "scoreopt/build_info.hpp"

#include <omp.h>

#include "scoreopt_build_config.hpp"

namespace scoreopt {

#if defined(SCOREOPT_WITH_CUDA)
namespace cuda {
int device_count();  // csrc/src/cuda/runtime.cu
}
bool cuda_compiled() { return true; }
int cuda_device_count() { return cuda::device_count(); }
#else
bool cuda_compiled() { return false; }
int cuda_device_count() { return 0; }
#endif

std::string build_info() {
  std::string s = "compiler=";
#if defined(__clang__)
  s += "clang " __clang_version__;
#elif defined(__GNUC__)
  s += "gcc " __VERSION__;
#endif
  s += "; flags=" SCOREOPT_CXX_FLAGS;
  // the evaluation kernels' path (chosen at run time) and the copies compiled in this build
  std::string compiled;
  for (const std::string& p : simd_paths()) compiled += (compiled.empty() ? "" : ",") + p;
  s += "; simd=" + simd_path() + " (" + simd_path_reason() + "; compiled: " + compiled +
       "; kernel flags: " SCOREOPT_KERNEL_FLAGS ")";
  s += "; openmp=" + std::to_string(_OPENMP);
#if defined(SCOREOPT_WITH_CUDA)
  s += "; cuda=on (" SCOREOPT_CUDA_ARCHS ")";
#else
  s += "; cuda=off";
#endif
  return s;
}

}  // namespace scoreopt
