// Keys are explicit objects; nothing is registered globally.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "hnn/ckks/context.h"
#include "hnn/rns/random.h"
#include "hnn/rns/rns_poly.h"

namespace hnn::ckks {

// The secret s, in the NTT domain over all QP limbs. Wiped on destruction. Only the key generator,
// the encryptor's symmetric mode and the decryptor accept it; the evaluator never sees one.
class SecretKey {
 public:
  SecretKey() = default;
  SecretKey(ContextPtr ctx, rns::RnsPoly s) : ctx_(std::move(ctx)), s_(std::move(s)) {}
  SecretKey(SecretKey&&) noexcept = default;
  SecretKey& operator=(SecretKey&& o) noexcept;
  SecretKey(const SecretKey&) = delete;
  SecretKey& operator=(const SecretKey&) = delete;
  ~SecretKey();

  const ContextPtr& context() const { return ctx_; }
  const rns::RnsPoly& poly() const { return s_; }
  SecretKey clone() const { return SecretKey(ctx_, s_.clone()); }

 private:
  ContextPtr ctx_;
  rns::RnsPoly s_;
};

// (b, a) = (-a s + e, a) over all QP limbs, NTT domain.
class PublicKey {
 public:
  PublicKey() = default;
  PublicKey(ContextPtr ctx, rns::RnsPoly b, rns::RnsPoly a)
      : ctx_(std::move(ctx)), b_(std::move(b)), a_(std::move(a)) {}
  const ContextPtr& context() const { return ctx_; }
  const rns::RnsPoly& b() const { return b_; }
  const rns::RnsPoly& a() const { return a_; }
  PublicKey clone() const { return PublicKey(ctx_, b_.clone(), a_.clone()); }

 private:
  ContextPtr ctx_;
  rns::RnsPoly b_, a_;
};

// Hybrid switching key from s' to s: for each digit j, (b_j, a_j) over Q_L u P (NTT domain) with
// b_j = -a_j s + e_j + P * [j-th gadget factor] * s'.
//
// A key restricted to levels <= L (max_level() < context max level) keeps only what key switching
// at those levels reads: the digits_at_level(L) digits that cover q_0..q_L, each over the limbs
// q_0..q_L followed by the k special primes. Its limbs are word for word those of the full key made
// from the same randomness, so switching with it gives the same bytes as with the full key. For
// logN = 16 with 28 Q limbs, 5 special primes and dnum 6, restricting to L = 9 shrinks a key from
// 6 x 33 to 2 x 15 limb pairs (about 6.6x smaller).
class SwitchingKey {
 public:
  SwitchingKey() = default;
  // A full key: digits_at_level(ctx->max_level()) digits over all QP limbs.
  SwitchingKey(ContextPtr ctx, std::vector<rns::RnsPoly> b, std::vector<rns::RnsPoly> a);
  // A key for levels <= max_level: digits_at_level(max_level) digits over max_level + 1 + k limbs.
  SwitchingKey(ContextPtr ctx, std::vector<rns::RnsPoly> b, std::vector<rns::RnsPoly> a, int max_level);
  const ContextPtr& context() const { return ctx_; }
  std::size_t digits() const { return b_.size(); }
  // The highest ciphertext level this key can switch (the context's max level for a full key).
  int max_level() const { return max_level_; }
  bool is_full() const { return ctx_ && max_level_ == ctx_->max_level(); }
  // Limb index of the key polynomials: 0..max_level() are q_0..q_max_level, then the special primes.
  std::size_t special_offset() const { return static_cast<std::size_t>(max_level_) + 1; }
  const rns::RnsPoly& b(std::size_t j) const { return b_[j]; }
  const rns::RnsPoly& a(std::size_t j) const { return a_[j]; }
  std::size_t size_bytes() const;
  // The public seed the a_j were expanded from (expand_switching_key_a), for keys KeyGenerator
  // made: serialization then stores these 32 bytes instead of the a_j, half the key. The caller
  // of set_a_seed vouches that the a_j are expand_switching_key_a(context, seed, max_level).
  const std::optional<rns::Prng::Seed>& a_seed() const { return a_seed_; }
  void set_a_seed(const rns::Prng::Seed& seed) { a_seed_ = seed; }

