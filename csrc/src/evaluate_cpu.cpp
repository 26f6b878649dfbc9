// Problem::evaluate: argument checks, then the evaluation kernels of the SIMD path chosen once per
// process (evaluate_kernels.cpp, one compiled copy per instruction set), and that choice.
#include <omp.h>

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "evaluate_kernels.hpp"
#include "scoreopt/build_info.hpp"
#include "scoreopt/problem.hpp"
#include "scoreopt_build_config.hpp"

// The copies that CMake compiled (SCOREOPT_SIMD_<name> definitions, see CMakeLists.txt).
#if defined(SCOREOPT_SIMD_avx512)
SO_DECLARE_EVAL_KERNELS(so_avx512)
#endif
#if defined(SCOREOPT_SIMD_avx2)
SO_DECLARE_EVAL_KERNELS(so_avx2)
#endif
#if defined(SCOREOPT_SIMD_baseline)
SO_DECLARE_EVAL_KERNELS(so_baseline)
#endif
#if defined(SCOREOPT_SIMD_native)
SO_DECLARE_EVAL_KERNELS(so_native)
#endif

namespace scoreopt {

namespace {

std::atomic<int> g_num_threads{0};

// ---- thread policy ------------------------------------------------------------------------------
// A batched call wakes worker threads only when it is worth it and when there are cores to run
// them (README.md, "Threads"):
//   * below kParallelWork coordinate evaluations (row evaluations times d, times d again under a
//     rotation matrix) it runs on the calling thread: waking a sleeping worker costs tens of
//     microseconds, about what 2^18 cheap coordinates take;
//   * above, one thread per kParallelWork, at most num_threads();
//   * and at most as many as there are idle cores now (Linux: the number of runnable tasks in
//     /proc/loadavg, the calling thread included): on a machine that other busy processes share,
//     a parallel call would wait for its slowest thread, which waits for the OS scheduler's next
//     time slice (milliseconds: longer than a whole call), so there it runs on fewer threads,
//     down to one, and is never slower than the single-threaded core.
// Worker threads sleep when idle instead of spinning: scoreopt/__init__.py sets
// OMP_WAIT_POLICY=passive (unless set) before the OpenMP runtime loads. Where the runtime spins
// anyway (another library loaded libgomp first, as `import torch` does, or the user asked for an
// active policy), our own workers spin for milliseconds after each call; they are this process's
// pool, not another process's load, so the runnable count leaves them out (t_worker_tid).
// Without that, every call after a parallel one saw its own spinning worker as a busy core and
// ran on one thread: with torch imported first, half of the calls (measured: schwefel, N = 10^5,
// D = 100, float32, median 4.3 ms instead of 2.7 on this 2-core machine).
// SCOREOPT_ADAPTIVE_THREADS=0 turns the idle-core limit off.
constexpr std::int64_t kParallelWork = std::int64_t(1) << 18;

// The calling thread's pool of workers by OpenMP thread number (1, 2, ...; 0 is the caller) as
// kernel thread ids, 0 where none was noted; each worker notes itself at the start of every
// parallel evaluation (the job carries this thread's array). Per calling thread, because each
// thread that starts a parallel region has its own pool: another thread's busy workers are load.
// The workers write inside a region and the caller reads after it ended (the region's join orders
// the two).
constexpr int kTrackedWorkers = 256;
thread_local long t_worker_tid[kTrackedWorkers];

// The threads the calling thread's most recent batched evaluation ran on (last_evaluation_threads).
thread_local int t_last_threads = 0;

#if defined(__linux__)
// Whether thread tid of this process is runnable now (the state field of its /proc stat line).
bool own_thread_runnable(long tid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/self/task/%ld/stat", tid);
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;  // the thread has exited
  char buf[512];
  const ssize_t len = ::read(fd, buf, sizeof(buf) - 1);
  ::close(fd);
  if (len <= 0) return false;
  buf[len] = '\0';
  // "tid (comm) S ...": comm may hold spaces and parentheses, the state follows the last ')'
  const char* p = std::strrchr(buf, ')');
  return p && p[1] == ' ' && p[2] == 'R';
}
#endif

// The cores free for `wanted` threads of this call (at most `wanted` is ever needed).
int idle_cores(int wanted) {
#if defined(__linux__)
  const char* adapt = std::getenv("SCOREOPT_ADAPTIVE_THREADS");
  if (adapt && adapt[0] == '0' && adapt[1] == '\0') return std::numeric_limits<int>::max();
  const int fd = ::open("/proc/loadavg", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::numeric_limits<int>::max();
  char buf[128];
  const ssize_t len = ::read(fd, buf, sizeof(buf) - 1);
  ::close(fd);
  if (len <= 0) return std::numeric_limits<int>::max();
  buf[len] = '\0';
  // "0.52 0.48 0.41 3/621 12345": the fourth field is runnable/total scheduling entities
  const char* p = buf;
  for (int field = 0; field < 3 && p; ++field) {
    p = std::strchr(p, ' ');
    if (p) ++p;
  }
  if (!p) return std::numeric_limits<int>::max();
  const long running = std::strtol(p, nullptr, 10);
  const int procs = omp_get_num_procs();
  long others = running - 1;  // the calling thread is one of the runnable ones
  // Our spinning workers are only looked up when they could decide the answer (one /proc read
  // per worker; none on an idle machine).
  for (int i = 1; i < kTrackedWorkers && procs - others < wanted && others > 0; ++i) {
    const long tid = t_worker_tid[i];
    if (tid == 0) break;
    if (own_thread_runnable(tid)) --others;
  }
  const long idle = procs - others;
  return idle < 1 ? 1 : static_cast<int>(idle);
#else
  return std::numeric_limits<int>::max();
#endif
}

int threads_for(std::int64_t cost, std::int64_t n, int nthreads) {
  if (nthreads <= 1 || n < 2 || cost < kParallelWork) return 1;
  std::int64_t t = cost / kParallelWork;
  if (t > nthreads) t = nthreads;
  if (t > n) t = n;
  if (t > 1) {
    const int idle = idle_cores(static_cast<int>(t));
    if (t > idle) t = idle;
  }
  return static_cast<int>(t);
}

template <class T>
bool overlaps(const T* a, std::int64_t na, const T* b, std::int64_t nb) {
  if (!a || !b || na <= 0 || nb <= 0) return false;
  const auto a0 = reinterpret_cast<std::uintptr_t>(a), b0 = reinterpret_cast<std::uintptr_t>(b);
  return a0 < b0 + std::uintptr_t(nb) * sizeof(T) && b0 < a0 + std::uintptr_t(na) * sizeof(T);
}

struct Path {
  const char* name;
  const char* isa;  // what the copy was compiled for
  bool (*supported)();
  eval_abi::KernelF32 f32;
  eval_abi::KernelF64 f64;
  eval_abi::VecMath vecmath;
};

#if defined(__x86_64__) || defined(__i386__)
bool has_avx512() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("x86-64-v4");
}
bool has_avx2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("x86-64-v3");
}
bool has_v2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("x86-64-v2");
}
#endif
[[maybe_unused]] bool always() { return true; }

