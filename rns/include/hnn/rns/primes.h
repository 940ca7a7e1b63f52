// NTT-friendly primes and roots of unity.
#pragma once
#include <cstdint>
#include <vector>

namespace hnn::rns {

// Deterministic Miller-Rabin for every 64-bit integer (bases 2..37 cover all n < 3.3e24).
bool is_prime(uint64_t n);

// `count` distinct primes q = 1 (mod 2n) of exactly `bits` bits (2^(bits-1) < q < 2^bits), the
// largest such primes first, none of them in `exclude`. bits in [20, 61]; n a power of two.
// Throws InvalidArgument when the range holds too few.
std::vector<uint64_t> generate_ntt_primes(int bits, std::size_t count, uint64_t n,
                                          const std::vector<uint64_t>& exclude = {});

// The smallest primitive 2n-th root of unity modulo the prime q (q = 1 mod 2n): psi with
// psi^n = -1. Deterministic, so tables are reproducible (known-answer tests rely on it).
uint64_t minimal_primitive_root(uint64_t two_n, uint64_t q);

}  // namespace hnn::rns
