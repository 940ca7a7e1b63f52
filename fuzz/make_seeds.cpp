// Writes one valid serialized object of each kind into <dir>/<kind>/seed, as a starting corpus
// for the fuzz targets (same parameter set): hnn-fuzz-make-seeds <dir>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "hnn/ckks/bootstrap/serialization.h"
#include "hnn/ckks/ckks.h"
#include "hnn/distilbert/protocol.h"

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
  const auto write = [&](const char* kind, const Bytes& b, const std::string& name = "seed") {
    const auto dir = std::filesystem::path(argv[1]) / kind;
    std::filesystem::create_directories(dir);
    std::ofstream(dir / name, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), b.size());
  };
  bootstrap::BootstrapKeys keys;
  keys.relin = keygen.create_relin_key();
  keys.galois = keygen.create_galois_keys({1, -2});
  keys.encapsulation = keygen.create_encapsulation_keys(8, 1);
  const GaloisKeys one_rotation = keygen.create_galois_keys({1});
  write("parameters", serialize(ctx->params()));
  write("plaintext", serialize(pt));
  write("ciphertext", serialize(encryptor.encrypt(pt)));
  write("public-key", serialize(keygen.create_public_key()));
  write("relin-key", serialize(keys.relin));
  write("galois-keys", serialize(one_rotation));
  write("secret-key", serialize_secret_key_explicitly(keygen.secret_key()));
  write("encapsulation-keys", serialize(keys.encapsulation));
  write("bootstrap-keys", bootstrap::serialize(keys));
  write("key-part", serialize(keys.relin), "relin");
  write("key-part", serialize(one_rotation), "galois");
  write("key-part", serialize(keys.encapsulation), "encapsulation");

  // The protocol target's inputs: the message type, then its payload.
  namespace protocol = hnn::distilbert::protocol;
  const auto message = [&](const char* name, protocol::MessageType type, const Bytes& payload) {
    Bytes b{static_cast<uint8_t>(type)};
    b.insert(b.end(), payload.begin(), payload.end());
    write("protocol", b, name);
  };
  message("hello", protocol::kHello, protocol::encode(protocol::Hello{"insecure-n12", 9}));
  message("plan", protocol::kPlan, protocol::encode(protocol::Plan{16, 2048, 3, {1, 2, -4, 16}}));
  message("keys", protocol::kKeys, protocol::encode(protocol::KeysHeader{52}));
  message("input", protocol::kInput, protocol::encode_blobs({serialize(encryptor.encrypt(pt)), Bytes(3, 7)}));
  message("progress", protocol::kProgress, protocol::encode(protocol::Progress{"block 1", 1.5, 4}));
  message("error", protocol::kError, protocol::encode_error("key part 1 of 52: not an hnn object"));
  return 0;
}