// Best first.
const std::vector<Path>& compiled_paths() {
  static const std::vector<Path> paths = [] {
    std::vector<Path> p;
#if defined(SCOREOPT_SIMD_native)
    p.push_back({"native", "-march=native of the building machine", &always,
                 &so_native::kernels::evaluate, &so_native::kernels::evaluate, &so_native::kernels::vecmath});
#endif
#if defined(SCOREOPT_SIMD_avx512)
    p.push_back({"avx512", "x86-64-v4: AVX-512 F/BW/CD/DQ/VL, FMA", &has_avx512,
                 &so_avx512::kernels::evaluate, &so_avx512::kernels::evaluate, &so_avx512::kernels::vecmath});
#endif
#if defined(SCOREOPT_SIMD_avx2)
    p.push_back({"avx2", "x86-64-v3: AVX2, FMA, BMI2", &has_avx2, &so_avx2::kernels::evaluate,
                 &so_avx2::kernels::evaluate, &so_avx2::kernels::vecmath});
#endif
#if defined(SCOREOPT_SIMD_baseline)
#if defined(__x86_64__) || defined(__i386__)
    p.push_back({"baseline", "x86-64-v2: SSE4.2, POPCNT", &has_v2, &so_baseline::kernels::evaluate,
                 &so_baseline::kernels::evaluate, &so_baseline::kernels::vecmath});
#else
    p.push_back({"baseline", "the compiler's default for this architecture", &always,
                 &so_baseline::kernels::evaluate, &so_baseline::kernels::evaluate, &so_baseline::kernels::vecmath});
#endif
#endif
    return p;
  }();
  return paths;
}

