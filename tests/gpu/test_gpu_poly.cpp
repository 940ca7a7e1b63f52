// Element-wise GPU kernels against the CPU arithmetic, with poisoned outputs: every word written.
#include <gtest/gtest.h>

#include "gpu_util.h"
#include "hnn/rns/cuda_poly.h"
#include "hnn/rns/primes.h"
#include "test_util.h"

using namespace hnn;

TEST(GpuPoly, BinaryMulAddAndTensorMatchCpu) {
  HNN_REQUIRE_GPU();
  cuda::Stream stream;
  const std::size_t n = 1 << 14, limbs = 6;
  std::vector<rns::Modulus> moduli;
  for (uint64_t q : rns::generate_ntt_primes(59, limbs, n)) moduli.emplace_back(q);
  auto random_poly = [&] {
    std::vector<uint64_t> v(limbs * n);
    for (std::size_t l = 0; l < limbs; ++l) {
      auto w = test::random_words(n, moduli[l].value);
      std::copy(w.begin(), w.end(), v.begin() + l * n);
    }
    return v;
  };
  const auto a = random_poly(), b = random_poly(), c = random_poly(), d = random_poly();
  const std::size_t bytes = limbs * n * 8;
  auto upload = [&](const std::vector<uint64_t>& v) {
    cuda::DeviceBuffer buf(bytes, stream);
    buf.upload(v.data(), bytes, stream);
    return buf;
  };
  cuda::DeviceBuffer da = upload(a), db = upload(b), dc = upload(c), dd = upload(d);
  cuda::DeviceBuffer dm(moduli.size() * sizeof(rns::Modulus), stream);
  dm.upload(moduli.data(), dm.size(), stream);
  const auto* mod = dm.as<rns::Modulus>();
  auto poisoned = [&] {
    cuda::DeviceBuffer out(bytes, stream);
    out.fill_bytes(0xff, stream);  // 2^64 - 1 is never a reduced word
    return out;
  };
  auto download = [&](const cuda::DeviceBuffer& buf) {
    std::vector<uint64_t> v(limbs * n);
    buf.download(v.data(), bytes, stream);
    stream.synchronize();
    return v;
  };
  auto cpu = [&](auto f) {
    std::vector<uint64_t> v(limbs * n);
    for (std::size_t l = 0; l < limbs; ++l)
      for (std::size_t k = 0; k < n; ++k) v[l * n + k] = f(l, l * n + k);
    return v;
  };
  using cuda::poly::Op;
  for (Op op : {Op::Add, Op::Sub, Op::Mul}) {
    cuda::DeviceBuffer out = poisoned();
    cuda::poly::binary(op, da.as<uint64_t>(), db.as<uint64_t>(), out.as<uint64_t>(), mod, limbs, n, stream);
    EXPECT_EQ(download(out), cpu([&](std::size_t l, std::size_t k) {
                const rns::Modulus& m = moduli[l];
                return op == Op::Add ? rns::add_mod(a[k], b[k], m.value)
                       : op == Op::Sub ? rns::sub_mod(a[k], b[k], m.value)
                                       : rns::mul_mod(a[k], b[k], m);
              }));
  }
  cuda::DeviceBuffer out = poisoned();
  cuda::poly::mul_add(da.as<uint64_t>(), db.as<uint64_t>(), dc.as<uint64_t>(), out.as<uint64_t>(), mod, limbs, n, stream);
  EXPECT_EQ(download(out), cpu([&](std::size_t l, std::size_t k) {
              return rns::add_mod(a[k], rns::mul_mod(b[k], c[k], moduli[l]), moduli[l].value);
            }));
  cuda::DeviceBuffer d0 = poisoned(), d1 = poisoned(), d2 = poisoned();
  cuda::poly::tensor(da.as<uint64_t>(), db.as<uint64_t>(), dc.as<uint64_t>(), dd.as<uint64_t>(),
                     d0.as<uint64_t>(), d1.as<uint64_t>(), d2.as<uint64_t>(), mod, limbs, n, stream);
  EXPECT_EQ(download(d0), cpu([&](std::size_t l, std::size_t k) { return rns::mul_mod(a[k], c[k], moduli[l]); }));
  EXPECT_EQ(download(d1), cpu([&](std::size_t l, std::size_t k) {
              return rns::add_mod(rns::mul_mod(a[k], d[k], moduli[l]), rns::mul_mod(b[k], c[k], moduli[l]), moduli[l].value);
            }));
  EXPECT_EQ(download(d2), cpu([&](std::size_t l, std::size_t k) { return rns::mul_mod(b[k], d[k], moduli[l]); }));
}
