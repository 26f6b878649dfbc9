// Coordinate sums for the row loops. A plain `omp simd` loop over d = 100 floats runs six
// 16-wide vector iterations and then four *scalar* iterations of the whole polynomial, which
// costs 2.5x the vector part. Here the ragged tail is one more full-width vector block that ends
// at d and overlaps the bulk, with the overlap masked out: every read stays inside the row, and
// no scalar code runs for d >= W.
//
// The sums keep W partial sums (lane j: the terms i = j mod W, the ragged block's kept terms
// included) in 64 bytes of GCC vectors (Lanes), which stay in registers, and add the lanes
// pairwise at the end. GCC lowers `omp simd reduction` to one vector accumulator (a dependent
// add per vector, at the add's latency) and then adds its lanes one by one in order, twice per
// row (bulk and ragged block): at D = 100 floats that was 20-25 % of rastrigin's, alpine1's and
// schwefel's time. The order of the additions is now the same on every path (before: it followed
// the vector width).
//
// The row pointers are parameters (not lambda captures) so that the compiler sees contiguous
// loads and stores; captured pointers turn into gathers. term(xi, i) returns the i-th summand;
// term(xi, i, gi) also sets the i-th gradient entry, which the overlap rewrites with the same value.
#pragma once

#include "scoreopt/config.hpp"

// The lane loops take W elements per iteration, one 512-bit vector on the AVX-512 copy (which
// otherwise prefers 256-bit vectors: -mprefer-vector-width=256) and two AVX2 vectors. One thread,
// N = 1e5, D = 100: rastrigin float32 0.77x the time of 256-bit lanes, levy 0.86x, alpine1 0.90x,
// schwefel 0.92x, float64 rastrigin and alpine1 0.75x; styblinski_tang, which only streams,
// 0.96-1.15x (noise level). Values are the same (the lanes fix the order).
#if defined(__CUDA_ARCH__) || !defined(_OPENMP)
#define SO_SIMD_LANES(T)
#else
#define SO_SIMD_LANES(T) SO_PRAGMA_(omp simd simdlen(64 / sizeof(T)))
#endif

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

#if !defined(__CUDA_ARCH__)
// The widest vector register of the path this copy is compiled for (config.hpp: one namespace
// per dispatched path, each with its own -march).
#if defined(__AVX512F__)
inline constexpr int kRegisterBytes = 64;
#elif defined(__AVX__)
inline constexpr int kRegisterBytes = 32;
#else
inline constexpr int kRegisterBytes = 16;
#endif

// W lanes (64 bytes) as 64 / kRegisterBytes GCC vectors of the path's register width: an
// accumulator the compiler keeps in registers. A plain array of W partial sums was split between
// widths by GCC and went through the stack with store-to-load forwarding stalls (styblinski_tang
// float64 at D = 40: 1.9x the time). One 64-byte GCC vector serves the AVX-512 copy, but where no
// register holds 64 bytes GCC passes it through memory and general registers: on the AVX2 copy
// rastrigin float32 ran at 0.26x the AVX-512 copy's rate, below the SSE baseline (Zen 4, one
// thread, N = 1e5, D = 100). Lane j is the same element in every form, so the sums' order (and
// values) do not depend on it.
template <class T>
struct Lanes {
  typedef T Register __attribute__((vector_size(kRegisterBytes)));
  static constexpr int kRegisters = 64 / kRegisterBytes;
  Register r[kRegisters];

  SO_HD_FORCE Lanes& operator+=(const Lanes& o) {
    for (int k = 0; k < kRegisters; ++k) r[k] += o.r[k];
    return *this;
  }
  SO_HD_FORCE Lanes& operator*=(const Lanes& o) {
    for (int k = 0; k < kRegisters; ++k) r[k] *= o.r[k];
    return *this;
  }
};
static_assert(sizeof(Lanes<float>) == 64 && sizeof(Lanes<double>) == 64, "Lanes holds 64 bytes");

// The lanes j of term(x[i0 + j], y[i0 + j], i0 + j), those below keep_from zeroed.
template <class T, class Term>
SO_HD_FORCE Lanes<T> term_lanes(const T* x, const T* y, int i0, int keep_from, Term term) {
  constexpr int W = Width<T>::value;
  alignas(64) T t[W];
  SO_SIMD_LANES(T)
  for (int j = 0; j < W; ++j) {
    const T v = term(x[i0 + j], y[i0 + j], i0 + j);
    t[j] = j >= keep_from ? v : T(0);
  }
  Lanes<T> l;
  __builtin_memcpy(&l, t, sizeof l);
  return l;
}

