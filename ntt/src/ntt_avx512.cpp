// AVX-512 IFMA NTT kernels: eight butterflies per instruction stream, giving the portable loops'
// words. Compiled with -mavx512f -mavx512dq -mavx512ifma in its own file and called only when the
// CPU reports all three (ntt.cpp dispatches at run time).
//
// The Shoup quotient floor(a w' / 2^64) is the one product AVX2 has to build from four 32x32-bit
// multiplies. Here it comes from 52-bit multiply-adds (rns::mul_hi_from_52bit_parts is the same
// identity in scalar code, tested against mul_hi), and the low words a w - quotient q from
// VPMULLQ, so the lazy values are the portable kernel's, word for word. For q < 2^50 a shorter
// form applies (Mul52 below): values stay below 4q < 2^52, so one 52-bit quotient suffices; its
// lazy values may differ from the portable ones by q, the reduced outputs do not.

#include <type_traits>

#include "avx512_ifma.h"
#include "hnn/ntt/butterfly.h"
#include "ntt_kernels.h"

namespace hnn::ntt::detail {
namespace {

using namespace rns::avx512;

// Twiddle multiplications to [0, 2q), constructed from (w, ws = floor(w 2^64 / q)): ShoupMul
// (avx512_ifma.h) for any q the library takes, Mul52 below for q < 2^50.

// Mul52: q < 2^50 and a < 2^52. The quotient floor(a floor(w 2^52 / q) / 2^52) falls short of
// a w / q by less than a / 2^52 + 1 < 2, so r = a w - quotient q lies in [0, 2q) and is the low 52
// bits of lo52(a w) - lo52(quotient q). floor(w 2^52 / q) = ws >> 12 (nested floors).
struct Mul52 {
  V w, ws52;
  Mul52(V w_, V ws_) : w(w_), ws52(_mm512_srli_epi64(ws_, 12)) {}
  V lazy(V a, V q) const {
    const V zero = _mm512_setzero_si512();
    const V quotient = _mm512_madd52hi_epu64(zero, a, ws52);
    const V r = _mm512_sub_epi64(_mm512_madd52lo_epu64(zero, a, w), _mm512_madd52lo_epu64(zero, quotient, q));
    return _mm512_and_si512(r, set1((uint64_t{1} << 52) - 1));
  }
};

// The long stages (gap >= 8) go two per pass for Mul52 only: at N = 2^16 that took 19 % off a
// 40-bit forward NTT's long stages, and added 8 % to a 60-bit one's (ShoupMul's six multiply-adds
// and two 64-bit multiplies per butterfly).
template <class Mul>
constexpr bool kTwoStagesPerPass = std::is_same_v<Mul, Mul52>;

// The stages with gap 4, 2 and 1 run in one pass, 16 words (vectors A, B) at a time, moved
// between stages by the perfect shuffle lo(X, Y) = (X0 Y0 X1 Y1 X2 Y2 X3 Y3), hi(X, Y) = (X4 Y4
// ... X7 Y7). Applied to (A, B) it gives the gap-4 stage's pairs (X, Y = X + 4) with lane l in
// group l & 1, whose twiddles are two words repeated; applied again, the gap-2 stage's, lane l in
// group l & 3 (four words repeated); again, the gap-1 stage's, lane l in group l (eight words);
// and a fourth time, the words in order. The inverse runs the stages the other way, moved by the
// inverse shuffle, ulo(X, Y) = (X0 X2 X4 X6 Y0 Y2 Y4 Y6), uhi(X, Y) = (X1 X3 ... Y7).
struct Shuffles {
  V lo, hi, ulo, uhi;
  Shuffles() {
    alignas(64) long long l[8], h[8], ul[8], uh[8];
    for (int i = 0; i < 8; ++i) {
      l[i] = (i / 2) + (i % 2) * 8;
      h[i] = l[i] + 4;
      ul[i] = 2 * (i % 4) + (i / 4) * 8;
      uh[i] = ul[i] + 1;
    }
    lo = _mm512_load_si512(l), hi = _mm512_load_si512(h), ulo = _mm512_load_si512(ul), uhi = _mm512_load_si512(uh);
  }
};

// The twiddles of the short stages starting at w[first], in the lane order above.
inline V twiddles4(const uint64_t* w) {
  return _mm512_broadcast_i64x2(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w)));
}
inline V twiddles2(const uint64_t* w) {
  return _mm512_broadcast_i64x4(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(w)));
}

