#include <cmath>

#include "../../../rns/src/cuda/launch.cuh"
#include "encode_kernels.h"

namespace hnn::ckks::gpu {
namespace {

// The same rounding as the host loop's (a * b, a + b, a - b, each rounded once).
HNN_HD double mul_rn(double a, double b) {
#if defined(__CUDA_ARCH__)
  return __dmul_rn(a, b);
#else
  return a * b;
#endif
}
HNN_HD double add_rn(double a, double b) {
#if defined(__CUDA_ARCH__)
  return __dadd_rn(a, b);
#else
  return a + b;
#endif
}
HNN_HD double sub_rn(double a, double b) {
#if defined(__CUDA_ARCH__)
  return __dsub_rn(a, b);
#else
  return a - b;
#endif
}

// One butterfly of stage `len` (Encoder::special_inverse_fft): u = x + y, v = (x - y) ksi[idx].
// len, lenq = 4 len and m are powers of two: the host loop's / and % become shifts and masks.
struct InverseFftStage {
  double* v;
  const uint32_t* rot;
  const double* ksi;
  int log_len, log_m;
  HNN_HD void operator()(unsigned, unsigned b) const {
    const std::size_t lenh = std::size_t{1} << (log_len - 1), lenq = std::size_t{1} << (log_len + 2);
    const std::size_t i = (std::size_t{b} >> (log_len - 1)) << log_len, j = b & (lenh - 1);
    const std::size_t idx = (lenq - (rot[j] & (lenq - 1))) << (log_m - log_len - 2);
    double* x = v + 2 * (i + j);
    double* y = v + 2 * (i + j + lenh);
    const double dr = sub_rn(x[0], y[0]), di = sub_rn(x[1], y[1]);
    const double kr = ksi[2 * idx], ki = ksi[2 * idx + 1];
    x[0] = add_rn(x[0], y[0]);
    x[1] = add_rn(x[1], y[1]);
    // (dr + i di)(kr + i ki) as std::complex<double> multiplies (no NaN operands here)
    y[0] = sub_rn(mul_rn(dr, kr), mul_rn(di, ki));
    y[1] = add_rn(mul_rn(dr, ki), mul_rn(di, kr));
  }
};

HNN_HD uint32_t reverse_bits(uint32_t x, int bits) {
  uint32_t r = 0;
  for (int b = 0; b < bits; ++b) r |= ((x >> b) & 1u) << (bits - 1 - b);
  return r;
}

struct PlaceRounded {
  const double* v;
  std::size_t size;
  int log_size;
  double inv_size, scale;
  std::size_t gap, n;
  uint64_t* out;
  const rns::Modulus* moduli;
  cuda::LimbMap tables;
  HNN_HD void operator()(unsigned t, unsigned k) const {
    const rns::Modulus q = moduli[tables.table[t]];
    const std::size_t src = reverse_bits(k, log_size);
    const double re = mul_rn(mul_rn(v[2 * src], inv_size), scale);
    const double im = mul_rn(mul_rn(v[2 * src + 1], inv_size), scale);
    uint64_t* limb = out + t * n;
    limb[k * gap] = rns::from_signed(static_cast<int64_t>(nearbyint(re)), q);
    limb[n / 2 + k * gap] = rns::from_signed(static_cast<int64_t>(nearbyint(im)), q);
  }
};

}  // namespace

static int log2_of(std::size_t v) {
  int l = 0;
  while ((std::size_t{1} << l) < v) ++l;
  return l;
}

void special_inverse_fft_stages(double* values, std::size_t size, const uint32_t* rot, const double* ksi,
                                std::size_t m, const cuda::Stream& stream) {
  const int log_m = log2_of(m);
  for (int log_len = log2_of(size); log_len >= 1; --log_len)
    cuda::for_each_word(stream, 1, size / 2, InverseFftStage{values, rot, ksi, log_len, log_m}, "special FFT stage");
}

void place_rounded(const double* values, std::size_t size, double scale, std::size_t gap, uint64_t* out,
                   const rns::Modulus* moduli, const cuda::LimbMap& tables, std::size_t n, const cuda::Stream& stream) {
  const int log_size = log2_of(size);
  cuda::for_each_word(stream, tables.count, size,
                      PlaceRounded{values, size, log_size, 1.0 / static_cast<double>(size), scale, gap, n, out, moduli,
                                   tables},
                      "encoding: rounding and residues");
}

}  // namespace hnn::ckks::gpu
