#include "hnn/fe/roles.h"

#include <sodium.h>

#include <cstring>

#include "hnn/fe/modp_group.h"
#include "hnn/fe/ristretto255.h"
#include "hnn/rns/error.h"

namespace hnn::fe {
namespace {

std::array<uint8_t, 32> digest(std::span<const uint8_t> bytes) {
  std::array<uint8_t, 32> d;
  crypto_generichash(d.data(), d.size(), bytes.data(), bytes.size(), nullptr, 0);
  return d;
}

std::array<uint8_t, 32> digest_ints(std::span<const int64_t> y) {
  std::vector<uint8_t> buf(y.size() * 8);
  for (std::size_t i = 0; i < y.size(); ++i)
    for (int b = 0; b < 8; ++b) buf[8 * i + b] = static_cast<uint8_t>(static_cast<uint64_t>(y[i]) >> (8 * b));
  return digest(buf);
}

std::string hex_prefix(const KeyId& id) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < 4; ++i) s += digits[id[i] >> 4], s += digits[id[i] & 15];
  return s;
}

}  // namespace

// ---- Authority ---------------------------------------------------------------------------------

template <PrimeOrderGroup G>
Authority<G>::Authority(G group, AuthorityPolicy policy)
    : group_(group), policy_(policy), codec_(group), feip_(group), febo_(group) {
  HNN_REQUIRE(sodium_init() >= 0, "libsodium failed to initialise");
  crypto_sign_keypair(verify_key_.data(), sign_key_.data());
}

template <PrimeOrderGroup G>
Authority<G>::~Authority() {
  sodium_memzero(sign_key_.data(), sign_key_.size());
}

template <PrimeOrderGroup G>
Signature Authority<G>::sign(std::span<const uint8_t> body) const {
  Signature s;
  crypto_sign_detached(s.data(), nullptr, body.data(), body.size(), sign_key_.data());
  return s;
}

template <PrimeOrderGroup G>
std::vector<uint8_t> Authority<G>::setup_feip(std::size_t dim) {
  BusyTimer t(busy_);
  HNN_REQUIRE(dim >= 1 && dim <= kMaxFeipDimension, "Authority::setup_feip: dimension ", dim,
              " outside [1, ", kMaxFeipDimension, "]");
  FeipMasterKey<G> msk;
  FeipPublicKey<G> mpk;
  feip_.setup(dim, msk, mpk);
  auto bytes = codec_.write(mpk);
  feip_msk_.emplace(Codec<G>::key_id(bytes), std::move(msk));
  return bytes;
}

template <PrimeOrderGroup G>
std::vector<uint8_t> Authority<G>::setup_febo() {
  BusyTimer t(busy_);
  FeboMasterKey<G> msk;
  FeboPublicKey<G> mpk;
  febo_.setup(msk, mpk);
  auto bytes = codec_.write(mpk);
  febo_msk_.emplace(Codec<G>::key_id(bytes), std::move(msk));
  return bytes;
}

template <PrimeOrderGroup G>
std::vector<uint8_t> Authority<G>::derive_feip_key(const KeyId& mpk, std::span<const int64_t> y,
                                                   std::string_view purpose) {
  BusyTimer t(busy_);
  const auto it = feip_msk_.find(mpk);
  HNN_REQUIRE(it != feip_msk_.end(), "Authority: no FEIP master key with id ", hex_prefix(mpk), "...");
  HNN_REQUIRE(y.size() == it->second.s.size(), "Authority: key request of dimension ", y.size(),
              " for a FEIP instance of dimension ", it->second.s.size());
  uint32_t nonzero = 0;
  int64_t l1 = 0;
  for (int64_t v : y) {
    HNN_REQUIRE(v <= policy_.max_abs_coefficient && v >= -policy_.max_abs_coefficient,
                "Authority policy: coefficient ", v, " exceeds ", policy_.max_abs_coefficient);
    nonzero += v != 0;
    l1 += v < 0 ? -v : v;
  }
  HNN_REQUIRE(nonzero >= policy_.min_nonzero || nonzero == 0,
              "Authority policy: a FEIP key needs at least ", policy_.min_nonzero,
              " nonzero coefficients (got ", nonzero, "): it would reveal single inputs");
  FeipKeyMsg<G> m;
  m.mpk_id = mpk;
  m.serial = next_serial_++;
  m.y.assign(y.begin(), y.end());
  m.sk = feip_.derive_key(it->second, y);
  m.signature = sign(codec_.signed_body(m));
  KeyLogEntry e;
  e.serial = m.serial;
  e.kind = MessageType::kFeipFunctionKey;
  e.mpk_id = mpk;
  e.purpose = std::string(purpose);
  e.dim = static_cast<uint32_t>(y.size());
  e.y_digest = digest_ints(y);
  e.y_l1 = l1;
  e.y_nonzero = nonzero;
  log_.push_back(std::move(e));
  return codec_.write(m);
}

