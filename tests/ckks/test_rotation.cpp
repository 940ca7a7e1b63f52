// Rotations and conjugation match the plaintext permutation.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <initializer_list>
#include <string>
#include <vector>

#include "ckks_fixture.h"

using namespace hnn;
using namespace hnn::ckks;
using test::CkksWorld;

namespace {
std::vector<std::complex<double>> rotated(const std::vector<std::complex<double>>& v, int step) {
  const int n = static_cast<int>(v.size());
  std::vector<std::complex<double>> r(v.size());
  for (int j = 0; j < n; ++j) r[j] = v[((j + step) % n + n) % n];
  return r;
}

// run() at each thread count in turn, the OpenMP setting restored afterwards: its results in order.
template <class F>
auto results_at_thread_counts(F run, std::initializer_list<int> counts) {
  const int before = omp_get_max_threads();
  std::vector<decltype(run())> out;
  for (int threads : counts) {
    omp_set_num_threads(threads);
    out.push_back(run());
  }
  omp_set_num_threads(before);
  return out;
}
}  // namespace

TEST(Rotation, EveryPowerOfTwoRandomAndNegativeSteps) {
  CkksWorld w(presets::test_insecure_n12());
  const int slots = static_cast<int>(w.ctx->params().max_slots());
  std::vector<int> steps;
  for (int s = 1; s < slots; s <<= 1) steps.push_back(s);
  std::uniform_int_distribution<int> d(1, slots - 1);
  for (int i = 0; i < 3; ++i) steps.push_back(d(test::rng()));
  for (int s : {-1, -5, -(slots / 2), -(slots - 3)}) steps.push_back(s);
  GaloisKeys gk = w.keygen->create_galois_keys(steps);
  const auto z = test::random_complex(slots);
  const Ciphertext ct = w.encrypt(z);
  for (int s : steps) {
    const auto p = test::precision(w.decrypt(w.eval->rotate(ct, s, gk)), rotated(z, s));
    EXPECT_GE(p.min_bits, 20) << "step " << s;
  }
  // Step 0 and a full turn need no key.
  EXPECT_GE(test::precision(w.decrypt(w.eval->rotate(ct, 0, gk)), z).min_bits, 24);
  EXPECT_GE(test::precision(w.decrypt(w.eval->rotate(ct, slots, gk)), z).min_bits, 24);
}

TEST(Rotation, HoistedRotationsEqualSingleRotations) {
  CkksWorld w(presets::test_insecure_n12());
  const int slots = static_cast<int>(w.ctx->params().max_slots());
  const std::vector<int> steps = {1, 2, 3, 7, 16, -1, -9, 100, 0};
  GaloisKeys gk = w.keygen->create_galois_keys(steps);
  const auto z = test::random_complex(slots);
  Ciphertext ct = w.encrypt(z);
  // Also at a lower level, where fewer digits are active.
  for (int level : {w.ctx->max_level(), 2, 0}) {
    w.eval->drop_to_level_inplace(ct, level);
    const auto hoisted = w.eval->rotate_hoisted(ct, steps, gk);
    ASSERT_EQ(hoisted.size(), steps.size());
    for (std::size_t i = 0; i < steps.size(); ++i) {
      const auto p = test::precision(w.decrypt(hoisted[i]), rotated(z, steps[i]));
      EXPECT_GE(p.min_bits, 20) << "step " << steps[i] << " level " << level;
      // A single rotation permutes before decomposing, hoisting after: different (equally valid)
      // digit representatives, the same message to within the key-switching noise.
      const auto single = w.decrypt(w.eval->rotate(ct, steps[i], gk));
      const auto both = test::precision(w.decrypt(hoisted[i]), single);
      EXPECT_GE(both.min_bits, 20) << "step " << steps[i] << " level " << level;
    }
  }
}

