// The vector kernels of rns/ (hnn/rns/simd.h, BaseConverter) against the portable loops, word for
// word, and the portable loops against 128-bit arithmetic. Kernels this CPU lacks are skipped
// with a line saying so; CI's machines have AVX-512 IFMA.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <limits>
#include <numeric>
#include <random>

#include "hnn/rns/primes.h"
#include "hnn/rns/rns_base.h"
#include "hnn/rns/simd.h"
#include "test_util.h"

using namespace hnn::rns;
using u128 = unsigned __int128;

namespace {

// The sets with kernels of their own here (AVX2 has none in rns/: it runs the portable loops).
std::vector<Simd> vector_sets() {
  std::vector<Simd> sets;
  for (Simd s : {Simd::Avx512Ifma}) {
    if (simd_supported(s)) sets.push_back(s);
    else std::printf("[simd] %s: not on this CPU, not compared\n", simd_name(s));
  }
  return sets;
}

// Words below q with the extremes mixed in (0 and q - 1 at both ends and every 37th word).
std::vector<uint64_t> words(std::size_t n, uint64_t q) {
  auto w = hnn::test::random_words(n, q);
  for (std::size_t c = 0; c < n; c += 37) w[c] = q - 1;
  if (n > 1) w[1] = 0, w[n - 1] = q - 1;
  return w;
}

}  // namespace

TEST(Simd, LevelIsSupportedAndNamed) {
  EXPECT_TRUE(simd_supported(simd_level()));
  EXPECT_TRUE(simd_supported(Simd::Portable));
  std::printf("[simd] in use: %s\n", simd_name(simd_level()));
}

TEST(Simd, MaxDotTermsKeepsTheSumsBelow2To128) {
  for (int bits : {30, 50, 59, 60, 61}) {
    const Modulus q(generate_ntt_primes(bits, 1, 1024)[0]);
    const std::size_t t = max_dot_terms(q);
    EXPECT_LE(t, 1024u);
    // t (q - 1)^2 < 2^128, checked as (q - 1)^2 <= (2^128 - 1) / t
    const u128 sq = static_cast<u128>(q.value - 1) * (q.value - 1);
    EXPECT_LE(sq, ~u128{0} / t) << bits;
  }
}

// The portable loops against 128-bit arithmetic, then every vector set against the portable loops,
// with and without a permutation, for term counts from 0 to the limit and every prime size.
TEST(Simd, Dot2ModMatchesReferenceAndPortable) {
  const auto sets = vector_sets();
  const std::size_t n = 1024 + 8;  // two full blocks and a short one
  std::vector<uint32_t> perm(n);
  std::iota(perm.begin(), perm.end(), 0u);
  std::shuffle(perm.begin(), perm.end(), hnn::test::rng());
  for (int bits : {30, 40, 50, 52, 55, 60, 61}) {
    const Modulus q(generate_ntt_primes(bits, 1, 1024)[0]);
    for (std::size_t terms : {std::size_t{0}, std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{6}, max_dot_terms(q)}) {
      std::vector<std::vector<uint64_t>> s, u, v;
      for (std::size_t t = 0; t < terms; ++t) s.push_back(words(n, q.value)), u.push_back(words(n, q.value)), v.push_back(words(n, q.value));
      std::vector<const uint64_t*> sp, up, vp;
      for (std::size_t t = 0; t < terms; ++t) sp.push_back(s[t].data()), up.push_back(u[t].data()), vp.push_back(v[t].data());
      for (const uint32_t* pm : {static_cast<const uint32_t*>(nullptr), static_cast<const uint32_t*>(perm.data())}) {
        std::vector<uint64_t> r0(n), r1(n);
        dot2_mod_with(Simd::Portable, terms, sp.data(), up.data(), vp.data(), pm, n, q, r0.data(), r1.data());
        for (std::size_t c = 0; c < n; c += 97) {  // spot checks against u128 sums reduced term by term
          u128 a = 0, b = 0;
          for (std::size_t t = 0; t < terms; ++t) {
            const uint64_t x = s[t][pm ? pm[c] : c];
            a = (a + static_cast<u128>(x) * u[t][c]) % q.value;
            b = (b + static_cast<u128>(x) * v[t][c]) % q.value;
          }
          ASSERT_EQ(r0[c], static_cast<uint64_t>(a)) << bits << "-bit, " << terms << " terms, c=" << c;
          ASSERT_EQ(r1[c], static_cast<uint64_t>(b)) << bits << "-bit, " << terms << " terms, c=" << c;
        }
        for (Simd set : sets) {
          std::vector<uint64_t> g0(n, 0xdead), g1(n, 0xbeef);
          dot2_mod_with(set, terms, sp.data(), up.data(), vp.data(), pm, n, q, g0.data(), g1.data());
          EXPECT_EQ(g0, r0) << simd_name(set) << " " << bits << "-bit, " << terms << " terms, perm " << (pm != nullptr);
          EXPECT_EQ(g1, r1) << simd_name(set) << " " << bits << "-bit, " << terms << " terms, perm " << (pm != nullptr);
        }
      }
    }
  }
}

