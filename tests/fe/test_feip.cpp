// FEIP correctness on random vectors in both groups, and what decryption must refuse.
#include <gtest/gtest.h>

#include <random>

#include "hnn/fe/feip.h"
#include "hnn/fe/modp_group.h"
#include "hnn/fe/ristretto255.h"

namespace hnn::fe {
namespace {

template <class G>
void check_feip(const G& g, std::size_t n, int keys) {
  Feip<G> feip(g);
  FeipMasterKey<G> msk;
  FeipPublicKey<G> mpk;
  feip.setup(n, msk, mpk);
  FeipEncryptor<G> enc(g, mpk, 8);
  std::mt19937_64 rng(23);
  std::vector<int64_t> x(n);
  for (auto& v : x) v = static_cast<int64_t>(rng() % 511) - 255;
  const auto ct = enc.encrypt(x);
  std::vector<int64_t> ys;
  std::vector<typename G::Scalar> sks;
  std::vector<int64_t> expect;
  for (int k = 0; k < keys; ++k) {
    std::vector<int64_t> y(n);
    int64_t dot = 0;
    for (std::size_t i = 0; i < n; ++i) {
      y[i] = static_cast<int64_t>(rng() % 2001) - 1000;
      dot += x[i] * y[i];
    }
    ys.insert(ys.end(), y.begin(), y.end());
    sks.push_back(feip.derive_key(msk, y));
    expect.push_back(dot);
  }
  BoundedDlog<G> dlog(g, int64_t{255} * 1000 * static_cast<int64_t>(n), 1 << 12);
  EXPECT_EQ(feip.decrypt_many(ct, ys, sks, dlog), expect);
  EXPECT_EQ(feip.decrypt(ct, std::span(ys).subspan(0, n), sks[0], dlog), expect[0]);
  // A key for y used with another y (same dimension): garbage, refused by the bounded dlog.
  EXPECT_THROW(feip.decrypt(ct, std::span(ys).subspan(n, n), sks[0], dlog), DlogOutOfRange);
  // Ciphertexts under another master key do not open with these keys.
  FeipMasterKey<G> msk2;
  FeipPublicKey<G> mpk2;
  feip.setup(n, msk2, mpk2);
  FeipEncryptor<G> enc2(g, mpk2, 8);
  EXPECT_THROW(feip.decrypt(enc2.encrypt(x), std::span(ys).subspan(0, n), sks[0], dlog), DlogOutOfRange);
  // Two encryptions of the same x differ (fresh r) but decrypt alike.
  const auto ct_again = enc.encrypt(x);
  EXPECT_FALSE(g.equal(ct_again.ct0, ct.ct0));
  EXPECT_EQ(feip.decrypt(ct_again, std::span(ys).subspan(0, n), sks[0], dlog), expect[0]);
  // Dimension mismatches and out-of-bound inputs are caller errors.
  EXPECT_THROW(enc.encrypt(std::vector<int64_t>(n + 1)), InvalidArgument);
  std::vector<int64_t> too_big(n, 0);
  too_big[0] = 256;
  EXPECT_THROW(enc.encrypt(too_big), InvalidArgument);
  EXPECT_THROW(feip.derive_key(msk, std::vector<int64_t>(n - 1)), InvalidArgument);
}

TEST(Feip, Ristretto255RandomVectors) { check_feip(Ristretto255(), 50, 6); }
TEST(Feip, ModpTestInsecure64RandomVectors) { check_feip(modp_test_insecure_64(), 30, 4); }
TEST(Feip, ModpTestInsecure128RandomVectors) { check_feip(modp_test_insecure_128(), 30, 4); }

TEST(Feip, Modp3072SmallVector) {
  // Full-size exponents: one exponentiation is ~10 ms, so keep it to a handful of coordinates.
  check_feip(modp_3072(), 4, 2);
}

TEST(Feip, ZeroVectorAndUnitKeys) {
  Ristretto255 g;
  Feip<Ristretto255> feip(g);
  FeipMasterKey<Ristretto255> msk;
  FeipPublicKey<Ristretto255> mpk;
  feip.setup(3, msk, mpk);
  FeipEncryptor<Ristretto255> enc(g, mpk, 8);
  BoundedDlog<Ristretto255> dlog(g, 1000, 64);
  const std::vector<int64_t> x = {0, -7, 200};
  const auto ct = enc.encrypt(x);
  for (std::size_t i = 0; i < 3; ++i) {
    std::vector<int64_t> e(3, 0);
    e[i] = 1;
    EXPECT_EQ(feip.decrypt(ct, e, feip.derive_key(msk, e), dlog), x[i]);
  }
  const std::vector<int64_t> zero(3, 0);
  EXPECT_EQ(feip.decrypt(ct, zero, feip.derive_key(msk, zero), dlog), 0);
}

}  // namespace
}  // namespace hnn::fe
