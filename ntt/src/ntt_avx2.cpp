// AVX2 NTT kernels: four butterflies per instruction stream, bit-identical to the portable loops
// (the same Shoup/Harvey arithmetic, with the exact 64x64 high product built from 32-bit
// multiplies, since AVX2 has no 64-bit multiply-high). Compiled with -mavx2 and called only when
// the CPU reports AVX2 (ntt.cpp dispatches at run time).
#include <immintrin.h>

#include "hnn/ntt/butterfly.h"
#include "ntt_kernels.h"

namespace hnn::ntt::detail {
namespace {

struct Const64 {
  __m256i v, hi;  // the value and its high 32 bits (for the 32x32 partial products)
  explicit Const64(uint64_t x) : v(_mm256_set1_epi64x(static_cast<long long>(x))),
                                 hi(_mm256_set1_epi64x(static_cast<long long>(x >> 32))) {}
};

const __m256i kLow32 = _mm256_set1_epi64x(0xffffffffLL);

// floor(a * b / 2^64), exact, from the four 32x32-bit partial products.
inline __m256i mul_hi_parts(__m256i a, __m256i a_hi, __m256i b, __m256i b_hi) {
  const __m256i ll = _mm256_mul_epu32(a, b);
  const __m256i lh = _mm256_mul_epu32(a, b_hi);
  const __m256i hl = _mm256_mul_epu32(a_hi, b);
  const __m256i hh = _mm256_mul_epu32(a_hi, b_hi);
  __m256i mid = _mm256_add_epi64(_mm256_srli_epi64(ll, 32), _mm256_and_si256(lh, kLow32));
  mid = _mm256_add_epi64(mid, _mm256_and_si256(hl, kLow32));
  __m256i hi = _mm256_add_epi64(hh, _mm256_srli_epi64(lh, 32));
  hi = _mm256_add_epi64(hi, _mm256_srli_epi64(hl, 32));
  return _mm256_add_epi64(hi, _mm256_srli_epi64(mid, 32));
}

inline __m256i mul_hi(__m256i a, __m256i a_hi, const Const64& b) { return mul_hi_parts(a, a_hi, b.v, b.hi); }

// a * b mod 2^64.
inline __m256i mul_lo(__m256i a, __m256i a_hi, const Const64& b) {
  const __m256i ll = _mm256_mul_epu32(a, b.v);
  const __m256i cross = _mm256_add_epi64(_mm256_mul_epu32(a, b.hi), _mm256_mul_epu32(a_hi, b.v));
  return _mm256_add_epi64(ll, _mm256_slli_epi64(cross, 32));
}

inline __m256i mul_lo_var(__m256i a, __m256i b) {
  const __m256i a_hi = _mm256_srli_epi64(a, 32), b_hi = _mm256_srli_epi64(b, 32);
  const __m256i ll = _mm256_mul_epu32(a, b);
  const __m256i cross = _mm256_add_epi64(_mm256_mul_epu32(a, b_hi), _mm256_mul_epu32(a_hi, b));
  return _mm256_add_epi64(ll, _mm256_slli_epi64(cross, 32));
}

// a * w mod q in [0, 2q) (rns::mul_shoup_lazy), any a < 2^64 with a < 2^63 here.
inline __m256i shoup_lazy(__m256i a, const Const64& w, const Const64& w_shoup, const Const64& q) {
  const __m256i a_hi = _mm256_srli_epi64(a, 32);
  const __m256i quotient = mul_hi(a, a_hi, w_shoup);
  return _mm256_sub_epi64(mul_lo(a, a_hi, w), mul_lo_var(quotient, q.v));
}

// The same with a different twiddle in each lane (the last stages, where groups are short).
inline __m256i mul_hi_var(__m256i a, __m256i a_hi, __m256i b) {
  return mul_hi_parts(a, a_hi, b, _mm256_srli_epi64(b, 32));
}
inline __m256i shoup_lazy_var(__m256i a, __m256i w, __m256i w_shoup, const Const64& q) {
  const __m256i a_hi = _mm256_srli_epi64(a, 32);
  const __m256i quotient = mul_hi_var(a, a_hi, w_shoup);
  return _mm256_sub_epi64(mul_lo_var(a, w), mul_lo_var(quotient, q.v));
}

// x >= bound ? x - bound : x, for values below 2^63 (signed compare is exact there).
inline __m256i reduce_once(__m256i x, __m256i bound, __m256i bound_minus_1) {
  const __m256i ge = _mm256_cmpgt_epi64(x, bound_minus_1);
  return _mm256_sub_epi64(x, _mm256_and_si256(ge, bound));
}

inline __m256i load(const uint64_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
// Twiddles of the gap-2 stage, one per group of 4 words: [w_i, w_i, w_i+1, w_i+1].
inline __m256i load_twiddle_pairs(const uint64_t* w) {
  return _mm256_permute4x64_epi64(_mm256_castsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w))), 0x50);
}
// Twiddles of the gap-1 stage in the lane order of unpacklo/hi: groups (i, i+2, i+1, i+3).
inline __m256i load_twiddles_interleaved(const uint64_t* w) {
  return _mm256_permute4x64_epi64(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(w)), 0xD8);
}