// The three short stages over words [begin, end) of n; twiddles of the gap-g stage from index
// n / (2g) on. bf(x, y, mul, last) is the butterfly, last on the final stage of the pass.
template <class Mul, class Butterfly>
void short_stages(uint64_t* a, std::size_t n, std::size_t begin, std::size_t end, const uint64_t* w,
                  const uint64_t* ws, bool forward, Butterfly bf) {
  static const Shuffles sh;
  const std::size_t m4 = n / 8, m2 = n / 4, m1 = n / 2;
  for (std::size_t p = begin; p < end; p += 16) {
    const Mul mul4(twiddles4(w + m4 + p / 8), twiddles4(ws + m4 + p / 8));
    const Mul mul2(twiddles2(w + m2 + p / 4), twiddles2(ws + m2 + p / 4));
    const Mul mul1(load(w + m1 + p / 2), load(ws + m1 + p / 2));
    V X = load(a + p), Y = load(a + p + 8);
    const auto next = [&](V lo, V hi) {
      const V x = _mm512_permutex2var_epi64(X, lo, Y);
      Y = _mm512_permutex2var_epi64(X, hi, Y);
      X = x;
    };
    if (forward) {
      next(sh.lo, sh.hi);
      bf(X, Y, mul4, false);
      next(sh.lo, sh.hi);
      bf(X, Y, mul2, false);
      next(sh.lo, sh.hi);
      bf(X, Y, mul1, true);
      next(sh.lo, sh.hi);
    } else {
      next(sh.ulo, sh.uhi);
      bf(X, Y, mul1, false);
      next(sh.ulo, sh.uhi);
      bf(X, Y, mul2, false);
      next(sh.ulo, sh.uhi);
      bf(X, Y, mul4, true);
      next(sh.ulo, sh.uhi);
    }
    store(a + p, X);
    store(a + p + 8, Y);
  }
}

// The butterflies, lazy: forward [0, 4q) -> [0, 4q), inverse [0, 2q) -> [0, 2q).
template <class Mul>
inline void forward_bf(V& x, V& y, const Mul& mul, V q, V two_q) {
  const V u = reduce_once(x, two_q), v = mul.lazy(y, q);
  x = _mm512_add_epi64(u, v);
  y = _mm512_add_epi64(_mm512_sub_epi64(u, v), two_q);
}
template <class Mul>
inline void inverse_bf(V& u, V& v, const Mul& mul, V q, V two_q) {
  const V s = reduce_once(_mm512_add_epi64(u, v), two_q);
  v = mul.lazy(_mm512_add_epi64(_mm512_sub_epi64(u, v), two_q), q);
  u = s;
}

