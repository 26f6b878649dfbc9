// The catalogue of built-in objective functions: names, standard search boxes, known optima,
// parameter counts and options. The math lives in functions/*.hpp; this is only metadata.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace scoreopt {

enum class FunctionId : int {
  Sphere,
  Ellipsoid,
  Rosenbrock,
  Rastrigin,
  Ackley,
  Levy,
  Griewank,
  Schwefel,
  StyblinskiTang,
  Zakharov,
  Michalewicz,
  Weierstrass,
  Alpine1,
  GlensQP,
  GlensHimmelblau,
  GlensRosenbrock,
  GlensLevy,
  // the 24 noiseless functions of COCO's bbob suite (functions/bbob.hpp); they need instance
  // data (Problem::with_data), built by python/scoreopt/suites/bbob.py
  BbobF1,
  BbobF2,
  BbobF3,
  BbobF4,
  BbobF5,
  BbobF6,
  BbobF7,
  BbobF8,
  BbobF9,
  BbobF10,
  BbobF11,
  BbobF12,
  BbobF13,
  BbobF14,
  BbobF15,
  BbobF16,
  BbobF17,
  BbobF18,
  BbobF19,
  BbobF20,
  BbobF21,
  BbobF22,
  BbobF23,
  BbobF24,
  // the CEC2017 bound-constrained suite (functions/cec2017.hpp; F2 was withdrawn); instance
  // data from the official files, packed by python/scoreopt/suites/cec2017.py
  Cec2017F1,
  Cec2017F3,
  Cec2017F4,
  Cec2017F5,
  Cec2017F6,
  Cec2017F7,
  Cec2017F8,
  Cec2017F9,
  Cec2017F10,
  Cec2017F11,
  Cec2017F12,
  Cec2017F13,
  Cec2017F14,
  Cec2017F15,
  Cec2017F16,
  Cec2017F17,
  Cec2017F18,
  Cec2017F19,
  Cec2017F20,
  Cec2017F21,
  Cec2017F22,
  Cec2017F23,
  Cec2017F24,
  Cec2017F25,
  Cec2017F26,
  Cec2017F27,
  Cec2017F28,
  Cec2017F29,
  Cec2017F30,
};

struct OptionInfo {
  std::string name;
  double default_value;
  double min_value;  // inclusive
  double max_value;  // inclusive
  bool integer;
  std::string help;
};

struct FunctionInfo {
  FunctionId id;
  std::string name;         // registry name, e.g. "rastrigin" or "glens.qp"
  std::string family;       // "classic", "glens", "bbob" or "cec2017"
  std::string description;  // one line, the formula
  int min_dim;
  bool even_dim;     // defined on pairs of coordinates
  double lower;      // standard search box, the same in every coordinate
  double upper;
  bool smooth;       // false: gradient exists almost everywhere only
  int num_params;    // length of the per-row parameter vector (GLENS families)
  std::vector<double> param_lower;  // parameter box used by the paper's experiments
  std::vector<double> param_upper;
  std::vector<OptionInfo> options;
  bool has_gradient = true;
  // length of the instance data a problem of dimension d must be given (Problem::with_data);
  // nullptr for functions that need none
  std::int64_t (*data_size)(int d) = nullptr;
};

// The standalone built-in functions (classic and GLENS), in a stable order: each can be built
// from its name, dimension and options alone.
const std::vector<FunctionInfo>& registry();

// The suite functions (families "bbob": "bbob.f1" ... "bbob.f24", and "cec2017": "cec2017.f1",
// "cec2017.f3" ... "cec2017.f30"), in a stable order. They are
// kept out of registry() because a name does not define them: every problem needs its instance
// data (Problem::with_data, from python/scoreopt/suites/bbob.py), and listings or loops over
// registry() build problems from names alone.
const std::vector<FunctionInfo>& suite_registry();

// Looks a function up by name, in registry() and suite_registry(); throws
// std::invalid_argument naming the known functions.
const FunctionInfo& find_function(std::string_view name);

// Known minimum value and minimizer for dimension d, if one is known in closed form for the
// given options (classic functions; parametric families have none).
bool known_optimum(const FunctionInfo& info, int dim, const std::vector<double>& options,
                   double* value, std::vector<double>* x);

}  // namespace scoreopt
