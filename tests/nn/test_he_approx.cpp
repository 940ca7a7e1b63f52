// he_approx.json parsing and the evaluation rules of each op kind (against the formulas written
// out by hand), plus the errors a malformed file gives.
#include <gtest/gtest.h>

#include <cmath>
#include <span>
#include <string>
#include <vector>

#include "hnn/nn/he_approx.h"
#include "hnn/rns/error.h"

namespace {

using hnn::nn::HeApproxSet;

// T0 + 0.5 T1 + 0.25 T2 on [0, 4]; inv_sqrt with a linear init; softmax with k = 3.
const char* kSpec = R"({
 "format": "hnn-he-approx/1",
 "ops": {
  "poly": {"kind": "chebyshev", "function": "gelu", "a": 0, "b": 4, "coeffs": [1, 0.5, 0.25],
           "max_abs_error": 0.1, "depth": 3},
  "ln": {"kind": "inv_sqrt", "interval": [1, 9], "init": {"a": 1, "b": 9, "coeffs": [0.6, -0.3]},
         "newton": 2, "max_rel_error": 0.01, "depth": 5},
  "sm": {"kind": "softmax", "center": "mean", "squarings": 3, "interval": [0.5, 4],
         "init": {"a": 0.5, "b": 4, "coeffs": [1.0, -0.5]}, "newton": 3, "max_rel_error": 0.01,
         "depth": 12},
  "sig": {"kind": "chebyshev", "function": "sigmoid", "temperature": 1.5, "a": -8, "b": 8,
          "coeffs": [0.5, 0.4], "max_abs_error": 0.2, "depth": 1}
 }
})";

TEST(HeApprox, ChebyshevSeriesByHand) {
  const auto set = HeApproxSet::from_json_string(kSpec);
  const auto& p = set.chebyshev("poly");
  EXPECT_EQ(p.series.degree(), 2);
  for (double x : {0.0, 0.7, 2.0, 3.9, 5.0}) {
    const double u = (2 * x - 4) / 4;
    EXPECT_NEAR(p(x), 1 + 0.5 * u + 0.25 * (2 * u * u - 1), 1e-15) << x;
  }
  EXPECT_TRUE(p.in_range(4.0));
  EXPECT_FALSE(p.in_range(4.01));
  EXPECT_EQ(set.chebyshev("sig").temperature, 1.5);
}

TEST(HeApprox, NewtonInverseSquareRootByHand) {
  const auto set = HeApproxSet::from_json_string(kSpec);
  const auto& ln = set.inv_sqrt("ln");
  for (double v : {1.0, 2.5, 9.0}) {
    double y = 0.6 - 0.3 * (2 * v - 10) / 8;
    for (int i = 0; i < 2; ++i) y = 1.5 * y - (0.5 * v * y) * (y * y);
    EXPECT_DOUBLE_EQ(ln(v), y);
  }
}

TEST(HeApprox, SoftmaxExpAndReciprocalByHand) {
  const auto set = HeApproxSet::from_json_string(kSpec);
  const auto& sm = set.softmax("sm");
  for (double x : {-7.0, -2.0, 0.0, 1.0}) {
    const double t = 1 + x / 8;
    EXPECT_DOUBLE_EQ(sm.exp(x), std::pow(t, 8));
  }
  for (double S : {0.5, 1.0, 3.0}) {
    double y = 1.0 - 0.5 * (2 * S - 4.5) / 3.5;
    for (int i = 0; i < 3; ++i) y = y * (2 - S * y);
    EXPECT_DOUBLE_EQ(sm.reciprocal(S), y);
  }
  // the whole row: centred on its mean, normalised by the mean sum; close to a real softmax
  std::vector<double> row = {1.0, 2.0, 0.5};
  const double mean = 3.5 / 3;
  double e[3], sum = 0;
  for (int j = 0; j < 3; ++j) sum += e[j] = std::pow(1 + (row[j] - mean) / 8, 8);
  const double y = sm.reciprocal(sum / 3);
  sm.apply(row);
  for (int j = 0; j < 3; ++j) EXPECT_DOUBLE_EQ(row[j], e[j] * (y / 3));
  EXPECT_THROW(sm.apply(std::span<double>()), hnn::InvalidArgument);
}

TEST(HeApprox, DepthOfChebyshevSeries) {
  EXPECT_EQ(hnn::nn::chebyshev_depth(1), 1);
  EXPECT_EQ(hnn::nn::chebyshev_depth(2), 3);
  EXPECT_EQ(hnn::nn::chebyshev_depth(3), 3);
  EXPECT_EQ(hnn::nn::chebyshev_depth(15), 5);
  EXPECT_EQ(hnn::nn::chebyshev_depth(31), 6);
  EXPECT_EQ(hnn::nn::chebyshev_depth(32), 7);
}

std::string replaced(std::string s, const std::string& from, const std::string& to) {
  const auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return s.replace(at, from.size(), to);
}

void expect_error(const std::string& json, const std::string& needle) {
  try {
    (void)HeApproxSet::from_json_string(json, "spec.json");
    ADD_FAILURE() << "no error for " << needle;
  } catch (const hnn::InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(HeApprox, MalformedFilesGiveClearErrors) {
  const std::string spec = kSpec;
  expect_error("{", "not valid JSON");
  expect_error(replaced(spec, "hnn-he-approx/1", "hnn-he-approx/0"), "format");
  expect_error(replaced(spec, R"("kind": "inv_sqrt")", R"("kind": "tanh")"), "unknown kind 'tanh'");
  expect_error(replaced(spec, R"("newton": 2,)", ""), "op 'ln' has no field 'newton'");
  expect_error(replaced(spec, R"("center": "mean")", R"("center": "max")"), "center must be");
  expect_error(replaced(spec, R"("depth": 3})", R"("depth": 4})"), "declares depth 4");
  expect_error(replaced(spec, R"("function": "gelu")", R"("function": "swish")"), "swish");
  expect_error(replaced(spec, R"("a": -8, "b": 8)", R"("a": 8, "b": -8)"), "empty interval");
  expect_error(replaced(spec, R"("coeffs": [1, 0.5, 0.25])", R"("coeffs": [1, "x"])"),
               "not a finite number");
  const auto set = HeApproxSet::from_json_string(spec, "spec.json");
  expect_error("", "not valid JSON");
  EXPECT_THROW((void)set.softmax("ln"), hnn::InvalidArgument);  // another kind
  EXPECT_THROW((void)set.chebyshev("layer9.gelu"), hnn::InvalidArgument);
  EXPECT_THROW(HeApproxSet::from_json_file("/nonexistent/he_approx.json"), hnn::InvalidArgument);
}

}  // namespace
