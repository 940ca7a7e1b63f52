// AVX-512 IFMA kernels of rns/: the two-output multiply-accumulate (key switching, linear
// transforms) and a block of base conversion. Same words as the portable loops (outputs fully
// reduced; the overflow count rounded as std::llround does).
#include <algorithm>

#include "avx512_ifma.h"
#include "hnn/rns/error.h"
#include "simd_kernels.h"

namespace hnn::rns::detail {

using namespace avx512;

namespace {
template <std::size_t G>
void repeat_each(const uint64_t* in, uint64_t* out, std::size_t len) {
  for (std::size_t c = 0; c < len; ++c) out[c] = in[c / G];
}
// out[c] = in[c / g] for c < len.
void repeat_into(const uint64_t* in, uint64_t* out, std::size_t len, std::size_t g) {
  switch (g) {
    case 2: return repeat_each<2>(in, out, len);
    case 4: return repeat_each<4>(in, out, len);
    case 8: return repeat_each<8>(in, out, len);
    default:
      for (std::size_t c = 0; c < len; ++c) out[c] = in[c / g];
  }
}
}  // namespace

// Terms are taken two at a time, so that the block's column sums make one round trip through L1
// per pair of terms instead of per term. On this project's Zen 4 VM (2^16 words, 24 limbs, 3 to 12
// terms) that measured 16-23 % faster at one thread than one term per pass; three at a time
// measured the same as two, four slower.
void dot2_mod_avx512(std::size_t terms, const uint64_t* const* s, const uint64_t* const* u, const uint64_t* const* v,
                     const uint32_t* perm, std::size_t repeat, std::size_t n, const Modulus& q, uint64_t* out0,
                     uint64_t* out1) {
  if (terms == 0) {
    std::fill(out0, out0 + n, 0);
    std::fill(out1, out1 + n, 0);
    return;
  }
  constexpr std::size_t kBlock = 512, kPair = 2;
  alignas(64) uint64_t acc[6][kBlock];
  alignas(64) uint64_t gathered[kPair][kBlock];
  uint64_t powers[4];
  column_powers(q.value, powers);
  const ColumnReducer reduce(q, powers);
  for (std::size_t start = 0; start < n; start += kBlock) {
    const std::size_t len = std::min(kBlock, n - start);  // a multiple of 8 (n is)
    for (std::size_t t0 = 0; t0 < terms; t0 += kPair) {
      const std::size_t count = std::min(kPair, terms - t0);
      const uint64_t* x[kPair];
      const uint64_t* b[kPair];
      const uint64_t* a[kPair];
      for (std::size_t k = 0; k < count; ++k) {
        const std::size_t t = t0 + k;
        x[k] = s[t] + start;
        if (perm) {  // gathered once into a block, then read as a stream
          const uint32_t* pm = perm + start;
          for (std::size_t c = 0; c < len; ++c) gathered[k][c] = s[t][pm[c]];
          x[k] = gathered[k];
        } else if (repeat > 1) {  // each word repeated into the block (constant counts vectorise)
          repeat_into(s[t] + start / repeat, gathered[k], len, repeat);
          x[k] = gathered[k];
        }
        b[k] = u[t] + start;
        a[k] = v[t] + start;
      }
      const bool first = t0 == 0, last = t0 + count == terms;
      for (std::size_t c = 0; c < len; c += 8) {
        Columns s0 = Columns::zero(), s1 = Columns::zero();
        if (!first) {
          s0 = {load(acc[0] + c), load(acc[1] + c), load(acc[2] + c)};
          s1 = {load(acc[3] + c), load(acc[4] + c), load(acc[5] + c)};
        }
        for (std::size_t k = 0; k < count; ++k) {
          const V w = load(x[k] + c), w_hi = _mm512_srli_epi64(w, 52);
          const V kb = load(b[k] + c), ka = load(a[k] + c);
          s0.add(w, w_hi, kb, _mm512_srli_epi64(kb, 52));
          s1.add(w, w_hi, ka, _mm512_srli_epi64(ka, 52));
        }
        if (last) {
          store(out0 + start + c, reduce(s0));
          store(out1 + start + c, reduce(s1));
        } else {
          store(acc[0] + c, s0.c0), store(acc[1] + c, s0.c1), store(acc[2] + c, s0.c2);
          store(acc[3] + c, s1.c0), store(acc[4] + c, s1.c1), store(acc[5] + c, s1.c2);
        }
      }
    }
  }
}

// a b = hi 2^64 + lo with hi < 2^58 (a, b < q < 2^61): a b mod q = (hi (2^64 mod q) + lo) mod q,
// the first product by Shoup, lo by Shoup's reduction with w = 1 (quotient floor(lo floor(2^64 / q)
// / 2^64)), each into [0, 2q); their sum below 4q is reduced twice. floor(2^64 / q) is q.ratio_hi,
// so 2^64 mod q = -ratio_hi q mod 2^64.
void mul_mod_words_avx512(const uint64_t* a, const uint64_t* b, uint64_t* out, std::size_t n, const Modulus& q,
                          bool accumulate) {
  const uint64_t r64 = 0 - q.ratio_hi * q.value;
  const ShoupMul by_r64(r64, shoup_precompute(r64, q.value));
  const V one_shoup = set1(q.ratio_hi), one_shoup_hi = _mm512_srli_epi64(one_shoup, 52);
  const V qv = set1(q.value), two_q = set1(2 * q.value);
  for (std::size_t c = 0; c < n; c += 8) {
    const V x = load(a + c), y = load(b + c);
    const V y_hi = _mm512_srli_epi64(y, 52);
    const V lo = _mm512_mullo_epi64(x, y), hi = mul_hi64(x, y, y_hi);
    const V lo_r = _mm512_sub_epi64(lo, _mm512_mullo_epi64(mul_hi64(lo, one_shoup, one_shoup_hi), qv));
    V r = reduce_once(reduce_once(_mm512_add_epi64(by_r64.lazy(hi, qv), lo_r), two_q), qv);
    if (accumulate) r = reduce_once(_mm512_add_epi64(r, load(out + c)), qv);
    store(out + c, r);
  }
}

void mul_shoup_words_avx512(const uint64_t* a, uint64_t* out, std::size_t n, uint64_t w, uint64_t w_shoup,
                            uint64_t q) {
  const ShoupMul mul(w, w_shoup);
  const V qv = set1(q);
  for (std::size_t c = 0; c < n; c += 8) store(out + c, mul.full(load(a + c), qv));
}

void sub_mul_shoup_words_avx512(const uint64_t* x, const uint64_t* y, uint64_t* out, std::size_t n,
                                uint64_t w, uint64_t w_shoup, uint64_t q) {
  const ShoupMul mul(w, w_shoup);
  const V qv = set1(q);
  for (std::size_t c = 0; c < n; c += 8)
    store(out + c, mul.full(_mm512_sub_epi64(_mm512_add_epi64(load(x + c), qv), load(y + c)), qv));
}

// The quotient from doubles, then the remainder in exact integer arithmetic. fl(v) is within
// 2^9 of v (|v| < 2^63) and fl(fl(v) fl(1/q)) within |v / q| 2^-52 of fl(v) / q, so the estimate
// is within 2^9 / q + 2^11 / q < 1 of v / q for q >= 2^12: its floor k is floor(v / q) - 1, + 0
// or + 1, and v - k q (exact modulo 2^64, and in [-q, 2q)) needs one correction each way.
void signed_residue_words_avx512(const int64_t* v, uint64_t* out, std::size_t n, uint64_t q) {
  const __m512d inv = _mm512_set1_pd(1.0 / static_cast<double>(q));
  const V qv = set1(q), zero = _mm512_setzero_si512();
  for (std::size_t c = 0; c < n; c += 8) {
    const V x = load(reinterpret_cast<const uint64_t*>(v + c));
    const __m512d est = _mm512_roundscale_pd(_mm512_mul_pd(_mm512_cvtepi64_pd(x), inv),
                                             _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
    V r = _mm512_sub_epi64(x, _mm512_mullo_epi64(_mm512_cvtpd_epi64(est), qv));
    r = _mm512_mask_add_epi64(r, _mm512_cmplt_epi64_mask(r, zero), r, qv);
    r = _mm512_mask_sub_epi64(r, _mm512_cmpge_epi64_mask(r, qv), r, qv);
    store(out + c, r);
  }
}

void add_mul_shoup_words_avx512(uint64_t* acc, const uint64_t* a, const uint32_t* perm, std::size_t n,
                                uint64_t w, uint64_t w_shoup, uint64_t q) {
  const ShoupMul mul(w, w_shoup);
  const V qv = set1(q);
  for (std::size_t c = 0; c < n; c += 8) {
    const V x = perm ? _mm512_i32gather_epi64(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(perm + c)),
                                              reinterpret_cast<const long long*>(a), 8)
                     : load(a + c);
    store(acc + c, reduce_once(_mm512_add_epi64(load(acc + c), mul.full(x, qv)), qv));
  }
}

void base_convert_block_avx512(const BaseConvertTables& t, bool centered, const uint64_t* in, std::size_t in_stride,
                               uint64_t* out, std::size_t out_stride, std::size_t gap_at, std::size_t gap,
                               std::size_t len, uint64_t* y) {
  const std::size_t k = t.from->size(), m = t.to->size();
  HNN_ASSERT(len % 8 == 0 && k >= 1 && k <= 64 && (!centered || k <= 15), "base_convert_block_avx512: k = ", k);
  // y_i = x_i (A / a_i)^{-1} mod a_i
  for (std::size_t i = 0; i < k; ++i) {
    const ShoupMul mul(t.from->qhat_inv(i), t.from->qhat_inv_shoup(i));
    const V a = set1((*t.from)[i].value);
    const uint64_t* src = in + i * in_stride;
    uint64_t* dst = y + i * len;
    for (std::size_t c = 0; c < len; c += 8) store(dst + c, mul.full(load(src + c), a));
  }
  // v = llround(sum_i y_i / a_i): the products and sums rounded one by one, in the scalar order;
  // llround of x >= 0 is floor(x) + (x - floor(x) >= 1/2), and x - floor(x) is exact.
  uint64_t* vs = y + k * len;
  if (centered) {
    const __m512d half = _mm512_set1_pd(0.5);
    for (std::size_t c = 0; c < len; c += 8) {
      __m512d frac = _mm512_setzero_pd();
      for (std::size_t i = 0; i < k; ++i)
        frac = _mm512_add_pd(frac, _mm512_mul_pd(_mm512_cvtepu64_pd(load(y + i * len + c)), _mm512_set1_pd(t.inv_a[i])));
      const __m512d fl = _mm512_roundscale_pd(frac, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
      const __mmask8 up = _mm512_cmp_pd_mask(_mm512_sub_pd(frac, fl), half, _CMP_GE_OQ);
      const V r = _mm512_cvttpd_epu64(fl);
      store(vs + c, _mm512_mask_add_epi64(r, up, r, set1(1)));
    }
  }
  // out_j = sum_i y_i ((A / a_i) mod b_j) [+ v (b_j - A mod b_j)] mod b_j: the products summed
  // unreduced in 52-bit columns (Columns, below 2^64 for k <= 64 terms and the overflow term),
  // one reduction per output word. A factor below 2^52 has no high part, and the products of a
  // high part vanish with it: a 40-bit source and a 40-bit target need 2 multiply-adds per
  // product, a 40-bit and a 60-bit one 4, two 60-bit ones 7 (a Shoup product took 6 and two
  // 64-bit multiplies).
  constexpr uint64_t kSmall = uint64_t{1} << 52;
  bool small_source[64];
  for (std::size_t i = 0; i < k; ++i) small_source[i] = (*t.from)[i].value < kSmall;
  alignas(64) V rw[64], rw_hi[64];
  for (std::size_t j = 0; j < m; ++j) {
    const Modulus& bj = (*t.to)[j];
    const bool small_target = bj.value < kSmall;  // then every row entry is below 2^52 too
    const ColumnReducer reduce(bj, t.column_powers + 4 * j);
    for (std::size_t i = 0; i < k; ++i) {
      rw[i] = set1(t.row[j * k + i]);
      rw_hi[i] = _mm512_srli_epi64(rw[i], 52);
    }
    const V table_lo = load(t.neg_a_times + j * 16), table_hi = load(t.neg_a_times + j * 16 + 8);
    uint64_t* dst = out + (j < gap_at ? j : j + gap) * out_stride;
    for (std::size_t c = 0; c < len; c += 8) {
      Columns sum = Columns::zero();
      for (std::size_t i = 0; i < k; ++i) {
        const V x = load(y + i * len + c);
        if (small_source[i] && small_target) {
          sum.add_small(x, rw[i]);
        } else if (small_source[i]) {
          sum.add_low(x, rw[i], rw_hi[i]);
        } else if (small_target) {
          sum.add_low(rw[i], x, _mm512_srli_epi64(x, 52));
        } else {
          sum.add(x, _mm512_srli_epi64(x, 52), rw[i], rw_hi[i]);
        }
      }
      if (centered) sum.c0 = _mm512_add_epi64(sum.c0, _mm512_permutex2var_epi64(table_lo, load(vs + c), table_hi));
      store(dst + c, reduce(sum));
    }
  }
}

}  // namespace hnn::rns::detail
