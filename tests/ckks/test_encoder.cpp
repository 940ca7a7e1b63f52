// Encoding against an independent reference: direct evaluation of the canonical embedding.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <numbers>

#include "ckks_fixture.h"
#include "encoder_kernels.h"  // ckks/src: white-box

using namespace hnn;
using namespace hnn::ckks;

namespace {
ContextPtr small_context(int log_n = 10, std::size_t q_count = 3) {
  ParametersLiteral lit;
  lit.log_n = log_n;
  lit.log_q.assign(q_count, 50);
  lit.log_p = {55};
  lit.security = SecurityLevel::None;
  return Context::create(Parameters::create(lit));
}

// Coefficients of a plaintext as centered big integers divided by its scale.
std::vector<double> coefficients(const Context& ctx, const Plaintext& pt) {
  rns::RnsPoly poly = pt.poly().clone();
  ntt::transform(ctx.plan_q(poly.limbs(), ntt::Direction::Inverse), poly.data());
  std::vector<double> out(ctx.n());
  for (std::size_t c = 0; c < ctx.n(); ++c)
    out[c] = ctx.q_base(pt.level()).compose_centered(poly.data() + c, ctx.n()).get_d() / pt.scale();
  return out;
}
}  // namespace

TEST(Encoder, MatchesCanonicalEmbeddingByDirectEvaluation) {
  auto ctx = small_context();
  Encoder enc(ctx);
  const std::size_t n = ctx->n();
  for (std::size_t slots : {std::size_t{1}, std::size_t{4}, n / 8, n / 2}) {
    const auto z = test::random_complex(slots);
    const Plaintext pt = enc.encode(z);
    const auto m = coefficients(*ctx, pt);
    // z_j = m(zeta^(5^j)), zeta = exp(i pi / N), evaluated directly.
    uint64_t five_j = 1;
    for (std::size_t j = 0; j < slots; ++j) {
      std::complex<double> acc = 0;
      for (std::size_t k = 0; k < n; ++k) {
        if (m[k] == 0) continue;
        const double angle = std::numbers::pi * static_cast<double>((k * five_j) % (2 * n)) / static_cast<double>(n);
        acc += m[k] * std::complex<double>(std::cos(angle), std::sin(angle));
      }
      EXPECT_LT(std::abs(acc - z[j]), 1e-9) << "slots=" << slots << " j=" << j;
      five_j = (five_j * 5) % (2 * n);
    }
  }
}

TEST(Encoder, AutomorphismFiveRotatesSlotsLeftByOne) {
  auto ctx = small_context();
  Encoder enc(ctx);
  const std::size_t n = ctx->n(), slots = n / 2;
  const auto z = test::random_complex(slots);
  Plaintext pt = enc.encode(z);
  // Apply X -> X^5 in the NTT domain with the context's permutation.
  const auto& perm = ctx->galois_permutation(5);
  rns::RnsPoly rotated(n, pt.poly().limbs(), rns::Domain::Ntt);
  for (std::size_t i = 0; i < rotated.limbs(); ++i)
    for (std::size_t c = 0; c < n; ++c) rotated.limb(i)[c] = pt.poly().limb(i)[perm[c]];
  const auto got = enc.decode(Plaintext(ctx, std::move(rotated), pt.scale(), slots));
  for (std::size_t j = 0; j < slots; ++j) EXPECT_LT(std::abs(got[j] - z[(j + 1) % slots]), 1e-9);
}

