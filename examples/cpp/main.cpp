// The sampling optimizers from C++ through the installed SDK, with no Python: DIDA on a built-in
// problem (evaluated in the core), on a C++ objective of our own given as a batch function, and
// with restarts; MBD; CDIDA (the default method); and hand-driven ask/tell loops.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <vector>

#include "scoreopt/problem.hpp"
#include "scoreopt/sampling_optimizer.hpp"

int main() {
  try {
    scoreopt::SamplingOptions options;
    options.method = scoreopt::Method::Dida;
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

    // 3. DIDA with restarts: the budget split into 3 annealing cycles, each from a random point of
    // the box; options can also be set by name (as a configuration file would).
    scoreopt::SamplingOptions with_restarts = options;
    with_restarts.set("restarts", std::int64_t(2));
    with_restarts.set("budget", std::int64_t(150000));
    const int d3 = 10;
    scoreopt::Problem rastrigin10("rastrigin", d3);
    std::vector<double> lo3(d3, -5.12), hi3(d3, 5.12);
    scoreopt::OptimizeResult r3 = scoreopt::minimize(rastrigin10, lo3, hi3, with_restarts, {});
    std::printf("rastrigin d=%d, DIDA with 2 restarts: best %.3e after %lld evaluations\n", d3, r3.fun,
                static_cast<long long>(r3.nfev));

    // 4. MBD (model-based diffusion), its noise schedule computed by the engine, driven by hand
    // through ask/tell on the shifted sphere.
    scoreopt::SamplingOptions mbd;
    mbd.method = scoreopt::Method::Mbd;
    mbd.budget = 100000;
    scoreopt::SamplingOptimizer opt(d2, lo2, hi2, mbd);
    std::vector<double> X(static_cast<size_t>(opt.popsize() * d2)), f(static_cast<size_t>(opt.popsize()));
    while (!opt.stop()) {
      opt.ask(X.data());
      shifted_sphere(X.data(), opt.popsize(), f.data());
      opt.tell(X.data(), f.data());
    }
    const scoreopt::OptimizeResult r4 = opt.result();
    std::printf("shifted sphere d=%d, MBD: best %.3e after %lld evaluations (final sigma %.3e)\n", d2,
                r4.fun, static_cast<long long>(r4.nfev), opt.sigma());

    // 5. CDIDA, the default method (a learned covariance, Bipop restarts), on an ellipsoid of
    // condition 1e6 seen through a Householder reflection H = I - 2 v v^T / |v|^2 (not
    // axis-aligned), driven through ask/tell: the population grows at restarts, so the buffers
    // follow popsize().
    const int d5 = 10;
    std::vector<double> v(d5);
    double vv = 0;
    for (int i = 0; i < d5; ++i) vv += (v[i] = 1.0 + 0.3 * i) * v[i];
    auto ellipsoid = [&](const double* X, std::int64_t n, double* f) {
      for (std::int64_t k = 0; k < n; ++k) {
        const double* x = X + k * d5;
        double vx = 0;
        for (int i = 0; i < d5; ++i) vx += v[i] * (x[i] - 1.0);
        double s = 0;
        for (int i = 0; i < d5; ++i) {
          const double z = (x[i] - 1.0) - 2.0 * v[i] * vx / vv;
          s += std::pow(10.0, 6.0 * i / (d5 - 1)) * z * z;
        }
        f[k] = s;
      }
    };
    scoreopt::SamplingOptions cdida;
    cdida.method = scoreopt::Method::Cdida;
    cdida.budget = 100000;
    std::vector<double> lo5(d5, -5.0), hi5(d5, 5.0);
    scoreopt::SamplingOptimizer opt5(d5, lo5, hi5, cdida);
    std::vector<double> X5, f5;
    while (!opt5.stop()) {
      X5.resize(static_cast<size_t>(opt5.popsize() * d5));
      f5.resize(static_cast<size_t>(opt5.popsize()));
      opt5.ask(X5.data());
      ellipsoid(X5.data(), opt5.popsize(), f5.data());
      opt5.tell(X5.data(), f5.data());
    }
    const scoreopt::OptimizeResult r5 = opt5.result();
    std::printf("rotated ellipsoid d=%d, CDIDA: best %.3e after %lld evaluations in %lld cycles\n", d5, r5.fun,
                static_cast<long long>(r5.nfev), static_cast<long long>(opt5.cycles()));

    const bool ok = r1.fun < 1e-6 && r2.fun < 1e-8 && err < 1e-4 && r3.fun < 1e-6 &&
                    r3.nfev == 150000 && r4.fun < 1e-2 && r5.fun < 1e-8 && r5.nfev <= 100000;
    std::printf("%s\n", ok ? "OK" : "FAILED: an optimum was missed");
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
}
