// Every Evaluator operation on a CUDA device (or the emulated one) against the CPU backend: the
// same inputs and keys give exactly the same words. Device buffers start poisoned (emulated always,
// GPU with HNN_CUDA_POISON=1), so an unwritten word shows as a mismatch.
#include <gtest/gtest.h>

#include <cstdio>
#include <functional>
#include <utility>
#include <vector>

#include "../ckks/ckks_fixture.h"
#include "gpu_compare.h"
#include "hnn/ckks/device.h"

using namespace hnn;
using ckks::Ciphertext;

namespace {

// 7 Q limbs (50 + 6 x 40 bits) and 3 special primes, dnum 3: three digits at the top level, two
// and one further down, so ModUp, the inner product and ModDown see every digit shape.
ckks::ParametersLiteral literal(int log_n) {
  ckks::ParametersLiteral lit;
  lit.log_n = log_n;
  lit.log_q = {50, 40, 40, 40, 40, 40, 40};
  lit.log_p = {50, 50, 50};
  lit.dnum = 3;
  lit.security = ckks::SecurityLevel::None;
  return lit;
}

std::vector<int> ring_sizes() {
  if (test::kGpuEmulated) return {12, 13};
  return {12, 13, 14, 15, 16};
}

struct DeviceWorld : test::CkksWorld {
  ckks::GaloisKeys gk, gk_low;
  ckks::RelinKey rk_dev;
  ckks::GaloisKeys gk_dev, gk_low_dev;
  rns::Device dev = test::gpu_device();
  explicit DeviceWorld(int log_n) : CkksWorld(literal(log_n), static_cast<uint8_t>(log_n)) {
    gk = keygen->create_galois_keys({1, -1, 2, 5, -3}, true);
    gk_low = keygen->create_galois_keys({3}, false, 2);  // restricted to levels <= 2
    rk_dev = ckks::to_device(rk, dev);
    gk_dev = ckks::to_device(gk, dev);
    gk_low_dev = ckks::to_device(gk_low, dev);
  }
  std::size_t slots() const { return ctx->n() / 2; }
  Ciphertext fresh(int level = -1) { return encrypt(test::random_complex(slots()), level); }
};

}  // namespace

TEST(GpuEvaluator, AdditiveAndPlaintextOperationsMatchCpu) {
  HNN_REQUIRE_GPU();
  for (int log_n : ring_sizes()) {
    SCOPED_TRACE("logN = " + std::to_string(log_n));
    DeviceWorld w(log_n);
    const auto& ev = *w.eval;
    const Ciphertext a = w.fresh(), b = w.fresh();
    const ckks::Plaintext p = w.encoder->encode(test::random_complex(w.slots()));
    const Ciphertext da = ckks::to_device(a, w.dev), db = ckks::to_device(b, w.dev);
    const ckks::Plaintext dp = ckks::to_device(p, w.dev);
    test::expect_same_words(ev.add(a, b), ev.add(da, db), "add");
    test::expect_same_words(ev.sub(a, b), ev.sub(da, db), "sub");
    test::expect_same_words(ev.negate(a), ev.negate(da), "negate");
    auto both = [&](const char* what, auto op) {
      Ciphertext x = a.clone(), y = da.clone();
      op(x);
      op(y);
      test::expect_same_words(x, y, what);
    };
    both("add_plain", [&](Ciphertext& c) { ev.add_plain_inplace(c, c.device().is_cpu() ? p : dp); });
    both("sub_plain", [&](Ciphertext& c) { ev.sub_plain_inplace(c, c.device().is_cpu() ? p : dp); });
    both("add_const real", [&](Ciphertext& c) { ev.add_const_inplace(c, {0.375, 0}); });
    both("add_const complex", [&](Ciphertext& c) { ev.add_const_inplace(c, {-0.25, 1.5}); });
    both("multiply_plain", [&](Ciphertext& c) { ev.multiply_plain_inplace(c, c.device().is_cpu() ? p : dp); });
    both("multiply_const complex", [&](Ciphertext& c) { ev.multiply_const_inplace(c, {0.5, -0.75}); });
    both("multiply_const by i", [&](Ciphertext& c) { ev.multiply_const_inplace(c, {0, 1}, 1.0); });
    both("multiply_integer", [&](Ciphertext& c) { ev.multiply_integer_inplace(c, -7); });
    both("rescale", [&](Ciphertext& c) { ev.rescale_inplace(c); });
    both("drop_to_level", [&](Ciphertext& c) { ev.drop_to_level_inplace(c, 2); });
    test::expect_same_words(ev.copy_at_level(a, 3), ev.copy_at_level(da, 3), "copy_at_level");
    // acc += a * p after acc = b * p (equal scales).
    Ciphertext acc = b.clone(), dacc = db.clone();
    ev.multiply_plain_inplace(acc, p);
    ev.multiply_plain_inplace(dacc, dp);
    ev.multiply_plain_add_inplace(acc, a, p);
    ev.multiply_plain_add_inplace(dacc, da, dp);
    test::expect_same_words(acc, dacc, "multiply_plain_add");
    // acc' += c * a, a two levels above acc'.
    Ciphertext cacc = ev.copy_at_level(b, 4), dcacc = ev.copy_at_level(db, 4);
    cacc.set_scale(a.scale() * 1048576.0);  // the words do not care: as after a constant product
    dcacc.set_scale(cacc.scale());
    ev.multiply_const_add_inplace(cacc, a, -0.375, 1048576.0);
    ev.multiply_const_add_inplace(dcacc, da, -0.375, 1048576.0);
    test::expect_same_words(cacc, dcacc, "multiply_const_add");
  }
}

