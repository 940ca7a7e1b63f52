// Serialization round trips, and hostile inputs rejected with DeserializationError (never a crash).
#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <string>

#include "ckks_fixture.h"
#include "hnn/ckks/bootstrap/serialization.h"

using namespace hnn;
using namespace hnn::ckks;

namespace {
bool same_words(const rns::RnsPoly& a, const rns::RnsPoly& b) {
  return a.limbs() == b.limbs() && a.domain() == b.domain() &&
         std::equal(a.words().begin(), a.words().end(), b.words().begin());
}

// Every deserializer, applied to a possibly malformed buffer: must throw DeserializationError or
// succeed, never anything else.
template <class F>
void expect_rejected(F load, ByteView bytes, const std::string& what) {
  try {
    load(ByteView(bytes));
    ADD_FAILURE() << what << ": a malformed buffer was accepted";
  } catch (const DeserializationError&) {
  } catch (const std::exception& e) {
    ADD_FAILURE() << what << ": wrong exception type: " << e.what();
  }
}
}  // namespace

class Serialization : public ::testing::Test {
 protected:
  Serialization() : w(small()) {}
  static ParametersLiteral small() {
    ParametersLiteral lit;
    lit.log_n = 10;
    lit.log_q = {50, 40, 40};
    lit.log_p = {50};
    lit.security = SecurityLevel::None;
    return lit;
  }
  test::CkksWorld w;
};

TEST_F(Serialization, RoundTrips) {
  const Parameters p2 = deserialize_parameters(serialize(w.ctx->params()));
  EXPECT_EQ(p2.digest(), w.ctx->params().digest());
  EXPECT_EQ(p2.q(), w.ctx->params().q());

  const auto z = test::random_complex(64);
  const Ciphertext ct = w.encrypt(z);
  const Ciphertext ct2 = deserialize_ciphertext(w.ctx, serialize(ct));
  EXPECT_EQ(ct2.level(), ct.level());
  EXPECT_EQ(ct2.scale(), ct.scale());
  EXPECT_EQ(ct2.slots(), ct.slots());
  EXPECT_TRUE(same_words(ct[0], ct2[0]) && same_words(ct[1], ct2[1]));
  EXPECT_GE(test::precision(w.decrypt(ct2), z).min_bits, 20);
  // A 3-component ciphertext at a lower level.
  Ciphertext three = w.eval->multiply_no_relin(ct, ct);
  w.eval->drop_to_level_inplace(three, 1);
  const Ciphertext three2 = deserialize_ciphertext(w.ctx, serialize(three));
  EXPECT_EQ(three2.size(), 3u);
  EXPECT_TRUE(same_words(three[2], three2[2]));

  const Plaintext pt = w.encoder->encode(z, 1);
  EXPECT_TRUE(same_words(deserialize_plaintext(w.ctx, serialize(pt)).poly(), pt.poly()));
  const PublicKey pk2 = deserialize_public_key(w.ctx, serialize(w.pk));
  EXPECT_TRUE(same_words(pk2.b(), w.pk.b()) && same_words(pk2.a(), w.pk.a()));
  const RelinKey rk2 = deserialize_relin_key(w.ctx, serialize(w.rk));
  EXPECT_TRUE(same_words(rk2.key().b(0), w.rk.key().b(0)));
  const GaloisKeys gk = w.keygen->create_galois_keys({1, -2}, true);
  const GaloisKeys gk2 = deserialize_galois_keys(w.ctx, serialize(gk));
  EXPECT_EQ(gk2.keys().size(), 3u);
  // Loaded keys work: rotate with them.
  const Ciphertext r = w.eval->rotate(ct, -2, gk2);
  const auto got = w.decrypt(r);
  EXPECT_LT(std::abs(got[2] - z[0]), 1e-5);
  const SecretKey sk2 = deserialize_secret_key(w.ctx, serialize_secret_key_explicitly(w.keygen->secret_key()));
  EXPECT_TRUE(same_words(sk2.poly(), w.keygen->secret_key().poly()));
  EXPECT_EQ(peek_type(serialize(ct)), ObjectType::Ciphertext);
}

