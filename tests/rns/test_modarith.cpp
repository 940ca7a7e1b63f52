#include <gtest/gtest.h>

#include "hnn/rns/modarith.h"
#include "hnn/rns/primes.h"
#include "test_util.h"

using namespace hnn::rns;
using u128 = unsigned __int128;

namespace {
const uint64_t kModuli[] = {
    3, 7681, 1099511480321ULL /* 40-bit */, 1152921504606584833ULL /* 2^60-2^18+1 */,
    2305843009213693951ULL /* 2^61-1 */, 2305843009213554689ULL, 4294967291ULL, 0x1fffffffffe00001ULL};
}

TEST(ModArith, BarrettConstantIsFloorOf2To128OverQ) {
  for (uint64_t q : kModuli) {
    Modulus m(q);
    // ratio * q <= 2^128 < (ratio + 1) * q, checked in 192-bit arithmetic through two words.
    const u128 ratio = (static_cast<u128>(m.ratio_hi) << 64) | m.ratio_lo;
    const u128 prod_lo = ratio * q;  // mod 2^128
    // 2^128 - ratio*q must lie in [0, q): as a wrapped 128-bit value it is -prod_lo.
    const u128 rem = -prod_lo;
    EXPECT_LT(rem, static_cast<u128>(q)) << q;
    EXPECT_EQ(m.bits, 64 - __builtin_clzll(q));
  }
}

TEST(ModArith, ReduceAndMultiplyMatch128BitReference) {
  for (uint64_t q : kModuli) {
    Modulus m(q);
    for (int t = 0; t < 20000; ++t) {
      const uint64_t x = hnn::test::rng()();
      EXPECT_EQ(reduce_64(x, m), x % q);
      const uint64_t a = hnn::test::rng()() % q, b = hnn::test::rng()() % q;
      EXPECT_EQ(mul_mod(a, b, m), static_cast<uint64_t>(static_cast<u128>(a) * b % q));
      const uint64_t hi = hnn::test::rng()(), lo = hnn::test::rng()();
      const u128 big = (static_cast<u128>(hi) << 64) | lo;
      EXPECT_EQ(reduce_128(hi, lo, m), static_cast<uint64_t>(big % q)) << q;
      EXPECT_EQ(add_mod(a, b, q), static_cast<uint64_t>((static_cast<u128>(a) + b) % q));
      EXPECT_EQ(sub_mod(a, b, q), static_cast<uint64_t>((static_cast<u128>(a) + q - b) % q));
    }
  }
}

// The IFMA kernels' high product, built from 52-bit pieces, is the 128-bit product's high word:
// random words, words at the piece boundaries and the extremes.
TEST(ModArith, HighProductFrom52BitPartsIsExact) {
  const uint64_t edges[] = {0, 1, (uint64_t{1} << 52) - 1, uint64_t{1} << 52, (uint64_t{1} << 52) + 1,
                            (uint64_t{1} << 62) - 1, ~uint64_t{0}, ~uint64_t{0} - 1, 0xfff0000000000000ULL};
  for (uint64_t a : edges)
    for (uint64_t b : edges) EXPECT_EQ(mul_hi_from_52bit_parts(a, b), mul_hi(a, b)) << a << " * " << b;
  for (int t = 0; t < 200000; ++t) {
    const uint64_t a = hnn::test::rng()(), b = hnn::test::rng()() >> (t % 13);
    ASSERT_EQ(mul_hi_from_52bit_parts(a, b), static_cast<uint64_t>((static_cast<u128>(a) * b) >> 64)) << a << " * " << b;
  }
}

TEST(ModArith, ShoupMultiplicationLazyAndFull) {
  for (uint64_t q : kModuli) {
    for (int t = 0; t < 20000; ++t) {
      const uint64_t w = hnn::test::rng()() % q;
      const uint64_t ws = shoup_precompute(w, q);
      const uint64_t a = hnn::test::rng()();  // any 64-bit input
      const uint64_t want = static_cast<uint64_t>(static_cast<u128>(a) * w % q);
      const uint64_t lazy = mul_shoup_lazy(a, w, ws, q);
      EXPECT_LT(lazy, 2 * q);
      EXPECT_EQ(lazy % q, want);
      EXPECT_EQ(mul_shoup(a, w, ws, q), want);
    }
  }
}

TEST(ModArith, PowInverseAndSignedConversions) {
  for (uint64_t q : kModuli) {
    if (!is_prime(q)) continue;
    Modulus m(q);
    for (int t = 0; t < 200; ++t) {
      const uint64_t a = 1 + hnn::test::rng()() % (q - 1);
      EXPECT_EQ(mul_mod(a, inv_mod_prime(a, m), m), 1u);
      EXPECT_EQ(pow_mod(a, q - 1, m), 1u);  // Fermat
    }
    EXPECT_EQ(from_signed(-1, m), q - 1);
    EXPECT_EQ(from_signed(INT64_MIN, m),
              static_cast<uint64_t>((static_cast<u128>(q) * 4 - (static_cast<u128>(1) << 63) % q) % q));
    EXPECT_EQ(to_centered(q - 1, q), -1);
    EXPECT_EQ(to_centered(q / 2, q), static_cast<int64_t>(q / 2));
    EXPECT_EQ(to_centered(q / 2 + 1, q), static_cast<int64_t>(q / 2 + 1) - static_cast<int64_t>(q));
  }
}
