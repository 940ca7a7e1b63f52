#include "hnn/nn/soft_argmax.h"

#include <algorithm>
#include <cmath>

#include "hnn/rns/error.h"

namespace hnn::nn {
namespace {
void check_temperature(double t) {
  HNN_REQUIRE(std::isfinite(t) && t > 0, "Soft-Argmax temperature must be finite and > 0, got ", t);
}
}  // namespace

double soft_argmax(std::span<const double> logits, double temperature) {
  check_temperature(temperature);
  HNN_REQUIRE(!logits.empty(), "Soft-Argmax of an empty logit vector");
  const double top = *std::max_element(logits.begin(), logits.end()) / temperature;
  double sum = 0, weighted = 0;
  for (std::size_t i = 0; i < logits.size(); ++i) {
    const double e = std::exp(logits[i] / temperature - top);
    sum += e;
    weighted += e * static_cast<double>(i);
  }
  return weighted / sum;
}

double soft_argmax_binary(double x0, double x1, double temperature) {
  check_temperature(temperature);
  const double z = (x1 - x0) / temperature;
  // Both branches avoid exp overflow.
  return z >= 0 ? 1 / (1 + std::exp(-z)) : std::exp(z) / (1 + std::exp(z));
}

}  // namespace hnn::nn
