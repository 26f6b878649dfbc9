// CUDA runtime plumbing shared by the kernels: device queries, error reporting, pointer checks,
// stream-ordered buffers.
#include <cuda_runtime.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "common.cuh"

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

void require_device() {
  int n = 0;
  const cudaError_t err = cudaGetDeviceCount(&n);
  if (err != cudaSuccess) {
    cudaGetLastError();
    throw std::runtime_error(std::string("scoreopt CUDA: no usable CUDA device (cudaGetDeviceCount: ") +
                             cudaGetErrorName(err) + ": " + cudaGetErrorString(err) + ")");
  }
  if (n == 0) throw std::runtime_error("scoreopt CUDA: no CUDA device is visible");
}

namespace detail {

void fail(cudaError_t err, const char* what) {
  cudaGetLastError();  // clear a non-sticky error so later calls start clean
  throw std::runtime_error(std::string("scoreopt CUDA: ") + what + " failed: " +
                           cudaGetErrorName(err) + ": " + cudaGetErrorString(err));
}

void check_launch(const char* kernel_name) {
  const cudaError_t err = cudaGetLastError();
  if (err != cudaSuccess)
    throw std::runtime_error(std::string("scoreopt CUDA: launch of ") + kernel_name + " failed: " +
                             cudaGetErrorName(err) + ": " + cudaGetErrorString(err));
}

void check_device_pointer(const void* p, const char* name, bool required) {
  if (p == nullptr) {
    if (required) throw std::invalid_argument(std::string(name) + ": null pointer");
    return;
  }
  cudaPointerAttributes attr{};
  SO_CUDA_CHECK(cudaPointerGetAttributes(&attr, p));
  if (attr.type != cudaMemoryTypeDevice && attr.type != cudaMemoryTypeManaged)
    throw std::invalid_argument(std::string(name) +
                                ": expected a pointer to CUDA device memory, got host memory");
  int current = 0;
  SO_CUDA_CHECK(cudaGetDevice(&current));
  if (attr.type == cudaMemoryTypeDevice && attr.device != current)
    throw std::invalid_argument(std::string(name) + ": memory of CUDA device " +
                                std::to_string(attr.device) + ", but the current device is " +
                                std::to_string(current));
}

DeviceProps device_props() {
  // queried once per device: launches ask for them every call
  static std::mutex mu;
  static std::map<int, DeviceProps> known;
  int dev = 0;
  SO_CUDA_CHECK(cudaGetDevice(&dev));
  std::lock_guard<std::mutex> lock(mu);
  auto it = known.find(dev);
  if (it != known.end()) return it->second;
  DeviceProps p{};
  SO_CUDA_CHECK(cudaDeviceGetAttribute(&p.sms, cudaDevAttrMultiProcessorCount, dev));
  SO_CUDA_CHECK(cudaDeviceGetAttribute(&p.max_smem_optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, dev));
  known[dev] = p;
  return p;
}

namespace {

// Scratch comes from a stream-ordered pool of our own per device, which keeps up to 64 MiB cached
// across calls: the default pool returns everything to the driver at each synchronization, and
// every call synchronizes, so small buffers (flags, tables) would be mapped anew each time. The
// user's default pool is left as it is.
cudaMemPool_t scratch_pool() {
  static std::mutex mu;
  static std::map<int, cudaMemPool_t> pools;
  int dev = 0;
  SO_CUDA_CHECK(cudaGetDevice(&dev));
  std::lock_guard<std::mutex> lock(mu);
  auto it = pools.find(dev);
  if (it != pools.end()) return it->second;
  cudaMemPoolProps props{};
  props.allocType = cudaMemAllocationTypePinned;
  props.handleTypes = cudaMemHandleTypeNone;
  props.location.type = cudaMemLocationTypeDevice;
  props.location.id = dev;
  cudaMemPool_t pool = nullptr;
  SO_CUDA_CHECK(cudaMemPoolCreate(&pool, &props));
  std::uint64_t keep = std::uint64_t(64) << 20;
  SO_CUDA_CHECK(cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &keep));
  pools[dev] = pool;
  return pool;
}

}  // namespace

Buffer::Buffer(std::size_t bytes, cudaStream_t stream) : stream_(stream) {
  if (bytes) SO_CUDA_CHECK(cudaMallocFromPoolAsync(&ptr_, bytes, scratch_pool(), stream));
}

Buffer::~Buffer() {
  // A destructor cannot throw: a failed free stays in cudaGetLastError, where the next launch
  // check of this thread reports it.
  if (ptr_) cudaFreeAsync(ptr_, stream_);
}

void sync(cudaStream_t stream) { SO_CUDA_CHECK(cudaStreamSynchronize(stream)); }

Flags read_flags(const Flags* device_flags, cudaStream_t stream) {
  Flags host{};
  SO_CUDA_CHECK(cudaMemcpyAsync(&host, device_flags, sizeof host, cudaMemcpyDeviceToHost, stream));
  sync(stream);
  return host;
}

}  // namespace detail
}  // namespace scoreopt::cuda