inline void store(uint64_t* p, __m256i v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v); }

}  // namespace

void forward_limb_avx2(uint64_t* a, const NttTables& t) {
  const std::size_t n = t.n();
  const uint64_t q = t.modulus().value;
  const uint64_t* w = t.root_powers();
  const uint64_t* ws = t.root_powers_shoup();
  const Const64 qv(q);
  const __m256i two_q = _mm256_set1_epi64x(static_cast<long long>(2 * q));
  const __m256i two_q_m1 = _mm256_set1_epi64x(static_cast<long long>(2 * q - 1));
  std::size_t gap = n >> 1, m = 1;
  for (; gap >= 4; m <<= 1, gap >>= 1) {
    for (std::size_t i = 0; i < m; ++i) {
      uint64_t* x = a + 2 * i * gap;
      uint64_t* y = x + gap;
      const Const64 wi(w[m + i]), wsi(ws[m + i]);
      for (std::size_t j = 0; j < gap; j += 4) {
        const __m256i u = reduce_once(load(x + j), two_q, two_q_m1);
        const __m256i v = shoup_lazy(load(y + j), wi, wsi, qv);
        store(x + j, _mm256_add_epi64(u, v));
        store(y + j, _mm256_add_epi64(_mm256_sub_epi64(u, v), two_q));
      }
    }
  }
  // gap = 2: two groups per pair of vectors, twiddles [w_i, w_i, w_i+1, w_i+1].
  for (std::size_t i = 0; i < m; i += 2) {
    uint64_t* p = a + 4 * i;
    const __m256i A = load(p), B = load(p + 4);
    const __m256i x = _mm256_permute2x128_si256(A, B, 0x20), y = _mm256_permute2x128_si256(A, B, 0x31);
    const __m256i wv = load_twiddle_pairs(w + m + i);
    const __m256i wsv = load_twiddle_pairs(ws + m + i);
    const __m256i u = reduce_once(x, two_q, two_q_m1);
    const __m256i v = shoup_lazy_var(y, wv, wsv, qv);
    const __m256i xo = _mm256_add_epi64(u, v), yo = _mm256_add_epi64(_mm256_sub_epi64(u, v), two_q);
    store(p, _mm256_permute2x128_si256(xo, yo, 0x20));
    store(p + 4, _mm256_permute2x128_si256(xo, yo, 0x31));
  }
  m <<= 1;
  // gap = 1, fused with the final reduction to [0, q): lanes hold groups (i, i+2, i+1, i+3).
  const __m256i q_v = qv.v;
  const __m256i q_m1 = _mm256_set1_epi64x(static_cast<long long>(q - 1));
  for (std::size_t i = 0; i < m; i += 4) {
    uint64_t* p = a + 2 * i;
    const __m256i A = load(p), B = load(p + 4);
    const __m256i x = _mm256_unpacklo_epi64(A, B), y = _mm256_unpackhi_epi64(A, B);
    const __m256i wv = load_twiddles_interleaved(w + m + i);
    const __m256i wsv = load_twiddles_interleaved(ws + m + i);
    const __m256i u = reduce_once(x, two_q, two_q_m1);
    const __m256i v = shoup_lazy_var(y, wv, wsv, qv);
    __m256i xo = _mm256_add_epi64(u, v), yo = _mm256_add_epi64(_mm256_sub_epi64(u, v), two_q);
    xo = reduce_once(reduce_once(xo, two_q, two_q_m1), q_v, q_m1);
    yo = reduce_once(reduce_once(yo, two_q, two_q_m1), q_v, q_m1);
    store(p, _mm256_unpacklo_epi64(xo, yo));
    store(p + 4, _mm256_unpackhi_epi64(xo, yo));
  }
}

