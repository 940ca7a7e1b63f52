#include "hnn/ckks/bootstrap/serialization.h"

#include <array>
#include <variant>

#include "hnn/rns/error.h"

namespace hnn::ckks::bootstrap {

namespace {
// The order of the parts in the blob; part of the format.
enum Part : std::size_t { kRelin = 0, kGalois = 1, kEncapsulation = 2, kPartCount = 3 };
}  // namespace

Bytes serialize(const BootstrapKeys& keys) {
  const ContextPtr& ctx = keys.relin.context();
  HNN_REQUIRE(
      ctx != nullptr,
      "cannot serialize empty bootstrapping keys: create them with Bootstrapper::create_keys");
  HNN_REQUIRE(
      keys.galois.context() != nullptr && keys.galois.context()->digest() == ctx->digest() &&
          keys.encapsulation.from_sparse.context() != nullptr &&
          keys.encapsulation.from_sparse.context()->digest() == ctx->digest(),
      "bootstrapping keys mix parameter sets: the relinearization, Galois and encapsulation keys "
      "must come from one KeyGenerator");
  std::array<Bytes, kPartCount> parts;
  parts[kRelin] = ckks::serialize(keys.relin);
  parts[kGalois] = ckks::serialize(keys.galois);
  parts[kEncapsulation] = ckks::serialize(keys.encapsulation);
  return serialize_composite(ObjectType::BootstrapKeys, ctx->digest(), parts);
}

BootstrapKeys deserialize_bootstrap_keys(const ContextPtr& ctx, ByteView bytes) {
  HNN_REQUIRE(ctx != nullptr, "deserialization needs the Context the bootstrapping keys belong to");
  const std::vector<ByteView> parts =
      split_composite(bytes, ObjectType::BootstrapKeys, ctx->digest(), kPartCount);
  BootstrapKeys keys;
  keys.relin = deserialize_relin_key(ctx, parts[kRelin]);
  keys.galois = deserialize_galois_keys(ctx, parts[kGalois]);
  keys.encapsulation = deserialize_encapsulation_keys(ctx, parts[kEncapsulation]);
  return keys;
}

Bytes serialize(const KeyPart& part) {
  return std::visit([](const auto& p) { return ckks::serialize(p); }, part);
}

KeyPart deserialize_key_part(const ContextPtr& ctx, ByteView bytes) {
  switch (const ObjectType type = peek_type(bytes)) {
    case ObjectType::RelinKey: return deserialize_relin_key(ctx, bytes);
    case ObjectType::GaloisKeys: return deserialize_galois_keys(ctx, bytes);
    case ObjectType::EncapsulationKeys: return deserialize_encapsulation_keys(ctx, bytes);
    default:
      HNN_THROW(DeserializationError, "a key part is a relinearization, Galois or encapsulation key, not object type ",
                static_cast<int>(type));
  }
}

}  // namespace hnn::ckks::bootstrap