// Repeated words (sparse-slot plaintexts in the subring form) give dot2_mod's words on the
// expanded vectors, for every set, at repeat counts inside a block, equal to it and above it.
TEST(Simd, Dot2ModRepeatedEqualsDot2ModOnTheExpandedWords) {
  std::vector<Simd> sets = vector_sets();
  sets.insert(sets.begin(), Simd::Portable);
  const std::size_t n = 4096;
  for (int bits : {40, 60}) {
    const Modulus q(generate_ntt_primes(bits, 1, 1024)[0]);
    for (std::size_t repeat : {std::size_t{1}, std::size_t{2}, std::size_t{4}, std::size_t{8}, std::size_t{16},
                               std::size_t{512}, std::size_t{2048}}) {
      const std::size_t terms = 5;
      std::vector<std::vector<uint64_t>> s, wide, u, v;
      for (std::size_t t = 0; t < terms; ++t) {
        s.push_back(words(n / repeat, q.value));
        wide.emplace_back(n);
        for (std::size_t c = 0; c < n; ++c) wide.back()[c] = s.back()[c / repeat];
        u.push_back(words(n, q.value)), v.push_back(words(n, q.value));
      }
      std::vector<const uint64_t*> sp, wp, up, vp;
      for (std::size_t t = 0; t < terms; ++t)
        sp.push_back(s[t].data()), wp.push_back(wide[t].data()), up.push_back(u[t].data()), vp.push_back(v[t].data());
      std::vector<uint64_t> r0(n), r1(n);
      dot2_mod_with(Simd::Portable, terms, wp.data(), up.data(), vp.data(), nullptr, n, q, r0.data(), r1.data());
      for (Simd set : sets) {
        std::vector<uint64_t> g0(n, 0xdead), g1(n, 0xbeef);
        dot2_mod_repeated_with(set, terms, sp.data(), up.data(), vp.data(), repeat, n, q, g0.data(), g1.data());
        EXPECT_EQ(g0, r0) << simd_name(set) << " " << bits << "-bit, repeat " << repeat;
        EXPECT_EQ(g1, r1) << simd_name(set) << " " << bits << "-bit, repeat " << repeat;
      }
    }
  }
}

// Base conversion, plain and centered, for source counts on both sides of every special case
// (1 source, the unrolled 2..8, the centered vector limit 15) and prime sizes up to 61 bits; n
// leaves a block that the vector kernel does not take (300) and one it does (4096 + 8).
TEST(Simd, BaseConversionGivesThePortableWords) {
  const auto sets = vector_sets();
  for (std::size_t k : {1u, 2u, 3u, 5u, 6u, 8u, 15u, 16u, 30u}) {
    for (auto [from_bits, to_bits] : {std::pair{61, 50}, std::pair{60, 61}, std::pair{40, 60}, std::pair{45, 40}}) {
      const auto a_primes = generate_ntt_primes(from_bits, k, 4096);
      const auto b_primes = generate_ntt_primes(to_bits, 7, 4096, a_primes);
      const RnsBase a(a_primes), b(b_primes);
      const BaseConverter conv(a, b);
      for (std::size_t n : {std::size_t{300}, std::size_t{4096 + 8}}) {
        std::vector<uint64_t> in(k * n);
        for (std::size_t i = 0; i < k; ++i) {
          const auto w = words(n, a_primes[i]);
          std::copy(w.begin(), w.end(), in.begin() + static_cast<std::ptrdiff_t>(i * n));
        }
        for (bool centered : {false, true}) {
          std::vector<uint64_t> want(7 * n);
          centered ? conv.convert_centered(in.data(), want.data(), n, Simd::Portable)
                   : conv.convert(in.data(), want.data(), n, Simd::Portable);
          for (Simd set : sets) {
            std::vector<uint64_t> got(7 * n, 0xdead);
            centered ? conv.convert_centered(in.data(), got.data(), n, set) : conv.convert(in.data(), got.data(), n, set);
            EXPECT_EQ(got, want) << simd_name(set) << " k=" << k << " " << from_bits << "->" << to_bits
                                 << " bits, n=" << n << (centered ? " centered" : "");
          }
        }
        // Centered, targets 3.. written after a gap of k limbs (ModUp's layout), the gap untouched.
        std::vector<uint64_t> want(7 * n);
        conv.convert_centered(in.data(), want.data(), n, Simd::Portable);
        for (Simd set : sets) {
          std::vector<uint64_t> got((7 + k) * n, 0xdead);
          conv.convert_centered(in.data(), got.data(), n, 3, k, set);
          for (std::size_t j = 0; j < 7 + k; ++j) {
            const auto at = got.begin() + static_cast<std::ptrdiff_t>(j * n);
            if (j >= 3 && j < 3 + k) {
              EXPECT_TRUE(std::all_of(at, at + static_cast<std::ptrdiff_t>(n), [](uint64_t x) { return x == 0xdead; }))
                  << simd_name(set) << " k=" << k << ": gap limb " << j << " written";
              continue;
            }
            const std::size_t t = j < 3 ? j : j - k;
            EXPECT_TRUE(std::equal(at, at + static_cast<std::ptrdiff_t>(n), want.begin() + static_cast<std::ptrdiff_t>(t * n)))
                << simd_name(set) << " k=" << k << " n=" << n << ": target " << t << " after the gap";
          }
        }
      }
    }
  }
}

