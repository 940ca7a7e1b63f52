// The context block of the CPU benchmarks' JSON (hnn-bench-ckks, hnn-bench-bootstrap): the OpenMP
// thread count and the kernels this process picked (HNN_SIMD, HNN_NTT_KERNEL and the CPU decide),
// so that a recorded figure says which code produced it.
#pragma once
#include <benchmark/benchmark.h>
#include <omp.h>

#include <algorithm>
#include <string>

#include "hnn/ntt/ntt.h"
#include "hnn/rns/simd.h"

namespace hnn::bench {

inline void set_threads_and_context(int threads) {
  threads = std::max(1, threads);
  omp_set_num_threads(threads);
  benchmark::AddCustomContext("omp_threads", std::to_string(threads));
  benchmark::AddCustomContext("simd", rns::simd_name(rns::simd_level()));
  benchmark::AddCustomContext("ntt_kernel", rns::simd_name(ntt::active_kernel()));
}

}  // namespace hnn::bench
