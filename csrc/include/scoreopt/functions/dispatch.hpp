// Maps a FunctionId to its function type, so that each backend instantiates its driver once per
// function from a single switch: visit(id, [&](auto fn) { using F = decltype(fn); ... }).
#pragma once

#include <stdexcept>

#include "scoreopt/functions/classic.hpp"
#include "scoreopt/functions/glens.hpp"
#include "scoreopt/registry.hpp"

namespace scoreopt::functions {

template <class Visitor>
decltype(auto) visit(FunctionId id, Visitor&& v) {
  switch (id) {
    case FunctionId::Sphere: return v(Sphere{});
    case FunctionId::Ellipsoid: return v(Ellipsoid{});
    case FunctionId::Rosenbrock: return v(Rosenbrock{});
    case FunctionId::Rastrigin: return v(Rastrigin{});
    case FunctionId::Ackley: return v(Ackley{});
    case FunctionId::Levy: return v(Levy{});
    case FunctionId::Griewank: return v(Griewank{});
    case FunctionId::Schwefel: return v(Schwefel{});
    case FunctionId::StyblinskiTang: return v(StyblinskiTang{});
    case FunctionId::Zakharov: return v(Zakharov{});
    case FunctionId::Michalewicz: return v(Michalewicz{});
    case FunctionId::Weierstrass: return v(Weierstrass{});
    case FunctionId::Alpine1: return v(Alpine1{});
    case FunctionId::GlensQP: return v(GlensQP{});
    case FunctionId::GlensHimmelblau: return v(GlensHimmelblau{});
    case FunctionId::GlensRosenbrock: return v(GlensRosenbrock{});
    case FunctionId::GlensLevy: return v(GlensLevy{});
  }
  throw std::logic_error("scoreopt: function id without a definition");
}

}  // namespace scoreopt::functions
