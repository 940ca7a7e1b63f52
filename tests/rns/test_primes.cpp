#include <gmpxx.h>
#include <gtest/gtest.h>

#include "hnn/rns/error.h"
#include "hnn/rns/modarith.h"
#include "hnn/rns/primes.h"
#include "test_util.h"

using namespace hnn::rns;

TEST(Primes, MillerRabinAgreesWithGmpOnTrickyAndRandomInputs) {
  // Carmichael numbers and strong pseudoprimes to several bases.
  for (uint64_t c : {561ULL, 1105ULL, 3215031751ULL, 2152302898747ULL, 3474749660383ULL,
                     341550071728321ULL, 3825123056546413051ULL})
    EXPECT_FALSE(is_prime(c)) << c;
  for (uint64_t p : {2ULL, 3ULL, 7681ULL, 12289ULL, 2305843009213693951ULL /* 2^61-1 */,
                     18446744073709551557ULL /* largest 64-bit prime */})
    EXPECT_TRUE(is_prime(p)) << p;
  for (int t = 0; t < 3000; ++t) {
    const uint64_t n = hnn::test::rng()() >> (t % 40) | 1;
    mpz_class z(std::to_string(n));
    EXPECT_EQ(is_prime(n), mpz_probab_prime_p(z.get_mpz_t(), 40) != 0) << n;
  }
}

TEST(Primes, KnownAnswers) {
  // Computed independently (Python big integers).
  EXPECT_EQ(generate_ntt_primes(40, 3, 4096),
            (std::vector<uint64_t>{1099511480321ULL, 1099511390209ULL, 1099511259137ULL}));
  EXPECT_EQ(generate_ntt_primes(60, 3, 65536),
            (std::vector<uint64_t>{1152921504606584833ULL, 1152921504598720513ULL, 1152921504597016577ULL}));
  EXPECT_EQ(generate_ntt_primes(55, 2, 32768),
            (std::vector<uint64_t>{36028797017456641ULL, 36028797014704129ULL}));
  EXPECT_EQ(minimal_primitive_root(512, 7681), 62u);
  EXPECT_EQ(minimal_primitive_root(2048, 12289), 7u);
  EXPECT_EQ(minimal_primitive_root(2048, 1099511592961ULL), 1045498494u);
}

TEST(Primes, GeneratedPrimesHaveTheRequestedShape) {
  for (int bits : {20, 30, 40, 50, 55, 60, 61}) {
    for (uint64_t n : {1024ULL, 65536ULL}) {
      if ((2 * n) << 8 >= (uint64_t{1} << (bits - 1))) continue;  // too few candidates
      const auto primes = generate_ntt_primes(bits, 4, n);
      ASSERT_EQ(primes.size(), 4u);
      for (std::size_t i = 0; i < primes.size(); ++i) {
        EXPECT_TRUE(is_prime(primes[i]));
        EXPECT_EQ(primes[i] % (2 * n), 1u);
        EXPECT_EQ(64 - __builtin_clzll(primes[i]), bits);
        if (i) {
          EXPECT_LT(primes[i], primes[i - 1]);  // largest first, distinct
        }
      }
      // Excluding the first yields the next ones.
      const auto rest = generate_ntt_primes(bits, 3, n, {primes[0]});
      EXPECT_EQ(rest, std::vector<uint64_t>(primes.begin() + 1, primes.end()));
    }
  }
}

TEST(Primes, PrimitiveRootProperties) {
  for (uint64_t n : {1024ULL, 4096ULL}) {
    for (uint64_t q : generate_ntt_primes(50, 2, n)) {
      const Modulus m(q);
      const uint64_t psi = minimal_primitive_root(2 * n, q);
      EXPECT_EQ(pow_mod(psi, n, m), q - 1);  // psi^N = -1: order exactly 2N
      // Minimal: no smaller odd power of psi is below it.
      uint64_t x = psi;
      const uint64_t psi2 = mul_mod(psi, psi, m);
      for (uint64_t k = 1; k < 2 * n; k += 2, x = mul_mod(x, psi2, m)) EXPECT_GE(x, psi);
    }
  }
}

TEST(Primes, RejectsImpossibleRequests) {
  EXPECT_THROW(generate_ntt_primes(62, 1, 1024), hnn::InvalidArgument);
  EXPECT_THROW(generate_ntt_primes(19, 1, 1024), hnn::InvalidArgument);
  EXPECT_THROW(generate_ntt_primes(40, 1, 1000), hnn::InvalidArgument);  // not a power of two
  EXPECT_THROW(generate_ntt_primes(20, 10000, 1024), hnn::InvalidArgument);  // too few exist
  EXPECT_THROW(minimal_primitive_root(2048, 7681), hnn::InvalidArgument);     // 7680 % 2048 != 0
}
