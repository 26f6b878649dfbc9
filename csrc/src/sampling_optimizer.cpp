// The sampling engine: options by name, ask/tell/step, restarts, checkpoints (the rules are in
// sampling_rules.cpp).
#include "scoreopt/sampling_optimizer.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "sampling_rules.hpp"
#include "scoreopt/random.hpp"
#include "scoreopt/smoothing.hpp"

namespace scoreopt {

namespace {

using checks::number;
using checks::positive;
using checks::require;
using SO = SamplingOptions;

constexpr const char* kMethodNames[] = {"dida", "mppi", "mbd", "cem", "es", "cdida", "external", "marginal"};
constexpr const char* kScheduleNames[] = {"geometric", "cosine", "adaptive"};
constexpr const char* kRegimeNames[] = {"equal", "ipop", "bipop"};
constexpr const char* kCovarianceNames[] = {"auto", "full", "diagonal", "isotropic"};
constexpr const char* kWeightsNames[] = {"rank", "boltzmann"};

template <class E, size_t N>
E parse_name(const std::string& name, const char* const (&names)[N], const char* what) {
  for (size_t k = 0; k < N; ++k)
    if (name == names[k]) return E(k);
  std::string choices;
  for (size_t k = 0; k < N; ++k) choices += (k ? ", " : "") + std::string(names[k]);
  throw std::invalid_argument(std::string(what) + ": expected one of " + choices + ", got '" + name + "'");
}

// ---- the option table: each option once, with the methods that take it ----------------------
constexpr unsigned bit(Method m) { return 1u << unsigned(m); }
constexpr unsigned kBuiltin = bit(Method::Dida) | bit(Method::Mppi) | bit(Method::Mbd) | bit(Method::Cem) |
                               bit(Method::Es) | bit(Method::Cdida) | bit(Method::Marginal);
constexpr unsigned kAll = kBuiltin | bit(Method::External);

using Field = std::variant<std::optional<std::int64_t> SO::*, std::int64_t SO::*, std::uint64_t SO::*,
                           std::optional<double> SO::*, double SO::*, bool SO::*, std::optional<bool> SO::*,
                           std::optional<SigmaSchedule> SO::*, std::optional<RestartRegime> SO::*,
                           Covariance SO::*, Weighting SO::*>;

struct OptionSpec {
  const char* name;
  unsigned methods;
  Field field;
};

const OptionSpec kOptions[] = {
    {"popsize", kAll, &SO::popsize},
    {"sigma0", kAll, &SO::sigma0},
    {"budget", kAll, &SO::budget},
    {"seed", kAll, &SO::seed},
    {"restarts", kBuiltin, &SO::restarts},
    {"antithetic", kAll, &SO::antithetic},
    {"temperature",
     bit(Method::Dida) | bit(Method::Mppi) | bit(Method::Mbd) | bit(Method::Cdida) | bit(Method::External) |
         bit(Method::Marginal),
     &SO::temperature},
    {"temperature_end", bit(Method::Dida), &SO::temperature_end},
    {"sigma_end", bit(Method::Dida) | bit(Method::Cdida) | bit(Method::Es) | bit(Method::Marginal), &SO::sigma_end},
    {"schedule", bit(Method::Dida) | bit(Method::Cdida) | bit(Method::Marginal), &SO::schedule},
    {"step", bit(Method::Dida), &SO::step},
    {"shrink", bit(Method::Dida), &SO::shrink},
    {"adapt_threshold", bit(Method::Dida), &SO::adapt_threshold},
    {"beta_start", bit(Method::Mbd), &SO::beta_start},
    {"beta_end", bit(Method::Mbd), &SO::beta_end},
    {"learning_rate", bit(Method::Es), &SO::learning_rate},
    {"beta1", bit(Method::Es), &SO::beta1},
    {"beta2", bit(Method::Es), &SO::beta2},
    {"elite_frac", bit(Method::Cem), &SO::elite_frac},
    {"anneal_fraction", bit(Method::Cdida), &SO::anneal_fraction},
    {"mean_rate", bit(Method::Cdida), &SO::mean_rate},
    {"alpha", bit(Method::Cem), &SO::alpha},
    {"sigma_min", bit(Method::Cem), &SO::sigma_min},
    {"gradient", bit(Method::External), &SO::gradient},
    {"restart_regime", bit(Method::Cdida), &SO::restart_regime},
    {"covariance", bit(Method::Cdida), &SO::covariance},
    {"weights", bit(Method::Cdida) | bit(Method::Marginal), &SO::weights},
    {"spread_floor", bit(Method::Marginal), &SO::spread_floor},
    {"tolfun", bit(Method::Cdida), &SO::tolfun},
    {"tolx", bit(Method::Cdida), &SO::tolx},
};

template <class... F>
struct overloaded : F... {
  using F::operator()...;
};
template <class... F>
overloaded(F...) -> overloaded<F...>;

SigmaSchedule parse_enum(const std::string& s, SigmaSchedule*) { return parse_schedule(s); }
RestartRegime parse_enum(const std::string& s, RestartRegime*) { return parse_regime(s); }
Covariance parse_enum(const std::string& s, Covariance*) { return parse_covariance(s); }
Weighting parse_enum(const std::string& s, Weighting*) { return parse_weights(s); }
const char* enum_name(SigmaSchedule v) { return schedule_name(v); }
const char* enum_name(RestartRegime v) { return regime_name(v); }
const char* enum_name(Covariance v) { return covariance_name(v); }
const char* enum_name(Weighting v) { return weights_name(v); }

std::string kind_of(const SO::Value& v) {
  static const char* const kinds[] = {"a bool", "an integer", "a real number", "a string", "an integer"};
  return kinds[v.index()];
}

std::int64_t as_integer(const SO::Value& v, const char* name) {
  if (const auto* i = std::get_if<std::int64_t>(&v)) return *i;
  if (const auto* u = std::get_if<std::uint64_t>(&v)) {
    require(*u <= std::uint64_t(std::numeric_limits<std::int64_t>::max()),
            std::string(name) + ": expected an integer below 2^63, got " + std::to_string(*u));
    return std::int64_t(*u);
  }
  throw OptionTypeError(std::string(name) + ": expected an integer, got " + kind_of(v));
}

double as_real(const SO::Value& v, const char* name) {
  if (const auto* i = std::get_if<std::int64_t>(&v)) return double(*i);
  if (const auto* u = std::get_if<std::uint64_t>(&v)) return double(*u);
  if (const auto* d = std::get_if<double>(&v)) return *d;
  throw OptionTypeError(std::string(name) + ": expected a number, got " + kind_of(v));
}

bool as_bool(const SO::Value& v, const char* name) {
  const auto* b = std::get_if<bool>(&v);
  if (!b) throw OptionTypeError(std::string(name) + ": expected a bool, got " + kind_of(v));
  return *b;
}

template <class T>
struct unwrap_optional {
  using type = T;
};
template <class T>
struct unwrap_optional<std::optional<T>> {
  using type = T;
};

void assign(SO& o, const OptionSpec& spec, const SO::Value& v) {
  const char* name = spec.name;
  std::visit(overloaded{
                 [&](std::optional<std::int64_t> SO::*f) { o.*f = as_integer(v, name); },
                 [&](std::int64_t SO::*f) { o.*f = as_integer(v, name); },
                 [&](std::uint64_t SO::*f) {  // the full range: seeds are 64-bit keys
                   if (const auto* u = std::get_if<std::uint64_t>(&v)) {
                     o.*f = *u;
                     return;
                   }
                   const std::int64_t i = as_integer(v, name);
                   require(i >= 0, std::string(name) + ": expected an integer >= 0, got " + std::to_string(i));
                   o.*f = std::uint64_t(i);
                 },
                 [&](std::optional<double> SO::*f) { o.*f = as_real(v, name); },
                 [&](double SO::*f) { o.*f = as_real(v, name); },
                 [&](bool SO::*f) { o.*f = as_bool(v, name); },
                 [&](std::optional<bool> SO::*f) { o.*f = as_bool(v, name); },
                 [&](auto SO::*f) {  // the named choices: enums and optional enums
                   using T = std::remove_reference_t<decltype(o.*f)>;
                   using E = typename unwrap_optional<T>::type;
                   const auto* s = std::get_if<std::string>(&v);
                   if (!s) throw OptionTypeError(std::string(name) + ": expected a string, got " + kind_of(v));
                   o.*f = parse_enum(*s, static_cast<E*>(nullptr));
                 },
             },
             spec.field);
}

std::optional<SO::Value> value_of(const SO& o, const OptionSpec& spec) {
  return std::visit(overloaded{
                        [&](std::optional<std::int64_t> SO::*f) -> std::optional<SO::Value> {
                          if (!(o.*f)) return std::nullopt;
                          return SO::Value(*(o.*f));
                        },
                        [&](std::int64_t SO::*f) -> std::optional<SO::Value> { return SO::Value(o.*f); },
                        [&](std::uint64_t SO::*f) -> std::optional<SO::Value> {
                          return SO::Value(std::uint64_t(o.*f));
                        },
                        [&](std::optional<double> SO::*f) -> std::optional<SO::Value> {
                          if (!(o.*f)) return std::nullopt;
                          return SO::Value(*(o.*f));
                        },
                        [&](double SO::*f) -> std::optional<SO::Value> { return SO::Value(o.*f); },
                        [&](bool SO::*f) -> std::optional<SO::Value> { return SO::Value(o.*f); },
                        [&](std::optional<bool> SO::*f) -> std::optional<SO::Value> {
                          if (!(o.*f)) return std::nullopt;
                          return SO::Value(*(o.*f));
                        },
                        [&](auto SO::*f) -> std::optional<SO::Value> {  // enums, optional enums
                          const auto& x = o.*f;
                          if constexpr (std::is_enum_v<std::remove_cv_t<std::remove_reference_t<decltype(x)>>>) {
                            return SO::Value(std::string(enum_name(x)));
                          } else {
                            if (!x) return std::nullopt;
                            return SO::Value(std::string(enum_name(*x)));
                          }
                        },
                    },
                    spec.field);
}

const OptionSpec* find_option(const std::string& name) {
  for (const auto& s : kOptions)
    if (name == s.name) return &s;
  return nullptr;
}

// ---- checkpoint bytes: native byte order, a magic word and a version ---------------------------
constexpr char kMagic[] = "scoreopt.sampling";
constexpr std::uint32_t kVersion = 2;

struct Writer {
  std::vector<std::uint8_t> out;
  void raw(const void* p, size_t n) {
    const auto* b = static_cast<const std::uint8_t*>(p);
    out.insert(out.end(), b, b + n);
  }
  template <class T>
  void put(T v) {
    static_assert(std::is_trivially_copyable_v<T>);
    raw(&v, sizeof v);
  }
  void put(const std::string& s) {
    put<std::uint64_t>(s.size());
    raw(s.data(), s.size());
  }
  void put(const std::vector<double>& v) {
    put<std::uint64_t>(v.size());
    raw(v.data(), v.size() * sizeof(double));
  }
  void put(const SO::Value& v) {
    put<std::uint8_t>(std::uint8_t(v.index()));
    std::visit([&](const auto& x) { put(x); }, v);
  }
};

struct Reader {
  const std::vector<std::uint8_t>& in;
  size_t at = 0;
  void raw(void* p, size_t n) {
    require(n <= in.size() - at, "state: truncated optimizer state");
    std::memcpy(p, in.data() + at, n);
    at += n;
  }
  template <class T>
  T get() {
    T v;
    raw(&v, sizeof v);
    return v;
  }
  std::string str() {
    const auto n = get<std::uint64_t>();
    require(n <= in.size() - at, "state: truncated optimizer state");
    std::string s(reinterpret_cast<const char*>(in.data() + at), n);
    at += n;
    return s;
  }
  std::vector<double> vec() {
    const auto n = get<std::uint64_t>();
    require(n <= (in.size() - at) / sizeof(double), "state: truncated optimizer state");
    std::vector<double> v(n);
    raw(v.data(), n * sizeof(double));
    return v;
  }
  SO::Value value() {
    switch (get<std::uint8_t>()) {
      case 0:
        return get<bool>();
      case 1:
        return get<std::int64_t>();
      case 2:
        return get<double>();
      case 3:
        return str();
      case 4:
        return get<std::uint64_t>();
    }
    throw std::invalid_argument("state: malformed option value");
  }
};

}  // namespace

Method parse_method(const std::string& name) { return parse_name<Method>(name, kMethodNames, "method"); }
const char* method_name(Method m) { return kMethodNames[int(m)]; }
SigmaSchedule parse_schedule(const std::string& name) {
  return parse_name<SigmaSchedule>(name, kScheduleNames, "schedule");
}
const char* schedule_name(SigmaSchedule s) { return kScheduleNames[int(s)]; }
RestartRegime parse_regime(const std::string& name) {
  return parse_name<RestartRegime>(name, kRegimeNames, "restart_regime");
}
const char* regime_name(RestartRegime r) { return kRegimeNames[int(r)]; }
Covariance parse_covariance(const std::string& name) {
  return parse_name<Covariance>(name, kCovarianceNames, "covariance");
}
const char* covariance_name(Covariance c) { return kCovarianceNames[int(c)]; }
Weighting parse_weights(const std::string& name) { return parse_name<Weighting>(name, kWeightsNames, "weights"); }
const char* weights_name(Weighting w) { return kWeightsNames[int(w)]; }

void SamplingOptions::set(const std::string& name, const Value& value) {
  const OptionSpec* spec = find_option(name);
  if (!spec || !(spec->methods & bit(method))) {
    std::string known;
    for (const auto& n : names(method)) known += (known.empty() ? "" : ", ") + n;
    throw std::invalid_argument(name + ": not an option of " + method_name(method) + "; its options: " + known);
  }
  assign(*this, *spec, value);
}

std::vector<std::pair<std::string, SamplingOptions::Value>> SamplingOptions::items() const {
  std::vector<std::pair<std::string, Value>> out;
  for (const auto& s : kOptions)
    if (s.methods & bit(method))
      if (auto v = value_of(*this, s)) out.emplace_back(s.name, *v);
  return out;
}

std::vector<std::string> SamplingOptions::names(Method method) {
  std::vector<std::string> out;
  for (const auto& s : kOptions)
    if (s.methods & bit(method)) out.emplace_back(s.name);
  return out;
}

// ---- the engine ------------------------------------------------------------------------------

SamplingOptimizer::SamplingOptimizer(int dim, std::vector<double> lower, std::vector<double> upper,
                                     SamplingOptions options, std::vector<double> x0)
    : dim_(dim), opt_(std::move(options)), lower_(std::move(lower)), upper_(std::move(upper)) {
  require(dim >= 1, "dim: expected an integer >= 1, got " + std::to_string(dim));
  require(lower_.size() == size_t(dim) && upper_.size() == size_t(dim),
          "bounds: expected " + std::to_string(dim) + " values in lower and in upper");
  for (int i = 0; i < dim; ++i) {
    require(std::isfinite(lower_[i]) && std::isfinite(upper_[i]), "bounds: contain NaN or Inf");
    require(upper_[i] > lower_[i], "bounds: upper must be > lower in every coordinate");
  }
  // sigma is in units of the mean half-width; each coordinate's noise is scaled by its own
  // half-width over that (exactly 1 in a cube)
  std::vector<double> half(dim);
  for (int i = 0; i < dim; ++i) half[i] = (upper_[i] - lower_[i]) / 2;
  const bool cube = std::all_of(half.begin(), half.end(), [&](double h) { return h == half[0]; });
  half_ = cube ? half[0] : std::accumulate(half.begin(), half.end(), 0.0) / dim;
  scale_.resize(dim);
  for (int i = 0; i < dim; ++i) scale_[i] = cube ? 1.0 : half[i] / half_;

  const bool cdida = opt_.method == Method::Cdida;
  // pairs mirror a draw about one center: Marginal centers each sample on a point of its own
  opt_.antithetic = opt_.antithetic.value_or(!cdida && opt_.method != Method::Marginal);
  opt_.restart_regime = opt_.restart_regime.value_or(cdida ? RestartRegime::Bipop : RestartRegime::Equal);
  const bool regimes = *opt_.restart_regime != RestartRegime::Equal;
  // a default population is rounded up to pairs when the samples are antithetic (CDIDA's default,
  // 4 + 3 ln dim, is odd for many dims); a popsize the caller chose is taken as given
  std::int64_t K = opt_.popsize.value_or(default_popsize(opt_, dim));
  if (!opt_.popsize && *opt_.antithetic) K += K % 2;
  opt_.popsize = K;
  require(K >= 2, "popsize: expected an integer >= 2, got " + std::to_string(K));
  require(!*opt_.antithetic || K % 2 == 0,
          "popsize: antithetic sampling needs an even popsize, got " + std::to_string(K));
  require(K < (std::int64_t(1) << 31), "popsize: expected fewer than 2^31 samples");
  require(!opt_.budget || *opt_.budget >= K, "budget: expected an integer >= " + std::to_string(K) +
                                                  ", got " + std::to_string(opt_.budget.value_or(0)));
  opt_.restarts = opt_.restarts.value_or(regimes ? std::numeric_limits<std::int32_t>::max() : 0);
  require(*opt_.restarts >= 0, "restarts: expected an integer >= 0, got " + std::to_string(*opt_.restarts));
  require(opt_.method != Method::External || *opt_.restarts == 0,
          "restarts: not available with an external rule");
  popsize_ = K;
  iterations_ = std::max<std::int64_t>(1, opt_.budget ? *opt_.budget / K : 1000);
  // with population regimes a cycle ends by its stopping tests; the schedules (if any) span the
  // cycle's evaluation allowance, the whole budget for the first cycle
  cycle_length_ = regimes ? iterations_ : std::max<std::int64_t>(1, iterations_ / (*opt_.restarts + 1));
  cycle_allowance_ = opt_.budget ? *opt_.budget : std::numeric_limits<std::int64_t>::max();
  // CDIDA: 0.2 of the box width, the initial step of COCO's CMA-ES reference runs; its learned
  // scale corrects a poor choice within a few iterations, where the annealing schedules cannot
  opt_.sigma0 = positive(opt_.sigma0.value_or((cdida ? 0.4 : 0.3) * half_), "sigma0");

  mean_.resize(dim);
  if (x0.empty()) {
    for (int i = 0; i < dim; ++i) mean_[i] = (lower_[i] + upper_[i]) / 2;
  } else {
    require(x0.size() == size_t(dim), "x0: expected " + std::to_string(dim) + " values");
    for (int i = 0; i < dim; ++i) {
      require(std::isfinite(x0[i]), "x0: contains NaN or Inf");
      mean_[i] = std::min(std::max(x0[i], lower_[i]), upper_[i]);
    }
  }
  rule_ = make_rule(opt_, Geometry{dim, half_, scale_, lower_, upper_, *opt_.sigma0, cycle_length_});
  sigma_ = rule_->start(K, *opt_.sigma0);
  best_x_ = mean_;
  best_f_ = std::numeric_limits<double>::infinity();
}

SamplingOptimizer::SamplingOptimizer(SamplingOptimizer&&) noexcept = default;
SamplingOptimizer& SamplingOptimizer::operator=(SamplingOptimizer&&) noexcept = default;
SamplingOptimizer::~SamplingOptimizer() = default;

double SamplingOptimizer::temperature() const { return rule_->temperature(); }

namespace {

// v reflected into [lo, hi]: the box's mirror images tile the line, so a Gaussian sample that
// leaves the box lands at its mirror point inside, with no mass piled on the boundary (as
// clipping does). Far outside (|u| huge or not finite) the point is clipped instead.
inline double reflect_into(double v, double lo, double hi) {
  const double w = hi - lo;
  double u = (v - lo) / w;  // the box is u in [0, 1]; reflection has period 2
  if (!(u > -1e15 && u < 1e15)) return v < lo ? lo : hi;  // +-Inf: the nearer bound; NaN: hi
  u -= 2.0 * std::floor(0.5 * u);
  u = u > 1.0 ? 2.0 - u : u;
  const double x = lo + u * w;
  const double up = x < lo ? lo : x;  // rounding can land one ulp outside
  return hi < up ? hi : up;
}

}  // namespace

void SamplingOptimizer::sample() {
  const std::int64_t K = popsize();
  const int d = dim_;
  eps_.resize(static_cast<size_t>(K * d));
  X_.resize(eps_.size());
  smoothing_noise<double>(opt_.seed, std::uint64_t(t_), 0, K, d, *opt_.antithetic, eps_.data());
  const double* Y = eps_.data();
  if (rule_->shapes_noise()) {  // y = A z, the shape of the rule's learned covariance
    Y_.resize(eps_.size());
    rule_->shape(eps_.data(), K, Y_.data());
    Y = Y_.data();
  }
  // restrict pointers and plain comparisons: the loop vectorizes
  const double* __restrict m = mean_.data();
  const double* __restrict sc = scale_.data();
  const double* __restrict lo = lower_.data();
  const double* __restrict hi = upper_.data();
  const double s = sigma_;
  const bool credit = rule_->shapes_noise() && rule_->credits_evaluated_steps(Cycle{t_ - cycle_start_, cycle_length_});
  // a rule that places its samples (a mixture) gives each row its own center; the credited
  // steps of reflected samples below are taken from the mean, so the two never go together
  const bool own_centers = rule_->places_samples();
  if (own_centers && credit) throw std::logic_error("sample: a rule that places its samples cannot credit evaluated steps");
  if (own_centers) {
    centers_.resize(eps_.size());
    rule_->centers(opt_.seed, t_, K, mean_, centers_.data());
  }
  for (std::int64_t k = 0; k < K; ++k) {
    const double* __restrict e = Y + k * d;
    const double* __restrict c = own_centers ? centers_.data() + k * d : m;
    double* __restrict x = X_.data() + k * d;
    int outside = 0;
    SO_SIMD
    for (int i = 0; i < d; ++i) {
      const double v = c[i] + s * (sc[i] * e[i]);
      const bool in = v >= lo[i] && v <= hi[i];
      outside += !in;
      // inside: unchanged bit for bit (the reflection's arithmetic would round)
      x[i] = in ? v : reflect_into(v, lo[i], hi[i]);
    }
    // A rule that asks for it (CDIDA's annealed phase) is told the step actually evaluated, so
    // that its mean is the weighted mean of the reflected samples themselves, as MPPI's and CEM's
    // are. Crediting the unreflected draw instead moves the mean by the gradient of
    // E f(reflect(m + y)), whose minimizer lies up to sigma away from an optimum near the
    // boundary: at a fixed, large sigma (measured on the shifted rastrigin, D = 100) the annealed
    // search then ends with 4-8 coordinates in the wrong basin instead of none. (Under
    // path-length control sigma shrinks with the distance to the optimum, and so does the bias.)
    if (outside && credit) {
      double* yk = Y_.data() + k * d;
      for (int i = 0; i < d; ++i) yk[i] = (x[i] - m[i]) / (s * sc[i]);
      rule_->unshape(yk, eps_.data() + k * d);
    }
  }
  asked_ = true;
}

void SamplingOptimizer::ask(double* X) {
  sample();
  std::copy(X_.begin(), X_.end(), X);
}

void SamplingOptimizer::tell(const double* X, const double* f) {
  require(asked_, "tell: call ask() first");
  // the very bits asked for (memcmp: an element-wise == loop costs as much as the statistics)
  require(std::memcmp(X_.data(), X, X_.size() * sizeof(double)) == 0,
          "X: tell() takes the population returned by the last ask()");
  f_.assign(f, f + popsize());
  observe();
}

void SamplingOptimizer::step(const Problem& problem) {
  require(problem.dim() == dim_, "problem: dim " + std::to_string(problem.dim()) +
                                     " differs from the optimizer's (" + std::to_string(dim_) + ")");
  require(problem.info().num_params == 0, "problem: parametric families need parameters; use ask/tell");
  sample();
  f_.resize(static_cast<size_t>(popsize()));
  problem.evaluate<double>(X_.data(), popsize(), nullptr, 0, f_.data());
  observe();
}

void SamplingOptimizer::observe() {
  const std::int64_t K = popsize();
  const int d = dim_;
  const double* X = X_.data();
  const double* f = f_.data();
  asked_ = false;
  const double tau = rule_->temperature();
  const bool want_g = rule_->wants_gradient();
  if (tau > 0) wmean_.resize(static_cast<size_t>(d));
  if (want_g) gradient_.resize(static_cast<size_t>(d));
  double* wm = tau > 0 ? wmean_.data() : nullptr;
  double* g = want_g ? gradient_.data() : nullptr;
  const PopulationStatistics st = population_statistics(d, K, X, f, mean_.data(), tau, wm, eps_.data(),
                                                        sigma_, *opt_.antithetic, g);
  const std::int64_t kb = st.best, bad = st.nonfinite;
  const double* Y = rule_->shapes_noise() ? Y_.data() : eps_.data();
  batch_ = Batch{K, X, eps_.data(), Y, f, st.value, wm, g, kb, bad};

  nfev_ += K;
  nonfinite_ += bad;
  if (kb >= 0 && f[kb] < best_f_) {
    best_f_ = f[kb];
    best_x_.assign(X + kb * d, X + (kb + 1) * d);
  }
  const std::int64_t tc = t_ - cycle_start_;
  const bool regimes = *opt_.restart_regime != RestartRegime::Equal;
  if (!regimes) {
    if (*opt_.restarts > 0 && tc + 1 >= cycle_length_ && t_ + 1 < iterations_)
      restart();
    else
      rule_->update(batch_, Cycle{tc, cycle_length_}, mean_, sigma_);
  } else {
    rule_->update(batch_, Cycle{tc, cycle_length_}, mean_, sigma_);
    if (cycle_over(tc) && cycles_ <= *opt_.restarts) restart();
  }
  for (int i = 0; i < d; ++i) mean_[i] = std::min(std::max(mean_[i], lower_[i]), upper_[i]);
  ++t_;
  history_.push_back(best_f_);
}

bool SamplingOptimizer::cycle_over(std::int64_t tc) const {
  if (rule_->converged(Cycle{tc, cycle_length_})) return true;
  // a small-population cycle stops at its allowance (a large one runs until the budget's end)
  return regime_ == 0 && nfev_ - cycle_nfev_start_ + popsize_ > cycle_allowance_;
}

void SamplingOptimizer::restart() {
  // a new cycle from a uniform point of the box: Philox words of the stream (seed, t + 1) at
  // sample index 2^32 - 1, which no population's noise reaches; word block dim/4 + 1 draws the
  // Bipop regime's random numbers
  cycle_start_ = t_ + 1;
  const std::uint64_t stream = std::uint64_t(cycle_start_);
  auto uniform = [&](int j, int q) {
    const random::U4 r = random::philox4x32(std::uint32_t(j), 0xFFFFFFFFu, std::uint32_t(stream),
                                            std::uint32_t(stream >> 32), std::uint32_t(opt_.seed),
                                            std::uint32_t(opt_.seed >> 32));
    return (double(r.v[q]) + 0.5) * (1.0 / 4294967296.0);
  };
  for (int i = 0; i < dim_; ++i) mean_[i] = lower_[i] + (upper_[i] - lower_[i]) * uniform(i / 4, i % 4);
  ++cycles_;
  double sigma0 = *opt_.sigma0;
  const RestartRegime regime = *opt_.restart_regime;
  if (regime != RestartRegime::Equal) {
    // the regime books (Hansen 2009, BIPOP): the large regime doubles the population each time;
    // the small one draws lambda_s = lambda0 (lambda_L / (2 lambda0))^(u^2) and sigma0 10^(-2v),
    // and may spend at most half of the last large cycle's evaluations
    const std::int64_t K0 = *opt_.popsize;
    regime_evals_[regime_] += double(nfev_ - cycle_nfev_start_);
    const std::int64_t remaining = opt_.budget ? *opt_.budget - nfev_ : std::numeric_limits<std::int64_t>::max();
    const bool small = regime == RestartRegime::Bipop && large_cycles_ > 0 && regime_evals_[0] < regime_evals_[1];
    std::int64_t K;
    if (!small) {
      ++large_cycles_;
      K = K0 << std::min<std::int64_t>(large_cycles_, 20);
      regime_ = 1;
      cycle_allowance_ = remaining;
    } else {
      const double u = uniform(dim_ / 4 + 1, 0), v = uniform(dim_ / 4 + 1, 1);
      const double large = double(K0 << std::min<std::int64_t>(large_cycles_, 20));
      K = std::max<std::int64_t>(2, std::int64_t(std::floor(double(K0) * std::pow(large / (2.0 * K0), u * u))));
      sigma0 *= std::pow(10.0, -2.0 * v);
      regime_ = 0;
      cycle_allowance_ = std::max<std::int64_t>(K, std::int64_t(regime_evals_[1] / std::max<double>(1, large_cycles_) / 2));
      cycle_allowance_ = std::min(cycle_allowance_, remaining);
    }
    if (*opt_.antithetic) K += K % 2;
    // the last cycle: a population larger than what remains would end the run at once
    if (opt_.budget) K = std::max<std::int64_t>(2, std::min(K, remaining / 2 - (*opt_.antithetic ? (remaining / 2) % 2 : 0)));
    popsize_ = K;
    cycle_nfev_start_ = nfev_;
    cycle_length_ = std::max<std::int64_t>(1, std::min(cycle_allowance_, remaining) / K);
  }
  sigma_ = rule_->start(popsize_, sigma0);
}

void reflect_into_box(std::int64_t n, int dim, const double* lower, const double* upper, double* X) {
  for (std::int64_t k = 0; k < n; ++k) {
    double* x = X + k * dim;
    for (int i = 0; i < dim; ++i)
      if (!(x[i] >= lower[i] && x[i] <= upper[i])) x[i] = reflect_into(x[i], lower[i], upper[i]);
  }
}

void SamplingOptimizer::halt(std::string message) {
  require(!message.empty(), "message: expected a reason to stop");
  halted_ = std::move(message);
}

void SamplingOptimizer::set_search(const std::vector<double>& mean, double sigma) {
  require(opt_.method == Method::External,
          "set_search: only for the external rule; a built-in method moves its own search distribution");
  require(mean.size() == size_t(dim_), "mean: expected " + std::to_string(dim_) + " values");
  for (int i = 0; i < dim_; ++i) require(std::isfinite(mean[i]), "mean: contains NaN or Inf");
  sigma_ = positive(sigma, "sigma");
  for (int i = 0; i < dim_; ++i) mean_[i] = std::min(std::max(mean[i], lower_[i]), upper_[i]);
}

bool SamplingOptimizer::stop() const {
  return !halted_.empty() || (opt_.budget && nfev_ + popsize() > *opt_.budget);
}

OptimizeResult SamplingOptimizer::result() const {
  OptimizeResult r;
  r.x = best_x_;
  r.fun = best_f_;
  r.nfev = nfev_;
  r.nit = t_;
  r.nonfinite = nonfinite_;
  r.success = std::isfinite(best_f_);
  r.message = !r.success         ? "no finite objective value seen"
              : !halted_.empty() ? halted_
              : stop()           ? "budget exhausted"
                                 : "running";
  r.history = history_;
  return r;
}

std::vector<std::uint8_t> SamplingOptimizer::save() const {
  Writer w;
  w.raw(kMagic, sizeof kMagic);
  w.put(kVersion);
  w.put<std::uint8_t>(std::uint8_t(opt_.method));
  w.put<std::uint64_t>(std::size(kOptions));
  for (const auto& s : kOptions) {
    w.put(std::string(s.name));
    const auto v = value_of(opt_, s);
    w.put<std::uint8_t>(v.has_value());
    if (v) w.put(*v);
  }
  w.put<std::int32_t>(dim_);
  w.put(lower_);
  w.put(upper_);
  w.put(mean_);
  w.put(sigma_);
  w.put(t_);
  w.put(nfev_);
  w.put(nonfinite_);
  w.put(cycle_start_);
  w.put(popsize_);
  w.put(cycles_);
  w.put(regime_evals_[0]);
  w.put(regime_evals_[1]);
  w.put(regime_);
  w.put(cycle_nfev_start_);
  w.put(cycle_allowance_);
  w.put(large_cycles_);
  w.put(cycle_length_);
  w.put(best_x_);
  w.put(best_f_);
  w.put(history_);
  w.put(halted_);
  w.put<std::uint8_t>(asked_);
  w.put(rule_->state());
  return std::move(w.out);
}

SamplingOptimizer SamplingOptimizer::load(const std::vector<std::uint8_t>& bytes) {
  Reader r{bytes};
  char magic[sizeof kMagic];
  r.raw(magic, sizeof magic);
  require(std::memcmp(magic, kMagic, sizeof kMagic) == 0, "state: not a scoreopt sampling optimizer state");
  require(r.get<std::uint32_t>() == kVersion, "state: written by another version of scoreopt");
  SamplingOptions o;
  const auto method = r.get<std::uint8_t>();
  require(method <= std::uint8_t(Method::Marginal), "state: unknown method");
  o.method = Method(method);
  for (auto n = r.get<std::uint64_t>(); n > 0; --n) {
    const std::string name = r.str();
    const OptionSpec* spec = find_option(name);
    require(spec != nullptr, "state: unknown option " + name);
    if (r.get<std::uint8_t>()) assign(o, *spec, r.value());
  }
  const int dim = r.get<std::int32_t>();
  std::vector<double> lower = r.vec(), upper = r.vec();
  SamplingOptimizer e(dim, std::move(lower), std::move(upper), std::move(o));
  e.mean_ = r.vec();
  e.sigma_ = r.get<double>();
  e.t_ = r.get<std::int64_t>();
  e.nfev_ = r.get<std::int64_t>();
  e.nonfinite_ = r.get<std::int64_t>();
  e.cycle_start_ = r.get<std::int64_t>();
  e.popsize_ = r.get<std::int64_t>();
  e.cycles_ = r.get<std::int64_t>();
  e.regime_evals_[0] = r.get<double>();
  e.regime_evals_[1] = r.get<double>();
  e.regime_ = r.get<std::int64_t>();
  e.cycle_nfev_start_ = r.get<std::int64_t>();
  e.cycle_allowance_ = r.get<std::int64_t>();
  e.large_cycles_ = r.get<std::int64_t>();
  e.cycle_length_ = r.get<std::int64_t>();
  require(e.popsize_ >= 2 && e.popsize_ < (std::int64_t(1) << 31) && e.cycle_length_ >= 1,
          "state: malformed population size or cycle length");
  e.best_x_ = r.vec();
  e.best_f_ = r.get<double>();
  e.history_ = r.vec();
  e.halted_ = r.str();
  const bool asked = r.get<std::uint8_t>() != 0;
  e.rule_->set_state(r.vec());
  require(r.at == bytes.size(), "state: trailing bytes after the optimizer state");
  require(e.mean_.size() == size_t(dim) && e.best_x_.size() == size_t(dim),
          "state: mean or best point of the wrong size");
  if (asked) e.sample();  // the population of iteration t is a function of the state
  return e;
}

OptimizeResult minimize(const Problem& problem, const std::vector<double>& lower,
                        const std::vector<double>& upper, const SamplingOptions& options,
                        const std::vector<double>& x0) {
  require(options.budget.has_value(), "budget: minimize needs a budget");
  SamplingOptimizer opt(problem.dim(), lower, upper, options, x0);
  while (!opt.stop()) opt.step(problem);
  return opt.result();
}

OptimizeResult minimize(const BatchObjective& f, int dim, const std::vector<double>& lower,
                        const std::vector<double>& upper, const SamplingOptions& options,
                        const std::vector<double>& x0) {
  require(options.budget.has_value(), "budget: minimize needs a budget");
  require(static_cast<bool>(f), "f: empty objective");
  SamplingOptimizer opt(dim, lower, upper, options, x0);
  std::vector<double> X, v;
  while (!opt.stop()) {
    X.resize(static_cast<size_t>(opt.popsize() * dim));  // the population grows with Ipop/Bipop restarts
    v.resize(static_cast<size_t>(opt.popsize()));
    opt.ask(X.data());
    f(X.data(), opt.popsize(), v.data());
    opt.tell(X.data(), v.data());
  }
  return opt.result();
}

}  // namespace scoreopt
