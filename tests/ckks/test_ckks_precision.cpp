// CKKS precision as log2-precision statistics over all slots, and exactness of rescaling.
#include <gmpxx.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

#include "ckks_fixture.h"

using namespace hnn;
using namespace hnn::ckks;
using test::CkksWorld;

namespace {
void report(const char* what, const test::PrecisionStats& p) {
  std::printf("[precision] %-44s mean %5.1f bits, min %5.1f bits\n", what, p.mean_bits, p.min_bits);
}
std::vector<std::complex<double>> unit_circle(std::size_t n) {
  std::uniform_real_distribution<double> d(0, 2 * 3.141592653589793);
  std::vector<std::complex<double>> v(n);
  for (auto& x : v) x = std::polar(1.0, d(test::rng()));
  return v;
}
}  // namespace

// 128-bit logN = 14 set, scale 2^40, all N/2 slots.
TEST(CkksPrecision, FreshEncryptionAtScale2To40) {
  CkksWorld w(presets::n14_l7());
  const auto z = test::random_complex(w.ctx->params().max_slots());
  const auto p_pk = test::precision(w.decrypt(w.encrypt(z)), z);
  report("fresh public-key encryption (logN=14)", p_pk);
  // 30 runs: mean 28.9 bits every time, minimum over the 8192 slots 25.2-25.9 (a product of two
  // Gaussians, the ModDown rounding times the key: a heavy tail), hence 24 for the minimum.
  EXPECT_GE(p_pk.mean_bits, 27.5);
  EXPECT_GE(p_pk.min_bits, 24);
  Encryptor sym(w.ctx, w.keygen->secret_key());
  const auto p_sk = test::precision(w.encoder->decode(w.decryptor->decrypt(sym.encrypt(w.encoder->encode(z)))), z);
  report("fresh symmetric encryption (logN=14)", p_sk);
  EXPECT_GE(p_sk.mean_bits, 25);
  EXPECT_GE(p_sk.min_bits, 25);
}

TEST(CkksPrecision, OneMultiplyRelinearizeRescale) {
  CkksWorld w(presets::n14_l7());
  const std::size_t slots = w.ctx->params().max_slots();
  const auto a = test::random_complex(slots), b = test::random_complex(slots);
  Ciphertext ct = w.eval->multiply(w.encrypt(a), w.encrypt(b), w.rk);
  w.eval->rescale_inplace(ct);
  EXPECT_EQ(ct.level(), w.ctx->max_level() - 1);
  EXPECT_NEAR(std::log2(ct.scale()), 40, 0.01);
  std::vector<std::complex<double>> want(slots);
  for (std::size_t i = 0; i < slots; ++i) want[i] = a[i] * b[i];
  const auto p = test::precision(w.decrypt(ct), want);
  report("multiply + relinearize + rescale (logN=14)", p);
  EXPECT_GE(p.mean_bits, 20);
  EXPECT_GE(p.min_bits, 20);
}

// The ModDown that divides by P q_l at once gives the same words as relinearize then rescale:
// both round exactly (P and q_l are odd, so no quotient is a half-integer, and the centered
// conversions pick the nearest representative), and round(round(y) / q) differs from round(y / q)
// only when a half-integer multiple of q lies between y and round(y): probability ~2N / q_l < 2^-40
// for the whole ciphertext.
TEST(CkksPrecision, FusedRelinearizeRescaleMatchesTheTwoSteps) {
  CkksWorld w(presets::n14_l7());
  const std::size_t slots = w.ctx->params().max_slots();
  const auto a = test::random_complex(slots), b = test::random_complex(slots);
  const Ciphertext prod = w.eval->multiply_no_relin(w.encrypt(a), w.encrypt(b));
  Ciphertext two_steps = prod.clone();
  w.eval->relinearize_inplace(two_steps, w.rk);
  w.eval->rescale_inplace(two_steps);
  Ciphertext fused = prod.clone();
  w.eval->relinearize_rescale_inplace(fused, w.rk);
  ASSERT_EQ(fused.size(), 2u);
  EXPECT_EQ(fused.level(), two_steps.level());
  EXPECT_EQ(fused.scale(), two_steps.scale());
  for (std::size_t c = 0; c < 2; ++c)
    EXPECT_TRUE(std::ranges::equal(fused[c].words(), two_steps[c].words())) << "component " << c;
  // A 2-component ciphertext is only rescaled.
  Ciphertext plain_rescale = two_steps.clone(), via_fused = two_steps.clone();
  w.eval->rescale_inplace(plain_rescale);
  w.eval->relinearize_rescale_inplace(via_fused, w.rk);
  for (std::size_t c = 0; c < 2; ++c)
    EXPECT_TRUE(std::ranges::equal(plain_rescale[c].words(), via_fused[c].words())) << "component " << c;
}

