// hnn-bench-bootstrap: CKKS bootstrapping on the CPU and on a CUDA GPU (Google Benchmark).
//
// Cases: "n12" = the insecure logN = 12 test preset (quick), "n16" = the 128-bit logN = 16 preset
// (full slots, 9 levels left), "n16chain_logn14" = the n16 preset's modulus chain at logN = 14
// (insecure) with 4096 real slots: the encrypted DistilBERT's bootstrap (8192 real slots at logN 16,
// halves packed) at a quarter of the size and memory, for quick comparisons of commits;
// "n16_real8192" = that bootstrap itself (n16 chain, 8192 real slots). Counters: precision (log2 bits, mean and minimum over all slots),
// each stage's share of the time, key count and size, precomputed plaintext size. Key generation
// and precomputation happen once, outside the timed loop, followed by one untimed warm-up bootstrap
// (its time is the counter first_bootstrap_s). Single-threaded unless --threads=T or
// OMP_NUM_THREADS says otherwise.
//
// GPU cases, BM_CudaBootstrap/<case> (skipped with "no GPU" where none is usable): the same
// presets with the bootstrapper's plaintexts, the keys and the input on CUDA device 0, timed with
// CUDA events on the device's stream (the whole bootstrap, host-side launch work included: the
// latency a caller sees), n16_real8192 included. Stage shares come from one more bootstrap with stage timings,
// which waits for the device at each stage boundary. Key generation and precomputation run on
// the host, multi-threaded with --threads. With HNN_BENCH_DEVICE=cuda-emulated (bench_device.h) the
// GPU cases run on the emulated device, host-timed, one iteration, labelled EMULATED (CI runs the n12
// case so; the larger ones take hours there).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cmath>
#include <memory>
#include <random>
#include <string>

#include "bench_context.h"
#include "bench_device.h"
#include "gpu/device_context.h"
#include "hnn/ckks/bootstrap/bootstrapper.h"
#include "hnn/ckks/ckks.h"
#include "hnn/ckks/device.h"
#include "hnn/rns/cuda.h"

using namespace hnn;
using namespace hnn::ckks;

namespace {

struct World {
  ContextPtr ctx;
  std::unique_ptr<KeyGenerator> keygen;
  std::unique_ptr<bootstrap::Bootstrapper> boot;
  bootstrap::BootstrapKeys keys;
  std::unique_ptr<Encoder> encoder;
  std::unique_ptr<Encryptor> encryptor;
  std::unique_ptr<Decryptor> decryptor;
  std::vector<std::complex<double>> x;
  Ciphertext input;

  rns::Device device;

