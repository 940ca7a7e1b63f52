// Every misuse raises an exception whose message says how to fix the call.
#include <gtest/gtest.h>

#include "ckks_fixture.h"

using namespace hnn;
using namespace hnn::ckks;

namespace {
#define EXPECT_MESSAGE(call, text)                                        \
  do {                                                                    \
    const std::string msg = test::invalid_argument_message([&] { call; }); \
    EXPECT_NE(msg.find(text), std::string::npos) << "message: " << msg;   \
  } while (0)
}  // namespace

TEST(Errors, MismatchedLevelsScalesAndSlots) {
  test::CkksWorld w(presets::test_insecure_n12());
  const auto z = test::random_complex(64);
  Ciphertext a = w.encrypt(z), b = w.encrypt(z, 3);
  EXPECT_MESSAGE(w.eval->add_inplace(a, b), "drop_to_level_inplace(ct, 3)");
  Ciphertext c = w.eval->multiply(w.encrypt(z), w.encrypt(z), w.rk);
  Ciphertext d = w.encrypt(z);
  EXPECT_MESSAGE(w.eval->add_inplace(c, d), "scales differ");
  Ciphertext e = w.encrypt(test::random_complex(128));
  EXPECT_MESSAGE(w.eval->add_inplace(d, e), "same slot count");
  Plaintext low = w.encoder->encode(z, 1);
  EXPECT_MESSAGE(w.eval->multiply_plain_inplace(d, low), "encode the plaintext at level");
  Ciphertext bottom = w.encrypt(z, 0);
  EXPECT_MESSAGE(w.eval->rescale_inplace(bottom), "level 0");
  EXPECT_MESSAGE(w.eval->drop_to_level_inplace(bottom, 2), "between 0 and the current level");
}

TEST(Errors, MissingGaloisKeyNamesTheStep) {
  test::CkksWorld w(presets::test_insecure_n12());
  GaloisKeys gk = w.keygen->create_galois_keys({1, 2});
  const Ciphertext ct = w.encrypt(test::random_complex(64));
  EXPECT_MESSAGE(w.eval->rotate(ct, 5, gk), "no Galois key for rotation step 5");
  EXPECT_MESSAGE(w.eval->rotate(ct, -3, gk), "rotation step -3");
  EXPECT_MESSAGE(w.eval->rotate_hoisted(ct, {1, 2, 6}, gk), "step 6");
  EXPECT_MESSAGE(w.eval->conjugate(ct, gk), "create_galois_keys(steps, true)");
}

TEST(Errors, ObjectsFromAnotherContext) {
  test::CkksWorld w(presets::test_insecure_n12());
  auto lit = presets::test_insecure_n12();
  lit.log_scale = 30;  // a different parameter set
  test::CkksWorld other(lit);
  const auto z = test::random_complex(64);
  Ciphertext a = w.encrypt(z);
  const Ciphertext b = other.encrypt(z);
  EXPECT_MESSAGE(w.eval->add_inplace(a, b), "another parameter set");
  EXPECT_MESSAGE(w.eval->multiply(a, a, other.rk), "another parameter set");
  EXPECT_MESSAGE(w.decryptor->decrypt(b), "another parameter set");
  EXPECT_MESSAGE(Encryptor(w.ctx, other.pk), "another parameter set");
  GaloisKeys gk = other.keygen->create_galois_keys({1});
  EXPECT_MESSAGE(w.eval->rotate(a, 1, gk), "another parameter set");
}

TEST(Errors, BadSlotCountsAndInsecureParameters) {
  test::CkksWorld w(presets::test_insecure_n12());
  EXPECT_MESSAGE(w.encoder->encode(std::vector<double>(5, 1.0)), "power of two");
  EXPECT_MESSAGE(w.encoder->encode(std::vector<double>(4096, 1.0)), "exceeds N/2");
  auto lit = presets::test_insecure_n12();
  lit.security = SecurityLevel::Bits128;
  EXPECT_MESSAGE(Parameters::create(lit), "SecurityLevel::None");
}
