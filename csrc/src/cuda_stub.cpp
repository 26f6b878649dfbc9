// scoreopt/cuda.hpp in a core built without CUDA (SCOREOPT_CUDA=OFF, or no nvcc at build time):
// every entry point exists, so C++ users get a clear error at run time instead of a link failure.
#include <stdexcept>

#include "scoreopt/cuda.hpp"

namespace scoreopt::cuda {

namespace {
[[noreturn]] void no_cuda() {
  throw std::runtime_error(
      "scoreopt CUDA: this core was built without CUDA (rebuild with a CUDA toolkit and "
      "SCOREOPT_CUDA=AUTO or ON)");
}
}  // namespace

int device_count() { return 0; }
void require_device() { no_cuda(); }

template <class T>
void evaluate(const Problem&, const T*, std::int64_t, const T*, std::int64_t, T*, T*, Stream) {
  no_cuda();
}
template <class T>
void smoothing_estimate(const Problem&, const T*, std::int64_t, const T*, std::int64_t, const T*,
                        std::int64_t, const SmoothingOptions&, const SmoothingResult<T>&,
                        std::int64_t, Stream) {
  no_cuda();
}
template <class T>
void euler_step(T*, const T*, std::int64_t, std::int64_t, double, Stream) {
  no_cuda();
}
template <class T>
void heun_step(T*, const T*, const T*, std::int64_t, std::int64_t, double, Stream) {
  no_cuda();
}
template <class T>
void euler_maruyama_step(T*, const T*, std::int64_t, std::int64_t, double, double, double,
                         const NoiseKey&, Stream) {
  no_cuda();
}
template <class T>
void langevin_step(T*, const T*, std::int64_t, std::int64_t, double, const NoiseKey&, Stream) {
  no_cuda();
}
template <class T>
void ddpm_step(T*, const T*, std::int64_t, std::int64_t, double, double, double, const NoiseKey&,
               Stream) {
  no_cuda();
}

#define SO_INSTANTIATE(T)                                                                         \
  template void evaluate<T>(const Problem&, const T*, std::int64_t, const T*, std::int64_t, T*,   \
                            T*, Stream);                                                          \
  template void smoothing_estimate<T>(const Problem&, const T*, std::int64_t, const T*,           \
                                      std::int64_t, const T*, std::int64_t,                       \
                                      const SmoothingOptions&, const SmoothingResult<T>&,         \
                                      std::int64_t, Stream);                                      \
  template void euler_step<T>(T*, const T*, std::int64_t, std::int64_t, double, Stream);          \
  template void heun_step<T>(T*, const T*, const T*, std::int64_t, std::int64_t, double, Stream); \
  template void euler_maruyama_step<T>(T*, const T*, std::int64_t, std::int64_t, double, double,  \
                                       double, const NoiseKey&, Stream);                          \
  template void langevin_step<T>(T*, const T*, std::int64_t, std::int64_t, double,                \
                                 const NoiseKey&, Stream);                                        \
  template void ddpm_step<T>(T*, const T*, std::int64_t, std::int64_t, double, double, double,    \
                             const NoiseKey&, Stream);
SO_INSTANTIATE(float)
SO_INSTANTIATE(double)
#undef SO_INSTANTIATE

}  // namespace scoreopt::cuda
