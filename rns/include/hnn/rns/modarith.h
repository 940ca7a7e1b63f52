// 64-bit modular arithmetic for NTT-friendly primes q < 2^61.
//
// Every function here is HNN_HD: the CPU backend and the CUDA kernels share it, so one set of
// tests covers both. Inputs are reduced (< q) unless a function says otherwise ("lazy" variants
// accept or return values in [0, 2q) or [0, 4q), as in Harvey's NTT, so q < 2^61 keeps 4q < 2^63).
#pragma once
#include <cstdint>

#include "hnn/rns/config.h"

namespace hnn::rns {

inline constexpr int kMaxModulusBits = 61;

// A modulus with its Barrett constant floor(2^128 / q) split into two words.
struct Modulus {
  uint64_t value = 0;
  uint64_t ratio_hi = 0;  // floor(2^128 / q) >> 64
  uint64_t ratio_lo = 0;  // floor(2^128 / q) mod 2^64
  int bits = 0;

  Modulus() = default;
  // q must be odd, 2 <= q < 2^61 (checked by the callers that build bases).
  explicit Modulus(uint64_t q) : value(q), bits(64 - __builtin_clzll(q)) {
    // floor(2^128 / q): long division of 2^128 = (1, 0, 0) in base 2^64.
    unsigned __int128 two64 = static_cast<unsigned __int128>(1) << 64;
    unsigned __int128 hi = two64 / q;                  // (2^64 * 2^64) / q = hi * 2^64 + ...
    unsigned __int128 rem = two64 % q;
    unsigned __int128 lo = (rem << 64) / q;
    ratio_hi = static_cast<uint64_t>(hi);
    ratio_lo = static_cast<uint64_t>(lo);
  }
  friend bool operator==(const Modulus& a, const Modulus& b) { return a.value == b.value; }
};

HNN_HD uint64_t mul_hi(uint64_t a, uint64_t b) {
#if defined(__CUDA_ARCH__)
  return __umul64hi(a, b);
#else
  return static_cast<uint64_t>((static_cast<unsigned __int128>(a) * b) >> 64);
#endif
}

// floor(a b / 2^64) from 52-bit partial products, the form the AVX-512 IFMA kernels compute (one
// VPMADD52LUQ/HUQ per lo52/hi52 below). With a = a1 2^52 + a0, b = b1 2^52 + b0 (a1, b1 < 2^12):
// the 2^52 column X = hi52(a0 b0) + lo52(a0 b1) + lo52(a1 b0) < 3 * 2^52 and the 2^104 column
// Y = hi52(a0 b1) + hi52(a1 b0) + a1 b1 < 2^25; lo52(a0 b0) < 2^52 cannot carry past 2^64, so the
// result is X / 2^12 + Y 2^40 exactly. Equal to mul_hi for every a, b (tested).
HNN_HD uint64_t mul_hi_from_52bit_parts(uint64_t a, uint64_t b) {
  constexpr uint64_t kMask = (uint64_t{1} << 52) - 1;
  const auto lo52 = [](uint64_t x, uint64_t y) { return (x * y) & kMask; };  // x, y < 2^52
  const auto hi52 = [](uint64_t x, uint64_t y) { return mul_hi(x << 12, y); };  // floor(x y / 2^52)
  const uint64_t a0 = a & kMask, a1 = a >> 52, b0 = b & kMask, b1 = b >> 52;
  const uint64_t x = hi52(a0, b0) + lo52(a0, b1) + lo52(a1, b0);
  const uint64_t y = hi52(a0, b1) + hi52(a1, b0) + a1 * b1;
  return (x >> 12) + (y << 40);
}

// (hi, lo) = a * b
HNN_HD void mul_wide(uint64_t a, uint64_t b, uint64_t& hi, uint64_t& lo) {
  lo = a * b;
  hi = mul_hi(a, b);
}

HNN_HD uint64_t add_mod(uint64_t a, uint64_t b, uint64_t q) {
  uint64_t s = a + b;
  return s >= q ? s - q : s;
}

HNN_HD uint64_t sub_mod(uint64_t a, uint64_t b, uint64_t q) { return a >= b ? a - b : a + q - b; }

HNN_HD uint64_t neg_mod(uint64_t a, uint64_t q) { return a == 0 ? 0 : q - a; }

// Barrett reduction of a single word: x mod q for any x < 2^64.
HNN_HD uint64_t reduce_64(uint64_t x, const Modulus& m) {
  uint64_t quotient = mul_hi(x, m.ratio_hi);
  uint64_t r = x - quotient * m.value;
  return r >= m.value ? r - m.value : r;
}

// Barrett reduction of a 128-bit value (hi, lo) < 2^128 with q < 2^62: returns (hi*2^64+lo) mod q.
// The quotient estimate floor(x * floor(2^128/q) / 2^128) is short of the true quotient by at most
// 2 (for q < 2^62 it fits), so one conditional subtraction after a 2q-fold is enough.
HNN_HD uint64_t reduce_128(uint64_t hi, uint64_t lo, const Modulus& m) {
  // x * ratio = (hi, lo) * (ratio_hi, ratio_lo); we need bits [128, 192) of the product.
  uint64_t carry = mul_hi(lo, m.ratio_lo);
  uint64_t t_hi, t_lo;
  mul_wide(lo, m.ratio_hi, t_hi, t_lo);
  uint64_t mid = t_lo + carry;
  uint64_t mid_carry = t_hi + (mid < t_lo);
  mul_wide(hi, m.ratio_lo, t_hi, t_lo);
  uint64_t mid2 = mid + t_lo;
  carry = t_hi + (mid2 < mid);
  uint64_t quotient = hi * m.ratio_hi + mid_carry + carry;
  uint64_t r = lo - quotient * m.value;
  // r < 3q here.
  if (r >= m.value) r -= m.value;
  if (r >= m.value) r -= m.value;
  return r;
}

// a * b mod q by Barrett (a, b < 2^64 with a*b < 2^128; usually a, b < q).
HNN_HD uint64_t mul_mod(uint64_t a, uint64_t b, const Modulus& m) {
  uint64_t hi, lo;
  mul_wide(a, b, hi, lo);
  return reduce_128(hi, lo, m);
}

// Shoup's precomputation for a fixed multiplicand w < q: floor(w * 2^64 / q).
HNN_HD uint64_t shoup_precompute(uint64_t w, uint64_t q) {
  return static_cast<uint64_t>((static_cast<unsigned __int128>(w) << 64) / q);
}

// a * w mod q in [0, 2q) for any a < 2^64 (Shoup / Harvey lazy multiplication).
HNN_HD uint64_t mul_shoup_lazy(uint64_t a, uint64_t w, uint64_t w_shoup, uint64_t q) {
  uint64_t quotient = mul_hi(a, w_shoup);
  return a * w - quotient * q;
}

// a * w mod q in [0, q).
HNN_HD uint64_t mul_shoup(uint64_t a, uint64_t w, uint64_t w_shoup, uint64_t q) {
  uint64_t r = mul_shoup_lazy(a, w, w_shoup, q);
  return r >= q ? r - q : r;
}

HNN_HD uint64_t pow_mod(uint64_t base, uint64_t exponent, const Modulus& m) {
  uint64_t result = 1 % m.value;
  base = reduce_64(base, m);
  while (exponent) {
    if (exponent & 1) result = mul_mod(result, base, m);
    base = mul_mod(base, base, m);
    exponent >>= 1;
  }
  return result;
}

// Inverse modulo a prime q (Fermat). a must be non-zero mod q.
HNN_HD uint64_t inv_mod_prime(uint64_t a, const Modulus& m) { return pow_mod(a, m.value - 2, m); }

// Signed value -> residue.
HNN_HD uint64_t from_signed(int64_t v, const Modulus& m) {
  if (v >= 0) return reduce_64(static_cast<uint64_t>(v), m);
  uint64_t r = reduce_64(static_cast<uint64_t>(-(v + 1)) + 1, m);  // |v| without overflow
  return neg_mod(r, m.value);
}

// Residue -> centered value in (-q/2, q/2].
HNN_HD int64_t to_centered(uint64_t a, uint64_t q) {
  return a > (q >> 1) ? static_cast<int64_t>(a) - static_cast<int64_t>(q) : static_cast<int64_t>(a);
}

}  // namespace hnn::rns
