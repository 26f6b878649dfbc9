// Problem::evaluate against closed forms, and the input checks.
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "check.hpp"
#include "scoreopt/problem.hpp"
#include "scoreopt/registry.hpp"

namespace {

const double kPi = 3.14159265358979323846;

void run() {
  const int d = 7;
  const std::int64_t n = 5;
  std::vector<double> X(n * d);
  for (std::int64_t k = 0; k < n; ++k)
    for (int i = 0; i < d; ++i) X[k * d + i] = 0.37 * (i + 1) - 0.21 * k - 1.1;

  // sphere: f = sum x^2, grad = 2 x
  {
    scoreopt::Problem p("sphere", d);
    std::vector<double> f(n), g(n * d);
    p.evaluate<double>(X.data(), n, nullptr, 0, f.data(), g.data());
    for (std::int64_t k = 0; k < n; ++k) {
      double s = 0;
      for (int i = 0; i < d; ++i) {
        s += X[k * d + i] * X[k * d + i];
        CHECK_NEAR(g[k * d + i], 2 * X[k * d + i], 1e-12);
      }
      CHECK_NEAR(f[k], s, 1e-12 * (1 + s));
    }
    // float path agrees to float precision
    std::vector<float> Xf(X.begin(), X.end()), ff(n);
    p.evaluate<float>(Xf.data(), n, nullptr, 0, ff.data());
    for (std::int64_t k = 0; k < n; ++k) CHECK_NEAR(ff[k], f[k], 1e-5 * (1 + f[k]));
  }

  // rastrigin: 10 d + sum x^2 - 10 cos(2 pi x); 0 at the origin
  {
    scoreopt::Problem p("rastrigin", d);
    std::vector<double> f(n);
    p.evaluate<double>(X.data(), n, nullptr, 0, f.data());
    for (std::int64_t k = 0; k < n; ++k) {
      double s = 10.0 * d;
      for (int i = 0; i < d; ++i) {
        const double x = X[k * d + i];
        s += x * x - 10 * std::cos(2 * kPi * x);
      }
      CHECK_NEAR(f[k], s, 1e-10 * (1 + s));
    }
    std::vector<double> zero(d, 0.0), g(d);
    double f0 = -1;
    p.evaluate<double>(zero.data(), 1, nullptr, 0, &f0, g.data());
    CHECK_NEAR(f0, 0.0, 1e-12);
    for (int i = 0; i < d; ++i) CHECK_NEAR(g[i], 0.0, 1e-12);
    double value = -1;
    std::vector<double> xopt;
    CHECK(scoreopt::known_optimum(p.info(), d, p.options(), &value, &xopt));
    CHECK_NEAR(value, 0.0, 0.0);
  }

  // rosenbrock: 0 at (1, ..., 1), and the closed form elsewhere
  {
    scoreopt::Problem p("rosenbrock", d);
    std::vector<double> ones(d, 1.0);
    double f1 = -1;
    p.evaluate<double>(ones.data(), 1, nullptr, 0, &f1);
    CHECK_NEAR(f1, 0.0, 1e-14);
    std::vector<double> f(n);
    p.evaluate<double>(X.data(), n, nullptr, 0, f.data());
    for (std::int64_t k = 0; k < n; ++k) {
      double s = 0;
      for (int i = 0; i + 1 < d; ++i) {
        const double a = X[k * d + i], b = X[k * d + i + 1];
        s += 100 * (b - a * a) * (b - a * a) + (1 - a) * (1 - a);
      }
      CHECK_NEAR(f[k], s, 1e-10 * (1 + s));
    }
  }

  // bad input throws std::invalid_argument
  CHECK_THROWS(std::invalid_argument, scoreopt::Problem("no-such-function", 3));
  CHECK_THROWS(std::invalid_argument, scoreopt::Problem("sphere", 0));
  CHECK_THROWS(std::invalid_argument, scoreopt::Problem("rosenbrock", 1));
  CHECK_THROWS(std::invalid_argument, scoreopt::Problem("sphere", 3, {{"no-such-option", 1.0}}));
  CHECK_THROWS(std::invalid_argument, scoreopt::find_function("no-such-function"));
  {
    scoreopt::Problem p("sphere", 3);
    std::vector<double> bad = {0.0, std::numeric_limits<double>::quiet_NaN(), 1.0};
    double f = 0;
    CHECK_THROWS(std::invalid_argument, p.evaluate<double>(bad.data(), 1, nullptr, 0, &f));
    scoreopt::Affine a;
    a.shift = {1.0, 2.0};  // wrong length
    CHECK_THROWS(std::invalid_argument, p.with_affine(a));
  }
}

}  // namespace

TEST_MAIN("test_evaluate", run)
