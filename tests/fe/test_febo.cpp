// FEBO: the four operations in both groups; keys bound to one ciphertext's commitment.
#include <gtest/gtest.h>

#include <random>

#include "hnn/fe/febo.h"
#include "hnn/fe/modp_group.h"
#include "hnn/fe/ristretto255.h"

namespace hnn::fe {
namespace {

template <class G>
void check_febo(const G& g) {
  Febo<G> febo(g);
  FeboMasterKey<G> msk;
  FeboPublicKey<G> mpk;
  febo.setup(msk, mpk);
  BoundedDlog<G> dlog(g, 1 << 22, 1 << 10);
  std::mt19937_64 rng(31);
  for (int t = 0; t < 8; ++t) {
    const int64_t x = static_cast<int64_t>(rng() % 4001) - 2000;
    int64_t y = static_cast<int64_t>(rng() % 401) - 200;
    if (y == 0) y = 3;
    const auto ct = febo.encrypt(mpk, x, 12);
    const auto add = febo.derive_key(msk, ct.cmt, FeboOp::kAdd, y);
    const auto sub = febo.derive_key(msk, ct.cmt, FeboOp::kSub, y);
    const auto mul = febo.derive_key(msk, ct.cmt, FeboOp::kMul, y);
    EXPECT_EQ(febo.decrypt(ct, FeboOp::kAdd, y, add, dlog), x + y);
    EXPECT_EQ(febo.decrypt(ct, FeboOp::kSub, y, sub, dlog), x - y);
    EXPECT_EQ(febo.decrypt(ct, FeboOp::kMul, y, mul, dlog), x * y);
    // Division by the inverse mod q: exact when y divides x.
    const auto ct_mult = febo.encrypt(mpk, x * y, 24);
    const auto div = febo.derive_key(msk, ct_mult.cmt, FeboOp::kDiv, y);
    EXPECT_EQ(febo.decrypt(ct_mult, FeboOp::kDiv, y, div, dlog), x);
    // A key bound to another ciphertext's commitment opens nothing.
    const auto other = febo.encrypt(mpk, x, 12);
    EXPECT_THROW(febo.decrypt(other, FeboOp::kAdd, y, add, dlog), DlogOutOfRange);
    // A key for one y used with another y gives the wrong value (the tag is the key's y).
    EXPECT_NE(febo.decrypt(ct, FeboOp::kAdd, y + 1, add, dlog), x + y + 1);
  }
  // Non-divisible division lands outside the bound.
  const auto ct7 = febo.encrypt(mpk, 7, 4);
  const auto div2 = febo.derive_key(msk, ct7.cmt, FeboOp::kDiv, 2);
  EXPECT_THROW(febo.decrypt(ct7, FeboOp::kDiv, 2, div2, dlog), DlogOutOfRange);
  EXPECT_THROW(febo.derive_key(msk, ct7.cmt, FeboOp::kDiv, 0), InvalidArgument);
}

TEST(Febo, Ristretto255AllOperations) { check_febo(Ristretto255()); }
TEST(Febo, ModpTestInsecure64AllOperations) { check_febo(modp_test_insecure_64()); }

TEST(Febo, OperationCodes) {
  EXPECT_TRUE(is_valid_febo_op(1));
  EXPECT_TRUE(is_valid_febo_op(4));
  EXPECT_FALSE(is_valid_febo_op(0));
  EXPECT_FALSE(is_valid_febo_op(5));
  EXPECT_EQ(to_string(FeboOp::kDiv), "div");
}

}  // namespace
}  // namespace hnn::fe
