// Bootstrapping on a CUDA device (or the emulated one) against the CPU bootstrap: the same inputs,
// keys and precomputed plaintexts give exactly the same words, for full, sparse and real slots.
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>

#include "../ckks/ckks_fixture.h"
#include "gpu_compare.h"
#include "hnn/ckks/bootstrap/bootstrapper.h"
#include "hnn/ckks/device.h"

using namespace hnn;
using ckks::Ciphertext;

namespace {

struct Case {
  std::size_t slots;
  bool real;
};

ckks::bootstrap::presets::BootstrapPreset preset_for(Case c) {
  auto preset = ckks::bootstrap::presets::insecure_n12_bootstrap(c.slots);
  preset.config.real_slots = c.real;
  return preset;
}

// The insecure logN 12 preset of case c, a world of its parameters (keys from `seed`), its
// bootstrapper and bootstrapping keys, all on the host.
struct BootWorld {
  ckks::bootstrap::presets::BootstrapPreset preset;
  test::CkksWorld w;
  ckks::bootstrap::Bootstrapper boot;
  ckks::bootstrap::BootstrapKeys keys;
  BootWorld(Case c, uint8_t seed)
      : preset(preset_for(c)), w(preset.params, seed), boot(w.ctx, preset.config), keys(boot.create_keys(*w.keygen)) {}
};

}  // namespace

TEST(GpuBootstrap, MatchesTheCpuBootstrapWordForWord) {
  HNN_REQUIRE_GPU();
  for (const Case c : {Case{0, false}, Case{16, false}, Case{0, true}}) {
    SCOPED_TRACE("slots " + std::to_string(c.slots) + (c.real ? ", real" : ""));
    BootWorld bw(c, 11);
    auto& w = bw.w;
    auto& boot = bw.boot;
    const auto& keys = bw.keys;
    auto x = test::random_complex(boot.slots(), 0.8);
    if (c.real)
      for (auto& v : x) v = v.real();
    Ciphertext ct = w.encryptor->encrypt(w.encoder->encode(x, 0));
    const Ciphertext cpu = boot.bootstrap(ct, keys);
    // The same bootstrapper, its plaintexts moved to the device.
    boot.move_to(test::gpu_device());
    const auto dkeys = ckks::bootstrap::to_device(keys, test::gpu_device());
    const Ciphertext dct = ckks::to_device(ct, test::gpu_device());
    EXPECT_NE(test::invalid_argument_message([&] { boot.bootstrap(ct, keys); }).find("move_to"), std::string::npos);
    const Ciphertext dev = boot.bootstrap(dct, dkeys);
    test::expect_same_words(cpu, dev, "bootstrap");
    // And it decrypts to the message.
    const auto got = w.encoder->decode(w.decryptor->decrypt(dev));
    EXPECT_GT(test::precision(got, x).mean_bits, 15.0);
  }
}

// What the bootstrapper and its keys report about their size holds once they are on the device
// (the figures hnn-bench-bootstrap's BM_CudaBootstrap and `hnn-distilbert --plan --device cuda`
// print): sizes come from the shapes, never from host words a device copy does not have.
// Sparse slots: the CPU keeps the DFT plaintexts in their subring form, the device in full, as
// device_precomputed_bytes() says beforehand; moved back, the CPU form again.
TEST(GpuBootstrap, SizesAreReportedOnTheDevice) {
  HNN_REQUIRE_GPU();
  for (const Case c : {Case{0, false}, Case{64, true}}) {
    BootWorld bw(c, 13);
    auto& boot = bw.boot;
    const auto& keys = bw.keys;
    const std::size_t cpu_bytes = boot.precomputed_bytes(), plaintext_bytes = boot.device_precomputed_bytes();
    const std::size_t key_bytes = keys.size_bytes();
    ASSERT_GT(plaintext_bytes, 0u);
    if (c.slots == 0) EXPECT_EQ(cpu_bytes, plaintext_bytes);
    else EXPECT_LT(cpu_bytes, plaintext_bytes);
    EXPECT_EQ(key_bytes, boot.key_bytes());
    boot.move_to(test::gpu_device());
    EXPECT_EQ(boot.precomputed_bytes(), plaintext_bytes) << c.slots << " slots";
    EXPECT_EQ(boot.device_precomputed_bytes(), plaintext_bytes) << c.slots << " slots";
    EXPECT_EQ(ckks::bootstrap::to_device(keys, test::gpu_device()).size_bytes(), key_bytes);
    boot.move_to(rns::Device::cpu());
    EXPECT_EQ(boot.precomputed_bytes(), cpu_bytes) << c.slots << " slots";
  }
}

// "No hidden host round trips": once its tables are on the device (the first bootstrap builds the
// permutations), a bootstrap on the device never waits for it and copies nothing back; what it
// launches and uploads (the giant steps' pointer tables) is printed for the launch-overhead plan.
TEST(GpuBootstrap, NeverWaitsForTheDevice) {
  HNN_REQUIRE_GPU();
  BootWorld bw({0, false}, 12);
  auto& w = bw.w;
  auto& boot = bw.boot;
  const auto& keys = bw.keys;
  boot.move_to(test::gpu_device());
  const auto dkeys = ckks::bootstrap::to_device(keys, test::gpu_device());
  const auto x = test::random_complex(boot.slots(), 0.8);
  const Ciphertext dct = ckks::to_device(w.encryptor->encrypt(w.encoder->encode(x, 0)), test::gpu_device());
  (void)boot.bootstrap(dct, dkeys);
  const cuda::Activity before = cuda::activity();
  const Ciphertext out = boot.bootstrap(dct, dkeys);
  const cuda::Activity a = cuda::activity() - before;
  std::printf("[activity] one logN 12 bootstrap on the device: %llu kernel launches, %llu uploads (%llu bytes), "
              "%llu host waits, %llu downloads\n",
              static_cast<unsigned long long>(a.launches), static_cast<unsigned long long>(a.uploads),
              static_cast<unsigned long long>(a.upload_bytes), static_cast<unsigned long long>(a.host_waits),
              static_cast<unsigned long long>(a.downloads));
  EXPECT_GT(a.launches, 0u);
  EXPECT_EQ(a.host_waits, 0u);
  EXPECT_EQ(a.downloads, 0u);
  EXPECT_GT(test::precision(w.encoder->decode(w.decryptor->decrypt(out)), x).mean_bits, 15.0);
  const cuda::Activity before_copy = cuda::activity();
  (void)ckks::to_host(out);
  const cuda::Activity copy = cuda::activity() - before_copy;
  EXPECT_GE(copy.host_waits, 1u);  // the counters do see a round trip
  EXPECT_GE(copy.downloads, 2u);
}
