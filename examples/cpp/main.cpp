// DIDA from C++ through the installed SDK: once on a built-in problem (evaluated and sampled in
// the core), once on a C++ objective of our own given as a batch function.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <vector>

#include "scoreopt/optimizers.hpp"
#include "scoreopt/problem.hpp"

int main() {
  try {
    scoreopt::SamplingOptions options;
    options.method = scoreopt::SamplingOptions::Method::Dida;
    options.budget = 200000;
    options.seed = 0;

    // 1. rastrigin, d = 20, on its standard box [-5.12, 5.12]^d; the minimum is 0 at x = 0.
    const int dim = 20;
    scoreopt::Problem problem("rastrigin", dim);
    std::vector<double> lower(dim, problem.info().lower), upper(dim, problem.info().upper);
    scoreopt::OptimizeResult r1 = scoreopt::minimize(problem, lower, upper, options, {});
    std::printf("rastrigin d=%d: best %.3e after %lld evaluations (%s)\n", dim, r1.fun,
                static_cast<long long>(r1.nfev), r1.message.c_str());

    // 2. our own objective: a shifted sphere, f(x) = sum_i (x_i - c_i)^2 with c_i = 0.1 i - 0.5,
    // minimum 0 at x = c, on the box [-2, 2]^d.
    const int d2 = 10;
    std::vector<double> c(d2);
    for (int i = 0; i < d2; ++i) c[i] = 0.1 * i - 0.5;
    scoreopt::BatchObjective shifted_sphere = [&c, d2](const double* X, std::int64_t n, double* f) {
      for (std::int64_t k = 0; k < n; ++k) {
        double s = 0;
        for (int i = 0; i < d2; ++i) {
          const double t = X[k * d2 + i] - c[i];
          s += t * t;
        }
        f[k] = s;
      }
    };
    std::vector<double> lo2(d2, -2.0), hi2(d2, 2.0);
    scoreopt::OptimizeResult r2 = scoreopt::minimize(shifted_sphere, d2, lo2, hi2, options, {});
    double err = 0;
    for (int i = 0; i < d2; ++i) err = std::fmax(err, std::fabs(r2.x[i] - c[i]));
    std::printf("shifted sphere d=%d: best %.3e, max |x - c| %.3e after %lld evaluations\n", d2,
                r2.fun, err, static_cast<long long>(r2.nfev));

    const bool ok = r1.fun < 1e-6 && r2.fun < 1e-8 && err < 1e-4;
    std::printf("%s\n", ok ? "OK" : "FAILED: an optimum was missed");
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
}
