#include "hnn/fe/modp_group.h"

#include <sodium.h>

#include <algorithm>
#include <bit>

#include "hnn/rns/error.h"

namespace hnn::fe {
namespace {

// RFC 3526 section 4 (3072-bit MODP group): p = 2^3072 - 2^3008 - 1 + 2^64 * (floor(2^2942 pi) +
// 1690314). Checked against that formula with 4000-bit mpmath, and against OpenSSL's modp_3072.
constexpr const char* kRfc3526Prime3072 =
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C"
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF";

mpz_class from_bytes_be(std::span<const uint8_t> bytes) {
  mpz_class r;
  mpz_import(r.get_mpz_t(), bytes.size(), 1, 1, 1, 0, bytes.data());
  return r;
}

std::vector<uint8_t> to_bytes_be(const mpz_class& v, std::size_t len) {
  std::vector<uint8_t> out(len, 0);
  std::size_t count = 0;
  const std::size_t needed = (mpz_sizeinbase(v.get_mpz_t(), 2) + 7) / 8;
  HNN_ASSERT(needed <= len, "value does not fit in ", len, " bytes");
  mpz_export(out.data() + (len - needed), &count, 1, 1, 1, 0, v.get_mpz_t());
  return out;
}

// Pippenger's bucket method, unsigned digits (inverses cost an extended gcd here, so negative
// exponents are collected separately and inverted once).
mpz_class multi_pow_unsigned(const ModpGroup& g, const std::vector<const mpz_class*>& bases,
                             const std::vector<uint64_t>& exps) {
  uint64_t maxe = 0;
  for (uint64_t e : exps) maxe = std::max(maxe, e);
  if (maxe == 0) return 1;
  const int bits = 64 - std::countl_zero(maxe);
  const std::size_t n = bases.size();
  int c = 1;
  double best = 1e300;
  for (int cc = 1; cc <= 16; ++cc) {
    const double cost = ((bits + cc - 1) / cc) * (double(n) + 2.0 * double(1 << cc)) + bits;
    if (cost < best) best = cost, c = cc;
  }
  const int windows = (bits + c - 1) / c;
  const uint64_t mask = (uint64_t{1} << c) - 1;
  std::vector<mpz_class> buckets(static_cast<std::size_t>(1) << c);
  std::vector<uint8_t> full(buckets.size());
  mpz_class result = 1;
  for (int w = windows - 1; w >= 0; --w) {
    for (int j = 0; j < c && result != 1; ++j) result = g.mul(result, result);
    std::fill(full.begin(), full.end(), 0);
    for (std::size_t i = 0; i < n; ++i) {
      const uint64_t d = (exps[i] >> (w * c)) & mask;
      if (d == 0) continue;
      if (!full[d]) {
        buckets[d] = *bases[i];
        full[d] = 1;
      } else {
        buckets[d] = g.mul(buckets[d], *bases[i]);
      }
    }
    mpz_class running = 1, total = 1;
    for (std::size_t b = buckets.size() - 1; b >= 1; --b) {
      if (full[b]) running = g.mul(running, buckets[b]);
      if (running != 1) total = g.mul(total, running);
    }
    result = g.mul(result, total);
  }
  return result;
}

}  // namespace

ModpGroup::ModpGroup(std::string name, const mpz_class& p, const mpz_class& g)
    : name_(std::move(name)), p_(p), q_((p - 1) / 2), g_(g) {
  HNN_REQUIRE(sodium_init() >= 0, "libsodium failed to initialise");
  HNN_REQUIRE(p_ > 7 && mpz_probab_prime_p(p_.get_mpz_t(), 20) > 0 &&
                  mpz_probab_prime_p(q_.get_mpz_t(), 20) > 0,
              "ModpGroup '", name_, "': p must be a safe prime p = 2q + 1");
  HNN_REQUIRE(g_ > 1 && g_ < p_ && mpz_jacobi(g_.get_mpz_t(), p_.get_mpz_t()) == 1,
              "ModpGroup '", name_, "': g must be a non-identity quadratic residue mod p");
  element_bytes_ = (mpz_sizeinbase(p_.get_mpz_t(), 2) + 7) / 8;
  scalar_bytes_ = (mpz_sizeinbase(q_.get_mpz_t(), 2) + 7) / 8;
}

ModpGroup modp_3072() {
  static const ModpGroup group("modp-3072", mpz_class(kRfc3526Prime3072, 16), 2);
  return group;
}
ModpGroup modp_test_insecure_64() {
  // Largest 64-bit safe prime below 2^64 with q = (p-1)/2 prime; p = 3 mod 8, so g = 4.
  return ModpGroup("modp-test-insecure-64", mpz_class("fffffffffffffa43", 16), 4);
}
ModpGroup modp_test_insecure_128() {
  // p = 7 mod 8, so 2 is a quadratic residue.
  return ModpGroup("modp-test-insecure-128", mpz_class("ffffffffffffffffffffffffffffc3a7", 16), 2);
}

ModpGroup::Element ModpGroup::mul(const Element& a, const Element& b) const {
  mpz_class r = a * b;
  mpz_mod(r.get_mpz_t(), r.get_mpz_t(), p_.get_mpz_t());
  return r;
}
ModpGroup::Element ModpGroup::inv(const Element& a) const {
  mpz_class r;
  HNN_REQUIRE(mpz_invert(r.get_mpz_t(), a.get_mpz_t(), p_.get_mpz_t()) != 0,
              "ModpGroup::inv: element not invertible");
  return r;
}
ModpGroup::Element ModpGroup::div(const Element& a, const Element& b) const { return mul(a, inv(b)); }

ModpGroup::Element ModpGroup::pow(const Element& base, const Scalar& k) const {
  mpz_class r;
  if (k == 0) return 1;
  // mpz_powm_sec: side-channel silent exponentiation (odd modulus, positive exponent).
  mpz_powm_sec(r.get_mpz_t(), base.get_mpz_t(), k.get_mpz_t(), p_.get_mpz_t());
  return r;
}

ModpGroup::Element ModpGroup::pow_fixed_small(const FixedBase& fb, int64_t v, int bits) const {
  HNN_REQUIRE(bits >= 1 && bits <= 62, "pow_fixed_small: bit bound must be in [1, 62], got ", bits);
  const uint64_t a = v < 0 ? uint64_t(0) - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  HNN_REQUIRE((a >> bits) == 0, "pow_fixed_small: |v| must be below 2^", bits);
  // Exponent v mod q as a positive residue; mpz_powm_sec runs in time set by the operand sizes.
  return pow(fb.base, scalar_from_int(v));
}

ModpGroup::Element ModpGroup::multi_pow_small(std::span<const Element> bases,
                                             std::span<const int64_t> exps) const {
  HNN_REQUIRE(bases.size() == exps.size(), "multi_pow_small: ", bases.size(), " bases but ",
              exps.size(), " exponents");
  std::vector<const mpz_class*> pos_b, neg_b;
  std::vector<uint64_t> pos_e, neg_e;
  for (std::size_t i = 0; i < bases.size(); ++i) {
    if (exps[i] > 0) {
      pos_b.push_back(&bases[i]);
      pos_e.push_back(static_cast<uint64_t>(exps[i]));
    } else if (exps[i] < 0) {
      neg_b.push_back(&bases[i]);
      neg_e.push_back(uint64_t(0) - static_cast<uint64_t>(exps[i]));
    }
  }
  const mpz_class p = multi_pow_unsigned(*this, pos_b, pos_e);
  const mpz_class n = multi_pow_unsigned(*this, neg_b, neg_e);
  return n == 1 ? p : div(p, n);
}

void ModpGroup::multi_pow_small_many(std::span<const Element> bases, std::span<const int64_t> exps,
                                     std::span<Element> out) const {
  const std::size_t n = bases.size();
  HNN_REQUIRE(exps.size() == n * out.size(), "multi_pow_small_many: expected ", n * out.size(),
              " exponents, got ", exps.size());
#pragma omp parallel for schedule(dynamic, 1)
  for (std::ptrdiff_t j = 0; j < static_cast<std::ptrdiff_t>(out.size()); ++j)
    out[j] = multi_pow_small(bases, exps.subspan(j * n, n));
}

void ModpGroup::fingerprints(std::span<const Element> elems, std::span<uint64_t> out) const {
  HNN_REQUIRE(elems.size() == out.size(), "fingerprints: output size mismatch");
  // Residues are canonical in [1, p-1]; their low 64 bits serve as the table key.
  for (std::size_t i = 0; i < elems.size(); ++i) {
    const mpz_class& e = elems[i];
    out[i] = mpz_size(e.get_mpz_t()) ? static_cast<uint64_t>(mpz_getlimbn(e.get_mpz_t(), 0)) : 0;
  }
}

std::vector<uint8_t> ModpGroup::encode(const Element& a) const { return to_bytes_be(a, element_bytes_); }

ModpGroup::Element ModpGroup::decode(std::span<const uint8_t> bytes) const {
  if (bytes.size() != element_bytes_)
    HNN_THROW(DeserializationError, name_, " element must be ", element_bytes_, " bytes, got ",
              bytes.size());
  mpz_class v = from_bytes_be(bytes);
  if (v < 1 || v >= p_) HNN_THROW(DeserializationError, name_, " element out of range [1, p-1]");
  // Membership in QR_p: Legendre symbol (= Jacobi, p prime) must be +1; otherwise a malicious
  // element outside the prime-order subgroup could leak information through small subgroups.
  if (mpz_jacobi(v.get_mpz_t(), p_.get_mpz_t()) != 1)
    HNN_THROW(DeserializationError, name_, " element is not in the quadratic-residue subgroup");
  return v;
}

ModpGroup::Scalar ModpGroup::scalar_random() const {
  // 64 extra bits make the bias of the reduction negligible (< 2^-64).
  std::vector<uint8_t> buf(scalar_bytes_ + 8);
  randombytes_buf(buf.data(), buf.size());
  mpz_class r = from_bytes_be(buf);
  sodium_memzero(buf.data(), buf.size());
  mpz_mod(r.get_mpz_t(), r.get_mpz_t(), q_.get_mpz_t());
  return r;
}
ModpGroup::Scalar ModpGroup::scalar_from_int(int64_t v) const {
  mpz_class r;
  const uint64_t a = v < 0 ? uint64_t(0) - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  mpz_import(r.get_mpz_t(), 1, 1, sizeof(uint64_t), 0, 0, &a);
  if (v < 0) r = q_ - r;
  mpz_mod(r.get_mpz_t(), r.get_mpz_t(), q_.get_mpz_t());
  return r;
}
ModpGroup::Scalar ModpGroup::scalar_add(const Scalar& a, const Scalar& b) const {
  mpz_class r = a + b;
  mpz_mod(r.get_mpz_t(), r.get_mpz_t(), q_.get_mpz_t());
  return r;
}
ModpGroup::Scalar ModpGroup::scalar_mul(const Scalar& a, const Scalar& b) const {
  mpz_class r = a * b;
  mpz_mod(r.get_mpz_t(), r.get_mpz_t(), q_.get_mpz_t());
  return r;
}
ModpGroup::Scalar ModpGroup::scalar_neg(const Scalar& a) const {
  mpz_class r = q_ - a;
  mpz_mod(r.get_mpz_t(), r.get_mpz_t(), q_.get_mpz_t());
  return r;
}
ModpGroup::Scalar ModpGroup::scalar_inv(const Scalar& a) const {
  mpz_class r;
  HNN_REQUIRE(mpz_invert(r.get_mpz_t(), a.get_mpz_t(), q_.get_mpz_t()) != 0,
              "scalar_inv: zero has no inverse modulo the group order");
  return r;
}
std::vector<uint8_t> ModpGroup::scalar_encode(const Scalar& a) const { return to_bytes_be(a, scalar_bytes_); }
ModpGroup::Scalar ModpGroup::scalar_decode(std::span<const uint8_t> bytes) const {
  if (bytes.size() != scalar_bytes_)
    HNN_THROW(DeserializationError, name_, " scalar must be ", scalar_bytes_, " bytes, got ",
              bytes.size());
  mpz_class v = from_bytes_be(bytes);
  if (v >= q_) HNN_THROW(DeserializationError, name_, " scalar is not reduced modulo the group order");
  return v;
}

}  // namespace hnn::fe