TEST(Rotation, ConjugationAndSparseSlots) {
  CkksWorld w(presets::test_insecure_n12());
  GaloisKeys gk = w.keygen->create_galois_keys({1, -3}, true);
  for (std::size_t slots : {std::size_t{8}, std::size_t{64}, w.ctx->params().max_slots()}) {
    const auto z = test::random_complex(slots);
    const Ciphertext ct = w.encrypt(z);
    std::vector<std::complex<double>> conj(slots);
    for (std::size_t i = 0; i < slots; ++i) conj[i] = std::conj(z[i]);
    EXPECT_GE(test::precision(w.decrypt(w.eval->conjugate(ct, gk)), conj).min_bits, 20);
    EXPECT_GE(test::precision(w.decrypt(w.eval->rotate(ct, 1, gk)), rotated(z, 1)).min_bits, 20) << slots;
    EXPECT_GE(test::precision(w.decrypt(w.eval->rotate(ct, -3, gk)), rotated(z, -3)).min_bits, 20) << slots;
  }
}

TEST(Rotation, RotateAndSumAfterMultiplication) {
  CkksWorld w(presets::test_insecure_n12());
  const int slots = 1024;
  std::vector<int> steps;
  for (int s = 1; s < slots; s <<= 1) steps.push_back(s);
  GaloisKeys gk = w.keygen->create_galois_keys(steps);
  const auto a = test::random_complex(slots), b = test::random_complex(slots);
  Ciphertext ct = w.eval->multiply(w.encrypt(a), w.encrypt(b), w.rk);
  w.eval->rescale_inplace(ct);
  for (int s : steps) w.eval->add_inplace(ct, w.eval->rotate(ct, s, gk));
  std::complex<double> dot = 0;
  for (int i = 0; i < slots; ++i) dot += a[i] * b[i];
  const auto got = w.decrypt(ct);
  for (int i = 0; i < slots; ++i) ASSERT_LT(std::abs(got[i] - dot), 1e-4) << i;
}

// ---- level-restricted Galois keys ----------------------------------------------------------------

namespace {
bool same_words(const rns::RnsPoly& a, const rns::RnsPoly& b) {
  return a.limbs() == b.limbs() && std::equal(a.words().begin(), a.words().end(), b.words().begin());
}
bool same_ciphertext(const Ciphertext& a, const Ciphertext& b) {
  if (a.size() != b.size() || a.scale() != b.scale() || a.slots() != b.slots()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!same_words(a[i], b[i])) return false;
  return true;
}

// 12 Q limbs (max level 11), 3 special primes, dnum 4: digits of 3 limbs. Keys restricted to level 4
// keep 2 of the 4 digits, so levels 0..4 cross a digit boundary (2 -> 3).
constexpr int kRestrictedLevel = 4;
constexpr uint8_t kWorldSeed = 3;
}  // namespace

