// The thread count of the CPU benchmarks (hnn-bench-ckks, hnn-bench-bootstrap) and the context
// block of their JSON: the OpenMP thread count and the kernels this process picked (HNN_SIMD,
// HNN_NTT_KERNEL and the CPU decide), so that a recorded figure says which code produced it.
#pragma once
#include <benchmark/benchmark.h>
#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "hnn/ntt/ntt.h"
#include "hnn/rns/simd.h"

namespace hnn::bench {

// Single-threaded unless OMP_NUM_THREADS or --threads=T (which wins) says otherwise: sets the
// threads and the context, and returns the arguments without --threads= for benchmark::Initialize.
inline std::vector<char*> threads_from_arguments(int argc, char** argv) {
  int threads = 1;
  if (const char* env = std::getenv("OMP_NUM_THREADS")) threads = std::atoi(env);
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (!std::strncmp(argv[i], "--threads=", 10)) threads = std::atoi(argv[i] + 10);
    else args.push_back(argv[i]);
  }
  threads = std::max(1, threads);
  omp_set_num_threads(threads);
  benchmark::AddCustomContext("omp_threads", std::to_string(threads));
  benchmark::AddCustomContext("simd", rns::simd_name(rns::simd_level()));
  benchmark::AddCustomContext("ntt_kernel", rns::simd_name(ntt::active_kernel()));
  return args;
}

}  // namespace hnn::bench
