// Chebyshev interpolation in high precision: exact on polynomials, converging on cos, and the
// EvalMod target's double-angle identity.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <numbers>

#include "hnn/ckks/bootstrap/chebyshev.h"
#include "hnn/rns/error.h"

using namespace hnn::ckks::bootstrap;

TEST(Chebyshev, ReproducesPolynomialsExactly) {
  // x^3 = (3 T_1 + T_3) / 4 on [-1, 1].
  const auto p = interpolate([](long double x) { return x * x * x; }, -1, 1, 5);
  const double want[] = {0, 0.75, 0, 0.25, 0, 0};
  for (int k = 0; k <= 5; ++k) EXPECT_NEAR(p.coeffs[k], want[k], 1e-17) << k;
  // On a shifted interval the evaluation still reproduces the polynomial.
  const auto q = interpolate([](long double x) { return 2 * x * x - 3 * x + 1; }, 2, 7, 4);
  for (double x : {2.0, 3.3, 5.0, 7.0}) EXPECT_NEAR(q.evaluate(x), 2 * x * x - 3 * x + 1, 1e-12) << x;
}

TEST(Chebyshev, ConvergesGeometricallyOnCosine) {
  auto f = [](long double x) { return std::cos(x); };
  double previous = 1;
  for (int d : {8, 16, 24}) {
    const double err = max_error(interpolate(f, -4, 4, d), f);
    EXPECT_LT(err, previous / 100) << "degree " << d;
    previous = err;
  }
  EXPECT_LT(previous, 1e-14);
  EXPECT_THROW(interpolate(f, 1, 1, 4), hnn::InvalidArgument);
}

TEST(Chebyshev, ScaledCosineAndDoubleAngleGiveTheSine) {
  // K = 12, r = 3 double angles, degree 62: after 3 double angles the approximation of
  // sin(2 pi x) on [-12, 12] must stay within a few 2^-40.
  const int r = 3;
  const auto p = scaled_cosine(12, r, 62);
  double worst = 0;
  for (int i = 0; i <= 20000; ++i) {
    const double x = -12 + 24.0 * i / 20000;
    long double c = p.evaluate(x);
    for (int s = 0; s < r; ++s) c = 2 * c * c - 1;
    worst = std::max(worst, static_cast<double>(std::fabs(c - std::sin(2 * std::numbers::pi_v<long double> * x))));
  }
  EXPECT_LT(worst, std::ldexp(1.0, -36)) << worst;
  std::printf("[chebyshev] K=12, r=3, degree 62: max |error| after double angles = 2^%.1f\n", std::log2(worst));
}