// Same seed, same calls: the restricted key is the full key's restriction, word for word, and every
// rotation, conjugation and hoisted rotation switches to the same bytes at every level it covers.
TEST(RestrictedGaloisKeys, SwitchBitIdenticallyToFullKeysAtEveryCoveredLevel) {
  CkksWorld w(test::deep_test_literal(), kWorldSeed);
  const Context& ctx = *w.ctx;
  const std::vector<int> steps = {1, -1, 5, 64, -300};
  // Two generators from the world's seed: the world's secret, the same key randomness.
  rns::Prng::Seed seed{};
  seed[0] = kWorldSeed;
  auto full_gen = KeyGenerator::insecure_from_seed_for_testing(w.ctx, seed);
  auto restricted_gen = KeyGenerator::insecure_from_seed_for_testing(w.ctx, seed);
  const GaloisKeys full = full_gen.create_galois_keys(steps, true);
  const GaloisKeys restricted = restricted_gen.create_galois_keys(steps, true, kRestrictedLevel);
  ASSERT_EQ(full.keys().size(), restricted.keys().size());

  const std::size_t k = ctx.special_count();
  const std::size_t kept = kRestrictedLevel + 1, n = ctx.n();
  for (const auto& [g, fk] : full.keys()) {
    const SwitchingKey* rk = restricted.find(g);
    ASSERT_NE(rk, nullptr);
    EXPECT_TRUE(fk.is_full());
    EXPECT_EQ(fk.max_level(), ctx.max_level());
    EXPECT_FALSE(rk->is_full());
    EXPECT_EQ(rk->max_level(), kRestrictedLevel);
    ASSERT_EQ(rk->digits(), static_cast<std::size_t>(ctx.digits_at_level(kRestrictedLevel)));
    ASSERT_LT(rk->digits(), fk.digits());
    for (std::size_t j = 0; j < rk->digits(); ++j) {
      for (auto part : {&SwitchingKey::b, &SwitchingKey::a}) {
        const rns::RnsPoly& r = (rk->*part)(j);
        const rns::RnsPoly& f = (fk.*part)(j);
        ASSERT_EQ(r.limbs(), kept + k);
        EXPECT_TRUE(std::equal(r.limb(0), r.limb(0) + kept * n, f.limb(0))) << "Q limbs, digit " << j;
        EXPECT_TRUE(std::equal(r.limb(kept), r.limb(kept) + k * n, f.limb(fk.special_offset())))
            << "P limbs, digit " << j;
      }
    }
  }
  // Keys made after a restricted one are unchanged too: the generators are still in step.
  EXPECT_TRUE(same_words(full_gen.create_galois_keys({3}).find(ctx.galois_element(3))->b(0),
                         restricted_gen.create_galois_keys({3}).find(ctx.galois_element(3))->b(0)));

  const auto z = test::random_complex(ctx.params().max_slots());
  Ciphertext ct = w.encrypt(z);
  w.eval->drop_to_level_inplace(ct, kRestrictedLevel);
  for (int level = kRestrictedLevel; level >= 0; --level) {
    if (ct.level() > level) w.eval->drop_to_level_inplace(ct, level);
    for (int s : steps) {
      const Ciphertext a = w.eval->rotate(ct, s, full), b = w.eval->rotate(ct, s, restricted);
      EXPECT_TRUE(same_ciphertext(a, b)) << "step " << s << " level " << level;
      EXPECT_GE(test::precision(w.decrypt(b), rotated(z, s)).min_bits, 20) << "step " << s << " level " << level;
    }
    EXPECT_TRUE(same_ciphertext(w.eval->conjugate(ct, full), w.eval->conjugate(ct, restricted))) << level;
    const auto hf = w.eval->rotate_hoisted(ct, steps, full);
    const auto hr = w.eval->rotate_hoisted(ct, steps, restricted);
    ASSERT_EQ(hf.size(), hr.size());
    for (std::size_t i = 0; i < steps.size(); ++i)
      EXPECT_TRUE(same_ciphertext(hf[i], hr[i])) << "hoisted step " << steps[i] << " level " << level;
  }
}

TEST(RestrictedGaloisKeys, AreRefusedAboveTheirMaxLevel) {
  CkksWorld w(test::deep_test_literal(), kWorldSeed);
  const GaloisKeys gk = w.keygen->create_galois_keys({3, -2}, true, kRestrictedLevel);
  Ciphertext ct = w.encrypt(test::random_complex(16));
  w.eval->drop_to_level_inplace(ct, kRestrictedLevel + 1);
  const std::string above = "covers levels <= 4; the ciphertext is at level 5";
  std::string msg = test::invalid_argument_message([&] { w.eval->rotate(ct, 3, gk); });
  EXPECT_NE(msg.find("Galois key for step 3 " + above), std::string::npos) << msg;
  msg = test::invalid_argument_message([&] { w.eval->rotate_hoisted(ct, {-2, 3}, gk); });
  EXPECT_NE(msg.find("Galois key for step -2 " + above), std::string::npos) << msg;
  msg = test::invalid_argument_message([&] { w.eval->conjugate(ct, gk); });
  EXPECT_NE(msg.find("Galois key for conjugation " + above), std::string::npos) << msg;
  msg = test::invalid_argument_message([&] { w.eval->apply_galois(ct, w.ctx->galois_element(3), gk); });
  EXPECT_NE(msg.find("Galois key for Galois element " + std::to_string(w.ctx->galois_element(3)) + " " + above),
            std::string::npos)
      << msg;
  // At its max level it works; a rotation by 0 needs no key at any level.
  EXPECT_NO_THROW(w.eval->rotate(ct, 0, gk));
  w.eval->drop_to_level_inplace(ct, kRestrictedLevel);
  EXPECT_NO_THROW(w.eval->rotate(ct, 3, gk));
  // Max levels outside -1..max level are the caller's mistake.
  for (int bad : {-2, w.ctx->max_level() + 1})
    EXPECT_NE(test::invalid_argument_message([&] { w.keygen->create_galois_keys({1}, false, bad); }).find("max level"),
              std::string::npos);
}

