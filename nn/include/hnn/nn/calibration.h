// Binary-classification metrics of a probability score: accuracy, F1 of class 1 and the expected
// calibration error (Guo et al., ICML 2017) with equal-width confidence bins.
#pragma once
#include <span>

namespace hnn::nn {

struct BinaryMetrics {
  std::size_t count = 0;
  double accuracy = 0;
  double f1 = 0;   // of class 1 (POSITIVE)
  double ece = 0;  // with `bins` equal-width bins
  int bins = 15;
};

// ECE: confidence = max(p, 1 - p) of the predicted class (p > 0.5 predicts 1), bins (lo, hi] of
// width 1/bins on [0, 1]; sum over bins of |accuracy - mean confidence| x share of samples.
// Throws InvalidArgument on mismatched sizes, no samples, p outside [0, 1] or labels not 0/1.
double expected_calibration_error(std::span<const double> p_positive, std::span<const int> labels,
                                  int bins = 15);

BinaryMetrics binary_metrics(std::span<const double> p_positive, std::span<const int> labels,
                             int bins = 15);

}  // namespace hnn::nn
