// What this build of the core was compiled with, and what it can reach at run time.
#pragma once

#include <string>

namespace scoreopt {

// True when the library was built with its CUDA sources (SCOREOPT_CUDA on).
bool cuda_compiled();

// Number of visible CUDA devices; 0 when CUDA is not compiled in or no driver/device is present.
int cuda_device_count();

// Compiler, flags and options the core was built with, for bug reports and benchmark records.
std::string build_info();

}  // namespace scoreopt