TEST_F(Serialization, TruncatedBuffersAreRejectedEverywhere) {
  const Bytes ct = serialize(w.encrypt(test::random_complex(64)));
  const Bytes params = serialize(w.ctx->params());
  const Bytes gk = serialize(w.keygen->create_galois_keys({1}));
  for (std::size_t len = 0; len < params.size(); ++len)
    expect_rejected([](ByteView b) { deserialize_parameters(b); }, Bytes(params.begin(), params.begin() + len), "params");
  for (std::size_t len : {0ul, 3ul, 8ul, 15ul, 16ul, 20ul, 40ul, 100ul, ct.size() / 2, ct.size() - 1})
    expect_rejected([&](ByteView b) { deserialize_ciphertext(w.ctx, b); }, Bytes(ct.begin(), ct.begin() + len), "ct");
  for (std::size_t len : {10ul, 17ul, 30ul, gk.size() - 8})
    expect_rejected([&](ByteView b) { deserialize_galois_keys(w.ctx, b); }, Bytes(gk.begin(), gk.begin() + len), "gk");
  Bytes trailing = ct;
  trailing.push_back(0);
  expect_rejected([&](ByteView b) { deserialize_ciphertext(w.ctx, b); }, trailing, "trailing byte");
}

TEST_F(Serialization, ForgedFieldsAreRejectedBeforeAllocation) {
  const Bytes ct = serialize(w.encrypt(test::random_complex(64)));
  auto load_ct = [&](ByteView b) { deserialize_ciphertext(w.ctx, b); };
  // Layout: magic 4, version 2, type 1, reserved 1, digest 8, size 1, level 4, scale 8, slots 8,
  // then per component: domain 1, limbs 4, words.
  auto patched = [&](std::size_t off, const void* v, std::size_t len) {
    Bytes b = ct;
    std::memcpy(b.data() + off, v, len);
    return b;
  };
  const char bad_magic[4] = {'X', 'N', 'N', '1'};
  expect_rejected(load_ct, patched(0, bad_magic, 4), "magic");
  const uint16_t version = 99;
  expect_rejected(load_ct, patched(4, &version, 2), "version");
  const uint8_t type = static_cast<uint8_t>(ObjectType::Plaintext);
  expect_rejected(load_ct, patched(6, &type, 1), "type");
  const uint64_t digest = 12345;
  expect_rejected(load_ct, patched(8, &digest, 8), "digest");
  const uint8_t size = 9;
  expect_rejected(load_ct, patched(16, &size, 1), "component count");
  const uint32_t level = 1000000;
  expect_rejected(load_ct, patched(17, &level, 4), "level");
  const double scale = -1;
  expect_rejected(load_ct, patched(21, &scale, 8), "scale");
  const double nan = std::nan("");
  expect_rejected(load_ct, patched(21, &nan, 8), "NaN scale");
  const uint64_t slots = 3;
  expect_rejected(load_ct, patched(29, &slots, 8), "slots");
  const uint32_t limbs = 0xffffffffu;  // a huge allocation if it were trusted
  expect_rejected(load_ct, patched(38, &limbs, 4), "limb count");
  const uint64_t unreduced = ~uint64_t{0};
  expect_rejected(load_ct, patched(42, &unreduced, 8), "unreduced word");
  // Keys and parameters.
  const Bytes gk = serialize(w.keygen->create_galois_keys({1}));
  auto load_gk = [&](ByteView b) { deserialize_galois_keys(w.ctx, b); };
  const uint32_t count = 0x7fffffff;
  Bytes g1 = gk;
  std::memcpy(g1.data() + 16, &count, 4);
  expect_rejected(load_gk, g1, "key count");
  const uint32_t even = 4;
  Bytes g2 = gk;
  std::memcpy(g2.data() + 20, &even, 4);
  expect_rejected(load_gk, g2, "even Galois element");
  Bytes params = serialize(w.ctx->params());
  params[11] ^= 0x10;  // corrupt the first Q prime
  expect_rejected([](ByteView b) { deserialize_parameters(b); }, params, "prime");
  Bytes p2 = serialize(w.ctx->params());
  p2[9] = 200;  // Q count
  expect_rejected([](ByteView b) { deserialize_parameters(b); }, p2, "Q count");
}