// Stages from m = parts on, stage m restricted to its groups [m part / parts, m (part + 1) /
// parts) (ntt_kernels.h): parts = 1 the whole transform, parts = 2 half `part` after the first
// stage.
template <class Mul>
void forward(uint64_t* a, const NttTables& t, std::size_t part, std::size_t parts) {
  const std::size_t n = t.n();
  const uint64_t* w = t.root_powers();
  const uint64_t* ws = t.root_powers_shoup();
  const V q = set1(t.modulus().value), two_q = set1(2 * t.modulus().value);
  const auto bf = [&](V& x, V& y, const Mul& mul) { forward_bf(x, y, mul, q, two_q); };
  std::size_t m = parts, gap = n / (2 * parts);
  const auto first = [&] { return m * part / parts; };
  const auto last = [&] { return m * (part + 1) / parts; };
  // Two stages per pass while both have gap >= 8: group i of the stage (m, gap) is groups 2i and
  // 2i + 1 of the next, so its quarters x0..x3 take (x0, x2), (x1, x3) with w[m + i], then
  // (x0, x1) with w[2m + 2i] and (x2, x3) with w[2m + 2i + 1]: the same butterflies on the same
  // words, with half the loads and stores.
  if constexpr (kTwoStagesPerPass<Mul>) {
    for (; gap >= 16; m <<= 2, gap >>= 2) {
      const std::size_t h = gap >> 1;
      for (std::size_t i = first(); i < last(); ++i) {
        uint64_t* x0 = a + 2 * i * gap;
        uint64_t *x1 = x0 + h, *x2 = x0 + gap, *x3 = x2 + h;
        const Mul m1(set1(w[m + i]), set1(ws[m + i]));
        const Mul m2(set1(w[2 * m + 2 * i]), set1(ws[2 * m + 2 * i]));
        const Mul m3(set1(w[2 * m + 2 * i + 1]), set1(ws[2 * m + 2 * i + 1]));
        for (std::size_t j = 0; j < h; j += 8) {
          V A = load(x0 + j), B = load(x1 + j), C = load(x2 + j), D = load(x3 + j);
          bf(A, C, m1);
          bf(B, D, m1);
          bf(A, B, m2);
          bf(C, D, m3);
          store(x0 + j, A);
          store(x1 + j, B);
          store(x2 + j, C);
          store(x3 + j, D);
        }
      }
    }
  }
  for (; gap >= 8; m <<= 1, gap >>= 1) {
    for (std::size_t i = first(); i < last(); ++i) {
      uint64_t* x = a + 2 * i * gap;
      uint64_t* y = x + gap;
      const Mul mul(set1(w[m + i]), set1(ws[m + i]));
      for (std::size_t j = 0; j < gap; j += 8) {
        V X = load(x + j), Y = load(y + j);
        bf(X, Y, mul);
        store(x + j, X);
        store(y + j, Y);
      }
    }
  }
  short_stages<Mul>(a, n, n * part / parts, n * (part + 1) / parts, w, ws, true,
                    [&](V& x, V& y, const Mul& mul, bool end) {
                      bf(x, y, mul);
                      if (end) {  // the final reduction [0, 4q) -> [0, q), fused
                        x = reduce_once(reduce_once(x, two_q), q);
                        y = reduce_once(reduce_once(y, two_q), q);
                      }
                    });
}

// The first stage's butterflies (a[j], a[j + N/2]) for j in quarter `part` of [0, N/2).
template <class Mul>
void forward_first(uint64_t* a, const NttTables& t, std::size_t part) {
  const std::size_t gap = t.n() / 2;
  const V q = set1(t.modulus().value), two_q = set1(2 * t.modulus().value);
  const Mul mul(set1(t.root_powers()[1]), set1(t.root_powers_shoup()[1]));
  for (std::size_t j = gap * part / 2; j < gap * (part + 1) / 2; j += 8) {
    V X = load(a + j), Y = load(a + gap + j);
    forward_bf(X, Y, mul, q, two_q);
    store(a + j, X);
    store(a + gap + j, Y);
  }
}

// The last stage fused with N^{-1}, butterflies j in [gap part / parts, gap (part + 1) / parts).
template <class Mul>
void inverse_last(uint64_t* a, const NttTables& t, std::size_t part, std::size_t parts) {
  const std::size_t gap = t.n() / 2;
  const V q = set1(t.modulus().value), two_q = set1(2 * t.modulus().value);
  const Mul by_inv_n(set1(t.inv_n()), set1(t.inv_n_shoup()));
  const Mul by_wn(set1(t.inv_n_root1()), set1(t.inv_n_root1_shoup()));
  uint64_t* x = a;
  uint64_t* y = a + gap;
  for (std::size_t j = gap * part / parts; j < gap * (part + 1) / parts; j += 8) {
    const V u = load(x + j), v = load(y + j);
    store(x + j, reduce_once(by_inv_n.lazy(_mm512_add_epi64(u, v), q), q));
    store(y + j, reduce_once(by_wn.lazy(_mm512_add_epi64(_mm512_sub_epi64(u, v), two_q), q), q));
  }
}

