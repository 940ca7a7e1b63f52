// FEIP: DDH-based functional encryption for inner products.
// Abdalla, Bourse, De Caro, Pointcheval, "Simple Functional Encryption Schemes for Inner
// Products", PKC 2015, section 3 (the DDH scheme), used by CryptoNN (Xu et al. 2019, section IV-A):
//   Setup(n):       s <- Z_q^n (msk), h_i = g^{s_i} (mpk)
//   Encrypt(mpk,x): r <- Z_q;  ct0 = g^r,  ct_i = h_i^r g^{x_i}
//   KeyDer(msk,y):  sk_y = <y, s> mod q
//   Decrypt:        g^{<x,y>} = prod_i ct_i^{y_i} / ct0^{sk_y}, then a bounded discrete log.
// Integers (signed fixed-point values) map to Z_q by reduction; the discrete log searches [-B, B].
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "hnn/fe/dlog.h"
#include "hnn/fe/group.h"

namespace hnn::fe {

template <PrimeOrderGroup G>
struct FeipMasterKey {
  std::vector<typename G::Scalar> s;
  FeipMasterKey() = default;
  FeipMasterKey(FeipMasterKey&&) noexcept = default;
  FeipMasterKey& operator=(FeipMasterKey&&) noexcept = default;
  FeipMasterKey(const FeipMasterKey&) = delete;
  FeipMasterKey& operator=(const FeipMasterKey&) = delete;
  ~FeipMasterKey();  // wipes the secret scalars
};

template <PrimeOrderGroup G>
struct FeipPublicKey {
  std::vector<typename G::Element> h;
  std::size_t dim() const { return h.size(); }
};

template <PrimeOrderGroup G>
struct FeipCiphertext {
  typename G::Element ct0;
  std::vector<typename G::Element> ct;
  std::size_t dim() const { return ct.size(); }
};

template <PrimeOrderGroup G>
class Feip {
 public:
  using Element = typename G::Element;
  using Scalar = typename G::Scalar;

  explicit Feip(G group) : group_(std::move(group)) {}
  const G& group() const { return group_; }

  void setup(std::size_t dim, FeipMasterKey<G>& msk, FeipPublicKey<G>& mpk) const;
  Scalar derive_key(const FeipMasterKey<G>& msk, std::span<const int64_t> y) const;
  // g^{<x,y>} (no discrete log).
  Element decrypt_to_group(const FeipCiphertext<G>& ct, std::span<const int64_t> y,
                           const Scalar& sk) const;
  int64_t decrypt(const FeipCiphertext<G>& ct, std::span<const int64_t> y, const Scalar& sk,
                  const BoundedDlog<G>& dlog) const;
  // <x, y_j> for k keys at once: ys is k rows of dim() (row-major). One multi-exponentiation per
  // key over shared bases, one fixed-base table for ct0, one batched discrete log.
  std::vector<int64_t> decrypt_many(const FeipCiphertext<G>& ct, std::span<const int64_t> ys,
                                    std::span<const Scalar> sks, const BoundedDlog<G>& dlog) const;
  // The same, stopping before the discrete log (for timing the two halves separately).
  std::vector<Element> decrypt_many_to_group(const FeipCiphertext<G>& ct,
                                             std::span<const int64_t> ys,
                                             std::span<const Scalar> sks) const;

 private:
  G group_;
};

// Encryption with fixed-base precomputation for g and every h_i (built once per public key):
// each ct_i costs one 64-addition comb for h_i^r and a few additions for g^{x_i}, all constant time
// in r and x (for ristretto255; modp falls back to mpz_powm_sec).
template <PrimeOrderGroup G>
class FeipEncryptor {
 public:
  // |x_i| < 2^input_bits is required of every encrypted value (a public bound, e.g. 8 for pixels).
  FeipEncryptor(G group, const FeipPublicKey<G>& mpk, int input_bits);
  std::size_t dim() const { return h_tables_.size(); }
  FeipCiphertext<G> encrypt(std::span<const int64_t> x) const;

 private:
  G group_;
  int input_bits_;
  typename G::FixedBase g_table_;
  std::vector<typename G::FixedBase> h_tables_;
};

}  // namespace hnn::fe