// Galois keys restricted to low levels (KeyGenerator::create_galois_keys(..., max_level)) mixed
// with full ones: each key keeps its max level through a round trip, and the loaded keys switch to
// the same bytes. The max level is hostile input like every other field.
TEST_F(Serialization, MixedFullAndRestrictedGaloisKeysRoundTrip) {
  const Context& ctx = *w.ctx;
  GaloisKeys gk = w.keygen->create_galois_keys({1, -2}, true, 0);
  w.keygen->add_galois_keys(gk, {ctx.galois_element(3)});
  w.keygen->add_galois_keys(gk, {ctx.galois_element(5)}, 1);
  const Bytes bytes = serialize(gk);
  const GaloisKeys gk2 = deserialize_galois_keys(w.ctx, bytes);
  ASSERT_EQ(gk2.keys().size(), 5u);
  EXPECT_EQ(gk2.size_bytes(), gk.size_bytes());
  for (const auto& [g, k] : gk.keys()) {
    const SwitchingKey* k2 = gk2.find(g);
    ASSERT_NE(k2, nullptr) << g;
    EXPECT_EQ(k2->max_level(), k.max_level()) << g;
    ASSERT_EQ(k2->digits(), k.digits()) << g;
    for (std::size_t j = 0; j < k.digits(); ++j)
      EXPECT_TRUE(same_words(k2->b(j), k.b(j)) && same_words(k2->a(j), k.a(j))) << g;
  }
  EXPECT_EQ(gk2.find(ctx.galois_element(1))->max_level(), 0);
  EXPECT_TRUE(gk2.find(ctx.galois_element(3))->is_full());
  EXPECT_EQ(gk2.find(ctx.galois_element(5))->max_level(), 1);
  Ciphertext ct = w.encrypt(test::random_complex(64));
  w.eval->drop_to_level_inplace(ct, 0);
  const Ciphertext a = w.eval->rotate(ct, -2, gk), b = w.eval->rotate(ct, -2, gk2);
  EXPECT_TRUE(same_words(a[0], b[0]) && same_words(a[1], b[1]));

  // Layout: header 8, digest 8, key count u32 at 16, then per key: element u32, max level u32,
  // digit count u16, polynomials. The first key (smallest element) is restricted to level 0.
  auto load = [&](ByteView v) { deserialize_galois_keys(w.ctx, v); };
  auto patched = [&](std::size_t off, uint32_t v) {
    Bytes p = bytes;
    std::memcpy(p.data() + off, &v, 4);
    return p;
  };
  for (uint32_t level : {1u, 2u, 3u, 0xffffffffu})  // too high, or not the level the limbs are for
    expect_rejected(load, patched(24, level), "max level " + std::to_string(level));
  try {
    deserialize_galois_keys(w.ctx, patched(24, 3));
  } catch (const DeserializationError& e) {
    EXPECT_NE(std::string(e.what()).find("max level 3 exceeds"), std::string::npos) << e.what();
  }
  // A relinearization key must be full.
  Bytes rk = serialize(w.rk);
  const uint32_t zero = 0;
  std::memcpy(rk.data() + 16, &zero, 4);
  try {
    deserialize_relin_key(w.ctx, rk);
    ADD_FAILURE() << "a restricted relinearization key was accepted";
  } catch (const DeserializationError& e) {
    EXPECT_NE(std::string(e.what()).find("restricted to levels <= 0"), std::string::npos) << e.what();
  }
}

