// A project outside hnn: encrypt, multiply, decrypt through the installed package.
#include <cmath>
#include <cstdio>

#include "hnn/ckks/ckks.h"

int main() {
  using namespace hnn::ckks;
  auto ctx = Context::create(Parameters::create(presets::test_insecure_n12()));
  KeyGenerator keygen(ctx);
  PublicKey pk = keygen.create_public_key();
  RelinKey rk = keygen.create_relin_key();
  Encoder encoder(ctx);
  Encryptor encryptor(ctx, pk);
  Decryptor decryptor(ctx, keygen.secret_key());
  Evaluator eval(ctx);
  std::vector<double> x = {1.5, -2.0, 0.25, 3.0};
  Ciphertext ct = encryptor.encrypt(encoder.encode(x));
  Ciphertext sq = eval.multiply(ct, ct, rk);
  eval.rescale_inplace(sq);
  auto got = encoder.decode_real(decryptor.decrypt(sq));
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (std::fabs(got[i] - x[i] * x[i]) > 1e-4) {
      std::printf("consumer: slot %zu is %f, expected %f\n", i, got[i], x[i] * x[i]);
      return 1;
    }
  }
  std::printf("consumer: find_package(hnn) works, x^2 decrypted correctly\n");
  return 0;
}
