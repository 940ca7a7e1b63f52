// CUDA Evaluator benchmarks (Google Benchmark, device time from CUDA events): ModUp, ModDown, key
// switch, HMult + relinearize, rotate, hoisted rotations and rescale at logN = 16, on the 128-bit
// n16_l24_dnum3 set (24 Q limbs, dnum 3) and a larger 128-bit set (36 Q limbs, dnum 9).
//
// Each case reports bytes_min, the words it must at least read and write once (inputs, keys,
// outputs; intermediates not counted), GB/s = bytes_min / mean time, floor_us = bytes_min / the
// device's measured copy bandwidth, and ratio_to_floor; and per operation the kernel launches, host
// waits (0: no hidden round trip), uploads and downloads. With HNN_BENCH_DEVICE=cuda-emulated
// (bench_device.h) both sets shrink to logN = 12 (same limbs and digits, insecure) and run on the
// emulated device, host-timed and labelled EMULATED, without the bandwidth counters.
#include <benchmark/benchmark.h>

#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "../bench_device.h"
#include "bench_util.h"
#include "hnn/ckks/ckks.h"
#include "gpu/device_context.h"
#include "key_switch.h"

using namespace hnn;
using namespace hnn::ckks;

namespace {

ParametersLiteral params_for_n16(int set) {
  if (set == 0) return presets::n16_l24_dnum3();
  // 60 + 35 x 40-bit Q primes, 4 x 60-bit special primes, dnum 9 (4 limbs a digit): log QP = 1700
  // <= 1772, 128-bit.
  ParametersLiteral lit;
  lit.log_n = 16;
  lit.log_q.assign(36, 40);
  lit.log_q[0] = 60;
  lit.log_p = {60, 60, 60, 60};
  lit.dnum = 9;
  return lit;
}

ParametersLiteral params_for(int set) {
  ParametersLiteral lit = params_for_n16(set);
  if (bench::emulated()) {
    lit.log_n = 12;
    lit.security = SecurityLevel::None;
  }
  return lit;
}

struct World {
  ContextPtr ctx;
  std::unique_ptr<KeyGenerator> keygen;
  RelinKey rk;
  GaloisKeys gk;
  std::unique_ptr<Evaluator> eval;
  Ciphertext a, b;  // on the device, top level
  explicit World(int set) {
    ctx = Context::create(Parameters::create(params_for(set)));
    keygen = std::make_unique<KeyGenerator>(ctx);
    const rns::Device dev = bench::gpu_device();
    rk = to_device(keygen->create_relin_key(), dev);
    gk = to_device(keygen->create_galois_keys({1, 2, 3, 4, 5, 6, 7, 8}), dev);
    eval = std::make_unique<Evaluator>(ctx);
    Encoder enc(ctx);
    Encryptor encryptor(ctx, keygen->secret_key());
    std::vector<std::complex<double>> v(ctx->n() / 2, {0.5, -0.25});
    a = to_device(encryptor.encrypt(enc.encode(v)), dev);
    b = to_device(encryptor.encrypt(enc.encode(v)), dev);
    synchronize(*ctx, dev);
  }
  std::size_t poly_bytes(std::size_t limbs) const { return limbs * ctx->n() * sizeof(uint64_t); }
  std::size_t limbs() const { return static_cast<std::size_t>(ctx->max_level()) + 1; }
  std::size_t ext_limbs() const { return limbs() + ctx->special_count(); }
  std::size_t digits() const { return static_cast<std::size_t>(ctx->digits_at_level(ctx->max_level())); }
  std::size_t key_bytes() const { return 2 * digits() * poly_bytes(ext_limbs()); }
};

World& world(int set) {
  static std::map<int, std::unique_ptr<World>> worlds;
  auto& w = worlds[set];
  if (!w) w = std::make_unique<World>(set);
  return *w;
}

// Times `op` with CUDA events; one untimed warm-up call fills the stream-ordered pool.
void run(benchmark::State& state, double bytes_min, const std::function<void()>& op) {
  World& w = world(static_cast<int>(state.range(0)));
  const cuda::Stream& stream = w.ctx->device_context(bench::gpu_device()).stream();
  op();
  stream.synchronize();
  bench::DeviceTimer timer(stream);
  const cuda::Activity before = cuda::activity();
  double total_s = 0;
  for (auto _ : state) {
    timer.start();
    op();
    const double s = timer.stop_s();
    state.SetIterationTime(s);
    total_s += s;
  }
  if (state.iterations() == 0) return;
  bench::report_activity(state, before);
  state.counters["logN"] = std::log2(static_cast<double>(w.ctx->n()));
  state.counters["Q_limbs"] = static_cast<double>(w.limbs());
  state.counters["dnum"] = static_cast<double>(w.digits());
  state.counters["bytes_min"] = bytes_min;
  if (bench::emulated()) {
    state.SetLabel(bench::kEmulatedLabel);
    return;
  }
  const double copy_bandwidth = bench::device_copy_bandwidth();
  const double mean_s = total_s / static_cast<double>(state.iterations());
  const double floor_s = bytes_min / copy_bandwidth;
  state.counters["GB/s"] = bytes_min / mean_s * 1e-9;
  state.counters["floor_us"] = floor_s * 1e6;
  state.counters["ratio_to_floor"] = mean_s / floor_s;
}

void BM_CudaModUp(benchmark::State& state) {
  if (bench::skip_without_gpu(state)) return;
  World& w = world(static_cast<int>(state.range(0)));
  run(state, static_cast<double>(w.poly_bytes(w.limbs()) + w.digits() * w.poly_bytes(w.ext_limbs())),
      [&] { benchmark::DoNotOptimize(ckks::detail::decompose(*w.ctx, w.a[1])); });
}

void BM_CudaModDown(benchmark::State& state) {
  if (bench::skip_without_gpu(state)) return;
  World& w = world(static_cast<int>(state.range(0)));
  rns::RnsPoly acc0, acc1;
  ckks::detail::key_switch_extended(*w.ctx, ckks::detail::decompose(*w.ctx, w.a[1]), w.rk.key(), nullptr, acc0, acc1);
  rns::RnsPoly out;
  run(state, static_cast<double>(w.poly_bytes(w.ext_limbs()) + w.poly_bytes(w.limbs())),
      [&] { ckks::detail::mod_down(*w.ctx, acc0, out); });
}

void BM_CudaKeySwitch(benchmark::State& state) {
  if (bench::skip_without_gpu(state)) return;
  World& w = world(static_cast<int>(state.range(0)));
  rns::RnsPoly u0, u1;
  run(state, static_cast<double>(w.poly_bytes(w.limbs()) + w.key_bytes() + 2 * w.poly_bytes(w.limbs())), [&] {
    ckks::detail::key_switch(*w.ctx, ckks::detail::decompose(*w.ctx, w.a[1]), w.rk.key(), nullptr, u0, u1);
  });
}

void BM_CudaHMultRelin(benchmark::State& state) {
  if (bench::skip_without_gpu(state)) return;
  World& w = world(static_cast<int>(state.range(0)));
  run(state, static_cast<double>(4 * w.poly_bytes(w.limbs()) + w.key_bytes() + 2 * w.poly_bytes(w.limbs())),
      [&] { benchmark::DoNotOptimize(w.eval->multiply(w.a, w.b, w.rk)); });
}

void BM_CudaHMultRelinRescale(benchmark::State& state) {
  if (bench::skip_without_gpu(state)) return;
  World& w = world(static_cast<int>(state.range(0)));
  run(state, static_cast<double>(4 * w.poly_bytes(w.limbs()) + w.key_bytes() + 2 * w.poly_bytes(w.limbs() - 1)), [&] {
    Ciphertext t = w.eval->multiply_no_relin(w.a, w.b);
    w.eval->relinearize_rescale_inplace(t, w.rk);
    benchmark::DoNotOptimize(t);
  });
}

void BM_CudaRotate(benchmark::State& state) {
  if (bench::skip_without_gpu(state)) return;
  World& w = world(static_cast<int>(state.range(0)));
  run(state, static_cast<double>(2 * w.poly_bytes(w.limbs()) + w.key_bytes() + 2 * w.poly_bytes(w.limbs())),
      [&] { benchmark::DoNotOptimize(w.eval->rotate(w.a, 1, w.gk)); });
}

void BM_CudaRotateHoisted8(benchmark::State& state) {
  if (bench::skip_without_gpu(state)) return;
  World& w = world(static_cast<int>(state.range(0)));
  const std::vector<int> steps{1, 2, 3, 4, 5, 6, 7, 8};
  run(state, static_cast<double>(2 * w.poly_bytes(w.limbs()) + 8 * (w.key_bytes() + 2 * w.poly_bytes(w.limbs()))),
      [&] { benchmark::DoNotOptimize(w.eval->rotate_hoisted(w.a, steps, w.gk)); });
}

void BM_CudaRescale(benchmark::State& state) {
  if (bench::skip_without_gpu(state)) return;
  World& w = world(static_cast<int>(state.range(0)));
  run(state, static_cast<double>(2 * w.poly_bytes(w.limbs()) + 2 * w.poly_bytes(w.limbs() - 1)),
      [&] { benchmark::DoNotOptimize(w.eval->rescale(w.a)); });
}

void sets(benchmark::internal::Benchmark* b) {
  b->ArgNames({"set"})->Arg(0)->Arg(1)->UseManualTime()->Unit(benchmark::kMicrosecond);
}

}  // namespace

BENCHMARK(BM_CudaModUp)->Apply(sets);
BENCHMARK(BM_CudaModDown)->Apply(sets);
BENCHMARK(BM_CudaKeySwitch)->Apply(sets);
BENCHMARK(BM_CudaHMultRelin)->Apply(sets);
BENCHMARK(BM_CudaHMultRelinRescale)->Apply(sets);
BENCHMARK(BM_CudaRotate)->Apply(sets);
BENCHMARK(BM_CudaRotateHoisted8)->Apply(sets);
BENCHMARK(BM_CudaRescale)->Apply(sets);
