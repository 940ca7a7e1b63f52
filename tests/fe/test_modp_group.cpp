// The QR_p groups: safe primes, generators, encoding validation, group law against plain GMP.
#include <gtest/gtest.h>

#include <random>

#include "hnn/fe/modp_group.h"
#include "hnn/rns/error.h"

namespace hnn::fe {
namespace {

TEST(ModpGroup, NamedGroupsAreSafePrimesWithQrGenerators) {
  for (const ModpGroup& g : {modp_test_insecure_64(), modp_test_insecure_128(), modp_3072()}) {
    const mpz_class& p = g.modulus();
    EXPECT_EQ(g.order() * 2 + 1, p);
    EXPECT_GT(mpz_probab_prime_p(g.order().get_mpz_t(), 10), 0) << g.name();
    // g^q = 1 (g is in QR_p, which has prime order q) and g != 1.
    EXPECT_TRUE(g.is_identity(g.pow(g.generator(), g.scalar_from_int(0))));
    mpz_class gq;
    mpz_powm(gq.get_mpz_t(), g.generator().get_mpz_t(), g.order().get_mpz_t(), p.get_mpz_t());
    EXPECT_EQ(gq, 1) << g.name();
    EXPECT_NE(g.generator(), 1);
  }
  EXPECT_EQ(mpz_sizeinbase(modp_3072().modulus().get_mpz_t(), 2), 3072u);
  EXPECT_EQ(mpz_fdiv_ui(modp_3072().modulus().get_mpz_t(), 8), 7u);  // so g = 2 is a residue
  EXPECT_EQ(modp_3072().generator(), 2);
  EXPECT_EQ(modp_test_insecure_64().generator(), 4);  // p = 3 mod 8: 2 is a non-residue
}

TEST(ModpGroup, RejectsNonSafePrimesAndNonResidueGenerators) {
  EXPECT_THROW(ModpGroup("bad", mpz_class(1009 * 1013), 4), InvalidArgument);
  EXPECT_THROW(ModpGroup("bad", mpz_class(13), 4), InvalidArgument);  // (13-1)/2 = 6 not prime
  // 2 is a non-residue modulo the 64-bit test prime.
  EXPECT_THROW(ModpGroup("bad", modp_test_insecure_64().modulus(), 2), InvalidArgument);
}

TEST(ModpGroup, GroupLawAndMultiPow) {
  const ModpGroup g = modp_test_insecure_128();
  std::mt19937_64 rng(5);
  std::vector<mpz_class> bases;
  std::vector<int64_t> exps;
  mpz_class expect = 1;
  for (int i = 0; i < 50; ++i) {
    bases.push_back(g.pow(g.generator(), g.scalar_random()));
    exps.push_back(static_cast<int64_t>(rng() % 200001) - 100000);
    expect = g.mul(expect, g.pow(bases.back(), g.scalar_from_int(exps.back())));
  }
  EXPECT_EQ(g.multi_pow_small(bases, exps), expect);
  const auto a = bases[0], b = bases[1];
  EXPECT_EQ(g.mul(g.div(a, b), b), a);
  EXPECT_EQ(g.mul(a, g.inv(a)), 1);
  const auto fb = g.precompute(a);
  EXPECT_EQ(g.pow_fixed_small(fb, -12345, 16), g.inv(g.pow(a, g.scalar_from_int(12345))));
  const auto k = g.scalar_random();
  EXPECT_EQ(g.scalar_mul(k, g.scalar_inv(k)), 1);
  EXPECT_EQ(g.scalar_add(k, g.scalar_neg(k)), 0);
}

TEST(ModpGroup, DecodeValidatesRangeAndSubgroup) {
  const ModpGroup g = modp_test_insecure_64();
  const auto x = g.pow(g.generator(), g.scalar_random());
  EXPECT_EQ(g.decode(g.encode(x)), x);
  // 2 is a non-residue modulo this p: outside the prime-order subgroup.
  EXPECT_THROW(g.decode(g.encode(2)), DeserializationError);
  EXPECT_THROW(g.decode(g.encode(0)), DeserializationError);
  std::vector<uint8_t> all_ff(g.element_bytes(), 0xff);  // >= p
  EXPECT_THROW(g.decode(all_ff), DeserializationError);
  EXPECT_THROW(g.decode(std::vector<uint8_t>(g.element_bytes() + 1, 0)), DeserializationError);
  std::vector<uint8_t> big_scalar(g.scalar_bytes(), 0xff);
  EXPECT_THROW(g.scalar_decode(big_scalar), DeserializationError);
}

}  // namespace
}  // namespace hnn::fe