namespace {
// The same keys without the seeds of their a-parts (copies of the words): stored whole.
GaloisKeys without_seeds(const GaloisKeys& keys) {
  GaloisKeys out(keys.context());
  for (const auto& [g, k] : keys.keys()) {
    std::vector<rns::RnsPoly> b, a;
    for (std::size_t j = 0; j < k.digits(); ++j) b.push_back(k.b(j).clone()), a.push_back(k.a(j).clone());
    out.insert(g, SwitchingKey(keys.context(), std::move(b), std::move(a), k.max_level()));
  }
  return out;
}
}  // namespace

// Keys from KeyGenerator carry the seed of their a-parts and travel as b-parts and 32 bytes: about
// half the bytes, loading to the same words. A key without a seed (here a copy of the words) is
// stored whole.
TEST_F(Serialization, SeededKeysTravelAsHalfTheWords) {
  const Context& ctx = *w.ctx;
  const GaloisKeys gk = w.keygen->create_galois_keys({1});
  const SwitchingKey& key = *gk.find(ctx.galois_element(1));
  ASSERT_TRUE(key.a_seed().has_value());
  const GaloisKeys whole = without_seeds(gk);
  const Bytes seeded = serialize(gk), stored = serialize(whole);
  EXPECT_LT(seeded.size(), stored.size() / 2 + 1024) << seeded.size() << " vs " << stored.size();
  for (const Bytes* bytes : {&seeded, &stored}) {
    const GaloisKeys loaded = deserialize_galois_keys(w.ctx, *bytes);
    const SwitchingKey& k = *loaded.find(ctx.galois_element(1));
    EXPECT_EQ(k.a_seed().has_value(), bytes == &seeded);
    for (std::size_t j = 0; j < key.digits(); ++j)
      EXPECT_TRUE(same_words(k.b(j), key.b(j)) && same_words(k.a(j), key.a(j))) << "digit " << j;
  }
  // A flag other than 0 (stored) or 1 (seeded) is refused. Layout: header 8, digest 8, count 4,
  // element 4, max level 4, digit count 2, then the flag at byte 30.
  Bytes bad = seeded;
  bad[30] = 2;
  expect_rejected([&](ByteView v) { deserialize_galois_keys(w.ctx, v); }, bad, "a-part flag 2");
  // A restricted key expands to the full key's words on the limbs they share.
  const auto full_a = expand_switching_key_a(ctx, *key.a_seed(), ctx.max_level());
  const auto low_a = expand_switching_key_a(ctx, *key.a_seed(), 0);
  ASSERT_EQ(low_a.size(), static_cast<std::size_t>(ctx.digits_at_level(0)));
  for (std::size_t i = 0; i < low_a[0].limbs(); ++i) {
    const std::size_t full_limb = i == 0 ? 0 : ctx.max_level() + i;  // q_0, then the special primes
    EXPECT_TRUE(std::equal(low_a[0].limb(i), low_a[0].limb(i) + ctx.n(), full_a[0].limb(full_limb))) << "limb " << i;
  }
}

// Format versions 1 (no max level: every key full) and 2 (no seed flag: the a-parts stored) still
// load.
TEST_F(Serialization, VersionOneAndTwoGaloisKeysStillLoad) {
  const Context& ctx = *w.ctx;
  const GaloisKeys gk = w.keygen->create_galois_keys({1});
  const SwitchingKey& original = *gk.find(ctx.galois_element(1));
  const GaloisKeys whole = without_seeds(gk);
  ASSERT_EQ(kSerializationVersion, 3);
  for (const uint16_t version : {uint16_t{1}, uint16_t{2}}) {
    SCOPED_TRACE("version " + std::to_string(version));
    Bytes old = serialize(whole);
    std::memcpy(old.data() + 4, &version, 2);
    old.erase(old.begin() + 30);                                       // the seed flag (0: stored)
    if (version == 1) old.erase(old.begin() + 24, old.begin() + 28);  // the single key's max level
    const GaloisKeys loaded = deserialize_galois_keys(w.ctx, old);
    const SwitchingKey* k = loaded.find(ctx.galois_element(1));
    ASSERT_NE(k, nullptr);
    EXPECT_TRUE(k->is_full());
    for (std::size_t j = 0; j < original.digits(); ++j)
      EXPECT_TRUE(same_words(k->b(j), original.b(j)) && same_words(k->a(j), original.a(j)));
    EXPECT_EQ(peek_type(old), ObjectType::GaloisKeys);
  }
}

