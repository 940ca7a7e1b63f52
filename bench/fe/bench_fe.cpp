// Per-operation costs of hnn::fe (CryptoNN's building blocks), single-threaded unless noted.
// Run: build/bin/hnn-bench-fe --benchmark_out=bench/results/fe_ops.json --benchmark_out_format=json
#include <benchmark/benchmark.h>
#include <omp.h>
#include <sodium.h>

#include <memory>
#include <random>

#include "hnn/fe/dlog.h"
#include "hnn/fe/febo.h"
#include "hnn/fe/feip.h"
#include "hnn/fe/modp_group.h"
#include "hnn/fe/ristretto255.h"

namespace {

using hnn::fe::BoundedDlog;
using hnn::fe::Feip;
using hnn::fe::FeipEncryptor;
using hnn::fe::FeipMasterKey;
using hnn::fe::FeipPublicKey;
using hnn::fe::ModpGroup;
using hnn::fe::Ristretto255;

std::vector<int64_t> random_pixels(std::size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<int64_t> x(n);
  for (auto& v : x) v = static_cast<int64_t>(rng() % 256);
  return x;
}
std::vector<int64_t> random_weights(std::size_t n, int64_t range, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<int64_t> y(n);
  for (auto& v : y) v = static_cast<int64_t>(rng() % (2 * range + 1)) - range;
  return y;
}

// ---- group operations ------------------------------------------------------------------------
void BM_Ristretto255_Mul(benchmark::State& st) {
  Ristretto255 g;
  auto a = g.pow(g.generator(), g.scalar_random());
  const auto b = g.pow(g.generator(), g.scalar_random());
  for (auto _ : st) benchmark::DoNotOptimize(a = g.mul(a, b));
}
BENCHMARK(BM_Ristretto255_Mul);

void BM_Ristretto255_Pow(benchmark::State& st) {
  Ristretto255 g;
  const auto a = g.pow(g.generator(), g.scalar_random());
  const auto k = g.scalar_random();
  for (auto _ : st) benchmark::DoNotOptimize(g.pow(a, k));
}
BENCHMARK(BM_Ristretto255_Pow);

void BM_Ristretto255_PowFixedBase(benchmark::State& st) {
  Ristretto255 g;
  const auto table = g.precompute(g.pow(g.generator(), g.scalar_random()));
  const auto k = g.scalar_random();
  for (auto _ : st) benchmark::DoNotOptimize(g.pow_fixed(table, k));
}
BENCHMARK(BM_Ristretto255_PowFixedBase);

void BM_Libsodium_ScalarmultRistretto255(benchmark::State& st) {
  // Reference: libsodium's own variable-base scalar multiplication on encoded points.
  if (sodium_init() < 0) st.SkipWithError("sodium_init");
  unsigned char p[32], k[32], out[32];
  crypto_core_ristretto255_random(p);
  crypto_core_ristretto255_scalar_random(k);
  for (auto _ : st) benchmark::DoNotOptimize(crypto_scalarmult_ristretto255(out, k, p));
}
BENCHMARK(BM_Libsodium_ScalarmultRistretto255);

void BM_Libsodium_AddEncodedRistretto255(benchmark::State& st) {
  // Why the group law is ours: one addition through the encoded-point API.
  if (sodium_init() < 0) st.SkipWithError("sodium_init");
  unsigned char a[32], b[32];
  crypto_core_ristretto255_random(a);
  crypto_core_ristretto255_random(b);
  for (auto _ : st) benchmark::DoNotOptimize(crypto_core_ristretto255_add(a, a, b));
}
BENCHMARK(BM_Libsodium_AddEncodedRistretto255);

void BM_Ristretto255_Decode(benchmark::State& st) {
  Ristretto255 g;
  const auto bytes = g.encode(g.pow(g.generator(), g.scalar_random()));
  for (auto _ : st) benchmark::DoNotOptimize(g.decode(bytes));
}
BENCHMARK(BM_Ristretto255_Decode);

void BM_Modp3072_Pow(benchmark::State& st) {
  const ModpGroup g = hnn::fe::modp_3072();
  const auto a = g.pow(g.generator(), g.scalar_random());
  const auto k = g.scalar_random();
  for (auto _ : st) benchmark::DoNotOptimize(g.pow(a, k));
}
BENCHMARK(BM_Modp3072_Pow)->Unit(benchmark::kMillisecond);

void BM_Modp3072_Mul(benchmark::State& st) {
  const ModpGroup g = hnn::fe::modp_3072();
  auto a = g.pow(g.generator(), g.scalar_random());
  const auto b = g.pow(g.generator(), g.scalar_random());
  for (auto _ : st) benchmark::DoNotOptimize(a = g.mul(a, b));
}
BENCHMARK(BM_Modp3072_Mul);

// ---- FEIP at the MNIST sizes: n = 784 (a sample), n = 64 (a transposed batch column) ----------
template <class G>
struct FeipFixture {
  explicit FeipFixture(G group, std::size_t n) : g(group), feip(group) {
    feip.setup(n, msk, mpk);
    enc = std::make_unique<FeipEncryptor<G>>(g, mpk, 8);
    x = random_pixels(n, 1);
    ct = enc->encrypt(x);
  }
  G g;
  Feip<G> feip;
  FeipMasterKey<G> msk;
  FeipPublicKey<G> mpk;
  std::unique_ptr<FeipEncryptor<G>> enc;
  std::vector<int64_t> x;
  hnn::fe::FeipCiphertext<G> ct;
};

void BM_Feip_Encrypt_Ristretto255(benchmark::State& st) {
  FeipFixture<Ristretto255> f(Ristretto255(), static_cast<std::size_t>(st.range(0)));
  for (auto _ : st) benchmark::DoNotOptimize(f.enc->encrypt(f.x));
  st.counters["per_element_us"] = benchmark::Counter(static_cast<double>(st.range(0)),
                                                     benchmark::Counter::kIsIterationInvariantRate |
                                                         benchmark::Counter::kInvert);
}
BENCHMARK(BM_Feip_Encrypt_Ristretto255)->Arg(784)->Arg(64)->Unit(benchmark::kMillisecond);

void BM_Feip_EncryptorSetup_Ristretto255(benchmark::State& st) {
  FeipFixture<Ristretto255> f(Ristretto255(), 784);
  omp_set_num_threads(1);
  for (auto _ : st) benchmark::DoNotOptimize(FeipEncryptor<Ristretto255>(f.g, f.mpk, 8));
  omp_set_num_threads(omp_get_num_procs());
}
BENCHMARK(BM_Feip_EncryptorSetup_Ristretto255)->Unit(benchmark::kMillisecond);

void BM_Feip_DeriveKey_Ristretto255(benchmark::State& st) {
  FeipFixture<Ristretto255> f(Ristretto255(), static_cast<std::size_t>(st.range(0)));
  const auto y = random_weights(static_cast<std::size_t>(st.range(0)), 200, 2);
  for (auto _ : st) benchmark::DoNotOptimize(f.feip.derive_key(f.msk, y));
}
BENCHMARK(BM_Feip_DeriveKey_Ristretto255)->Arg(784)->Arg(64)->Unit(benchmark::kMicrosecond);

// One inner product: multi-exponentiation of size n (weights ~ W1 * 2^10) and ct0^sk, no dlog.
void BM_Feip_DecryptToGroup_Ristretto255(benchmark::State& st) {
  const std::size_t n = static_cast<std::size_t>(st.range(0));
  FeipFixture<Ristretto255> f(Ristretto255(), n);
  const auto y = random_weights(n, static_cast<int64_t>(st.range(1)), 3);
  const auto sk = f.feip.derive_key(f.msk, y);
  for (auto _ : st) benchmark::DoNotOptimize(f.feip.decrypt_to_group(f.ct, y, sk));
}
BENCHMARK(BM_Feip_DecryptToGroup_Ristretto255)->Args({784, 100})->Args({64, 4000})->Unit(benchmark::kMicrosecond);

// 64 keys on one ciphertext (W1 x for 64 hidden units, or one pixel column for 64 units),
// including the batched discrete logs; single thread.
void BM_Feip_DecryptMany64_Ristretto255(benchmark::State& st) {
  omp_set_num_threads(1);
  const std::size_t n = static_cast<std::size_t>(st.range(0)), k = 64;
  FeipFixture<Ristretto255> f(Ristretto255(), n);
  std::vector<int64_t> ys;
  std::vector<Ristretto255::Scalar> sks;
  for (std::size_t j = 0; j < k; ++j) {
    const auto y = random_weights(n, static_cast<int64_t>(st.range(1)), 10 + j);
    ys.insert(ys.end(), y.begin(), y.end());
    sks.push_back(f.feip.derive_key(f.msk, y));
  }
  static BoundedDlog<Ristretto255> dlog(Ristretto255(), int64_t{1} << 40, int64_t{1} << 20);
  for (auto _ : st) benchmark::DoNotOptimize(f.feip.decrypt_many(f.ct, ys, sks, dlog));
  omp_set_num_threads(omp_get_num_procs());
}
BENCHMARK(BM_Feip_DecryptMany64_Ristretto255)->Args({784, 100})->Args({64, 4000})->Unit(benchmark::kMillisecond);

// ---- discrete log ----------------------------------------------------------------------------
void BM_Dlog_TableBuild_Ristretto255(benchmark::State& st) {
  omp_set_num_threads(1);
  for (auto _ : st) benchmark::DoNotOptimize(BoundedDlog<Ristretto255>(Ristretto255(), int64_t{1} << 40, st.range(0)));
  omp_set_num_threads(omp_get_num_procs());
}
BENCHMARK(BM_Dlog_TableBuild_Ristretto255)->Arg(1 << 16)->Arg(1 << 20)->Unit(benchmark::kMillisecond);

// One discrete log of a value |v| ~ st.range(0) with the training table (m = 2^20), batched by 64.
void BM_Dlog_Solve64_Ristretto255(benchmark::State& st) {
  omp_set_num_threads(1);
  Ristretto255 g;
  static BoundedDlog<Ristretto255> dlog(g, int64_t{1} << 40, int64_t{1} << 20);
  std::mt19937_64 rng(5);
  std::vector<Ristretto255::Element> hs;
  for (int i = 0; i < 64; ++i)
    hs.push_back(g.pow(g.generator(), g.scalar_from_int(static_cast<int64_t>(rng() % (2 * st.range(0) + 1)) - st.range(0))));
  for (auto _ : st) benchmark::DoNotOptimize(dlog.solve_many(hs));
  st.counters["per_dlog_us"] = benchmark::Counter(64, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
  omp_set_num_threads(omp_get_num_procs());
}
BENCHMARK(BM_Dlog_Solve64_Ristretto255)->Arg(1 << 18)->Arg(1 << 24)->Arg(1 << 28)->Unit(benchmark::kMicrosecond);

// ---- FEBO --------------------------------------------------------------------------------------
void BM_Febo_DeriveKeySub_Ristretto255(benchmark::State& st) {
  Ristretto255 g;
  hnn::fe::Febo<Ristretto255> febo(g);
  hnn::fe::FeboMasterKey<Ristretto255> msk;
  hnn::fe::FeboPublicKey<Ristretto255> mpk;
  febo.setup(msk, mpk);
  const auto ct = febo.encrypt(mpk, 1 << 16, 17);
  for (auto _ : st) benchmark::DoNotOptimize(febo.derive_key(msk, ct.cmt, hnn::fe::FeboOp::kSub, 12345));
}
BENCHMARK(BM_Febo_DeriveKeySub_Ristretto255)->Unit(benchmark::kMicrosecond);

// ---- modp-3072 FEIP: per element (n = 8), to compare with ristretto255 ---------------------------
void BM_Feip_Encrypt_Modp3072(benchmark::State& st) {
  FeipFixture<ModpGroup> f(hnn::fe::modp_3072(), 8);
  for (auto _ : st) benchmark::DoNotOptimize(f.enc->encrypt(f.x));
  st.counters["per_element_ms"] = benchmark::Counter(8 * 1000.0, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_Feip_Encrypt_Modp3072)->Unit(benchmark::kMillisecond);

void BM_Feip_DecryptToGroup_Modp3072(benchmark::State& st) {
  FeipFixture<ModpGroup> f(hnn::fe::modp_3072(), 8);
  const auto y = random_weights(8, 100, 3);
  const auto sk = f.feip.derive_key(f.msk, y);
  for (auto _ : st) benchmark::DoNotOptimize(f.feip.decrypt_to_group(f.ct, y, sk));
}
BENCHMARK(BM_Feip_DecryptToGroup_Modp3072)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
