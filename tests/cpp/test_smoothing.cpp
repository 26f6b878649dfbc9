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

// The shaped kernel (opt.factor = A, lower-triangular): samples y = x + sigma A e. On the sphere an
// antithetic pair gives (f+ - f-) / (2 sigma) = 2 (x . A e), so the estimate g solves
// A^T g = (2 / P) sum_p e_p e_p^T A^T x over the P pairs exactly, and the value is the mean of
// |x + sigma A e_k|^2: both recomputed here from smoothing_noise (A^T g checked by multiplying out).
void run_factor() {
  const int d = 4;
  const std::int64_t K = 2000, P = K / 2;
  const double sigma = 0.7;
  scoreopt::Problem p("sphere", d);
  const std::vector<double> A = {1.0, 0, 0, 0, 0.5, 2.0, 0, 0, -0.3, 0.2, 0.8, 0, 0.1, -0.4, 0.6, 1.5};
  const std::vector<double> x = {0.3, -0.2, 0.5, 1.0};
  std::vector<double> E(K * d);
  scoreopt::smoothing_noise<double>(3, 0, 0, K, d, true, E.data());
  for (const bool diagonal : {false, true}) {
    std::vector<double> Af(d * d, 0.0), diag(d);  // the factor as a full matrix
    for (int i = 0; i < d; ++i) {
      diag[i] = A[i * d + i];
      for (int j = 0; j <= i; ++j) Af[i * d + j] = diagonal ? (i == j ? diag[i] : 0.0) : A[i * d + j];
    }
    scoreopt::SmoothingOptions opt;
    opt.samples = K;
    opt.seed = 3;
    opt.factor = diagonal ? diag.data() : A.data();
    opt.factor_diagonal = diagonal;
    double value = 0;
    std::vector<double> grad(d);
    scoreopt::SmoothingResult<double> out;
    out.value = &value;
    out.gradient = grad.data();
    scoreopt::smoothing_estimate<double>(p, x.data(), 1, &sigma, 1, nullptr, 0, opt, out);

    std::vector<double> Atx(d, 0.0), h(d, 0.0);
    for (int j = 0; j < d; ++j)
      for (int i = 0; i < d; ++i) Atx[j] += Af[i * d + j] * x[i];
    double vsum = 0;
    for (std::int64_t k = 0; k < K; ++k) {
      const double* e = &E[k * d];
      double r2 = 0;
      for (int i = 0; i < d; ++i) {
        double ae = 0;
        for (int j = 0; j < d; ++j) ae += Af[i * d + j] * e[j];
        r2 += (x[i] + sigma * ae) * (x[i] + sigma * ae);
      }
      vsum += r2;
      if (k % 2 == 0) {
        double c = 0;
        for (int j = 0; j < d; ++j) c += e[j] * Atx[j];
        for (int j = 0; j < d; ++j) h[j] += 2.0 * c * e[j] / double(P);
      }
    }
    CHECK_NEAR(value, vsum / double(K), 1e-12 * vsum / double(K));
    for (int j = 0; j < d; ++j) {
      double atg = 0;  // (A^T g)_j
      for (int i = 0; i < d; ++i) atg += Af[i * d + j] * grad[i];
      CHECK_NEAR(atg, h[j], 1e-10 * (1 + std::fabs(h[j])));
      CHECK_NEAR(grad[j], 2 * x[j], 0.5);  // the closed form 2 x, loosely at this sample size
    }
  }

  // the identity factor reproduces no factor bit for bit
  scoreopt::SmoothingOptions opt;
  opt.samples = 64;
  opt.antithetic = false;
  opt.temperature = 1.0;
  std::vector<double> g0(d), w0(d), g1(d), w1(d), I(d * d, 0.0);
  for (int i = 0; i < d; ++i) I[i * d + i] = 1.0;
  scoreopt::SmoothingResult<double> r0, r1;
  r0.gradient = g0.data(), r0.weighted_mean = w0.data();
  r1.gradient = g1.data(), r1.weighted_mean = w1.data();
  scoreopt::smoothing_estimate<double>(p, x.data(), 1, &sigma, 1, nullptr, 0, opt, r0);
  opt.factor = I.data();
  scoreopt::smoothing_estimate<double>(p, x.data(), 1, &sigma, 1, nullptr, 0, opt, r1);
  for (int i = 0; i < d; ++i) CHECK(g0[i] == g1[i] && w0[i] == w1[i]);

  // bad factors: an entry above the diagonal, a zero on it, a NaN
  std::vector<double> bad = A;
  bad[1] = 0.1;
  opt.factor = bad.data();
  CHECK_THROWS(std::invalid_argument, scoreopt::smoothing_estimate<double>(p, x.data(), 1, &sigma, 1, nullptr, 0, opt, r1));
  bad = A;
  bad[2 * d + 2] = 0.0;
  CHECK_THROWS(std::invalid_argument, scoreopt::smoothing_estimate<double>(p, x.data(), 1, &sigma, 1, nullptr, 0, opt, r1));
  bad = A;
  bad[3 * d] = NAN;
  CHECK_THROWS(std::invalid_argument, scoreopt::smoothing_estimate<double>(p, x.data(), 1, &sigma, 1, nullptr, 0, opt, r1));
}

void run_all() {
  run();
  run_factor();
}

}  // namespace

TEST_MAIN("test_smoothing", run_all)