TEST(GpuEvaluator, MultiplicationsRelinearizationAndRescaleMatchCpu) {
  HNN_REQUIRE_GPU();
  for (int log_n : ring_sizes()) {
    SCOPED_TRACE("logN = " + std::to_string(log_n));
    DeviceWorld w(log_n);
    const auto& ev = *w.eval;
    // At the top level (3 digits), at level 4 (2 digits) and at level 1 (1 digit).
    for (int level : {6, 4, 1}) {
      SCOPED_TRACE("level " + std::to_string(level));
      const Ciphertext a = w.fresh(level), b = w.fresh(level);
      const Ciphertext da = ckks::to_device(a, w.dev), db = ckks::to_device(b, w.dev);
      const Ciphertext t = ev.multiply_no_relin(a, b), dt = ev.multiply_no_relin(da, db);
      test::expect_same_words(t, dt, "multiply_no_relin");
      test::expect_same_words(ev.multiply(a, b, w.rk), ev.multiply(da, db, w.rk_dev), "multiply + relinearize");
      test::expect_same_words(ev.square(a, w.rk), ev.square(da, w.rk_dev), "square");
      Ciphertext f = t.clone(), df = dt.clone();
      ev.relinearize_rescale_inplace(f, w.rk);
      ev.relinearize_rescale_inplace(df, w.rk_dev);
      test::expect_same_words(f, df, "relinearize_rescale");
      // A 2-component ciphertext plus a 3-component one (the sum grows a zero third component).
      const ckks::Plaintext p = w.encoder->encode(test::random_complex(w.slots()), level);
      Ciphertext s = a.clone(), ds = da.clone();
      ev.multiply_plain_inplace(s, p);
      ev.multiply_plain_inplace(ds, ckks::to_device(p, w.dev));
      ev.add_inplace(s, t);
      ev.add_inplace(ds, dt);
      test::expect_same_words(s, ds, "add of 2- and 3-component");
    }
  }
}

TEST(GpuEvaluator, RotationsHoistingAndConjugationMatchCpu) {
  HNN_REQUIRE_GPU();
  for (int log_n : ring_sizes()) {
    SCOPED_TRACE("logN = " + std::to_string(log_n));
    DeviceWorld w(log_n);
    const auto& ev = *w.eval;
    for (int level : {6, 2}) {
      SCOPED_TRACE("level " + std::to_string(level));
      const Ciphertext a = w.fresh(level);
      const Ciphertext da = ckks::to_device(a, w.dev);
      for (int step : {1, -1, 5})
        test::expect_same_words(ev.rotate(a, step, w.gk), ev.rotate(da, step, w.gk_dev), "rotate " + std::to_string(step));
      test::expect_same_words(ev.conjugate(a, w.gk), ev.conjugate(da, w.gk_dev), "conjugate");
      const std::vector<int> steps{1, 2, -3, 0};
      const auto h = ev.rotate_hoisted(a, steps, w.gk), dh = ev.rotate_hoisted(da, steps, w.gk_dev);
      ASSERT_EQ(dh.size(), h.size());
      for (std::size_t i = 0; i < h.size(); ++i)
        test::expect_same_words(h[i], dh[i], "rotate_hoisted " + std::to_string(steps[i]));
    }
    // A level-restricted key (its special limbs at another offset).
    const Ciphertext low = w.fresh(2);
    test::expect_same_words(ev.rotate(low, 3, w.gk_low), ev.rotate(ckks::to_device(low, w.dev), 3, w.gk_low_dev),
                      "rotate with a restricted key");
  }
}

