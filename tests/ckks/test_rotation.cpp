// Rotations and conjugation match the plaintext permutation.
#include <gtest/gtest.h>

#include "ckks_fixture.h"

using namespace hnn;
using namespace hnn::ckks;
using test::CkksWorld;

namespace {
std::vector<std::complex<double>> rotated(const std::vector<std::complex<double>>& v, int step) {
  const int n = static_cast<int>(v.size());
  std::vector<std::complex<double>> r(v.size());
  for (int j = 0; j < n; ++j) r[j] = v[((j + step) % n + n) % n];
  return r;
}
}  // namespace

TEST(Rotation, EveryPowerOfTwoRandomAndNegativeSteps) {
  CkksWorld w(presets::test_insecure_n12());
  const int slots = static_cast<int>(w.ctx->params().max_slots());
  std::vector<int> steps;
  for (int s = 1; s < slots; s <<= 1) steps.push_back(s);
  std::uniform_int_distribution<int> d(1, slots - 1);
  for (int i = 0; i < 3; ++i) steps.push_back(d(test::rng()));
  for (int s : {-1, -5, -(slots / 2), -(slots - 3)}) steps.push_back(s);
  GaloisKeys gk = w.keygen->create_galois_keys(steps);
  const auto z = test::random_complex(slots);
  const Ciphertext ct = w.encrypt(z);
  for (int s : steps) {
    const auto p = test::precision(w.decrypt(w.eval->rotate(ct, s, gk)), rotated(z, s));
    EXPECT_GE(p.min_bits, 20) << "step " << s;
  }
  // Step 0 and a full turn need no key.
  EXPECT_GE(test::precision(w.decrypt(w.eval->rotate(ct, 0, gk)), z).min_bits, 24);
  EXPECT_GE(test::precision(w.decrypt(w.eval->rotate(ct, slots, gk)), z).min_bits, 24);
}

TEST(Rotation, HoistedRotationsEqualSingleRotations) {
  CkksWorld w(presets::test_insecure_n12());
  const int slots = static_cast<int>(w.ctx->params().max_slots());
  const std::vector<int> steps = {1, 2, 3, 7, 16, -1, -9, 100, 0};
  GaloisKeys gk = w.keygen->create_galois_keys(steps);
  const auto z = test::random_complex(slots);
  Ciphertext ct = w.encrypt(z);
  // Also at a lower level, where fewer digits are active.
  for (int level : {w.ctx->max_level(), 2, 0}) {
    w.eval->drop_to_level_inplace(ct, level);
    const auto hoisted = w.eval->rotate_hoisted(ct, steps, gk);
    ASSERT_EQ(hoisted.size(), steps.size());
    for (std::size_t i = 0; i < steps.size(); ++i) {
      const auto p = test::precision(w.decrypt(hoisted[i]), rotated(z, steps[i]));
      EXPECT_GE(p.min_bits, 20) << "step " << steps[i] << " level " << level;
      // A single rotation permutes before decomposing, hoisting after: different (equally valid)
      // digit representatives, the same message to within the key-switching noise.
      const auto single = w.decrypt(w.eval->rotate(ct, steps[i], gk));
      const auto both = test::precision(w.decrypt(hoisted[i]), single);
      EXPECT_GE(both.min_bits, 20) << "step " << steps[i] << " level " << level;
    }
  }
}

TEST(Rotation, ConjugationAndSparseSlots) {
  CkksWorld w(presets::test_insecure_n12());
  GaloisKeys gk = w.keygen->create_galois_keys({1, -3}, true);
  for (std::size_t slots : {std::size_t{8}, std::size_t{64}, w.ctx->params().max_slots()}) {
    const auto z = test::random_complex(slots);
    const Ciphertext ct = w.encrypt(z);
    std::vector<std::complex<double>> conj(slots);
    for (std::size_t i = 0; i < slots; ++i) conj[i] = std::conj(z[i]);
    EXPECT_GE(test::precision(w.decrypt(w.eval->conjugate(ct, gk)), conj).min_bits, 20);
    EXPECT_GE(test::precision(w.decrypt(w.eval->rotate(ct, 1, gk)), rotated(z, 1)).min_bits, 20) << slots;
    EXPECT_GE(test::precision(w.decrypt(w.eval->rotate(ct, -3, gk)), rotated(z, -3)).min_bits, 20) << slots;
  }
}

TEST(Rotation, RotateAndSumAfterMultiplication) {
  CkksWorld w(presets::test_insecure_n12());
  const int slots = 1024;
  std::vector<int> steps;
  for (int s = 1; s < slots; s <<= 1) steps.push_back(s);
  GaloisKeys gk = w.keygen->create_galois_keys(steps);
  const auto a = test::random_complex(slots), b = test::random_complex(slots);
  Ciphertext ct = w.eval->multiply(w.encrypt(a), w.encrypt(b), w.rk);
  w.eval->rescale_inplace(ct);
  for (int s : steps) w.eval->add_inplace(ct, w.eval->rotate(ct, s, gk));
  std::complex<double> dot = 0;
  for (int i = 0; i < slots; ++i) dot += a[i] * b[i];
  const auto got = w.decrypt(ct);
  for (int i = 0; i < slots; ++i) ASSERT_LT(std::abs(got[i] - dot), 1e-4) << i;
}
