// The engine's own time for one ask/tell iteration (popsize 100, D = 100, DIDA, a free objective:
// values computed once), with no Python: what bench/engine_overhead.py subtracts from its
// Python-driven figure to get the Python layer's share. Prints the median in microseconds.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <vector>

#include "scoreopt/problem.hpp"
#include "scoreopt/sampling_optimizer.hpp"

int main(int argc, char** argv) {
  const int d = 100, K = 100, warmup = 200;
  const int n = argc > 1 ? std::atoi(argv[1]) : 20000;
  scoreopt::SamplingOptions o;
  o.popsize = K;
  o.budget = std::int64_t(K) * (n + warmup);
  scoreopt::SamplingOptimizer opt(d, std::vector<double>(d, -5.12), std::vector<double>(d, 5.12), o);
  std::vector<double> X(K * d), f(K), us(n);
  opt.ask(X.data());
  scoreopt::Problem("rastrigin", d).evaluate<double>(X.data(), K, nullptr, 0, f.data());
  for (int i = 0; i < warmup + n; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    opt.ask(X.data());
    opt.tell(X.data(), f.data());
    if (i >= warmup)
      us[i - warmup] = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
  }
  std::nth_element(us.begin(), us.begin() + n / 2, us.end());
  std::printf("%.3f\n", us[n / 2]);
  return 0;
}