// The same for term(xi, i, gi), which also sets g[i0 + j] (the ragged block rewrites the overlap
// with the same values).
template <class T, class Term>
SO_HD_FORCE Lanes<T> term_lanes_grad(const T* x, T* g, int i0, int keep_from, Term term) {
  constexpr int W = Width<T>::value;
  alignas(64) T t[W];
  SO_SIMD_LANES(T)
  for (int j = 0; j < W; ++j) {
    T gj;
    const T v = term(x[i0 + j], i0 + j, gj);
    g[i0 + j] = gj;
    t[j] = j >= keep_from ? v : T(0);
  }
  Lanes<T> l;
  __builtin_memcpy(&l, t, sizeof l);
  return l;
}

// Both halves of Pair<T> terms as two lane vectors: term(x[i], w[i]) if kWeighted, else
// term(x[i], i). Lanes below keep_from get (0, neutral_b).
template <bool kWeighted, class T, class Term>
SO_HD_FORCE void pair_lanes(const T* x, const T* w, int i0, int keep_from, T neutral_b, Term term,
                            Lanes<T>& a, Lanes<T>& b) {
  constexpr int W = Width<T>::value;
  alignas(64) T ta[W];
  alignas(64) T tb[W];
  SO_SIMD_LANES(T)
  for (int j = 0; j < W; ++j) {
    // initialized where declared: a Pair declared in this `omp simd` loop and assigned later
    // became a per-lane array in memory under -fopenmp, and GCC 12 left the loop scalar
    // (zakharov: 0.16x the rate)
    const Pair<T> v = [&]() SO_LAMBDA_FORCE {
      if constexpr (kWeighted) {
        return term(x[i0 + j], w[i0 + j]);
      } else {
        return term(x[i0 + j], i0 + j);
      }
    }();
    const bool keep = j >= keep_from;
    ta[j] = keep ? v.a : T(0);
    tb[j] = keep ? v.b : neutral_b;
  }
  __builtin_memcpy(&a, ta, sizeof a);
  __builtin_memcpy(&b, tb, sizeof b);
}

// The W lanes added pairwise: lanes j and j + W/2, then j and j + W/4, ... (the order is the
// same on every path).
template <class T>
SO_HD_FORCE T add_lanes(Lanes<T> a) {
  constexpr int W = Width<T>::value;
  alignas(64) T t[W];
  __builtin_memcpy(t, &a, sizeof a);
  for (int w = W / 2; w > 0; w /= 2) {
    SO_SIMD
    for (int j = 0; j < w; ++j) t[j] += t[j + w];
  }
  return t[0];
}
// the same for W partial products
template <class T>
SO_HD_FORCE T multiply_lanes(Lanes<T> a) {
  constexpr int W = Width<T>::value;
  alignas(64) T t[W];
  __builtin_memcpy(t, &a, sizeof a);
  for (int w = W / 2; w > 0; w /= 2) {
    SO_SIMD
    for (int j = 0; j < w; ++j) t[j] *= t[j + w];
  }
  return t[0];
}
#endif

// sum_{i < n} term(x[i], y[i], i): two inputs per index, such as a weight (ellipsoid) or the
// next coordinate (rosenbrock: y = x + 1). Against the plain `omp simd` reductions those rows had
// before: rosenbrock 1.17x the rate, ellipsoid 1.02x (N = 1e5, D = 100 floats, both cores;
// bench/RESULTS.md, "the streaming classic rows in the lanes").
template <class T, class Term>
SO_HD_FORCE T sum_zip(const T* x, const T* y, int n, Term term) {
#if defined(__CUDA_ARCH__)
  T s = 0;
  for (int i = 0; i < n; ++i) s += term(x[i], y[i], i);
  return s;
#else
  constexpr int W = Width<T>::value;
  if (n < W) {
    T s = 0;
    SO_SIMD_REDUCE(+ : s)
    for (int i = 0; i < n; ++i) s += term(x[i], y[i], i);
    return s;
  }
  const int bulk = n - n % W;
  Lanes<T> acc = term_lanes(x, y, 0, 0, term);
  for (int i = W; i < bulk; i += W) acc += term_lanes(x, y, i, 0, term);
  if (bulk < n) acc += term_lanes(x, y, n - W, bulk - (n - W), term);
  return add_lanes<T>(acc);
#endif
}

// sum_{i < d} term(x[i], i)
template <class T, class Term>
SO_HD_FORCE T sum(const T* x, int d, Term term) {
  return sum_zip(x, x, d, [term](T xi, T, int i) SO_LAMBDA_FORCE { return term(xi, i); });
}

