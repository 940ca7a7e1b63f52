// The CKKS encoder's inner loop: one stage of its inverse special FFT, with a vector version where
// the CPU has AVX-512 (rns::simd_level()). Internal to ckks/ (and its white-box tests).
#pragma once
#include <complex>
#include <cstddef>

#include "hnn/rns/simd.h"

namespace hnn::ckks::detail {

// Butterflies [b0, b1) of the stage of blocks of len values (len >= 2 a power of two): butterfly b
// is j = b mod len/2 of the block at i = (b div len/2) len, x = vals[i + j], y = vals[i + j + len/2]:
// x <- x + y, y <- (x - y) tw[j], each real operation rounded once as std::complex<double> does for
// finite values (no fused multiply-adds: the CUDA encoder computes the same doubles). Every set
// gives the same doubles.
void inverse_fft_butterflies(std::complex<double>* vals, const std::complex<double>* tw, std::size_t len,
                             std::size_t b0, std::size_t b1, rns::Simd set = rns::simd_level());

#if defined(HNN_HAVE_AVX512)
// The same for len >= 8, b0 and b1 multiples of 4.
void inverse_fft_butterflies_avx512(std::complex<double>* vals, const std::complex<double>* tw, std::size_t len,
                                    std::size_t b0, std::size_t b1);
#endif

}  // namespace hnn::ckks::detail