std::string path_names() {
  std::string s;
  for (const Path& p : compiled_paths()) s += (s.empty() ? "" : ", ") + std::string(p.name);
  return s;
}

std::string supported_simd_paths_text() {
  std::string s;
  for (const Path& p : compiled_paths())
    if (p.supported()) s += (s.empty() ? "" : ", ") + std::string(p.name);
  return "auto, " + s + " (those this CPU supports among the compiled ones)";
}

std::mutex g_path_mutex;
std::atomic<const Path*> g_path{nullptr};
std::string g_path_reason;

// Chooses a path (or throws): `requested` empty or "auto" means the best one this CPU runs.
const Path* choose(const std::string& requested, const char* what) {
  const auto& paths = compiled_paths();
  if (requested.empty() || requested == "auto") {
    for (const Path& p : paths)
      if (p.supported()) return &p;
    throw std::runtime_error(
        "scoreopt: this CPU supports none of the compiled SIMD paths (" + path_names() +
        "); the baseline needs x86-64-v2 (SSE4.2, POPCNT)");
  }
  for (const Path& p : paths) {
    if (requested != p.name) continue;
    if (!p.supported())
      throw std::invalid_argument(std::string(what) + ": the SIMD path '" + requested +
                                  "' (" + p.isa + ") is not supported by this CPU; allowed: " +
                                  supported_simd_paths_text());
    return &p;
  }
  throw std::invalid_argument(std::string(what) + ": unknown SIMD path '" + requested +
                              "'; allowed: auto, " + path_names() + " (compiled in this build)");
}

const Path& current_path() {
  const Path* p = g_path.load(std::memory_order_acquire);
  if (p) return *p;
  std::lock_guard<std::mutex> lock(g_path_mutex);
  p = g_path.load();
  if (!p) {
    const char* env = std::getenv("SCOREOPT_SIMD");
    const std::string req = env ? env : "";
    p = choose(req, "SCOREOPT_SIMD");
    g_path_reason = req.empty() || req == "auto" ? "best supported" : "SCOREOPT_SIMD=" + req;
    g_path.store(p, std::memory_order_release);
  }
  return *p;
}

}  // namespace

// The row drivers' input prefetch (evaluate_kernels.cpp, prefetch_ahead) helped on the Intel Xeon
// VM (f1 at D = 40: 0.86x the time) and slowed every cheap row on the AMD Zen 4 VM (without it:
// sphere float32 D = 100 1.11-1.15x the rate, f1 float64 D = 40 1.06-1.16x, f5 D = 100
// 1.04-1.26x, both cores; bench/RESULTS.md, "the rows' prefetch by CPU vendor"): asked for
// everywhere but on AMD CPUs, the rule of the two machines measured.
bool eval_abi::prefetch_helps() {
#if defined(__x86_64__) || defined(__i386__)
  static const bool helps = [] {
    __builtin_cpu_init();
    return !__builtin_cpu_is("amd");
  }();
  return helps;
#else
  return true;
#endif
}

void eval_abi::note_worker_thread(long* worker_tids) {
#if defined(__linux__)
  const int i = omp_get_thread_num();
  if (worker_tids == nullptr || i <= 0 || i >= kTrackedWorkers) return;
  thread_local const long tid = ::syscall(SYS_gettid);
  if (worker_tids[i] != tid) worker_tids[i] = tid;
#else
  (void)worker_tids;
#endif
}

void set_num_threads(int n) {
  if (n < 0) throw std::invalid_argument("n: number of threads must be >= 0, got " + std::to_string(n));
  g_num_threads = n;
}

int num_threads() {
  const int n = g_num_threads.load();
  if (n > 0) return n;
  // SCOREOPT_NUM_THREADS (set by the process and Ray executors in their workers, see
  // scoreopt.distributed), read at each call so that a worker can set it after the import.
  if (const char* env = std::getenv("SCOREOPT_NUM_THREADS")) {
    if (*env) {
      char* end = nullptr;
      const long v = std::strtol(env, &end, 10);
      if (*end != '\0' || v < 0 || v > 4096)
        throw std::invalid_argument("SCOREOPT_NUM_THREADS: expected an integer from 0 (the default, "
                                    "one thread per core) to 4096, got '" + std::string(env) + "'");
      if (v > 0) return static_cast<int>(v);
    }
  }
  return omp_get_max_threads();
}

