// Serialization round trips, and hostile inputs rejected with DeserializationError (never a crash).
#include <gtest/gtest.h>

#include <cstring>

#include "ckks_fixture.h"

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
void expect_rejected(F load, const Bytes& bytes, const char* what) {
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
