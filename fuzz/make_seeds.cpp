// Writes one valid serialized object of each kind into <dir>/<kind>/seed, as a starting corpus
// for the fuzz targets (same parameter set): hnn-fuzz-make-seeds <dir>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "hnn/ckks/ckks.h"

using namespace hnn::ckks;
const ContextPtr& fuzz_context();

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: hnn-fuzz-make-seeds <dir>\n");
    return 2;
  }
  const auto& ctx = fuzz_context();
  KeyGenerator keygen(ctx);
  Encoder enc(ctx);
  Encryptor encryptor(ctx, keygen.create_public_key());
  std::vector<double> x(16, 0.5);
  const Plaintext pt = enc.encode(x);
  const auto write = [&](const char* kind, const Bytes& b) {
    const auto dir = std::filesystem::path(argv[1]) / kind;
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "seed", std::ios::binary).write(reinterpret_cast<const char*>(b.data()), b.size());
  };
  write("parameters", serialize(ctx->params()));
  write("plaintext", serialize(pt));
  write("ciphertext", serialize(encryptor.encrypt(pt)));
  write("public-key", serialize(keygen.create_public_key()));
  write("relin-key", serialize(keygen.create_relin_key()));
  write("galois-keys", serialize(keygen.create_galois_keys({1})));
  write("secret-key", serialize_secret_key_explicitly(keygen.secret_key()));
  return 0;
}
