// Key generation: secret, public, relinearization and Galois keys.
#pragma once
#include <vector>

#include "hnn/ckks/keys.h"
#include "hnn/rns/random.h"

namespace hnn::ckks {

class KeyGenerator {
 public:
  // Fresh secret from OS entropy.
  explicit KeyGenerator(ContextPtr ctx);
  // Deterministic, for tests only (the name says so).
  static KeyGenerator insecure_from_seed_for_testing(ContextPtr ctx, const rns::Prng::Seed& seed);
  // Reuse an existing secret (e.g. to add Galois keys later).
  KeyGenerator(ContextPtr ctx, const SecretKey& sk);

  const SecretKey& secret_key() const { return sk_; }
  PublicKey create_public_key();
  RelinKey create_relin_key();
  // Keys for rotations by each step (negative = right) and, if asked, for conjugation.
  // max_level = -1 (or the context's max level) makes full keys; max_level = L makes keys that only
  // switch ciphertexts at levels <= L, and hold only the digits and limbs those levels read (see
  // SwitchingKey). Same seed, same calls: a restricted key switches to the same bytes as the full one.
  GaloisKeys create_galois_keys(const std::vector<int>& steps, bool conjugation = false, int max_level = -1);
  // Add keys for more Galois elements to an existing set. An element that already has a key covering
  // `max_level` is skipped; one whose key covers fewer levels gets the new key (the wider key wins).
  void add_galois_keys(GaloisKeys& keys, const std::vector<uint32_t>& galois_elements, int max_level = -1);
  // A switching key from `from` (NTT over QP) to this generator's secret, for levels <= max_level
  // (-1: all levels).
  SwitchingKey create_switching_key(const rns::RnsPoly& from, int max_level = -1);
  // A fresh sparse secret of weight `hamming_weight` and the two switching keys of sparse-secret
  // encapsulation (see EncapsulationKeys); the small context keeps `special_primes` special primes.
  EncapsulationKeys create_encapsulation_keys(int hamming_weight, std::size_t special_primes = 2);

 private:
  KeyGenerator(ContextPtr ctx, rns::Prng prng);
  ContextPtr ctx_;
  rns::Prng prng_;
  SecretKey sk_;
};

}  // namespace hnn::ckks
