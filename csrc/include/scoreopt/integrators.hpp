// Score-field integration: the schedule math of Gaussian probability paths, the conversions
// between the fields a model can predict, and batched in-place integrator steps that move B points
// (B x D, row-major) through a field given per step (by a model, or by the smoothing estimator).
//
// Paths. x_t = alpha_t x0 + sigma_t eps, eps ~ N(0, I), t in [0, 1] (t = 0 data, t = 1 noise):
//   linear  (rectified flow / flow matching): alpha = 1 - t, sigma = t;
//   vp      (score SDE, linear beta(t) = beta_min + t (beta_max - beta_min)):
//           alpha = exp(-1/2 int_0^t beta), sigma = sqrt(1 - alpha^2),
//           dalpha = -beta(t) alpha / 2, dsigma = -alpha dalpha / sigma;
//   cosine  (Nichol & Dhariwal 2021, offset s = 0.008): u = (t + s) / (1 + s) pi / 2,
//           alpha = cos(u) / cos(u(0)) (alpha^2 = alpha_bar), sigma = sqrt(1 - alpha^2).
// dsigma of vp and cosine is infinite at t = 0 (sigma = 0); linear has alpha = 0 at t = 1, where
// the fields that divide by alpha (x0, f below) are infinite: integrate over (t_min, 1].
//
// Fields. Every field is affine in (x, eps) with coefficients that depend on the schedule only:
//   eps    the noise prediction E[eps | x_t]                        = 0 x + 1 eps
//   score  grad log p_t(x_t) = -E[eps | x_t] / sigma                 = 0 x + (-1/sigma) eps
//   x0     E[x0 | x_t] = (x - sigma eps) / alpha                     = (1/alpha) x + (-sigma/alpha) eps
//   v      d x_t / dt along the path = dalpha x0 + dsigma eps
//          = (dalpha/alpha) x + (dsigma - dalpha sigma / alpha) eps
// so any conversion G <- F is G = cx x + cin F (conversion_coefficients). The velocity is the
// probability-flow ODE dx/dt = f x - g^2/2 score with the SDE coefficients of the path
//   f = dalpha / alpha,  g^2 = d(sigma^2)/dt - 2 f sigma^2 = 2 sigma (dsigma - f sigma)
// (sde_coefficients), and the reverse SDE is dx = [f x - g^2 score] dt + g dW (dt < 0).
//
// Steps (all in place on x, parallel over rows, one row of scratch per thread at most):
//   euler_step           x += dt v
//   heun_step            x += dt/2 (v1 + v2), v1 = v(x, t), v2 = v(x + dt v1, t + dt)
//   euler_maruyama_step  x += (f x - g^2 score) dt + g sqrt(|dt|) z
//   langevin_step        x += eps score + sqrt(2 eps) z
//   ddpm_step            x = (x - beta / sqrt(1 - abar) eps_pred) / sqrt(1 - beta) + sqrt(var) z,
//                        var = beta (1 - abar_prev) / (1 - abar)  (the posterior q(x_prev|x, x0))
// z is the counter-based Philox noise of scoreopt::random keyed by (seed, step, row): row r of
// the call draws normal_vector(seed, /*center=*/step, /*sample=*/row_offset + r), the same rows
// smoothing_noise(seed, step, row_offset, B, D, /*antithetic=*/false) returns. Results do not
// depend on the thread count or schedule.
#pragma once

#include <cmath>
#include <cstdint>

#include "scoreopt/config.hpp"

