#pragma once
#include <optional>

#include "hnn/ckks/ciphertext.h"
#include "hnn/ckks/keys.h"
#include "hnn/rns/random.h"

namespace hnn::ckks {

// Public-key encryption: ModDown_P(v b + e0, v a + e1) + (m, 0) over Q_l u P, v ternary.
// Symmetric encryption (needs the secret; smaller noise): (-a s + e + m, a).
// The encryptor and decryptor keep their own copy of the key, so temporaries are safe to pass.
class Encryptor {
 public:
  Encryptor(ContextPtr ctx, const PublicKey& pk);
  Encryptor(ContextPtr ctx, const SecretKey& sk);
  Ciphertext encrypt(const Plaintext& pt);
  // Deterministic randomness: tests only.
  void insecure_seed_for_testing(const rns::Prng::Seed& seed);

 private:
  ContextPtr ctx_;
  std::optional<PublicKey> pk_;
  std::optional<SecretKey> sk_;
  rns::Prng prng_;
};

class Decryptor {
 public:
  Decryptor(ContextPtr ctx, const SecretKey& sk);
  // m = c0 + c1 s (+ c2 s^2), NTT domain, at the ciphertext's level and scale, on the host (a
  // ciphertext on a CUDA device is copied back first).
  Plaintext decrypt(const Ciphertext& ct) const;

 private:
  ContextPtr ctx_;
  SecretKey sk_;
};

}  // namespace hnn::ckks
