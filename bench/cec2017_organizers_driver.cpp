// The CEC2017 organizers' reference code (cec17_test_func.cpp, from their repository; it is not
// part of scoreopt and not in this repository) as a shared library for
// bench/test_cec2017_throughput.py's "organizers" column. This file only supplies the globals the
// reference code declares extern and one C entry point:
//
//   g++ -O2 -fPIC -shared -DCEC17_SOURCE='"/path/to/cec17_test_func.cpp"' \
//       bench/cec2017_organizers_driver.cpp -o /tmp/libcec17_organizers.so
//   SCOREOPT_CEC17_ORGANIZERS_LIB=/tmp/libcec17_organizers.so python -m pytest bench/test_cec2017_throughput.py ...
//
// The reference code reads its data from input_data/ under the working directory; the benchmark
// calls it from a folder whose input_data links to scoreopt's CEC2017 data (the same official
// files).
#include CEC17_SOURCE

double *OShift, *M, *y, *z, *x_bound;
int ini_flag = 0, n_flag, func_flag, *SS;

// f[0 .. mx) = F_func_num at the mx points of x (mx x nx, row-major), as cec17_test_func
extern "C" void organizers_cec17(double* x, double* f, int nx, int mx, int func_num) {
  cec17_test_func(x, f, nx, mx, func_num);
}