TEST_F(Serialization, RandomCorruptionNeverCrashes) {
  const Bytes ct = serialize(w.encrypt(test::random_complex(64)));
  const Bytes rk = serialize(w.rk);
  std::uniform_int_distribution<int> byte(0, 255);
  int accepted = 0;
  for (int t = 0; t < 300; ++t) {
    for (const Bytes* src : {&ct, &rk}) {
      Bytes b = *src;
      // Corrupt a few header/metadata bytes and one payload byte.
      b[test::rng()() % 48] = static_cast<uint8_t>(byte(test::rng()));
      b[test::rng()() % b.size()] = static_cast<uint8_t>(byte(test::rng()));
      try {
        if (src == &ct)
          deserialize_ciphertext(w.ctx, b);
        else
          deserialize_relin_key(w.ctx, b);
        ++accepted;  // a corruption of a non-validated payload word can be valid data
      } catch (const DeserializationError&) {
      }
    }
  }
  EXPECT_LT(accepted, 600);
}

// ---- bootstrapping keys ------------------------------------------------------------------------

namespace {
// The bootstrapping preset's chain at logN = 10: the same key structure (21 Q limbs, 4 special
// primes, 6 digits, encapsulation with 2 special primes) at a fraction of the size (~47 MB of
// keys), so that generating, copying and bootstrapping take well under a second.
struct SmallBootWorld {
  std::unique_ptr<test::CkksWorld> w;
  std::unique_ptr<bootstrap::Bootstrapper> boot;
  bootstrap::BootstrapKeys keys;
  Bytes blob;  // serialize(keys)
  SmallBootWorld() {
    auto preset = bootstrap::presets::insecure_n12_bootstrap(0);
    preset.params.log_n = 10;
    w = std::make_unique<test::CkksWorld>(preset.params, 3);
    boot = std::make_unique<bootstrap::Bootstrapper>(w->ctx, preset.config);
    keys = boot->create_keys(*w->keygen);
    blob = serialize(keys);
  }
};

SmallBootWorld& boot_world() {
  static SmallBootWorld world;
  return world;
}

Bytes with_byte(ByteView bytes, std::size_t offset, uint8_t value) {
  Bytes b(bytes.begin(), bytes.end());
  b.at(offset) = value;
  return b;
}
}  // namespace

TEST(BootstrapKeySerialization, RoundTripBootstrapsBitIdentically) {
  SmallBootWorld& b = boot_world();
  EXPECT_EQ(peek_type(b.blob), ObjectType::BootstrapKeys);
  const bootstrap::BootstrapKeys loaded = bootstrap::deserialize_bootstrap_keys(b.w->ctx, b.blob);
  EXPECT_EQ(serialize(loaded), b.blob);
  EXPECT_EQ(loaded.galois.keys().size(), b.keys.galois.keys().size());
  EXPECT_EQ(loaded.encapsulation.hamming_weight, b.keys.encapsulation.hamming_weight);
  EXPECT_EQ(loaded.encapsulation.small->digest(), b.keys.encapsulation.small->digest());
  // Evaluation is deterministic: the same input and equal keys give the same ciphertext, word
  // for word, through every stage (ModRaise's two key switches, the rotations, the
  // relinearizations).
  const auto z = test::random_complex(b.boot->slots(), 0.5);
  const Ciphertext ct = b.w->encrypt(z, 0);
  const Ciphertext with_original = b.boot->bootstrap(ct, b.keys);
  const Ciphertext with_loaded = b.boot->bootstrap(ct, loaded);
  EXPECT_EQ(serialize(with_loaded), serialize(with_original));
  // And the result is the message: the loaded keys are usable, not merely equal.
  EXPECT_GT(test::precision(b.w->decrypt(with_loaded), z).mean_bits, 15);
}

