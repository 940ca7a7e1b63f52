// hnn-client: the client half of hnn-distilbert. It tokenizes and embeds the sentence, makes the
// keys, sends the evaluation keys and the encrypted embeddings to hnn-server, and decrypts the
// score it gets back. The secret key never leaves this process. Protocol: hnn/distilbert/protocol.h.
//   hnn-client --host H --port P [--model DIR] [--params n16|insecure-n12] [--flood-sigma S] "sentence"
// Prints the steps with their timing, the server's per-stage progress, the plaintext twin's score
// for comparison, and last "label=... score=...".
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <set>
#include <string>

#include "hnn/ckks/bootstrap/serialization.h"
#include "hnn/ckks/encryptor.h"
#include "hnn/ckks/serialization.h"
#include "hnn/distilbert/encrypted.h"
#include "hnn/distilbert/protocol.h"
#include "hnn/distilbert/session.h"
#include "hnn/net/socket.h"
#include "hnn/rns/error.h"

namespace {

namespace fs = std::filesystem;
namespace proto = hnn::distilbert::protocol;
using namespace hnn::distilbert;
using Clock = std::chrono::steady_clock;

// The next message from the server; an ERROR message becomes an exception with the server's text.
hnn::net::Message receive(hnn::net::Connection& conn, std::size_t max_payload) {
  auto m = conn.receive(max_payload);
  if (m.type == proto::kError) throw std::runtime_error("the server refused: " + proto::decode_error(m.payload));
  return m;
}

hnn::net::Message receive_expecting(hnn::net::Connection& conn, uint16_t type, std::size_t max_payload) {
  auto m = receive(conn, max_payload);
  if (m.type != type) {
    HNN_THROW(hnn::DeserializationError, "expected a ", proto::type_name(type), " message from ", conn.peer(),
              ", got ", proto::type_name(m.type));
  }
  return m;
}

// Sends a message. When the connection breaks mid-send, the server has usually refused what came
// before and said why in an ERROR message that is still readable: that reason is reported.
void send(hnn::net::Connection& conn, uint16_t type, std::span<const uint8_t> payload) {
  try {
    conn.send(type, payload);
  } catch (const hnn::net::NetworkError&) {
    std::optional<std::string> reason;
    try {
      conn.set_timeout(std::chrono::seconds(5));
      const auto m = conn.receive(proto::kMaxSmallPayload);
      if (m.type == proto::kError) reason = proto::decode_error(m.payload);
    } catch (const std::exception&) {  // nothing readable: report the send's own error
    }
    if (reason) throw std::runtime_error("the server refused: " + *reason);
    throw;
  }
}

int run(const std::string& host, uint16_t port, const fs::path& model_dir, const fs::path& vocab, ParameterSet set,
        double flood_sigma, const std::string& sentence) {
  auto t0 = Clock::now();
  const LoadedModel loaded = load_model(model_dir, vocab, HNN_DISTILBERT_DATA_DIR);
  const auto& model = loaded.model;
  const auto& cfg = model.model().config();
  const std::size_t slots = loaded.slots;
  const PreparedSentence prepared = prepare_sentence(loaded, sentence);
  const auto& layout = prepared.layout;
  const Encoding& enc = prepared.encoding;
  std::printf("[model] %s: dim %lld, %lld layers, %lld heads; %zu tokens -> layout T=%zu, %zu slots (%.1f s)\n",
              model_dir.string().c_str(), static_cast<long long>(cfg.dim), static_cast<long long>(cfg.n_layers),
              static_cast<long long>(cfg.n_heads), prepared.tokens, layout.tokens, layout.slots, seconds_since(t0));

  auto conn = hnn::net::Connection::connect(host, port, std::chrono::seconds(30));
  send(conn, proto::kHello, proto::encode(proto::Hello{std::string(name_of(set)), prepared.tokens}));

  // the server builds its bootstrapper and calibrates meanwhile; so does the client's bootstrapper
  t0 = Clock::now();
  const auto preset = encrypted_preset(set, slots);
  const auto ctx = hnn::ckks::Context::create(hnn::ckks::Parameters::create(preset.params));
  // Only the plan of the server's bootstrapper: which keys it needs, not its plaintexts (3 GiB at n16).
  const hnn::ckks::bootstrap::Bootstrapper boot(ctx, preset.config, hnn::ckks::bootstrap::Precompute::KeysOnly);
  std::printf("[params] %s: logN %d, log QP %.0f, %d levels between bootstraps (%.1f s)\n",
              std::string(name_of(set)).c_str(), preset.params.log_n, ctx->params().log_qp(), boot.output_level(),
              seconds_since(t0));

  t0 = Clock::now();
  const auto plan = proto::decode_plan(receive_expecting(conn, proto::kPlan, proto::kMaxSmallPayload).payload);
  HNN_REQUIRE(plan.tokens == layout.tokens && plan.slots == layout.slots, "the server planned layout T=",
              plan.tokens, ", S=", plan.slots, " but this model gives T=", layout.tokens, ", S=", layout.slots,
              ": do client and server use the same model?");
  HNN_REQUIRE(plan.max_level == boot.output_level(), "the server's keys stop at level ", plan.max_level,
              " but this parameter set bootstraps to level ", boot.output_level());
  std::printf("[plan] from the server: %zu rotation steps, keys up to level %d (%.1f s)\n",
              plan.rotation_steps.size(), plan.max_level, seconds_since(t0));

  // The evaluation keys go out one part at a time as each is made: this process holds one key at a
  // time (about 200 MiB at n16), never all of them (gigabytes).
  t0 = Clock::now();
  const std::set<int> steps(plan.rotation_steps.begin(), plan.rotation_steps.end());
  const KeyFootprint footprint = client_key_footprint(*ctx, boot, steps, plan.max_level);
  hnn::ckks::KeyGenerator keygen(ctx);
  const hnn::ckks::PublicKey public_key = keygen.create_public_key();
  std::printf("[client] keys: %zu evaluation keys, %.0f MiB once expanded, made and sent one at a time\n", footprint.keys,
              mib(footprint.bytes));
  std::fflush(stdout);
  send(conn, proto::kKeys, proto::encode(proto::KeysHeader{footprint.parts}));
  std::size_t parts = 0, bytes = 0;
  const std::size_t report_every = std::max<std::size_t>(1, footprint.parts / 10);
  make_evaluation_keys(keygen, boot, steps, plan.max_level, [&](hnn::ckks::bootstrap::KeyPart&& part) {
    const auto blob = hnn::ckks::bootstrap::serialize(part);
    send(conn, proto::kKey, blob);
    bytes += blob.size();
    if (++parts % report_every == 0 || parts == footprint.parts) {
      std::printf("[client] keys: %zu/%zu parts sent, %.0f MiB (%.1f s)\n", parts, footprint.parts, mib(bytes),
                  seconds_since(t0));
      std::fflush(stdout);
    }
  });
  HNN_ASSERT(parts == footprint.parts, "made ", parts, " key parts, announced ", footprint.parts);

  t0 = Clock::now();
  std::size_t n = 0;
  const auto packed = embed_and_pack(model, enc, layout, n);
  hnn::ckks::Encoder encoder(ctx);
  hnn::ckks::Encryptor encryptor(ctx, public_key);
  std::vector<proto::Bytes> cts;
  for (const auto& c : packed) {
    cts.push_back(hnn::ckks::serialize(encryptor.encrypt(encoder.encode(std::span<const double>(c), plan.max_level))));
  }
  const auto input = proto::encode_blobs(cts);
  send(conn, proto::kInput, input);
  std::printf("[client] %zu tokens encrypted as %zu ciphertexts, %.1f MiB, sent (%.1f s)\n", n, cts.size(),
              mib(input.size()), seconds_since(t0));
  std::fflush(stdout);

  t0 = Clock::now();
  hnn::net::Message m;
  for (;;) {
    m = receive(conn, proto::kMaxCiphertextsPayload);
    if (m.type != proto::kProgress) break;
    const auto p = proto::decode_progress(m.payload);
    print_stage(StageReport{p.stage, p.seconds, static_cast<std::size_t>(p.bootstraps)});
  }
  if (m.type != proto::kResult) {
    HNN_THROW(hnn::DeserializationError, "expected a PROGRESS or RESULT message from ", conn.peer(), ", got ",
              proto::type_name(m.type));
  }
  const auto out = hnn::ckks::deserialize_ciphertext(ctx, m.payload);
  std::printf("[server] done: %.1f s from the input to the result\n", seconds_since(t0));

  // decryption with noise flooding
  hnn::ckks::Decryptor decryptor(ctx, keygen.secret_key());
  report_score(loaded, enc, encoder.decode_real(decryptor.decrypt(out))[0], flood_sigma);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Encrypted DistilBERT classification client: the secret key stays here"};
  fs::path model_dir = HNN_DISTILBERT_MODEL_DIR, vocab;
  std::string host, params = "n16", sentence;
  uint16_t port = 0;
  double flood_sigma = std::ldexp(1.0, -12);
  app.add_option("--host", host, "the server's address")->required();
  app.add_option("--port", port, "the server's port")->required();
  app.add_option("--model", model_dir, "model folder (config.json, model.safetensors, he_approx.json)")
      ->check(CLI::ExistingDirectory)
      ->capture_default_str();
  app.add_option("--vocab", vocab, "vocab.txt (default: MODEL/vocab.txt, else the shipped one)");
  app.add_option("--params", params, "n16 (128-bit) or insecure-n12 (tests only)")->capture_default_str();
  app.add_option("--flood-sigma", flood_sigma,
                 "standard deviation of the Gaussian noise added to the decrypted score (0: none)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("sentence", sentence, "the sentence to classify")->required();
  CLI11_PARSE(app, argc, argv);
  try {
    return run(host, port, model_dir, vocab, parse_parameter_set(params), flood_sigma, sentence);
  } catch (const std::exception& e) {
    std::cerr << "hnn-client: " << e.what() << "\n";
    return 1;
  }
}