int last_evaluation_threads() { return t_last_threads; }

int evaluation_threads(std::int64_t n, int dim, bool rotated) {
  if (n < 0 || dim < 1) throw std::invalid_argument("n, dim: expected n >= 0 and dim >= 1");
  return threads_for(n * dim * (rotated ? dim : 1), n, num_threads());
}

std::string simd_path() { return current_path().name; }

std::string simd_path_reason() {
  current_path();
  std::lock_guard<std::mutex> lock(g_path_mutex);
  return g_path_reason;
}

std::vector<std::string> simd_paths() {
  std::vector<std::string> r;
  for (const Path& p : compiled_paths()) r.push_back(p.name);
  return r;
}

std::vector<std::string> supported_simd_paths() {
  std::vector<std::string> r;
  for (const Path& p : compiled_paths())
    if (p.supported()) r.push_back(p.name);
  return r;
}

void vecmath_on_path(int op, const double* x, const double* y, double* out, std::int64_t n,
                     bool libm) {
  using eval_abi::VecOp;
  constexpr int kOps = static_cast<int>(VecOp::Count);
  if (op < 0 || op >= kOps)
    throw std::invalid_argument("op: expected 0 to " + std::to_string(kOps - 1) + ", got " +
                                std::to_string(op));
  const VecOp vop = static_cast<VecOp>(op);
  if (y == nullptr && (vop == VecOp::Pow || vop == VecOp::PowChecked || vop == VecOp::PowFewUlp ||
                       vop == VecOp::Tasy || vop == VecOp::TasyFewUlp ||
                       vop == VecOp::TasyToszFewUlp))
    throw std::invalid_argument("y: pow and T_asy need a second argument");
  if (!libm) {
    current_path().vecmath(op, x, y, out, n);
    return;
  }
  // the C library, for comparison (this file is compiled without -ffast-math: scalar glibc)
  for (std::int64_t i = 0; i < n; ++i) {
    switch (static_cast<VecOp>(op)) {
      case VecOp::Exp: case VecOp::ExpChecked: case VecOp::ExpFewUlp:
        out[i] = std::exp(x[i]); break;
      case VecOp::Log: case VecOp::LogChecked: case VecOp::LogFewUlp:
        out[i] = std::log(x[i]); break;
      case VecOp::Pow: case VecOp::PowChecked: case VecOp::PowFewUlp:
        out[i] = std::pow(x[i], y[i]);
        break;
      case VecOp::Sin: case VecOp::SinByPi: case VecOp::SinAbsolute: case VecOp::SinChecked:
        out[i] = std::sin(x[i]); break;
      case VecOp::Cos: case VecOp::CosByPi: case VecOp::CosWide: case VecOp::CosChecked:
      case VecOp::CosCheckedWide:
        out[i] = std::cos(x[i]); break;
      case VecOp::PowHalf: out[i] = std::pow(x[i], 0.5); break;
      case VecOp::Expm1: out[i] = std::expm1(x[i]); break;
      // the float functions against the double C library on the same float argument, rounded
      // once to float (correctly rounded but for double rounding, ~1 in 2^29)
      case VecOp::SinFloat: out[i] = double(float(std::sin(double(float(x[i]))))); break;
      case VecOp::CosFloat: out[i] = double(float(std::cos(double(float(x[i]))))); break;
      default: throw std::invalid_argument("op: the C library has no T_osz/T_asy");
    }
  }
}

void set_simd_path(const std::string& name) {
  const Path* p = choose(name, "path");
  std::lock_guard<std::mutex> lock(g_path_mutex);
  g_path_reason = name.empty() || name == "auto" ? "best supported" : "set_simd_path(" + name + ")";
  g_path.store(p, std::memory_order_release);
}