TEST(BootstrapKeySerialization, EncapsulationKeysRoundTripThroughModRaise) {
  SmallBootWorld& b = boot_world();
  const Bytes bytes = serialize(b.keys.encapsulation);
  EXPECT_EQ(peek_type(bytes), ObjectType::EncapsulationKeys);
  bootstrap::BootstrapKeys only_encapsulation;  // mod_raise uses nothing else
  only_encapsulation.encapsulation = deserialize_encapsulation_keys(b.w->ctx, bytes);
  EXPECT_EQ(serialize(only_encapsulation.encapsulation), bytes);
  EXPECT_EQ(only_encapsulation.encapsulation.small->params().q(),
            b.keys.encapsulation.small->params().q());
  EXPECT_EQ(only_encapsulation.encapsulation.small->params().p(),
            b.keys.encapsulation.small->params().p());
  const Ciphertext ct = b.w->encrypt(test::random_complex(b.boot->slots(), 0.5), 0);
  EXPECT_EQ(serialize(b.boot->mod_raise(ct, only_encapsulation)),
            serialize(b.boot->mod_raise(ct, b.keys)));
}

TEST(BootstrapKeySerialization, KeysOfAnotherParameterSetAreRejected) {
  SmallBootWorld& b = boot_world();
  auto other_literal = bootstrap::presets::insecure_n12_bootstrap(0).params;
  other_literal.log_n = 10;
  other_literal.log_q.push_back(40);  // one more level: another digest, everything else alike
  const ContextPtr other = Context::create(Parameters::create(other_literal));
  expect_rejected([&](ByteView v) { bootstrap::deserialize_bootstrap_keys(other, v); }, b.blob,
                  "bootstrap keys");
  expect_rejected([&](ByteView v) { deserialize_encapsulation_keys(other, v); },
                  serialize(b.keys.encapsulation), "encapsulation keys");
  try {
    bootstrap::deserialize_bootstrap_keys(other, b.blob);
  } catch (const DeserializationError& e) {
    EXPECT_NE(std::string(e.what()).find("another parameter set"), std::string::npos) << e.what();
  }
}

TEST(BootstrapKeySerialization, ForgedEncapsulationFieldsAreRejected) {
  SmallBootWorld& b = boot_world();
  const Bytes bytes = serialize(b.keys.encapsulation);
  auto load = [&](ByteView v) { deserialize_encapsulation_keys(b.w->ctx, v); };
  // Layout: header 8, main digest 8, Hamming weight u32 at 16, special prime count u8 at 20, small
  // context digest at 21, then the two switching keys (max level u32, then digit count u16).
  auto patched = [&](std::size_t off, const void* v, std::size_t len) {
    Bytes p = bytes;
    std::memcpy(p.data() + off, v, len);
    return p;
  };
  for (uint32_t h : {0u, 513u, 0xffffffffu})
    expect_rejected(load, patched(16, &h, 4), "Hamming weight " + std::to_string(h));
  const uint32_t other_h = 16;  // valid, but not the weight the keys were made with
  expect_rejected(load, patched(16, &other_h, 4), "another Hamming weight");
  for (uint8_t special : {uint8_t{0}, uint8_t{3}, uint8_t{5}, uint8_t{255}})
    expect_rejected(load, patched(20, &special, 1), "special primes " + std::to_string(special));
  const uint64_t digest = 42;
  expect_rejected(load, patched(21, &digest, 8), "small context digest");
  const uint32_t max_level = 1;  // the small context has only level 0
  expect_rejected(load, patched(29, &max_level, 4), "max level");
  const uint16_t digits = 2;  // the small context has one digit
  expect_rejected(load, patched(33, &digits, 2), "digit count");
}

