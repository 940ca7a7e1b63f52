// RNS bases against GMP big integers: CRT, fast base conversion (its stated error) and the exact
// rounding division by the last prime.
#include <gmpxx.h>
#include <gtest/gtest.h>

#include "hnn/rns/error.h"
#include "hnn/rns/primes.h"
#include "hnn/rns/rns_base.h"
#include "test_util.h"

using namespace hnn::rns;

namespace {
mpz_class random_below(const mpz_class& bound) {
  static gmp_randclass r(gmp_randinit_default);
  static bool seeded = false;
  if (!seeded) {
    r.seed(12345);
    seeded = true;
  }
  return r.get_z_range(bound);
}
std::vector<uint64_t> primes(int bits, std::size_t count, uint64_t n = 4096, std::vector<uint64_t> ex = {}) {
  return generate_ntt_primes(bits, count, n, ex);
}
}  // namespace

TEST(RnsBase, ComposeDecomposeRoundTrip) {
  for (std::size_t k : {1u, 2u, 7u, 30u}) {
    RnsBase base(primes(60, k));
    for (int t = 0; t < 200; ++t) {
      const mpz_class x = random_below(base.product());
      std::vector<uint64_t> res(k);
      base.decompose(x, res.data(), 1);
      for (std::size_t i = 0; i < k; ++i) {
        mpz_class r = x % static_cast<unsigned long>(base[i].value);
        EXPECT_EQ(res[i], r.get_ui());
      }
      EXPECT_EQ(base.compose(res.data(), 1), x);
      mpz_class centered = base.compose_centered(res.data(), 1);
      EXPECT_TRUE(centered == x || centered == x - base.product());
      EXPECT_LE(abs(centered) * 2, base.product());
    }
    // Negative integers decompose to their residues.
    std::vector<uint64_t> res(k);
    base.decompose(mpz_class(-5), res.data(), 1);
    for (std::size_t i = 0; i < k; ++i) EXPECT_EQ(res[i], base[i].value - 5);
    EXPECT_EQ(base.compose_centered(res.data(), 1), -5);
  }
}

TEST(RnsBase, RejectsDuplicateOrOutOfRangeModuli) {
  EXPECT_THROW(RnsBase({7681, 7681}), hnn::InvalidArgument);
  EXPECT_THROW(RnsBase({(uint64_t{1} << 61) + 1}), hnn::InvalidArgument);
  EXPECT_THROW(RnsBase(std::vector<uint64_t>{}), hnn::InvalidArgument);
}

// Fast base conversion returns x + u*A for one u in [0, k) for every target modulus.
TEST(BaseConverter, MatchesExactConversionUpToStatedError) {
  struct Case { std::size_t from, to; };
  for (Case c : {Case{1, 3}, Case{3, 1}, Case{8, 9}, Case{12, 20}, Case{30, 6}}) {
    const auto a_primes = primes(55, c.from);
    const auto b_primes = primes(58, c.to, 4096, a_primes);
    RnsBase a(a_primes), b(b_primes);
    BaseConverter conv(a, b);
    const std::size_t n = 64;
    std::vector<mpz_class> xs(n);
    std::vector<uint64_t> in(c.from * n), out(c.to * n);
    for (std::size_t col = 0; col < n; ++col) {
      xs[col] = random_below(a.product());
      a.decompose(xs[col], in.data() + col, n);
    }
    conv.convert(in.data(), out.data(), n);
    for (std::size_t col = 0; col < n; ++col) {
      // Find u from the first target modulus, then demand it explains every other one.
      int found_u = -1;
      for (std::size_t u = 0; u < c.from && found_u < 0; ++u) {
        mpz_class y = (xs[col] + u * a.product()) % static_cast<unsigned long>(b[0].value);
        if (y.get_ui() == out[col]) found_u = static_cast<int>(u);
      }
      ASSERT_GE(found_u, 0) << "conversion error outside [0, k) at column " << col;
      for (std::size_t j = 0; j < c.to; ++j) {
        mpz_class y = (xs[col] + found_u * a.product()) % static_cast<unsigned long>(b[j].value);
        EXPECT_EQ(out[j * n + col], y.get_ui());
      }
    }
  }
}