 private:
  ContextPtr ctx_;
  std::vector<rns::RnsPoly> b_, a_;
  int max_level_ = -1;
  std::optional<rns::Prng::Seed> a_seed_;
};

// The uniform a_j of a switching key for levels <= max_level, from a public seed: digit after
// digit, each drawn over every QP limb of ctx (Prng::public_stream) and kept on the key's limbs
// (NTT domain). A key restricted to fewer levels and the full key of one seed agree on every limb
// they share.
std::vector<rns::RnsPoly> expand_switching_key_a(const Context& ctx, const rns::Prng::Seed& seed, int max_level);

// What a SwitchingKey for levels <= max_level occupies (max_level = ctx.max_level(): a full key),
// without making one: digits_at_level(max_level) digits of two polynomials over max_level + 1 + k
// limbs. For memory plans (how many keys fit on a device); equals SwitchingKey::size_bytes().
std::size_t switching_key_bytes(const Context& ctx, int max_level);

// The level a key asked for with `max_level` covers, as KeyGenerator reads it: -1 is the
// context's max level (a full key); InvalidArgument outside -1..max level.
int resolve_key_max_level(const Context& ctx, int max_level);

// Switches s^2 -> s after a multiplication.
class RelinKey {
 public:
  RelinKey() = default;
  explicit RelinKey(SwitchingKey k) : key_(std::move(k)) {}
  const SwitchingKey& key() const { return key_; }
  const ContextPtr& context() const { return key_.context(); }

 private:
  SwitchingKey key_;
};

// One switching key sigma_g(s) -> s per Galois element g. Keys may be full or restricted to low
// levels (SwitchingKey::max_level), mixed freely; the evaluator refuses a ciphertext above its
// key's max level. One key per element: KeyGenerator::add_galois_keys keeps the key covering more
// levels when asked for an element twice (a full key wins over a restricted one), while insert()
// replaces unconditionally.
class GaloisKeys {
 public:
  GaloisKeys() = default;
  explicit GaloisKeys(ContextPtr ctx) : ctx_(std::move(ctx)) {}
  const ContextPtr& context() const { return ctx_; }
  bool has(uint32_t galois_elt) const { return keys_.count(galois_elt) != 0; }
  const SwitchingKey* find(uint32_t galois_elt) const {
    auto it = keys_.find(galois_elt);
    return it == keys_.end() ? nullptr : &it->second;
  }
  void insert(uint32_t galois_elt, SwitchingKey key) { keys_.insert_or_assign(galois_elt, std::move(key)); }
  const std::map<uint32_t, SwitchingKey>& keys() const { return keys_; }
  // Moves the keys out, leaving this empty (of the same context).
  std::map<uint32_t, SwitchingKey> take_keys() { return std::exchange(keys_, {}); }
  std::size_t size_bytes() const;

 private:
  ContextPtr ctx_;
  std::map<uint32_t, SwitchingKey> keys_;
};

// Sparse-secret encapsulation for bootstrapping (Bossuat, Troncoso-Pastoriza, Hubaux, ACNS 2022):
// a second, sparse ternary secret s' of small Hamming weight h bounds ModRaise's overflow |I| by
// (h + 1) / 2 deterministically. The key s -> s' lives in a small context (q_0 and a few special
// primes) so that s' is only ever exposed at that small modulus; the key s' -> s is a normal
// switching key of the main context (it encrypts s' under the dense s).
struct EncapsulationKeys {
  ContextPtr small;          // q_0 plus the first special primes of the main context
  SwitchingKey to_sparse;    // s -> s', in `small`
  SwitchingKey from_sparse;  // s' -> s, over the main context's QP
  int hamming_weight = 0;
  std::size_t size_bytes() const { return to_sparse.size_bytes() + from_sparse.size_bytes(); }
};

}  // namespace hnn::ckks
