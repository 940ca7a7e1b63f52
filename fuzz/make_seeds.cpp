// Writes one valid serialized object of each kind into <dir>/<kind>/seed, as a starting corpus
// for the fuzz targets (same parameter set): hnn-fuzz-make-seeds <dir>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
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
  write("parameters", serialize(ctx->params()));
  write("plaintext", serialize(pt));
  write("ciphertext", serialize(encryptor.encrypt(pt)));
  write("public-key", serialize(keygen.create_public_key()));
  write("relin-key", serialize(keygen.create_relin_key()));
  write("galois-keys", serialize(keygen.create_galois_keys({1})));
  write("secret-key", serialize_secret_key_explicitly(keygen.secret_key()));

  bootstrap::BootstrapKeys keys;
  keys.relin = keygen.create_relin_key();
  keys.galois = keygen.create_galois_keys({1, -2});
  keys.encapsulation = keygen.create_encapsulation_keys(8, 1);
  write("encapsulation-keys", serialize(keys.encapsulation));
  write("bootstrap-keys", bootstrap::serialize(keys));
  write("key-part", serialize(keys.relin), "relin");
  write("key-part", serialize(keygen.create_galois_keys({1})), "galois");
  write("key-part", serialize(keys.encapsulation), "encapsulation");

  // One payload per decoder of fuzz_deserialize.cpp's protocol target, behind its selector byte.
  namespace protocol = hnn::distilbert::protocol;
  const std::vector<std::pair<const char*, Bytes>> messages = {
      {"hello", protocol::encode(protocol::Hello{"insecure-n12", 9})},
      {"plan", protocol::encode(protocol::Plan{16, 2048, 3, {1, 2, -4, 16}})},
      {"keys", protocol::encode(protocol::KeysHeader{52})},
      {"progress", protocol::encode(protocol::Progress{"block 1", 1.5, 4})},
      {"error", protocol::encode_error("key part 1 of 52: not an hnn object")},
      {"blobs", protocol::encode_blobs({serialize(encryptor.encrypt(pt)), Bytes(3, 7)})}};
  for (std::size_t i = 0; i < messages.size(); ++i) {
    Bytes b{static_cast<uint8_t>(i)};
    b.insert(b.end(), messages[i].second.begin(), messages[i].second.end());
    write("protocol", b, messages[i].first);
  }
  return 0;
}