TEST(GpuEvaluator, ADeviceCircuitDecryptsLikeTheCpuOne) {
  HNN_REQUIRE_GPU();
  DeviceWorld w(12);
  const auto& ev = *w.eval;
  const auto x = test::random_complex(w.slots());
  const Ciphertext a = w.encrypt(x);
  auto circuit = [&](const Ciphertext& in, const ckks::RelinKey& rk, const ckks::GaloisKeys& gk) {
    Ciphertext y = ev.multiply(in, in, rk);  // x^2
    ev.rescale_inplace(y);
    Ciphertext r = ev.rotate(y, 1, gk);
    ev.add_inplace(r, y);  // x^2 rotated + x^2
    ev.multiply_const_inplace(r, {0.5, 0});
    ev.rescale_inplace(r);
    return r;
  };
  const Ciphertext cpu = circuit(a, w.rk, w.gk);
  const Ciphertext dev = circuit(ckks::to_device(a, w.dev), w.rk_dev, w.gk_dev);
  test::expect_same_words(cpu, dev, "circuit");
  // The Decryptor takes the device ciphertext as it is (copies it back) and agrees with the CPU.
  const auto got = w.encoder->decode(w.decryptor->decrypt(dev));
  const auto want = w.encoder->decode(w.decryptor->decrypt(cpu));
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], want[i]) << "slot " << i;
  // And the value is the circuit's: (x_{i+1}^2 + x_i^2) / 2.
  const std::size_t n = x.size();
  std::vector<std::complex<double>> expected(n);
  for (std::size_t i = 0; i < n; ++i) expected[i] = 0.5 * (x[(i + 1) % n] * x[(i + 1) % n] + x[i] * x[i]);
  EXPECT_GT(test::precision(got, expected).mean_bits, 20.0);
}

TEST(GpuEvaluator, MixedDevicesAreRefusedWithAFix) {
  HNN_REQUIRE_GPU();
  DeviceWorld w(12);
  const auto& ev = *w.eval;
  const Ciphertext a = w.fresh();
  Ciphertext da = ckks::to_device(a, w.dev);
  const ckks::Plaintext p = w.encoder->encode(test::random_complex(w.slots()));
  EXPECT_NE(test::invalid_argument_message([&] { ev.add_plain_inplace(da, p); }).find("to_device"), std::string::npos);
  EXPECT_NE(test::invalid_argument_message([&] { ev.add(a, da); }).find("to_device"), std::string::npos);
  // Keys on the host with a device ciphertext, and the reverse.
  EXPECT_NE(test::invalid_argument_message([&] { ev.rotate(da, 1, w.gk); }).find("to_device"), std::string::npos);
  EXPECT_NE(test::invalid_argument_message([&] { ev.rotate(a, 1, w.gk_dev); }).find("to_host"), std::string::npos);
  EXPECT_NE(test::invalid_argument_message([&] { ckks::to_device(da, w.dev); }).find("already on"), std::string::npos);
}

// "No hidden host round trips inside an op": once warm (the first rotation by a step builds its
// permutation on the device), no Evaluator operation on device operands waits for the device or
// copies anything back. What each launches is printed: at logN 16 the launch overhead of an
// operation is about its launch count times the device's per-launch cost (the launch counts do not
// depend on N).
TEST(GpuEvaluator, OperationsNeverWaitForTheDevice) {
  HNN_REQUIRE_GPU();
  DeviceWorld w(12);
  const auto& ev = *w.eval;
  const Ciphertext da = ckks::to_device(w.fresh(), w.dev), db = ckks::to_device(w.fresh(), w.dev);
  const ckks::Plaintext dp = ckks::to_device(w.encoder->encode(test::random_complex(w.slots())), w.dev);
  const std::vector<int> steps{1, 2, -3, 5};
  const std::vector<std::pair<const char*, std::function<Ciphertext()>>> ops = {
      {"add", [&] { return ev.add(da, db); }},
      {"multiply_plain", [&] { Ciphertext c = da.clone(); ev.multiply_plain_inplace(c, dp); return c; }},
      {"multiply_no_relin", [&] { return ev.multiply_no_relin(da, db); }},
      {"multiply + relinearize", [&] { return ev.multiply(da, db, w.rk_dev); }},
      {"multiply + relinearize_rescale", [&] {
         Ciphertext c = ev.multiply_no_relin(da, db);
         ev.relinearize_rescale_inplace(c, w.rk_dev);
         return c;
       }},
      {"rescale", [&] { return ev.rescale(da); }},
      {"rotate", [&] { return ev.rotate(da, 1, w.gk_dev); }},
      {"conjugate", [&] { return ev.conjugate(da, w.gk_dev); }},
      {"rotate_hoisted x4", [&] { return std::move(ev.rotate_hoisted(da, steps, w.gk_dev)[0]); }},
  };
  for (const auto& [name, op] : ops) {
    SCOPED_TRACE(name);
    (void)op();
    const cuda::Activity before = cuda::activity();
    const Ciphertext out = op();
    const cuda::Activity a = cuda::activity() - before;
    std::printf("[activity] %s (7 Q limbs, 3 special, dnum 3, top level): %llu kernel launches, %llu uploads, "
                "%llu host waits, %llu downloads\n",
                name, static_cast<unsigned long long>(a.launches), static_cast<unsigned long long>(a.uploads),
                static_cast<unsigned long long>(a.host_waits), static_cast<unsigned long long>(a.downloads));
    EXPECT_TRUE(out.device() == w.dev);
    EXPECT_GT(a.launches, 0u);
    EXPECT_EQ(a.host_waits, 0u);
    EXPECT_EQ(a.downloads, 0u);
  }
}
