// Simulated CKKS noise: off means off, the standard deviation is 2^-bits of the tensor's range,
// and streams are reproducible.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "hnn/nn/noise.h"
#include "hnn/rns/error.h"

namespace {

using hnn::nn::PrecisionNoise;

TEST(PrecisionNoise, DisabledLeavesValuesUnchanged) {
  PrecisionNoise none;
  std::vector<double> v = {1.5, -2.25, 3.0};
  const auto copy = v;
  none.add(v);
  EXPECT_EQ(v, copy);
  EXPECT_FALSE(none.fork(7).enabled());
}

TEST(PrecisionNoise, StandardDeviationIsTwoToTheMinusBitsOfTheRange) {
  for (double bits : {10.0, 20.0}) {
    PrecisionNoise noise(bits, 42);
    std::vector<double> v(200000, 0.0);
    v[0] = 8.0;  // the range: max |v| = 8
    auto noisy = v;
    noise.add(noisy);
    double sum2 = 0;
    for (std::size_t i = 1; i < v.size(); ++i) sum2 += (noisy[i] - v[i]) * (noisy[i] - v[i]);
    const double sigma = std::sqrt(sum2 / static_cast<double>(v.size() - 1));
    EXPECT_NEAR(sigma / (8.0 * std::exp2(-bits)), 1.0, 0.01) << bits << " bits";
  }
}

TEST(PrecisionNoise, ForksAreReproducibleAndIndependent) {
  const PrecisionNoise base(16, 3);
  std::vector<double> a(64, 1.0), b(64, 1.0), c(64, 1.0);
  auto fa = base.fork(5), fb = base.fork(5), fc = base.fork(6);
  fa.add(a);
  fb.add(b);
  fc.add(c);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST(PrecisionNoise, RejectsBadPrecision) {
  EXPECT_THROW(PrecisionNoise(0, 1), hnn::InvalidArgument);
  EXPECT_THROW(PrecisionNoise(-3, 1), hnn::InvalidArgument);
  EXPECT_THROW(PrecisionNoise(61, 1), hnn::InvalidArgument);
  EXPECT_THROW(PrecisionNoise(NAN, 1), hnn::InvalidArgument);
}

}  // namespace
