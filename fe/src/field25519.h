// Arithmetic in GF(2^255 - 19), radix 2^51 (five 64-bit limbs, 128-bit products).
//
// Internal to hnn::fe. libsodium's public API exposes ristretto255 only on 32-byte encodings, so a
// point addition through it costs a decode and an encode (two inverse square roots, ~10 us); the
// multi-exponentiations and baby-step giant-step searches of FEIP decryption need ~10^5 additions
// per MNIST sample, so we keep points in extended coordinates and do the field arithmetic here.
// Every result is cross-checked against libsodium in tests/fe/test_ristretto255.cpp.
// All functions are branch-free on their inputs (constant time) unless named *_vartime.
#pragma once
#include <cstdint>
#include <cstring>

namespace hnn::fe::detail {

using u128 = unsigned __int128;
inline constexpr uint64_t kMask51 = (uint64_t{1} << 51) - 1;

struct Fe {
  uint64_t v[5];
};

inline constexpr Fe fe_zero() { return Fe{{0, 0, 0, 0, 0}}; }
inline constexpr Fe fe_one() { return Fe{{1, 0, 0, 0, 0}}; }

// Weak reduction: limbs below 2^51 + 2^13 afterwards.
inline void fe_carry(Fe& a) {
  uint64_t c;
  c = a.v[0] >> 51; a.v[0] &= kMask51; a.v[1] += c;
  c = a.v[1] >> 51; a.v[1] &= kMask51; a.v[2] += c;
  c = a.v[2] >> 51; a.v[2] &= kMask51; a.v[3] += c;
  c = a.v[3] >> 51; a.v[3] &= kMask51; a.v[4] += c;
  c = a.v[4] >> 51; a.v[4] &= kMask51; a.v[0] += 19 * c;
}

inline Fe fe_add(const Fe& a, const Fe& b) {
  Fe r;
  for (int i = 0; i < 5; ++i) r.v[i] = a.v[i] + b.v[i];
  fe_carry(r);
  return r;
}

// a - b computed as a + 2p - b; inputs are weakly reduced, so no limb underflows.
inline Fe fe_sub(const Fe& a, const Fe& b) {
  Fe r;
  r.v[0] = a.v[0] + 0xFFFFFFFFFFFDAULL - b.v[0];
  r.v[1] = a.v[1] + 0xFFFFFFFFFFFFEULL - b.v[1];
  r.v[2] = a.v[2] + 0xFFFFFFFFFFFFEULL - b.v[2];
  r.v[3] = a.v[3] + 0xFFFFFFFFFFFFEULL - b.v[3];
  r.v[4] = a.v[4] + 0xFFFFFFFFFFFFEULL - b.v[4];
  fe_carry(r);
  return r;
}

inline Fe fe_neg(const Fe& a) { return fe_sub(fe_zero(), a); }

inline Fe fe_mul(const Fe& a, const Fe& b) {
  const uint64_t b1 = 19 * b.v[1], b2 = 19 * b.v[2], b3 = 19 * b.v[3], b4 = 19 * b.v[4];
  u128 r0 = (u128)a.v[0] * b.v[0] + (u128)a.v[1] * b4 + (u128)a.v[2] * b3 + (u128)a.v[3] * b2 +
            (u128)a.v[4] * b1;
  u128 r1 = (u128)a.v[0] * b.v[1] + (u128)a.v[1] * b.v[0] + (u128)a.v[2] * b4 +
            (u128)a.v[3] * b3 + (u128)a.v[4] * b2;
  u128 r2 = (u128)a.v[0] * b.v[2] + (u128)a.v[1] * b.v[1] + (u128)a.v[2] * b.v[0] +
            (u128)a.v[3] * b4 + (u128)a.v[4] * b3;
  u128 r3 = (u128)a.v[0] * b.v[3] + (u128)a.v[1] * b.v[2] + (u128)a.v[2] * b.v[1] +
            (u128)a.v[3] * b.v[0] + (u128)a.v[4] * b4;
  u128 r4 = (u128)a.v[0] * b.v[4] + (u128)a.v[1] * b.v[3] + (u128)a.v[2] * b.v[2] +
            (u128)a.v[3] * b.v[1] + (u128)a.v[4] * b.v[0];
  Fe r;
  r1 += (uint64_t)(r0 >> 51); r.v[0] = (uint64_t)r0 & kMask51;
  r2 += (uint64_t)(r1 >> 51); r.v[1] = (uint64_t)r1 & kMask51;
  r3 += (uint64_t)(r2 >> 51); r.v[2] = (uint64_t)r2 & kMask51;
  r4 += (uint64_t)(r3 >> 51); r.v[3] = (uint64_t)r3 & kMask51;
  const uint64_t c = (uint64_t)(r4 >> 51);
  r.v[4] = (uint64_t)r4 & kMask51;
  r.v[0] += 19 * c;
  r.v[1] += r.v[0] >> 51;
  r.v[0] &= kMask51;
  return r;
}

inline Fe fe_sq(const Fe& a) {
  const uint64_t d0 = 2 * a.v[0], d1 = 2 * a.v[1];
  const uint64_t a3_19 = 19 * a.v[3], a4_19 = 19 * a.v[4];
  u128 r0 = (u128)a.v[0] * a.v[0] + (u128)(2 * a.v[1]) * a4_19 + (u128)(2 * a.v[2]) * a3_19;
  u128 r1 = (u128)d0 * a.v[1] + (u128)(2 * a.v[2]) * a4_19 + (u128)a.v[3] * a3_19;
  u128 r2 = (u128)d0 * a.v[2] + (u128)a.v[1] * a.v[1] + (u128)(2 * a.v[3]) * a4_19;
  u128 r3 = (u128)d0 * a.v[3] + (u128)d1 * a.v[2] + (u128)a.v[4] * a4_19;
  u128 r4 = (u128)d0 * a.v[4] + (u128)d1 * a.v[3] + (u128)a.v[2] * a.v[2];
  Fe r;
  r1 += (uint64_t)(r0 >> 51); r.v[0] = (uint64_t)r0 & kMask51;
  r2 += (uint64_t)(r1 >> 51); r.v[1] = (uint64_t)r1 & kMask51;
  r3 += (uint64_t)(r2 >> 51); r.v[2] = (uint64_t)r2 & kMask51;
  r4 += (uint64_t)(r3 >> 51); r.v[3] = (uint64_t)r3 & kMask51;
  const uint64_t c = (uint64_t)(r4 >> 51);
  r.v[4] = (uint64_t)r4 & kMask51;
  r.v[0] += 19 * c;
  r.v[1] += r.v[0] >> 51;
  r.v[0] &= kMask51;
  return r;
}

inline Fe fe_sq_n(Fe a, int n) {
  for (int i = 0; i < n; ++i) a = fe_sq(a);
  return a;
}

// Canonical little-endian encoding (fully reduced below p).
inline void fe_to_bytes(uint8_t out[32], const Fe& in) {
  Fe t = in;
  fe_carry(t);
  fe_carry(t);
  // q = 1 iff t >= p: add 19 and look at bit 255.
  uint64_t q = (t.v[0] + 19) >> 51;
  q = (t.v[1] + q) >> 51;
  q = (t.v[2] + q) >> 51;
  q = (t.v[3] + q) >> 51;
  q = (t.v[4] + q) >> 51;
  t.v[0] += 19 * q;
  t.v[1] += t.v[0] >> 51; t.v[0] &= kMask51;
  t.v[2] += t.v[1] >> 51; t.v[1] &= kMask51;
  t.v[3] += t.v[2] >> 51; t.v[2] &= kMask51;
  t.v[4] += t.v[3] >> 51; t.v[3] &= kMask51;
  t.v[4] &= kMask51;
  const uint64_t w0 = t.v[0] | (t.v[1] << 51);
  const uint64_t w1 = (t.v[1] >> 13) | (t.v[2] << 38);
  const uint64_t w2 = (t.v[2] >> 26) | (t.v[3] << 25);
  const uint64_t w3 = (t.v[3] >> 39) | (t.v[4] << 12);
  const uint64_t w[4] = {w0, w1, w2, w3};
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 8; ++j) out[8 * i + j] = static_cast<uint8_t>(w[i] >> (8 * j));
}

