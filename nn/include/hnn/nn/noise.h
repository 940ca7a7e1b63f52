// Simulated CKKS noise for the plaintext twin: after each approximated op and each layer the twin
// adds independent Gaussian noise of standard deviation 2^-bits x (the largest magnitude of the
// tensor), the error a CKKS computation with `bits` bits of precision relative to its value range
// leaves. It models accuracy, not security: the generator is a seeded std::mt19937_64 (secrets and
// encryption noise come from the engine's CSPRNG, never from here).
#pragma once
#include <cstdint>
#include <random>
#include <span>

namespace hnn::nn {

class PrecisionNoise {
 public:
  // No noise: add() leaves values unchanged.
  PrecisionNoise() = default;
  // bits in (0, 60]; throws InvalidArgument otherwise.
  PrecisionNoise(double bits, std::uint64_t seed);

  bool enabled() const { return bits_ > 0; }
  double bits() const { return bits_; }
  // values[i] += N(0, (2^-bits * max_i |values[i]|)^2); no-op when disabled.
  void add(std::span<double> values);
  // A fresh, independent stream for item `index` (e.g. one sentence): results do not depend on
  // the order items are processed in.
  PrecisionNoise fork(std::uint64_t index) const;

 private:
  double bits_ = 0;
  std::uint64_t seed_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace hnn::nn
