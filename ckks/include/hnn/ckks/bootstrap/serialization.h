// Serialization of the bootstrapping keys: one blob holding the relinearization key, the Galois
// keys and the encapsulation keys, each a complete serialized object (see hnn/ckks/serialization.h)
// inside a composite of type ObjectType::BootstrapKeys, so that every part keeps its own checks.
#pragma once
#include "hnn/ckks/bootstrap/bootstrapper.h"
#include "hnn/ckks/serialization.h"

namespace hnn::ckks::bootstrap {

// Peak memory is about twice the keys' size (the parts, then the blob).
Bytes serialize(const BootstrapKeys& keys);
// Raises DeserializationError for malformed buffers and for keys of another parameter set.
BootstrapKeys deserialize_bootstrap_keys(const ContextPtr& ctx, ByteView bytes);

// One part (a RelinKey, GaloisKeys or EncapsulationKeys object, as ckks::serialize writes them),
// for senders that stream the keys part by part. The loader raises DeserializationError for any
// other object type, malformed bytes, or keys of another parameter set.
Bytes serialize(const KeyPart& part);
KeyPart deserialize_key_part(const ContextPtr& ctx, ByteView bytes);

}  // namespace hnn::ckks::bootstrap
