// AVX-512 version of the encoder's inverse FFT butterflies (encoder_kernels.h): four butterflies
// per vector, the complex values' real and imaginary parts interleaved as in std::complex.
// GCC 12 reports its own _mm512_undefined_pd (a self-initialised placeholder) as used
// uninitialised wherever a masked intrinsic inlines it (as avx512_ifma.h notes).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#include "encoder_kernels.h"

namespace hnn::ckks::detail {

void inverse_fft_butterflies_avx512(std::complex<double>* vals, const std::complex<double>* tw, std::size_t len,
                                    std::size_t b0, std::size_t b1) {
  const std::size_t lenh = len >> 1;
  const int shift = __builtin_ctzll(lenh);
  double* v = reinterpret_cast<double*>(vals);
  const double* w = reinterpret_cast<const double*>(tw);
  for (std::size_t b = b0; b < b1; b += 4) {  // four butterflies of one block (lenh >= 4)
    const std::size_t j = b & (lenh - 1), i = (b >> shift) << (shift + 1);
    double* x = v + 2 * (i + j);
    double* y = x + 2 * lenh;
    const __m512d xv = _mm512_loadu_pd(x), yv = _mm512_loadu_pd(y), t = _mm512_loadu_pd(w + 2 * j);
    const __m512d d = _mm512_sub_pd(xv, yv);  // (dr, di) per value
    // (dr + i di)(tr + i ti): p = (dr tr, di tr), q = (di ti, dr ti); real dr tr - di ti, imaginary
    // di tr + dr ti (the same sum as std::complex's dr ti + di tr).
    const __m512d p = _mm512_mul_pd(d, _mm512_movedup_pd(t));
    const __m512d q = _mm512_mul_pd(_mm512_permute_pd(d, 0x55), _mm512_permute_pd(t, 0xFF));
    _mm512_storeu_pd(x, _mm512_add_pd(xv, yv));
    _mm512_storeu_pd(y, _mm512_mask_sub_pd(_mm512_add_pd(p, q), 0x55, p, q));
  }
}

}  // namespace hnn::ckks::detail