// Loads 255 bits (the top bit is ignored; callers that need canonical input re-encode and compare).
inline Fe fe_from_bytes(const uint8_t in[32]) {
  uint64_t w[4];
  for (int i = 0; i < 4; ++i) {
    w[i] = 0;
    for (int j = 0; j < 8; ++j) w[i] |= uint64_t{in[8 * i + j]} << (8 * j);
  }
  Fe r;
  r.v[0] = w[0] & kMask51;
  r.v[1] = ((w[0] >> 51) | (w[1] << 13)) & kMask51;
  r.v[2] = ((w[1] >> 38) | (w[2] << 26)) & kMask51;
  r.v[3] = ((w[2] >> 25) | (w[3] << 39)) & kMask51;
  r.v[4] = (w[3] >> 12) & kMask51;
  return r;
}

inline bool fe_is_negative(const Fe& a) {
  uint8_t s[32];
  fe_to_bytes(s, a);
  return s[0] & 1;
}

inline bool fe_is_zero(const Fe& a) {
  uint8_t s[32];
  fe_to_bytes(s, a);
  uint8_t acc = 0;
  for (uint8_t b : s) acc |= b;
  return acc == 0;
}

inline bool fe_equal(const Fe& a, const Fe& b) { return fe_is_zero(fe_sub(a, b)); }

