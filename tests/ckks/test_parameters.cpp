#include <gtest/gtest.h>

#include <cmath>

#include "hnn/ckks/ckks.h"
#include "hnn/rns/primes.h"

using namespace hnn::ckks;

TEST(Parameters, PresetsAreValidAndWithinTheirSecurityBound) {
  for (auto lit : {presets::n14_l7(), presets::seal_like_n15(), presets::n16_l24_dnum3()}) {
    const Parameters p = Parameters::create(lit);
    EXPECT_EQ(p.security(), SecurityLevel::Bits128);
    EXPECT_LE(p.log_qp(), max_log_qp_128(p.log_n()));
    for (uint64_t q : p.q()) {
      EXPECT_TRUE(hnn::rns::is_prime(q));
      EXPECT_EQ(q % (2 * p.n()), 1u);
    }
  }
  const Parameters n16 = Parameters::create(presets::n16_l24_dnum3());
  EXPECT_EQ(n16.max_level(), 23);
  EXPECT_EQ(n16.dnum(), 3);
  EXPECT_EQ(n16.alpha(), 8);
  const Parameters seal = Parameters::create(presets::seal_like_n15());
  EXPECT_NEAR(seal.log_qp(), 881, 0.5);
  EXPECT_EQ(seal.alpha(), 1);
}

TEST(Parameters, HeStandardTable) {
  EXPECT_EQ(max_log_qp_128(12), 109);
  EXPECT_EQ(max_log_qp_128(15), 881);
  EXPECT_EQ(max_log_qp_128(16), 1772);
  EXPECT_EQ(max_log_qp_128(9), 0);
}

TEST(Parameters, RejectsSetsAboveThe128BitBoundUnlessMarkedInsecure) {
  ParametersLiteral lit = presets::test_insecure_n12();
  lit.security = SecurityLevel::Bits128;
  try {
    Parameters::create(lit);
    FAIL() << "an insecure set was accepted";
  } catch (const hnn::InvalidArgument& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("exceeds the HE-standard 128-bit bound of 109"), std::string::npos) << msg;
    EXPECT_NE(msg.find("SecurityLevel::None"), std::string::npos) << msg;
  }
  lit.security = SecurityLevel::None;
  EXPECT_NO_THROW(Parameters::create(lit));
  // Just inside the bound at logN = 13: 218 bits.
  ParametersLiteral ok;
  ok.log_n = 13;
  ok.log_q = {50, 40, 40};
  ok.log_p = {50};
  EXPECT_NO_THROW(Parameters::create(ok));
  ok.log_q.push_back(40);  // 220 bits
  EXPECT_THROW(Parameters::create(ok), hnn::InvalidArgument);
}

TEST(Parameters, RejectsMalformedLiterals) {
  auto base = [] {
    ParametersLiteral lit;
    lit.log_n = 12;
    lit.log_q = {50, 40};
    lit.log_p = {50};
    lit.security = SecurityLevel::None;
    return lit;
  };
  auto l = base();
  l.log_n = 9;
  EXPECT_THROW(Parameters::create(l), hnn::InvalidArgument);
  l = base();
  l.log_q.clear();
  EXPECT_THROW(Parameters::create(l), hnn::InvalidArgument);
  l = base();
  l.log_p.clear();
  EXPECT_THROW(Parameters::create(l), hnn::InvalidArgument);
  l = base();
  l.log_q = {62, 40};
  EXPECT_THROW(Parameters::create(l), hnn::InvalidArgument);
  l = base();
  l.dnum = 3;  // more digits than Q primes
  EXPECT_THROW(Parameters::create(l), hnn::InvalidArgument);
  l = base();
  l.log_q.clear();
  l.q = {1099511480321ULL, 1099511480321ULL};  // duplicate
  EXPECT_THROW(Parameters::create(l), hnn::InvalidArgument);
  l.q = {1099511480321ULL, 1099511480323ULL};  // not 1 mod 2N
  EXPECT_THROW(Parameters::create(l), hnn::InvalidArgument);
  l.q = {1099511480321ULL, 1099511480321ULL + 8192 * 3};  // 1 mod 2N, composite
  EXPECT_FALSE(hnn::rns::is_prime(1099511480321ULL + 8192 * 3));
  EXPECT_THROW(Parameters::create(l), hnn::InvalidArgument);
  l = base();
  l.secret = SecretDistribution::SparseTernary;
  l.hamming_weight = 64;
  EXPECT_NO_THROW(Parameters::create(l));
  l.security = SecurityLevel::Bits128;
  EXPECT_THROW(Parameters::create(l), hnn::InvalidArgument);
}

TEST(Parameters, DigestIdentifiesTheSet) {
  const auto a = Parameters::create(presets::test_insecure_n12());
  const auto b = Parameters::create(presets::test_insecure_n12());
  EXPECT_EQ(a.digest(), b.digest());
  auto lit = presets::test_insecure_n12();
  lit.dnum = 3;
  EXPECT_NE(Parameters::create(lit).digest(), a.digest());
  lit = presets::test_insecure_n12();
  lit.log_scale = 30;
  EXPECT_NE(Parameters::create(lit).digest(), a.digest());
}
