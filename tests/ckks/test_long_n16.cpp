// `long` tier: the 128-bit logN = 16 set (24 Q limbs, dnum = 3) end to end.
#include <gtest/gtest.h>

#include <cstdio>

#include "ckks_fixture.h"

using namespace hnn;
using namespace hnn::ckks;

TEST(LongN16, PrecisionOfFreshMultiplyRotateAndDepth) {
  test::CkksWorld w(presets::n16_l24_dnum3());
  const std::size_t slots = w.ctx->params().max_slots();
  const auto a = test::random_complex(slots), b = test::random_complex(slots);
  const Ciphertext ca = w.encrypt(a), cb = w.encrypt(b);
  const auto fresh = test::precision(w.decrypt(ca), a);
  std::printf("[precision] logN=16 fresh: mean %.1f min %.1f bits\n", fresh.mean_bits, fresh.min_bits);
  // At N = 2^16 the rounding of the final ModDown (r0 + r1 s, |r| <= 1/2) bounds fresh public-key
  // precision near 26-27 bits mean; the worst of 32768 slots sits about 3 bits lower.
  EXPECT_GE(fresh.mean_bits, 25);
  EXPECT_GE(fresh.min_bits, 22);

  Ciphertext prod = w.eval->multiply(ca, cb, w.rk);
  w.eval->rescale_inplace(prod);
  std::vector<std::complex<double>> want(slots);
  for (std::size_t i = 0; i < slots; ++i) want[i] = a[i] * b[i];
  const auto mul = test::precision(w.decrypt(prod), want);
  std::printf("[precision] logN=16 multiply+relin+rescale: mean %.1f min %.1f bits\n", mul.mean_bits, mul.min_bits);
  EXPECT_GE(mul.mean_bits, 25);
  EXPECT_GE(mul.min_bits, 20);

  GaloisKeys gk = w.keygen->create_galois_keys({1, -7});
  const auto rot = test::precision(w.decrypt(w.eval->rotate(ca, -7, gk)), [&] {
    std::vector<std::complex<double>> r(slots);
    for (std::size_t j = 0; j < slots; ++j) r[j] = a[(j + slots - 7) % slots];
    return r;
  }());
  std::printf("[precision] logN=16 rotate -7: mean %.1f min %.1f bits\n", rot.mean_bits, rot.min_bits);
  EXPECT_GE(rot.min_bits, 20);

  // A depth-22 chain of multiplications by fresh unit-circle factors, down to level 1.
  std::vector<std::complex<double>> u(slots);
  for (std::size_t i = 0; i < slots; ++i) u[i] = std::polar(1.0, std::arg(a[i]));
  Ciphertext acc = w.encrypt(u);
  for (int d = 0; d < 22; ++d) {
    std::vector<std::complex<double>> f(slots);
    for (std::size_t i = 0; i < slots; ++i) f[i] = std::polar(1.0, std::arg(b[(i + d) % slots]));
    acc = w.eval->multiply(acc, w.encrypt(f, acc.level()), w.rk);
    w.eval->rescale_inplace(acc);
    for (std::size_t i = 0; i < slots; ++i) u[i] *= f[i];
  }
  EXPECT_EQ(acc.level(), 1);
  const auto deep = test::precision(w.decrypt(acc), u);
  std::printf("[precision] logN=16 depth-22 chain: mean %.1f min %.1f bits\n", deep.mean_bits, deep.min_bits);
  EXPECT_GE(deep.min_bits, 18);
}