// Stages down to m = 2, stage m restricted to its groups [m part / parts, m (part + 1) / parts);
// with parts = 1 the last stage too.
template <class Mul>
void inverse(uint64_t* a, const NttTables& t, std::size_t part, std::size_t parts) {
  const std::size_t n = t.n();
  const uint64_t* w = t.inv_root_powers();
  const uint64_t* ws = t.inv_root_powers_shoup();
  const V q = set1(t.modulus().value), two_q = set1(2 * t.modulus().value);
  const auto bf = [&](V& u, V& v, const Mul& mul) { inverse_bf(u, v, mul, q, two_q); };
  short_stages<Mul>(a, n, n * part / parts, n * (part + 1) / parts, w, ws, false,
                    [&](V& u, V& v, const Mul& mul, bool) { bf(u, v, mul); });
  std::size_t gap = 8, m = n >> 4;
  // Two stages per pass while both have m >= 2, the forward pairing reversed: groups 2k and
  // 2k + 1 of the stage (m, gap) take (x0, x1) with w[m + 2k] and (x2, x3) with w[m + 2k + 1],
  // then group k of the next stage (x0, x2), (x1, x3) with w[m / 2 + k].
  if constexpr (kTwoStagesPerPass<Mul>) {
    for (; m >= 4; m >>= 2, gap <<= 2) {
      const std::size_t half = m / 2;
      for (std::size_t k = half * part / parts; k < half * (part + 1) / parts; ++k) {
        uint64_t* x0 = a + 4 * k * gap;
        uint64_t *x1 = x0 + gap, *x2 = x1 + gap, *x3 = x2 + gap;
        const Mul m1(set1(w[m + 2 * k]), set1(ws[m + 2 * k]));
        const Mul m2(set1(w[m + 2 * k + 1]), set1(ws[m + 2 * k + 1]));
        const Mul m3(set1(w[m / 2 + k]), set1(ws[m / 2 + k]));
        for (std::size_t j = 0; j < gap; j += 8) {
          V A = load(x0 + j), B = load(x1 + j), C = load(x2 + j), D = load(x3 + j);
          bf(A, B, m1);
          bf(C, D, m2);
          bf(A, C, m3);
          bf(B, D, m3);
          store(x0 + j, A);
          store(x1 + j, B);
          store(x2 + j, C);
          store(x3 + j, D);
        }
      }
    }
  }
  for (; m >= 2; m >>= 1, gap <<= 1) {
    for (std::size_t i = m * part / parts; i < m * (part + 1) / parts; ++i) {
      uint64_t* x = a + 2 * i * gap;
      uint64_t* y = x + gap;
      const Mul mul(set1(w[m + i]), set1(ws[m + i]));
      for (std::size_t j = 0; j < gap; j += 8) {
        V U = load(x + j), W = load(y + j);
        bf(U, W, mul);
        store(x + j, U);
        store(y + j, W);
      }
    }
  }
  if (parts == 1) inverse_last<Mul>(a, t, 0, 1);
}

constexpr uint64_t kMul52Bound = uint64_t{1} << 50;
bool mul52(const NttTables& t) { return t.modulus().value < kMul52Bound; }

}  // namespace

void forward_limb_avx512(uint64_t* a, const NttTables& t) { forward_part_avx512(a, t, 0, 1); }

void inverse_limb_avx512(uint64_t* a, const NttTables& t) { inverse_part_avx512(a, t, 0, 1); }

void forward_first_stage_avx512(uint64_t* a, const NttTables& t, std::size_t part) {
  mul52(t) ? forward_first<Mul52>(a, t, part) : forward_first<ShoupMul>(a, t, part);
}

void forward_part_avx512(uint64_t* a, const NttTables& t, std::size_t part, std::size_t parts) {
  mul52(t) ? forward<Mul52>(a, t, part, parts) : forward<ShoupMul>(a, t, part, parts);
}

void inverse_part_avx512(uint64_t* a, const NttTables& t, std::size_t part, std::size_t parts) {
  mul52(t) ? inverse<Mul52>(a, t, part, parts) : inverse<ShoupMul>(a, t, part, parts);
}

void inverse_last_stage_avx512(uint64_t* a, const NttTables& t, std::size_t part, std::size_t parts) {
  mul52(t) ? inverse_last<Mul52>(a, t, part, parts) : inverse_last<ShoupMul>(a, t, part, parts);
}

}  // namespace hnn::ntt::detail
