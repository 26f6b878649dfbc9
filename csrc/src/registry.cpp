#include "scoreopt/registry.hpp"

#include <cmath>
#include <stdexcept>

#include "scoreopt/functions/bbob.hpp"
#include "scoreopt/functions/cec2017.hpp"

namespace scoreopt {

namespace {

std::vector<FunctionInfo> build() {
  using F = FunctionId;
  std::vector<FunctionInfo> r;
  auto classic = [&](F id, const char* name, const char* desc, int min_dim, double lo, double hi,
                     bool smooth, std::vector<OptionInfo> opts = {}) {
    r.push_back(FunctionInfo{id, name, "classic", desc, min_dim, false, lo, hi, smooth, 0, {}, {},
                             std::move(opts)});
  };
  auto glens = [&](F id, const char* name, const char* desc, double lo, double hi,
                   std::vector<double> plo, std::vector<double> phi,
                   std::vector<OptionInfo> opts = {}) {
    const int np = static_cast<int>(plo.size());
    r.push_back(FunctionInfo{id, name, "glens", desc, 2, true, lo, hi, true, np, std::move(plo),
                             std::move(phi), std::move(opts)});
  };
  classic(F::Sphere, "sphere", "sum x_i^2", 1, -5.12, 5.12, true);
  classic(F::Ellipsoid, "ellipsoid", "sum condition^((i-1)/(d-1)) x_i^2", 1, -5.12, 5.12, true,
          {{"condition", 1e6, 1.0, 1e300, false, "ratio of the largest to the smallest weight"}});
  classic(F::Rosenbrock, "rosenbrock", "sum_{i<d} 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2", 2, -5.0,
          10.0, true);
  classic(F::Rastrigin, "rastrigin", "10 d + sum x_i^2 - 10 cos(2 pi x_i)", 1, -5.12, 5.12, true);
  classic(F::Ackley, "ackley",
          "-20 exp(-0.2 sqrt(mean x^2)) - exp(mean cos(2 pi x)) + 20 + e", 1, -32.768, 32.768,
          false);
  classic(F::Levy, "levy",
          "sin^2(pi w_1) + sum_{i<d} (w_i-1)^2 (1 + 10 sin^2(pi w_i + 1)) + (w_d-1)^2 (1 + "
          "sin^2(2 pi w_d)), w = 1 + (x-1)/4",
          1, -10.0, 10.0, true);
  classic(F::Griewank, "griewank", "1 + sum x_i^2/4000 - prod cos(x_i/sqrt(i))", 1, -600.0, 600.0,
          true);
  classic(F::Schwefel, "schwefel", "Schwefel 2.26: 418.9828872724337 d - sum x_i sin(sqrt|x_i|)",
          1, -500.0, 500.0, true);
  classic(F::StyblinskiTang, "styblinski_tang", "0.5 sum x_i^4 - 16 x_i^2 + 5 x_i", 1, -5.0, 5.0,
          true);
  classic(F::Zakharov, "zakharov", "sum x_i^2 + (sum 0.5 i x_i)^2 + (sum 0.5 i x_i)^4", 1, -5.0,
          10.0, true);
  classic(F::Michalewicz, "michalewicz", "-sum sin(x_i) sin(i x_i^2 / pi)^(2m)", 1, 0.0,
          3.14159265358979323846, true,
          {{"m", 10.0, 1.0, 1000.0, true, "steepness of the valleys"}});
  classic(F::Weierstrass, "weierstrass",
          "sum_i sum_{k<=kmax} a^k cos(2 pi b^k (x_i + 0.5)) - d sum_k a^k cos(pi b^k)", 1, -0.5,
          0.5, true,
          {{"a", 0.5, 0.0, 1.0, false, "amplitude ratio, 0 < a < 1"},
           {"b", 3.0, 1.0, 1e3, true, "frequency ratio (an odd integer keeps the optimum at 0)"},
           {"kmax", 20.0, 0.0, 60.0, true, "last term of the inner sum"}});
  classic(F::Alpine1, "alpine1", "sum |x_i sin(x_i) + 0.1 x_i|", 1, -10.0, 10.0, false);

  glens(F::GlensQP, "glens.qp", "GLENS eq. 18: 0.5 x'x + alpha sum_j softplus(-x_{2j-1} - x_{2j})",
        -2.0, 2.0, {0.0}, {50.0});
  glens(F::GlensHimmelblau, "glens.himmelblau",
        "GLENS eq. 19: (2/d) sum_j Himmelblau(x_{2j-1}, x_{2j}; alpha) + lambda (2/(d-2)) sum_j "
        "(x_{2j-1} - x_{2j+1})^2",
        -10.0, 10.0, {1.0, 1.0}, {50.0, 50.0},
        {{"lam", 10.0, 0.0, 1e12, false, "weight of the chained coupling term (lambda)"}});
  glens(F::GlensRosenbrock, "glens.rosenbrock",
        "GLENS eq. 20: sum_j alpha1 ((x_{2j-1}-alpha2)^2 - (x_{2j}-alpha2))^2 + (x_{2j-1}-alpha2-1)^2",
        -4.0, 4.0, {50.0, -1.5}, {200.0, 0.0});
  glens(F::GlensLevy, "glens.levy", "GLENS eqs. 21-22: Levy with w_i = 1 + (x_i - alpha - 1)/4",
        -10.0, 10.0, {-2.0}, {2.0});
  // Levy as a GLENS family is defined for any d >= 1, not on pairs.
  r.back().even_dim = false;
  r.back().min_dim = 1;
  return r;
}

std::vector<FunctionInfo> build_suites() {
  using F = FunctionId;
  namespace b = functions::bbob;
  std::vector<FunctionInfo> r;
  auto bbob = [&](F id, int k, const char* desc, std::int64_t (*size)(int)) {
    FunctionInfo fi{id, "bbob.f" + std::to_string(k), "bbob", desc, 2, false, -5.0, 5.0, false,
                    0, {}, {}, {}};
    fi.has_gradient = false;
    fi.data_size = size;
    r.push_back(std::move(fi));
  };
  bbob(F::BbobF1, 1, "BBOB f1: sphere", &b::F1::data_size);
  bbob(F::BbobF2, 2, "BBOB f2: ellipsoid (separable)", &b::F2::data_size);
  bbob(F::BbobF3, 3, "BBOB f3: Rastrigin (separable)", &b::F3::data_size);
  bbob(F::BbobF4, 4, "BBOB f4: Bueche-Rastrigin", &b::F4::data_size);
  bbob(F::BbobF5, 5, "BBOB f5: linear slope", &b::F5::data_size);
  bbob(F::BbobF6, 6, "BBOB f6: attractive sector", &b::F6::data_size);
  bbob(F::BbobF7, 7, "BBOB f7: step ellipsoid", &b::F7::data_size);
  bbob(F::BbobF8, 8, "BBOB f8: Rosenbrock (original)", &b::F8::data_size);
  bbob(F::BbobF9, 9, "BBOB f9: Rosenbrock (rotated)", &b::F9::data_size);
  bbob(F::BbobF10, 10, "BBOB f10: ellipsoid (rotated)", &b::F10::data_size);
  bbob(F::BbobF11, 11, "BBOB f11: discus", &b::F11::data_size);
  bbob(F::BbobF12, 12, "BBOB f12: bent cigar", &b::F12::data_size);
  bbob(F::BbobF13, 13, "BBOB f13: sharp ridge", &b::F13::data_size);
  bbob(F::BbobF14, 14, "BBOB f14: different powers", &b::F14::data_size);
  bbob(F::BbobF15, 15, "BBOB f15: Rastrigin (rotated)", &b::F15::data_size);
  bbob(F::BbobF16, 16, "BBOB f16: Weierstrass", &b::F16::data_size);
  bbob(F::BbobF17, 17, "BBOB f17: Schaffers F7, condition 10", &b::F17::data_size);
  bbob(F::BbobF18, 18, "BBOB f18: Schaffers F7, condition 1000", &b::F18::data_size);
  bbob(F::BbobF19, 19, "BBOB f19: composite Griewank-Rosenbrock F8F2", &b::F19::data_size);
  bbob(F::BbobF20, 20, "BBOB f20: Schwefel x*sin(x)", &b::F20::data_size);
  bbob(F::BbobF21, 21, "BBOB f21: Gallagher's Gaussian 101-me peaks", &b::F21::data_size);
  bbob(F::BbobF22, 22, "BBOB f22: Gallagher's Gaussian 21-hi peaks", &b::F22::data_size);
  bbob(F::BbobF23, 23, "BBOB f23: Katsuura", &b::F23::data_size);
  bbob(F::BbobF24, 24, "BBOB f24: Lunacek bi-Rastrigin", &b::F24::data_size);
  namespace c = functions::cec2017;
  auto cec = [&](F id, int k, const char* desc, std::int64_t (*size)(int)) {
    FunctionInfo fi{id, "cec2017.f" + std::to_string(k), "cec2017", desc, 2, false, -100.0, 100.0,
                    false, 0, {}, {}, {}};
    fi.has_gradient = false;
    fi.data_size = size;
    r.push_back(std::move(fi));
  };
  cec(F::Cec2017F1, 1, "CEC2017 F1: shifted and rotated bent cigar", &c::Fn<1>::data_size);
  cec(F::Cec2017F3, 3, "CEC2017 F3: shifted and rotated Zakharov", &c::Fn<3>::data_size);
  cec(F::Cec2017F4, 4, "CEC2017 F4: shifted and rotated Rosenbrock", &c::Fn<4>::data_size);
  cec(F::Cec2017F5, 5, "CEC2017 F5: shifted and rotated Rastrigin", &c::Fn<5>::data_size);
  cec(F::Cec2017F6, 6, "CEC2017 F6: shifted Schaffer F7 (the official code does not rotate it)", &c::Fn<6>::data_size);
  cec(F::Cec2017F7, 7, "CEC2017 F7: shifted and rotated Lunacek bi-Rastrigin", &c::Fn<7>::data_size);
  cec(F::Cec2017F8, 8, "CEC2017 F8: shifted and rotated non-continuous Rastrigin (as the official code: plain Rastrigin)", &c::Fn<8>::data_size);
  cec(F::Cec2017F9, 9, "CEC2017 F9: shifted and rotated Levy", &c::Fn<9>::data_size);
  cec(F::Cec2017F10, 10, "CEC2017 F10: shifted and rotated Schwefel", &c::Fn<10>::data_size);
  cec(F::Cec2017F11, 11, "CEC2017 F11: hybrid function 1", &c::Fn<11>::data_size);
  cec(F::Cec2017F12, 12, "CEC2017 F12: hybrid function 2", &c::Fn<12>::data_size);
  cec(F::Cec2017F13, 13, "CEC2017 F13: hybrid function 3", &c::Fn<13>::data_size);
  cec(F::Cec2017F14, 14, "CEC2017 F14: hybrid function 4", &c::Fn<14>::data_size);
  cec(F::Cec2017F15, 15, "CEC2017 F15: hybrid function 5", &c::Fn<15>::data_size);
  cec(F::Cec2017F16, 16, "CEC2017 F16: hybrid function 6", &c::Fn<16>::data_size);
  cec(F::Cec2017F17, 17, "CEC2017 F17: hybrid function 7", &c::Fn<17>::data_size);
  cec(F::Cec2017F18, 18, "CEC2017 F18: hybrid function 8", &c::Fn<18>::data_size);
  cec(F::Cec2017F19, 19, "CEC2017 F19: hybrid function 9", &c::Fn<19>::data_size);
  cec(F::Cec2017F20, 20, "CEC2017 F20: hybrid function 10", &c::Fn<20>::data_size);
  cec(F::Cec2017F21, 21, "CEC2017 F21: composition function 1", &c::Fn<21>::data_size);
  cec(F::Cec2017F22, 22, "CEC2017 F22: composition function 2", &c::Fn<22>::data_size);
  cec(F::Cec2017F23, 23, "CEC2017 F23: composition function 3", &c::Fn<23>::data_size);
  cec(F::Cec2017F24, 24, "CEC2017 F24: composition function 4", &c::Fn<24>::data_size);
  cec(F::Cec2017F25, 25, "CEC2017 F25: composition function 5", &c::Fn<25>::data_size);
  cec(F::Cec2017F26, 26, "CEC2017 F26: composition function 6", &c::Fn<26>::data_size);
  cec(F::Cec2017F27, 27, "CEC2017 F27: composition function 7", &c::Fn<27>::data_size);
  cec(F::Cec2017F28, 28, "CEC2017 F28: composition function 8", &c::Fn<28>::data_size);
  cec(F::Cec2017F29, 29, "CEC2017 F29: composition function 9", &c::Fn<29>::data_size);
  cec(F::Cec2017F30, 30, "CEC2017 F30: composition function 10", &c::Fn<30>::data_size);
  return r;
}

}  // namespace

const std::vector<FunctionInfo>& registry() {
  static const std::vector<FunctionInfo> r = build();
  return r;
}

const std::vector<FunctionInfo>& suite_registry() {
  static const std::vector<FunctionInfo> r = build_suites();
  return r;
}

const FunctionInfo& find_function(std::string_view name) {
  for (const auto& f : registry())
    if (f.name == name) return f;
  for (const auto& f : suite_registry())
    if (f.name == name) return f;
  std::string known;
  for (const auto& f : registry()) known += (known.empty() ? "" : ", ") + f.name;
  throw std::invalid_argument("name: unknown function '" + std::string(name) +
                              "'; expected one of: " + known +
                              " (or a suite function bbob.f1 ... bbob.f24, cec2017.f1, cec2017.f3 ... cec2017.f30)");
}

bool known_optimum(const FunctionInfo& info, int dim, const std::vector<double>& options,
                   double* value, std::vector<double>* x) {
  auto fill = [&](double v, double xi) {
    *value = v;
    x->assign(dim, xi);
    return true;
  };
  switch (info.id) {
    case FunctionId::Sphere:
    case FunctionId::Ellipsoid:
    case FunctionId::Rastrigin:
    case FunctionId::Ackley:
    case FunctionId::Griewank:
    case FunctionId::Zakharov:
    case FunctionId::Alpine1:
      return fill(0.0, 0.0);
    case FunctionId::Weierstrass: {
      // The optimum is at 0 for odd integer b; for even b it moves, so we claim nothing.
      const double b = options.at(1);
      if (std::fmod(b, 2.0) != 1.0) return false;
      return fill(0.0, 0.0);
    }
    case FunctionId::Rosenbrock:
    case FunctionId::Levy:
      return fill(0.0, 1.0);
    case FunctionId::Schwefel:
      return fill(0.0, 420.968746359982025);
    case FunctionId::StyblinskiTang:
      return fill(-39.16616570377142 * dim, -2.903534027771178);
    case FunctionId::Michalewicz: {
      // Published minima for m = 10 (Michalewicz d = 2, 5, 10); no closed form exists.
      if (options.at(0) != 10.0) return false;
      if (dim == 2) {
        *value = -1.8013034100985537;
        *x = {2.202905513296628, 1.570796322320509};
        return true;
      }
      return false;
    }
    default:
      return false;
  }
}

}  // namespace scoreopt
