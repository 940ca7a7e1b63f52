#pragma once
#include "hnn/ckks/ciphertext.h"
#include "hnn/ckks/keys.h"
#include "hnn/rns/random.h"

namespace hnn::ckks {

// Public-key encryption: ModDown_P(v b + e0, v a + e1) + (m, 0) over Q_l u P, v ternary.
// Symmetric encryption (needs the secret; smaller noise): (-a s + e + m, a).
class Encryptor {
 public:
  Encryptor(ContextPtr ctx, const PublicKey& pk);
  Encryptor(ContextPtr ctx, const SecretKey& sk);
  Ciphertext encrypt(const Plaintext& pt);
  // Deterministic randomness: tests only.
  void insecure_seed_for_testing(const rns::Prng::Seed& seed);

 private:
  ContextPtr ctx_;
  const PublicKey* pk_ = nullptr;
  const SecretKey* sk_ = nullptr;
  rns::Prng prng_;
};

class Decryptor {
 public:
  Decryptor(ContextPtr ctx, const SecretKey& sk);
  // m = c0 + c1 s (+ c2 s^2), NTT domain, at the ciphertext's level and scale.
  Plaintext decrypt(const Ciphertext& ct) const;

 private:
  ContextPtr ctx_;
  const SecretKey& sk_;
};

}  // namespace hnn::ckks
