// The AVX-512 IFMA kernels behind hnn/rns/simd.h and BaseConverter (internal to rns/).
#pragma once
#include <cstddef>
#include <cstdint>

#include "hnn/rns/modarith.h"
#include "hnn/rns/rns_base.h"

namespace hnn::rns::detail {
// One block of base conversion (rns_base.cpp's scalar loop, len a multiple of 8):
// y_i = x_i qhat_inv_i mod a_i (in: k limbs at stride in_stride), then for each target j
// out_j = sum_i y_i row_ji [+ v neg_a_j] mod b_j, with v = round(sum_i y_i inv_a_i) when centered.
struct BaseConvertTables {
  const RnsBase* from;             // a_i, (A / a_i)^{-1} mod a_i and its Shoup companion
  const RnsBase* to;               // b_j
  const double* inv_a;             // 1 / a_i
  const uint64_t* row;             // [j k + i] = (A / a_i) mod b_j
  const uint64_t* neg_a_times;     // [j 16 + v] = v (b_j - A mod b_j) mod b_j, v < 16 (centered: k <= 15)
  const uint64_t* column_powers;   // [4 j ..] = 2^52 mod b_j, its Shoup companion, 2^104 mod b_j, its companion
};

// The constants of avx512::ColumnReducer for q: 2^52 mod q, 2^104 mod q, each followed by its
// Shoup companion (out[0..3]). Scalar, so that BaseConverter can keep them per target.
inline void column_powers(uint64_t q, uint64_t* out) {
  for (int e : {52, 104}) {
    const auto power = static_cast<uint64_t>((static_cast<unsigned __int128>(1) << e) % q);
    *out++ = power;
    *out++ = shoup_precompute(power, q);
  }
}

#if defined(HNN_HAVE_AVX512)
// s_t read at perm[c] (perm non-null), else at c / repeat.
void dot2_mod_avx512(std::size_t terms, const uint64_t* const* s, const uint64_t* const* u, const uint64_t* const* v,
                     const uint32_t* perm, std::size_t repeat, std::size_t n, const Modulus& q, uint64_t* out0,
                     uint64_t* out1);

// out = a b mod q, or out = out + a b mod q when accumulate; n a multiple of 8.
void mul_mod_words_avx512(const uint64_t* a, const uint64_t* b, uint64_t* out, std::size_t n, const Modulus& q,
                          bool accumulate);

// out = a w mod q (Shoup), n a multiple of 8.
void mul_shoup_words_avx512(const uint64_t* a, uint64_t* out, std::size_t n, uint64_t w, uint64_t w_shoup,
                            uint64_t q);

// out = (x + q - y) w mod q; acc = acc + a[perm[c] or c] w mod q (Shoup); n a multiple of 8.
void sub_mul_shoup_words_avx512(const uint64_t* x, const uint64_t* y, uint64_t* out, std::size_t n,
                                uint64_t w, uint64_t w_shoup, uint64_t q);
void add_mul_shoup_words_avx512(uint64_t* acc, const uint64_t* a, const uint32_t* perm, std::size_t n,
                                uint64_t w, uint64_t w_shoup, uint64_t q);

// out = v mod q in [0, q) for signed v; 2^20 <= q < 2^62, n a multiple of 8.
void signed_residue_words_avx512(const int64_t* v, uint64_t* out, std::size_t n, uint64_t q);

// The block kernel for BaseConvertTables (above).
// Target j is written at out + (j < gap_at ? j : j + gap) * out_stride.
void base_convert_block_avx512(const BaseConvertTables& t, bool centered, const uint64_t* in, std::size_t in_stride,
                               uint64_t* out, std::size_t out_stride, std::size_t gap_at, std::size_t gap,
                               std::size_t len, uint64_t* y_scratch);
#endif
}  // namespace hnn::rns::detail
