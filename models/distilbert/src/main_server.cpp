// hnn-server: the server half of hnn-distilbert. It owns the model and its calibration, receives a
// client's evaluation keys and encrypted embeddings, runs every layer on the ciphertexts and sends
// back the encrypted score. It never holds a secret key. Protocol: hnn/distilbert/protocol.h.
//   hnn-server [--host 127.0.0.1] [--port 0] [--model DIR] [--calibration 16] [--once]
// Prints "listening on HOST:PORT" once bound, then serves one connection at a time.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <string>

#include "hnn/ckks/bootstrap/serialization.h"
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
namespace he = hnn::nn::he;
using Clock = std::chrono::steady_clock;

// The model, its tokenizer (for calibration only) and, per parameter set, the context and the
// bootstrapper; per (parameter set, layout) the calibration. Built on first use, kept across
// connections.
class Server {
 public:
  Server(const fs::path& model_dir, const fs::path& vocab, std::size_t calibration_count, hnn::rns::Device device)
      : m_(load_model(model_dir, vocab, HNN_DISTILBERT_DATA_DIR)), calibration_count_(calibration_count),
        device_(device) {}

  void serve(hnn::net::Connection& conn);

 private:
  struct Engine {
    hnn::ckks::ContextPtr ctx;
    std::unique_ptr<hnn::ckks::bootstrap::Bootstrapper> boot;
    std::map<std::size_t, Calibration> calibrations;  // by layout tokens T
  };
  Engine& engine(ParameterSet set);
  const Calibration& calibration(Engine& e, const he::Layout& layout);

  LoadedModel m_;
  std::size_t calibration_count_;
  hnn::rns::Device device_;  // where the evaluation runs
  std::map<ParameterSet, Engine> engines_;
};

Server::Engine& Server::engine(ParameterSet set) {
  auto it = engines_.find(set);
  if (it != engines_.end()) return it->second;
  const auto t0 = Clock::now();
  const auto preset = encrypted_preset(set, m_.slots);
  Engine e;
  e.ctx = hnn::ckks::Context::create(hnn::ckks::Parameters::create(preset.params));
  e.boot = std::make_unique<hnn::ckks::bootstrap::Bootstrapper>(e.ctx, preset.config);
  e.boot->move_to(device_);
  std::printf("[params] %s: logN %d, %d levels between bootstraps; bootstrapper ready on %s (%.1f s)\n",
              std::string(name_of(set)).c_str(), preset.params.log_n, e.boot->output_level(),
              describe(device_).c_str(), seconds_since(t0));
  return engines_.emplace(set, std::move(e)).first->second;
}

const Calibration& Server::calibration(Engine& e, const he::Layout& layout) {
  auto it = e.calibrations.find(layout.tokens);
  if (it != e.calibrations.end()) return it->second;
  const auto t0 = Clock::now();
  const fs::path train = fs::path(HNN_DISTILBERT_DATA_DIR) / "sst2" / "train.tsv";
  auto cal = calibrate(m_.model, m_.tokenizer, layout, e.boot->output_level(),
                       calibration_sentences(train, calibration_count_));
  std::printf("[plan] T=%zu: %zu calibration sentences (public SST-2 train): %zu bootstraps per sentence, %zu "
              "rotation keys (%.1f s)\n",
              layout.tokens, cal.sentences, cal.bootstraps_per_sentence, cal.rotation_steps.size(), seconds_since(t0));
  return e.calibrations.emplace(layout.tokens, std::move(cal)).first->second;
}

