#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "hnn/rns/random.h"

using namespace hnn::rns;

TEST(Random, SeededStreamsAreReproducibleAndOsStreamsDiffer) {
  Prng::Seed seed{};
  seed[0] = 7;
  Prng a = Prng::insecure_from_seed_for_testing(seed), b = Prng::insecure_from_seed_for_testing(seed);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(a.next_u64(), b.next_u64());
  Prng c, d;
  int equal = 0;
  for (int i = 0; i < 100; ++i) equal += c.next_u64() == d.next_u64();
  EXPECT_LT(equal, 2);
}

TEST(Random, UniformIsInRangeAndBalanced) {
  Prng p;
  const uint64_t q = 1099511480321ULL;
  double sum = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const uint64_t v = p.uniform(q);
    ASSERT_LT(v, q);
    sum += static_cast<double>(v) / static_cast<double>(q);
  }
  EXPECT_NEAR(sum / n, 0.5, 0.005);  // 0.5 +- ~7 sigma
}

TEST(Random, TernaryAndNoiseDistributions) {
  Prng p;
  const std::size_t n = 1 << 18;
  std::vector<int8_t> v(n);
  sample_ternary(p, v.data(), n);
  std::map<int, int> counts;
  for (int8_t x : v) counts[x]++;
  ASSERT_EQ(counts.size(), 3u);
  // sigma of a frequency: sqrt(2/9 / 2^18) = 0.00092; 0.007 is 7.6 sigma
  for (int x : {-1, 0, 1}) EXPECT_NEAR(counts[x] / static_cast<double>(n), 1.0 / 3, 0.007);

  sample_noise_cbd(p, v.data(), n);
  double mean = 0, var = 0;
  for (int8_t x : v) {
    ASSERT_LE(std::abs(x), 21);
    mean += x;
    var += x * x;
  }
  mean /= n;
  var = var / n - mean * mean;
  EXPECT_NEAR(mean, 0.0, 0.05);  // sigma of the mean: 3.2 / 512 = 0.0063; 0.05 is 7.9 sigma
  EXPECT_NEAR(std::sqrt(var), kNoiseSigma, 0.03);

  sample_sparse_ternary(p, v.data(), n, 192);
  std::size_t nonzero = 0;
  for (int8_t x : v) {
    ASSERT_LE(std::abs(x), 1);
    nonzero += x != 0;
  }
  EXPECT_EQ(nonzero, 192u);
}
