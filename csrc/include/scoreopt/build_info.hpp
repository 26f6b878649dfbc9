// What this build of the core was compiled with, and what it can reach at run time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace scoreopt {

// True when the library was built with its CUDA sources (SCOREOPT_CUDA on).
bool cuda_compiled();

// Number of visible CUDA devices; 0 when CUDA is not compiled in or no driver/device is present.
int cuda_device_count();

// Compiler, flags and options the core was built with, for bug reports and benchmark records.
std::string build_info();

// Runtime SIMD dispatch. The evaluation kernels are compiled once per instruction set (a portable
// build: "avx512" = x86-64-v4, "avx2" = x86-64-v3, "baseline" = x86-64-v2; a SCOREOPT_ARCH build:
// one path, "native" or the -march it names). The first evaluation (or simd_path()) chooses the
// best one this CPU supports, or the one the environment variable SCOREOPT_SIMD names
// (auto | avx512 | avx2 | baseline); an unknown or unsupported name throws std::invalid_argument
// naming SCOREOPT_SIMD and the allowed values.
std::string simd_path();
std::string simd_path_reason();  // "best supported", "SCOREOPT_SIMD=avx2", ...
std::vector<std::string> simd_paths();            // compiled in this build, best first
std::vector<std::string> supported_simd_paths();  // those this CPU can run, best first
// Switches the path for the whole process ("auto": the best supported); throws
// std::invalid_argument naming `path` for an unknown or unsupported name. For tests and
// benchmarks that compare paths; evaluations already running finish on the path they started on.
void set_simd_path(const std::string& path);

// For the accuracy tests: out[i] = op(x[i]) (y[i] the second argument of pow) with the vector
// math of the current path, or with the C library when libm. op is eval_abi::VecOp
// (csrc/src/evaluate_kernels.hpp): 0 exp, 1 log, 2 pow (scoreopt/vecmath.hpp), 3 sin, 4 cos
// (FastMath), 5 T_asy with coefficient y, 6, 7, 8 exp, log, pow returning NaN where they defer
// to the C library, 9 expm1, 10, 11 float sin, cos, 12 T_osz to a few ulp, 13 double sin by one
// polynomial. std::invalid_argument for another op, or for pow and T_asy without y.
void vecmath_on_path(int op, const double* x, const double* y, double* out, std::int64_t n,
                     bool libm);

}  // namespace scoreopt
