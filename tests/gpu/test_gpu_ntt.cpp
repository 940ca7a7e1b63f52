// GPU NTT against the CPU NTT: the same words, bit for bit.
#include <gtest/gtest.h>

#include <cstdlib>

#include "gpu_util.h"
#include "hnn/ntt/ntt.h"
#include "hnn/ntt/ntt_cuda.h"
#include "hnn/rns/primes.h"
#include "test_util.h"

using namespace hnn;

TEST(GpuNtt, ForwardAndInverseAreBitIdenticalToCpu) {
  HNN_REQUIRE_GPU();
  cuda::Stream stream = test::gpu_stream();
  // HNN_GPU_TEST_MAX_LOGN caps the ring sizes (compute-sanitizer's racecheck is slow on big ones).
  const char* cap = std::getenv("HNN_GPU_TEST_MAX_LOGN");
  const int max_log_n = cap ? std::atoi(cap) : 16;
  for (int log_n = 12; log_n <= max_log_n; ++log_n) {
    const std::size_t n = std::size_t{1} << log_n, limbs = 8;
    std::vector<ntt::NttTables> tables;
    for (uint64_t q : rns::generate_ntt_primes(55, limbs, n)) tables.emplace_back(n, rns::Modulus(q));
    std::vector<const ntt::NttTables*> ptrs;
    for (auto& t : tables) ptrs.push_back(&t);
    ntt::cuda::DeviceNttPlan plan(ptrs, stream);
    std::vector<uint64_t> host(limbs * n);
    for (std::size_t l = 0; l < limbs; ++l) {
      auto w = test::random_words(n, tables[l].modulus().value);
      std::copy(w.begin(), w.end(), host.begin() + l * n);
    }
    for (auto dir : {ntt::Direction::Forward, ntt::Direction::Inverse}) {
      std::vector<uint64_t> cpu = host, gpu(host.size());
      ntt::transform_with(ntt::Kernel::Portable, {ptrs, dir}, cpu.data());
      cuda::DeviceBuffer buf(host.size() * 8, stream);
      buf.upload(host.data(), host.size() * 8, stream);
      ntt::cuda::transform(plan, dir, buf.as<uint64_t>(), stream);
      buf.download(gpu.data(), gpu.size() * 8, stream);
      stream.synchronize();
      EXPECT_EQ(cpu, gpu) << "log_n=" << log_n;
    }
  }
}

