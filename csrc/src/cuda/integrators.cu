// The integrator steps of integrators_cpu.cpp on the device. The deterministic steps are one
// elementwise pass; the noisy ones run one thread per (row, Philox block) and draw the four
// normals of that block in registers (the CPU draws the whole row into scratch), so row r of a
// call gets exactly normal_vector(seed, step, row_offset + r). Unlike evaluation and the
// estimator, these steps have no data-dependent errors to report and do not synchronize: a fault
// surfaces at the stream's next synchronization, as in any CUDA library.
#include <cmath>
#include <cstdio>

#include "../integrator_checks.hpp"
#include "common.cuh"

namespace scoreopt::cuda {

namespace detail {
namespace {

using namespace scoreopt::integrator_checks;

void check_ptr(const void* p, std::int64_t B, const char* name) {
  if (B > 0) check_device_pointer(p, name);
}

// x <- a x + b u + c v over n elements (c = 0: v unused)
template <class T>
__global__ void affine3(T* x, const T* u, const T* v, std::int64_t n, T a, T b, T c, int form) {
  for (std::int64_t i = blockIdx.x * std::int64_t(blockDim.x) + threadIdx.x; i < n;
       i += std::int64_t(gridDim.x) * blockDim.x) {
    switch (form) {
      case 0: x[i] += b * u[i]; break;             // euler: x += dt v
      case 1: x[i] += b * (u[i] + v[i]); break;    // heun: x += dt/2 (v1 + v2)
      default: x[i] = a * x[i] + b * u[i]; break;  // ddpm without noise
    }
  }
}

// x <- a x + b field + c z, z the Philox noise of (seed, step, row_offset + r)
template <class T>
__global__ void noisy_affine(T* x, const T* field, std::int64_t B, int D, T a, T b, T c,
                             NoiseKey key) {
  const int B4 = (D + 3) / 4;
  for (std::int64_t e = blockIdx.x * std::int64_t(blockDim.x) + threadIdx.x; e < B * B4;
       e += std::int64_t(gridDim.x) * blockDim.x) {
    const std::int64_t r = e / B4;
    const int j = int(e - r * B4);
    T z[4];
    noise_block<T>(key.seed, key.step, std::uint32_t(key.row_offset + r), j, z);
    T* xr = x + r * D;
    const T* fr = field + r * D;
    for (int q = 0; q < 4; ++q) {
      const int i = q * B4 + j;
      if (i < D) xr[i] = a * xr[i] + b * fr[i] + c * z[q];
    }
  }
}

template <class T>
void launch_affine3(T* x, const T* u, const T* v, std::int64_t n, T a, T b, int form, cudaStream_t s) {
  if (n == 0) return;
  affine3<T><<<grid_for(n, 256, 8192), 256, 0, s>>>(x, u, v, n, a, b, T(0), form);
  SO_CUDA_LAUNCHED("affine3");
}

template <class T>
void launch_noisy(T* x, const T* field, std::int64_t B, std::int64_t D, T a, T b, T c,
                  const NoiseKey& key, cudaStream_t s) {
  if (B == 0) return;
  const std::int64_t items = B * ((D + 3) / 4);
  noisy_affine<T><<<grid_for(items, 256, 8192), 256, 0, s>>>(x, field, B, int(D), a, b, c, key);
  SO_CUDA_LAUNCHED("noisy_affine");
}

}  // namespace
}  // namespace detail

using namespace detail;

template <class T>
void euler_step(T* x, const T* v, std::int64_t B, std::int64_t D, double dt, Stream stream) {
  require_device();
  check_sizes(B, D);
  check_ptr(x, B, "x");
  check_ptr(v, B, "v");
  check_finite(dt, "dt");
  launch_affine3<T>(x, v, nullptr, B * D, T(1), T(dt), 0, as_stream(stream));
}

template <class T>
void heun_step(T* x, const T* v1, const T* v2, std::int64_t B, std::int64_t D, double dt,
               Stream stream) {
  require_device();
  check_sizes(B, D);
  check_ptr(x, B, "x");
  check_ptr(v1, B, "v1");
  check_ptr(v2, B, "v2");
  check_finite(dt, "dt");
  launch_affine3<T>(x, v1, v2, B * D, T(1), T(0.5 * dt), 1, as_stream(stream));
}

template <class T>
void euler_maruyama_step(T* x, const T* score, std::int64_t B, std::int64_t D, double f, double g,
                         double dt, const NoiseKey& key, Stream stream) {
  require_device();
  check_sizes(B, D);
  check_ptr(x, B, "x");
  check_ptr(score, B, "score");
  const NoisyCoefficients k = euler_maruyama_coefficients(f, g, dt);
  check_key(key, B);
  launch_noisy<T>(x, score, B, D, T(k.a), T(k.b), T(k.noise_std), key, as_stream(stream));
}

template <class T>
void langevin_step(T* x, const T* score, std::int64_t B, std::int64_t D, double step_size,
                   const NoiseKey& key, Stream stream) {
  require_device();
  check_sizes(B, D);
  check_ptr(x, B, "x");
  check_ptr(score, B, "score");
  const NoisyCoefficients k = langevin_coefficients(step_size);
  check_key(key, B);
  launch_noisy<T>(x, score, B, D, T(k.a), T(k.b), T(k.noise_std), key, as_stream(stream));
}

template <class T>
void ddpm_step(T* x, const T* eps_pred, std::int64_t B, std::int64_t D, double beta,
               double alpha_bar, double alpha_bar_prev, const NoiseKey& key, Stream stream) {
  require_device();
  check_sizes(B, D);
  check_ptr(x, B, "x");
  check_ptr(eps_pred, B, "eps");
  const NoisyCoefficients k = ddpm_coefficients(beta, alpha_bar, alpha_bar_prev);
  check_key(key, B);
  const T a = T(k.a), b = T(k.b);
  if (!(k.noise_std > 0)) {  // last step: the posterior mean, no noise drawn
    launch_affine3<T>(x, eps_pred, nullptr, B * D, a, b, 2, as_stream(stream));
    return;
  }
  launch_noisy<T>(x, eps_pred, B, D, a, b, T(k.noise_std), key, as_stream(stream));
}

#define SO_INSTANTIATE(T)                                                                         \
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
