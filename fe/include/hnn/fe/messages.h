// Serialized messages between the CryptoNN parties (Authority, Client, Server).
//
// Every message starts with the magic "HNFE", a format version, its type and the group's name; a
// parser checks each of them, every length against the bytes that remain before allocating, every
// element for membership in the group (Group::decode) and every scalar for reduction, and rejects
// trailing bytes. Public keys are named by the BLAKE2b-256 digest of their serialization (KeyId),
// which ciphertexts and function keys carry so that mismatches are caught before any arithmetic.
// Function keys are signed by the Authority (Ed25519, libsodium crypto_sign); a Server verifies the
// signature before it uses a key, so it cannot forge or alter one (e.g. change y but keep sk_y).
#pragma once
#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "hnn/fe/febo.h"
#include "hnn/fe/feip.h"

namespace hnn::fe {

using KeyId = std::array<uint8_t, 32>;
using Signature = std::array<uint8_t, 64>;
using VerifyKey = std::array<uint8_t, 32>;

enum class MessageType : uint8_t {
  kFeipPublicKey = 1,
  kFeipCiphertext = 2,
  kFeipFunctionKey = 3,
  kFeboPublicKey = 4,
  kFeboCiphertext = 5,
  kFeboFunctionKey = 6,
};

inline constexpr uint32_t kMaxFeipDimension = 1u << 20;

template <PrimeOrderGroup G>
struct FeipPublicKeyMsg {
  KeyId id{};
  FeipPublicKey<G> mpk;
};
template <PrimeOrderGroup G>
struct FeipCiphertextMsg {
  KeyId mpk_id{};
  FeipCiphertext<G> ct;
};
template <PrimeOrderGroup G>
struct FeipKeyMsg {
  KeyId mpk_id{};
  uint64_t serial = 0;
  std::vector<int64_t> y;
  typename G::Scalar sk;
  Signature signature{};
};
template <PrimeOrderGroup G>
struct FeboPublicKeyMsg {
  KeyId id{};
  FeboPublicKey<G> mpk;
};
template <PrimeOrderGroup G>
struct FeboCiphertextMsg {
  KeyId mpk_id{};
  FeboCiphertext<G> ct;
};
template <PrimeOrderGroup G>
struct FeboKeyMsg {
  KeyId mpk_id{};
  uint64_t serial = 0;
  FeboOp op = FeboOp::kAdd;
  int64_t y = 0;
  typename G::Element cmt;  // the commitment of the one ciphertext this key opens
  typename G::Element sk;
  Signature signature{};
};

// Reads the type byte of a well-formed header (DeserializationError otherwise).
MessageType peek_message_type(std::span<const uint8_t> bytes);

template <PrimeOrderGroup G>
class Codec {
 public:
  explicit Codec(G group) : group_(std::move(group)) {}
  const G& group() const { return group_; }

  std::vector<uint8_t> write(const FeipPublicKey<G>& mpk) const;
  std::vector<uint8_t> write(const FeipCiphertextMsg<G>& m) const;
  std::vector<uint8_t> write(const FeipKeyMsg<G>& m) const;
  std::vector<uint8_t> write(const FeboPublicKey<G>& mpk) const;
  std::vector<uint8_t> write(const FeboCiphertextMsg<G>& m) const;
  std::vector<uint8_t> write(const FeboKeyMsg<G>& m) const;

  FeipPublicKeyMsg<G> read_feip_public_key(std::span<const uint8_t> bytes) const;
  FeipCiphertextMsg<G> read_feip_ciphertext(std::span<const uint8_t> bytes) const;
  FeipKeyMsg<G> read_feip_key(std::span<const uint8_t> bytes) const;
  FeboPublicKeyMsg<G> read_febo_public_key(std::span<const uint8_t> bytes) const;
  FeboCiphertextMsg<G> read_febo_ciphertext(std::span<const uint8_t> bytes) const;
  FeboKeyMsg<G> read_febo_key(std::span<const uint8_t> bytes) const;

  // The bytes a function key's signature covers (the whole message but the signature).
  std::vector<uint8_t> signed_body(const FeipKeyMsg<G>& m) const;
  std::vector<uint8_t> signed_body(const FeboKeyMsg<G>& m) const;

  static KeyId key_id(std::span<const uint8_t> public_key_bytes);  // BLAKE2b-256

 private:
  G group_;
};

}  // namespace hnn::fe
