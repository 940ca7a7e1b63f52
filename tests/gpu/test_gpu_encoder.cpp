// The encoder on a CUDA device (or the emulated one): the same plaintext words as the CPU's
// encoder, for full and sparse slots, complex and real values, and the host fallback for values
// too large for the device's int64 rounding.
#include <gtest/gtest.h>

#include "../ckks/ckks_fixture.h"
#include "gpu_compare.h"
#include "hnn/ckks/device.h"

using namespace hnn;

TEST(GpuEncoder, EncodesTheCpusWords) {
  HNN_REQUIRE_GPU();
  test::CkksWorld w(test::deep_test_literal(12, 6));
  const auto& enc = *w.encoder;
  const rns::Device dev = test::gpu_device();
  for (std::size_t slots : {std::size_t{2048}, std::size_t{256}, std::size_t{1}}) {
    SCOPED_TRACE("slots " + std::to_string(slots));
    const auto z = test::random_complex(slots, 3.0);
    test::expect_same_words(enc.encode(z, 4, std::ldexp(1.0, 40)), enc.encode(z, 4, std::ldexp(1.0, 40), dev), "complex");
    std::vector<double> r(slots);
    for (std::size_t i = 0; i < slots; ++i) r[i] = z[i].real();
    test::expect_same_words(enc.encode(r, 2, std::ldexp(1.0, 52)), enc.encode(r, 2, std::ldexp(1.0, 52), dev), "real");
    // Above the int64 rounding bound: encoded on the host (exact through GMP), then moved.
    test::expect_same_words(enc.encode(z, -1, std::ldexp(1.0, 70)), enc.encode(z, -1, std::ldexp(1.0, 70), dev), "huge");
  }
  EXPECT_THROW(enc.encode(std::vector<double>{1.0, NAN}, 1, 0, dev), InvalidArgument);
}