// Element-wise products: the portable loop against 128-bit arithmetic, the vector kernels against
// the portable loop, in place and accumulating, for every prime size.
TEST(Simd, ElementWiseProductsGiveThePortableWords) {
  const auto sets = vector_sets();
  const std::size_t n = 4096 + 8;
  for (int bits : {30, 40, 50, 52, 55, 60, 61}) {
    const Modulus q(generate_ntt_primes(bits, 1, 1024)[0]);
    const auto a = words(n, q.value), b = words(n, q.value), acc = words(n, q.value);
    std::vector<uint64_t> prod(n), sum = acc;
    mul_mod_words(a.data(), b.data(), prod.data(), n, q, Simd::Portable);
    mul_add_mod_words(sum.data(), a.data(), b.data(), n, q, Simd::Portable);
    for (std::size_t c = 0; c < n; ++c) {
      const u128 p = static_cast<u128>(a[c]) * b[c] % q.value;
      ASSERT_EQ(prod[c], static_cast<uint64_t>(p)) << bits << "-bit, c=" << c;
      ASSERT_EQ(sum[c], static_cast<uint64_t>((p + acc[c]) % q.value)) << bits << "-bit, c=" << c;
    }
    std::vector<uint64_t> t0(n), t1(n), t2(n);
    tensor_mod_words(a.data(), b.data(), acc.data(), a.data(), t0.data(), t1.data(), t2.data(), n, q, Simd::Portable);
    for (std::size_t c = 0; c < n; c += 31) {
      ASSERT_EQ(t0[c], static_cast<uint64_t>(static_cast<u128>(a[c]) * acc[c] % q.value));
      ASSERT_EQ(t1[c], static_cast<uint64_t>((static_cast<u128>(a[c]) * a[c] % q.value + static_cast<u128>(b[c]) * acc[c] % q.value) % q.value));
      ASSERT_EQ(t2[c], static_cast<uint64_t>(static_cast<u128>(b[c]) * a[c] % q.value));
    }
    for (Simd set : sets) {
      std::vector<uint64_t> g0(n), g1(n), g2(n);
      tensor_mod_words(a.data(), b.data(), acc.data(), a.data(), g0.data(), g1.data(), g2.data(), n, q, set);
      EXPECT_EQ(g0, t0) << simd_name(set) << " " << bits << "-bit tensor";
      EXPECT_EQ(g1, t1) << simd_name(set) << " " << bits << "-bit tensor";
      EXPECT_EQ(g2, t2) << simd_name(set) << " " << bits << "-bit tensor";
    }
    // By a fixed multiplicand (Shoup), for operands below q and any 64-bit ones; n has a tail of 7.
    const uint64_t w = b[5] % q.value, ws = shoup_precompute(w, q.value);
    std::vector<uint64_t> wide = a;
    for (std::size_t c = 0; c < n; c += 3) wide[c] = ~wide[c];
    std::vector<uint64_t> by_w(n);
    mul_shoup_words(wide.data(), by_w.data(), n, w, ws, q.value, Simd::Portable);
    for (std::size_t c = 0; c < n; ++c)
      ASSERT_EQ(by_w[c], static_cast<uint64_t>(static_cast<u128>(wide[c]) * w % q.value)) << bits << "-bit, c=" << c;
    for (Simd set : sets) {
      std::vector<uint64_t> got = wide;
      mul_shoup_words(got.data(), got.data(), n - 7, w, ws, q.value, set);  // in place, a tail of 1
      for (std::size_t c = n - 7; c < n; ++c) got[c] = mul_shoup(got[c], w, ws, q.value);
      EXPECT_EQ(got, by_w) << simd_name(set) << " " << bits << "-bit Shoup";
    }
    // (x - y) w and acc + a[pi(c)] w, pi a permutation (reversal), against 128-bit arithmetic.
    std::vector<uint32_t> perm(n);
    for (std::size_t c = 0; c < n; ++c) perm[c] = static_cast<uint32_t>(n - 1 - c);
    std::vector<uint64_t> diff(n), sum_p = acc, sum_id = acc;
    sub_mul_shoup_words(a.data(), b.data(), diff.data(), n, w, ws, q.value, Simd::Portable);
    add_mul_shoup_words(sum_p.data(), a.data(), perm.data(), n, w, ws, q.value, Simd::Portable);
    add_mul_shoup_words(sum_id.data(), a.data(), nullptr, n, w, ws, q.value, Simd::Portable);
    for (std::size_t c = 0; c < n; ++c) {
      ASSERT_EQ(diff[c], static_cast<uint64_t>(static_cast<u128>(a[c] + q.value - b[c]) * w % q.value)) << bits << "-bit, c=" << c;
      ASSERT_EQ(sum_p[c], static_cast<uint64_t>((static_cast<u128>(a[perm[c]]) * w + acc[c]) % q.value)) << bits << "-bit, c=" << c;
      ASSERT_EQ(sum_id[c], static_cast<uint64_t>((static_cast<u128>(a[c]) * w + acc[c]) % q.value)) << bits << "-bit, c=" << c;
    }
    for (Simd set : sets) {
      std::vector<uint64_t> got_diff = a, got_p = acc, got_id = acc;
      sub_mul_shoup_words(got_diff.data(), b.data(), got_diff.data(), n, w, ws, q.value, set);  // in place
      add_mul_shoup_words(got_p.data(), a.data(), perm.data(), n, w, ws, q.value, set);
      add_mul_shoup_words(got_id.data(), a.data(), nullptr, n, w, ws, q.value, set);
      EXPECT_EQ(got_diff, diff) << simd_name(set) << " " << bits << "-bit (x - y) w";
      EXPECT_EQ(got_p, sum_p) << simd_name(set) << " " << bits << "-bit acc + a[pi] w";
      EXPECT_EQ(got_id, sum_id) << simd_name(set) << " " << bits << "-bit acc + a w";
    }
    for (Simd set : sets) {
      std::vector<uint64_t> got = a, got_sum = acc;
      mul_mod_words(got.data(), b.data(), got.data(), n, q, set);  // in place
      mul_add_mod_words(got_sum.data(), a.data(), b.data(), n, q, set);
      EXPECT_EQ(got, prod) << simd_name(set) << " " << bits << "-bit";
      EXPECT_EQ(got_sum, sum) << simd_name(set) << " " << bits << "-bit";
    }
  }
}

