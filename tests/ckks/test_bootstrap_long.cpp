// Bootstrapping at the 128-bit logN = 16 preset (tier `long`): precision over all 2^15 complex
// slots, asserted >= 24 bits mean and >= 18 bits minimum (Lattigo publishes 19.1 bits mean).
// EvalMod's range cannot fail: see the derivation of K in bootstrapper.h.
#include <gtest/gtest.h>

#include <chrono>

#include "ckks_fixture.h"
#include "hnn/ckks/bootstrap/bootstrapper.h"

namespace hnn::test {
namespace {

using namespace hnn::ckks;

TEST(BootstrapLong, N16FullSlotsPrecision) {
  const auto preset = bootstrap::presets::n16_bootstrap();
  auto t0 = std::chrono::steady_clock::now();
  CkksWorld w(preset.params, 11);
  bootstrap::Bootstrapper boot(w.ctx, preset.config);
  const auto keys = boot.create_keys(*w.keygen);
  const double setup = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("n16 bootstrap: log QP %.1f, %d levels after bootstrapping, %zu keys (%.2f GB), %zu plaintexts (%.2f GB), setup %.1f s\n",
              w.ctx->params().log_qp(), boot.output_level(), keys.key_count(), keys.size_bytes() / 1e9,
              boot.plaintext_count(), boot.precomputed_bytes() / 1e9, setup);
  EXPECT_GE(boot.output_level(), 9);
  for (int kind = 0; kind < 2; ++kind) {
    auto x = random_complex(boot.slots());
    if (kind == 1) for (auto& v : x) v = v.real();
    bootstrap::BootstrapTimings t;
    const Ciphertext out = boot.bootstrap(w.encrypt(x, 0), keys, &t);
    const auto stats = precision(w.decrypt(out), x);
    std::printf("n16 bootstrap (%s): precision mean %.2f min %.2f bits; ModRaise %.1f s, CoeffToSlot %.1f s, EvalMod %.1f s, SlotToCoeff %.1f s\n",
                kind == 0 ? "complex" : "real", stats.mean_bits, stats.min_bits, t.mod_raise_s, t.coeff_to_slot_s, t.eval_mod_s,
                t.slot_to_coeff_s);
    EXPECT_GE(stats.mean_bits, 24);
    EXPECT_GE(stats.min_bits, 18);
    EXPECT_EQ(out.level(), boot.output_level());
  }
}

// The configuration the encrypted DistilBERT uses: 8192 sparse slots, real.
TEST(BootstrapLong, N16SparseRealSlotsPrecision) {
  auto preset = bootstrap::presets::n16_bootstrap(8192);
  preset.config.real_slots = true;
  CkksWorld w(preset.params, 12);
  bootstrap::Bootstrapper boot(w.ctx, preset.config);
  const auto keys = boot.create_keys(*w.keygen);
  auto x = random_complex(boot.slots());
  for (auto& v : x) v = v.real();
  bootstrap::BootstrapTimings t;
  const Ciphertext out = boot.bootstrap(w.encrypt(x, 0), keys, &t);
  const auto stats = precision(w.decrypt(out), x);
  std::printf("n16 bootstrap (8192 real slots): precision mean %.2f min %.2f bits; ModRaise %.1f s, CoeffToSlot %.1f s, "
              "EvalMod %.1f s, SlotToCoeff %.1f s\n",
              stats.mean_bits, stats.min_bits, t.mod_raise_s, t.coeff_to_slot_s, t.eval_mod_s, t.slot_to_coeff_s);
  EXPECT_GE(stats.mean_bits, 24);
  EXPECT_GE(stats.min_bits, 18);
}

}  // namespace
}  // namespace hnn::test