TEST(CkksPrecision, DepthTenChainOfMultiplications) {
  CkksWorld w(test::deep_test_literal(13, 11));
  const std::size_t slots = w.ctx->params().max_slots();
  auto want = unit_circle(slots);
  Ciphertext acc = w.encrypt(want);
  for (int d = 0; d < 10; ++d) {
    const auto f = unit_circle(slots);
    Ciphertext factor = w.encrypt(f, acc.level());
    acc = w.eval->multiply(acc, factor, w.rk);
    w.eval->rescale_inplace(acc);
    for (std::size_t i = 0; i < slots; ++i) want[i] *= f[i];
  }
  EXPECT_EQ(acc.level(), 1);
  const auto p = test::precision(w.decrypt(acc), want);
  report("depth-10 multiplication chain (logN=13)", p);
  EXPECT_GE(p.mean_bits, 18);
  EXPECT_GE(p.min_bits, 18);
}

TEST(CkksPrecision, PlaintextConstantAndIntegerOperations) {
  CkksWorld w(presets::test_insecure_n12());
  const std::size_t slots = 256;
  const auto a = test::random_complex(slots), b = test::random_complex(slots);
  const Ciphertext ca = w.encrypt(a), cb = w.encrypt(b);
  auto check = [&](const Ciphertext& ct, auto f, const char* what, double bits) {
    std::vector<std::complex<double>> want(slots);
    for (std::size_t i = 0; i < slots; ++i) want[i] = f(i);
    const auto p = test::precision(w.decrypt(ct), want);
    EXPECT_GE(p.min_bits, bits) << what;
  };
  check(w.eval->add(ca, cb), [&](std::size_t i) { return a[i] + b[i]; }, "add", 24);
  check(w.eval->sub(ca, cb), [&](std::size_t i) { return a[i] - b[i]; }, "sub", 24);
  check(w.eval->negate(ca), [&](std::size_t i) { return -a[i]; }, "negate", 24);
  Ciphertext t = ca.clone();
  w.eval->add_plain_inplace(t, w.encoder->encode(b));
  check(t, [&](std::size_t i) { return a[i] + b[i]; }, "add_plain", 24);
  t = ca.clone();
  w.eval->sub_plain_inplace(t, w.encoder->encode(b));
  check(t, [&](std::size_t i) { return a[i] - b[i]; }, "sub_plain", 24);
  t = ca.clone();
  w.eval->multiply_plain_inplace(t, w.encoder->encode(b));
  w.eval->rescale_inplace(t);
  check(t, [&](std::size_t i) { return a[i] * b[i]; }, "multiply_plain", 20);
  t = ca.clone();
  const std::complex<double> c(0.3, -1.7);
  w.eval->add_const_inplace(t, c);
  check(t, [&](std::size_t i) { return a[i] + c; }, "add_const", 24);
  t = ca.clone();
  w.eval->multiply_const_inplace(t, c);
  w.eval->rescale_inplace(t);
  EXPECT_NEAR(t.scale(), ca.scale(), ca.scale() * 1e-12) << "multiply_const + rescale keeps the scale";
  check(t, [&](std::size_t i) { return a[i] * c; }, "multiply_const", 20);
  t = ca.clone();
  w.eval->multiply_const_inplace(t, -2.5);
  w.eval->rescale_inplace(t);
  check(t, [&](std::size_t i) { return a[i] * -2.5; }, "multiply_const real", 20);
  t = ca.clone();
  w.eval->multiply_integer_inplace(t, -7);
  EXPECT_EQ(t.level(), ca.level());
  check(t, [&](std::size_t i) { return a[i] * -7.0; }, "multiply_integer", 20);
  t = w.eval->square(ca, w.rk);
  w.eval->rescale_inplace(t);
  check(t, [&](std::size_t i) { return a[i] * a[i]; }, "square", 20);
  // Three-component product decrypts too, and relinearizes to the same message.
  Ciphertext three = w.eval->multiply_no_relin(ca, cb);
  EXPECT_EQ(three.size(), 3u);
  Ciphertext three_r = w.eval->rescale(three);
  check(three_r, [&](std::size_t i) { return a[i] * b[i]; }, "multiply without relinearization", 20);
  w.eval->relinearize_inplace(three, w.rk);
  EXPECT_EQ(three.size(), 2u);
  w.eval->rescale_inplace(three);
  check(three, [&](std::size_t i) { return a[i] * b[i]; }, "relinearize after", 20);
  // Dropping levels keeps the message.
  t = ca.clone();
  w.eval->drop_to_level_inplace(t, 2);
  EXPECT_EQ(t.level(), 2);
  check(t, [&](std::size_t i) { return a[i]; }, "drop_to_level", 24);
}

