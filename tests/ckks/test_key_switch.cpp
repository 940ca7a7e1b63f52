// Hybrid key switching internals against GMP: ModUp digits, ModDown, and a switch between secrets.
#include <gmpxx.h>
#include <gtest/gtest.h>

#include "ckks_fixture.h"
#include "key_switch.h"  // internal (ckks/src)
#include "poly_ops.h"    // internal (ckks/src)

using namespace hnn;
using namespace hnn::ckks;

namespace {
// Random polynomial over the first `limbs` Q limbs, in the NTT domain.
rns::RnsPoly random_poly(const Context& ctx, std::size_t limbs) {
  rns::RnsPoly p(ctx.n(), limbs, rns::Domain::Ntt);
  for (std::size_t i = 0; i < limbs; ++i) {
    auto w = test::random_words(ctx.n(), ctx.modulus(i).value);
    std::copy(w.begin(), w.end(), p.limb(i));
  }
  return p;
}
std::vector<uint64_t> ext_primes(const Context& ctx, int level) {
  std::vector<uint64_t> v;
  for (std::size_t i : ctx.extended_indices(level)) v.push_back(ctx.modulus(i).value);
  return v;
}
}  // namespace

class KeySwitchLevels : public ::testing::TestWithParam<int> {};

// Each ModUp'd digit is the centered representative of [d]_{Q_j} over Q_l u P (coefficient-wise):
// congruent to d mod Q_j and at most Q_j / 2 in absolute value (up to the double-precision
// rounding of the centering, which may pick the other representative within 2^-40 Q_j of Q_j / 2).
// A non-centered conversion (d + u Q_j, u >= 0) biases key switching: u's mean times the key's
// noise concentrates in a few slots (measured: 7 bits lost in the worst slot of a rotation).
TEST_P(KeySwitchLevels, ModUpDigitsMatchGmp) {
  auto lit = presets::test_insecure_n12();
  lit.dnum = 3;  // alpha = 3 over 7 Q limbs: digits of 3, 3, 1 limbs
  auto ctx = Context::create(Parameters::create(lit));
  const int level = GetParam();
  const std::size_t n = ctx->n();
  rns::RnsPoly d = random_poly(*ctx, level + 1);
  const auto dec = ckks::detail::decompose(*ctx, d);
  ASSERT_EQ(static_cast<int>(dec.digits.size()), ctx->digits_at_level(level));
  rns::RnsPoly d_coeff = d.clone();
  ckks::detail::to_coeff(*ctx, d_coeff);
  const rns::RnsBase ext_base(ext_primes(*ctx, level));
  const auto ext_idx = ctx->extended_indices(level);
  for (std::size_t j = 0; j < dec.digits.size(); ++j) {
    const auto& step = ctx->mod_up_step(level, static_cast<int>(j));
    const rns::RnsBase digit_base = ctx->q_base(level).slice(step.begin, step.end);
    rns::RnsPoly e = dec.digits[j].clone();
    ntt::transform(ctx->plan(ext_idx, ntt::Direction::Inverse), e.data());
    for (std::size_t c = 0; c < n; c += 37) {
      const mpz_class digit = digit_base.compose(d_coeff.limb(step.begin) + c, n);
      mpz_class got = ext_base.compose(e.data() + c, n);
      if (2 * got > ext_base.product()) got -= ext_base.product();  // centered modulo Q_l P
      const mpz_class diff = got - digit;
      ASSERT_EQ(diff % digit_base.product(), 0) << "digit " << j << " coefficient " << c;
      const mpz_class u = diff / digit_base.product();
      EXPECT_TRUE(u == 0 || u == -1) << "u = " << u;
      const mpz_class slack = digit_base.product() / (mpz_class(1) << 40);
      EXPECT_LE(2 * abs(got), digit_base.product() + slack);
    }
  }
}

// ModDown: (x - [x]_P) / P with the centered remainder is round(x / P), exactly.
TEST_P(KeySwitchLevels, ModDownMatchesGmp) {
  auto ctx = Context::create(Parameters::create(presets::test_insecure_n12()));
  const int level = GetParam();
  const std::size_t n = ctx->n();
  const auto ext_idx = ctx->extended_indices(level);
  rns::RnsPoly x(n, ext_idx.size(), rns::Domain::Coefficient);
  for (std::size_t i = 0; i < ext_idx.size(); ++i) {
    auto w = test::random_words(n, ctx->modulus(ext_idx[i]).value);
    std::copy(w.begin(), w.end(), x.limb(i));
  }
  rns::RnsPoly x_ntt = x.clone();
  ntt::transform(ctx->plan(ext_idx, ntt::Direction::Forward), x_ntt.data());
  x_ntt.set_domain(rns::Domain::Ntt);
  rns::RnsPoly out;
  ckks::detail::mod_down(*ctx, x_ntt, out);
  ASSERT_EQ(out.limbs(), static_cast<std::size_t>(level) + 1);
  ckks::detail::to_coeff(*ctx, out);
  const rns::RnsBase ext_base(ext_primes(*ctx, level));
  const mpz_class& qb = ctx->q_base(level).product();
  for (std::size_t c = 0; c < n; c += 13) {
    const mpz_class xv = ext_base.compose(x.data() + c, n);
    mpz_class want = (xv + ctx->p_base().product() / 2) / ctx->p_base().product();  // round
    want %= qb;
    EXPECT_EQ(ctx->q_base(level).compose(out.data() + c, n), want) << "coefficient " << c;
  }
}

INSTANTIATE_TEST_SUITE_P(Levels, KeySwitchLevels, ::testing::Values(0, 2, 3, 6));

// A switching key from s' to s turns (0, d) under s' into (u0, u1) under s with small error.
TEST(KeySwitch, SwitchesBetweenSecretsWithSmallError) {
  for (int dnum : {2, 4, 7}) {
    auto lit = presets::test_insecure_n12();
    lit.dnum = dnum;
    if (dnum == 7) lit.log_p = {60};  // one special prime per single-limb digit
    test::CkksWorld w(lit);
    const Context& ctx = *w.ctx;
    test::CkksWorld other(lit, 99);  // another secret under the same parameters
    const auto& s_prime = other.keygen->secret_key().poly();
    SwitchingKey key = w.keygen->create_switching_key(s_prime);
    for (int level : {ctx.max_level(), 1}) {
      rns::RnsPoly d = random_poly(ctx, level + 1);
      rns::RnsPoly u0, u1;
      ckks::detail::key_switch(ctx, ckks::detail::decompose(ctx, d), key, nullptr, u0, u1);
      // e = u0 + u1 s - d s' must be small.
      rns::RnsPoly lhs = u0.clone(), rhs(ctx.n(), level + 1, rns::Domain::Ntt);
      ckks::detail::mul_add_inplace(ctx, lhs, u1, w.keygen->secret_key().poly());
      ckks::detail::mul(ctx, d, s_prime, rhs);
      ckks::detail::sub_inplace(ctx, lhs, rhs);
      ckks::detail::to_coeff(ctx, lhs);
      double worst = 0;
      for (std::size_t c = 0; c < ctx.n(); ++c)
        worst = std::max(worst, std::fabs(ctx.q_base(level).compose_centered(lhs.data() + c, ctx.n()).get_d()));
      EXPECT_LT(worst, std::ldexp(1.0, 30)) << "dnum " << dnum << " level " << level;
      EXPECT_GT(worst, 0.0);
    }
  }
}