  explicit World(const bootstrap::presets::BootstrapPreset& preset, rns::Device dev = rns::Device::cpu())
      : device(dev) {
    ctx = Context::create(Parameters::create(preset.params));
    keygen = std::make_unique<KeyGenerator>(ctx);
    boot = std::make_unique<bootstrap::Bootstrapper>(ctx, preset.config);
    keys = boot->create_keys(*keygen);
    encoder = std::make_unique<Encoder>(ctx);
    encryptor = std::make_unique<Encryptor>(ctx, keygen->create_public_key());
    decryptor = std::make_unique<Decryptor>(ctx, keygen->secret_key());
    std::mt19937_64 g(42);
    std::uniform_real_distribution<double> d(-1, 1);
    x.resize(boot->slots());
    for (auto& v : x) v = {d(g), preset.config.real_slots ? 0.0 : d(g)};
    input = encryptor->encrypt(encoder->encode(x, 0));
    if (device.is_cuda()) {
      boot->move_to(device);
      keys = bootstrap::to_device(keys, device);
      input = to_device(input, device);
      synchronize(*ctx, device);
    }
    // One untimed bootstrap first: the timed ones then run in steady state, with the buffer
    // pool (rns::WordPool) holding the temporaries a bootstrap needs, as in any workload that
    // bootstraps repeatedly. The first one's time (fresh pages from the kernel) is reported too.
    const auto t0 = std::chrono::steady_clock::now();
    (void)boot->bootstrap(input, keys);
    if (device.is_cuda()) synchronize(*ctx, device);
    first_bootstrap_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  double first_bootstrap_s = 0;
};

bootstrap::presets::BootstrapPreset preset(const std::string& name) {
  if (name == "n16") return bootstrap::presets::n16_bootstrap();
  if (name == "n16_real8192") {
    auto p = bootstrap::presets::n16_bootstrap(8192);
    p.config.real_slots = true;
    return p;
  }
  if (name == "n16chain_logn14") {
    auto p = bootstrap::presets::n16_bootstrap(4096);
    p.params.log_n = 14;
    p.params.security = SecurityLevel::None;
    p.config.real_slots = true;
    return p;
  }
  return bootstrap::presets::insecure_n12_bootstrap();
}

// One world at a time (an n16 world holds about 13 GB of keys and plaintexts): the previous one is
// freed before the next is made, and kept while the same case repeats.
World& world(const std::string& name, rns::Device device) {
  static std::string current;
  static std::unique_ptr<World> w;
  const std::string key = name + "@" + device.name();
  if (!w || key != current) {
    w.reset();
    current.clear();
    w = std::make_unique<World>(preset(name), device);
    current = key;
  }
  return *w;
}

void add(bootstrap::BootstrapTimings& sum, const bootstrap::BootstrapTimings& t) {
  sum.mod_raise_s += t.mod_raise_s;
  sum.coeff_to_slot_s += t.coeff_to_slot_s;
  sum.eval_mod_s += t.eval_mod_s;
  sum.slot_to_coeff_s += t.slot_to_coeff_s;
}

// Precision, stage shares and sizes, from the last output and the summed stage times.
void report(benchmark::State& state, const World& w, const Ciphertext& out, const bootstrap::BootstrapTimings& sum) {
  const auto got = w.encoder->decode(w.decryptor->decrypt(out));
  double mean = 0, min = 1e9;
  for (std::size_t i = 0; i < got.size(); ++i) {
    const double bits = -std::log2(std::max(std::abs(got[i] - w.x[i]), 1e-18));
    mean += bits;
    min = std::min(min, bits);
  }
  const double total = sum.mod_raise_s + sum.coeff_to_slot_s + sum.eval_mod_s + sum.slot_to_coeff_s;
  state.counters["precision_mean_bits"] = mean / static_cast<double>(got.size());
  state.counters["precision_min_bits"] = min;
  state.counters["share_mod_raise"] = sum.mod_raise_s / total;
  state.counters["share_coeff_to_slot"] = sum.coeff_to_slot_s / total;
  state.counters["share_eval_mod"] = sum.eval_mod_s / total;
  state.counters["share_slot_to_coeff"] = sum.slot_to_coeff_s / total;
  state.counters["keys"] = static_cast<double>(w.keys.key_count());
  state.counters["key_MB"] = static_cast<double>(w.keys.size_bytes()) / 1e6;
  state.counters["plaintext_MB"] = static_cast<double>(w.boot->precomputed_bytes()) / 1e6;
  state.counters["slots"] = static_cast<double>(w.boot->slots());
  state.counters["levels_left"] = w.boot->output_level();
  state.counters["first_bootstrap_s"] = w.first_bootstrap_s;
  state.SetLabel(w.ctx->params().describe());
}

void BM_Bootstrap(benchmark::State& state, const std::string& name) {
  World& w = world(name, rns::Device::cpu());
  bootstrap::BootstrapTimings sum;
  Ciphertext out;
  for (auto _ : state) {
    bootstrap::BootstrapTimings t;
    out = w.boot->bootstrap(w.input, w.keys, &t);
    add(sum, t);
  }
  report(state, w, out, sum);
}

void BM_CudaBootstrap(benchmark::State& state, const std::string& name) {
  if (bench::skip_without_gpu(state)) return;
  World& w = world(name, bench::gpu_device());
  bench::DeviceTimer timer(w.ctx->device_context(w.device).stream());
  Ciphertext out;
  const cuda::Activity before = cuda::activity();
  for (auto _ : state) {
    timer.start();
    out = w.boot->bootstrap(w.input, w.keys);
    state.SetIterationTime(timer.stop_s());
  }
  // Per bootstrap: the launch overhead is launches x the device's per-launch cost; host waits
  // and downloads should be 0.
  bench::report_activity(state, before);
  bootstrap::BootstrapTimings stages;
  out = w.boot->bootstrap(w.input, w.keys, &stages);
  report(state, w, out, stages);
  state.SetLabel((bench::emulated() ? std::string(bench::kEmulatedLabel) : cuda::describe_device(0)) + ", " +
                 w.ctx->params().describe());
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<char*> args = hnn::bench::threads_from_arguments(argc, argv);
  benchmark::RegisterBenchmark("BM_Bootstrap/n12", BM_Bootstrap, std::string("n12"))->Unit(benchmark::kSecond)->Iterations(3);
  benchmark::RegisterBenchmark("BM_Bootstrap/n16chain_logn14", BM_Bootstrap, std::string("n16chain_logn14"))
      ->Unit(benchmark::kSecond)->Iterations(3);
  benchmark::RegisterBenchmark("BM_Bootstrap/n16", BM_Bootstrap, std::string("n16"))->Unit(benchmark::kSecond)->Iterations(1);
  benchmark::RegisterBenchmark("BM_Bootstrap/n16_real8192", BM_Bootstrap, std::string("n16_real8192"))
      ->Unit(benchmark::kSecond)->Iterations(3);
  for (const char* name : {"n12", "n16", "n16_real8192"})
    benchmark::RegisterBenchmark((std::string("BM_CudaBootstrap/") + name).c_str(), BM_CudaBootstrap, std::string(name))
        ->Unit(benchmark::kMillisecond)
        ->UseManualTime()
        ->Iterations(bench::emulated() ? 1 : std::string(name) == "n12" ? 20 : 10);
  int n = static_cast<int>(args.size());
  benchmark::Initialize(&n, args.data());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
}