TEST(BootstrapKeySerialization, TruncatedBuffersAreRejected) {
  SmallBootWorld& b = boot_world();
  const Bytes encapsulation = serialize(b.keys.encapsulation);
  // Every length through the headers, then around each part boundary and a spread of others.
  // Views of one buffer: no copies of its ~47 MB.
  std::set<std::size_t> lengths;
  for (std::size_t len = 0; len < 64; ++len) lengths.insert(len);
  std::size_t boundary = 16;
  for (int part = 0; part < 3; ++part) {
    uint64_t part_len;
    std::memcpy(&part_len, b.blob.data() + boundary, 8);
    for (std::size_t d : {0, 1, 7, 8, 9, 30}) lengths.insert(boundary + d);
    boundary += 8 + part_len;
    lengths.insert(boundary - 1);
  }
  EXPECT_EQ(boundary, b.blob.size());
  for (int i = 1; i < 40; ++i) lengths.insert(b.blob.size() * static_cast<std::size_t>(i) / 40);
  for (std::size_t len : lengths) {
    if (len >= b.blob.size()) continue;
    expect_rejected([&](ByteView v) { bootstrap::deserialize_bootstrap_keys(b.w->ctx, v); },
                    ByteView(b.blob).first(len),
                    "bootstrap keys truncated to " + std::to_string(len));
  }
  for (std::size_t len = 0; len < 64; ++len)
    expect_rejected([&](ByteView v) { deserialize_encapsulation_keys(b.w->ctx, v); },
                    ByteView(encapsulation).first(len),
                    "encapsulation keys truncated to " + std::to_string(len));
  for (int i = 1; i <= 40; ++i) {
    const std::size_t len =
        encapsulation.size() - encapsulation.size() * static_cast<std::size_t>(i) / 41;
    expect_rejected([&](ByteView v) { deserialize_encapsulation_keys(b.w->ctx, v); },
                    ByteView(encapsulation).first(len),
                    "encapsulation keys truncated to " + std::to_string(len));
  }
  // A part whose length field claims more than the blob holds.
  Bytes forged(b.blob.begin(), b.blob.begin() + 64);
  const uint64_t huge = ~uint64_t{0} - 4;
  std::memcpy(forged.data() + 16, &huge, 8);
  expect_rejected([&](ByteView v) { bootstrap::deserialize_bootstrap_keys(b.w->ctx, v); }, forged,
                  "part length");
}

TEST(BootstrapKeySerialization, FlippedTypeByteIsRejected) {
  SmallBootWorld& b = boot_world();
  const Bytes encapsulation = serialize(b.keys.encapsulation);
  auto load_boot = [&](ByteView v) { bootstrap::deserialize_bootstrap_keys(b.w->ctx, v); };
  auto load_encapsulation = [&](ByteView v) { deserialize_encapsulation_keys(b.w->ctx, v); };
  // One copy of the ~47 MB blob, patched and restored in place.
  Bytes blob = b.blob;
  for (uint8_t type = 0; type < 12; ++type) {
    if (type != static_cast<uint8_t>(ObjectType::BootstrapKeys)) {
      blob[6] = type;
      expect_rejected(load_boot, blob, "blob type " + std::to_string(type));
    }
    if (type != static_cast<uint8_t>(ObjectType::EncapsulationKeys))
      expect_rejected(load_encapsulation, with_byte(encapsulation, 6, type),
                      "type " + std::to_string(type));
  }
  blob[6] = b.blob[6];
  // Each part's own header is checked too: the relinearization key (the first part, its header at
  // 24) made to look like Galois keys.
  blob[24 + 6] = static_cast<uint8_t>(ObjectType::GaloisKeys);
  expect_rejected(load_boot, blob, "part type");
  EXPECT_THROW(peek_type(with_byte(encapsulation, 6, 10)), DeserializationError);
  EXPECT_EQ(peek_type(with_byte(encapsulation, 6, static_cast<uint8_t>(ObjectType::BootstrapKeys))),
            ObjectType::BootstrapKeys);
}