// Key size: digits_at_level(L) digits of L + 1 + k limbs instead of dnum digits of max + 1 + k.
TEST(RestrictedGaloisKeys, SizeCountsOnlyTheKeptDigitsAndLimbs) {
  CkksWorld w(test::deep_test_literal(), kWorldSeed);
  const Context& ctx = *w.ctx;
  const std::size_t k = ctx.special_count(), n = ctx.n();
  auto expected = [&](int level) {
    return 2 * static_cast<std::size_t>(ctx.digits_at_level(level)) * (static_cast<std::size_t>(level) + 1 + k) *
           n * sizeof(uint64_t);
  };
  const GaloisKeys full = w.keygen->create_galois_keys({1});
  const GaloisKeys restricted = w.keygen->create_galois_keys({1}, false, kRestrictedLevel);
  const std::size_t full_bytes = full.find(ctx.galois_element(1))->size_bytes();
  const std::size_t restricted_bytes = restricted.find(ctx.galois_element(1))->size_bytes();
  EXPECT_EQ(full_bytes, expected(ctx.max_level()));
  EXPECT_EQ(restricted_bytes, expected(kRestrictedLevel));
  // The memory planner's figure, without making a key.
  EXPECT_EQ(switching_key_bytes(ctx, ctx.max_level()), full_bytes);
  EXPECT_EQ(switching_key_bytes(ctx, kRestrictedLevel), restricted_bytes);
  // 4 digits x 15 limbs against 2 digits x 8 limbs: 3.75x smaller.
  EXPECT_EQ(full_bytes * 16, restricted_bytes * 60);
  EXPECT_EQ(restricted.size_bytes(), restricted_bytes);
  // max_level = the context's max level is a full key.
  EXPECT_EQ(w.keygen->create_galois_keys({1}, false, ctx.max_level()).size_bytes(), full_bytes);
}

// One key per Galois element; asked twice, the key covering more levels stays (full wins).
TEST(RestrictedGaloisKeys, MixWithFullKeysAndTheWiderKeyWins) {
  CkksWorld w(test::deep_test_literal(), kWorldSeed);
  const Context& ctx = *w.ctx;
  const uint32_t g1 = ctx.galois_element(1), g2 = ctx.galois_element(2), g3 = ctx.galois_element(3);
  GaloisKeys gk = w.keygen->create_galois_keys({1, 2}, false, 2);
  w.keygen->add_galois_keys(gk, {g2, g3});  // g2 widened to full, g3 added full
  w.keygen->add_galois_keys(gk, {g1}, kRestrictedLevel);  // g1 widened from 2 to 4
  w.keygen->add_galois_keys(gk, {g2, g3}, 1);  // already wider: kept
  EXPECT_EQ(gk.find(g1)->max_level(), kRestrictedLevel);
  EXPECT_TRUE(gk.find(g2)->is_full());
  EXPECT_TRUE(gk.find(g3)->is_full());
  EXPECT_EQ(gk.size_bytes(), gk.find(g1)->size_bytes() + 2 * gk.find(g2)->size_bytes());
  // The mixed set rotates at every level its keys cover.
  const auto z = test::random_complex(ctx.params().max_slots());
  Ciphertext ct = w.encrypt(z);
  EXPECT_GE(test::precision(w.decrypt(w.eval->rotate(ct, 2, gk)), rotated(z, 2)).min_bits, 20);
  EXPECT_THROW(w.eval->rotate_hoisted(ct, {1, 2}, gk), InvalidArgument);
  w.eval->drop_to_level_inplace(ct, 1);
  const auto h = w.eval->rotate_hoisted(ct, {1, 2, 3}, gk);
  for (int i = 0; i < 3; ++i)
    EXPECT_GE(test::precision(w.decrypt(h[i]), rotated(z, i + 1)).min_bits, 20) << "step " << i + 1;
}

