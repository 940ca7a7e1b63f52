// Randomness for secrets and noise.
//
// A ChaCha20 keystream (libsodium) keyed from OS entropy: a vetted stream cipher as the CSPRNG,
// never std::mt19937. A fixed seed exists only behind the explicit test-only factory.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "hnn/rns/modarith.h"

namespace hnn::rns {

class Prng {
 public:
  static constexpr std::size_t kSeedBytes = 32;
  using Seed = std::array<uint8_t, kSeedBytes>;

  // Keyed from the operating system's entropy (libsodium's randombytes).
  Prng();
  // Deterministic stream for tests and known-answer checks only. Never use it for real keys.
  static Prng insecure_from_seed_for_testing(const Seed& seed);
  // A fresh seed from OS entropy (for expanding public randomness such as key "a" parts).
  static Seed os_seed();
  // The stream of a public seed: for randomness everyone may know, such as the uniform "a" parts
  // of switching keys, which are sent as their seed and expanded on arrival. Never for secrets.
  static Prng public_stream(const Seed& seed);

  ~Prng();
  Prng(Prng&&) noexcept;
  Prng& operator=(Prng&&) noexcept;
  Prng(const Prng&) = delete;
  Prng& operator=(const Prng&) = delete;

  // An independent stream keyed from this one's next 32 bytes: deterministic when this one is.
  Prng fork();
  // This stream's next 32 bytes, as a seed (for public_stream).
  Seed next_seed();

  void fill(uint8_t* out, std::size_t len);
  uint64_t next_u64();

  // Uniform in [0, q) by rejection sampling.
  uint64_t uniform(uint64_t q);

 private:
  explicit Prng(const Seed& seed);
  void refill();

  Seed key_{};
  uint64_t counter_ = 0;
  std::array<uint8_t, 4096> buffer_{};
  std::size_t pos_ = 4096;
};

// Samplers over a ring of degree n. Each writes n signed small integers.
// Uniform ternary: each coefficient -1, 0, 1 with probability 1/3 (the HE-standard secret).
void sample_ternary(Prng& prng, int8_t* out, std::size_t n);
// Sparse ternary: exactly h non-zero coefficients, each +-1 uniformly.
void sample_sparse_ternary(Prng& prng, int8_t* out, std::size_t n, std::size_t h);
// Centered binomial with parameter eta = 21: variance 10.5, sigma = 3.24 >= 3.2 (the HE standard's
// error width), support [-21, 21]. Exact and constant-time, unlike a rounded Gaussian.
void sample_noise_cbd(Prng& prng, int8_t* out, std::size_t n);
inline constexpr double kNoiseSigma = 3.24037034920393;  // sqrt(21 / 2)

}  // namespace hnn::rns
