#include "hnn/ckks/serialization.h"

#include <cmath>
#include <cstring>
#include <set>

#include "hnn/rns/byte_io.h"
#include "hnn/rns/error.h"
#include "hnn/rns/primes.h"

namespace hnn::ckks {

using rns::RnsPoly;

namespace {

// The object format on rns::ByteWriter / ByteReader: an 8-byte header (magic, version, type),
// then fields; polynomials as domain, limb count and words, each word checked against its prime.
class Writer {
 public:
  explicit Writer(ObjectType type) {
    static constexpr uint8_t kMagic[4] = {'H', 'N', 'N', '1'};
    out_.reserve(1024);
    out_.put_bytes(kMagic);
    put<uint16_t>(kSerializationVersion);
    put<uint8_t>(static_cast<uint8_t>(type));
    put<uint8_t>(0);
  }
  template <class T>
  void put(T v) {
    out_.put<T>(v);
  }
  void put_words(std::span<const uint64_t> w) { out_.put_words(w); }
  // A polynomial on a CUDA device is copied back first: serialized bytes never say where it lived.
  void put_poly(const RnsPoly& poly) {
    put<uint8_t>(static_cast<uint8_t>(poly.domain()));
    put<uint32_t>(static_cast<uint32_t>(poly.limbs()));
    if (poly.on_device()) {
      put_words(poly.to_host().words());
    } else {
      put_words(poly.words());
    }
  }
  void put_bytes(ByteView b) { out_.put_bytes(b); }
  void reserve(std::size_t total) { out_.reserve(total); }
  Bytes take() { return out_.take(); }

 private:
  rns::ByteWriter out_;
};

class Reader {
 public:
  Reader(ByteView bytes, ObjectType expected) : in_(bytes, "deserialization failed") {
    in_.need(8, "header");
    if (std::memcmp(in_.view(4, "magic").data(), "HNN1", 4) != 0) fail("not an hnn object (bad magic)");
    version_ = get<uint16_t>("version");
    if (version_ < kOldestReadableVersion || version_ > kSerializationVersion)
      fail("unsupported format version " + std::to_string(version_) + " (this build reads versions " +
           std::to_string(kOldestReadableVersion) + ".." + std::to_string(kSerializationVersion) + ")");
    const auto type = get<uint8_t>("type");
    if (type != static_cast<uint8_t>(expected))
      fail("object type " + std::to_string(type) + " where " +
           std::to_string(static_cast<int>(expected)) + " was expected");
    get<uint8_t>("reserved");
  }
  uint16_t version() const { return version_; }
  template <class T>
  T get(const char* what) {
    return in_.get<T>(what);
  }
  void need(std::size_t len, const char* what) { in_.need(len, what); }
  // A polynomial over the given QP limbs. Sizes are checked against the buffer before allocation,
  // every word against its modulus.
  RnsPoly get_poly(const Context& ctx, const std::vector<std::size_t>& qp, rns::Domain expected_domain) {
    const auto domain = get<uint8_t>("polynomial domain");
    if (domain != static_cast<uint8_t>(expected_domain)) fail("polynomial in the wrong domain");
    const auto limbs = get<uint32_t>("limb count");
    if (limbs != qp.size())
      fail("polynomial has " + std::to_string(limbs) + " limbs where " + std::to_string(qp.size()) +
           " were expected");
    const std::size_t n = ctx.n();
    const ByteView words = in_.view(qp.size() * n * sizeof(uint64_t), "polynomial words");
    RnsPoly poly(n, qp.size(), expected_domain);
    std::memcpy(poly.data(), words.data(), words.size());
    for (std::size_t i = 0; i < qp.size(); ++i) {
      const uint64_t q = ctx.modulus(qp[i]).value;
      const uint64_t* x = poly.limb(i);
      for (std::size_t c = 0; c < n; ++c)
        if (x[c] >= q) fail("polynomial word not reduced modulo its prime (forged or corrupt)");
    }
    return poly;
  }
  // The next `len` bytes, in place.
  ByteView get_view(std::size_t len, const char* what) { return in_.view(len, what); }
  void check_digest(const Context& ctx) { check_digest(ctx.digest()); }
  void check_digest(uint64_t expected) {
    const auto digest = get<uint64_t>("parameter digest");
    if (digest != expected)
      fail("object was made under another parameter set (digest mismatch): load it with the "
           "Context it was created with");
  }
  void finish() const { in_.finish(); }
  [[noreturn]] void fail(const std::string& why) const { in_.fail(why); }

