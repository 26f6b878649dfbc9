// Maps a FunctionId to its function type, so that each backend instantiates its driver once per
// function from a single switch: visit(id, [&](auto fn) { using F = decltype(fn); ... }).
#pragma once

#include <stdexcept>

#include "scoreopt/functions/bbob.hpp"
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
    case FunctionId::BbobF1: return v(bbob::F1{});
    case FunctionId::BbobF2: return v(bbob::F2{});
    case FunctionId::BbobF3: return v(bbob::F3{});
    case FunctionId::BbobF4: return v(bbob::F4{});
    case FunctionId::BbobF5: return v(bbob::F5{});
    case FunctionId::BbobF6: return v(bbob::F6{});
    case FunctionId::BbobF7: return v(bbob::F7{});
    case FunctionId::BbobF8: return v(bbob::F8{});
    case FunctionId::BbobF9: return v(bbob::F9{});
    case FunctionId::BbobF10: return v(bbob::F10{});
    case FunctionId::BbobF11: return v(bbob::F11{});
    case FunctionId::BbobF12: return v(bbob::F12{});
    case FunctionId::BbobF13: return v(bbob::F13{});
    case FunctionId::BbobF14: return v(bbob::F14{});
    case FunctionId::BbobF15: return v(bbob::F15{});
    case FunctionId::BbobF16: return v(bbob::F16{});
    case FunctionId::BbobF17: return v(bbob::F17{});
    case FunctionId::BbobF18: return v(bbob::F18{});
    case FunctionId::BbobF19: return v(bbob::F19{});
    case FunctionId::BbobF20: return v(bbob::F20{});
    case FunctionId::BbobF21: return v(bbob::F21{});
    case FunctionId::BbobF22: return v(bbob::F22{});
    case FunctionId::BbobF23: return v(bbob::F23{});
    case FunctionId::BbobF24: return v(bbob::F24{});
  }
  throw std::logic_error("scoreopt: function id without a definition");
}

}  // namespace scoreopt::functions
