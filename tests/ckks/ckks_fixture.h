// A small CKKS world (context, keys, encoder, encryptor, decryptor, evaluator) for tests.
#pragma once
#include <memory>

#include "hnn/ckks/ckks.h"
#include "test_util.h"

namespace hnn::test {

struct CkksWorld {
  ckks::ContextPtr ctx;
  std::unique_ptr<ckks::KeyGenerator> keygen;
  ckks::PublicKey pk;
  ckks::RelinKey rk;
  std::unique_ptr<ckks::Encoder> encoder;
  std::unique_ptr<ckks::Encryptor> encryptor;
  std::unique_ptr<ckks::Decryptor> decryptor;
  std::unique_ptr<ckks::Evaluator> eval;

  explicit CkksWorld(const ckks::ParametersLiteral& lit, uint8_t seed = 1) {
    ctx = ckks::Context::create(ckks::Parameters::create(lit));
    rns::Prng::Seed s{};
    s[0] = seed;
    keygen = std::make_unique<ckks::KeyGenerator>(ckks::KeyGenerator::insecure_from_seed_for_testing(ctx, s));
    pk = keygen->create_public_key();
    rk = keygen->create_relin_key();
    encoder = std::make_unique<ckks::Encoder>(ctx);
    encryptor = std::make_unique<ckks::Encryptor>(ctx, pk);
    decryptor = std::make_unique<ckks::Decryptor>(ctx, keygen->secret_key());
    eval = std::make_unique<ckks::Evaluator>(ctx);
  }
  ckks::Ciphertext encrypt(const std::vector<std::complex<double>>& v, int level = -1) {
    return encryptor->encrypt(encoder->encode(v, level));
  }
  std::vector<std::complex<double>> decrypt(const ckks::Ciphertext& ct) {
    return encoder->decode(decryptor->decrypt(ct));
  }
};

// logN = 12 with a chain long enough for a depth-10 circuit (insecure: tests only).
inline ckks::ParametersLiteral deep_test_literal(int log_n = 12, int depth = 11) {
  ckks::ParametersLiteral lit;
  lit.log_n = log_n;
  lit.log_q.assign(depth + 1, 40);
  lit.log_q[0] = 60;
  lit.log_p = {60, 60, 60};
  lit.dnum = 4;
  lit.security = ckks::SecurityLevel::None;
  return lit;
}

}  // namespace hnn::test
