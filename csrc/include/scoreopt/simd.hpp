// Coordinate sums for the row loops. A plain `omp simd` loop over d = 100 floats runs six
// 16-wide vector iterations and then four *scalar* iterations of the whole polynomial, which
// costs 2.5x the vector part. Here the ragged tail is one more full-width vector block that ends
// at d and overlaps the bulk, with the overlap masked out: every read stays inside the row, and
// no scalar code runs for d >= W.
//
// The row pointers are parameters (not lambda captures) so that the compiler sees contiguous
// loads and stores; captured pointers turn into gathers. term(xi, i) returns the i-th summand;
// term(xi, i, gi) also sets the i-th gradient entry, which the overlap rewrites with the same value.
#pragma once

#include "scoreopt/config.hpp"

SO_NAMESPACE_BEGIN
namespace simd {

template <class T>
struct Width {
  static constexpr int value = 64 / int(sizeof(T));  // one 512-bit vector (two AVX2 vectors)
};

template <class T>
struct Pair {
  T a, b;
};

template <class T, class Term>
SO_HD_FORCE T sum(const T* x, int d, Term term) {
#if defined(__CUDA_ARCH__)
  T s = 0;
  for (int i = 0; i < d; ++i) s += term(x[i], i);
  return s;
#else
  constexpr int W = Width<T>::value;
  const int bulk = d >= W ? d - d % W : 0;
  T s = 0;
  SO_SIMD_REDUCE(+ : s)
  for (int i = 0; i < bulk; ++i) s += term(x[i], i);
  if (d < W) {
    SO_SIMD_REDUCE(+ : s)
    for (int i = 0; i < d; ++i) s += term(x[i], i);
  } else if (bulk < d) {
    const T* xt = x + (d - W);
    const int keep_from = bulk - (d - W);
    T t = 0;
    SO_SIMD_REDUCE(+ : t)
    for (int j = 0; j < W; ++j) {
      const T v = term(xt[j], d - W + j);
      t += j >= keep_from ? v : T(0);
    }
    s += t;
  }
  return s;
#endif
}

template <class T, class Term>
SO_HD_FORCE T sum_grad(const T* x, T* g, int d, Term term) {
#if defined(__CUDA_ARCH__)
  T s = 0;
  for (int i = 0; i < d; ++i) s += term(x[i], i, g[i]);
  return s;
#else
  constexpr int W = Width<T>::value;
  const int bulk = d >= W ? d - d % W : 0;
  T s = 0;
  SO_SIMD_REDUCE(+ : s)
  for (int i = 0; i < bulk; ++i) {
    T gi;
    s += term(x[i], i, gi);
    g[i] = gi;
  }
  if (d < W) {
    SO_SIMD_REDUCE(+ : s)
    for (int i = 0; i < d; ++i) {
      T gi;
      s += term(x[i], i, gi);
      g[i] = gi;
    }
  } else if (bulk < d) {
    const T* xt = x + (d - W);
    T* gt = g + (d - W);
    const int keep_from = bulk - (d - W);
    T t = 0;
    SO_SIMD_REDUCE(+ : t)
    for (int j = 0; j < W; ++j) {
      T gi;
      const T v = term(xt[j], d - W + j, gi);
      gt[j] = gi;
      t += j >= keep_from ? v : T(0);
    }
    s += t;
  }
  return s;
#endif
}

// Two sums in one pass; term(xi, i) returns Pair<T>.
template <class T, class Term>
SO_HD_FORCE Pair<T> sum2(const T* x, int d, Term term) {
#if defined(__CUDA_ARCH__)
  T a = 0, b = 0;
  for (int i = 0; i < d; ++i) {
    const Pair<T> v = term(x[i], i);
    a += v.a;
    b += v.b;
  }
  return {a, b};
#else
  constexpr int W = Width<T>::value;
  const int bulk = d >= W ? d - d % W : 0;
  T a = 0, b = 0;
  SO_SIMD_REDUCE(+ : a, b)
  for (int i = 0; i < bulk; ++i) {
    const Pair<T> v = term(x[i], i);
    a += v.a;
    b += v.b;
  }
  if (d < W) {
    SO_SIMD_REDUCE(+ : a, b)
    for (int i = 0; i < d; ++i) {
      const Pair<T> v = term(x[i], i);
      a += v.a;
      b += v.b;
    }
  } else if (bulk < d) {
    const T* xt = x + (d - W);
    const int keep_from = bulk - (d - W);
    T ta = 0, tb = 0;
    SO_SIMD_REDUCE(+ : ta, tb)
    for (int j = 0; j < W; ++j) {
      const Pair<T> v = term(xt[j], d - W + j);
      const bool keep = j >= keep_from;
      ta += keep ? v.a : T(0);
      tb += keep ? v.b : T(0);
    }
    a += ta;
    b += tb;
  }
  return {a, b};
#endif
}

// A sum and a product in one pass over x and a per-coordinate constant w (a pointer parameter,
// not a capture, for the reason at the top); term(xi, wi) returns Pair<T>{summand, factor}.
template <class T, class Term>
SO_HD_FORCE Pair<T> sum_and_product(const T* x, const T* w, int d, Term term) {
#if defined(__CUDA_ARCH__)
  T a = 0, b = 1;
  for (int i = 0; i < d; ++i) {
    const Pair<T> v = term(x[i], w[i]);
    a += v.a;
    b *= v.b;
  }
  return {a, b};
#else
  constexpr int W = Width<T>::value;
  const int bulk = d >= W ? d - d % W : 0;
  T a = 0, b = 1;
  SO_SIMD_CLAUSES(reduction(+ : a) reduction(* : b))
  for (int i = 0; i < bulk; ++i) {
    const Pair<T> v = term(x[i], w[i]);
    a += v.a;
    b *= v.b;
  }
  if (d < W) {
    SO_SIMD_CLAUSES(reduction(+ : a) reduction(* : b))
    for (int i = 0; i < d; ++i) {
      const Pair<T> v = term(x[i], w[i]);
      a += v.a;
      b *= v.b;
    }
  } else if (bulk < d) {
    const T* xt = x + (d - W);
    const T* wt = w + (d - W);
    const int keep_from = bulk - (d - W);
    T ta = 0, tb = 1;
    SO_SIMD_CLAUSES(reduction(+ : ta) reduction(* : tb))
    for (int j = 0; j < W; ++j) {
      const Pair<T> v = term(xt[j], wt[j]);
      const bool keep = j >= keep_from;
      ta += keep ? v.a : T(0);
      tb *= keep ? v.b : T(1);
    }
    a += ta;
    b *= tb;
  }
  return {a, b};
#endif
}

// out[i] = f(in[i]) for i < n, f elementwise and pure: the same ragged end as sum's, one more
// full-width block ending at n that overlaps the bulk (the overlap is recomputed to the same
// values), so no scalar code runs for n >= W. out must not alias in.
template <class T, class F>
SO_HD_FORCE void map(const T* in, T* out, int n, F f) {
#if defined(__CUDA_ARCH__)
  for (int i = 0; i < n; ++i) out[i] = f(in[i]);
#else
  constexpr int W = Width<T>::value;
  const int bulk = n >= W ? n - n % W : n;
  SO_SIMD
  for (int i = 0; i < bulk; ++i) out[i] = f(in[i]);
  if (bulk < n) {
    const T* it = in + (n - W);
    T* ot = out + (n - W);
    SO_SIMD
    for (int j = 0; j < W; ++j) ot[j] = f(it[j]);
  }
#endif
}

}  // namespace simd
SO_NAMESPACE_END
