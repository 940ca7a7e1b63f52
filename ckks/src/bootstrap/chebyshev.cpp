#include "hnn/ckks/bootstrap/chebyshev.h"

#include <boost/math/constants/constants.hpp>
#include <boost/multiprecision/cpp_bin_float.hpp>
#include <cmath>

#include "hnn/rns/error.h"

namespace hnn::ckks::bootstrap {
namespace {

using Real = boost::multiprecision::number<boost::multiprecision::cpp_bin_float<256, boost::multiprecision::digit_base_2>>;

// c_k = (2 / (d+1)) sum_j f(x_j) cos(k theta_j), theta_j = pi (j + 1/2) / (d+1); c_0 halved.
template <class F>
ChebyshevSeries interpolate_real(F f, double a, double b, int degree) {
  HNN_REQUIRE(degree >= 0 && degree <= 4096, "Chebyshev degree ", degree, " out of range 0..4096");
  HNN_REQUIRE(a < b, "interval [", a, ", ", b, "] is empty");
  const int nodes = degree + 1;
  const Real pi = boost::math::constants::pi<Real>();
  const Real ra(a), rb(b), half_width = (rb - ra) / 2, mid = (ra + rb) / 2;
  std::vector<Real> values(nodes), thetas(nodes);
  for (int j = 0; j < nodes; ++j) {
    thetas[j] = pi * (Real(j) + Real(0.5)) / Real(nodes);
    values[j] = f(half_width * cos(thetas[j]) + mid);
  }
  ChebyshevSeries out;
  out.a = a;
  out.b = b;
  out.coeffs.resize(nodes);
  for (int k = 0; k < nodes; ++k) {
    Real sum = 0;
    for (int j = 0; j < nodes; ++j) sum += values[j] * cos(Real(k) * thetas[j]);
    Real c = sum * 2 / Real(nodes);
    if (k == 0) c /= 2;
    out.coeffs[k] = static_cast<double>(c);  // the one rounding
  }
  return out;
}

}  // namespace

double ChebyshevSeries::evaluate(double x) const {
  const long double u = (2.0L * x - a - b) / (static_cast<long double>(b) - a);
  long double b1 = 0, b2 = 0;
  for (int k = degree(); k >= 1; --k) {
    const long double t = 2 * u * b1 - b2 + coeffs[k];
    b2 = b1;
    b1 = t;
  }
  return static_cast<double>(u * b1 - b2 + (coeffs.empty() ? 0 : coeffs[0]));
}

ChebyshevSeries interpolate(const std::function<long double(long double)>& f, double a, double b, int degree) {
  return interpolate_real([&](const Real& x) { return Real(f(static_cast<long double>(x))); }, a, b, degree);
}

ChebyshevSeries scaled_cosine(double k, int double_angles, int degree) {
  HNN_REQUIRE(k > 0, "the EvalMod interval bound K must be positive");
  HNN_REQUIRE(double_angles >= 0 && double_angles <= 10, "double-angle count ", double_angles, " out of range 0..10");
  const Real two_pi = 2 * boost::math::constants::pi<Real>();
  const Real scale = two_pi / Real(std::ldexp(1.0, double_angles));
  return interpolate_real([&](const Real& x) { return cos(scale * (x - Real(0.25))); }, -k, k, degree);
}

double max_error(const ChebyshevSeries& p, const std::function<long double(long double)>& f, int samples) {
  double worst = 0;
  for (int i = 0; i < samples; ++i) {
    const long double x = p.a + (static_cast<long double>(p.b) - p.a) * i / (samples - 1);
    worst = std::max(worst, static_cast<double>(std::fabs(p.evaluate(static_cast<double>(x)) - f(x))));
  }
  return worst;
}

}  // namespace hnn::ckks::bootstrap
