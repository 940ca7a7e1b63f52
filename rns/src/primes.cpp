#include "hnn/rns/primes.h"

#include <algorithm>

#include "hnn/rns/error.h"
#include "hnn/rns/modarith.h"

namespace hnn::rns {
namespace {
uint64_t mulmod_u128(uint64_t a, uint64_t b, uint64_t n) {
  return static_cast<uint64_t>(static_cast<unsigned __int128>(a) * b % n);
}
uint64_t powmod_u128(uint64_t b, uint64_t e, uint64_t n) {
  uint64_t r = 1 % n;
  b %= n;
  while (e) {
    if (e & 1) r = mulmod_u128(r, b, n);
    b = mulmod_u128(b, b, n);
    e >>= 1;
  }
  return r;
}
}  // namespace

bool is_prime(uint64_t n) {
  if (n < 2) return false;
  static constexpr uint64_t kBases[] = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37};
  for (uint64_t p : kBases) {
    if (n % p == 0) return n == p;
  }
  uint64_t d = n - 1;
  int s = 0;
  while ((d & 1) == 0) {
    d >>= 1;
    ++s;
  }
  for (uint64_t a : kBases) {
    uint64_t x = powmod_u128(a, d, n);
    if (x == 1 || x == n - 1) continue;
    bool composite = true;
    for (int r = 1; r < s; ++r) {
      x = mulmod_u128(x, x, n);
      if (x == n - 1) {
        composite = false;
        break;
      }
    }
    if (composite) return false;
  }
  return true;
}

std::vector<uint64_t> generate_ntt_primes(int bits, std::size_t count, uint64_t n,
                                          const std::vector<uint64_t>& exclude) {
  HNN_REQUIRE(bits >= 20 && bits <= kMaxModulusBits, "prime size ", bits,
              " bits is out of range: use 20..", kMaxModulusBits, " bits");
  HNN_REQUIRE(n >= 2 && (n & (n - 1)) == 0, "ring degree ", n, " must be a power of two");
  const uint64_t step = 2 * n;
  const uint64_t upper = uint64_t{1} << bits;
  const uint64_t lower = uint64_t{1} << (bits - 1);
  HNN_REQUIRE(step < lower, "no ", bits, "-bit prime can be 1 mod 2N for N = ", n,
              ": use larger primes");
  std::vector<uint64_t> out;
  // Largest candidate below 2^bits with candidate = 1 (mod 2n).
  uint64_t candidate = ((upper - 1) / step) * step + 1;
  if (candidate >= upper) candidate -= step;
  for (; candidate > lower && out.size() < count; candidate -= step) {
    if (std::find(exclude.begin(), exclude.end(), candidate) != exclude.end()) continue;
    if (is_prime(candidate)) out.push_back(candidate);
  }
  HNN_REQUIRE(out.size() == count, "only ", out.size(), " primes of ", bits,
              " bits are 1 mod 2N for N = ", n, " but ", count, " were asked for: use fewer or larger primes");
  return out;
}

uint64_t minimal_primitive_root(uint64_t two_n, uint64_t q) {
  HNN_REQUIRE(is_prime(q) && (q - 1) % two_n == 0, q, " is not a prime equal to 1 mod ", two_n);
  const Modulus m(q);
  const uint64_t cofactor = (q - 1) / two_n;
  uint64_t root = 0;
  for (uint64_t x = 2; x < q; ++x) {
    uint64_t g = pow_mod(x, cofactor, m);
    if (pow_mod(g, two_n / 2, m) == q - 1) {
      root = g;
      break;
    }
  }
  HNN_ASSERT(root != 0, "no primitive root found for q = ", q);
  // All primitive 2n-th roots are root^k for odd k: take the smallest.
  const uint64_t root_sq = mul_mod(root, root, m);
  uint64_t best = root, current = root;
  for (uint64_t k = 3; k < two_n; k += 2) {
    current = mul_mod(current, root_sq, m);
    best = std::min(best, current);
  }
  return best;
}

}  // namespace hnn::rns
