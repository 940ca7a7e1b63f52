// The quadratic-residue subgroup of Z_p^* for a safe prime p = 2q + 1 (q prime), with GMP.
//
// QR_p has prime order q, so DDH is believed hard in it (unlike in Z_p^* itself, where the Legendre
// symbol leaks a bit). Elements are residues in [1, p-1] with Legendre symbol +1.
//   - modp_3072(): the RFC 3526 3072-bit MODP prime (group 15), ~128-bit security. p = 7 mod 8, so
//     2 is a quadratic residue and g = 2 generates QR_p (any non-identity element of a group of
//     prime order does).
//   - modp_test_insecure_64(), modp_test_insecure_128(): tiny safe primes, for tests only; the
//     64-bit one has p = 3 mod 8, where 2 is a non-residue, so its generator is 4 = 2^2.
// Exponents are full-size (mod q), so one exponentiation in modp-3072 costs ~3071 squarings: this
// group exists for the security comparison and the per-operation figures, not for full training.
#pragma once
#include <gmpxx.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace hnn::fe {

class ModpGroup {
 public:
  using Element = mpz_class;
  using Scalar = mpz_class;
  struct FixedBase {
    mpz_class base;
  };

  // p must be a safe prime (checked probabilistically) and g a generator of QR_p.
  ModpGroup(std::string name, const mpz_class& p, const mpz_class& g);

  std::string name() const { return name_; }
  const mpz_class& modulus() const { return p_; }
  const mpz_class& order() const { return q_; }
  std::size_t element_bytes() const { return element_bytes_; }
  std::size_t scalar_bytes() const { return scalar_bytes_; }

  Element identity() const { return 1; }
  Element generator() const { return g_; }
  Element mul(const Element& a, const Element& b) const;
  Element div(const Element& a, const Element& b) const;
  Element inv(const Element& a) const;
  bool equal(const Element& a, const Element& b) const { return a == b; }
  bool is_identity(const Element& a) const { return a == 1; }

  Element pow(const Element& base, const Scalar& k) const;  // mpz_powm_sec (constant time)
  FixedBase precompute(const Element& base) const { return FixedBase{base}; }
  Element pow_fixed(const FixedBase& fb, const Scalar& k) const { return pow(fb.base, k); }
  Element pow_fixed_small(const FixedBase& fb, int64_t v, int bits) const;
  Element multi_pow_small(std::span<const Element> bases, std::span<const int64_t> exps) const;
  void multi_pow_small_many(std::span<const Element> bases, std::span<const int64_t> exps,
                            std::span<Element> out) const;
  void fingerprints(std::span<const Element> elems, std::span<uint64_t> out) const;

  std::vector<uint8_t> encode(const Element& a) const;  // big-endian, element_bytes() long
  Element decode(std::span<const uint8_t> bytes) const;  // checks range and membership in QR_p

  Scalar scalar_random() const;
  Scalar scalar_from_int(int64_t v) const;
  Scalar scalar_add(const Scalar& a, const Scalar& b) const;
  Scalar scalar_mul(const Scalar& a, const Scalar& b) const;
  Scalar scalar_neg(const Scalar& a) const;
  Scalar scalar_inv(const Scalar& a) const;
  bool scalar_is_zero(const Scalar& a) const { return a == 0; }
  std::vector<uint8_t> scalar_encode(const Scalar& a) const;
  Scalar scalar_decode(std::span<const uint8_t> bytes) const;

 private:
  std::string name_;
  mpz_class p_, q_, g_;
  std::size_t element_bytes_ = 0, scalar_bytes_ = 0;
};

// RFC 3526 group 15 (3072-bit MODP), g = 2: ~128-bit security.
ModpGroup modp_3072();
// Insecure test groups (64- and 128-bit safe primes). Never use them for real data.
ModpGroup modp_test_insecure_64();
ModpGroup modp_test_insecure_128();

}  // namespace hnn::fe