// r = b when flag is true, else unchanged; branch-free.
inline void fe_cmov(Fe& r, const Fe& b, bool flag) {
  const uint64_t mask = uint64_t{0} - static_cast<uint64_t>(flag);
  for (int i = 0; i < 5; ++i) r.v[i] ^= mask & (r.v[i] ^ b.v[i]);
}

inline Fe fe_abs(const Fe& a) {
  Fe r = a;
  fe_cmov(r, fe_neg(a), fe_is_negative(a));
  return r;
}

// z^(2^250 - 1), the common prefix of the inversion and square-root chains (ref10's chain).
inline Fe fe_pow_2_250_minus_1(const Fe& z, Fe& z11) {
  const Fe z2 = fe_sq(z);
  const Fe z8 = fe_sq_n(z2, 2);
  const Fe z9 = fe_mul(z8, z);
  z11 = fe_mul(z9, z2);
  const Fe z2_5_0 = fe_mul(fe_sq(z11), z9);
  const Fe z2_10_0 = fe_mul(fe_sq_n(z2_5_0, 5), z2_5_0);
  const Fe z2_20_0 = fe_mul(fe_sq_n(z2_10_0, 10), z2_10_0);
  const Fe z2_40_0 = fe_mul(fe_sq_n(z2_20_0, 20), z2_20_0);
  const Fe z2_50_0 = fe_mul(fe_sq_n(z2_40_0, 10), z2_10_0);
  const Fe z2_100_0 = fe_mul(fe_sq_n(z2_50_0, 50), z2_50_0);
  const Fe z2_200_0 = fe_mul(fe_sq_n(z2_100_0, 100), z2_100_0);
  return fe_mul(fe_sq_n(z2_200_0, 50), z2_50_0);
}

// z^(p-2) = z^-1 (0 maps to 0).
inline Fe fe_invert(const Fe& z) {
  Fe z11;
  const Fe t = fe_pow_2_250_minus_1(z, z11);
  return fe_mul(fe_sq_n(t, 5), z11);
}

// z^((p-5)/8) = z^(2^252 - 3).
inline Fe fe_pow22523(const Fe& z) {
  Fe z11;
  const Fe t = fe_pow_2_250_minus_1(z, z11);
  return fe_mul(fe_sq_n(t, 2), z);
}

}  // namespace hnn::fe::detail
