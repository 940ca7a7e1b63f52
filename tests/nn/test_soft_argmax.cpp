// The Differentiable Soft-Argmax against its closed forms, and the calibration metrics against
// hand-computed answers.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "hnn/nn/calibration.h"
#include "hnn/nn/soft_argmax.h"
#include "hnn/rns/error.h"

namespace {

using hnn::nn::soft_argmax;
using hnn::nn::soft_argmax_binary;

TEST(SoftArgmax, TwoClassesIsTheSigmoidOfTheScaledDifference) {
  for (double t : {0.25, 0.7, 1.0, 2.0, 5.3}) {
    for (double x0 : {-7.0, -1.5, 0.0, 0.3, 4.0}) {
      for (double x1 : {-6.0, -0.2, 0.0, 1.1, 9.0}) {
        const double closed = 1 / (1 + std::exp(-(x1 - x0) / t));
        const std::vector<double> logits = {x0, x1};
        EXPECT_NEAR(soft_argmax(logits, t), closed, 1e-15) << x0 << " " << x1 << " T=" << t;
        EXPECT_NEAR(soft_argmax_binary(x0, x1, t), closed, 1e-15);
      }
    }
  }
}

TEST(SoftArgmax, ManyClassesIsTheExpectedIndex) {
  // softmax weights by hand: logits {1, 2, 4}, T = 2 -> exp(0.5), exp(1), exp(2)
  const double e0 = std::exp(0.5), e1 = std::exp(1.0), e2 = std::exp(2.0);
  EXPECT_NEAR(soft_argmax(std::vector<double>{1, 2, 4}, 2.0), (e1 + 2 * e2) / (e0 + e1 + e2),
              1e-15);
  // equal logits: the mean index; tiny T: the argmax; huge T: the mean index again
  EXPECT_NEAR(soft_argmax(std::vector<double>{3, 3, 3, 3}, 1.0), 1.5, 1e-15);
  EXPECT_NEAR(soft_argmax(std::vector<double>{0, 9, 1, 2}, 1e-3), 1.0, 1e-12);
  EXPECT_NEAR(soft_argmax(std::vector<double>{0, 9, 1, 2}, 1e9), 1.5, 1e-6);
}

TEST(SoftArgmax, StableForLargeLogits) {
  EXPECT_NEAR(soft_argmax(std::vector<double>{1000, 1001}, 1.0), 1 / (1 + std::exp(-1.0)), 1e-15);
  EXPECT_NEAR(soft_argmax_binary(-800, 800, 1.0), 1.0, 1e-15);
  EXPECT_NEAR(soft_argmax_binary(800, -800, 1.0), 0.0, 1e-15);
}

TEST(SoftArgmax, RejectsBadTemperatureAndEmptyInput) {
  EXPECT_THROW(soft_argmax(std::vector<double>{1, 2}, 0.0), hnn::InvalidArgument);
  EXPECT_THROW(soft_argmax(std::vector<double>{1, 2}, -1.0), hnn::InvalidArgument);
  EXPECT_THROW(soft_argmax_binary(1, 2, NAN), hnn::InvalidArgument);
  EXPECT_THROW(soft_argmax(std::vector<double>{}, 1.0), hnn::InvalidArgument);
}

TEST(Calibration, HandComputedEce) {
  // bins of width 0.5 (2 bins): confidences 0.9, 0.8 (right, wrong) in bin 2, 0.6 (right) and
  // 0.55 (wrong; p = 0.45 predicts 0, label 1) in bin 2 as well since 0.55, 0.6 > 0.5
  const std::vector<double> p = {0.9, 0.2, 0.6, 0.45};
  const std::vector<int> y = {1, 1, 1, 1};
  // all confidences in (0.5, 1]: |acc 0.5 - mean conf (0.9 + 0.8 + 0.6 + 0.55)/4| = |0.5 - 0.7125|
  EXPECT_NEAR(hnn::nn::expected_calibration_error(p, y, 2), 0.2125, 1e-12);
  // 10 bins: 0.9 -> (0.8,0.9] acc 1; 0.8 -> (0.7,0.8] acc 0; 0.6 -> (0.5,0.6] acc 1;
  // 0.55 -> (0.5,0.6] acc 0: (1/4)|1-0.9| + (1/4)|0-0.8| + (2/4)|0.5 - 0.575|
  EXPECT_NEAR(hnn::nn::expected_calibration_error(p, y, 10), 0.025 + 0.2 + 0.0375, 1e-12);
  const auto m = hnn::nn::binary_metrics(p, y, 10);
  EXPECT_DOUBLE_EQ(m.accuracy, 0.5);
  EXPECT_NEAR(m.f1, 2.0 * 2 / (2 * 2 + 0 + 2), 1e-15);  // tp 2, fp 0, fn 2
  // a perfectly calibrated, perfectly confident classifier
  EXPECT_DOUBLE_EQ(
      hnn::nn::expected_calibration_error(std::vector<double>{1, 0, 1}, std::vector<int>{1, 0, 1}),
      0.0);
}

TEST(Calibration, RejectsBadInputs) {
  EXPECT_THROW(hnn::nn::expected_calibration_error(std::vector<double>{0.5}, std::vector<int>{}),
               hnn::InvalidArgument);
  EXPECT_THROW(hnn::nn::expected_calibration_error(std::vector<double>{1.5}, std::vector<int>{1}),
               hnn::InvalidArgument);
  EXPECT_THROW(hnn::nn::expected_calibration_error(std::vector<double>{0.5}, std::vector<int>{2}),
               hnn::InvalidArgument);
}

}  // namespace