// Element-wise loops, key switching and NTTs cut limbs in halves where the threads do not divide
// the limb count (rns::for_each_limb_part, ntt::transform); CI runs one thread per test process.
// Every operation's words must be the one-thread words, at odd and even limb counts (6 Q limbs
// and 3 special primes: 9 extended limbs at the top, 6 at level 2, one limb at level 0).
TEST(Evaluator, WordsDoNotDependOnTheThreadCount) {
  CkksWorld w(test::deep_test_literal(12, 5));
  const std::vector<int> steps = {1, -3, 17};
  const GaloisKeys gk = w.keygen->create_galois_keys(steps, true);
  const std::size_t slots = w.ctx->params().max_slots();
  const Ciphertext a = w.encrypt(test::random_complex(slots)), b = w.encrypt(test::random_complex(slots));
  const Plaintext pt = w.encoder->encode(test::random_complex(slots), w.ctx->max_level() - 1);
  auto run = [&] {
    std::vector<std::vector<uint64_t>> out;
    auto keep = [&](const Ciphertext& c) {
      std::vector<uint64_t> words;
      for (std::size_t i = 0; i < c.size(); ++i) words.insert(words.end(), c[i].data(), c[i].data() + c[i].limbs() * c[i].n());
      out.push_back(std::move(words));
    };
    Ciphertext x = w.eval->multiply(a, b, w.rk);
    keep(x);
    w.eval->rescale_inplace(x);
    keep(x);
    keep(w.eval->rotate(x, 1, gk));
    for (const Ciphertext& h : w.eval->rotate_hoisted(x, steps, gk)) keep(h);
    keep(w.eval->conjugate(x, gk));
    w.eval->multiply_plain_inplace(x, pt);
    w.eval->add_inplace(x, w.eval->negate(w.eval->rotate(x, -3, gk)));
    w.eval->add_const_inplace(x, {0.25, -0.5});
    w.eval->multiply_const_inplace(x, {0.5, 0.125});
    w.eval->multiply_integer_inplace(x, 3);
    keep(x);
    w.eval->rescale_inplace(x);
    w.eval->drop_to_level_inplace(x, 2);
    keep(w.eval->rotate(x, 17, gk));
    w.eval->drop_to_level_inplace(x, 0);
    keep(w.eval->rotate(x, 1, gk));
    return out;
  };
  const auto runs = results_at_thread_counts(run, {1, 2, 3});
  const auto& one = runs[0];
  for (std::size_t k = 1; k < runs.size(); ++k) {
    const auto& many = runs[k];
    const int threads = static_cast<int>(k) + 1;
    ASSERT_EQ(one.size(), many.size());
    for (std::size_t i = 0; i < one.size(); ++i) EXPECT_EQ(one[i], many[i]) << "result " << i << ", " << threads << " threads";
  }
}

// Key generation shares its limb loops among the threads (the b = e - a s products and the gadget
// term): from one seed, the keys' words must not depend on the thread count, restricted keys too.
TEST(KeyGenerator, KeysDoNotDependOnTheThreadCount) {
  const auto lit = test::deep_test_literal(12, 5);
  const auto ctx = Context::create(Parameters::create(lit));
  rns::Prng::Seed seed{};
  seed[0] = 77;
  auto words_of = [&] {
    KeyGenerator kg = KeyGenerator::insecure_from_seed_for_testing(ctx, seed);
    const RelinKey rk = kg.create_relin_key();
    GaloisKeys gk(ctx);
    kg.add_galois_keys(gk, {ctx->galois_element(1), ctx->galois_element(-3)}, ctx->max_level() - 2);
    std::vector<uint64_t> words;
    auto keep = [&](const SwitchingKey& k) {
      for (std::size_t j = 0; j < k.digits(); ++j)
        for (const rns::RnsPoly* p : {&k.b(j), &k.a(j)}) words.insert(words.end(), p->data(), p->data() + p->limbs() * p->n());
    };
    keep(rk.key());
    keep(*gk.find(ctx->galois_element(1)));
    keep(*gk.find(ctx->galois_element(-3)));
    return words;
  };
  const auto runs = results_at_thread_counts(words_of, {1, 2, 3});
  EXPECT_EQ(runs[1], runs[0]) << "2 threads";
  EXPECT_EQ(runs[2], runs[0]) << "3 threads";
}
