// Authority / Client / Server through serialized messages: correct results, and every forged,
// mismatched or malformed message rejected before it is used.
#include <gtest/gtest.h>

#include <random>

#include "hnn/fe/modp_group.h"
#include "hnn/fe/ristretto255.h"
#include "hnn/fe/roles.h"

namespace hnn::fe {
namespace {

template <class G>
struct Parties {
  explicit Parties(const G& g, std::size_t n)
      : authority(g), client(g), server(g, authority.verify_key()) {
    mpk_bytes = authority.setup_feip(n);
    febo_bytes = authority.setup_febo();
    id = client.add_feip_public_key(mpk_bytes, 8);
    EXPECT_EQ(server.add_feip_public_key(mpk_bytes), id);
    febo_id = client.add_febo_public_key(febo_bytes);
    EXPECT_EQ(server.add_febo_public_key(febo_bytes), febo_id);
  }
  Authority<G> authority;
  Client<G> client;
  Server<G> server;
  std::vector<uint8_t> mpk_bytes, febo_bytes;
  KeyId id{}, febo_id{};
};

template <class G>
void check_end_to_end(const G& g) {
  const std::size_t n = 20;
  Parties<G> p(g, n);
  std::mt19937_64 rng(41);
  std::vector<int64_t> x(n), y1(n), y2(n);
  int64_t d1 = 0, d2 = 0;
  for (std::size_t i = 0; i < n; ++i) {
    x[i] = static_cast<int64_t>(rng() % 256);
    y1[i] = static_cast<int64_t>(rng() % 201) - 100;
    y2[i] = static_cast<int64_t>(rng() % 201) - 100;
    d1 += x[i] * y1[i];
    d2 += x[i] * y2[i];
  }
  const auto ct_bytes = p.client.encrypt_feip(p.id, x);
  const auto k1 = p.server.read_feip_key(p.authority.derive_feip_key(p.id, y1, "test row 1"));
  const auto k2 = p.server.read_feip_key(p.authority.derive_feip_key(p.id, y2, "test row 2"));
  const auto ct = p.server.read_feip_ciphertext(ct_bytes);
  BoundedDlog<G> dlog(g, 255 * 100 * n, 512);
  const std::vector<FeipKeyMsg<G>> keys = {k1, k2};
  EXPECT_EQ(p.server.decrypt(ct, keys, dlog), (std::vector<int64_t>{d1, d2}));

  // The Authority logged both keys, with their purpose and a digest of y.
  ASSERT_EQ(p.authority.key_log().size(), 2u);
  EXPECT_EQ(p.authority.key_log()[0].purpose, "test row 1");
  EXPECT_EQ(p.authority.key_log()[1].serial, k2.serial);
  EXPECT_EQ(p.authority.key_log()[0].dim, n);
  EXPECT_NE(p.authority.key_log()[0].y_digest, p.authority.key_log()[1].y_digest);

  // FEBO through messages: label - prediction.
  const auto febo_ct_bytes = p.client.encrypt_febo(p.febo_id, 1 << 10, 12);
  const auto febo_key = p.server.read_febo_key(
      p.authority.derive_febo_key(febo_ct_bytes, FeboOp::kSub, 300, "output error"));
  BoundedDlog<G> small(g, 1 << 14, 128);
  const auto febo_ct = p.server.read_febo_ciphertext(febo_ct_bytes);
  EXPECT_EQ(p.server.decrypt(febo_ct, febo_key, small), (1 << 10) - 300);
  // The same key on another ciphertext: refused (bound to the first commitment).
  const auto other = p.server.read_febo_ciphertext(p.client.encrypt_febo(p.febo_id, 5, 12));
  EXPECT_THROW(p.server.decrypt(other, febo_key, small), InvalidArgument);
  EXPECT_EQ(p.authority.key_log().back().op, FeboOp::kSub);
}

TEST(FeRoles, EndToEndRistretto255) { check_end_to_end(Ristretto255()); }
TEST(FeRoles, EndToEndModpTest) { check_end_to_end(modp_test_insecure_128()); }

TEST(FeRoles, ForgedAndForeignKeysRejected) {
  Ristretto255 g;
  const std::size_t n = 8;
  Parties<Ristretto255> p(g, n);
  const std::vector<int64_t> y = {1, 2, 3, 4, 5, 6, 7, 8};
  auto key = p.authority.derive_feip_key(p.id, y, "row");
  // Flip one coefficient of y (the last byte of the header is followed by mpk id, serial, dim, y).
  auto forged = key;
  const std::size_t y_offset = 4 + 1 + 1 + 1 + g.name().size() + 32 + 8 + 4;
  forged[y_offset] ^= 1;
  EXPECT_THROW(p.server.read_feip_key(forged), DeserializationError);
  // Flip a bit of the signature.
  auto bad_sig = key;
  bad_sig.back() ^= 0x80;
  EXPECT_THROW(p.server.read_feip_key(bad_sig), DeserializationError);
  // A valid key from another Authority (another signing key) is not accepted.
  Authority<Ristretto255> rogue(g);
  const auto rogue_mpk = rogue.setup_feip(n);
  Server<Ristretto255> s2(g, p.authority.verify_key());
  s2.add_feip_public_key(rogue_mpk);
  const auto rogue_key = rogue.derive_feip_key(Codec<Ristretto255>::key_id(rogue_mpk), y, "rogue");
  EXPECT_THROW(s2.read_feip_key(rogue_key), DeserializationError);
  // The untouched key parses.
  EXPECT_EQ(p.server.read_feip_key(key).y, y);
}

TEST(FeRoles, MismatchedCiphertextsRejected) {
  Ristretto255 g;
  Parties<Ristretto255> p(g, 6);
  // A second FEIP instance of the same dimension: its keys must not be applied to the first.
  const auto mpk2 = p.authority.setup_feip(6);
  const auto id2 = p.server.add_feip_public_key(mpk2);
  const std::vector<int64_t> y = {1, 1, 1, 1, 1, 1};
  const auto key2 = p.server.read_feip_key(p.authority.derive_feip_key(id2, y, "other instance"));
  const auto ct = p.server.read_feip_ciphertext(p.client.encrypt_feip(p.id, std::vector<int64_t>(6, 3)));
  BoundedDlog<Ristretto255> dlog(g, 10000, 64);
  const std::vector<FeipKeyMsg<Ristretto255>> keys = {key2};
  EXPECT_THROW(p.server.decrypt(ct, keys, dlog), InvalidArgument);
  // A ciphertext under a public key the Server never registered.
  Authority<Ristretto255> other(g);
  const auto other_mpk = other.setup_feip(6);
  Client<Ristretto255> c2(g);
  const auto other_id = c2.add_feip_public_key(other_mpk, 8);
  EXPECT_THROW(p.server.read_feip_ciphertext(c2.encrypt_feip(other_id, std::vector<int64_t>(6, 1))),
               DeserializationError);
  // Dimension mismatch at encryption and at key derivation.
  EXPECT_THROW(p.client.encrypt_feip(p.id, std::vector<int64_t>(5, 1)), InvalidArgument);
  EXPECT_THROW(p.authority.derive_feip_key(p.id, std::vector<int64_t>(7, 1), "bad"), InvalidArgument);
}

TEST(FeRoles, MalformedMessagesRejected) {
  Ristretto255 g;
  Parties<Ristretto255> p(g, 4);
  const auto ct = p.client.encrypt_feip(p.id, std::vector<int64_t>{1, 2, 3, 4});
  ASSERT_NO_THROW(p.server.read_feip_ciphertext(ct));
  // Truncated at every length.
  for (std::size_t len = 0; len < ct.size(); len += 7)
    EXPECT_THROW(p.server.read_feip_ciphertext(std::span(ct).subspan(0, len)), DeserializationError) << len;
  // Trailing bytes.
  auto longer = ct;
  longer.push_back(0);
  EXPECT_THROW(p.server.read_feip_ciphertext(longer), DeserializationError);
  // Bad magic, bad version, wrong type.
  auto bad = ct;
  bad[0] = 'X';
  EXPECT_THROW(p.server.read_feip_ciphertext(bad), DeserializationError);
  bad = ct;
  bad[4] = 9;
  EXPECT_THROW(p.server.read_feip_ciphertext(bad), DeserializationError);
  EXPECT_THROW(p.server.read_feip_key(ct), DeserializationError);
  // A huge dimension field is rejected before any allocation.
  bad = ct;
  const std::size_t dim_offset = 4 + 1 + 1 + 1 + g.name().size() + 32;
  bad[dim_offset + 3] = 0x7f;
  EXPECT_THROW(p.server.read_feip_ciphertext(bad), DeserializationError);
  // An element that is not a valid encoding (set the top bit of ct0).
  bad = ct;
  bad[dim_offset + 4 + 31] |= 0x80;
  EXPECT_THROW(p.server.read_feip_ciphertext(bad), DeserializationError);
  // A message for another group.
  const ModpGroup m = modp_test_insecure_64();
  Server<ModpGroup> modp_server(m, p.authority.verify_key());
  EXPECT_THROW(modp_server.add_feip_public_key(p.mpk_bytes), DeserializationError);
  EXPECT_EQ(peek_message_type(ct), MessageType::kFeipCiphertext);
}

TEST(FeRoles, AuthorityPolicyRefusesRevealingKeys) {
  Ristretto255 g;
  Parties<Ristretto255> p(g, 5);
  // A unit vector would reveal x_3 directly.
  EXPECT_THROW(p.authority.derive_feip_key(p.id, std::vector<int64_t>{0, 0, 0, 1, 0}, "probe"),
               InvalidArgument);
  EXPECT_TRUE(p.authority.key_log().empty());  // refused keys are not issued
  EXPECT_NO_THROW(p.authority.derive_feip_key(p.id, std::vector<int64_t>{0, 2, 0, 1, 0}, "ok"));
  EXPECT_EQ(p.authority.key_log().size(), 1u);
}

}  // namespace
}  // namespace hnn::fe
