#include "hnn/fe/messages.h"

#include <sodium.h>

#include <cstring>
#include <string>

#include "hnn/fe/modp_group.h"
#include "hnn/fe/ristretto255.h"
#include "hnn/rns/error.h"

namespace hnn::fe {
namespace {

constexpr uint8_t kMagic[4] = {'H', 'N', 'F', 'E'};
constexpr uint8_t kVersion = 1;

class Writer {
 public:
  void u8(uint8_t v) { buf_.push_back(v); }
  void u32(uint32_t v) {
    for (int i = 0; i < 4; ++i) buf_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  void u64(uint64_t v) {
    for (int i = 0; i < 8; ++i) buf_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  void i64(int64_t v) { u64(static_cast<uint64_t>(v)); }
  void bytes(std::span<const uint8_t> b) { buf_.insert(buf_.end(), b.begin(), b.end()); }
  std::vector<uint8_t>& buffer() { return buf_; }

 private:
  std::vector<uint8_t> buf_;
};

class Reader {
 public:
  explicit Reader(std::span<const uint8_t> b) : b_(b) {}
  std::span<const uint8_t> take(std::size_t n) {
    if (n > b_.size() - pos_)
      HNN_THROW(DeserializationError, "message truncated: need ", n, " more bytes at offset ", pos_,
                ", only ", b_.size() - pos_, " left");
    auto s = b_.subspan(pos_, n);
    pos_ += n;
    return s;
  }
  uint8_t u8() { return take(1)[0]; }
  uint32_t u32() {
    auto s = take(4);
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= uint32_t{s[i]} << (8 * i);
    return v;
  }
  uint64_t u64() {
    auto s = take(8);
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= uint64_t{s[i]} << (8 * i);
    return v;
  }
  int64_t i64() { return static_cast<int64_t>(u64()); }
  std::size_t remaining() const { return b_.size() - pos_; }
  void finish() const {
    if (pos_ != b_.size())
      HNN_THROW(DeserializationError, "message has ", b_.size() - pos_, " trailing bytes");
  }

 private:
  std::span<const uint8_t> b_;
  std::size_t pos_ = 0;
};

template <class G>
void write_header(Writer& w, const G& g, MessageType t) {
  w.bytes(kMagic);
  w.u8(kVersion);
  w.u8(static_cast<uint8_t>(t));
  const std::string name = g.name();
  w.u8(static_cast<uint8_t>(name.size()));
  w.bytes(std::span(reinterpret_cast<const uint8_t*>(name.data()), name.size()));
}

void read_magic(Reader& r) {
  const auto magic = r.take(4);
  if (std::memcmp(magic.data(), kMagic, 4) != 0)
    HNN_THROW(DeserializationError, "not an hnn::fe message (bad magic)");
  const uint8_t version = r.u8();
  if (version != kVersion)
    HNN_THROW(DeserializationError, "unsupported hnn::fe message version ", int(version));
}

template <class G>
void read_header(Reader& r, const G& g, MessageType expected) {
  read_magic(r);
  const uint8_t t = r.u8();
  if (t != static_cast<uint8_t>(expected))
    HNN_THROW(DeserializationError, "expected message type ", int(expected), ", got ", int(t));
  const uint8_t len = r.u8();
  const auto name = r.take(len);
  const std::string group_name(name.begin(), name.end());
  if (group_name != g.name())
    HNN_THROW(DeserializationError, "message is for group '", group_name, "' but this party uses '",
              g.name(), "'");
}

template <class G>
void write_element(Writer& w, const G& g, const typename G::Element& e) {
  w.bytes(g.encode(e));
}
template <class G>
typename G::Element read_element(Reader& r, const G& g) {
  return g.decode(r.take(g.element_bytes()));
}

KeyId read_id(Reader& r) {
  KeyId id;
  const auto s = r.take(id.size());
  std::copy(s.begin(), s.end(), id.begin());
  return id;
}

uint32_t read_dim(Reader& r, std::size_t per_entry) {
  const uint32_t dim = r.u32();
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
  Reader r(bytes);
  read_magic(r);
  const uint8_t t = r.u8();
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
  Writer w;
  write_header(w, group_, MessageType::kFeipPublicKey);
  w.u32(static_cast<uint32_t>(mpk.dim()));
  for (const auto& h : mpk.h) write_element(w, group_, h);
  return std::move(w.buffer());
}

template <PrimeOrderGroup G>
FeipPublicKeyMsg<G> Codec<G>::read_feip_public_key(std::span<const uint8_t> bytes) const {
  Reader r(bytes);
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
  Writer w;
  write_header(w, group_, MessageType::kFeipCiphertext);
  w.bytes(m.mpk_id);
  w.u32(static_cast<uint32_t>(m.ct.dim()));
  write_element(w, group_, m.ct.ct0);
  for (const auto& c : m.ct.ct) write_element(w, group_, c);
  return std::move(w.buffer());
}

template <PrimeOrderGroup G>
FeipCiphertextMsg<G> Codec<G>::read_feip_ciphertext(std::span<const uint8_t> bytes) const {
  Reader r(bytes);
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
  Writer w;
  write_header(w, group_, MessageType::kFeipFunctionKey);
  w.bytes(m.mpk_id);
  w.u64(m.serial);
  w.u32(static_cast<uint32_t>(m.y.size()));
  for (int64_t v : m.y) w.i64(v);
  w.bytes(group_.scalar_encode(m.sk));
  return std::move(w.buffer());
}

template <PrimeOrderGroup G>
std::vector<uint8_t> Codec<G>::write(const FeipKeyMsg<G>& m) const {
  auto body = signed_body(m);
  body.insert(body.end(), m.signature.begin(), m.signature.end());
  return body;
}

template <PrimeOrderGroup G>
FeipKeyMsg<G> Codec<G>::read_feip_key(std::span<const uint8_t> bytes) const {
  Reader r(bytes);
  read_header(r, group_, MessageType::kFeipFunctionKey);
  FeipKeyMsg<G> m;
  m.mpk_id = read_id(r);
  m.serial = r.u64();
  const uint32_t dim = read_dim(r, sizeof(int64_t));
  m.y.resize(dim);
  for (auto& v : m.y) v = r.i64();
  m.sk = group_.scalar_decode(r.take(group_.scalar_bytes()));
  const auto sig = r.take(m.signature.size());
  std::copy(sig.begin(), sig.end(), m.signature.begin());
  r.finish();
  return m;
}

template <PrimeOrderGroup G>
std::vector<uint8_t> Codec<G>::write(const FeboPublicKey<G>& mpk) const {
  Writer w;
  write_header(w, group_, MessageType::kFeboPublicKey);
  write_element(w, group_, mpk.h);
  return std::move(w.buffer());
}

template <PrimeOrderGroup G>
FeboPublicKeyMsg<G> Codec<G>::read_febo_public_key(std::span<const uint8_t> bytes) const {
  Reader r(bytes);
  read_header(r, group_, MessageType::kFeboPublicKey);
  FeboPublicKeyMsg<G> m;
  m.mpk.h = read_element(r, group_);
  r.finish();
  m.id = key_id(bytes);
  return m;
}

template <PrimeOrderGroup G>
std::vector<uint8_t> Codec<G>::write(const FeboCiphertextMsg<G>& m) const {
  Writer w;
  write_header(w, group_, MessageType::kFeboCiphertext);
  w.bytes(m.mpk_id);
  write_element(w, group_, m.ct.cmt);
  write_element(w, group_, m.ct.ct);
  return std::move(w.buffer());
}

template <PrimeOrderGroup G>
FeboCiphertextMsg<G> Codec<G>::read_febo_ciphertext(std::span<const uint8_t> bytes) const {
  Reader r(bytes);
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
  Writer w;
  write_header(w, group_, MessageType::kFeboFunctionKey);
  w.bytes(m.mpk_id);
  w.u64(m.serial);
  w.u8(static_cast<uint8_t>(m.op));
  w.i64(m.y);
  write_element(w, group_, m.cmt);
  write_element(w, group_, m.sk);
  return std::move(w.buffer());
}

template <PrimeOrderGroup G>
std::vector<uint8_t> Codec<G>::write(const FeboKeyMsg<G>& m) const {
  auto body = signed_body(m);
  body.insert(body.end(), m.signature.begin(), m.signature.end());
  return body;
}

template <PrimeOrderGroup G>
FeboKeyMsg<G> Codec<G>::read_febo_key(std::span<const uint8_t> bytes) const {
  Reader r(bytes);
  read_header(r, group_, MessageType::kFeboFunctionKey);
  FeboKeyMsg<G> m;
  m.mpk_id = read_id(r);
  m.serial = r.u64();
  const uint8_t op = r.u8();
  if (!is_valid_febo_op(op)) HNN_THROW(DeserializationError, "unknown FEBO operation ", int(op));
  m.op = static_cast<FeboOp>(op);
  m.y = r.i64();
  m.cmt = read_element(r, group_);
  m.sk = read_element(r, group_);
  const auto sig = r.take(m.signature.size());
  std::copy(sig.begin(), sig.end(), m.signature.begin());
  r.finish();
  return m;
}

template class Codec<Ristretto255>;
template class Codec<ModpGroup>;

}  // namespace hnn::fe