// A plaintext's rounded coefficients reduced limb by limb: against 128-bit arithmetic over the
// whole int64 range, the extremes and the values next to multiples of q included, for every set.
TEST(Simd, SignedResiduesAreTheRemaindersOfEveryInt64) {
  const auto sets = vector_sets();
  std::uniform_int_distribution<int64_t> any(std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max());
  for (int bits : {14, 20, 30, 40, 45, 50, 58, 60, 61}) {  // 14: 12289, below the vector kernels' range
    const Modulus q(bits == 14 ? uint64_t{12289} : generate_ntt_primes(bits, 1, 1024)[0]);
    const int64_t qs = static_cast<int64_t>(q.value);
    std::vector<int64_t> v = {0, 1, -1, qs, -qs, qs - 1, 1 - qs, qs + 1, -qs - 1,
                              std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min(),
                              std::numeric_limits<int64_t>::min() + 1};
    for (int64_t k : {int64_t{2}, int64_t{1} << 20, std::numeric_limits<int64_t>::max() / qs})
      for (int64_t d : {-1, 0, 1}) v.push_back(k * qs + d), v.push_back(-(k * qs + d));
    while (v.size() % 8 != 0 || v.size() < 4096) v.push_back(v.size() % 3 ? any(hnn::test::rng()) : any(hnn::test::rng()) >> 22);
    std::vector<uint64_t> want(v.size()), got(v.size());
    for (std::size_t c = 0; c < v.size(); ++c) {
      const __int128 r = static_cast<__int128>(v[c]) % qs;
      want[c] = static_cast<uint64_t>(r < 0 ? r + qs : r);
    }
    signed_residue_words(v.data(), got.data(), v.size(), q, Simd::Portable);
    EXPECT_EQ(got, want) << bits << "-bit, portable";
    for (Simd set : sets) {
      std::fill(got.begin(), got.end(), ~uint64_t{0});
      signed_residue_words(v.data(), got.data(), v.size(), q, set);
      EXPECT_EQ(got, want) << bits << "-bit, " << simd_name(set);
    }
  }
}
