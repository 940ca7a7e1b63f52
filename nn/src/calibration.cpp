#include "hnn/nn/calibration.h"

#include <cmath>
#include <vector>

#include "hnn/rns/error.h"

namespace hnn::nn {
namespace {
void check(std::span<const double> p, std::span<const int> labels, int bins) {
  HNN_REQUIRE(p.size() == labels.size(), p.size(), " scores for ", labels.size(), " labels");
  HNN_REQUIRE(!p.empty(), "no samples to measure");
  HNN_REQUIRE(bins >= 1, "ECE needs at least one bin, got ", bins);
  for (std::size_t i = 0; i < p.size(); ++i) {
    HNN_REQUIRE(p[i] >= 0 && p[i] <= 1, "score ", i, " = ", p[i], " is not a probability");
    HNN_REQUIRE(labels[i] == 0 || labels[i] == 1, "label ", i, " = ", labels[i], " is not 0 or 1");
  }
}
}  // namespace

double expected_calibration_error(std::span<const double> p, std::span<const int> labels,
                                  int bins) {
  check(p, labels, bins);
  std::vector<double> conf_sum(bins, 0), correct_sum(bins, 0), count(bins, 0);
  for (std::size_t i = 0; i < p.size(); ++i) {
    const int pred = p[i] > 0.5 ? 1 : 0;
    const double conf = pred == 1 ? p[i] : 1 - p[i];
    // bin b holds (b/bins, (b+1)/bins]; conf >= 0.5 > 0 always
    int b = static_cast<int>(std::ceil(conf * bins)) - 1;
    b = b < 0 ? 0 : (b >= bins ? bins - 1 : b);
    conf_sum[b] += conf;
    correct_sum[b] += pred == labels[i] ? 1 : 0;
    count[b] += 1;
  }
  double ece = 0;
  for (int b = 0; b < bins; ++b) {
    if (count[b] == 0) continue;
    ece += count[b] / static_cast<double>(p.size()) *
           std::fabs(correct_sum[b] / count[b] - conf_sum[b] / count[b]);
  }
  return ece;
}

BinaryMetrics binary_metrics(std::span<const double> p, std::span<const int> labels, int bins) {
  check(p, labels, bins);
  std::size_t tp = 0, fp = 0, fn = 0, correct = 0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    const int pred = p[i] > 0.5 ? 1 : 0;
    correct += pred == labels[i];
    tp += pred == 1 && labels[i] == 1;
    fp += pred == 1 && labels[i] == 0;
    fn += pred == 0 && labels[i] == 1;
  }
  BinaryMetrics m;
  m.count = p.size();
  m.accuracy = static_cast<double>(correct) / static_cast<double>(p.size());
  m.f1 = tp == 0 ? 0.0 : 2.0 * tp / static_cast<double>(2 * tp + fp + fn);
  m.ece = expected_calibration_error(p, labels, bins);
  m.bins = bins;
  return m;
}

}  // namespace hnn::nn
