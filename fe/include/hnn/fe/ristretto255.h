// ristretto255 (RFC 9496): the prime-order group over Curve25519, order
// l = 2^252 + 27742317777372353535851937790883648493. The default group of hnn::fe (~128-bit).
//
// Scalars, randomness and point validation use libsodium 1.0.18 (crypto_core_ristretto255_*); the
// group law runs on points in extended twisted-Edwards coordinates (Hisil-Wong-Carter-Dawson 2008)
// in fe/src, because libsodium only adds encoded points (see field25519.h for why that matters).
// Encodings are byte-identical to libsodium's; the identity encodes as 32 zero bytes (libsodium's
// crypto_scalarmult_ristretto255 refuses to output it, we handle it explicitly).
#pragma once
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace hnn::fe {

// One field element of GF(2^255-19), five 51-bit limbs (opaque to callers).
struct Fe25519 {
  uint64_t v[5];
};

// A point in extended coordinates (X:Y:Z:T), x = X/Z, y = Y/Z, xy = T/Z; a representative of its
// ristretto255 class (equality and encoding are class-aware).
struct RistrettoPoint {
  Fe25519 x, y, z, t;
};

class Ristretto255 {
 public:
  using Element = RistrettoPoint;
  using Scalar = std::array<uint8_t, 32>;  // little-endian, reduced mod l

  // 64 signed radix-16 windows x 8 multiples of one base (80 KiB): Encrypt's h_i^r and g^x.
  struct FixedBase {
    std::vector<std::array<Fe25519, 4>> table;  // cached form (Y+X, Y-X, 2Z, 2dT), [64][8]
  };

  Ristretto255();

  std::string name() const { return "ristretto255"; }
  static constexpr std::size_t kElementBytes = 32;
  std::size_t element_bytes() const { return kElementBytes; }
  std::size_t scalar_bytes() const { return 32; }

  Element identity() const;
  Element generator() const;
  Element mul(const Element& a, const Element& b) const;
  Element div(const Element& a, const Element& b) const;
  Element inv(const Element& a) const;
  Element square(const Element& a) const;
  bool equal(const Element& a, const Element& b) const;
  bool is_identity(const Element& a) const;

  Element pow(const Element& base, const Scalar& k) const;
  FixedBase precompute(const Element& base) const;
  Element pow_fixed(const FixedBase& fb, const Scalar& k) const;
  Element pow_fixed_small(const FixedBase& fb, int64_t v, int bits) const;
  Element multi_pow_small(std::span<const Element> bases, std::span<const int64_t> exps) const;
  // out[j] = prod_i bases[i]^exps[j*n + i] for j < out.size(): many exponent vectors, one base set
  // (W1*x for all hidden units of one sample); bases converted once, OpenMP over j.
  void multi_pow_small_many(std::span<const Element> bases, std::span<const int64_t> exps,
                            std::span<Element> out) const;
  void fingerprints(std::span<const Element> elems, std::span<uint64_t> out) const;

  std::vector<uint8_t> encode(const Element& a) const;
  void encode_to(const Element& a, uint8_t out[32]) const;
  Element decode(std::span<const uint8_t> bytes) const;

  Scalar scalar_random() const;
  Scalar scalar_from_int(int64_t v) const;
  Scalar scalar_add(const Scalar& a, const Scalar& b) const;
  Scalar scalar_mul(const Scalar& a, const Scalar& b) const;
  Scalar scalar_neg(const Scalar& a) const;
  Scalar scalar_inv(const Scalar& a) const;
  bool scalar_is_zero(const Scalar& a) const;
  std::vector<uint8_t> scalar_encode(const Scalar& a) const;
  Scalar scalar_decode(std::span<const uint8_t> bytes) const;
};

}  // namespace hnn::fe