namespace scoreopt {

enum class Path : int { linear = 0, vp = 1, cosine = 2 };
enum class Field : int { velocity = 0, score = 1, eps = 2, x0 = 3 };

struct PathParams {
  double beta_min = 0.1;   // vp
  double beta_max = 20.0;  // vp
  double cosine_s = 0.008; // cosine
};

// alpha_t, sigma_t and their time derivatives
struct Schedule {
  double alpha, sigma, dalpha, dsigma;
};

namespace detail {
SO_HD double sq_(double x) { return x * x; }
}  // namespace detail

SO_HD Schedule linear_schedule(double t) { return Schedule{1.0 - t, t, -1.0, 1.0}; }

SO_HD Schedule vp_schedule(double t, double beta_min, double beta_max) {
  const double integral = beta_min * t + 0.5 * (beta_max - beta_min) * t * t;
  const double beta = beta_min + t * (beta_max - beta_min);
  const double alpha = ::exp(-0.5 * integral);
  // 1 - alpha^2 = -expm1(-integral), accurate for small t
  const double sigma = ::sqrt(-::expm1(-integral));
  const double dalpha = -0.5 * beta * alpha;
  const double dsigma = -alpha * dalpha / sigma;
  return Schedule{alpha, sigma, dalpha, dsigma};
}

SO_HD Schedule cosine_schedule(double t, double s) {
  const double half_pi = 1.5707963267948966;
  const double k = half_pi / (1.0 + s);
  const double u = (t + s) * k, c0 = ::cos(s * k);
  const double alpha = ::cos(u) / c0;
  const double sigma = ::sqrt(1.0 - alpha * alpha);
  const double dalpha = -::sin(u) * k / c0;
  const double dsigma = -alpha * dalpha / sigma;
  return Schedule{alpha, sigma, dalpha, dsigma};
}

SO_HD Schedule schedule(Path path, double t, const PathParams& p) {
  switch (path) {
    case Path::vp:
      return vp_schedule(t, p.beta_min, p.beta_max);
    case Path::cosine:
      return cosine_schedule(t, p.cosine_s);
    default:
      return linear_schedule(t);
  }
}

// f = dalpha / alpha and g^2 = 2 sigma (dsigma - f sigma) of dx = f x dt + g dW
SO_HD void sde_coefficients(const Schedule& s, double& f, double& g2) {
  f = s.dalpha / s.alpha;
  g2 = 2.0 * s.sigma * (s.dsigma - f * s.sigma);
}

// F = p x + q eps for the field F (see the top of this file)
SO_HD void field_coefficients(Field field, const Schedule& s, double& p, double& q) {
  switch (field) {
    case Field::score:
      p = 0.0, q = -1.0 / s.sigma;
      break;
    case Field::eps:
      p = 0.0, q = 1.0;
      break;
    case Field::x0:
      p = 1.0 / s.alpha, q = -s.sigma / s.alpha;
      break;
    default:  // velocity
      p = s.dalpha / s.alpha, q = s.dsigma - s.dalpha * s.sigma / s.alpha;
      break;
  }
}

// to = cx x + cin from
SO_HD void conversion_coefficients(Field from, Field to, const Schedule& s, double& cx,
                                   double& cin) {
  double pf, qf, pt, qt;
  field_coefficients(from, s, pf, qf);
  field_coefficients(to, s, pt, qt);
  cin = qt / qf;
  cx = pt - cin * pf;
}

// Elementwise conversions for one coordinate (x is x_t).
template <class T>
SO_HD T eps_to_score(T eps, T sigma) { return -eps / sigma; }
template <class T>
SO_HD T score_to_eps(T score, T sigma) { return -sigma * score; }
template <class T>
SO_HD T eps_to_x0(T x, T eps, T alpha, T sigma) { return (x - sigma * eps) / alpha; }
template <class T>
SO_HD T x0_to_eps(T x, T x0, T alpha, T sigma) { return (x - alpha * x0) / sigma; }
template <class T>
SO_HD T eps_to_velocity(T x, T eps, T alpha, T sigma, T dalpha, T dsigma) {
  return dalpha * eps_to_x0(x, eps, alpha, sigma) + dsigma * eps;
}
template <class T>
SO_HD T velocity_to_eps(T x, T v, T alpha, T sigma, T dalpha, T dsigma) {
  // v = (dalpha/alpha) x + (dsigma - dalpha sigma/alpha) eps
  return (alpha * v - dalpha * x) / (alpha * dsigma - dalpha * sigma);
}
template <class T>
SO_HD T score_to_velocity(T x, T score, T alpha, T sigma, T dalpha, T dsigma) {
  return eps_to_velocity(x, score_to_eps(score, sigma), alpha, sigma, dalpha, dsigma);
}
template <class T>
SO_HD T velocity_to_score(T x, T v, T alpha, T sigma, T dalpha, T dsigma) {
  return eps_to_score(velocity_to_eps(x, v, alpha, sigma, dalpha, dsigma), sigma);
}

// Noise of the stochastic steps: row r of a call uses (seed, step, row_offset + r).
struct NoiseKey {
  std::uint64_t seed = 0;
  std::uint64_t step = 0;
  std::int64_t row_offset = 0;
};

// Batched in-place steps on B x D row-major arrays. Scalars are validated (finite, in range) and
// bad ones throw std::invalid_argument naming the argument. x may alias nothing but itself;
// convert_field's out may be x or in.

// x += dt v
template <class T>
void euler_step(T* x, const T* v, std::int64_t B, std::int64_t D, double dt);

// x += dt / 2 (v1 + v2)
template <class T>
void heun_step(T* x, const T* v1, const T* v2, std::int64_t B, std::int64_t D, double dt);

// x += (f x - g^2 score) dt + g sqrt(|dt|) z; the reverse SDE runs with dt < 0
template <class T>
void euler_maruyama_step(T* x, const T* score, std::int64_t B, std::int64_t D, double f, double g,
                         double dt, const NoiseKey& key);

// x += step_size score + sqrt(2 step_size) z
template <class T>
void langevin_step(T* x, const T* score, std::int64_t B, std::int64_t D, double step_size,
                   const NoiseKey& key);

// DDPM ancestral step from eps_pred at (beta_t, alpha_bar_t, alpha_bar_prev)
template <class T>
void ddpm_step(T* x, const T* eps_pred, std::int64_t B, std::int64_t D, double beta,
               double alpha_bar, double alpha_bar_prev, const NoiseKey& key);

// out = the field `to` from the field `from` given at x (B x D each)
template <class T>
void convert_field(Field from, Field to, const Schedule& s, const T* x, const T* in, T* out,
                   std::int64_t B, std::int64_t D);

// schedule() with argument checks (t in [0, 1], positive parameters), for the bindings
Schedule checked_schedule(Path path, double t, const PathParams& p);

}  // namespace scoreopt
