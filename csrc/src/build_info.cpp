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
  s += "; simd=";
#if defined(__AVX512F__)
  s += "avx512";
#elif defined(__AVX2__)
  s += "avx2";
#elif defined(__SSE4_1__)
  s += "sse4.1";
#else
  s += "baseline";
#endif
#if defined(__FMA__)
  s += "+fma";
#endif
  s += "; openmp=" + std::to_string(_OPENMP);
#if defined(SCOREOPT_WITH_CUDA)
  s += "; cuda=on (" SCOREOPT_CUDA_ARCHS ")";
#else
  s += "; cuda=off";
#endif
  return s;
}

}  // namespace scoreopt
