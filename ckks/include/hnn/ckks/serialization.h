// Versioned binary serialization.
//
// Layout (little-endian): "HNN1" magic, u16 format version, u8 object type, u8 reserved, then for
// every object bound to a parameter set the parameters' 64-bit digest, then the object's fields.
// Deserialization treats its input as hostile: every size, level, modulus and word is checked
// before anything is allocated or used, and any problem raises hnn::DeserializationError.
// Secret keys are serialized only through the explicitly named function.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "hnn/ckks/ciphertext.h"
#include "hnn/ckks/keys.h"
#include "hnn/ckks/parameters.h"

namespace hnn::ckks {

// Written by this build. Version 3 stores a switching key's uniform a-parts as their 32-byte seed
// when it has one (keys from KeyGenerator: half the bytes); version 2 added the max level of every
// switching key (level-restricted Galois keys). Version 1 and 2 buffers still load.
inline constexpr uint16_t kSerializationVersion = 3;
inline constexpr uint16_t kOldestReadableVersion = 1;

enum class ObjectType : uint8_t {
  Parameters = 1,
  Plaintext = 2,
  Ciphertext = 3,
  PublicKey = 4,
  RelinKey = 5,
  GaloisKeys = 6,
  SecretKey = 7,
  EncapsulationKeys = 8,
  BootstrapKeys = 9,
};
// The highest value above: peek_type rejects anything past it.
inline constexpr ObjectType kLastObjectType = ObjectType::BootstrapKeys;

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;

Bytes serialize(const Parameters& params);
Bytes serialize(const Plaintext& pt);
Bytes serialize(const Ciphertext& ct);
Bytes serialize(const PublicKey& pk);
Bytes serialize(const RelinKey& rk);
Bytes serialize(const GaloisKeys& gk);
// The small context is not stored: the loader rebuilds it from the main Context, the Hamming
// weight and the number of special primes, and checks the rebuilt parameters' digest against the
// stored one.
Bytes serialize(const EncapsulationKeys& keys);
// The secret key leaves its owner only through this call.
Bytes serialize_secret_key_explicitly(const SecretKey& sk);

Parameters deserialize_parameters(ByteView bytes);
Plaintext deserialize_plaintext(const ContextPtr& ctx, ByteView bytes);
Ciphertext deserialize_ciphertext(const ContextPtr& ctx, ByteView bytes);
PublicKey deserialize_public_key(const ContextPtr& ctx, ByteView bytes);
RelinKey deserialize_relin_key(const ContextPtr& ctx, ByteView bytes);
GaloisKeys deserialize_galois_keys(const ContextPtr& ctx, ByteView bytes);
EncapsulationKeys deserialize_encapsulation_keys(const ContextPtr& ctx, ByteView bytes);
SecretKey deserialize_secret_key(const ContextPtr& ctx, ByteView bytes);

// The object type of a serialized buffer (after checking magic and version).
ObjectType peek_type(ByteView bytes);

// Composite objects (e.g. bootstrapping keys): a header of type `type`, the parameter digest, then
// `parts.size()` complete serialized objects, each prefixed by its u64 length. Each part keeps its
// own header, digest and checks, so the parts are loaded by their own deserializers.
Bytes serialize_composite(ObjectType type, uint64_t digest, std::span<const Bytes> parts);
// Checks the header, the digest and the part lengths against the buffer, and returns views of the
// parts (into `bytes`, no copy). Any mismatch raises DeserializationError.
std::vector<ByteView> split_composite(ByteView bytes, ObjectType expected, uint64_t digest,
                                      std::size_t part_count);

}  // namespace hnn::ckks
