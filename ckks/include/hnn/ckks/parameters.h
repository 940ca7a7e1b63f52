// CKKS parameters: a plain ParametersLiteral, validated once into immutable Parameters.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace hnn::ckks {

enum class SecretDistribution : uint8_t {
  UniformTernary = 0,  // each coefficient -1/0/1 with probability 1/3 (HE standard)
  SparseTernary = 1,   // exactly `hamming_weight` non-zero coefficients (not covered by the table)
};

enum class SecurityLevel : uint8_t {
  None = 0,      // no check: tests and experiments only, named so on purpose
  Bits128 = 128  // HE-standard 128-bit classical bound on log2(QP) for the ring degree
};

// What a user writes. Either bit sizes (log_q, log_p) or explicit primes (q, p) for each chain.
struct ParametersLiteral {
  int log_n = 0;
  std::vector<int> log_q;     // bit sizes of q_0 (base prime) .. q_L (rescaling primes)
  std::vector<int> log_p;     // bit sizes of the special primes p_0..p_{k-1} (key switching)
  std::vector<uint64_t> q;    // explicit primes instead of log_q (e.g. when deserializing)
  std::vector<uint64_t> p;    // explicit primes instead of log_p
  int dnum = 0;               // key-switching digits; 0 = ceil((L+1) / k), one digit per |P| limbs
  double log_scale = 40.0;    // default scale 2^log_scale for encoding
  SecretDistribution secret = SecretDistribution::UniformTernary;
  int hamming_weight = 0;     // SparseTernary only
  SecurityLevel security = SecurityLevel::Bits128;
};

// The HE-standard bound on log2(QP) for a uniform ternary secret at 128-bit classical security
// (HomomorphicEncryption.org standard v1.1 for logN <= 15; 1772 for logN = 16 as used by the
// reference libraries; logN = 17 extrapolated conservatively below 2 * 1772). 0 when unknown.
int max_log_qp_128(int log_n);

class Parameters {
 public:
  // Validates everything; throws InvalidArgument with a message that says how to fix the literal.
  static Parameters create(const ParametersLiteral& literal);

  int log_n() const { return log_n_; }
  std::size_t n() const { return std::size_t{1} << log_n_; }
  std::size_t max_slots() const { return n() / 2; }
  int max_level() const { return static_cast<int>(q_.size()) - 1; }  // L
  const std::vector<uint64_t>& q() const { return q_; }
  const std::vector<uint64_t>& p() const { return p_; }
  int dnum() const { return dnum_; }
  int alpha() const { return alpha_; }  // limbs per digit
  double default_scale() const { return default_scale_; }
  double log_scale() const { return log_scale_; }
  double log_qp() const { return log_qp_; }
  SecretDistribution secret() const { return secret_; }
  int hamming_weight() const { return hamming_weight_; }
  SecurityLevel security() const { return security_; }
  // 64-bit digest of everything above: identifies the parameter set across serialization.
  uint64_t digest() const { return digest_; }
  std::string describe() const;

  friend bool operator==(const Parameters& a, const Parameters& b) { return a.digest_ == b.digest_; }

 private:
  Parameters() = default;
  int log_n_ = 0;
  std::vector<uint64_t> q_, p_;
  int dnum_ = 0, alpha_ = 0;
  double log_scale_ = 0, default_scale_ = 0, log_qp_ = 0;
  SecretDistribution secret_ = SecretDistribution::UniformTernary;
  int hamming_weight_ = 0;
  SecurityLevel security_ = SecurityLevel::Bits128;
  uint64_t digest_ = 0;
};

// Presets.
namespace presets {
// logN = 12, 6 levels at 2^40, dnum = 2: fast CI tests. Insecure (log QP above the logN=12 bound).
ParametersLiteral test_insecure_n12();
// logN = 14, 7 levels at 2^40 (50 + 7 x 40-bit Q primes, 2 x 50-bit P, dnum = 4), 128-bit:
// the smallest secure set, for examples and tests.
ParametersLiteral n14_l7();
// logN = 15, SEAL's default 881-bit modulus shape: 15 x 55-bit Q primes + one 56-bit special
// prime (dnum = 15), 128-bit secure. For timing against SEAL; its 55-bit primes do not match a
// 2^40 scale, so use it for benchmarks rather than deep circuits.
ParametersLiteral seal_like_n15();
// logN = 16, 24 Q limbs (60 + 23 x 40 bits), dnum = 3 with 6 x 60-bit special primes, 128-bit.
ParametersLiteral n16_l24_dnum3();
}  // namespace presets

}  // namespace hnn::ckks