void inverse_limb_avx2(uint64_t* a, const NttTables& t) {
  const std::size_t n = t.n();
  const uint64_t q = t.modulus().value;
  const uint64_t* w = t.inv_root_powers();
  const uint64_t* ws = t.inv_root_powers_shoup();
  const Const64 qv(q);
  const __m256i two_q = _mm256_set1_epi64x(static_cast<long long>(2 * q));
  const __m256i two_q_m1 = _mm256_set1_epi64x(static_cast<long long>(2 * q - 1));
  std::size_t m = n >> 1;
  // gap = 1: lanes hold groups (i, i+2, i+1, i+3).
  for (std::size_t i = 0; i < m; i += 4) {
    uint64_t* p = a + 2 * i;
    const __m256i A = load(p), B = load(p + 4);
    const __m256i u = _mm256_unpacklo_epi64(A, B), v = _mm256_unpackhi_epi64(A, B);
    const __m256i wv = load_twiddles_interleaved(w + m + i);
    const __m256i wsv = load_twiddles_interleaved(ws + m + i);
    const __m256i xo = reduce_once(_mm256_add_epi64(u, v), two_q, two_q_m1);
    const __m256i yo = shoup_lazy_var(_mm256_add_epi64(_mm256_sub_epi64(u, v), two_q), wv, wsv, qv);
    store(p, _mm256_unpacklo_epi64(xo, yo));
    store(p + 4, _mm256_unpackhi_epi64(xo, yo));
  }
  m >>= 1;
  // gap = 2: twiddles [w_i, w_i, w_i+1, w_i+1].
  for (std::size_t i = 0; i < m; i += 2) {
    uint64_t* p = a + 4 * i;
    const __m256i A = load(p), B = load(p + 4);
    const __m256i u = _mm256_permute2x128_si256(A, B, 0x20), v = _mm256_permute2x128_si256(A, B, 0x31);
    const __m256i wv = load_twiddle_pairs(w + m + i);
    const __m256i wsv = load_twiddle_pairs(ws + m + i);
    const __m256i xo = reduce_once(_mm256_add_epi64(u, v), two_q, two_q_m1);
    const __m256i yo = shoup_lazy_var(_mm256_add_epi64(_mm256_sub_epi64(u, v), two_q), wv, wsv, qv);
    store(p, _mm256_permute2x128_si256(xo, yo, 0x20));
    store(p + 4, _mm256_permute2x128_si256(xo, yo, 0x31));
  }
  m >>= 1;
  std::size_t gap = 4;
  for (; m >= 2; m >>= 1, gap <<= 1) {
    for (std::size_t i = 0; i < m; ++i) {
      uint64_t* x = a + 2 * i * gap;
      uint64_t* y = x + gap;
      const Const64 wi(w[m + i]), wsi(ws[m + i]);
      for (std::size_t j = 0; j < gap; j += 4) {
        const __m256i u = load(x + j), v = load(y + j);
        store(x + j, reduce_once(_mm256_add_epi64(u, v), two_q, two_q_m1));
        store(y + j, shoup_lazy(_mm256_add_epi64(_mm256_sub_epi64(u, v), two_q), wi, wsi, qv));
      }
    }
  }
  // Last stage fused with N^{-1}, as in the portable path.
  const Const64 inv_nv(t.inv_n()), inv_nsv(t.inv_n_shoup()), wnv(t.inv_n_root1()), wnsv(t.inv_n_root1_shoup());
  const __m256i q_m1 = _mm256_set1_epi64x(static_cast<long long>(q - 1));
  uint64_t* x = a;
  uint64_t* y = a + gap;
  for (std::size_t j = 0; j < gap; j += 4) {
    const __m256i u = load(x + j), v = load(y + j);
    const __m256i s = shoup_lazy(_mm256_add_epi64(u, v), inv_nv, inv_nsv, qv);
    const __m256i d = shoup_lazy(_mm256_add_epi64(_mm256_sub_epi64(u, v), two_q), wnv, wnsv, qv);
    store(x + j, reduce_once(s, qv.v, q_m1));
    store(y + j, reduce_once(d, qv.v, q_m1));
  }
}

}  // namespace hnn::ntt::detail
