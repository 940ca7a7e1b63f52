// CUDA NTT benchmarks (Google Benchmark, device time from CUDA events), annotated with the bytes a
// transform must move at least and the floor that gives at the device's measured copy bandwidth.
//
// Counters: bytes_min = every word read and written once (2 * 8 * N * limbs) plus the twiddles and
// Shoup companions of each distinct table read once (2 * 8 * N per table); GB/s = bytes_min / mean
// time; floor_us = bytes_min / copy bandwidth (bench_util.h); ratio_to_floor = mean time / floor;
// launches per transform. With HNN_BENCH_DEVICE=cuda-emulated (bench_device.h) the cases run on the
// emulated device, host-timed and labelled EMULATED, without the bandwidth counters.
#include <benchmark/benchmark.h>

#include <string>
#include <utility>
#include <vector>

#include "../bench_device.h"
#include "bench_util.h"
#include "hnn/ntt/ntt.h"
#include "hnn/ntt/ntt_cuda.h"
#include "hnn/rns/cuda.h"
#include "hnn/rns/primes.h"

using namespace hnn;

namespace {

void run_ntt(benchmark::State& state, ntt::Direction direction) {
  if (bench::skip_without_gpu(state)) return;
  const int log_n = static_cast<int>(state.range(0));
  const std::size_t limbs = static_cast<std::size_t>(state.range(1));
  const std::size_t n = std::size_t{1} << log_n;

  std::vector<ntt::NttTables> tables;
  for (uint64_t q : rns::generate_ntt_primes(55, limbs, n)) tables.emplace_back(n, rns::Modulus(q));
  std::vector<const ntt::NttTables*> ptrs;
  for (const auto& t : tables) ptrs.push_back(&t);
  std::vector<uint64_t> host(limbs * n);
  for (std::size_t i = 0; i < host.size(); ++i)
    host[i] = (i * 0x9e3779b97f4a7c15ULL) % tables[i / n].modulus().value;

  const cuda::Stream stream = bench::emulated() ? cuda::Stream::emulated() : cuda::Stream(0);
  const ntt::cuda::DeviceNttPlan plan(ptrs, stream);
  cuda::DeviceBuffer words(host.size() * sizeof(uint64_t), stream);
  words.upload(host.data(), host.size() * sizeof(uint64_t), stream);
  // Outputs are canonical (< q), so the same buffer is a valid input to every iteration.
  ntt::cuda::transform(plan, direction, words.as<uint64_t>(), stream);
  stream.synchronize();

  bench::DeviceTimer timer(stream);
  const cuda::Activity before = cuda::activity();
  double total_s = 0;
  for (auto _ : state) {
    timer.start();
    ntt::cuda::transform(plan, direction, words.as<uint64_t>(), stream);
    const double s = timer.stop_s();
    state.SetIterationTime(s);
    total_s += s;
  }
  if (state.iterations() == 0) return;
  bench::report_activity(state, before);
  const double distinct_tables = static_cast<double>(tables.size());
  const double bytes_min = 2.0 * 8.0 * static_cast<double>(n) * static_cast<double>(limbs) +
                           2.0 * 8.0 * static_cast<double>(n) * distinct_tables;
  state.counters["limbs"] = static_cast<double>(limbs);
  state.counters["bytes_min"] = bytes_min;
  if (bench::emulated()) {
    state.SetLabel(bench::kEmulatedLabel);
    return;
  }
  const double mean_s = total_s / static_cast<double>(state.iterations());
  const double copy_bandwidth = bench::device_copy_bandwidth();
  const double floor_s = bytes_min / copy_bandwidth;
  state.counters["GB/s"] = bytes_min / mean_s * 1e-9;
  state.counters["copy_GB/s"] = copy_bandwidth * 1e-9;
  state.counters["floor_us"] = floor_s * 1e6;
  state.counters["ratio_to_floor"] = mean_s / floor_s;
}

void BM_CudaNtt(benchmark::State& state) {
  run_ntt(state, ntt::Direction::Forward);
}
void BM_CudaIntt(benchmark::State& state) {
  run_ntt(state, ntt::Direction::Inverse);
}

// (logN, limbs)
constexpr std::pair<int, int> kCases[] = {{12, 8}, {14, 16}, {16, 32}, {16, 24}, {17, 32}};

void ntt_args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"logN", "limbs"});
  for (const auto& [log_n, limbs] : kCases) b->Args({log_n, limbs});
  b->UseManualTime()->Unit(benchmark::kMicrosecond);
}

}  // namespace

BENCHMARK(BM_CudaNtt)->Apply(ntt_args);
BENCHMARK(BM_CudaIntt)->Apply(ntt_args);
