// AVX-512 IFMA building blocks shared by the vector kernels of rns/, ntt/ and ckks/ (internal:
// include only from files compiled with -mavx512f -mavx512dq -mavx512ifma, which the build does
// through hnn_avx512_sources(); callers check rns::avx512_ifma_enabled() before calling in).
//
// Every function gives the words of its scalar twin in hnn/rns/modarith.h: the 64-bit high product
// is rns::mul_hi_from_52bit_parts, lane by lane.
#pragma once
#if !defined(__AVX512IFMA__) || !defined(__AVX512DQ__)
#error "avx512_ifma.h needs -mavx512f -mavx512dq -mavx512ifma"
#endif
// GCC 12 reports its own _mm512_undefined_epi32 (a self-initialised placeholder) as used
// uninitialised wherever a masked intrinsic inlines it; the warnings say nothing about our code.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#include <cstdint>

#include "hnn/rns/modarith.h"

namespace hnn::rns::avx512 {

using V = __m512i;

inline V set1(uint64_t x) { return _mm512_set1_epi64(static_cast<long long>(x)); }
inline V load(const uint64_t* p) { return _mm512_loadu_si512(p); }
inline void store(uint64_t* p, V v) { _mm512_storeu_si512(p, v); }

// x >= bound ? x - bound : x for any x (unsigned: x - bound wraps above x when x < bound).
inline V reduce_once(V x, V bound) { return _mm512_min_epu64(x, _mm512_sub_epi64(x, bound)); }

// floor(a b / 2^64), exact for all 64-bit a and b; b_hi = b >> 52 (see mul_hi_from_52bit_parts:
// X collects the 2^52 column, Y the 2^104 column). VPMADD52 reads the low 52 bits of its
// operands, so a and b need no masking.
inline V mul_hi64(V a, V b, V b_hi) {
  const V zero = _mm512_setzero_si512();
  const V a_hi = _mm512_srli_epi64(a, 52);
  V x = _mm512_madd52hi_epu64(zero, a, b);
  x = _mm512_madd52lo_epu64(x, a, b_hi);
  x = _mm512_madd52lo_epu64(x, a_hi, b);
  V y = _mm512_madd52hi_epu64(zero, a, b_hi);
  y = _mm512_madd52hi_epu64(y, a_hi, b);
  y = _mm512_madd52lo_epu64(y, a_hi, b_hi);
  return _mm512_add_epi64(_mm512_srli_epi64(x, 12), _mm512_slli_epi64(y, 40));
}

// Multiplication by w with its Shoup companion ws = floor(w 2^64 / q): rns::mul_shoup_lazy
// exactly ([0, 2q), any a < 2^64, any q < 2^63).
struct ShoupMul {
  V w, ws, ws_hi;
  ShoupMul(V w_, V ws_) : w(w_), ws(ws_), ws_hi(_mm512_srli_epi64(ws_, 52)) {}
  ShoupMul(uint64_t w_, uint64_t ws_) : ShoupMul(set1(w_), set1(ws_)) {}
  V lazy(V a, V q) const {
    const V quotient = mul_hi64(a, ws, ws_hi);
    return _mm512_sub_epi64(_mm512_mullo_epi64(a, w), _mm512_mullo_epi64(quotient, q));
  }
  V full(V a, V q) const { return reduce_once(lazy(a, q), q); }  // rns::mul_shoup
};

// Sums of products of words below q < 2^61, unreduced, in three 52-bit columns: for a = a1 2^52
// + a0 and b = b1 2^52 + b0 (a1, b1 < 2^9), a b = lo52(a0 b0) + [hi52(a0 b0) + lo52(a0 b1) +
// lo52(a1 b0)] 2^52 + [hi52(a0 b1) + hi52(a1 b0) + a1 b1] 2^104. Each product adds below 2^52 to
// c0, 3 * 2^52 to c1 and 2^19 to c2, so 1024 products fit the 64-bit columns.
struct Columns {
  V c0, c1, c2;
  static Columns zero() {
    const V z = _mm512_setzero_si512();
    return {z, z, z};
  }
  // += a b, with a_hi = a >> 52 and b_hi = b >> 52 given (a is often shared by two sums).
  void add(V a, V a_hi, V b, V b_hi) {
    c0 = _mm512_madd52lo_epu64(c0, a, b);
    c1 = _mm512_madd52hi_epu64(c1, a, b);
    c1 = _mm512_madd52lo_epu64(c1, a, b_hi);
    c1 = _mm512_madd52lo_epu64(c1, a_hi, b);
    c2 = _mm512_madd52hi_epu64(c2, a, b_hi);
    c2 = _mm512_madd52hi_epu64(c2, a_hi, b);
    c2 = _mm512_madd52lo_epu64(c2, a_hi, b_hi);
  }
  // += a b for a and b below 2^52 (no high parts): the products below 2^104 fill c0 and c1.
  void add_small(V a, V b) {
    c0 = _mm512_madd52lo_epu64(c0, a, b);
    c1 = _mm512_madd52hi_epu64(c1, a, b);
  }
  // += a b for a below 2^52 (its high part zero), b_hi = b >> 52: add() without a_hi's products.
  void add_low(V a, V b, V b_hi) {
    c0 = _mm512_madd52lo_epu64(c0, a, b);
    c1 = _mm512_madd52hi_epu64(c1, a, b);
    c1 = _mm512_madd52lo_epu64(c1, a, b_hi);
    c2 = _mm512_madd52hi_epu64(c2, a, b_hi);
  }
};

// (c0 + c1 2^52 + c2 2^104) mod q in [0, q), for q < 2^61: c0 + c1 (2^52 mod q) + c2 (2^104 mod
// q), each product by Shoup ([0, 2q)), so the sum stays below 6q < 2^64.
struct ColumnReducer {
  V q, two_q, four_q;
  ShoupMul one, r52, r104;
  // powers: 2^52 mod q, its Shoup companion, 2^104 mod q, its Shoup companion
  // (detail::column_powers in simd_kernels.h); floor(2^64 / q) is the high word of Barrett's ratio.
  ColumnReducer(const Modulus& m, const uint64_t* powers)
      : q(set1(m.value)), two_q(set1(2 * m.value)), four_q(set1(4 * m.value)), one(1, m.ratio_hi),
        r52(powers[0], powers[1]), r104(powers[2], powers[3]) {}
  V operator()(const Columns& s) const {
    V t = _mm512_add_epi64(one.lazy(s.c0, q), r52.lazy(s.c1, q));
    t = _mm512_add_epi64(t, r104.lazy(s.c2, q));
    return reduce_once(reduce_once(reduce_once(t, four_q), two_q), q);
  }
};

}  // namespace hnn::rns::avx512