template <PrimeOrderGroup G>
std::vector<uint8_t> Authority<G>::derive_febo_key(std::span<const uint8_t> ciphertext, FeboOp op,
                                                   int64_t y, std::string_view purpose) {
  BusyTimer t(busy_);
  const auto ct = codec_.read_febo_ciphertext(ciphertext);
  const auto it = febo_msk_.find(ct.mpk_id);
  HNN_REQUIRE(it != febo_msk_.end(), "Authority: no FEBO master key with id ", hex_prefix(ct.mpk_id), "...");
  HNN_REQUIRE(op != FeboOp::kDiv || policy_.allow_febo_div, "Authority policy: FEBO division is disabled");
  FeboKeyMsg<G> m;
  m.mpk_id = ct.mpk_id;
  m.serial = next_serial_++;
  m.op = op;
  m.y = y;
  m.cmt = ct.ct.cmt;
  m.sk = febo_.derive_key(it->second, ct.ct.cmt, op, y);
  m.signature = sign(codec_.signed_body(m));
  KeyLogEntry e;
  e.serial = m.serial;
  e.kind = MessageType::kFeboFunctionKey;
  e.mpk_id = ct.mpk_id;
  e.purpose = std::string(purpose);
  e.y_l1 = y;
  e.op = op;
  e.cmt_digest = digest(group_.encode(ct.ct.cmt));
  log_.push_back(std::move(e));
  return codec_.write(m);
}

// ---- Client ------------------------------------------------------------------------------------

template <PrimeOrderGroup G>
KeyId Client<G>::add_feip_public_key(std::span<const uint8_t> bytes, int input_bits) {
  auto m = codec_.read_feip_public_key(bytes);
  feip_[m.id] = std::make_unique<FeipEncryptor<G>>(group_, m.mpk, input_bits);
  return m.id;
}

template <PrimeOrderGroup G>
KeyId Client<G>::add_febo_public_key(std::span<const uint8_t> bytes) {
  auto m = codec_.read_febo_public_key(bytes);
  febo_keys_[m.id] = m.mpk;
  return m.id;
}

template <PrimeOrderGroup G>
std::vector<uint8_t> Client<G>::encrypt_feip(const KeyId& mpk, std::span<const int64_t> x) const {
  const auto it = feip_.find(mpk);
  HNN_REQUIRE(it != feip_.end(), "Client: unknown FEIP public key ", hex_prefix(mpk), "...");
  FeipCiphertextMsg<G> m;
  m.mpk_id = mpk;
  m.ct = it->second->encrypt(x);
  return codec_.write(m);
}

template <PrimeOrderGroup G>
std::vector<uint8_t> Client<G>::encrypt_febo(const KeyId& mpk, int64_t x, int input_bits) const {
  const auto it = febo_keys_.find(mpk);
  HNN_REQUIRE(it != febo_keys_.end(), "Client: unknown FEBO public key ", hex_prefix(mpk), "...");
  FeboCiphertextMsg<G> m;
  m.mpk_id = mpk;
  m.ct = febo_.encrypt(it->second, x, input_bits);
  return codec_.write(m);
}

// ---- Server ------------------------------------------------------------------------------------

template <PrimeOrderGroup G>
Server<G>::Server(G group, const VerifyKey& authority)
    : group_(group), codec_(group), feip_(group), febo_(group), authority_(authority) {
  HNN_REQUIRE(sodium_init() >= 0, "libsodium failed to initialise");
}

template <PrimeOrderGroup G>
KeyId Server<G>::add_feip_public_key(std::span<const uint8_t> bytes) {
  const auto m = codec_.read_feip_public_key(bytes);
  feip_dims_[m.id] = m.mpk.dim();
  return m.id;
}

template <PrimeOrderGroup G>
KeyId Server<G>::add_febo_public_key(std::span<const uint8_t> bytes) {
  const auto m = codec_.read_febo_public_key(bytes);
  febo_keys_[m.id] = true;
  return m.id;
}

template <PrimeOrderGroup G>
FeipCiphertextMsg<G> Server<G>::read_feip_ciphertext(std::span<const uint8_t> bytes) const {
  auto m = codec_.read_feip_ciphertext(bytes);
  const auto it = feip_dims_.find(m.mpk_id);
  if (it == feip_dims_.end())
    HNN_THROW(DeserializationError, "FEIP ciphertext under an unknown public key ", hex_prefix(m.mpk_id), "...");
  if (it->second != m.ct.dim())
    HNN_THROW(DeserializationError, "FEIP ciphertext of dimension ", m.ct.dim(),
              " under a public key of dimension ", it->second);
  return m;
}

