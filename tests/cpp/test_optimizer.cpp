// SamplingOptimizer: ask/tell is reproducible for a seed, stays in the box, step and ask/tell are
// the same iterates, a saved state resumes bit for bit, options by name are checked, and minimize
// reaches the optimum of small problems (built-in and a C++ batch objective).
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <vector>

#include "check.hpp"
#include "scoreopt/problem.hpp"
#include "scoreopt/sampling_optimizer.hpp"

namespace {

using scoreopt::Method;
using scoreopt::SamplingOptions;

std::vector<double> run_ask_tell(Method method, std::uint64_t seed, int iters,
                                 std::vector<double>* first_batch) {
  const int d = 4;
  std::vector<double> lo = {-3, -2, -1, -4}, hi = {3, 2, 5, 1};
  SamplingOptions opt;
  opt.method = method;
  opt.popsize = 20;
  opt.seed = seed;
  opt.budget = 20 * iters;
  scoreopt::SamplingOptimizer o(d, lo, hi, opt);
  scoreopt::Problem p("sphere", d);
  std::vector<double> X(o.popsize() * d), f(o.popsize());
  for (int t = 0; t < iters; ++t) {
    o.ask(X.data());
    if (t == 0 && first_batch) *first_batch = X;
    for (std::int64_t k = 0; k < o.popsize(); ++k)
      for (int i = 0; i < d; ++i) {
        CHECK(X[k * d + i] >= lo[i]);
        CHECK(X[k * d + i] <= hi[i]);
      }
    p.evaluate<double>(X.data(), o.popsize(), nullptr, 0, f.data());
    o.tell(X.data(), f.data());
  }
  CHECK(o.iteration() == iters);
  std::vector<double> out = o.mean();
  out.push_back(o.sigma());
  out.push_back(o.result().fun);
  return out;
}

void run() {
  const Method methods[] = {Method::Dida, Method::Mppi, Method::Mbd, Method::Es, Method::Cem, Method::Marginal};
  for (auto method : methods) {
    std::vector<double> b1, b2, b3;
    const std::vector<double> a = run_ask_tell(method, 3, 15, &b1);
    const std::vector<double> b = run_ask_tell(method, 3, 15, &b2);
    const std::vector<double> c = run_ask_tell(method, 4, 15, &b3);
    CHECK(a == b);    // bit for bit
    CHECK(b1 == b2);
    CHECK(b1 != b3);  // another seed, other samples
  }

  // minimize on a built-in problem (fused path) and on the same function as a C++ objective
  const int d = 6;
  SamplingOptions opt;
  opt.method = Method::Dida;
  opt.budget = 30000;
  opt.seed = 1;
  std::vector<double> lo(d, -5.12), hi(d, 5.12);
  scoreopt::OptimizeResult r = scoreopt::minimize(scoreopt::Problem("sphere", d), lo, hi, opt);
  CHECK(r.fun < 1e-10);
  CHECK(r.nfev <= opt.budget);
  CHECK(static_cast<int>(r.x.size()) == d);
  for (int i = 0; i < d; ++i) CHECK_NEAR(r.x[i], 0.0, 1e-5);
  CHECK(!r.history.empty());
  for (std::size_t t = 1; t < r.history.size(); ++t) CHECK(r.history[t] <= r.history[t - 1]);

  scoreopt::BatchObjective shifted = [d](const double* X, std::int64_t n, double* f) {
    for (std::int64_t k = 0; k < n; ++k) {
      double s = 0;
      for (int i = 0; i < d; ++i) s += (X[k * d + i] - 1.0) * (X[k * d + i] - 1.0);
      f[k] = s;
    }
  };
  scoreopt::OptimizeResult r2 = scoreopt::minimize(shifted, d, lo, hi, opt);
  CHECK(r2.fun < 1e-10);
  for (int i = 0; i < d; ++i) CHECK_NEAR(r2.x[i], 1.0, 1e-5);
  // one path: the built-in problem and the same function as a batch objective, bit for bit
  const scoreopt::Problem sphere("sphere", d);
  scoreopt::BatchObjective same = [&sphere](const double* X, std::int64_t n, double* f) {
    sphere.evaluate<double>(X, n, nullptr, 0, f);
  };
  const scoreopt::OptimizeResult r3 = scoreopt::minimize(same, d, lo, hi, opt);
  CHECK(r3.history == r.history);
  CHECK(r3.x == r.x);

  // CEM never refits to non-finite (rejected) samples: with one finite value it is the only
  // elite; with none, the Gaussian stays where it was
  {
    SamplingOptions c;
    c.method = Method::Cem;
    c.popsize = 20;
    c.budget = 200;
    std::vector<double> lo2(2, -3.0), hi2(2, 3.0);
    scoreopt::SamplingOptimizer o(2, lo2, hi2, c);
    std::vector<double> X(40), f(20, std::numeric_limits<double>::infinity());
    const std::vector<double> m0 = o.mean();
    const double s0 = o.sigma();
    o.ask(X.data());
    o.tell(X.data(), f.data());
    CHECK(o.mean() == m0);
    CHECK(o.sigma() == s0);
    o.ask(X.data());
    f[13] = 1.0;
    o.tell(X.data(), f.data());
    for (int i = 0; i < 2; ++i) CHECK_NEAR(o.mean()[i], c.alpha * X[13 * 2 + i] + (1 - c.alpha) * m0[i], 1e-15);
    CHECK_NEAR(o.sigma(), s0, 1e-15);  // one elite: no spread to refit
  }

  // step (evaluation in the core) and ask/tell with the same values are the same iterates; a
  // state saved between ask and tell resumes bit for bit
  for (auto method : methods) {
    SamplingOptions o;
    o.method = method;
    o.popsize = 12;
    o.budget = 12 * 40;
    o.restarts = method == Method::Dida ? 2 : 0;
    std::vector<double> lo4 = {-3, -2, -1, -4}, hi4 = {3, 2, 5, 1};
    scoreopt::SamplingOptimizer a(4, lo4, hi4, o), b(4, lo4, hi4, o);
    scoreopt::Problem p("rastrigin", 4);
    std::vector<double> X(12 * 4), f(12);
    for (int t = 0; t < 10; ++t) {
      a.step(p);
      b.ask(X.data());
      p.evaluate<double>(X.data(), 12, nullptr, 0, f.data());
      b.tell(X.data(), f.data());
      CHECK(a.mean() == b.mean());
      CHECK(a.sigma() == b.sigma());
    }
    a.ask(X.data());
    scoreopt::SamplingOptimizer c = scoreopt::SamplingOptimizer::load(a.save());
    p.evaluate<double>(X.data(), 12, nullptr, 0, f.data());
    a.tell(X.data(), f.data());
    c.tell(X.data(), f.data());  // the asked population came back with the state
    while (!a.stop()) a.step(p);
    while (!c.stop()) c.step(p);
    CHECK(a.result().history == c.result().history);
    CHECK(a.result().x == c.result().x);
    CHECK(a.mean() == c.mean());
  }
  CHECK_THROWS(std::invalid_argument, scoreopt::SamplingOptimizer::load({1, 2, 3}));

  // restarts: the budget splits into cycles, each from sigma0
  {
    SamplingOptions o;
    o.popsize = 10;
    o.budget = 10 * 12;
    o.restarts = 2;
    o.temperature_end = 1.0;
    std::vector<double> lo2(2, -1.0), hi2(2, 1.0);
    scoreopt::SamplingOptimizer r(2, lo2, hi2, o);
    scoreopt::Problem p("sphere", 2);
    CHECK(r.cycle_length() == 4);
    const double s0 = r.sigma();
    for (int t = 0; t < 3; ++t) r.step(p);
    CHECK(r.sigma() < s0);
    CHECK(r.temperature() < 3.0);
    r.step(p);  // the end of the first cycle
    CHECK(r.sigma() == s0);
    CHECK(r.temperature() == 3.0);
  }

  // options by name: unknown names, wrong kinds and bad values are errors
  {
    SamplingOptions o;
    o.method = scoreopt::parse_method("mbd");
    o.set("beta_end", 0.02);
    o.set("popsize", std::int64_t(8));
    CHECK(o.beta_end == 0.02 && *o.popsize == 8);
    CHECK_THROWS(std::invalid_argument, o.set("schedule", std::string("cosine")));  // DIDA's
    CHECK_THROWS(std::invalid_argument, o.set("nope", 1.0));
    CHECK_THROWS(scoreopt::OptionTypeError, o.set("popsize", 8.0));
    CHECK_THROWS(std::invalid_argument, scoreopt::parse_method("dide"));
    o.method = Method::Dida;
    CHECK_THROWS(std::invalid_argument, o.set("schedule", std::string("linear")));
    o.set("schedule", std::string("cosine"));
    CHECK(o.schedule == scoreopt::SigmaSchedule::Cosine);
  }

  std::vector<double> lo3(3, 0.0), hi3(3, 1.0);
  CHECK_THROWS(std::invalid_argument, scoreopt::SamplingOptimizer(3, hi3, lo3));  // lower > upper
  CHECK_THROWS(std::invalid_argument, scoreopt::SamplingOptimizer(3, lo3, std::vector<double>(2, 1.0)));
  SamplingOptions odd;
  odd.popsize = 7;
  CHECK_THROWS(std::invalid_argument, scoreopt::SamplingOptimizer(3, lo3, hi3, odd));
}

}  // namespace

TEST_MAIN("test_optimizer", run)
