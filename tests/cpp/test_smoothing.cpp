// smoothing_estimate on the sphere against its closed form: for f = |x|^2 and y = x + sigma eps,
// F_sigma(x) = |x|^2 + d sigma^2 and grad F_sigma(x) = 2 x. Tolerances are 6 standard errors of
// the Monte Carlo means (the seed is fixed, so the test is deterministic).
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "check.hpp"
#include "scoreopt/problem.hpp"
#include "scoreopt/smoothing.hpp"

namespace {

void run() {
  const int d = 5;
  const std::int64_t m = 3, K = 40000;
  const double sigma = 0.5;
  scoreopt::Problem p("sphere", d);
  std::vector<double> X(m * d);
  for (std::int64_t k = 0; k < m; ++k)
    for (int i = 0; i < d; ++i) X[k * d + i] = 0.3 * (i - 2) + 0.5 * k;

  scoreopt::SmoothingOptions opt;
  opt.samples = K;
  opt.antithetic = true;
  opt.seed = 7;
  std::vector<double> value(m), grad(m * d), best_f(m), best_x(m * d);
  std::vector<std::int64_t> nonfinite(m, -1);
  scoreopt::SmoothingResult<double> out;
  out.value = value.data();
  out.gradient = grad.data();
  out.best_f = best_f.data();
  out.best_x = best_x.data();
  out.nonfinite = nonfinite.data();
  scoreopt::smoothing_estimate<double>(p, X.data(), m, &sigma, 1, nullptr, 0, opt, out);

  for (std::int64_t k = 0; k < m; ++k) {
    double r2 = 0;
    for (int i = 0; i < d; ++i) r2 += X[k * d + i] * X[k * d + i];
    // Var |x + s e|^2 = 4 s^2 |x|^2 + 2 d s^4; antithetic pairs only lower it
    const double se_value = std::sqrt((4 * sigma * sigma * r2 + 2 * d * std::pow(sigma, 4)) / K);
    CHECK_NEAR(value[k], r2 + d * sigma * sigma, 6 * se_value + 1e-12);
    for (int i = 0; i < d; ++i) {
      const double xi = X[k * d + i];
      // one antithetic pair gives 2 (x . e) e_i, variance 4 (|x|^2 + x_i^2), K/2 pairs
      const double se_grad = std::sqrt(4 * (r2 + xi * xi) / (K / 2));
      CHECK_NEAR(grad[k * d + i], 2 * xi, 6 * se_grad + 1e-12);
    }
    CHECK(nonfinite[k] == 0);
    // the best sample is one of the samples: its value matches f at best_x
    double fb = 0;
    p.evaluate<double>(&best_x[k * d], 1, nullptr, 0, &fb);
    CHECK_NEAR(best_f[k], fb, 1e-12 * (1 + fb));
    CHECK(best_f[k] <= value[k]);
  }

  // the same seed gives the same numbers
  std::vector<double> value2(m);
  scoreopt::SmoothingResult<double> out2;
  out2.value = value2.data();
  scoreopt::smoothing_estimate<double>(p, X.data(), m, &sigma, 1, nullptr, 0, opt, out2);
  for (std::int64_t k = 0; k < m; ++k) CHECK(value2[k] == value[k]);

  // bad input: sigma <= 0, odd sample count with antithetic pairs
  const double bad_sigma = 0.0;
  CHECK_THROWS(std::invalid_argument,
               scoreopt::smoothing_estimate<double>(p, X.data(), m, &bad_sigma, 1, nullptr, 0, opt, out2));
  scoreopt::SmoothingOptions odd = opt;
  odd.samples = 7;
  CHECK_THROWS(std::invalid_argument,
               scoreopt::smoothing_estimate<double>(p, X.data(), m, &sigma, 1, nullptr, 0, odd, out2));
}

}  // namespace

TEST_MAIN("test_smoothing", run)
