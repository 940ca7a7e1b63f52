// RNS bases, exact CRT through GMP, fast base conversion and exact rescaling.
#pragma once
#include <gmpxx.h>

#include <cstdint>
#include <vector>

#include "hnn/rns/modarith.h"
#include "hnn/rns/simd.h"

namespace hnn::rns {

// An ordered set of distinct primes q_0..q_{k-1}, each < 2^61, with CRT constants.
class RnsBase {
 public:
  RnsBase() = default;
  explicit RnsBase(std::vector<uint64_t> primes);

  std::size_t size() const { return moduli_.size(); }
  const Modulus& operator[](std::size_t i) const { return moduli_[i]; }
  const std::vector<Modulus>& moduli() const { return moduli_; }
  const mpz_class& product() const { return product_; }
  // (Q/q_i)^{-1} mod q_i and its Shoup companion.
  uint64_t qhat_inv(std::size_t i) const { return qhat_inv_[i]; }
  uint64_t qhat_inv_shoup(std::size_t i) const { return qhat_inv_shoup_[i]; }

  // The sub-base made of limbs [begin, end).
  RnsBase slice(std::size_t begin, std::size_t end) const;
  std::vector<uint64_t> primes() const;

  // x mod Q in [0, Q) from residues (stride: distance between consecutive limbs' words).
  mpz_class compose(const uint64_t* residues, std::size_t stride) const;
  // Centered value in (-Q/2, Q/2].
  mpz_class compose_centered(const uint64_t* residues, std::size_t stride) const;
  // Residues of an arbitrary (possibly negative) integer.
  void decompose(const mpz_class& x, uint64_t* residues, std::size_t stride) const;

 private:
  std::vector<Modulus> moduli_;
  mpz_class product_;
  std::vector<mpz_class> qhat_;  // Q / q_i
  std::vector<uint64_t> qhat_inv_, qhat_inv_shoup_;
};

// Fast (approximate) base conversion from base A (k limbs) to base B (m limbs), Halevi-Polyakov-
// Shoup / Bajard et al.: for x in [0, A) given by residues, returns y_j = (x + u*A) mod b_j with an
// integer 0 <= u < k (the same u for every j). Coefficient domain, limb-major layout.
class BaseConverter {
 public:
  BaseConverter() = default;
  BaseConverter(const RnsBase& from, const RnsBase& to);

  const RnsBase& from() const { return from_; }
  const RnsBase& to() const { return to_; }
  // in: from().size() limbs of n words; out: to().size() limbs of n words.
  // `set`: the vector kernels to use (hnn/rns/simd.h; tests compare them), all giving the same words.
  void convert(const uint64_t* in, uint64_t* out, std::size_t n, Simd set = simd_level()) const;
  // The centered representative instead: y_j = x' mod b_j with x' = x or x - A, |x'| <= A/2.
  // The overflow count v = round(sum_i y_i / a_i) is computed in double precision (error below
  // 2^-46), so the result is exact except when x is within A * 2^-46 of A/2, where x' may be the
  // other of the two representatives. Unlike convert(), its error is not biased: ModDown uses it.
  void convert_centered(const uint64_t* in, uint64_t* out, std::size_t n, Simd set = simd_level()) const;
  // The same with output limb j at out + (j < gap_at ? j : j + gap) * n: a ModUp digit's targets
  // land around the digit's own limbs of the extended polynomial, with no copy.
  void convert_centered(const uint64_t* in, uint64_t* out, std::size_t n, std::size_t gap_at, std::size_t gap,
                        Simd set = simd_level()) const;

  // The tables, for device copies (hnn/rns/cuda_poly.h).
  const std::vector<uint64_t>& ahat_mod_b() const { return ahat_mod_b_; }
  const std::vector<uint64_t>& a_mod_b() const { return a_mod_b_; }
  const std::vector<double>& inv_a() const { return inv_a_; }

 private:
  RnsBase from_, to_;
  std::vector<uint64_t> ahat_mod_b_;  // [j * k + i] = (A / a_i) mod b_j
  std::vector<uint64_t> a_mod_b_;     // A mod b_j
  std::vector<double> inv_a_;         // 1 / a_i
  // For the vector kernels: [j 16 + v] = v (b_j - A mod b_j) mod b_j for the overflow counts
  // v < 16, and per target [4 j ..] = 2^52 mod b_j, 2^104 mod b_j and their Shoup companions.
  std::vector<uint64_t> neg_a_times_, column_powers_;

  template <bool kCentered>
  void run(const uint64_t* in, uint64_t* out, std::size_t n, std::size_t gap_at, std::size_t gap, Simd set) const;
};

// Exact rounding division by the last prime of a base, in the coefficient domain:
// given x mod (q_0...q_l) returns round(x / q_l) mod (q_0...q_{l-1}), with x centered.
// `poly` holds l+1 limbs of n words; the first l limbs are overwritten with the result.
// (The NTT-domain variant used by the evaluator lives in ckks/, where NTT tables are known.)
void divide_round_by_last(const RnsBase& base, uint64_t* poly, std::size_t n);

}  // namespace hnn::rns
