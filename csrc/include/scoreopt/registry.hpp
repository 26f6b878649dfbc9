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
  std::string family;       // "classic", "glens" or "bbob"
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

// The suite functions (family "bbob": "bbob.f1" ... "bbob.f24"), in a stable order. They are
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