template <class T, class Term>
SO_HD_FORCE T sum_grad(const T* x, T* g, int d, Term term) {
#if defined(__CUDA_ARCH__)
  T s = 0;
  for (int i = 0; i < d; ++i) s += term(x[i], i, g[i]);
  return s;
#else
  constexpr int W = Width<T>::value;
  if (d < W) {
    T s = 0;
    SO_SIMD_REDUCE(+ : s)
    for (int i = 0; i < d; ++i) {
      T gi;
      s += term(x[i], i, gi);
      g[i] = gi;
    }
    return s;
  }
  const int bulk = d - d % W;
  Lanes<T> acc = term_lanes_grad(x, g, 0, 0, term);
  for (int i = W; i < bulk; i += W) acc += term_lanes_grad(x, g, i, 0, term);
  if (bulk < d) acc += term_lanes_grad(x, g, d - W, bulk - (d - W), term);
  return add_lanes<T>(acc);
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
  if (d < W) {
    T a = 0, b = 0;
    SO_SIMD_REDUCE(+ : a, b)
    for (int i = 0; i < d; ++i) {
      const Pair<T> v = term(x[i], i);
      a += v.a;
      b += v.b;
    }
    return {a, b};
  }
  const int bulk = d - d % W;
  Lanes<T> a, b, ta, tb;
  pair_lanes<false>(x, static_cast<const T*>(nullptr), 0, 0, T(0), term, a, b);
  for (int i = W; i < bulk; i += W) {
    pair_lanes<false>(x, static_cast<const T*>(nullptr), i, 0, T(0), term, ta, tb);
    a += ta;
    b += tb;
  }
  if (bulk < d) {
    pair_lanes<false>(x, static_cast<const T*>(nullptr), d - W, bulk - (d - W), T(0), term, ta, tb);
    a += ta;
    b += tb;
  }
  return {add_lanes<T>(a), add_lanes<T>(b)};
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
  if (d < W) {
    T a = 0, b = 1;
    SO_SIMD_CLAUSES(reduction(+ : a) reduction(* : b))
    for (int i = 0; i < d; ++i) {
      const Pair<T> v = term(x[i], w[i]);
      a += v.a;
      b *= v.b;
    }
    return {a, b};
  }
  const int bulk = d - d % W;
  Lanes<T> a, b, ta, tb;
  pair_lanes<true>(x, w, 0, 0, T(1), term, a, b);
  for (int i = W; i < bulk; i += W) {
    pair_lanes<true>(x, w, i, 0, T(1), term, ta, tb);
    a += ta;
    b *= tb;
  }
  if (bulk < d) {
    pair_lanes<true>(x, w, d - W, bulk - (d - W), T(1), term, ta, tb);
    a += ta;
    b *= tb;
  }
  return {add_lanes<T>(a), multiply_lanes<T>(b)};
#endif
}

// Whether v[0, d) holds a NaN, the fast paths' signal to recompute (bbob.hpp's T_osz and T_asy
// arrays, row_evaluation.hpp's gradients): one vectorized OR, where a test and branch per element
// cost T_osz's rows (D = 40) about a tenth of their time.
template <class T>
SO_HD_FORCE bool any_nan(const T* v, int d) {
  int bad = 0;
  SO_SIMD_REDUCE(| : bad)
  for (int i = 0; i < d; ++i) bad |= v[i] != v[i] ? 1 : 0;
  return bad != 0;
}

// out[i] = f(in[i]) for i < n, f elementwise and pure: the same ragged end as sum's, one more
// full-width block ending at n that overlaps the bulk (the overlap is recomputed to the same
// values), so no scalar code runs for n >= W. W lanes per iteration in the bulk too (the
// AVX-512 copy's 512-bit vectors: cos_wide_array of f16's 480 phases 0.8x the time of 256-bit).
// out must not alias in.
template <class T, class F>
SO_HD_FORCE void map(const T* in, T* out, int n, F f) {
#if defined(__CUDA_ARCH__)
  for (int i = 0; i < n; ++i) out[i] = f(in[i]);
#else
  constexpr int W = Width<T>::value;
  const int bulk = n >= W ? n - n % W : n;
  SO_SIMD_LANES(T)
  for (int i = 0; i < bulk; ++i) out[i] = f(in[i]);
  if (bulk < n) {
    const T* it = in + (n - W);
    T* ot = out + (n - W);
    SO_SIMD_LANES(T)
    for (int j = 0; j < W; ++j) ot[j] = f(it[j]);
  }
#endif
}

// f(i) for i < n, where f(i) writes index i's outputs from inputs that no f(j) writes (so that
// evaluating an index twice gives the same values): map's ragged end for loops with several
// inputs or outputs per index. (A plain `omp simd` loop leaves n mod 8 iterations to narrower
// vectors and scalar code: f17/f18's 39 pairs at D = 40 took 1.1x the time of 40.)
template <class F>
SO_HD_FORCE void map_index(int n, F f) {
#if defined(__CUDA_ARCH__)
  for (int i = 0; i < n; ++i) f(i);
#else
  constexpr int W = Width<double>::value;
  const int bulk = n >= W ? n - n % W : n;
  SO_SIMD_LANES(double)
  for (int i = 0; i < bulk; ++i) f(i);
  if (bulk < n) {
    const int o = n - W;
    SO_SIMD_LANES(double)
    for (int j = 0; j < W; ++j) f(o + j);
  }
#endif
}

}  // namespace simd
SO_NAMESPACE_END