template <PrimeOrderGroup G>
FeboCiphertextMsg<G> Server<G>::read_febo_ciphertext(std::span<const uint8_t> bytes) const {
  auto m = codec_.read_febo_ciphertext(bytes);
  if (!febo_keys_.count(m.mpk_id))
    HNN_THROW(DeserializationError, "FEBO ciphertext under an unknown public key ", hex_prefix(m.mpk_id), "...");
  return m;
}

template <PrimeOrderGroup G>
FeipKeyMsg<G> Server<G>::read_feip_key(std::span<const uint8_t> bytes) const {
  auto m = codec_.read_feip_key(bytes);
  const auto body = codec_.signed_body(m);
  if (crypto_sign_verify_detached(m.signature.data(), body.data(), body.size(), authority_.data()) != 0)
    HNN_THROW(DeserializationError, "FEIP function key #", m.serial,
              " does not carry a valid Authority signature (forged or altered)");
  const auto it = feip_dims_.find(m.mpk_id);
  if (it == feip_dims_.end() || it->second != m.y.size())
    HNN_THROW(DeserializationError, "FEIP function key #", m.serial,
              " is for an unknown public key or another dimension");
  return m;
}

template <PrimeOrderGroup G>
FeboKeyMsg<G> Server<G>::read_febo_key(std::span<const uint8_t> bytes) const {
  auto m = codec_.read_febo_key(bytes);
  const auto body = codec_.signed_body(m);
  if (crypto_sign_verify_detached(m.signature.data(), body.data(), body.size(), authority_.data()) != 0)
    HNN_THROW(DeserializationError, "FEBO function key #", m.serial,
              " does not carry a valid Authority signature (forged or altered)");
  if (!febo_keys_.count(m.mpk_id))
    HNN_THROW(DeserializationError, "FEBO function key #", m.serial, " is for an unknown public key");
  return m;
}

template <PrimeOrderGroup G>
typename Server<G>::PackedKeys Server<G>::pack(std::span<const FeipKeyMsg<G>> keys) const {
  HNN_REQUIRE(!keys.empty(), "Server::pack: no keys");
  PackedKeys p;
  p.mpk_id = keys[0].mpk_id;
  p.dim = keys[0].y.size();
  p.ys.reserve(p.dim * keys.size());
  for (const auto& k : keys) {
    HNN_REQUIRE(k.mpk_id == p.mpk_id && k.y.size() == p.dim,
                "Server::pack: keys for different public keys or dimensions");
    p.ys.insert(p.ys.end(), k.y.begin(), k.y.end());
    p.sks.push_back(k.sk);
  }
  return p;
}

template <PrimeOrderGroup G>
std::vector<typename G::Element> Server<G>::decrypt_to_group(const FeipCiphertextMsg<G>& ct,
                                                              const PackedKeys& keys) const {
  HNN_REQUIRE(ct.mpk_id == keys.mpk_id,
              "Server: function keys belong to public key ", hex_prefix(keys.mpk_id),
              "... but the ciphertext to ", hex_prefix(ct.mpk_id), "...");
  HNN_REQUIRE(ct.ct.dim() == keys.dim, "Server: keys of dimension ", keys.dim,
              " for a ciphertext of dimension ", ct.ct.dim());
  return feip_.decrypt_many_to_group(ct.ct, keys.ys, keys.sks);
}

template <PrimeOrderGroup G>
std::vector<int64_t> Server<G>::discrete_logs(std::span<const typename G::Element> elems,
                                              const BoundedDlog<G>& dlog) const {
  return dlog.solve_many(elems);
}

template <PrimeOrderGroup G>
std::vector<int64_t> Server<G>::decrypt(const FeipCiphertextMsg<G>& ct, const PackedKeys& keys,
                                        const BoundedDlog<G>& dlog) const {
  const auto elems = decrypt_to_group(ct, keys);
  return discrete_logs(elems, dlog);
}

template <PrimeOrderGroup G>
std::vector<int64_t> Server<G>::decrypt(const FeipCiphertextMsg<G>& ct,
                                        std::span<const FeipKeyMsg<G>> keys,
                                        const BoundedDlog<G>& dlog) const {
  return decrypt(ct, pack(keys), dlog);
}

template <PrimeOrderGroup G>
int64_t Server<G>::decrypt(const FeboCiphertextMsg<G>& ct, const FeboKeyMsg<G>& key,
                           const BoundedDlog<G>& dlog) const {
  HNN_REQUIRE(ct.mpk_id == key.mpk_id, "Server: FEBO key and ciphertext belong to different public keys");
  HNN_REQUIRE(group_.equal(ct.ct.cmt, key.cmt),
              "Server: FEBO function key #", key.serial,
              " is bound to another ciphertext's commitment");
  return febo_.decrypt(ct.ct, key.op, key.y, key.sk, dlog);
}

template class Authority<Ristretto255>;
template class Authority<ModpGroup>;
template class Client<Ristretto255>;
template class Client<ModpGroup>;
template class Server<Ristretto255>;
template class Server<ModpGroup>;

}  // namespace hnn::fe