 private:
  rns::ByteReader in_;
  uint16_t version_ = 0;
};

std::vector<std::size_t> q_limbs(std::size_t limbs) {
  std::vector<std::size_t> v(limbs);
  for (std::size_t i = 0; i < limbs; ++i) v[i] = i;
  return v;
}

// Version 3: u32 max level (SwitchingKey::max_level), u16 digit count, then over the max level's
// extended limbs either u8 1, the 32-byte seed of the a_j (expand_switching_key_a) and the b_j
// (half the bytes), or u8 0 and b_j, a_j per digit. Version 2 had no flag (always the pairs);
// version 1 no max level either (every key full).
void put_switching_key(Writer& w, const SwitchingKey& k) {
  w.put<uint32_t>(static_cast<uint32_t>(k.max_level()));
  w.put<uint16_t>(static_cast<uint16_t>(k.digits()));
  if (const auto& seed = k.a_seed()) {
    w.put<uint8_t>(1);
    w.put_bytes(ByteView(seed->data(), seed->size()));
    for (std::size_t j = 0; j < k.digits(); ++j) w.put_poly(k.b(j));
    return;
  }
  w.put<uint8_t>(0);
  for (std::size_t j = 0; j < k.digits(); ++j) {
    w.put_poly(k.b(j));
    w.put_poly(k.a(j));
  }
}

enum class KeyLevels { FullOnly, AnyMaxLevel };

SwitchingKey get_switching_key(Reader& r, const ContextPtr& ctx, KeyLevels allowed) {
  int max_level = ctx->max_level();
  if (r.version() >= 2) {
    const auto stored = r.get<uint32_t>("switching key max level");
    if (stored > static_cast<uint32_t>(ctx->max_level()))
      r.fail("switching key max level " + std::to_string(stored) + " exceeds the parameters' maximum level " +
             std::to_string(ctx->max_level()));
    max_level = static_cast<int>(stored);
    if (allowed == KeyLevels::FullOnly && max_level != ctx->max_level())
      r.fail("this key must cover every level, but it is restricted to levels <= " + std::to_string(max_level));
  }
  const auto digits = r.get<uint16_t>("digit count");
  if (static_cast<int>(digits) != ctx->digits_at_level(max_level))
    r.fail("switching key has " + std::to_string(digits) + " digits where the parameters use " +
           std::to_string(ctx->digits_at_level(max_level)) + " for levels <= " + std::to_string(max_level));
  const auto qp = ctx->extended_indices(max_level);
  const uint8_t seeded = r.version() >= 3 ? r.get<uint8_t>("switching key a-part flag") : 0;
  if (seeded > 1) r.fail("switching key a-part flag " + std::to_string(seeded) + " (0: stored, 1: seeded)");
  std::vector<RnsPoly> bs, as;
  if (seeded) {
    rns::Prng::Seed seed;
    const ByteView stored = r.get_view(seed.size(), "switching key seed");
    std::copy(stored.begin(), stored.end(), seed.begin());
    for (uint16_t j = 0; j < digits; ++j) bs.push_back(r.get_poly(*ctx, qp, rns::Domain::Ntt));
    SwitchingKey key(ctx, std::move(bs), expand_switching_key_a(*ctx, seed, max_level), max_level);
    key.set_a_seed(seed);
    return key;
  }
  for (uint16_t j = 0; j < digits; ++j) {
    bs.push_back(r.get_poly(*ctx, qp, rns::Domain::Ntt));
    as.push_back(r.get_poly(*ctx, qp, rns::Domain::Ntt));
  }
  return SwitchingKey(ctx, std::move(bs), std::move(as), max_level);
}

// The small context of KeyGenerator::create_encapsulation_keys, rebuilt from the main one: q_0, the
// first `special_primes` special primes, one digit, the sparse secret of weight h, and no security
// check (its modulus is small on purpose). It must follow keygen.cpp's recipe; the digest stored
// with the keys catches any drift between the two.
ContextPtr encapsulation_context(const Context& ctx, int hamming_weight,
                                 std::size_t special_primes) {
  ParametersLiteral lit;
  lit.log_n = ctx.params().log_n();
  lit.q = {ctx.params().q()[0]};
  lit.p.assign(ctx.params().p().begin(),
               ctx.params().p().begin() + static_cast<std::ptrdiff_t>(special_primes));
  lit.dnum = 1;
  lit.log_scale = ctx.params().log_scale();
  lit.secret = SecretDistribution::SparseTernary;
  lit.hamming_weight = hamming_weight;
  lit.security = SecurityLevel::None;
  return Context::create(Parameters::create(lit));
}

void require_context(const ContextPtr& ctx) {
  HNN_REQUIRE(ctx != nullptr, "deserialization needs the Context the object belongs to");
}

double get_scale(Reader& r) {
  const auto scale = r.get<double>("scale");
  if (!std::isfinite(scale) || scale <= 0 || scale > std::ldexp(1.0, 1000))
    r.fail("scale is not a positive finite number");
  return scale;
}

std::size_t get_slots(Reader& r, const Context& ctx) {
  const auto slots = r.get<uint64_t>("slot count");
  if (slots == 0 || (slots & (slots - 1)) != 0 || slots > ctx.params().max_slots())
    r.fail("slot count " + std::to_string(slots) + " is not a power of two up to N/2");
  return static_cast<std::size_t>(slots);
}

int get_level(Reader& r, const Context& ctx) {
  const auto level = r.get<uint32_t>("level");
  if (level > static_cast<uint32_t>(ctx.max_level()))
    r.fail("level " + std::to_string(level) + " exceeds the maximum level " + std::to_string(ctx.max_level()));
  return static_cast<int>(level);
}

}  // namespace

ObjectType peek_type(ByteView bytes) {
  if (bytes.size() < 8 || std::memcmp(bytes.data(), "HNN1", 4) != 0)
    HNN_THROW(DeserializationError, "deserialization failed: not an hnn object");
  uint16_t version;
  std::memcpy(&version, bytes.data() + 4, 2);
  if (version < kOldestReadableVersion || version > kSerializationVersion)
    HNN_THROW(DeserializationError, "deserialization failed: unsupported format version ", version);
  if (bytes[6] < 1 || bytes[6] > static_cast<uint8_t>(kLastObjectType))
    HNN_THROW(DeserializationError, "deserialization failed: unknown object type ", int{bytes[6]},
              " (this build knows 1..", int{static_cast<uint8_t>(kLastObjectType)}, ")");
  return static_cast<ObjectType>(bytes[6]);
}

// ---- Parameters ------------------------------------------------------------------------------

Bytes serialize(const Parameters& p) {
  Writer w(ObjectType::Parameters);
  w.put<uint8_t>(static_cast<uint8_t>(p.log_n()));
  w.put<uint8_t>(static_cast<uint8_t>(p.q().size()));
  w.put<uint8_t>(static_cast<uint8_t>(p.p().size()));
  w.put_words(p.q());
  w.put_words(p.p());
  w.put<uint16_t>(static_cast<uint16_t>(p.dnum()));
  w.put<double>(p.log_scale());
  w.put<uint8_t>(static_cast<uint8_t>(p.secret()));
  w.put<uint32_t>(static_cast<uint32_t>(p.hamming_weight()));
  w.put<uint8_t>(static_cast<uint8_t>(p.security()));
  return w.take();
}

Parameters deserialize_parameters(ByteView bytes) {
  Reader r(bytes, ObjectType::Parameters);
  ParametersLiteral lit;
  lit.log_n = r.get<uint8_t>("log_n");
  if (lit.log_n < 10 || lit.log_n > 17) r.fail("log_n " + std::to_string(lit.log_n) + " out of range");
  const auto nq = r.get<uint8_t>("Q count");
  const auto np = r.get<uint8_t>("P count");
  if (nq == 0 || nq > 64 || np == 0 || np > 64) r.fail("prime counts out of range (1..64)");
  for (int i = 0; i < nq; ++i) lit.q.push_back(r.get<uint64_t>("Q prime"));
  for (int i = 0; i < np; ++i) lit.p.push_back(r.get<uint64_t>("P prime"));
  lit.dnum = r.get<uint16_t>("dnum");
  lit.log_scale = r.get<double>("log_scale");
  if (!std::isfinite(lit.log_scale)) r.fail("log_scale is not finite");
  const auto secret = r.get<uint8_t>("secret distribution");
  if (secret > 1) r.fail("unknown secret distribution");
  lit.secret = static_cast<SecretDistribution>(secret);
  const auto h = r.get<uint32_t>("hamming weight");
  if (h > (1u << 17)) r.fail("hamming weight out of range");
  lit.hamming_weight = static_cast<int>(h);
  const auto security = r.get<uint8_t>("security level");
  if (security != 0 && security != 128) r.fail("unknown security level");
  lit.security = static_cast<SecurityLevel>(security);
  r.finish();
  if (lit.dnum == 0) r.fail("dnum must be explicit in serialized parameters");
  try {
    return Parameters::create(lit);
  } catch (const InvalidArgument& e) {
    r.fail(std::string("invalid parameters: ") + e.what());
  }
}

// ---- Plaintext and Ciphertext ----------------------------------------------------------------

Bytes serialize(const Plaintext& pt) {
  HNN_REQUIRE(pt.context() != nullptr, "cannot serialize an empty plaintext");
  Writer w(ObjectType::Plaintext);
  w.put<uint64_t>(pt.context()->digest());
  w.put<uint32_t>(static_cast<uint32_t>(pt.level()));
  w.put<double>(pt.scale());
  w.put<uint64_t>(pt.slots());
  w.put_poly(pt.poly());
  return w.take();
}

Plaintext deserialize_plaintext(const ContextPtr& ctx, ByteView bytes) {
  require_context(ctx);
  Reader r(bytes, ObjectType::Plaintext);
  r.check_digest(*ctx);
  const int level = get_level(r, *ctx);
  const double scale = get_scale(r);
  const std::size_t slots = get_slots(r, *ctx);
  RnsPoly poly = r.get_poly(*ctx, q_limbs(level + 1), rns::Domain::Ntt);
  r.finish();
  return Plaintext(ctx, std::move(poly), scale, slots);
}

Bytes serialize(const Ciphertext& ct) {
  HNN_REQUIRE(ct.context() != nullptr && ct.size() >= 2, "cannot serialize an empty ciphertext");
  Writer w(ObjectType::Ciphertext);
  w.put<uint64_t>(ct.context()->digest());
  w.put<uint8_t>(static_cast<uint8_t>(ct.size()));
  w.put<uint32_t>(static_cast<uint32_t>(ct.level()));
  w.put<double>(ct.scale());
  w.put<uint64_t>(ct.slots());
  for (auto& p : ct.polys()) w.put_poly(p);
  return w.take();
}

Ciphertext deserialize_ciphertext(const ContextPtr& ctx, ByteView bytes) {
  require_context(ctx);
  Reader r(bytes, ObjectType::Ciphertext);
  r.check_digest(*ctx);
  const auto size = r.get<uint8_t>("component count");
  if (size < 2 || size > 3) r.fail("a ciphertext has 2 or 3 components, not " + std::to_string(size));
  const int level = get_level(r, *ctx);
  const double scale = get_scale(r);
  const std::size_t slots = get_slots(r, *ctx);
  std::vector<RnsPoly> polys;
  for (int i = 0; i < size; ++i) polys.push_back(r.get_poly(*ctx, q_limbs(level + 1), rns::Domain::Ntt));
  r.finish();
  return Ciphertext(ctx, std::move(polys), scale, slots);
}

// ---- keys ------------------------------------------------------------------------------------

Bytes serialize(const PublicKey& pk) {
  HNN_REQUIRE(pk.context() != nullptr, "cannot serialize an empty public key");
  Writer w(ObjectType::PublicKey);
  w.put<uint64_t>(pk.context()->digest());
  w.put_poly(pk.b());
  w.put_poly(pk.a());
  return w.take();
}

PublicKey deserialize_public_key(const ContextPtr& ctx, ByteView bytes) {
  require_context(ctx);
  Reader r(bytes, ObjectType::PublicKey);
  r.check_digest(*ctx);
  const auto qp = ctx->extended_indices(ctx->max_level());
  RnsPoly b = r.get_poly(*ctx, qp, rns::Domain::Ntt);
  RnsPoly a = r.get_poly(*ctx, qp, rns::Domain::Ntt);
  r.finish();
  return PublicKey(ctx, std::move(b), std::move(a));
}

Bytes serialize(const RelinKey& rk) {
  HNN_REQUIRE(rk.context() != nullptr, "cannot serialize an empty relinearization key");
  Writer w(ObjectType::RelinKey);
  w.put<uint64_t>(rk.context()->digest());
  put_switching_key(w, rk.key());
  return w.take();
}

RelinKey deserialize_relin_key(const ContextPtr& ctx, ByteView bytes) {
  require_context(ctx);
  Reader r(bytes, ObjectType::RelinKey);
  r.check_digest(*ctx);
  RelinKey key(get_switching_key(r, ctx, KeyLevels::FullOnly));
  r.finish();
  return key;
}

Bytes serialize(const GaloisKeys& gk) {
  HNN_REQUIRE(gk.context() != nullptr, "cannot serialize empty Galois keys");
  Writer w(ObjectType::GaloisKeys);
  w.put<uint64_t>(gk.context()->digest());
  w.put<uint32_t>(static_cast<uint32_t>(gk.keys().size()));
  for (auto& [g, k] : gk.keys()) {
    w.put<uint32_t>(g);
    put_switching_key(w, k);
  }
  return w.take();
}

GaloisKeys deserialize_galois_keys(const ContextPtr& ctx, ByteView bytes) {
  require_context(ctx);
  Reader r(bytes, ObjectType::GaloisKeys);
  r.check_digest(*ctx);
  const auto count = r.get<uint32_t>("key count");
  if (count > ctx->n()) r.fail("more Galois keys than Galois elements");
  GaloisKeys keys(ctx);
  for (uint32_t i = 0; i < count; ++i) {
    const auto g = r.get<uint32_t>("Galois element");
    if (g % 2 == 0 || g >= 2 * ctx->n() || g == 1) r.fail("invalid Galois element " + std::to_string(g));
    if (keys.has(g)) r.fail("Galois element " + std::to_string(g) + " appears twice");
    keys.insert(g, get_switching_key(r, ctx, KeyLevels::AnyMaxLevel));
  }
  r.finish();
  return keys;
}

// Layout: main digest, Hamming weight u32, special prime count u8, small context digest, then
// to_sparse (small context) and from_sparse (main context).
Bytes serialize(const EncapsulationKeys& keys) {
  HNN_REQUIRE(keys.small != nullptr && keys.from_sparse.context() != nullptr &&
                  keys.to_sparse.context() != nullptr,
              "cannot serialize empty encapsulation keys: create them with "
              "KeyGenerator::create_encapsulation_keys");
  Writer w(ObjectType::EncapsulationKeys);
  w.put<uint64_t>(keys.from_sparse.context()->digest());
  w.put<uint32_t>(static_cast<uint32_t>(keys.hamming_weight));
  w.put<uint8_t>(static_cast<uint8_t>(keys.small->special_count()));
  w.put<uint64_t>(keys.small->digest());
  put_switching_key(w, keys.to_sparse);
  put_switching_key(w, keys.from_sparse);
  return w.take();
}

EncapsulationKeys deserialize_encapsulation_keys(const ContextPtr& ctx, ByteView bytes) {
  require_context(ctx);
  Reader r(bytes, ObjectType::EncapsulationKeys);
  r.check_digest(*ctx);
  const auto h = r.get<uint32_t>("Hamming weight");
  if (h == 0 || h > ctx->n() / 2)
    r.fail("encapsulation Hamming weight " + std::to_string(h) +
           " is not in 1..N/2 = " + std::to_string(ctx->n() / 2));
  const auto special = r.get<uint8_t>("special prime count");
  if (special == 0 || special > ctx->special_count())
    r.fail("encapsulation keys use " + std::to_string(special) +
           " special primes where the parameters have 1.." + std::to_string(ctx->special_count()));
  const auto small_digest = r.get<uint64_t>("small context digest");
  EncapsulationKeys keys;
  try {
    keys.small = encapsulation_context(*ctx, static_cast<int>(h), special);
  } catch (const InvalidArgument& e) {
    r.fail(std::string("cannot rebuild the encapsulation context: ") + e.what());
  }
  if (keys.small->digest() != small_digest)
    r.fail(
        "the encapsulation context rebuilt from the main parameters has another digest than the "
        "stored one: the keys come from an incompatible hnn version or are corrupt");
  keys.hamming_weight = static_cast<int>(h);
  keys.to_sparse = get_switching_key(r, keys.small, KeyLevels::FullOnly);
  keys.from_sparse = get_switching_key(r, ctx, KeyLevels::FullOnly);
  r.finish();
  return keys;
}

// ---- composite objects -------------------------------------------------------------------------

Bytes serialize_composite(ObjectType type, uint64_t digest, std::span<const Bytes> parts) {
  // One exact allocation: the composite of multi-GB keys must not grow by doubling.
  std::size_t total = 8 + sizeof(uint64_t);
  for (const Bytes& part : parts) total += sizeof(uint64_t) + part.size();
  Writer w(type);
  w.reserve(total);
  w.put<uint64_t>(digest);
  for (const Bytes& part : parts) {
    w.put<uint64_t>(part.size());
    w.put_bytes(part);
  }
  return w.take();
}

std::vector<ByteView> split_composite(ByteView bytes, ObjectType expected, uint64_t digest,
                                      std::size_t part_count) {
  Reader r(bytes, expected);
  r.check_digest(digest);
  std::vector<ByteView> parts;
  parts.reserve(part_count);
  for (std::size_t i = 0; i < part_count; ++i) {
    const auto len = r.get<uint64_t>("part length");
    parts.push_back(r.get_view(len, "part"));
  }
  r.finish();
  return parts;
}

Bytes serialize_secret_key_explicitly(const SecretKey& sk) {
  HNN_REQUIRE(sk.context() != nullptr, "cannot serialize an empty secret key");
  Writer w(ObjectType::SecretKey);
  w.put<uint64_t>(sk.context()->digest());
  w.put_poly(sk.poly());
  return w.take();
}

SecretKey deserialize_secret_key(const ContextPtr& ctx, ByteView bytes) {
  require_context(ctx);
  Reader r(bytes, ObjectType::SecretKey);
  r.check_digest(*ctx);
  RnsPoly s = r.get_poly(*ctx, ctx->extended_indices(ctx->max_level()), rns::Domain::Ntt);
  r.finish();
  return SecretKey(ctx, std::move(s));
}

}  // namespace hnn::ckks
