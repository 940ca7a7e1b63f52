#include "hnn/nn/noise.h"

#include <algorithm>
#include <cmath>

#include "hnn/rns/error.h"

namespace hnn::nn {

PrecisionNoise::PrecisionNoise(double bits, std::uint64_t seed)
    : bits_(bits), seed_(seed), rng_(seed) {
  HNN_REQUIRE(std::isfinite(bits) && bits > 0 && bits <= 60,
              "noise precision must be in (0, 60] bits, got ", bits);
}

void PrecisionNoise::add(std::span<double> values) {
  if (!enabled() || values.empty()) return;
  double range = 0;
  for (double v : values) range = std::max(range, std::fabs(v));
  if (range == 0) return;
  std::normal_distribution<double> normal(0.0, range * std::exp2(-bits_));
  for (double& v : values) v += normal(rng_);
}

PrecisionNoise PrecisionNoise::fork(std::uint64_t index) const {
  if (!enabled()) return {};
  // splitmix64 of (seed, index): well-separated streams for neighbouring indices
  std::uint64_t z = seed_ + 0x9E3779B97F4A7C15ull * (index + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return PrecisionNoise(bits_, z ^ (z >> 31));
}

}  // namespace hnn::nn
