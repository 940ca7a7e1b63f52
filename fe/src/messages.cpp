#include "hnn/fe/messages.h"

#include <sodium.h>

#include <cstring>
#include <string>

#include "hnn/fe/modp_group.h"
#include "hnn/fe/ristretto255.h"
#include "hnn/rns/byte_io.h"
#include "hnn/rns/error.h"

namespace hnn::fe {
namespace {

constexpr uint8_t kMagic[4] = {'H', 'N', 'F', 'E'};
constexpr uint8_t kVersion = 1;

using rns::ByteReader;
using rns::ByteWriter;

template <class G>
void write_header(ByteWriter& w, const G& g, MessageType t) {
  w.put_bytes(kMagic);
  w.put<uint8_t>(kVersion);
  w.put<uint8_t>(static_cast<uint8_t>(t));
  const std::string name = g.name();
  w.put<uint8_t>(static_cast<uint8_t>(name.size()));
  w.put_bytes(std::span(reinterpret_cast<const uint8_t*>(name.data()), name.size()));
}

void read_magic(ByteReader& r) {
  const auto magic = r.view(4, "magic");
  if (std::memcmp(magic.data(), kMagic, 4) != 0)
    HNN_THROW(DeserializationError, "not an hnn::fe message (bad magic)");
  const uint8_t version = r.get<uint8_t>("version");
  if (version != kVersion)
    HNN_THROW(DeserializationError, "unsupported hnn::fe message version ", int(version));
}

template <class G>
void read_header(ByteReader& r, const G& g, MessageType expected) {
  read_magic(r);
  const uint8_t t = r.get<uint8_t>("message type");
  if (t != static_cast<uint8_t>(expected))
    HNN_THROW(DeserializationError, "expected message type ", int(expected), ", got ", int(t));
  const uint8_t len = r.get<uint8_t>("group name length");
  const auto name = r.view(len, "group name");
  const std::string group_name(name.begin(), name.end());
  if (group_name != g.name())
    HNN_THROW(DeserializationError, "message is for group '", group_name, "' but this party uses '",
              g.name(), "'");
}

template <class G>
void write_element(ByteWriter& w, const G& g, const typename G::Element& e) {
  w.put_bytes(g.encode(e));
}
template <class G>
typename G::Element read_element(ByteReader& r, const G& g) {
  return g.decode(r.view(g.element_bytes(), "group element"));
}

KeyId read_id(ByteReader& r) {
  KeyId id;
  const auto s = r.view(id.size(), "key id");
  std::copy(s.begin(), s.end(), id.begin());
  return id;
}

uint32_t read_dim(ByteReader& r, std::size_t per_entry) {
  const uint32_t dim = r.get<uint32_t>("dimension");
  if (dim == 0 || dim > kMaxFeipDimension)
    HNN_THROW(DeserializationError, "dimension ", dim, " outside [1, ", kMaxFeipDimension, "]");
  // Check the length before allocating anything of size dim.
  if (static_cast<uint64_t>(dim) * per_entry > r.remaining())
    HNN_THROW(DeserializationError, "dimension ", dim, " needs ", uint64_t{dim} * per_entry,
              " bytes, message has ", r.remaining());
  return dim;
}

}  // namespace

MessageType peek_message_type(std::span<const uint8_t> bytes) {
  ByteReader r(bytes, "hnn::fe message");
  read_magic(r);
  const uint8_t t = r.get<uint8_t>("message type");
  if (t < 1 || t > 6) HNN_THROW(DeserializationError, "unknown hnn::fe message type ", int(t));
  return static_cast<MessageType>(t);
}

template <PrimeOrderGroup G>
KeyId Codec<G>::key_id(std::span<const uint8_t> bytes) {
  KeyId id;
  crypto_generichash(id.data(), id.size(), bytes.data(), bytes.size(), nullptr, 0);
  return id;
}

template <PrimeOrderGroup G>
std::vector<uint8_t> Codec<G>::write(const FeipPublicKey<G>& mpk) const {
  ByteWriter w;
  write_header(w, group_, MessageType::kFeipPublicKey);
  w.put<uint32_t>(static_cast<uint32_t>(mpk.dim()));
  for (const auto& h : mpk.h) write_element(w, group_, h);
  return w.take();
}

template <PrimeOrderGroup G>
FeipPublicKeyMsg<G> Codec<G>::read_feip_public_key(std::span<const uint8_t> bytes) const {
  ByteReader r(bytes, "hnn::fe message");
  read_header(r, group_, MessageType::kFeipPublicKey);
  const uint32_t dim = read_dim(r, group_.element_bytes());
  FeipPublicKeyMsg<G> m;
  m.mpk.h.resize(dim);
  for (auto& h : m.mpk.h) h = read_element(r, group_);
  r.finish();
  m.id = key_id(bytes);
  return m;
}

template <PrimeOrderGroup G>
std::vector<uint8_t> Codec<G>::write(const FeipCiphertextMsg<G>& m) const {
  ByteWriter w;
  write_header(w, group_, MessageType::kFeipCiphertext);
  w.put_bytes(m.mpk_id);
  w.put<uint32_t>(static_cast<uint32_t>(m.ct.dim()));
  write_element(w, group_, m.ct.ct0);
  for (const auto& c : m.ct.ct) write_element(w, group_, c);
  return w.take();
}

template <PrimeOrderGroup G>
FeipCiphertextMsg<G> Codec<G>::read_feip_ciphertext(std::span<const uint8_t> bytes) const {
  ByteReader r(bytes, "hnn::fe message");
  read_header(r, group_, MessageType::kFeipCiphertext);
  FeipCiphertextMsg<G> m;
  m.mpk_id = read_id(r);
  const uint32_t dim = read_dim(r, group_.element_bytes());
  m.ct.ct0 = read_element(r, group_);
  m.ct.ct.resize(dim);
  for (auto& c : m.ct.ct) c = read_element(r, group_);
  r.finish();
  return m;
}

template <PrimeOrderGroup G>
std::vector<uint8_t> Codec<G>::signed_body(const FeipKeyMsg<G>& m) const {
  ByteWriter w;
  write_header(w, group_, MessageType::kFeipFunctionKey);
  w.put_bytes(m.mpk_id);
  w.put<uint64_t>(m.serial);
  w.put<uint32_t>(static_cast<uint32_t>(m.y.size()));
  for (int64_t v : m.y) w.put<int64_t>(v);
  w.put_bytes(group_.scalar_encode(m.sk));
  return w.take();
}

template <PrimeOrderGroup G>
std::vector<uint8_t> Codec<G>::write(const FeipKeyMsg<G>& m) const {
  auto body = signed_body(m);
  body.insert(body.end(), m.signature.begin(), m.signature.end());
  return body;
}

template <PrimeOrderGroup G>
FeipKeyMsg<G> Codec<G>::read_feip_key(std::span<const uint8_t> bytes) const {
  ByteReader r(bytes, "hnn::fe message");
  read_header(r, group_, MessageType::kFeipFunctionKey);
  FeipKeyMsg<G> m;
  m.mpk_id = read_id(r);
  m.serial = r.get<uint64_t>("serial number");
  const uint32_t dim = read_dim(r, sizeof(int64_t));
  m.y.resize(dim);
  for (auto& v : m.y) v = r.get<int64_t>("y entry");
  m.sk = group_.scalar_decode(r.view(group_.scalar_bytes(), "secret key scalar"));
  const auto sig = r.view(m.signature.size(), "signature");
  std::copy(sig.begin(), sig.end(), m.signature.begin());
  r.finish();
  return m;
}

template <PrimeOrderGroup G>
std::vector<uint8_t> Codec<G>::write(const FeboPublicKey<G>& mpk) const {
  ByteWriter w;
  write_header(w, group_, MessageType::kFeboPublicKey);
  write_element(w, group_, mpk.h);
  return w.take();
}

template <PrimeOrderGroup G>
FeboPublicKeyMsg<G> Codec<G>::read_febo_public_key(std::span<const uint8_t> bytes) const {
  ByteReader r(bytes, "hnn::fe message");
  read_header(r, group_, MessageType::kFeboPublicKey);
  FeboPublicKeyMsg<G> m;
  m.mpk.h = read_element(r, group_);
  r.finish();
  m.id = key_id(bytes);
  return m;
}

template <PrimeOrderGroup G>
std::vector<uint8_t> Codec<G>::write(const FeboCiphertextMsg<G>& m) const {
  ByteWriter w;
  write_header(w, group_, MessageType::kFeboCiphertext);
  w.put_bytes(m.mpk_id);
  write_element(w, group_, m.ct.cmt);
  write_element(w, group_, m.ct.ct);
  return w.take();
}

template <PrimeOrderGroup G>
FeboCiphertextMsg<G> Codec<G>::read_febo_ciphertext(std::span<const uint8_t> bytes) const {
  ByteReader r(bytes, "hnn::fe message");
  read_header(r, group_, MessageType::kFeboCiphertext);
  FeboCiphertextMsg<G> m;
  m.mpk_id = read_id(r);
  m.ct.cmt = read_element(r, group_);
  m.ct.ct = read_element(r, group_);
  r.finish();
  return m;
}

template <PrimeOrderGroup G>
std::vector<uint8_t> Codec<G>::signed_body(const FeboKeyMsg<G>& m) const {
  ByteWriter w;
  write_header(w, group_, MessageType::kFeboFunctionKey);
  w.put_bytes(m.mpk_id);
  w.put<uint64_t>(m.serial);
  w.put<uint8_t>(static_cast<uint8_t>(m.op));
  w.put<int64_t>(m.y);
  write_element(w, group_, m.cmt);
  write_element(w, group_, m.sk);
  return w.take();
}

template <PrimeOrderGroup G>
std::vector<uint8_t> Codec<G>::write(const FeboKeyMsg<G>& m) const {
  auto body = signed_body(m);
  body.insert(body.end(), m.signature.begin(), m.signature.end());
  return body;
}

template <PrimeOrderGroup G>
FeboKeyMsg<G> Codec<G>::read_febo_key(std::span<const uint8_t> bytes) const {
  ByteReader r(bytes, "hnn::fe message");
  read_header(r, group_, MessageType::kFeboFunctionKey);
  FeboKeyMsg<G> m;
  m.mpk_id = read_id(r);
  m.serial = r.get<uint64_t>("serial number");
  const uint8_t op = r.get<uint8_t>("operation");
  if (!is_valid_febo_op(op)) HNN_THROW(DeserializationError, "unknown FEBO operation ", int(op));
  m.op = static_cast<FeboOp>(op);
  m.y = r.get<int64_t>("y");
  m.cmt = read_element(r, group_);
  m.sk = read_element(r, group_);
  const auto sig = r.view(m.signature.size(), "signature");
  std::copy(sig.begin(), sig.end(), m.signature.begin());
  r.finish();
  return m;
}

template class Codec<Ristretto255>;
template class Codec<ModpGroup>;

}  // namespace hnn::fe
