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
#include <array>
#include <utility>

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

// The stages with gap g in {1, 2, 4} work on 16 words (two vectors A, B) at a time: X gathers the
// upper halves' partners, Y the lower, lane l of both in group l / g. kGather[g] picks X and Y
// from (A, B); kScatter[g] puts (X, Y) back.
struct Shuffle {
  std::array<long long, 8> x, y, a, b, twiddle;
};
constexpr Shuffle make_shuffle(int g) {
  Shuffle s{};
  for (int l = 0; l < 8; ++l) {
    const int k = l / g, o = l % g;
    s.x[static_cast<std::size_t>(l)] = 2 * g * k + o;
    s.y[static_cast<std::size_t>(l)] = 2 * g * k + g + o;
    s.twiddle[static_cast<std::size_t>(l)] = k;
  }
  for (int pos = 0; pos < 16; ++pos) {
    const int k = pos / (2 * g), r = pos % (2 * g);
    const int idx = r < g ? k * g + r : 8 + k * g + r - g;
    (pos < 8 ? s.a : s.b)[static_cast<std::size_t>(pos % 8)] = idx;
  }
  return s;
}
constexpr Shuffle kShuffle1 = make_shuffle(1), kShuffle2 = make_shuffle(2), kShuffle4 = make_shuffle(4);

inline V idx(const std::array<long long, 8>& v) { return _mm512_loadu_si512(v.data()); }

struct ShortStage {
  V x, y, a, b, tw;
  __mmask8 tw_mask;
  explicit ShortStage(const Shuffle& s, int g)
      : x(idx(s.x)), y(idx(s.y)), a(idx(s.a)), b(idx(s.b)), tw(idx(s.twiddle)),
        tw_mask(static_cast<__mmask8>((1u << (8 / g)) - 1)) {}
  // The twiddles of the 8 / g groups starting at w[first], one per lane.
  V twiddles(const uint64_t* w) const { return _mm512_permutexvar_epi64(tw, _mm512_maskz_loadu_epi64(tw_mask, w)); }
};

const ShortStage& short_stage(int g) {
  static const ShortStage s1(kShuffle1, 1), s2(kShuffle2, 2), s4(kShuffle4, 4);
  return g == 1 ? s1 : g == 2 ? s2 : s4;
}

// One stage with gap g in {1, 2, 4} over all n words (m groups): per 16 words, X and Y gathered,
// the butterfly bf(x, y, mul) -> (x', y') applied, the results put back.
template <class Mul, class Butterfly>
void short_stage_pass(uint64_t* a, std::size_t n, std::size_t gap, std::size_t m, const uint64_t* w,
                      const uint64_t* ws, Butterfly bf) {
  const ShortStage& s = short_stage(static_cast<int>(gap));
  for (std::size_t p = 0; p < n; p += 16) {
    const V A = load(a + p), B = load(a + p + 8);
    const std::size_t first = m + p / (2 * gap);
    const Mul mul(s.twiddles(w + first), s.twiddles(ws + first));
    const auto [xo, yo] = bf(_mm512_permutex2var_epi64(A, s.x, B), _mm512_permutex2var_epi64(A, s.y, B), mul);
    store(a + p, _mm512_permutex2var_epi64(xo, s.a, yo));
    store(a + p + 8, _mm512_permutex2var_epi64(xo, s.b, yo));
  }
}

template <class Mul>
void forward(uint64_t* a, const NttTables& t) {
  const std::size_t n = t.n();
  const uint64_t* w = t.root_powers();
  const uint64_t* ws = t.root_powers_shoup();
  const V q = set1(t.modulus().value), two_q = set1(2 * t.modulus().value);
  std::size_t gap = n >> 1, m = 1;
  for (; gap >= 8; m <<= 1, gap >>= 1) {
    for (std::size_t i = 0; i < m; ++i) {
      uint64_t* x = a + 2 * i * gap;
      uint64_t* y = x + gap;
      const Mul mul(set1(w[m + i]), set1(ws[m + i]));
      for (std::size_t j = 0; j < gap; j += 8) {
        const V u = reduce_once(load(x + j), two_q);
        const V v = mul.lazy(load(y + j), q);
        store(x + j, _mm512_add_epi64(u, v));
        store(y + j, _mm512_add_epi64(_mm512_sub_epi64(u, v), two_q));
      }
    }
  }
  for (; gap >= 1; m <<= 1, gap >>= 1) {
    const bool last = gap == 1;
    short_stage_pass<Mul>(a, n, gap, m, w, ws, [&](V x, V y, const Mul& mul) {
      const V u = reduce_once(x, two_q), v = mul.lazy(y, q);
      V xo = _mm512_add_epi64(u, v), yo = _mm512_add_epi64(_mm512_sub_epi64(u, v), two_q);
      if (last) {  // the final reduction [0, 4q) -> [0, q), fused
        xo = reduce_once(reduce_once(xo, two_q), q);
        yo = reduce_once(reduce_once(yo, two_q), q);
      }
      return std::pair{xo, yo};
    });
  }
}

template <class Mul>
void inverse(uint64_t* a, const NttTables& t) {
  const std::size_t n = t.n();
  const uint64_t* w = t.inv_root_powers();
  const uint64_t* ws = t.inv_root_powers_shoup();
  const V q = set1(t.modulus().value), two_q = set1(2 * t.modulus().value);
  std::size_t gap = 1, m = n >> 1;
  for (; gap <= 4; m >>= 1, gap <<= 1) {
    short_stage_pass<Mul>(a, n, gap, m, w, ws, [&](V u, V v, const Mul& mul) {
      return std::pair{reduce_once(_mm512_add_epi64(u, v), two_q),
                       mul.lazy(_mm512_add_epi64(_mm512_sub_epi64(u, v), two_q), q)};
    });
  }
  for (; m >= 2; m >>= 1, gap <<= 1) {
    for (std::size_t i = 0; i < m; ++i) {
      uint64_t* x = a + 2 * i * gap;
      uint64_t* y = x + gap;
      const Mul mul(set1(w[m + i]), set1(ws[m + i]));
      for (std::size_t j = 0; j < gap; j += 8) {
        const V u = load(x + j), v = load(y + j);
        store(x + j, reduce_once(_mm512_add_epi64(u, v), two_q));
        store(y + j, mul.lazy(_mm512_add_epi64(_mm512_sub_epi64(u, v), two_q), q));
      }
    }
  }
  // Last stage fused with N^{-1}, as in the portable path.
  const Mul by_inv_n(set1(t.inv_n()), set1(t.inv_n_shoup()));
  const Mul by_wn(set1(t.inv_n_root1()), set1(t.inv_n_root1_shoup()));
  uint64_t* x = a;
  uint64_t* y = a + gap;
  for (std::size_t j = 0; j < gap; j += 8) {
    const V u = load(x + j), v = load(y + j);
    store(x + j, reduce_once(by_inv_n.lazy(_mm512_add_epi64(u, v), q), q));
    store(y + j, reduce_once(by_wn.lazy(_mm512_add_epi64(_mm512_sub_epi64(u, v), two_q), q), q));
  }
}

constexpr uint64_t kMul52Bound = uint64_t{1} << 50;

}  // namespace

void forward_limb_avx512(uint64_t* a, const NttTables& t) {
  t.modulus().value < kMul52Bound ? forward<Mul52>(a, t) : forward<ShoupMul>(a, t);
}

void inverse_limb_avx512(uint64_t* a, const NttTables& t) {
  t.modulus().value < kMul52Bound ? inverse<Mul52>(a, t) : inverse<ShoupMul>(a, t);
}

}  // namespace hnn::ntt::detail