// Decoding composes through the CRT, so the precision (set by the rounding of the coefficients)
// is the same at level 0 (one 50-bit prime) and level 23 (a 1200-bit modulus).
// Sparse slots (gap = N / (2 slots) > 1) are encoded through the subring's smaller NTT: the
// polynomial is exactly round(scale w) on the multiples of the gap and zero elsewhere.
TEST(Encoder, SparseSlotsEncodeExactlyIntoTheSubring) {
  auto ctx = small_context(12, 3);
  Encoder enc(ctx);
  const double scale = std::ldexp(1.0, 30);
  for (std::size_t slots : {std::size_t{1}, std::size_t{4}, std::size_t{64}, ctx->n() / 4}) {
    const auto z = test::random_complex(slots);
    std::vector<std::complex<double>> w = z;
    enc.special_inverse_fft(w);
    const auto c = coefficients(*ctx, enc.encode(z, 2, scale));
    const std::size_t gap = ctx->n() / 2 / slots;
    std::size_t wrong = 0;
    for (std::size_t k = 0; k < ctx->n(); ++k) {
      double want = 0;
      if (k % gap == 0) {
        const std::size_t i = (k % (ctx->n() / 2)) / gap;
        want = std::nearbyint(scale * (k < ctx->n() / 2 ? w[i].real() : w[i].imag())) / scale;
      }
      wrong += c[k] != want;
    }
    EXPECT_EQ(wrong, 0u) << slots << " slots";
  }
}

// encode_extended: the same integer polynomial as encode, over Q_l and then the special primes.
TEST(Encoder, ExtendedEncodingIsTheSamePolynomialModuloTheSpecialPrimes) {
  ParametersLiteral lit;
  lit.log_n = 11;
  lit.log_q.assign(4, 50);
  lit.log_p = {55, 55};
  lit.security = SecurityLevel::None;
  auto ctx = Context::create(Parameters::create(lit));
  Encoder enc(ctx);
  const std::size_t n = ctx->n();
  const double scale = std::ldexp(1.0, 45);
  for (std::size_t slots : {std::size_t{1}, std::size_t{16}, n / 2}) {
    const auto z = test::random_complex(slots);
    const int level = 2;
    const Plaintext pt = enc.encode(z, level, scale);
    rns::RnsPoly ext = enc.encode_extended(z, level, scale);
    ASSERT_EQ(ext.limbs(), 3u + 2u);
    const std::size_t q_words = 3 * n;
    EXPECT_TRUE(std::equal(pt.poly().data(), pt.poly().data() + q_words, ext.data())) << slots << " slots";
    // The special limbs: m mod p_j, with m composed (centered) from the Q limbs.
    const auto idx = ctx->extended_indices(level);
    ntt::transform(ctx->plan(idx, ntt::Direction::Inverse), ext.data());
    std::size_t wrong = 0;
    for (std::size_t c = 0; c < n; ++c) {
      const mpz_class m = ctx->q_base(level).compose_centered(ext.data() + c, n);
      for (std::size_t j = 0; j < 2; ++j) {
        const uint64_t p = ctx->modulus(ctx->p_index(j)).value;
        mpz_class r;
        mpz_fdiv_r_ui(r.get_mpz_t(), m.get_mpz_t(), p);
        wrong += ext.limb(3 + j)[c] != r.get_ui();
      }
    }
    EXPECT_EQ(wrong, 0u) << slots << " slots";
  }
}

TEST(Encoder, RoundTripPrecisionDoesNotDependOnTheLevel) {
  auto ctx = small_context(12, 24);
  Encoder enc(ctx);
  for (std::size_t slots : {std::size_t{2}, std::size_t{256}, ctx->n() / 2}) {
    const auto z = test::random_complex(slots);
    double mean_at_bottom = 0;
    for (int level : {0, 1, 12, 23}) {
      const auto p = test::precision(enc.decode(enc.encode(z, level)), z);
      // Rounding N coefficients at scale 2^40: about 40 - log2(sqrt(N)) - 2 bits in the worst slot.
      EXPECT_GE(p.min_bits, 32) << "level " << level << " slots " << slots;
      if (level == 0) mean_at_bottom = p.mean_bits;
      EXPECT_NEAR(p.mean_bits, mean_at_bottom, 0.25) << "level " << level << " slots " << slots;
    }
  }
}