// ModDown in the coefficient domain built from BaseConverter: (x - conv(x mod P)) / P over Q
// equals floor(x / P) - u with 0 <= u < |P| (the algorithm's stated error).
TEST(BaseConverter, ModDownWithinStatedError) {
  const auto q_primes = primes(50, 6);
  const auto p_primes = primes(60, 3, 4096, q_primes);
  RnsBase q(q_primes), p(p_primes);
  BaseConverter p_to_q(p, q);
  const mpz_class qp = q.product() * p.product();
  const std::size_t n = 128;
  std::vector<uint64_t> xq(6 * n), xp(3 * n), conv(6 * n);
  std::vector<mpz_class> xs(n);
  for (std::size_t col = 0; col < n; ++col) {
    xs[col] = random_below(qp);
    q.decompose(xs[col], xq.data() + col, n);
    p.decompose(xs[col], xp.data() + col, n);
  }
  p_to_q.convert(xp.data(), conv.data(), n);
  for (std::size_t col = 0; col < n; ++col) {
    std::vector<uint64_t> res(6);
    for (std::size_t i = 0; i < 6; ++i) {
      const Modulus& qi = q[i];
      mpz_class pinv;
      mpz_class pm = p.product() % static_cast<unsigned long>(qi.value);
      mpz_class qz(static_cast<unsigned long>(qi.value));
      mpz_invert(pinv.get_mpz_t(), pm.get_mpz_t(), qz.get_mpz_t());
      res[i] = mul_mod(sub_mod(xq[i * n + col], conv[i * n + col], qi.value), pinv.get_ui(), qi);
    }
    const mpz_class got = q.compose(res.data(), 1);
    const mpz_class want = xs[col] / p.product();  // floor
    const mpz_class diff = (want - got + q.product()) % q.product();
    EXPECT_LT(diff, 3) << "ModDown error beyond |P| - 1";
  }
}

// The centered conversion returns exactly the centered representative of x.
TEST(BaseConverter, CenteredConversionIsExact) {
  for (std::size_t k : {1u, 3u, 8u, 30u}) {
    const auto a_primes = primes(61, k);
    const auto b_primes = primes(50, 5, 4096, a_primes);
    RnsBase a(a_primes), b(b_primes);
    BaseConverter conv(a, b);
    const std::size_t n = 300;
    std::vector<mpz_class> xs(n);
    std::vector<uint64_t> in(k * n), out(5 * n);
    for (std::size_t col = 0; col < n; ++col) {
      xs[col] = random_below(a.product());
      if (col == 0) xs[col] = a.product() / 2;      // the two sides of A/2
      if (col == 1) xs[col] = a.product() / 2 + 1;
      if (col == 2) xs[col] = 0;
      if (col == 3) xs[col] = a.product() - 1;
      a.decompose(xs[col], in.data() + col, n);
    }
    conv.convert_centered(in.data(), out.data(), n);
    for (std::size_t col = 0; col < n; ++col) {
      mpz_class centered = xs[col];
      if (centered * 2 > a.product()) centered -= a.product();
      std::vector<uint64_t> want(5), other(5), got(5);
      b.decompose(centered, want.data(), 1);
      b.decompose(centered == xs[col] ? xs[col] - a.product() : xs[col], other.data(), 1);
      for (std::size_t j = 0; j < 5; ++j) got[j] = out[j * n + col];
      if (col <= 1) {
        // Within A * 2^-46 of A/2 either representative is allowed (documented).
        EXPECT_TRUE(got == want || got == other) << "k=" << k << " col=" << col;
      } else {
        EXPECT_EQ(got, want) << "k=" << k << " col=" << col;
      }
    }
  }
}

TEST(RnsBase, DivideRoundByLastIsExact) {
  for (std::size_t k : {2u, 5u, 20u}) {
    RnsBase base(primes(45, k));
    RnsBase lower = base.slice(0, k - 1);
    const uint64_t ql = base[k - 1].value;
    const std::size_t n = 256;
    std::vector<uint64_t> poly(k * n);
    std::vector<mpz_class> xs(n);
    for (std::size_t c = 0; c < n; ++c) {
      xs[c] = random_below(base.product());
      base.decompose(xs[c], poly.data() + c, n);
    }
    divide_round_by_last(base, poly.data(), n);
    for (std::size_t c = 0; c < n; ++c) {
      mpz_class x = xs[c];
      if (x * 2 > base.product()) x -= base.product();  // centered
      // round(x / q_l) = floor((x + floor(q_l/2)) / q_l)
      mpz_class want;
      mpz_class num = x + static_cast<unsigned long>(ql / 2);
      mpz_fdiv_q_ui(want.get_mpz_t(), num.get_mpz_t(), static_cast<unsigned long>(ql));
      EXPECT_EQ(lower.compose_centered(poly.data() + c, n), want) << "k=" << k << " c=" << c;
    }
  }
}
