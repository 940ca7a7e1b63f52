// hnn-bench-ckks: CPU benchmarks of the NTT and the CKKS evaluator (Google Benchmark).
//
// Single-threaded by default (OMP_NUM_THREADS / --threads=T changes it) so figures compare with
// single-threaded SEAL. Parameter sets: "n15" = SEAL's default 881-bit logN = 15 modulus shape
// (15 x 55-bit Q + 56-bit P, dnum = 15); "n15h" = the same 881 bits split for hybrid key switching
// (12 x 55-bit Q, 4 P primes, dnum = 3); "n16" = logN 16, 24 Q limbs, dnum = 3 (128-bit).
#include <benchmark/benchmark.h>

#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bench_context.h"
#include "hnn/ckks/ckks.h"
#include "hnn/rns/primes.h"

using namespace hnn;
using namespace hnn::ckks;

namespace {

// ---- NTT ---------------------------------------------------------------------------------------

struct NttFixture {
  std::vector<ntt::NttTables> tables;
  std::vector<uint64_t> data;
  NttFixture(int log_n, std::size_t limbs) {
    const std::size_t n = std::size_t{1} << log_n;
    for (uint64_t q : rns::generate_ntt_primes(55, limbs, n)) tables.emplace_back(n, rns::Modulus(q));
    data.resize(limbs * n);
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = (i * 0x9e3779b97f4a7c15ULL) % tables[i / n].modulus().value;
  }
  ntt::NttPlan plan(ntt::Direction d) const {
    ntt::NttPlan p;
    p.direction = d;
    for (auto& t : tables) p.tables.push_back(&t);
    return p;
  }
};

void BM_NTT(benchmark::State& state) {
  NttFixture f(static_cast<int>(state.range(0)), static_cast<std::size_t>(state.range(1)));
  const auto plan = f.plan(ntt::Direction::Forward);
  for (auto _ : state) {
    ntt::transform(plan, f.data.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * f.data.size() * 8 * 2);
  state.counters["limbs"] = static_cast<double>(state.range(1));
}

void BM_INTT(benchmark::State& state) {
  NttFixture f(static_cast<int>(state.range(0)), static_cast<std::size_t>(state.range(1)));
  const auto plan = f.plan(ntt::Direction::Inverse);
  for (auto _ : state) {
    ntt::transform(plan, f.data.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * f.data.size() * 8 * 2);
  state.counters["limbs"] = static_cast<double>(state.range(1));
}

BENCHMARK(BM_NTT)->ArgNames({"logN", "limbs"})->ArgsProduct({{12, 13, 14, 15, 16, 17}, {1}})->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_INTT)->ArgNames({"logN", "limbs"})->ArgsProduct({{12, 13, 14, 15, 16, 17}, {1}})->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_NTT)->ArgNames({"logN", "limbs"})->Args({16, 32})->Unit(benchmark::kMillisecond);

// Each kernel the CPU has, on one limb of 2^logN words, for the prime sizes of the presets (the
// AVX-512 kernel takes a shorter path below 2^50). Kernel: 0 portable, 1 AVX2, 2 AVX-512 IFMA.
void BM_NttKernel(benchmark::State& state) {
  const auto kernel = static_cast<ntt::Kernel>(state.range(2));
  if (!ntt::kernel_supported(kernel)) {
    state.SkipWithError("kernel not available on this CPU");
    return;
  }
  const std::size_t n = std::size_t{1} << state.range(0);
  const ntt::NttTables t(n, rns::Modulus(rns::generate_ntt_primes(static_cast<int>(state.range(1)), 1, n)[0]));
  std::vector<uint64_t> data(n);
  for (std::size_t i = 0; i < n; ++i) data[i] = (i * 0x9e3779b97f4a7c15ULL) % t.modulus().value;
  const auto dir = state.range(3) == 0 ? ntt::Direction::Forward : ntt::Direction::Inverse;
  const ntt::NttPlan plan{{&t}, dir};
  for (auto _ : state) {
    ntt::transform_with(kernel, plan, data.data());
    benchmark::ClobberMemory();
  }
  state.SetLabel(std::string(rns::simd_name(kernel)) + (dir == ntt::Direction::Forward ? " forward" : " inverse"));
}
BENCHMARK(BM_NttKernel)
    ->ArgNames({"logN", "bits", "kernel", "inverse"})
    ->ArgsProduct({{16}, {40, 60}, {0, 1, 2}, {0, 1}})
    ->Unit(benchmark::kMicrosecond);

// ---- evaluator ---------------------------------------------------------------------------------

ParametersLiteral literal_for(const std::string& name) {
  if (name == "n15") return presets::seal_like_n15();
  if (name == "n16") return presets::n16_l24_dnum3();
  if (name == "n15h") {
    // 881 bits at logN = 15 split for hybrid key switching: 12 x 55-bit Q, 3 x 55 + 1 x 56-bit P.
    ParametersLiteral lit;
    lit.log_n = 15;
    lit.log_q.assign(12, 55);
    lit.log_p = {55, 55, 55, 56};
    lit.dnum = 3;
    return lit;
  }
  return presets::test_insecure_n12();
}

// One world per parameter set, built on first use and kept for the whole run.
struct World {
  ContextPtr ctx;
  std::unique_ptr<KeyGenerator> keygen;
  RelinKey rk;
  GaloisKeys gk;
  Ciphertext a, b;
  std::unique_ptr<Evaluator> eval;
  explicit World(const std::string& name) {
    ctx = Context::create(Parameters::create(literal_for(name)));
    keygen = std::make_unique<KeyGenerator>(ctx);
    rk = keygen->create_relin_key();
    std::vector<int> steps;
    for (int i = 1; i <= 16; ++i) steps.push_back(i);
    gk = keygen->create_galois_keys(steps);
    Encoder enc(ctx);
    Encryptor encryptor(ctx, keygen->secret_key());
    std::vector<double> x(ctx->params().max_slots(), 0.5);
    a = encryptor.encrypt(enc.encode(x));
    b = encryptor.encrypt(enc.encode(x));
    eval = std::make_unique<Evaluator>(ctx);
  }
};

World& world(const std::string& name) {
  static std::map<std::string, std::unique_ptr<World>> worlds;
  auto& w = worlds[name];
  if (!w) w = std::make_unique<World>(name);
  return *w;
}

void annotate(benchmark::State& state, const World& w) {
  state.counters["logN"] = w.ctx->params().log_n();
  state.counters["limbs"] = w.a.level() + 1;
  state.counters["dnum"] = w.ctx->params().dnum();
  state.counters["logQP"] = w.ctx->params().log_qp();
}

void BM_HMultRelin(benchmark::State& state, const std::string& name) {
  World& w = world(name);
  for (auto _ : state) benchmark::DoNotOptimize(w.eval->multiply(w.a, w.b, w.rk));
  annotate(state, w);
}

void BM_Relinearize(benchmark::State& state, const std::string& name) {
  World& w = world(name);
  const Ciphertext three = w.eval->multiply_no_relin(w.a, w.b);
  for (auto _ : state) {
    state.PauseTiming();
    Ciphertext t = three.clone();
    state.ResumeTiming();
    w.eval->relinearize_inplace(t, w.rk);
    benchmark::DoNotOptimize(t);
  }
  annotate(state, w);
}

void BM_Rescale(benchmark::State& state, const std::string& name) {
  World& w = world(name);
  for (auto _ : state) benchmark::DoNotOptimize(w.eval->rescale(w.a));
  annotate(state, w);
}

void BM_Rotate(benchmark::State& state, const std::string& name) {
  World& w = world(name);
  for (auto _ : state) benchmark::DoNotOptimize(w.eval->rotate(w.a, 1, w.gk));
  annotate(state, w);
}

void BM_Rotate16Hoisted(benchmark::State& state, const std::string& name) {
  World& w = world(name);
  std::vector<int> steps;
  for (int i = 1; i <= 16; ++i) steps.push_back(i);
  for (auto _ : state) benchmark::DoNotOptimize(w.eval->rotate_hoisted(w.a, steps, w.gk));
  annotate(state, w);
}

void BM_Rotate16Sequential(benchmark::State& state, const std::string& name) {
  World& w = world(name);
  for (auto _ : state)
    for (int i = 1; i <= 16; ++i) benchmark::DoNotOptimize(w.eval->rotate(w.a, i, w.gk));
  annotate(state, w);
}

// A plaintext as the encrypted DistilBERT encodes its weights for each product: `slots` values in
// [-1, 1] at level 9 (10 limbs), the default scale. Needs the context only (no keys).
void BM_Encode(benchmark::State& state, const std::string& name, std::size_t slots) {
  static std::map<std::string, ContextPtr> contexts;
  ContextPtr& ctx = contexts[name];
  if (!ctx) ctx = Context::create(Parameters::create(literal_for(name)));
  const Encoder enc(ctx);
  std::vector<double> x(slots);
  for (std::size_t i = 0; i < slots; ++i) x[i] = std::sin(0.001 * static_cast<double>(i));
  for (auto _ : state) benchmark::DoNotOptimize(enc.encode(x, 9));
  state.counters["slots"] = static_cast<double>(slots);
  state.counters["limbs"] = 10;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<char*> args = hnn::bench::threads_from_arguments(argc, argv);
  for (const char* set : {"n15", "n15h", "n16"}) {
    const std::string s = set;
    benchmark::RegisterBenchmark(("HMultRelin/" + s).c_str(), BM_HMultRelin, s)->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("Relinearize/" + s).c_str(), BM_Relinearize, s)->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("Rescale/" + s).c_str(), BM_Rescale, s)->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("Rotate/" + s).c_str(), BM_Rotate, s)->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("Rotate16Hoisted/" + s).c_str(), BM_Rotate16Hoisted, s)->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("Rotate16Sequential/" + s).c_str(), BM_Rotate16Sequential, s)->Unit(benchmark::kMillisecond);
  }
  benchmark::RegisterBenchmark("Encode8192/n16", BM_Encode, std::string("n16"), std::size_t{8192})
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("Encode32768/n16", BM_Encode, std::string("n16"), std::size_t{32768})
      ->Unit(benchmark::kMillisecond);
  int ac = static_cast<int>(args.size());
  benchmark::Initialize(&ac, args.data());
  if (benchmark::ReportUnrecognizedArguments(ac, args.data())) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
