// Internals shared by the CUDA sources: error checks, device-pointer checks, stream-ordered
// buffers; the per-row evaluation is row_evaluation.hpp, shared with the CPU driver. Nothing
// here is installed.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>
#include <stdexcept>
#include <type_traits>
#include <string>
#include <vector>

#include "scoreopt/cuda.hpp"
#include "scoreopt/functions/cec2017.hpp"
#include "scoreopt/functions/context.hpp"
#include "scoreopt/problem.hpp"
#include "scoreopt/math.hpp"
#include "scoreopt/random.hpp"
#include "../row_evaluation.hpp"

namespace scoreopt::cuda::detail {

// Throws std::runtime_error("scoreopt CUDA: <what> failed: <error name>: <error string>").
[[noreturn]] void fail(cudaError_t err, const char* what);

#define SO_CUDA_CHECK(call)                                           \
  do {                                                                \
    const cudaError_t so_err_ = (call);                               \
    if (so_err_ != cudaSuccess) ::scoreopt::cuda::detail::fail(so_err_, #call); \
  } while (0)

// After every <<<...>>>: a bad configuration is reported here, a fault in the kernel by the
// synchronization at the end of the call.
#define SO_CUDA_LAUNCHED(kernel_name) ::scoreopt::cuda::detail::check_launch(kernel_name)
void check_launch(const char* kernel_name);

inline cudaStream_t as_stream(Stream s) { return static_cast<cudaStream_t>(s); }

// Throws std::invalid_argument unless p (when non-null, or always when required) points into
// device or managed memory of the current device.
void check_device_pointer(const void* p, const char* name, bool required = true);

// Current device's multiprocessor count and opt-in shared memory limit.
struct DeviceProps {
  int sms;
  int max_smem_optin;
};
DeviceProps device_props();

// A stream-ordered device allocation from scoreopt's pool (cudaMallocFromPoolAsync /
// cudaFreeAsync on the call's stream; see runtime.cu).
class Buffer {
 public:
  Buffer(std::size_t bytes, cudaStream_t stream);
  ~Buffer();
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  template <class T>
  T* as() const { return static_cast<T*>(ptr_); }

 private:
  void* ptr_ = nullptr;
  cudaStream_t stream_;
};

// A device copy of a host vector (nullptr when empty).
template <class T>
struct DeviceVector {
  Buffer buf;
  const T* ptr;
  DeviceVector(const std::vector<T>& host, cudaStream_t stream)
      : buf(host.size() * sizeof(T), stream), ptr(host.empty() ? nullptr : buf.as<T>()) {
    if (!host.empty())
      SO_CUDA_CHECK(cudaMemcpyAsync(buf.as<T>(), host.data(), host.size() * sizeof(T),
                                    cudaMemcpyHostToDevice, stream));
  }
};

// Device flags read back once at the end of a call: first bad row of X / params / sigma.
struct Flags {
  unsigned long long bad_x, bad_params, bad_sigma;
};
constexpr unsigned long long kNone = ~0ull;

// Enqueues the copy of the flags and synchronizes the stream (surfacing kernel faults).
Flags read_flags(const Flags* device_flags, cudaStream_t stream);
void sync(cudaStream_t stream);

// Blocks of `threads` covering n work items, capped (kernels loop grid-stride beyond the cap).
inline unsigned grid_for(std::int64_t n, int threads, std::int64_t cap = 65535LL * 16) {
  std::int64_t b = (n + threads - 1) / threads;
  if (b < 1) b = 1;
  return static_cast<unsigned>(b < cap ? b : cap);
}

// ---- device side ---------------------------------------------------------------------------

// The wrapper of row_evaluation.hpp, and whether the problem has one.
template <class T>
struct DeviceAffine : rows::Affine<T> {
  bool on;
};

// Philox block j of random::normal_vector(seed, stream, sample, d, .): the normals of
// coordinates j, B + j, 2B + j and 3B + j (B = ceil(d / 4)), computed exactly as there, so that
// one thread per (row, block) reproduces the CPU noise without the rest of the row.
template <class T>
__device__ __forceinline__ void noise_block(std::uint64_t seed, std::uint64_t stream,
                                            std::uint32_t sample, int j, T z[4]) {
  const random::U4 r =
      random::philox4x32(std::uint32_t(j), sample, std::uint32_t(stream),
                         std::uint32_t(stream >> 32), std::uint32_t(seed), std::uint32_t(seed >> 32));
  random::box_muller<T>(r.v[0], r.v[1], z[0], z[1]);
  random::box_muller<T>(r.v[2], r.v[3], z[2], z[3]);
}

// Per-problem device state of an evaluation: the constants table and the affine wrapper, copied
// from the Problem for this call.
template <class T>
struct ProblemOnDevice {
  DeviceVector<T> table;
  std::vector<T> matrix_host, shift_host;
  DeviceVector<T> matrix, shift;
  Context<T> ctx;
  DeviceAffine<T> aff;
  ProblemOnDevice(const Problem& p, cudaStream_t stream)
      : table(p.table<T>(), stream),
        matrix_host(p.affine().matrix.begin(), p.affine().matrix.end()),
        shift_host(p.affine().shift.begin(), p.affine().shift.end()),
        matrix(matrix_host, stream),
        shift(shift_host, stream) {
    for (std::size_t k = 0; k < p.options().size() && k < 4; ++k) ctx.option[k] = p.options()[k];
    ctx.table = table.ptr;
    ctx.work = nullptr;
    aff.on = !p.affine().empty();
    aff.matrix = matrix.ptr;
    aff.shift = shift.ptr;
    aff.scale = static_cast<T>(p.affine().scale);
    aff.bias = static_cast<T>(p.affine().bias);
  }
};

// Thread-private scratch of the row evaluation: the function's scratch (F::scratch) and, with an
// affine wrapper, z and gz. Rounded up to a whole number of doubles per thread, because the
// suite functions reuse float scratch as doubles.
template <class T>
inline int scratch_per_thread(int fn_scratch, int d, bool affine) {
  std::int64_t n = fn_scratch + (affine ? 2 * std::int64_t(d) : 0);
  const int per_double = int(sizeof(double) / sizeof(T));
  n = (n + per_double - 1) / per_double * per_double;
  return static_cast<int>(n);
}

}  // namespace scoreopt::cuda::detail
