// The three CryptoNN parties as types (Xu et al. 2019, section III):
//   Authority: holds every master secret key, publishes the public keys, derives and signs function
//              keys on request, and logs each key it issues (what was asked, by whom, for what).
//   Client:    holds only public keys; encrypts its samples and labels (several may contribute).
//   Server:    holds only public keys, the Authority's verification key and the function keys it
//              was given; it decrypts exactly the functions those keys allow (W1*x, delta1*X,
//              output error) and trains on the results.
// They talk through serialized messages (messages.h); each party validates what it receives. The
// Server's methods are const and thread-safe (training decrypts many samples in parallel); callers
// time the parties' phases (models/cryptonn reports which party spent what).
#pragma once
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hnn/fe/messages.h"

namespace hnn::fe {

// Adds the wall time of a scope to a counter.
class BusyTimer {
 public:
  explicit BusyTimer(double& total) : total_(total), start_(std::chrono::steady_clock::now()) {}
  ~BusyTimer() {
    total_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  BusyTimer(const BusyTimer&) = delete;
  BusyTimer& operator=(const BusyTimer&) = delete;

 private:
  double& total_;
  std::chrono::steady_clock::time_point start_;
};

// What the Authority refuses to derive. Rejecting vectors with few nonzero entries stops the
// trivial attack (a key for the unit vector e_i reveals x_i); it does NOT stop reconstruction from
// many dense keys (Ionita & Ionita, RAID 2025) - see models/cryptonn/README.md.
struct AuthorityPolicy {
  std::size_t min_nonzero = 2;           // FEIP keys need at least this many nonzero y_i
  int64_t max_abs_coefficient = int64_t{1} << 40;
  bool allow_febo_div = true;
};

struct KeyLogEntry {
  uint64_t serial = 0;
  MessageType kind = MessageType::kFeipFunctionKey;
  KeyId mpk_id{};
  std::string purpose;                  // the requester's stated reason, e.g. "forward W1 row 7"
  uint32_t dim = 0;                     // FEIP: length of y
  std::array<uint8_t, 32> y_digest{};   // FEIP: BLAKE2b-256 of y (little-endian int64s)
  int64_t y_l1 = 0;                     // FEIP: ||y||_1; FEBO: y
  uint32_t y_nonzero = 0;
  FeboOp op = FeboOp::kAdd;             // FEBO only
  std::array<uint8_t, 32> cmt_digest{};  // FEBO: digest of the commitment the key is bound to
};

template <PrimeOrderGroup G>
class Authority {
 public:
  explicit Authority(G group, AuthorityPolicy policy = {});
  ~Authority();
  Authority(const Authority&) = delete;
  Authority& operator=(const Authority&) = delete;

  // New master key pairs; the return value is the serialized public key (its KeyId names it).
  std::vector<uint8_t> setup_feip(std::size_t dim);
  std::vector<uint8_t> setup_febo();
  const VerifyKey& verify_key() const { return verify_key_; }

  std::vector<uint8_t> derive_feip_key(const KeyId& mpk, std::span<const int64_t> y,
                                       std::string_view purpose);
  // The key opens op(x, y) for the one FEBO ciphertext whose message is given.
  std::vector<uint8_t> derive_febo_key(std::span<const uint8_t> febo_ciphertext, FeboOp op,
                                       int64_t y, std::string_view purpose);

  const std::vector<KeyLogEntry>& key_log() const { return log_; }
  double busy_seconds() const { return busy_; }
  const G& group() const { return group_; }

 private:
  Signature sign(std::span<const uint8_t> body) const;

  G group_;
  AuthorityPolicy policy_;
  Codec<G> codec_;
  Feip<G> feip_;
  Febo<G> febo_;
  std::map<KeyId, FeipMasterKey<G>> feip_msk_;
  std::map<KeyId, FeboMasterKey<G>> febo_msk_;
  std::array<uint8_t, 64> sign_key_{};
  VerifyKey verify_key_{};
  std::vector<KeyLogEntry> log_;
  uint64_t next_serial_ = 1;
  double busy_ = 0;
};

template <PrimeOrderGroup G>
class Client {
 public:
  explicit Client(G group) : group_(group), codec_(group), febo_(group) {}

  // Registers a public key received from the Authority (validated); returns its id.
  KeyId add_feip_public_key(std::span<const uint8_t> bytes, int input_bits);
  KeyId add_febo_public_key(std::span<const uint8_t> bytes);

  // Thread-safe (const): encrypt many samples in parallel.
  std::vector<uint8_t> encrypt_feip(const KeyId& mpk, std::span<const int64_t> x) const;
  std::vector<uint8_t> encrypt_febo(const KeyId& mpk, int64_t x, int input_bits) const;

 private:
  G group_;
  Codec<G> codec_;
  Febo<G> febo_;
  std::map<KeyId, std::unique_ptr<FeipEncryptor<G>>> feip_;
  std::map<KeyId, FeboPublicKey<G>> febo_keys_;
};

template <PrimeOrderGroup G>
class Server {
 public:
  Server(G group, const VerifyKey& authority);

  KeyId add_feip_public_key(std::span<const uint8_t> bytes);
  KeyId add_febo_public_key(std::span<const uint8_t> bytes);

  // Parse and validate (known public key, dimensions, group membership).
  FeipCiphertextMsg<G> read_feip_ciphertext(std::span<const uint8_t> bytes) const;
  FeboCiphertextMsg<G> read_febo_ciphertext(std::span<const uint8_t> bytes) const;
  // Also verifies the Authority's signature (DeserializationError on a forged key).
  FeipKeyMsg<G> read_feip_key(std::span<const uint8_t> bytes) const;
  FeboKeyMsg<G> read_febo_key(std::span<const uint8_t> bytes) const;

  // <x, y_j> for every key; all keys must belong to the ciphertext's public key.
  std::vector<int64_t> decrypt(const FeipCiphertextMsg<G>& ct, std::span<const FeipKeyMsg<G>> keys,
                               const BoundedDlog<G>& dlog) const;
  // As decrypt, but packed: ys (k rows of n) and sks taken from keys once, reused for many
  // ciphertexts of the same public key (the per-batch hot path).
  struct PackedKeys {
    KeyId mpk_id{};
    std::size_t dim = 0;
    std::vector<int64_t> ys;
    std::vector<typename G::Scalar> sks;
  };
  PackedKeys pack(std::span<const FeipKeyMsg<G>> keys) const;
  std::vector<int64_t> decrypt(const FeipCiphertextMsg<G>& ct, const PackedKeys& keys,
                               const BoundedDlog<G>& dlog) const;
  // Group elements only (no discrete log), and the discrete logs of many of them (batched).
  std::vector<typename G::Element> decrypt_to_group(const FeipCiphertextMsg<G>& ct,
                                                     const PackedKeys& keys) const;
  std::vector<int64_t> discrete_logs(std::span<const typename G::Element> elems,
                                     const BoundedDlog<G>& dlog) const;

  int64_t decrypt(const FeboCiphertextMsg<G>& ct, const FeboKeyMsg<G>& key,
                  const BoundedDlog<G>& dlog) const;

  const G& group() const { return group_; }

 private:
  G group_;
  Codec<G> codec_;
  Feip<G> feip_;
  Febo<G> febo_;
  VerifyKey authority_;
  std::map<KeyId, std::size_t> feip_dims_;
  std::map<KeyId, bool> febo_keys_;
};

}  // namespace hnn::fe
