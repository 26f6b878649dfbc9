// The CUDA backend of the core: batched evaluation (and gradients) of every registry and suite
// function, the fused smoothing estimator and the integrator steps, on device memory.
//
// Conventions, shared by every function here:
//   * Array arguments are raw pointers to CUDA device (or managed) memory of the *current* device,
//     laid out exactly as for the CPU functions of problem.hpp, smoothing.hpp and integrators.hpp
//     (row-major, C-contiguous). Host pointers are rejected with std::invalid_argument.
//   * `stream` is a cudaStream_t passed as void* (nullptr: the legacy default stream), so this
//     header needs neither the CUDA toolkit nor any framework. Work is enqueued on that stream.
//     evaluate and smoothing_estimate synchronize it before returning: that is where non-finite
//     inputs are reported (as on the CPU) and asynchronous kernel faults surface as exceptions.
//     The integrator steps have no data-dependent errors and return without synchronizing.
//   * Every CUDA API call and kernel launch is checked; a failure throws std::runtime_error
//     naming the call and the CUDA error. Argument errors throw std::invalid_argument with the
//     same messages as the CPU path.
//   * The math is the CPU path's: the same functors (functions/*.hpp), the same FastMath-then-
//     PreciseMath rule per row, the same Philox noise keyed by (seed, stream, sample). Results
//     agree with the CPU core to rounding (summation order and FMA contraction differ).
// A core built without CUDA (SCOREOPT_CUDA=OFF or no nvcc) still declares and defines all of
// these; they throw std::runtime_error("... built without CUDA ...").
#pragma once

#include <cstdint>

#include "scoreopt/integrators.hpp"
#include "scoreopt/problem.hpp"
#include "scoreopt/smoothing.hpp"

namespace scoreopt::cuda {

using Stream = void*;  // a cudaStream_t

// Number of visible devices (0 without a driver, a device, or CUDA support in this build).
int device_count();

// Throws std::runtime_error unless this build has CUDA and at least one device is visible.
void require_device();

// Problem::evaluate on the device: X n x dim, params params_rows x num_params (or nullptr), f n,
// grad n x dim or nullptr. Throws std::invalid_argument for non-finite X rows (first row named)
// or parameters, like the CPU path.
template <class T>
void evaluate(const Problem& problem, const T* X, std::int64_t n, const T* params,
              std::int64_t params_rows, T* f, T* grad, Stream stream);

// smoothing_estimate on the device. X (m x dim), sigma (sigma_len), params and every pointer of
// `out` are device pointers; options.lower / options.upper stay *host* arrays of dim doubles (they
// are copied to the device). chunk_size bounds the samples one work item accumulates (the
// gradient / weighted-mean partial sums kept are m * ceil(samples / chunk) * dim doubles); the
// M x K x dim samples are never stored, only the M x K values.
template <class T>
void smoothing_estimate(const Problem& problem, const T* X, std::int64_t m, const T* sigma,
                        std::int64_t sigma_len, const T* params, std::int64_t params_rows,
                        const SmoothingOptions& options, const SmoothingResult<T>& out,
                        std::int64_t chunk_size, Stream stream);

// The integrator steps of integrators.hpp on device arrays (B x D), in place on x.
template <class T>
void euler_step(T* x, const T* v, std::int64_t B, std::int64_t D, double dt, Stream stream);
template <class T>
void heun_step(T* x, const T* v1, const T* v2, std::int64_t B, std::int64_t D, double dt,
               Stream stream);
template <class T>
void euler_maruyama_step(T* x, const T* score, std::int64_t B, std::int64_t D, double f, double g,
                         double dt, const NoiseKey& key, Stream stream);
template <class T>
void langevin_step(T* x, const T* score, std::int64_t B, std::int64_t D, double step_size,
                   const NoiseKey& key, Stream stream);
template <class T>
void ddpm_step(T* x, const T* eps_pred, std::int64_t B, std::int64_t D, double beta,
               double alpha_bar, double alpha_bar_prev, const NoiseKey& key, Stream stream);

}  // namespace scoreopt::cuda
