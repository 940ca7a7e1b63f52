// The CPU's vector kernels: which set runs, and the multiply-accumulate kernel that key switching
// and the bootstrap's linear transforms share. Every set gives the same words.
#pragma once
#include <cstddef>
#include <cstdint>

#include "hnn/rns/modarith.h"

namespace hnn::rns {

enum class Simd : uint8_t { Portable, Avx2, Avx512Ifma };

// Whether this build compiled the set and this CPU runs it (AVX-512 needs F, DQ and IFMA).
bool simd_supported(Simd s);
// The set in use: the best supported, capped by HNN_SIMD=portable|avx2|avx512 in the environment
// (read once; an unsupported request falls back down that list).
Simd simd_level();
const char* simd_name(Simd s);

// The most products dot2_mod sums for modulus q: its 128-bit sums hold 2^(128 - 2 bits(q))
// products of words below q (256 for 60-bit, 64 for 61-bit primes), at most 1024.
std::size_t max_dot_terms(const Modulus& q);

// For c < n: out0[c] = sum_t s_t[pi(c)] u_t[c] mod q and out1[c] = sum_t s_t[pi(c)] v_t[c] mod q,
// with pi = perm (nullptr: the identity). s, u, v: `terms` pointers to n words below q < 2^61;
// terms <= max_dot_terms(q). Outputs in [0, q); they may not alias the inputs.
void dot2_mod(std::size_t terms, const uint64_t* const* s, const uint64_t* const* u, const uint64_t* const* v,
              const uint32_t* perm, std::size_t n, const Modulus& q, uint64_t* out0, uint64_t* out1);
// The same with an explicit set (tests compare them); it must be supported.
void dot2_mod_with(Simd set, std::size_t terms, const uint64_t* const* s, const uint64_t* const* u,
                   const uint64_t* const* v, const uint32_t* perm, std::size_t n, const Modulus& q, uint64_t* out0,
                   uint64_t* out1);

// dot2_mod with each word of the s_t repeated `repeat` times: out0[c] = sum_t s_t[c / repeat] u_t[c]
// mod q, out1 likewise with v_t; s_t holds n / repeat words (repeat divides n). A sparse-slot
// plaintext's NTT values come so repeated (ntt::sparse_forward): its products read the subring's
// words only.
void dot2_mod_repeated(std::size_t terms, const uint64_t* const* s, const uint64_t* const* u,
                       const uint64_t* const* v, std::size_t repeat, std::size_t n, const Modulus& q,
                       uint64_t* out0, uint64_t* out1);
void dot2_mod_repeated_with(Simd set, std::size_t terms, const uint64_t* const* s, const uint64_t* const* u,
                            const uint64_t* const* v, std::size_t repeat, std::size_t n, const Modulus& q,
                            uint64_t* out0, uint64_t* out1);

// Element-wise products of n words below q < 2^61, outputs in [0, q): out = a b (out may be a or
// b), and acc = acc + a b (acc below q; it may not alias a or b). `set` as for dot2_mod_with.
void mul_mod_words(const uint64_t* a, const uint64_t* b, uint64_t* out, std::size_t n, const Modulus& q,
                   Simd set = simd_level());
void mul_add_mod_words(uint64_t* acc, const uint64_t* a, const uint64_t* b, std::size_t n, const Modulus& q,
                       Simd set = simd_level());
// out = a w mod q in [0, q) for a fixed w < q with its Shoup companion w_shoup =
// shoup_precompute(w, q) (rns::mul_shoup word by word; any a < 2^64, q < 2^63; out may be a).
void mul_shoup_words(const uint64_t* a, uint64_t* out, std::size_t n, uint64_t w, uint64_t w_shoup, uint64_t q,
                     Simd set = simd_level());
// out = (x - y) w mod q for x, y < q (out may be x or y): ModDown's and rescale's last step.
void sub_mul_shoup_words(const uint64_t* x, const uint64_t* y, uint64_t* out, std::size_t n, uint64_t w,
                         uint64_t w_shoup, uint64_t q, Simd set = simd_level());
// acc = acc + a[pi(c)] w mod q for acc < q, pi = perm (nullptr: the identity); acc may not alias a.
void add_mul_shoup_words(uint64_t* acc, const uint64_t* a, const uint32_t* perm, std::size_t n, uint64_t w,
                         uint64_t w_shoup, uint64_t q, Simd set = simd_level());
// out = v mod q in [0, q) for signed words v (a plaintext's rounded coefficients, one limb's row);
// any q < 2^62. `set` as for dot2_mod_with.
void signed_residue_words(const int64_t* v, uint64_t* out, std::size_t n, const Modulus& q, Simd set = simd_level());
// The tensor product of (x0, x1) and (y0, y1): r0 = x0 y0, r1 = x0 y1 + x1 y0, r2 = x1 y1 mod q
// (outputs distinct from the inputs).
void tensor_mod_words(const uint64_t* x0, const uint64_t* x1, const uint64_t* y0, const uint64_t* y1, uint64_t* r0,
                      uint64_t* r1, uint64_t* r2, std::size_t n, const Modulus& q, Simd set = simd_level());

}  // namespace hnn::rns