// Rescale in the NTT domain equals round(x / q_l) of every coefficient, checked with GMP.
// acc += a * p in one pass is word for word multiply_plain then add; a scale mismatch is refused.
TEST(CkksPrecision, MultiplyPlainAddIsMultiplyThenAdd) {
  CkksWorld w(presets::test_insecure_n12());
  const std::size_t slots = 256;
  const Ciphertext ca = w.encrypt(test::random_complex(slots)), cb = w.encrypt(test::random_complex(slots));
  const Plaintext pa = w.encoder->encode(test::random_complex(slots)), pb = w.encoder->encode(test::random_complex(slots));
  Ciphertext want = ca.clone(), tb = cb.clone();
  w.eval->multiply_plain_inplace(want, pa);
  w.eval->multiply_plain_inplace(tb, pb);
  w.eval->add_inplace(want, tb);
  Ciphertext got = ca.clone();
  w.eval->multiply_plain_inplace(got, pa);
  w.eval->multiply_plain_add_inplace(got, cb, pb);
  for (std::size_t i = 0; i < 2; ++i) {
    const auto g = got[i].words(), v = want[i].words();
    EXPECT_TRUE(std::equal(g.begin(), g.end(), v.begin(), v.end())) << "component " << i;
  }
  EXPECT_EQ(got.scale(), want.scale());
  EXPECT_THROW(w.eval->multiply_plain_add_inplace(got, cb, w.encoder->encode(test::random_complex(slots), -1, 2.0)),
               InvalidArgument);
}

// acc += c * a with a above acc's level is word for word copy_at_level, multiply_const and add; a
// below acc's level, or a scale that does not match, is refused.
TEST(CkksPrecision, MultiplyConstAddIsCopyMultiplyThenAdd) {
  CkksWorld w(presets::test_insecure_n12());
  const std::size_t slots = 256;
  const Ciphertext high = w.encrypt(test::random_complex(slots));
  Ciphertext low = w.encrypt(test::random_complex(slots));
  w.eval->drop_to_level_inplace(low, high.level() - 2);
  const double c = -0.6180339887, const_scale = low.scale() / high.scale() * 1048576.0;
  Ciphertext want = low.clone();
  w.eval->multiply_const_inplace(want, 1.0, 1048576.0);  // the accumulator at scale 2^20 * its own
  Ciphertext got = want.clone();
  Ciphertext term = w.eval->copy_at_level(high, low.level());
  w.eval->multiply_const_inplace(term, c, const_scale);
  term.set_scale(want.scale());
  w.eval->add_inplace(want, term);
  w.eval->multiply_const_add_inplace(got, high, c, const_scale);
  ASSERT_EQ(got.level(), want.level());
  for (std::size_t i = 0; i < 2; ++i) {
    const auto g = got[i].words(), v = want[i].words();
    EXPECT_TRUE(std::equal(g.begin(), g.end(), v.begin(), v.end())) << "component " << i;
  }
  EXPECT_EQ(got.scale(), want.scale());
  EXPECT_THROW(w.eval->multiply_const_add_inplace(got, high, c, 2 * const_scale), InvalidArgument);
  Ciphertext below = high.clone();
  w.eval->drop_to_level_inplace(below, low.level() - 1);
  EXPECT_THROW(w.eval->multiply_const_add_inplace(got, below, c, got.scale() / below.scale()), InvalidArgument);
}

TEST(CkksPrecision, RescaleIsExactAgainstGmp) {
  CkksWorld w(presets::test_insecure_n12());
  const Context& ctx = *w.ctx;
  const Ciphertext ct = w.eval->multiply(w.encrypt(test::random_complex(512)), w.encrypt(test::random_complex(512)), w.rk);
  const int level = ct.level();
  const Ciphertext rs = w.eval->rescale(ct);
  const uint64_t ql = ctx.modulus(level).value;
  for (std::size_t comp = 0; comp < 2; ++comp) {
    rns::RnsPoly before = ct[comp].clone(), after = rs[comp].clone();
    ntt::transform(ctx.plan_q(before.limbs(), ntt::Direction::Inverse), before.data());
    ntt::transform(ctx.plan_q(after.limbs(), ntt::Direction::Inverse), after.data());
    for (std::size_t c = 0; c < ctx.n(); ++c) {
      const mpz_class x = ctx.q_base(level).compose_centered(before.data() + c, ctx.n());
      mpz_class want, num = x + static_cast<unsigned long>(ql / 2);
      mpz_fdiv_q_ui(want.get_mpz_t(), num.get_mpz_t(), static_cast<unsigned long>(ql));
      ASSERT_EQ(ctx.q_base(level - 1).compose_centered(after.data() + c, ctx.n()), want) << "coefficient " << c;
    }
  }
}