void Server::serve(hnn::net::Connection& conn) {
  const auto& cfg = m_.model.model().config();
  const auto hello = proto::decode_hello(conn.receive_expecting(proto::kHello, proto::kMaxSmallPayload).payload);
  const ParameterSet set = parse_parameter_set(hello.parameter_set);
  const auto layout = sentence_layout(cfg, m_.slots, hello.tokens);
  const std::size_t n = hello.tokens;
  std::printf("[server] %s: %zu tokens, %s -> layout T=%zu, S=%zu\n", conn.peer().c_str(), n,
              hello.parameter_set.c_str(), layout.tokens, layout.slots);
  std::fflush(stdout);

  Engine& e = engine(set);
  const Calibration& cal = calibration(e, layout);
  proto::Plan plan{layout.tokens, layout.slots, e.boot->output_level(), {}};
  for (int s : cal.rotation_steps) plan.rotation_steps.push_back(s);
  conn.send(proto::kPlan, proto::encode(plan));

  // The keys arrive one part at a time (protocol.h): each KEY message is bounded by the plan's
  // largest part, and on a GPU each part moves to the device as it arrives, so this process never
  // holds the keys' bytes twice, nor (on a GPU) the keys themselves.
  auto t0 = Clock::now();
  const KeyFootprint footprint = client_key_footprint(*e.ctx, *e.boot, cal.rotation_steps, e.boot->output_level());
  if (!device_.is_cuda()) require_host_memory(footprint.bytes, "the client's evaluation keys", host_memory());
  const auto header = proto::decode_keys_header(conn.receive_expecting(proto::kKeys, proto::kMaxSmallPayload).payload);
  HNN_REQUIRE(header.parts == footprint.parts, "the client announces ", header.parts,
              " key parts; this plan needs ", footprint.parts);
  he::EvaluationKeys keys;
  for (uint64_t i = 0; i < header.parts; ++i) {
    const auto m = conn.receive_expecting(proto::kKey, footprint.largest_part + proto::kKeyPartSlack);
    try {
      auto part = hnn::ckks::bootstrap::deserialize_key_part(e.ctx, m.payload);
      if (device_.is_cuda()) part = hnn::ckks::bootstrap::to_device(part, device_);
      hnn::ckks::bootstrap::add_key_part(keys, std::move(part));
    } catch (const std::exception& err) {
      throw std::runtime_error("key part " + std::to_string(i + 1) + " of " + std::to_string(header.parts) + ": " +
                               err.what());
    }
  }
  require_evaluation_keys(keys, *e.boot, cal.rotation_steps, e.boot->output_level());
  const auto blobs = proto::decode_blobs(conn.receive_expecting(proto::kInput, proto::kMaxCiphertextsPayload).payload,
                                         layout.chunks(static_cast<std::size_t>(cfg.dim)));
  HNN_REQUIRE(blobs.size() == layout.chunks(static_cast<std::size_t>(cfg.dim)), "INPUT holds ", blobs.size(),
              " ciphertexts; the layout needs ", layout.chunks(static_cast<std::size_t>(cfg.dim)));
  std::printf("[server] received %zu evaluation keys (%.0f MiB) and %zu ciphertexts (%.1f s)\n", keys.key_count(),
              mib(keys.size_bytes()), blobs.size(), seconds_since(t0));
  std::fflush(stdout);

  t0 = Clock::now();
  he::CkksBackend backend(layout, *e.boot, keys, cal.bounds);
  he::Tensor<he::CkksBackend::Value> x{static_cast<std::size_t>(cfg.dim), {}};
  for (const auto& b : blobs) x.chunks.push_back(backend.adopt(hnn::ckks::deserialize_ciphertext(e.ctx, b)));
  const auto out = encrypted_forward(backend, m_.model, std::move(x), n, [&](const StageReport& r) {
    print_stage(r);
    conn.send(proto::kProgress, proto::encode(proto::Progress{r.stage, r.seconds, r.bootstraps}));
  });
  std::printf("[server] %s: %.1f s, %zu bootstraps, %zu rotations\n", describe(device_).c_str(), seconds_since(t0),
              backend.counters().bootstraps, backend.counters().rotations);
  conn.send(proto::kResult, hnn::ckks::serialize(out.ct));
  std::fflush(stdout);
}

// Serves one connection; returns false when it failed. A failure that is not the network's is
// reported to the client in an ERROR message.
bool serve_one(Server& server, hnn::net::Connection conn) {
  try {
    server.serve(conn);
    return true;
  } catch (const hnn::net::NetworkError& e) {
    std::cerr << "hnn-server: " << e.what() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "hnn-server: " << e.what() << "\n";
    try {
      conn.send(proto::kError, proto::encode_error(e.what()));
      conn.close_after_reading(std::chrono::seconds(30));  // the client may still be sending
    } catch (const std::exception& e2) {
      std::cerr << "hnn-server: could not send the error: " << e2.what() << "\n";
    }
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Encrypted DistilBERT classification server: evaluation keys only, never a secret key"};
  fs::path model_dir = HNN_DISTILBERT_MODEL_DIR, vocab;
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::size_t calibration = 16;
  bool once = false;
  app.add_option("--host", host, "address to listen on")->capture_default_str();
  app.add_option("--port", port, "port to listen on (0: any free port)")->capture_default_str();
  app.add_option("--model", model_dir, "model folder (config.json, model.safetensors, he_approx.json)")
      ->check(CLI::ExistingDirectory)
      ->capture_default_str();
  app.add_option("--vocab", vocab, "vocab.txt for calibration (default: MODEL/vocab.txt, else the shipped one)");
  app.add_option("--calibration", calibration, "public SST-2 sentences that set the bootstrap bounds")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_flag("--once", once, "serve one connection, then exit (1 if it failed)");
  std::string device = "auto";
  app.add_option("--device", device,
                 "where to evaluate: auto (the GPU when one is usable, else the CPU), cpu, cuda, cuda:N, or "
                 "cuda-emulated (the CUDA code on the host, slow: tests)")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    Server server(model_dir, vocab, calibration, parse_device(device));
    hnn::net::Listener listener(host, port);
    std::printf("listening on %s:%u\n", host.c_str(), static_cast<unsigned>(listener.port()));
    std::fflush(stdout);
    for (;;) {
      hnn::net::Connection conn = listener.accept();
      const bool ok = serve_one(server, std::move(conn));
      if (once) return ok ? 0 : 1;
    }
  } catch (const std::exception& e) {
    std::cerr << "hnn-server: " << e.what() << "\n";
    return 1;
  }
}
