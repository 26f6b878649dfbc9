// Maps a FunctionId to its function type, so that each backend instantiates its driver once per
// function from a single switch: visit(id, [&](auto fn) { using F = decltype(fn); ... }).
#pragma once

#include <stdexcept>

#include "scoreopt/functions/bbob.hpp"
#include "scoreopt/functions/cec2017.hpp"
#include "scoreopt/functions/classic.hpp"
#include "scoreopt/functions/glens.hpp"
#include "scoreopt/registry.hpp"

SO_NAMESPACE_BEGIN
namespace functions {

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
    case FunctionId::Cec2017F1: return v(cec2017::Fn<1>{});
    case FunctionId::Cec2017F3: return v(cec2017::Fn<3>{});
    case FunctionId::Cec2017F4: return v(cec2017::Fn<4>{});
    case FunctionId::Cec2017F5: return v(cec2017::Fn<5>{});
    case FunctionId::Cec2017F6: return v(cec2017::Fn<6>{});
    case FunctionId::Cec2017F7: return v(cec2017::Fn<7>{});
    case FunctionId::Cec2017F8: return v(cec2017::Fn<8>{});
    case FunctionId::Cec2017F9: return v(cec2017::Fn<9>{});
    case FunctionId::Cec2017F10: return v(cec2017::Fn<10>{});
    case FunctionId::Cec2017F11: return v(cec2017::Fn<11>{});
    case FunctionId::Cec2017F12: return v(cec2017::Fn<12>{});
    case FunctionId::Cec2017F13: return v(cec2017::Fn<13>{});
    case FunctionId::Cec2017F14: return v(cec2017::Fn<14>{});
    case FunctionId::Cec2017F15: return v(cec2017::Fn<15>{});
    case FunctionId::Cec2017F16: return v(cec2017::Fn<16>{});
    case FunctionId::Cec2017F17: return v(cec2017::Fn<17>{});
    case FunctionId::Cec2017F18: return v(cec2017::Fn<18>{});
    case FunctionId::Cec2017F19: return v(cec2017::Fn<19>{});
    case FunctionId::Cec2017F20: return v(cec2017::Fn<20>{});
    case FunctionId::Cec2017F21: return v(cec2017::Fn<21>{});
    case FunctionId::Cec2017F22: return v(cec2017::Fn<22>{});
    case FunctionId::Cec2017F23: return v(cec2017::Fn<23>{});
    case FunctionId::Cec2017F24: return v(cec2017::Fn<24>{});
    case FunctionId::Cec2017F25: return v(cec2017::Fn<25>{});
    case FunctionId::Cec2017F26: return v(cec2017::Fn<26>{});
    case FunctionId::Cec2017F27: return v(cec2017::Fn<27>{});
    case FunctionId::Cec2017F28: return v(cec2017::Fn<28>{});
    case FunctionId::Cec2017F29: return v(cec2017::Fn<29>{});
    case FunctionId::Cec2017F30: return v(cec2017::Fn<30>{});
  }
  throw std::logic_error("scoreopt: function id without a definition");
}

}  // namespace functions
SO_NAMESPACE_END
