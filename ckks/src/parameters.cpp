#include "hnn/ckks/parameters.h"

#include <cmath>
#include <cstring>
#include <map>
#include <sstream>

#include "hnn/rns/error.h"
#include "hnn/rns/modarith.h"
#include "hnn/rns/primes.h"

namespace hnn::ckks {

int max_log_qp_128(int log_n) {
  switch (log_n) {
    case 10: return 27;
    case 11: return 54;
    case 12: return 109;
    case 13: return 218;
    case 14: return 438;
    case 15: return 881;
    case 16: return 1772;
    case 17: return 3524;
    default: return 0;
  }
}

namespace {

// Primes for a list of bit sizes: distinct, the largest of each size first, in request order.
std::vector<uint64_t> primes_for_sizes(const std::vector<int>& sizes, uint64_t n,
                                       std::vector<uint64_t>& taken) {
  std::map<int, std::size_t> count;
  for (int b : sizes) ++count[b];
  std::map<int, std::vector<uint64_t>> pool;
  for (auto [bits, c] : count) pool[bits] = rns::generate_ntt_primes(bits, c, n, taken);
  std::map<int, std::size_t> used;
  std::vector<uint64_t> out;
  for (int b : sizes) {
    out.push_back(pool[b][used[b]++]);
    taken.push_back(out.back());
  }
  return out;
}

uint64_t fnv1a(uint64_t h, const void* data, std::size_t len) {
  auto* p = static_cast<const uint8_t*>(data);
  for (std::size_t i = 0; i < len; ++i) {
    h ^= p[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

}  // namespace

Parameters Parameters::create(const ParametersLiteral& lit) {
  HNN_REQUIRE(lit.log_n >= 10 && lit.log_n <= 17, "log_n = ", lit.log_n,
              " is not supported: use 10..17");
  const uint64_t n = uint64_t{1} << lit.log_n;
  HNN_REQUIRE(lit.q.empty() || lit.log_q.empty(), "give either log_q or explicit q primes, not both");
  HNN_REQUIRE(lit.p.empty() || lit.log_p.empty(), "give either log_p or explicit p primes, not both");
  HNN_REQUIRE(!lit.q.empty() || !lit.log_q.empty(),
              "the Q chain is empty: set log_q, e.g. {60, 40, 40, 40}");
  HNN_REQUIRE(!lit.p.empty() || !lit.log_p.empty(),
              "no special primes: set log_p (e.g. {60}) for key switching");
  HNN_REQUIRE(lit.log_q.size() + lit.q.size() <= 64 && lit.log_p.size() + lit.p.size() <= 64,
              "at most 64 primes per chain are supported");

  Parameters out;
  out.log_n_ = lit.log_n;
  std::vector<uint64_t> taken;
  if (!lit.q.empty()) {
    out.q_ = lit.q;
  } else {
    for (int b : lit.log_q)
      HNN_REQUIRE(b >= 20 && b <= rns::kMaxModulusBits, "Q prime size ", b, " bits: use 20..61");
    out.q_ = primes_for_sizes(lit.log_q, n, taken);
  }
  if (!lit.p.empty()) {
    out.p_ = lit.p;
  } else {
    for (int b : lit.log_p)
      HNN_REQUIRE(b >= 20 && b <= rns::kMaxModulusBits, "P prime size ", b, " bits: use 20..61");
    taken.insert(taken.end(), out.q_.begin(), out.q_.end());
    out.p_ = primes_for_sizes(lit.log_p, n, taken);
  }
  // Every prime: NTT-friendly, in range, distinct.
  std::vector<uint64_t> all = out.q_;
  all.insert(all.end(), out.p_.begin(), out.p_.end());
  for (std::size_t i = 0; i < all.size(); ++i) {
    const uint64_t v = all[i];
    HNN_REQUIRE(v > (uint64_t{1} << 19) && v < (uint64_t{1} << rns::kMaxModulusBits),
                "prime ", v, " is outside [2^19, 2^61)");
    HNN_REQUIRE(v % (2 * n) == 1, "modulus ", v, " is not 1 mod 2N = ", 2 * n,
                ": the NTT needs q = 1 mod 2N");
    HNN_REQUIRE(rns::is_prime(v), "modulus ", v, " is not prime");
    for (std::size_t j = 0; j < i; ++j) HNN_REQUIRE(all[j] != v, "prime ", v, " appears twice");
  }

  const int chain = static_cast<int>(out.q_.size());
  const int k = static_cast<int>(out.p_.size());
  out.dnum_ = lit.dnum == 0 ? (chain + k - 1) / k : lit.dnum;
  HNN_REQUIRE(out.dnum_ >= 1 && out.dnum_ <= chain, "dnum = ", out.dnum_, " must be in 1..",
              chain, " (the number of Q primes)");
  out.alpha_ = (chain + out.dnum_ - 1) / out.dnum_;

  HNN_REQUIRE(lit.log_scale >= 1 && lit.log_scale <= 120, "log_scale = ", lit.log_scale,
              " is out of range: use 1..120");
  out.log_scale_ = lit.log_scale;
  out.default_scale_ = std::exp2(lit.log_scale);

  out.secret_ = lit.secret;
  out.hamming_weight_ = lit.hamming_weight;
  if (lit.secret == SecretDistribution::SparseTernary) {
    HNN_REQUIRE(lit.hamming_weight > 0 && static_cast<uint64_t>(lit.hamming_weight) <= n,
                "a sparse ternary secret needs 0 < hamming_weight <= N");
    HNN_REQUIRE(lit.security == SecurityLevel::None,
                "the HE-standard 128-bit table covers uniform ternary secrets only: a sparse secret "
                "needs security = SecurityLevel::None (and its own estimate)");
  } else {
    HNN_REQUIRE(lit.hamming_weight == 0, "hamming_weight applies to SparseTernary secrets only");
  }

  double log_qp = 0;
  for (uint64_t v : all) log_qp += std::log2(static_cast<double>(v));
  out.log_qp_ = log_qp;
  out.security_ = lit.security;
  if (lit.security == SecurityLevel::Bits128) {
    const int bound = max_log_qp_128(lit.log_n);
    HNN_REQUIRE(log_qp <= bound, "log2(QP) = ", std::ceil(log_qp * 10) / 10,
                " exceeds the HE-standard 128-bit bound of ", bound, " for logN = ", lit.log_n,
                " with a uniform ternary secret: use fewer or smaller primes, a larger log_n, or mark "
                "a test-only set with security = SecurityLevel::None");
  }

  uint64_t h = 0xcbf29ce484222325ULL;
  h = fnv1a(h, &out.log_n_, sizeof(out.log_n_));
  for (uint64_t v : out.q_) h = fnv1a(h, &v, sizeof v);
  h = fnv1a(h, "|", 1);
  for (uint64_t v : out.p_) h = fnv1a(h, &v, sizeof v);
  h = fnv1a(h, &out.dnum_, sizeof out.dnum_);
  h = fnv1a(h, &out.log_scale_, sizeof out.log_scale_);
  const uint8_t sec[2] = {static_cast<uint8_t>(out.secret_), static_cast<uint8_t>(out.security_)};
  h = fnv1a(h, sec, 2);
  h = fnv1a(h, &out.hamming_weight_, sizeof out.hamming_weight_);
  out.digest_ = h;
  return out;
}

std::string Parameters::describe() const {
  std::ostringstream os;
  os << "logN=" << log_n_ << " L=" << max_level() << " |P|=" << p_.size() << " dnum=" << dnum_
     << " log2(QP)=" << static_cast<int>(std::ceil(log_qp_)) << " scale=2^" << log_scale_
     << (security_ == SecurityLevel::Bits128 ? " (128-bit)" : " (INSECURE: test only)");
  return os.str();
}

namespace presets {
ParametersLiteral test_insecure_n12() {
  ParametersLiteral lit;
  lit.log_n = 12;
  lit.log_q = {50, 40, 40, 40, 40, 40, 40};
  lit.log_p = {50, 50, 50, 50};
  lit.dnum = 2;
  lit.log_scale = 40;
  lit.security = SecurityLevel::None;
  return lit;
}
ParametersLiteral n14_l7() {
  ParametersLiteral lit;
  lit.log_n = 14;
  lit.log_q = {50, 40, 40, 40, 40, 40, 40, 40};
  lit.log_p = {50, 50};
  lit.dnum = 4;
  lit.log_scale = 40;
  return lit;
}
ParametersLiteral seal_like_n15() {
  ParametersLiteral lit;
  lit.log_n = 15;
  lit.log_q.assign(15, 55);
  lit.log_p = {56};
  lit.dnum = 15;
  lit.log_scale = 40;
  return lit;
}
ParametersLiteral n16_l24_dnum3() {
  ParametersLiteral lit;
  lit.log_n = 16;
  lit.log_q.assign(24, 40);
  lit.log_q[0] = 60;
  lit.log_p.assign(6, 60);
  lit.dnum = 3;
  lit.log_scale = 40;
  return lit;
}
}  // namespace presets

}  // namespace hnn::ckks