template <class T>
void Problem::evaluate(const T* X, std::int64_t n, const T* params, std::int64_t params_rows,
                       T* f, T* grad, bool parallel) const {
  const FunctionInfo& fi = *info_;
  if (n <= 0) throw std::invalid_argument("X: empty batch; expected at least one row");
  const int np = fi.num_params;
  std::int64_t stride = 0;
  if (np > 0) {
    if (!params)
      throw std::invalid_argument("params: " + fi.name + " needs " + std::to_string(np) +
                                  " parameter(s) per row, shape (" + std::to_string(np) +
                                  ",) or (N, " + std::to_string(np) + "); none given");
    if (params_rows != 1 && params_rows != n)
      throw std::invalid_argument("params: expected 1 or " + std::to_string(n) + " rows, got " +
                                  std::to_string(params_rows));
    for (std::int64_t i = 0; i < params_rows * np; ++i)
      if (!std::isfinite(params[i]))
        throw std::invalid_argument("params: contains NaN or Inf (row " +
                                    std::to_string(i / np) + ")");
    stride = params_rows == 1 ? 0 : np;
  } else if (params) {
    throw std::invalid_argument("params: " + fi.name + " takes no parameters");
  }

  const T* ctx_table;
  if constexpr (std::is_same_v<T, double>) {
    ctx_table = table_d_.empty() ? nullptr : table_d_.data();
  } else {
    ctx_table = table_f_.empty() ? nullptr : table_f_.data();
  }

  if (grad && !fi.has_gradient)
    throw std::invalid_argument("gradient: " + fi.name + " has no analytic gradient");
  // The row code reads X and params through restrict pointers (see eval_row), so a grad that
  // overlaps them is undefined behaviour; an out that overlaps X would rewrite rows not yet read.
  const std::int64_t xlen = n * dim_, plen = np > 0 ? params_rows * np : 0;
  if (overlaps(f, n, X, xlen) || overlaps(f, n, params, plen) || overlaps(f, n, grad, grad ? xlen : 0))
    throw std::invalid_argument("out: overlaps X, params or grad; expected a separate buffer");
  if (grad && (overlaps(grad, xlen, X, xlen) || overlaps(grad, xlen, params, plen)))
    throw std::invalid_argument("grad: overlaps X or params; expected a separate buffer");
  if (fi.data_size && std::int64_t(data_.size()) != fi.data_size(dim_))
    throw std::invalid_argument("data: " + fi.name + " needs its instance data (Problem::with_data)");

  const bool aff = !affine_.empty();
  const T* aff_matrix = nullptr;
  const T* aff_shift = nullptr;
  if (aff) {
    if constexpr (std::is_same_v<T, double>) {
      aff_matrix = affine_.matrix.empty() ? nullptr : affine_.matrix.data();
      aff_shift = affine_.shift.empty() ? nullptr : affine_.shift.data();
    } else {
      aff_matrix = matrix_f_.empty() ? nullptr : matrix_f_.data();
      aff_shift = shift_f_.empty() ? nullptr : shift_f_.data();
    }
  }

  eval_abi::Job<T> job{fi.id, X, n, dim_, params, stride, np, ctx_table, {0, 0, 0, 0}, aff,
                       nullptr, nullptr, T(1), T(0), f, grad, 1, t_worker_tid,
                       eval_abi::prefetch_helps()};
  if (parallel) {
    const std::int64_t cost = n * dim_ * (aff_matrix ? dim_ : 1);
    job.nthreads = threads_for(cost, n, num_threads());
  }
  t_last_threads = job.nthreads;
  for (size_t k = 0; k < options_.size() && k < 4; ++k) job.option[k] = options_[k];
  if (aff) {
    job.matrix = aff_matrix;
    job.shift = aff_shift;
    job.scale = static_cast<T>(affine_.scale);
    job.bias = static_cast<T>(affine_.bias);
  }
  const Path& path = current_path();
  std::int64_t bad_row;
  if constexpr (std::is_same_v<T, double>) {
    bad_row = path.f64(job);
  } else {
    bad_row = path.f32(job);
  }
  if (bad_row != std::numeric_limits<std::int64_t>::max())
    throw std::invalid_argument("X: contains NaN or Inf (first at row " + std::to_string(bad_row) +
                                "); expected finite values");
}

template void Problem::evaluate<float>(const float*, std::int64_t, const float*, std::int64_t,
                                       float*, float*, bool) const;
template void Problem::evaluate<double>(const double*, std::int64_t, const double*, std::int64_t,
                                        double*, double*, bool) const;

}  // namespace scoreopt
