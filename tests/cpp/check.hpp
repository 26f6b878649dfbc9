// A tiny assertion harness for the C++ unit tests: no framework, each test is a plain executable
// that ctest runs; a failed CHECK prints the place and the expression, and main() returns 1.
#pragma once

#include <cmath>
#include <cstdio>
#include <exception>

namespace scoreopt_test {
inline int& failures() {
  static int n = 0;
  return n;
}
inline void fail(const char* file, int line, const char* what) {
  std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", file, line, what);
  ++failures();
}
inline int finish(const char* name) {
  if (failures()) {
    std::fprintf(stderr, "%s: %d check(s) failed\n", name, failures());
    return 1;
  }
  std::printf("%s: all checks passed\n", name);
  return 0;
}
}  // namespace scoreopt_test

#define CHECK(cond)                                                   \
  do {                                                                \
    if (!(cond)) scoreopt_test::fail(__FILE__, __LINE__, #cond);      \
  } while (0)

// |a - b| <= tol, printing both values when it fails.
#define CHECK_NEAR(a, b, tol)                                                             \
  do {                                                                                    \
    const double a_ = (a), b_ = (b), t_ = (tol);                                          \
    if (!(std::fabs(a_ - b_) <= t_)) {                                                    \
      std::fprintf(stderr, "  %s = %.17g, %s = %.17g, tolerance %.3g\n", #a, a_, #b, b_,  \
                   t_);                                                                   \
      scoreopt_test::fail(__FILE__, __LINE__, "|" #a " - " #b "| <= " #tol);              \
    }                                                                                     \
  } while (0)

// The statement throws an exception of type E.
#define CHECK_THROWS(E, stmt)                                                            \
  do {                                                                                   \
    bool thrown_ = false;                                                                \
    try {                                                                                \
      stmt;                                                                              \
    } catch (const E&) {                                                                 \
      thrown_ = true;                                                                    \
    } catch (...) {                                                                      \
    }                                                                                    \
    if (!thrown_) scoreopt_test::fail(__FILE__, __LINE__, #stmt " throws " #E);          \
  } while (0)

// main() of a test: runs body, counts an escaped exception as a failure.
#define TEST_MAIN(name, body)                                             \
  int main() {                                                            \
    try {                                                                 \
      body();                                                             \
    } catch (const std::exception& e) {                                   \
      std::fprintf(stderr, "%s: unexpected exception: %s\n", name, e.what()); \
      return 1;                                                           \
    }                                                                     \
    return scoreopt_test::finish(name);                                   \
  }
