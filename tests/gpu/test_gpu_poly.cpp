// Element-wise GPU kernels against the CPU arithmetic, with poisoned outputs: every word written;
// and the uploads those kernels' inputs go through.
#include <cuda_runtime.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "gpu_util.h"
#include "hnn/rns/cuda_poly.h"
#include "hnn/rns/primes.h"
#include "test_util.h"

using namespace hnn;

TEST(GpuPoly, BinaryMulAddAndTensorMatchCpu) {
  HNN_REQUIRE_GPU();
  cuda::Stream stream = test::gpu_stream();
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

TEST(GpuPoly, PermuteInnerProductAndBaseConversionMatchCpu) {
  HNN_REQUIRE_GPU();
  cuda::Stream stream = test::gpu_stream();
  const std::size_t n = 1 << 12;
  auto put = [&](const auto& v) {
    cuda::DeviceBuffer buf(v.size() * sizeof(v[0]), stream);
    buf.upload(v.data(), buf.size(), stream);
    return buf;
  };
  auto get = [&](const cuda::DeviceBuffer& buf, std::size_t words) {
    std::vector<uint64_t> v(words);
    buf.download(v.data(), words * 8, stream);
    stream.synchronize();
    return v;
  };
  // Base conversion from 5 limbs to 7, plain and centered.
  const auto from_p = rns::generate_ntt_primes(55, 5, n);
  const auto to_p = rns::generate_ntt_primes(58, 7, n, from_p);
  rns::BaseConverter conv{rns::RnsBase(from_p), rns::RnsBase(to_p)};
  std::vector<uint64_t> in(5 * n);
  for (std::size_t l = 0; l < 5; ++l) {
    auto w = test::random_words(n, from_p[l]);
    std::copy(w.begin(), w.end(), in.begin() + l * n);
  }
  cuda::DeviceBaseConverter dconv(conv, stream);
  cuda::DeviceBuffer din = put(in), dout(7 * n * 8, stream);
  for (bool centered : {false, true}) {
    std::vector<uint64_t> want(7 * n);
    centered ? conv.convert_centered(in.data(), want.data(), n) : conv.convert(in.data(), want.data(), n);
    dout.fill_bytes(0xff, stream);
    centered ? dconv.convert_centered(din.as<uint64_t>(), dout.as<uint64_t>(), n, stream)
             : dconv.convert(din.as<uint64_t>(), dout.as<uint64_t>(), n, stream);
    EXPECT_EQ(get(dout, 7 * n), want) << (centered ? "centered" : "plain");
  }
  // Automorphism permutation.
  std::vector<uint32_t> perm(n);
  for (std::size_t j = 0; j < n; ++j) perm[j] = static_cast<uint32_t>((j * 5 + 3) % n);
  cuda::DeviceBuffer dperm = put(perm), dpermuted(5 * n * 8, stream);
  dpermuted.fill_bytes(0xff, stream);
  cuda::poly::permute(din.as<uint64_t>(), dperm.as<uint32_t>(), dpermuted.as<uint64_t>(), 5, n, stream);
  std::vector<uint64_t> want_perm(5 * n);
  for (std::size_t l = 0; l < 5; ++l)
    for (std::size_t j = 0; j < n; ++j) want_perm[l * n + j] = in[l * n + perm[j]];
  EXPECT_EQ(get(dpermuted, 5 * n), want_perm);
  // Key-switching inner product: 3 digits, 4 Q limbs + 2 P limbs, keys over 6 Q + 2 P limbs.
  const std::size_t digits = 3, limbs_q = 4, k = 2, key_limbs = 8, key_p_offset = 6, ext_limbs = limbs_q + k;
  const auto primes = rns::generate_ntt_primes(60, key_limbs, n);
  std::vector<rns::Modulus> ext_moduli;
  for (std::size_t i = 0; i < ext_limbs; ++i)
    ext_moduli.emplace_back(primes[i < limbs_q ? i : key_p_offset + (i - limbs_q)]);
  std::vector<uint64_t> ext(digits * ext_limbs * n), kb(digits * key_limbs * n), ka(digits * key_limbs * n);
  for (std::size_t j = 0; j < digits; ++j) {
    for (std::size_t i = 0; i < ext_limbs; ++i) {
      auto w = test::random_words(n, ext_moduli[i].value);
      std::copy(w.begin(), w.end(), ext.begin() + (j * ext_limbs + i) * n);
    }
    for (std::size_t i = 0; i < key_limbs; ++i) {
      auto wb = test::random_words(n, primes[i]), wa = test::random_words(n, primes[i]);
      std::copy(wb.begin(), wb.end(), kb.begin() + (j * key_limbs + i) * n);
      std::copy(wa.begin(), wa.end(), ka.begin() + (j * key_limbs + i) * n);
    }
  }
  // Each digit's polynomial is its own buffer, as in a Decomposition; the moduli table is the
  // key's (all 8 primes) and the map sends extended limb t to its key limb and prime.
  std::vector<cuda::DeviceBuffer> dext, dkb, dka;
  cuda::poly::PolyPointers pe{}, pb{}, pa{};
  for (std::size_t j = 0; j < digits; ++j) {
    dext.push_back(put(std::vector<uint64_t>(ext.begin() + j * ext_limbs * n, ext.begin() + (j + 1) * ext_limbs * n)));
    dkb.push_back(put(std::vector<uint64_t>(kb.begin() + j * key_limbs * n, kb.begin() + (j + 1) * key_limbs * n)));
    dka.push_back(put(std::vector<uint64_t>(ka.begin() + j * key_limbs * n, ka.begin() + (j + 1) * key_limbs * n)));
    pe.p[j] = dext.back().as<uint64_t>();
    pb.p[j] = dkb.back().as<uint64_t>();
    pa.p[j] = dka.back().as<uint64_t>();
  }
  std::vector<rns::Modulus> key_moduli;
  for (uint64_t q : primes) key_moduli.emplace_back(q);
  cuda::DeviceBuffer dmod = put(key_moduli);
  std::vector<std::size_t> key_limb_of(ext_limbs);
  for (std::size_t i = 0; i < ext_limbs; ++i) key_limb_of[i] = i < limbs_q ? i : key_p_offset + (i - limbs_q);
  cuda::DeviceBuffer o0(ext_limbs * n * 8, stream), o1(ext_limbs * n * 8, stream);
  o0.fill_bytes(0xff, stream);
  o1.fill_bytes(0xff, stream);
  cuda::poly::key_switch_inner_product(pe, pb, pa, digits, nullptr, o0.as<uint64_t>(), o1.as<uint64_t>(),
                                       dmod.as<rns::Modulus>(), cuda::LimbMap::of(key_limb_of, key_limb_of), n,
                                       stream);
  std::vector<uint64_t> w0(ext_limbs * n), w1(ext_limbs * n);
  for (std::size_t i = 0; i < ext_limbs; ++i) {
    const std::size_t key_limb = i < limbs_q ? i : key_p_offset + (i - limbs_q);
    for (std::size_t c = 0; c < n; ++c) {
      uint64_t s0 = 0, s1 = 0;
      for (std::size_t j = 0; j < digits; ++j) {
        const uint64_t x = ext[(j * ext_limbs + i) * n + c];
        s0 = rns::add_mod(s0, rns::mul_mod(x, kb[(j * key_limbs + key_limb) * n + c], ext_moduli[i]), ext_moduli[i].value);
        s1 = rns::add_mod(s1, rns::mul_mod(x, ka[(j * key_limbs + key_limb) * n + c], ext_moduli[i]), ext_moduli[i].value);
      }
      w0[i * n + c] = s0;
      w1[i * n + c] = s1;
    }
  }
  EXPECT_EQ(get(o0, ext_limbs * n), w0);
  EXPECT_EQ(get(o1, ext_limbs * n), w1);
}

// An upload has read the host's words when it returns, though the stream is busy (copies queued
// ahead of it): the caller may overwrite them at once. The source is pinned memory, from which
// cudaMemcpyAsync really is asynchronous, so an upload that did not stage its words would read the
// overwritten ones. Small uploads are staged, large ones waited for: both sizes are tried.
TEST(GpuPoly, UploadsHaveReadTheHostWordsWhenTheyReturn) {
  HNN_REQUIRE_GPU();
  if (test::kGpuEmulated) GTEST_SKIP() << "emulated copies are memcpy: nothing runs behind the host";
  cuda::Stream stream = test::gpu_stream();
  cuda::DeviceBuffer busy(std::size_t{256} << 20, stream);
  busy.fill_bytes(0, stream);
  for (std::size_t words : {std::size_t{1000}, std::size_t{300000}}) {
    SCOPED_TRACE(std::to_string(words) + " words");
    uint64_t* host = nullptr;
    ASSERT_EQ(cudaHostAlloc(reinterpret_cast<void**>(&host), words * 8, cudaHostAllocDefault), cudaSuccess);
    std::vector<uint64_t> expected(words);
    for (std::size_t i = 0; i < words; ++i) expected[i] = host[i] = i * 0x9e3779b97f4a7c15ull;
    std::vector<cuda::DeviceBuffer> queued;
    for (int i = 0; i < 8; ++i) queued.push_back(busy.clone(stream));  // 2 GiB of copies ahead
    cuda::DeviceBuffer d(words * 8, stream);
    d.upload(host, words * 8, stream);
    std::fill(host, host + words, uint64_t{0xdeadbeef});  // the caller reuses its buffer at once
    std::vector<uint64_t> back(words);
    d.download(back.data(), words * 8, stream);
    stream.synchronize();
    EXPECT_EQ(back, expected);
    EXPECT_EQ(cudaFreeHost(host), cudaSuccess);
  }
}
