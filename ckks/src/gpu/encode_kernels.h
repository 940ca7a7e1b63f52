// The CKKS encoder's steps as CUDA kernels (plain C++ declarations; internal to ckks/): HEAAN's
// special inverse FFT, then rounding and the residues of every limb. Each step is the CPU
// encoder's arithmetic operation for operation (no fused multiply-add), so the words are the same.
#pragma once
#include <cstddef>
#include <cstdint>

#include "hnn/rns/cuda.h"
#include "hnn/rns/limb_map.h"
#include "hnn/rns/modarith.h"

namespace hnn::ckks::gpu {

// In place on `size` complex values (re, im interleaved; size a power of two <= N/2): the stages of
// Encoder::special_inverse_fft, before its bit reversal and 1/size scaling. rot: the rotation
// group (5^j mod 2N, N/2 entries), ksi: the 2N+1 roots of unity (re, im), m = 2N.
void special_inverse_fft_stages(double* values, std::size_t size, const uint32_t* rot, const double* ksi,
                                std::size_t m, const cuda::Stream& stream);

// out (coefficient domain, zeroed) limb t for t < tables.count, modulo moduli[tables.table[t]]:
// with v_k = values[brev(k)] / size, round(re(v_k) scale) at coefficient k gap and
// round(im(v_k) scale) at N/2 + k gap. Every |value| * scale must be below 9e18 (the caller checks).
void place_rounded(const double* values, std::size_t size, double scale, std::size_t gap, uint64_t* out,
                   const rns::Modulus* moduli, const cuda::LimbMap& tables, std::size_t n, const cuda::Stream& stream);

}  // namespace hnn::ckks::gpu
