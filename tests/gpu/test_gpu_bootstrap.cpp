// Bootstrapping on a CUDA device (or the emulated one) against the CPU bootstrap: the same inputs,
// keys and precomputed plaintexts give exactly the same words, for full, sparse and real slots.
#include <gtest/gtest.h>

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

}  // namespace

TEST(GpuBootstrap, MatchesTheCpuBootstrapWordForWord) {
  HNN_REQUIRE_GPU();
  for (const Case c : {Case{0, false}, Case{16, false}, Case{0, true}}) {
    SCOPED_TRACE("slots " + std::to_string(c.slots) + (c.real ? ", real" : ""));
    auto preset = ckks::bootstrap::presets::insecure_n12_bootstrap(c.slots);
    preset.config.real_slots = c.real;
    test::CkksWorld w(preset.params, 11);
    ckks::bootstrap::Bootstrapper boot(w.ctx, preset.config);
    const auto keys = boot.create_keys(*w.keygen);
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