TEST(Encoder, RealVectorsConstantsAndLargeScales) {
  auto ctx = small_context(11, 4);
  Encoder enc(ctx);
  std::vector<double> x = {0.5, -1.25, 3.0, 1e-3};
  const auto got = enc.decode_real(enc.encode(x));
  for (std::size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(got[i], x[i], 1e-9);
  const auto c = enc.decode(enc.encode_constant({0.75, -0.5}, 16));
  for (auto v : c) EXPECT_LT(std::abs(v - std::complex<double>(0.75, -0.5)), 1e-9);
  // A scale of 2^100 (coefficients beyond 64 bits) on a 200-bit modulus still round-trips.
  const auto big = enc.decode_real(enc.encode(x, -1, std::ldexp(1.0, 100)));
  for (std::size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(big[i], x[i], 1e-12);
}

TEST(Encoder, RejectsBadSlotCountsAndValues) {
  auto ctx = small_context();
  Encoder enc(ctx);
  std::vector<std::complex<double>> three(3), too_many(ctx->n());
  try {
    enc.encode(three);
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("pad the vector"), std::string::npos);
  }
  EXPECT_THROW(enc.encode(too_many), InvalidArgument);
  EXPECT_THROW(enc.encode(std::vector<std::complex<double>>{}), InvalidArgument);
  std::vector<double> nan = {std::nan(""), 1.0};
  EXPECT_THROW(enc.encode(nan), InvalidArgument);
  // finite, but not once multiplied by the scale
  EXPECT_THROW(enc.encode(std::vector<double>{1e300, 1.0}), InvalidArgument);
  EXPECT_THROW(enc.encode(std::vector<double>{1.0, 2.0}, 99), InvalidArgument);
}

// From 4096 slots on, encoding shares its FFT's stages and its rounding among the threads (CI runs
// one thread per test process): the words must not depend on the thread count, in the sparse
// path (4096 of 8192 slots) and the full one.
TEST(Encoder, WordsDoNotDependOnTheThreadCount) {
  auto ctx = small_context(14, 3);
  Encoder enc(ctx);
  const int before = omp_get_max_threads();
  for (std::size_t slots : {ctx->n() / 4, ctx->n() / 2}) {
    const auto z = test::random_complex(slots);
    std::vector<std::vector<uint64_t>> words;
    for (int threads : {1, 2, 3}) {
      omp_set_num_threads(threads);
      const Plaintext pt = enc.encode(z);
      words.emplace_back(pt.poly().data(), pt.poly().data() + pt.poly().limbs() * ctx->n());
    }
    EXPECT_EQ(words[0], words[1]) << slots << " slots, 2 threads";
    EXPECT_EQ(words[0], words[2]) << slots << " slots, 3 threads";
  }
  omp_set_num_threads(before);
}

// The inverse FFT's butterflies with every vector set against the portable loop, double for double
// (the CUDA encoder computes the portable doubles): every stage of an 8192-value FFT, each cut into
// ranges that start and end off the vector kernel's groups of four.
TEST(Encoder, InverseFftButterfliesGiveThePortableDoubles) {
  auto ctx = small_context(14, 1);
  const std::size_t size = 8192;
  const auto* tw = ctx->inverse_fft_twiddles().data();
  std::vector<rns::Simd> sets;
  for (rns::Simd s : {rns::Simd::Avx512Ifma}) {
    if (rns::simd_supported(s)) sets.push_back(s);
    else std::printf("[encoder] %s: not on this CPU, not compared\n", rns::simd_name(s));
  }
  const auto start = test::random_complex(size);
  std::vector<std::complex<double>> want = start;
  for (std::size_t len = size; len >= 2; len >>= 1)
    ckks::detail::inverse_fft_butterflies(want.data(), tw + len / 2, len, 0, size / 2, rns::Simd::Portable);
  for (rns::Simd set : sets) {
    std::vector<std::complex<double>> got = start;
    for (std::size_t len = size; len >= 2; len >>= 1)
      for (std::size_t b0 : {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{1366}, std::size_t{2733}}) {
        static const std::map<std::size_t, std::size_t> next = {{0, 1}, {1, 7}, {7, 1366}, {1366, 2733}, {2733, 4096}};
        ckks::detail::inverse_fft_butterflies(got.data(), tw + len / 2, len, b0, next.at(b0), set);
      }
    ASSERT_EQ(got.size(), want.size());
    EXPECT_EQ(std::memcmp(got.data(), want.data(), size * sizeof(std::complex<double>)), 0) << rns::simd_name(set);
  }
}
