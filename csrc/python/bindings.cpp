// scoreopt._core: the Python face of the C++ core. No algorithm lives here: it checks buffers,
// releases the GIL and forwards raw pointers. Shape and dtype conversion policy is in Python.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>

#include "scoreopt/build_info.hpp"
#include "scoreopt/cuda.hpp"
#include "scoreopt/integrators.hpp"
#include "scoreopt/problem.hpp"
#include "scoreopt/registry.hpp"
#include "scoreopt/sampling_optimizer.hpp"
#include "scoreopt/smoothing.hpp"

namespace py = pybind11;
using scoreopt::Problem;

namespace {

// Address of the last X buffer a call on this thread read from: lets the tests prove that a
// contiguous input reaches the core without a copy.
thread_local std::uintptr_t g_last_input = 0;

void require(bool ok, const std::string& msg) {
  if (!ok) throw std::invalid_argument(msg);
}

struct Buffer {
  void* ptr;
  std::int64_t rows;
  std::int64_t cols;
  char kind;  // 'f' float32, 'd' float64
};

Buffer view(const py::array& a, const char* name, int ndim, bool writable) {
  require(a.ndim() == ndim, std::string(name) + ": expected a " + std::to_string(ndim) +
                                "-D array, got " + std::to_string(a.ndim()) + "-D");
  require((a.flags() & py::array::c_style) != 0, std::string(name) + ": must be C-contiguous");
  char kind;
  // equal(), not is(): an array restored by pickle (process or Ray workers) has its own dtype
  // object, equal to float64 but not the same object
  if (a.dtype().equal(py::dtype::of<float>()))
    kind = 'f';
  else if (a.dtype().equal(py::dtype::of<double>()))
    kind = 'd';
  else
    throw std::invalid_argument(std::string(name) + ": expected float32 or float64, got " +
                                std::string(py::str(a.dtype())));
  require(!writable || a.writeable(), std::string(name) + ": must be writable");
  void* ptr = const_cast<void*>(a.data());
  const std::int64_t rows = a.shape(0);
  const std::int64_t cols = ndim == 2 ? a.shape(1) : 1;
  return {ptr, rows, cols, kind};
}

void evaluate(const Problem& p, const py::array& X, const py::object& params, py::array& out,
              const py::object& grad) {
  Buffer x = view(X, "X", 2, false);
  require(x.cols == p.dim(), "X: expected " + std::to_string(p.dim()) + " columns, got " +
                                 std::to_string(x.cols));
  Buffer f = view(out, "out", 1, true);
  require(f.kind == x.kind && f.rows == x.rows, "out: expected shape (N,) and the dtype of X");
  Buffer g{nullptr, 0, 0, x.kind};
  if (!grad.is_none()) {
    g = view(grad.cast<py::array>(), "grad", 2, true);
    require(g.kind == x.kind && g.rows == x.rows && g.cols == x.cols,
            "grad: expected the shape and dtype of X");
  }
  Buffer prm{nullptr, 0, 0, x.kind};
  if (!params.is_none()) {
    prm = view(params.cast<py::array>(), "params", 2, false);
    require(prm.kind == x.kind, "params: expected the dtype of X");
    require(prm.cols == p.info().num_params,
            "params: expected " + std::to_string(p.info().num_params) + " columns, got " +
                std::to_string(prm.cols));
  }
  g_last_input = reinterpret_cast<std::uintptr_t>(x.ptr);
  py::gil_scoped_release release;
  if (x.kind == 'f')
    p.evaluate<float>(static_cast<const float*>(x.ptr), x.rows,
                      static_cast<const float*>(prm.ptr), prm.rows, static_cast<float*>(f.ptr),
                      static_cast<float*>(g.ptr));
  else
    p.evaluate<double>(static_cast<const double*>(x.ptr), x.rows,
                       static_cast<const double*>(prm.ptr), prm.rows,
                       static_cast<double*>(f.ptr), static_cast<double*>(g.ptr));
}

// The estimator's options from a binding's arguments, for the CPU and the CUDA binding; the
// options point into lo/hi and fac, which the caller keeps alive for the call. factor: None, or
// a float64 array of shape (dim,) (a diagonal factor) or (dim, dim) (checked by the core).
using FactorArray = py::array_t<double, py::array::c_style | py::array::forcecast>;
scoreopt::SmoothingOptions smoothing_options(std::int64_t samples, bool antithetic, double temperature,
                                             bool relative, std::uint64_t seed, std::uint64_t center_offset,
                                             const py::object& lower, const py::object& upper, std::int64_t dim,
                                             std::vector<double>& lo, std::vector<double>& hi,
                                             const py::object& factor, FactorArray& fac) {
  scoreopt::SmoothingOptions opt;
  opt.samples = samples;
  opt.antithetic = antithetic;
  opt.temperature = temperature;
  opt.relative_temperature = relative;
  opt.seed = seed;
  opt.center_offset = center_offset;
  if (!lower.is_none()) {
    lo = lower.cast<std::vector<double>>();
    hi = upper.cast<std::vector<double>>();
    require(lo.size() == size_t(dim) && hi.size() == size_t(dim), "bounds: expected dim values each");
    opt.lower = lo.data();
    opt.upper = hi.data();
  }
  if (!factor.is_none()) {
    fac = factor.cast<FactorArray>();
    const bool diag = fac.ndim() == 1 && fac.shape(0) == dim;
    require(diag || (fac.ndim() == 2 && fac.shape(0) == dim && fac.shape(1) == dim),
            "factor: expected shape (" + std::to_string(dim) + ",) or (" + std::to_string(dim) + ", " +
                std::to_string(dim) + ")");
    opt.factor = fac.data();
    opt.factor_diagonal = diag;
  }
  return opt;
}

// Either the fused estimate of problem p, or (p null) the statistics of the caller's values.
template <class T>
py::tuple smoothing_estimate_t(const Problem* p, std::int64_t d, const T* values, const py::array& X,
                               const py::array& sigma, const py::object& params,
                               std::int64_t samples, bool antithetic, double temperature,
                               bool relative, std::uint64_t seed, std::uint64_t center_offset,
                               const py::object& lower, const py::object& upper,
                               const py::object& factor, bool want_gradient, bool want_weighted) {
  const std::int64_t m = X.shape(0);
  auto arr = [](std::vector<py::ssize_t> shape) { return py::array_t<T>(shape); };
  py::array_t<T> value = arr({m}), best_f = arr({m});
  py::array_t<std::int64_t> nonfinite({m});
  py::array_t<T> best_x = arr({m, d});
  py::object gradient = py::none(), weighted = py::none();
  scoreopt::SmoothingResult<T> out;
  out.value = value.mutable_data();
  out.best_f = best_f.mutable_data();
  out.best_x = best_x.mutable_data();
  out.nonfinite = nonfinite.mutable_data();
  if (want_gradient) {
    py::array_t<T> g = arr({m, d});
    out.gradient = g.mutable_data();
    gradient = g;
  }
  if (want_weighted) {
    py::array_t<T> w = arr({m, d});
    out.weighted_mean = w.mutable_data();
    weighted = w;
  }
  Buffer prm{nullptr, 0, 0, 'd'};
  if (!params.is_none()) prm = view(params.cast<py::array>(), "params", 2, false);
  std::vector<double> lo, hi;
  FactorArray fac;
  const scoreopt::SmoothingOptions opt = smoothing_options(samples, antithetic, temperature, relative, seed,
                                                           center_offset, lower, upper, d, lo, hi, factor, fac);
  const T* xp = static_cast<const T*>(X.data());
  const T* sp = static_cast<const T*>(sigma.data());
  const std::int64_t sl = sigma.size();
  {
    py::gil_scoped_release release;
    if (p)
      scoreopt::smoothing_estimate<T>(*p, xp, m, sp, sl, static_cast<const T*>(prm.ptr), prm.rows,
                                      opt, out);
    else
      scoreopt::smoothing_statistics<T>(int(d), xp, m, sp, sl, values, opt, out);
  }
  return py::make_tuple(value, gradient, weighted, best_x, best_f, nonfinite);
}

py::tuple smoothing_estimate(const Problem& p, const py::array& X, const py::array& sigma,
                             const py::object& params, std::int64_t samples, bool antithetic,
                             double temperature, bool relative, std::uint64_t seed,
                             std::uint64_t center_offset, const py::object& lower,
                             const py::object& upper, const py::object& factor, bool want_gradient,
                             bool want_weighted) {
  Buffer x = view(X, "X", 2, false);
  require(x.cols == p.dim(), "X: expected " + std::to_string(p.dim()) + " columns, got " +
                                 std::to_string(x.cols));
  Buffer s = view(sigma, "sigma", 1, false);
  require(s.kind == x.kind, "sigma: expected the dtype of X");
  if (!params.is_none()) {
    Buffer prm = view(params.cast<py::array>(), "params", 2, false);
    require(prm.kind == x.kind, "params: expected the dtype of X");
  }
  if (x.kind == 'f')
    return smoothing_estimate_t<float>(&p, p.dim(), nullptr, X, sigma, params, samples, antithetic,
                                       temperature, relative, seed, center_offset, lower, upper,
                                       factor, want_gradient, want_weighted);
  return smoothing_estimate_t<double>(&p, p.dim(), nullptr, X, sigma, params, samples, antithetic,
                                      temperature, relative, seed, center_offset, lower, upper,
                                      factor, want_gradient, want_weighted);
}

// values: M x samples, f of the samples smoothing_noise draws for each center, in that order.
py::tuple smoothing_statistics(const py::array& X, const py::array& sigma, const py::array& values,
                               bool antithetic, double temperature, bool relative,
                               std::uint64_t seed, std::uint64_t center_offset,
                               const py::object& lower, const py::object& upper,
                               const py::object& factor, bool want_gradient, bool want_weighted) {
  Buffer x = view(X, "X", 2, false);
  Buffer s = view(sigma, "sigma", 1, false);
  Buffer f = view(values, "values", 2, false);
  require(s.kind == x.kind && f.kind == x.kind, "sigma, values: expected the dtype of X");
  require(f.rows == x.rows, "values: expected " + std::to_string(x.rows) + " rows, got " +
                                std::to_string(f.rows));
  const py::object none = py::none();
  if (x.kind == 'f')
    return smoothing_estimate_t<float>(nullptr, x.cols, static_cast<const float*>(f.ptr), X, sigma,
                                       none, f.cols, antithetic, temperature, relative, seed,
                                       center_offset, lower, upper, factor, want_gradient, want_weighted);
  return smoothing_estimate_t<double>(nullptr, x.cols, static_cast<const double*>(f.ptr), X, sigma,
                                      none, f.cols, antithetic, temperature, relative, seed,
                                      center_offset, lower, upper, factor, want_gradient, want_weighted);
}

// One population Y (K x D) around center, from the caller's f (K): (value, best index,
// non-finite count, weighted mean or None, gradient or None). The gradient needs eps (K x D).
py::tuple population_statistics(const py::array_t<double, py::array::c_style | py::array::forcecast>& Y,
                                const py::array_t<double, py::array::c_style | py::array::forcecast>& f,
                                const py::array_t<double, py::array::c_style | py::array::forcecast>& center,
                                double temperature, const py::object& eps, double sigma,
                                bool antithetic) {
  require(Y.ndim() == 2, "Y: expected a 2-D array");
  const std::int64_t K = Y.shape(0), d = Y.shape(1);
  require(f.ndim() == 1 && f.shape(0) == K, "f: expected shape (" + std::to_string(K) + ",)");
  require(center.ndim() == 1 && center.shape(0) == d, "center: expected shape (" + std::to_string(d) + ",)");
  py::array_t<double, py::array::c_style | py::array::forcecast> e;
  if (!eps.is_none()) {
    e = eps.cast<py::array_t<double, py::array::c_style | py::array::forcecast>>();
    require(e.ndim() == 2 && e.shape(0) == K && e.shape(1) == d, "eps: expected the shape of Y");
    require(!antithetic || K % 2 == 0, "eps: antithetic pairs need an even count");
  }
  py::object wm = py::none(), g = py::none();
  double* wp = nullptr;
  double* gp = nullptr;
  if (temperature > 0) {
    py::array_t<double> a({d});
    wp = a.mutable_data();
    wm = a;
  }
  if (!eps.is_none()) {
    py::array_t<double> a({d});
    gp = a.mutable_data();
    g = a;
  }
  scoreopt::PopulationStatistics st;
  {
    py::gil_scoped_release release;
    st = scoreopt::population_statistics(int(d), K, Y.data(), f.data(), center.data(), temperature, wp,
                                         gp ? e.data() : nullptr, sigma, antithetic, gp);
  }
  return py::make_tuple(st.value, st.best, st.nonfinite, wm, g);
}

// The core's check of a kernel factor (a float64 array of shape (dim,) or (dim, dim)).
void smoothing_check_factor(const FactorArray& factor) {
  require(factor.ndim() == 1 || (factor.ndim() == 2 && factor.shape(0) == factor.shape(1)),
          "factor: expected shape (dim,) or (dim, dim)");
  scoreopt::SmoothingOptions opt;
  opt.factor = factor.data();
  opt.factor_diagonal = factor.ndim() == 1;
  scoreopt::check_smoothing_factor(opt, int(factor.shape(0)));
}

py::array smoothing_noise(std::uint64_t seed, std::uint64_t center, std::int64_t start,
                          std::int64_t count, int dim, bool antithetic, bool float32) {
  if (float32) {
    py::array_t<float> out({count, std::int64_t(dim)});
    float* o = out.mutable_data();
    py::gil_scoped_release release;
    scoreopt::smoothing_noise<float>(seed, center, start, count, dim, antithetic, o);
    return std::move(out);
  }
  py::array_t<double> out({count, std::int64_t(dim)});
  double* o = out.mutable_data();
  py::gil_scoped_release release;
  scoreopt::smoothing_noise<double>(seed, center, start, count, dim, antithetic, o);
  return std::move(out);
}

// ---- integrators: x (B x D) is updated in place; every other field must match it exactly ----
Buffer field_like(const Buffer& x, const py::array& a, const char* name) {
  Buffer b = view(a, name, 2, false);
  require(b.kind == x.kind, std::string(name) + ": dtype " + (b.kind == 'f' ? "float32" : "float64") +
                                " does not match x (" + (x.kind == 'f' ? "float32" : "float64") + ")");
  require(b.rows == x.rows && b.cols == x.cols,
          std::string(name) + ": shape (" + std::to_string(b.rows) + ", " + std::to_string(b.cols) +
              ") does not match x (" + std::to_string(x.rows) + ", " + std::to_string(x.cols) + ")");
  return b;
}

scoreopt::PathParams path_params(double beta_min, double beta_max, double s) {
  scoreopt::PathParams p;
  p.beta_min = beta_min, p.beta_max = beta_max, p.cosine_s = s;
  return p;
}

template <class F>
void dispatch(const Buffer& x, F&& fn) {
  py::gil_scoped_release release;
  if (x.kind == 'f')
    fn(float{});
  else
    fn(double{});
}

void integrator_euler(py::array& X, const py::array& V, double dt) {
  Buffer x = view(X, "x", 2, true), v = field_like(x, V, "v");
  dispatch(x, [&](auto z) {
    using T = decltype(z);
    scoreopt::euler_step<T>(static_cast<T*>(x.ptr), static_cast<const T*>(v.ptr), x.rows, x.cols, dt);
  });
}

void integrator_heun(py::array& X, const py::array& V1, const py::array& V2, double dt) {
  Buffer x = view(X, "x", 2, true), v1 = field_like(x, V1, "v1"), v2 = field_like(x, V2, "v2");
  dispatch(x, [&](auto z) {
    using T = decltype(z);
    scoreopt::heun_step<T>(static_cast<T*>(x.ptr), static_cast<const T*>(v1.ptr),
                           static_cast<const T*>(v2.ptr), x.rows, x.cols, dt);
  });
}

void integrator_euler_maruyama(py::array& X, const py::array& S, double f, double g, double dt,
                               std::uint64_t seed, std::uint64_t step, std::int64_t row_offset) {
  Buffer x = view(X, "x", 2, true), s = field_like(x, S, "score");
  const scoreopt::NoiseKey key{seed, step, row_offset};
  dispatch(x, [&](auto z) {
    using T = decltype(z);
    scoreopt::euler_maruyama_step<T>(static_cast<T*>(x.ptr), static_cast<const T*>(s.ptr), x.rows,
                                     x.cols, f, g, dt, key);
  });
}

void integrator_langevin(py::array& X, const py::array& S, double step_size, std::uint64_t seed,
                         std::uint64_t step, std::int64_t row_offset) {
  Buffer x = view(X, "x", 2, true), s = field_like(x, S, "score");
  const scoreopt::NoiseKey key{seed, step, row_offset};
  dispatch(x, [&](auto z) {
    using T = decltype(z);
    scoreopt::langevin_step<T>(static_cast<T*>(x.ptr), static_cast<const T*>(s.ptr), x.rows,
                               x.cols, step_size, key);
  });
}

void integrator_ddpm(py::array& X, const py::array& E, double beta, double alpha_bar,
                     double alpha_bar_prev, std::uint64_t seed, std::uint64_t step,
                     std::int64_t row_offset) {
  Buffer x = view(X, "x", 2, true), e = field_like(x, E, "eps");
  const scoreopt::NoiseKey key{seed, step, row_offset};
  dispatch(x, [&](auto z) {
    using T = decltype(z);
    scoreopt::ddpm_step<T>(static_cast<T*>(x.ptr), static_cast<const T*>(e.ptr), x.rows, x.cols,
                           beta, alpha_bar, alpha_bar_prev, key);
  });
}

bool known_field(scoreopt::Field f) {
  switch (f) {
    case scoreopt::Field::velocity:
    case scoreopt::Field::score:
    case scoreopt::Field::eps:
    case scoreopt::Field::x0:
      return true;
  }
  return false;
}

void integrator_convert(scoreopt::Field from, scoreopt::Field to, double alpha, double sigma,
                        double dalpha, double dsigma, const py::array& X, const py::array& In,
                        py::array& Out) {
  // a bound enum still converts from any integer (Field(7)), so the value is checked here
  require(known_field(from), "from: unknown field");
  require(known_field(to), "to: unknown field");
  Buffer x = view(X, "x", 2, false), in = field_like(x, In, "field"), out = field_like(x, Out, "out");
  require(Out.writeable(), "out: must be writable");
  const scoreopt::Schedule sch{alpha, sigma, dalpha, dsigma};
  dispatch(x, [&](auto z) {
    using T = decltype(z);
    scoreopt::convert_field<T>(from, to, sch,
                               static_cast<const T*>(x.ptr), static_cast<const T*>(in.ptr),
                               static_cast<T*>(out.ptr), x.rows, x.cols);
  });
}

py::tuple integrator_schedule(scoreopt::Path path, double t, double beta_min, double beta_max,
                              double s) {
  const scoreopt::Schedule r =
      scoreopt::checked_schedule(path, t, path_params(beta_min, beta_max, s));
  return py::make_tuple(r.alpha, r.sigma, r.dalpha, r.dsigma);
}

py::tuple integrator_sde_coefficients(scoreopt::Path path, double t, double beta_min,
                                      double beta_max, double s) {
  const scoreopt::Schedule r =
      scoreopt::checked_schedule(path, t, path_params(beta_min, beta_max, s));
  double f, g2;
  scoreopt::sde_coefficients(r, f, g2);
  return py::make_tuple(f, g2);
}

// ---- the sampling engine: options arrive by keyword and are checked by the core ----------------
using scoreopt::SamplingOptimizer;

scoreopt::SamplingOptions::Value option_value(const std::string& name, const py::handle& v) {
  if (py::isinstance<py::bool_>(v)) return v.cast<bool>();
  if (py::isinstance<py::str>(v)) return v.cast<std::string>();
  try {
    if (py::hasattr(v, "__index__")) {  // ints, numpy integers
      try {
        return v.cast<std::int64_t>();
      } catch (const py::cast_error&) {
        return v.cast<std::uint64_t>();  // 2^63 .. 2^64 - 1 (seeds)
      }
    }
    if (py::hasattr(v, "__float__")) return v.cast<double>();
  } catch (const py::cast_error&) {
    throw std::invalid_argument(name + ": integer out of range (expected -2^63 .. 2^64 - 1)");
  }
  throw py::type_error(name + ": expected a number, a bool or a string, got " +
                       std::string(py::str(py::type::handle_of(v).attr("__name__"))));
}

SamplingOptimizer make_engine(const std::string& method, std::vector<double> lower,
                              std::vector<double> upper, const py::object& x0, const py::dict& options) {
  scoreopt::SamplingOptions o;
  o.method = scoreopt::parse_method(method);
  for (const auto& item : options) {
    if (item.second.is_none()) continue;  // unset: the method's default
    const std::string name = item.first.cast<std::string>();
    o.set(name, option_value(name, item.second));
  }
  std::vector<double> x = x0.is_none() ? std::vector<double>{} : x0.cast<std::vector<double>>();
  const int dim = int(lower.size());
  return SamplingOptimizer(dim, std::move(lower), std::move(upper), std::move(o), std::move(x));
}

py::array_t<double> array_of(const double* p, std::int64_t rows, std::int64_t cols = -1) {
  if (!p) return py::array_t<double>();
  py::array_t<double> a = cols < 0 ? py::array_t<double>(rows) : py::array_t<double>({rows, cols});
  std::copy(p, p + a.size(), a.mutable_data());
  return a;
}

py::object option_object(const scoreopt::SamplingOptions::Value& v) {
  return std::visit([](const auto& x) -> py::object { return py::cast(x); }, v);
}

void engine_tell(SamplingOptimizer& e, const py::array& X, const py::array& f) {
  const Buffer x = view(X, "X", 2, false), v = view(f, "f", 1, false);
  require(x.kind == 'd' && v.kind == 'd', "X, f: expected float64");
  require(x.rows == e.popsize() && x.cols == e.dim(),
          "X: expected shape (" + std::to_string(e.popsize()) + ", " + std::to_string(e.dim()) + ")");
  require(v.rows == e.popsize(), "f: expected " + std::to_string(e.popsize()) + " values");
  py::gil_scoped_release release;
  e.tell(static_cast<const double*>(x.ptr), static_cast<const double*>(v.ptr));
}

py::dict engine_result(const SamplingOptimizer& e) {
  const scoreopt::OptimizeResult r = e.result();
  py::dict d;
  d["x"] = array_of(r.x.data(), std::int64_t(r.x.size()));
  d["fun"] = r.fun;
  d["nfev"] = r.nfev;
  d["nit"] = r.nit;
  d["nonfinite"] = r.nonfinite;
  d["success"] = r.success;
  d["message"] = r.message;
  d["history"] = r.history;
  d["method"] = scoreopt::method_name(e.options().method);
  return d;
}

py::dict engine_batch(const SamplingOptimizer& e) {
  const scoreopt::Batch& b = e.last_batch();
  require(b.X != nullptr, "last_batch: no population was told yet");
  const std::int64_t d = e.dim();
  py::dict out;
  out["X"] = array_of(b.X, b.n, d);
  out["f"] = array_of(b.f, b.n);
  out["value"] = b.value;
  out["weighted_mean"] = b.weighted_mean ? py::object(array_of(b.weighted_mean, d)) : py::object(py::none());
  out["gradient"] = b.gradient ? py::object(array_of(b.gradient, d)) : py::object(py::none());
  out["best"] = b.best;
  out["nonfinite"] = b.nonfinite;
  return out;
}

py::array_t<double> reflect_into_box(const py::array& X, const py::array& lower, const py::array& upper) {
  const Buffer x = view(X, "X", 2, false), lo = view(lower, "lower", 1, false), hi = view(upper, "upper", 1, false);
  require(x.kind == 'd' && lo.kind == 'd' && hi.kind == 'd', "X, lower, upper: expected float64");
  require(lo.rows == x.cols && hi.rows == x.cols,
          "lower, upper: expected " + std::to_string(x.cols) + " values each (the columns of X)");
  const auto* l = static_cast<const double*>(lo.ptr);
  const auto* u = static_cast<const double*>(hi.ptr);
  for (std::int64_t i = 0; i < x.cols; ++i)
    require(std::isfinite(l[i]) && std::isfinite(u[i]) && l[i] < u[i],
            "lower, upper: expected finite bounds with lower < upper");
  py::array_t<double> out({x.rows, x.cols});
  std::copy(static_cast<const double*>(x.ptr), static_cast<const double*>(x.ptr) + x.rows * x.cols,
            out.mutable_data());
  double* o = out.mutable_data();
  {
    py::gil_scoped_release release;
    scoreopt::reflect_into_box(x.rows, int(x.cols), l, u, o);
  }
  return out;
}

py::array_t<double> boltzmann_weights(const py::array_t<double, py::array::c_style | py::array::forcecast>& f,
                                      double temperature, const std::string& scale) {
  require(f.ndim() == 1, "f: expected a 1-D array");
  require(std::isfinite(temperature) && temperature > 0,
          "temperature: expected a finite value > 0, got " + std::to_string(temperature));
  scoreopt::TemperatureScale s;
  if (scale == "std")
    s = scoreopt::TemperatureScale::Std;
  else if (scale == "median")
    s = scoreopt::TemperatureScale::MedianSpread;
  else
    throw std::invalid_argument("scale: expected one of std, median, got '" + scale + "'");
  py::array_t<double> w(f.shape(0));
  double* o = w.mutable_data();
  {
    py::gil_scoped_release release;
    scoreopt::boltzmann_weights(f.data(), f.shape(0), temperature, s, o);
  }
  return w;
}

py::bytes engine_save(const SamplingOptimizer& e) {
  const std::vector<std::uint8_t> s = e.save();
  return py::bytes(reinterpret_cast<const char*>(s.data()), s.size());
}

SamplingOptimizer engine_load(const py::bytes& b) {
  const std::string s = b;
  return SamplingOptimizer::load(std::vector<std::uint8_t>(s.begin(), s.end()));
}

py::dict info_dict(const scoreopt::FunctionInfo& fi) {
  py::dict d;
  d["name"] = fi.name;
  d["family"] = fi.family;
  d["description"] = fi.description;
  d["min_dim"] = fi.min_dim;
  d["even_dim"] = fi.even_dim;
  d["lower"] = fi.lower;
  d["upper"] = fi.upper;
  d["smooth"] = fi.smooth;
  d["num_params"] = fi.num_params;
  d["param_lower"] = fi.param_lower;
  d["param_upper"] = fi.param_upper;
  py::list opts;
  for (const auto& o : fi.options) {
    py::dict od;
    od["name"] = o.name;
    od["default"] = o.default_value;
    od["min"] = o.min_value;
    od["max"] = o.max_value;
    od["integer"] = o.integer;
    od["help"] = o.help;
    opts.append(od);
  }
  d["options"] = opts;
  return d;
}

// ---- CUDA: device buffers arrive as addresses (torch's tensor.data_ptr()) and the stream as
// torch.cuda.current_stream().cuda_stream; shapes and dtypes were checked by
// scoreopt/_cuda_backend.py, pointers and values are checked by the core. The GIL is released
// for the whole call (the core synchronizes the stream in evaluation and smoothing).
template <class T>
T* dev(std::uintptr_t address) {
  return reinterpret_cast<T*>(address);
}

scoreopt::cuda::Stream cuda_stream(std::uintptr_t s) { return reinterpret_cast<scoreopt::cuda::Stream>(s); }

void cuda_evaluate(const Problem& p, std::uintptr_t X, std::int64_t n, std::uintptr_t params,
                   std::int64_t params_rows, std::uintptr_t f, std::uintptr_t grad, bool float32,
                   std::uintptr_t stream) {
  py::gil_scoped_release release;
  if (float32)
    scoreopt::cuda::evaluate<float>(p, dev<const float>(X), n, dev<const float>(params), params_rows,
                                    dev<float>(f), dev<float>(grad), cuda_stream(stream));
  else
    scoreopt::cuda::evaluate<double>(p, dev<const double>(X), n, dev<const double>(params),
                                     params_rows, dev<double>(f), dev<double>(grad), cuda_stream(stream));
}

template <class T>
void cuda_smoothing_t(const Problem& p, std::uintptr_t X, std::int64_t m, std::uintptr_t sigma,
                      std::int64_t sigma_len, std::uintptr_t params, std::int64_t params_rows,
                      const scoreopt::SmoothingOptions& opt, std::uintptr_t value,
                      std::uintptr_t gradient, std::uintptr_t weighted, std::uintptr_t best_x,
                      std::uintptr_t best_f, std::uintptr_t nonfinite, std::int64_t chunk,
                      std::uintptr_t stream) {
  scoreopt::SmoothingResult<T> out;
  out.value = dev<T>(value);
  out.gradient = dev<T>(gradient);
  out.weighted_mean = dev<T>(weighted);
  out.best_x = dev<T>(best_x);
  out.best_f = dev<T>(best_f);
  out.nonfinite = dev<std::int64_t>(nonfinite);
  scoreopt::cuda::smoothing_estimate<T>(p, dev<const T>(X), m, dev<const T>(sigma), sigma_len,
                                        dev<const T>(params), params_rows, opt, out, chunk,
                                        cuda_stream(stream));
}

void cuda_smoothing_estimate(const Problem& p, std::uintptr_t X, std::int64_t m,
                             std::uintptr_t sigma, std::int64_t sigma_len, std::uintptr_t params,
                             std::int64_t params_rows, std::int64_t samples, bool antithetic,
                             double temperature, bool relative, std::uint64_t seed,
                             std::uint64_t center_offset, const py::object& lower,
                             const py::object& upper, const py::object& factor, std::uintptr_t value,
                             std::uintptr_t gradient, std::uintptr_t weighted,
                             std::uintptr_t best_x, std::uintptr_t best_f,
                             std::uintptr_t nonfinite, std::int64_t chunk, bool float32,
                             std::uintptr_t stream) {
  std::vector<double> lo, hi;
  FactorArray fac;
  const scoreopt::SmoothingOptions opt = smoothing_options(samples, antithetic, temperature, relative, seed,
                                                           center_offset, lower, upper, p.dim(), lo, hi,
                                                           factor, fac);
  py::gil_scoped_release release;
  if (float32)
    cuda_smoothing_t<float>(p, X, m, sigma, sigma_len, params, params_rows, opt, value, gradient,
                            weighted, best_x, best_f, nonfinite, chunk, stream);
  else
    cuda_smoothing_t<double>(p, X, m, sigma, sigma_len, params, params_rows, opt, value, gradient,
                             weighted, best_x, best_f, nonfinite, chunk, stream);
}

scoreopt::NoiseKey noise_key(std::uint64_t seed, std::uint64_t step, std::int64_t row_offset) {
  scoreopt::NoiseKey k;
  k.seed = seed, k.step = step, k.row_offset = row_offset;
  return k;
}

void cuda_integrator_euler(std::uintptr_t x, std::uintptr_t v, std::int64_t B, std::int64_t D,
                           double dt, bool float32, std::uintptr_t stream) {
  py::gil_scoped_release release;
  if (float32)
    scoreopt::cuda::euler_step<float>(dev<float>(x), dev<const float>(v), B, D, dt, cuda_stream(stream));
  else
    scoreopt::cuda::euler_step<double>(dev<double>(x), dev<const double>(v), B, D, dt, cuda_stream(stream));
}

void cuda_integrator_heun(std::uintptr_t x, std::uintptr_t v1, std::uintptr_t v2, std::int64_t B,
                          std::int64_t D, double dt, bool float32, std::uintptr_t stream) {
  py::gil_scoped_release release;
  if (float32)
    scoreopt::cuda::heun_step<float>(dev<float>(x), dev<const float>(v1), dev<const float>(v2), B, D,
                                     dt, cuda_stream(stream));
  else
    scoreopt::cuda::heun_step<double>(dev<double>(x), dev<const double>(v1), dev<const double>(v2), B,
                                      D, dt, cuda_stream(stream));
}

void cuda_integrator_euler_maruyama(std::uintptr_t x, std::uintptr_t score, std::int64_t B,
                                    std::int64_t D, double f, double g, double dt,
                                    std::uint64_t seed, std::uint64_t step,
                                    std::int64_t row_offset, bool float32, std::uintptr_t stream) {
  const auto key = noise_key(seed, step, row_offset);
  py::gil_scoped_release release;
  if (float32)
    scoreopt::cuda::euler_maruyama_step<float>(dev<float>(x), dev<const float>(score), B, D, f, g, dt,
                                               key, cuda_stream(stream));
  else
    scoreopt::cuda::euler_maruyama_step<double>(dev<double>(x), dev<const double>(score), B, D, f, g,
                                                dt, key, cuda_stream(stream));
}

void cuda_integrator_langevin(std::uintptr_t x, std::uintptr_t score, std::int64_t B,
                              std::int64_t D, double step_size, std::uint64_t seed,
                              std::uint64_t step, std::int64_t row_offset, bool float32,
                              std::uintptr_t stream) {
  const auto key = noise_key(seed, step, row_offset);
  py::gil_scoped_release release;
  if (float32)
    scoreopt::cuda::langevin_step<float>(dev<float>(x), dev<const float>(score), B, D, step_size, key,
                                         cuda_stream(stream));
  else
    scoreopt::cuda::langevin_step<double>(dev<double>(x), dev<const double>(score), B, D, step_size,
                                          key, cuda_stream(stream));
}

void cuda_integrator_ddpm(std::uintptr_t x, std::uintptr_t eps, std::int64_t B, std::int64_t D,
                          double beta, double alpha_bar, double alpha_bar_prev, std::uint64_t seed,
                          std::uint64_t step, std::int64_t row_offset, bool float32,
                          std::uintptr_t stream) {
  const auto key = noise_key(seed, step, row_offset);
  py::gil_scoped_release release;
  if (float32)
    scoreopt::cuda::ddpm_step<float>(dev<float>(x), dev<const float>(eps), B, D, beta, alpha_bar,
                                     alpha_bar_prev, key, cuda_stream(stream));
  else
    scoreopt::cuda::ddpm_step<double>(dev<double>(x), dev<const double>(eps), B, D, beta, alpha_bar,
                                      alpha_bar_prev, key, cuda_stream(stream));
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "scoreopt compiled core (internal; use the scoreopt package)";
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const scoreopt::OptionTypeError& e) {
      PyErr_SetString(PyExc_TypeError, e.what());
    } catch (const std::invalid_argument& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const std::out_of_range& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    }
  });

  m.def("registry", [] {
    py::list out;
    for (const auto& fi : scoreopt::registry()) out.append(info_dict(fi));
    return out;
  });
  m.def("suite_registry", [] {
    py::list out;
    for (const auto& fi : scoreopt::suite_registry()) out.append(info_dict(fi));
    return out;
  });

  py::class_<Problem>(m, "Problem")
      .def(py::init([](const std::string& name, int dim, const std::map<std::string, double>& o) {
             return Problem(name, dim, o);
           }),
           py::arg("name"), py::arg("dim"), py::arg("options") = std::map<std::string, double>{})
      .def_property_readonly("name", [](const Problem& p) { return p.info().name; })
      .def_property_readonly("dim", &Problem::dim)
      .def_property_readonly("info", [](const Problem& p) { return info_dict(p.info()); })
      .def_property_readonly("options",
                             [](const Problem& p) {
                               py::dict d;
                               for (size_t k = 0; k < p.options().size(); ++k)
                                 d[py::str(p.info().options[k].name)] = p.options()[k];
                               return d;
                             })
      .def_property_readonly("has_affine", [](const Problem& p) { return !p.affine().empty(); })
      .def("affine",
           [](const Problem& p) {
             const auto& a = p.affine();
             return py::make_tuple(a.matrix, a.shift, a.scale, a.bias);
           })
      .def(
          "with_affine",
          [](const Problem& p, std::vector<double> matrix, std::vector<double> shift, double scale,
             double bias) {
            scoreopt::Affine a{std::move(matrix), std::move(shift), scale, bias};
            return p.with_affine(std::move(a));
          },
          py::arg("matrix"), py::arg("shift"), py::arg("scale"), py::arg("bias"))
      .def(
          "with_data",
          [](const Problem& p, std::vector<double> data) { return p.with_data(std::move(data)); },
          py::arg("data"))
      .def("known_optimum",
           [](const Problem& p) -> py::object {
             double v;
             std::vector<double> x;
             if (!scoreopt::known_optimum(p.info(), p.dim(), p.options(), &v, &x))
               return py::none();
             return py::make_tuple(v, x);
           })
      .def("evaluate", &evaluate, py::arg("X"), py::arg("params"), py::arg("out"),
           py::arg("grad") = py::none())
      // picklable, so problems travel to process and Ray workers: the state is what built it
      .def(py::pickle(
          [](const Problem& p) {
            std::map<std::string, double> o;
            for (size_t k = 0; k < p.options().size(); ++k) o[p.info().options[k].name] = p.options()[k];
            const auto& a = p.affine();
            return py::make_tuple(p.info().name, p.dim(), o, a.matrix, a.shift, a.scale, a.bias,
                                  !a.empty(), p.data());
          },
          [](const py::tuple& t) {
            require(t.size() == 9, "Problem: invalid pickled state");
            Problem p(t[0].cast<std::string>(), t[1].cast<int>(),
                      t[2].cast<std::map<std::string, double>>());
            auto data = t[8].cast<std::vector<double>>();
            if (!data.empty()) p = p.with_data(std::move(data));
            if (t[7].cast<bool>())
              p = p.with_affine(scoreopt::Affine{t[3].cast<std::vector<double>>(),
                                                 t[4].cast<std::vector<double>>(),
                                                 t[5].cast<double>(), t[6].cast<double>()});
            return p;
          }));

  m.def("smoothing_estimate", &smoothing_estimate, py::arg("problem"), py::arg("X"),
        py::arg("sigma"), py::arg("params"), py::arg("samples"), py::arg("antithetic"),
        py::arg("temperature"), py::arg("relative_temperature"), py::arg("seed"),
        py::arg("center_offset"), py::arg("lower"), py::arg("upper"), py::arg("factor"),
        py::arg("want_gradient"), py::arg("want_weighted"));
  m.def("smoothing_statistics", &smoothing_statistics, py::arg("X"), py::arg("sigma"),
        py::arg("values"), py::arg("antithetic"), py::arg("temperature"),
        py::arg("relative_temperature"), py::arg("seed"), py::arg("center_offset"), py::arg("lower"),
        py::arg("upper"), py::arg("factor"), py::arg("want_gradient"), py::arg("want_weighted"));
  m.def("population_statistics", &population_statistics, py::arg("Y"), py::arg("f"),
        py::arg("center"), py::arg("temperature"), py::arg("eps"), py::arg("sigma"),
        py::arg("antithetic"));
  m.def("smoothing_check_factor", &smoothing_check_factor, py::arg("factor"));
  m.def("smoothing_noise", &smoothing_noise, py::arg("seed"), py::arg("center"), py::arg("start"),
        py::arg("count"), py::arg("dim"), py::arg("antithetic"), py::arg("float32"));
  py::class_<SamplingOptimizer>(m, "SamplingOptimizer")
      .def(py::init(&make_engine), py::arg("method"), py::arg("lower"), py::arg("upper"),
           py::arg("x0"), py::arg("options"))
      .def("ask",
           [](SamplingOptimizer& e) {
             py::array_t<double> X({e.popsize(), std::int64_t(e.dim())});
             double* p = X.mutable_data();
             {
               py::gil_scoped_release release;
               e.ask(p);
             }
             return X;
           })
      .def("tell", &engine_tell, py::arg("X"), py::arg("f"))
      .def("step", &SamplingOptimizer::step, py::arg("problem"), py::call_guard<py::gil_scoped_release>())
      .def("halt", &SamplingOptimizer::halt, py::arg("message"))
      .def("set_search", &SamplingOptimizer::set_search, py::arg("mean"), py::arg("sigma"))
      .def("result", &engine_result)
      .def("last_batch", &engine_batch)
      .def("save", &engine_save)
      .def_static("load", &engine_load, py::arg("state"))
      .def(py::pickle(&engine_save, &engine_load))
      .def_property_readonly("method", [](const SamplingOptimizer& e) { return scoreopt::method_name(e.options().method); })
      .def_property_readonly("options",
                             [](const SamplingOptimizer& e) {
                               py::dict d;
                               for (const auto& [k, v] : e.options().items()) d[py::str(k)] = option_object(v);
                               return d;
                             })
      .def_property_readonly("dim", &SamplingOptimizer::dim)
      .def_property_readonly("popsize", &SamplingOptimizer::popsize)
      .def_property_readonly("cycles", &SamplingOptimizer::cycles)
      .def_property_readonly("lower", [](const SamplingOptimizer& e) { return array_of(e.lower().data(), e.dim()); })
      .def_property_readonly("upper", [](const SamplingOptimizer& e) { return array_of(e.upper().data(), e.dim()); })
      .def_property_readonly("mean", [](const SamplingOptimizer& e) { return array_of(e.mean().data(), e.dim()); })
      .def_property_readonly("sigma", &SamplingOptimizer::sigma)
      .def_property_readonly("temperature", &SamplingOptimizer::temperature)
      .def_property_readonly("iteration", &SamplingOptimizer::iteration)
      .def_property_readonly("iterations", &SamplingOptimizer::iterations)
      .def_property_readonly("cycle_length", &SamplingOptimizer::cycle_length)
      .def_property_readonly("nfev", &SamplingOptimizer::nfev)
      .def_property_readonly("nonfinite", &SamplingOptimizer::nonfinite)
      .def_property_readonly("best_x", [](const SamplingOptimizer& e) { return array_of(e.best_x().data(), e.dim()); })
      .def_property_readonly("best_f", &SamplingOptimizer::best_f)
      .def_property_readonly("history", &SamplingOptimizer::history)
      .def_property_readonly("stop", &SamplingOptimizer::stop);
  m.def("reflect_into_box", &reflect_into_box, py::arg("X"), py::arg("lower"), py::arg("upper"));
  m.def("boltzmann_weights", &boltzmann_weights, py::arg("f"), py::arg("temperature"), py::arg("scale"));
  m.def("integrator_euler", &integrator_euler, py::arg("x"), py::arg("v"), py::arg("dt"));
  m.def("integrator_heun", &integrator_heun, py::arg("x"), py::arg("v1"), py::arg("v2"), py::arg("dt"));
  m.def("integrator_euler_maruyama", &integrator_euler_maruyama, py::arg("x"), py::arg("score"),
        py::arg("f"), py::arg("g"), py::arg("dt"), py::arg("seed"), py::arg("step"),
        py::arg("row_offset"));
  m.def("integrator_langevin", &integrator_langevin, py::arg("x"), py::arg("score"),
        py::arg("step_size"), py::arg("seed"), py::arg("step"), py::arg("row_offset"));
  m.def("integrator_ddpm", &integrator_ddpm, py::arg("x"), py::arg("eps"), py::arg("beta"),
        py::arg("alpha_bar"), py::arg("alpha_bar_prev"), py::arg("seed"), py::arg("step"),
        py::arg("row_offset"));
  // The integrators' noise paths and fields, named once here: integrators.PATHS/FIELDS map the
  // strings users pass onto these members.
  py::enum_<scoreopt::Path>(m, "Path")
      .value("linear", scoreopt::Path::linear)
      .value("vp", scoreopt::Path::vp)
      .value("cosine", scoreopt::Path::cosine);
  py::enum_<scoreopt::Field>(m, "Field")
      .value("velocity", scoreopt::Field::velocity)
      .value("score", scoreopt::Field::score)
      .value("eps", scoreopt::Field::eps)
      .value("x0", scoreopt::Field::x0);
  m.def("integrator_convert", &integrator_convert, py::arg("from"), py::arg("to"), py::arg("alpha"),
        py::arg("sigma"), py::arg("dalpha"), py::arg("dsigma"), py::arg("x"), py::arg("field"),
        py::arg("out"));
  m.def("integrator_schedule", &integrator_schedule, py::arg("path"), py::arg("t"),
        py::arg("beta_min"), py::arg("beta_max"), py::arg("s"));
  m.def("integrator_sde_coefficients", &integrator_sde_coefficients, py::arg("path"), py::arg("t"),
        py::arg("beta_min"), py::arg("beta_max"), py::arg("s"));
  m.def("set_num_threads", &scoreopt::set_num_threads, py::arg("n"));
  m.def("num_threads", &scoreopt::num_threads);
  m.def("evaluation_threads", &scoreopt::evaluation_threads, py::arg("n"), py::arg("dim"),
        py::arg("rotated") = false);
  m.def("last_evaluation_threads", &scoreopt::last_evaluation_threads);
  m.def("_last_input_address", [] { return g_last_input; });
  m.def("compiled_backends", [] {
    py::dict d;
    d["cpu"] = true;
    d["cuda"] = scoreopt::cuda_compiled();
    return d;
  });
  m.def("cuda_device_count", &scoreopt::cuda_device_count);
  m.def("cuda_require_device", [] {
    py::gil_scoped_release release;
    scoreopt::cuda::require_device();
  });
  m.def("cuda_evaluate", &cuda_evaluate, py::arg("problem"), py::arg("X"), py::arg("n"),
        py::arg("params"), py::arg("params_rows"), py::arg("f"), py::arg("grad"),
        py::arg("float32"), py::arg("stream"));
  m.def("cuda_smoothing_estimate", &cuda_smoothing_estimate, py::arg("problem"), py::arg("X"),
        py::arg("m"), py::arg("sigma"), py::arg("sigma_len"), py::arg("params"),
        py::arg("params_rows"), py::arg("samples"), py::arg("antithetic"), py::arg("temperature"),
        py::arg("relative_temperature"), py::arg("seed"), py::arg("center_offset"),
        py::arg("lower"), py::arg("upper"), py::arg("factor"), py::arg("value"), py::arg("gradient"),
        py::arg("weighted_mean"), py::arg("best_x"), py::arg("best_f"), py::arg("nonfinite"),
        py::arg("chunk_size"), py::arg("float32"), py::arg("stream"));
  m.def("cuda_integrator_euler", &cuda_integrator_euler, py::arg("x"), py::arg("v"), py::arg("B"),
        py::arg("D"), py::arg("dt"), py::arg("float32"), py::arg("stream"));
  m.def("cuda_integrator_heun", &cuda_integrator_heun, py::arg("x"), py::arg("v1"), py::arg("v2"),
        py::arg("B"), py::arg("D"), py::arg("dt"), py::arg("float32"), py::arg("stream"));
  m.def("cuda_integrator_euler_maruyama", &cuda_integrator_euler_maruyama, py::arg("x"),
        py::arg("score"), py::arg("B"), py::arg("D"), py::arg("f"), py::arg("g"), py::arg("dt"),
        py::arg("seed"), py::arg("step"), py::arg("row_offset"), py::arg("float32"),
        py::arg("stream"));
  m.def("cuda_integrator_langevin", &cuda_integrator_langevin, py::arg("x"), py::arg("score"),
        py::arg("B"), py::arg("D"), py::arg("step_size"), py::arg("seed"), py::arg("step"),
        py::arg("row_offset"), py::arg("float32"), py::arg("stream"));
  m.def("cuda_integrator_ddpm", &cuda_integrator_ddpm, py::arg("x"), py::arg("eps"), py::arg("B"),
        py::arg("D"), py::arg("beta"), py::arg("alpha_bar"), py::arg("alpha_bar_prev"),
        py::arg("seed"), py::arg("step"), py::arg("row_offset"), py::arg("float32"),
        py::arg("stream"));
  m.def("build_info", [] { return scoreopt::build_info(); });
  // SIMD dispatch of the evaluation kernels (scoreopt/build_info.hpp)
  m.def("simd_path", &scoreopt::simd_path);
  m.def("simd_path_reason", &scoreopt::simd_path_reason);
  m.def("simd_paths", &scoreopt::simd_paths);
  m.def("supported_simd_paths", &scoreopt::supported_simd_paths);
  m.def("set_simd_path", &scoreopt::set_simd_path, py::arg("path"));
  m.def(
      "_vecmath",
      [](int op, py::array_t<double, py::array::c_style | py::array::forcecast> x,
         std::optional<py::array_t<double, py::array::c_style | py::array::forcecast>> y,
         bool libm) {
        if (x.ndim() != 1) throw std::invalid_argument("x: expected a 1-D array");
        const std::int64_t n = x.shape(0);
        if (y && (y->ndim() != 1 || y->shape(0) != n))
          throw std::invalid_argument("y: expected a 1-D array as long as x");
        py::array_t<double> out(n);
        const double* yp = y ? y->data() : nullptr;
        const double* xp = x.data();
        double* op_ = out.mutable_data();
        {
          py::gil_scoped_release release;
          scoreopt::vecmath_on_path(op, xp, yp, op_, n, libm);
        }
        return out;
      },
      py::arg("op"), py::arg("x"), py::arg("y") = py::none(), py::arg("libm") = false);
  // The path is chosen when the module loads, so that a bad SCOREOPT_SIMD fails the import with
  // its message instead of the first evaluation.
  scoreopt::simd_path();
}
