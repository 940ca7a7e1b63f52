// The prime-order group interface that FEIP and FEBO are written against.
//
// Both schemes (Abdalla et al., PKC 2015; Xu et al., CryptoNN, ICDCS 2019) only need a cyclic group
// of prime order q with a generator g in which DDH is hard. We write the group multiplicatively, as
// the papers do: mul(a, b) = a*b, pow(a, k) = a^k. Two implementations satisfy the concept:
//   - Ristretto255 (ristretto255.h): the prime-order group built on Curve25519 (RFC 9496), ~128-bit
//     security, 32-byte elements; the default.
//   - ModpGroup (modp_group.h): the quadratic residues modulo a safe prime p = 2q + 1, with GMP.
//     modp_3072() (RFC 3526 prime) is ~128-bit secure; modp_test_insecure_*() are tiny test groups.
//
// The concept is static (templates) rather than a virtual interface because the hot loops
// (multi-exponentiation, baby-step giant-step) do ~10^5 group operations per MNIST sample; FEIP,
// FEBO and the roles are compiled once per group (explicit instantiation in fe/src).
#pragma once
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace hnn::fe {

template <class G>
concept PrimeOrderGroup = requires(const G& g, const typename G::Element& a,
                                   const typename G::Scalar& k, const typename G::FixedBase& fb,
                                   int64_t v, std::span<const uint8_t> bytes,
                                   std::span<const typename G::Element> elems,
                                   std::span<const int64_t> ints, std::span<uint64_t> fps) {
  typename G::Element;    // a group element in the implementation's working representation
  typename G::Scalar;     // an exponent modulo the group order q
  typename G::FixedBase;  // precomputation for repeated powers of one base
  { g.name() } -> std::convertible_to<std::string>;
  { g.identity() } -> std::same_as<typename G::Element>;
  { g.generator() } -> std::same_as<typename G::Element>;
  { g.mul(a, a) } -> std::same_as<typename G::Element>;
  { g.div(a, a) } -> std::same_as<typename G::Element>;
  { g.inv(a) } -> std::same_as<typename G::Element>;
  { g.equal(a, a) } -> std::same_as<bool>;
  // Constant time in the exponent (secrets: r in Encrypt, s in Setup and FEBO keys).
  { g.pow(a, k) } -> std::same_as<typename G::Element>;
  { g.precompute(a) } -> std::same_as<typename G::FixedBase>;
  { g.pow_fixed(fb, k) } -> std::same_as<typename G::Element>;
  // base^v for |v| < 2^bits, constant time in v for a public bit bound.
  { g.pow_fixed_small(fb, v, 8) } -> std::same_as<typename G::Element>;
  // prod bases[i]^ints[i] for public small signed exponents (variable time).
  { g.multi_pow_small(elems, ints) } -> std::same_as<typename G::Element>;
  // A 64-bit fingerprint of each element's canonical form, batched (baby-step giant-step keys).
  { g.fingerprints(elems, fps) };
  { g.element_bytes() } -> std::same_as<std::size_t>;
  { g.encode(a) } -> std::same_as<std::vector<uint8_t>>;
  { g.decode(bytes) } -> std::same_as<typename G::Element>;  // validates; DeserializationError
  { g.scalar_bytes() } -> std::same_as<std::size_t>;
  { g.scalar_random() } -> std::same_as<typename G::Scalar>;  // libsodium randombytes
  { g.scalar_from_int(v) } -> std::same_as<typename G::Scalar>;
  { g.scalar_add(k, k) } -> std::same_as<typename G::Scalar>;
  { g.scalar_mul(k, k) } -> std::same_as<typename G::Scalar>;
  { g.scalar_neg(k) } -> std::same_as<typename G::Scalar>;
  { g.scalar_inv(k) } -> std::same_as<typename G::Scalar>;
  { g.scalar_is_zero(k) } -> std::same_as<bool>;
  { g.scalar_encode(k) } -> std::same_as<std::vector<uint8_t>>;
  { g.scalar_decode(bytes) } -> std::same_as<typename G::Scalar>;
};

}  // namespace hnn::fe
