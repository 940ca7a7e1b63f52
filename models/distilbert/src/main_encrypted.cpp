// hnn-distilbert: classify one sentence with every layer of the HE-friendly DistilBERT computed on
// ciphertexts, client and server in one process (hnn-server / hnn-client split them).
//   hnn-distilbert [--model DIR] [--params n16|insecure-n12] [--flood-sigma S] "a sentence"
// Prints the steps with their timing, the keys' and ciphertexts' sizes, per-layer timing and
// bootstraps, the plaintext twin's score for comparison, and last "label=... score=...".
#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>

#include "hnn/ckks/encryptor.h"
#include "hnn/ckks/serialization.h"
#include "hnn/distilbert/encrypted.h"
#include "hnn/distilbert/session.h"
#include "hnn/nn/he/lockstep_backend.h"
#include "hnn/rns/error.h"

namespace {

namespace fs = std::filesystem;
using namespace hnn::distilbert;
namespace he = hnn::nn::he;
using Clock = std::chrono::steady_clock;

int run(const fs::path& model_dir, const fs::path& vocab, ParameterSet set, std::size_t calibration_count,
        double flood_sigma, bool check, const std::string& sentence) {
  auto t0 = Clock::now();
  const LoadedModel m = load_model(model_dir, vocab, HNN_DISTILBERT_DATA_DIR);
  const auto& model = m.model;
  const auto& cfg = model.model().config();
  const std::size_t slots = m.slots;
  const PreparedSentence prepared = prepare_sentence(m, sentence);
  const auto& layout = prepared.layout;
  const Encoding& enc = prepared.encoding;
  std::printf("[model] %s: dim %lld, %lld layers, %lld heads; %zu tokens -> layout T=%zu, %zu slots, %zu features "
              "per chunk (%.1f s)\n",
              model_dir.string().c_str(), static_cast<long long>(cfg.dim), static_cast<long long>(cfg.n_layers),
              static_cast<long long>(cfg.n_heads), prepared.tokens, layout.tokens, layout.slots, layout.chunk(),
              seconds_since(t0));

  t0 = Clock::now();
  const auto preset = encrypted_preset(set, slots);
  const auto ctx = hnn::ckks::Context::create(hnn::ckks::Parameters::create(preset.params));
  hnn::ckks::bootstrap::Bootstrapper boot(ctx, preset.config);
  std::printf("[params] %s: logN %d, log QP %.0f, %d levels between bootstraps; bootstrapper ready (%zu "
              "plaintexts, %.0f MiB) (%.1f s)\n",
              std::string(name_of(set)).c_str(), preset.params.log_n, ctx->params().log_qp(), boot.output_level(),
              boot.plaintext_count(), mib(boot.precomputed_bytes()), seconds_since(t0));

  t0 = Clock::now();
  const fs::path train = fs::path(HNN_DISTILBERT_DATA_DIR) / "sst2" / "train.tsv";
  const auto cal = calibrate(model, m.tokenizer, layout, boot.output_level(), calibration_sentences(train, calibration_count));
  std::printf("[plan] %zu calibration sentences (public SST-2 train): %zu bootstraps per sentence, %zu rotation "
              "keys, %zu bootstrap sites (%.1f s)\n",
              cal.sentences, cal.bootstraps_per_sentence, cal.rotation_steps.size(), cal.bounds.size(), seconds_since(t0));

  // ---- client: keys, encryption -----------------------------------------------------------
  t0 = Clock::now();
  ClientKeys keys = make_client_keys(ctx, boot, cal.rotation_steps, boot.output_level());
  std::printf("[client] keys: %zu Galois + relinearization + encapsulation, %.0f MiB (%.1f s)\n",
              keys.evaluation.galois.keys().size(), mib(keys.evaluation.size_bytes()), seconds_since(t0));
  t0 = Clock::now();
  std::size_t n = 0;
  const auto packed = embed_and_pack(model, enc, layout, n);
  hnn::ckks::Encoder encoder(ctx);
  hnn::ckks::Encryptor encryptor(ctx, keys.public_key);
  std::vector<hnn::ckks::Ciphertext> cts;
  std::size_t ct_bytes = 0;
  for (const auto& c : packed) {
    cts.push_back(encryptor.encrypt(encoder.encode(std::span<const double>(c), boot.output_level())));
    ct_bytes += hnn::ckks::serialize(cts.back()).size();
  }
  std::printf("[client] %zu tokens encrypted as %zu ciphertexts, %.1f MiB (%.1f s)\n", n, cts.size(), mib(ct_bytes),
              seconds_since(t0));

  // ---- server: evaluation keys only ---------------------------------------------------------
  t0 = Clock::now();
  hnn::ckks::Decryptor decryptor(ctx, keys.keygen->secret_key());
  he::CkksBackend backend(layout, boot, keys.evaluation, cal.bounds);
  double raw = 0;
  if (!check) {
    he::Tensor<he::CkksBackend::Value> x{static_cast<std::size_t>(cfg.dim), {}};
    for (auto& c : cts) x.chunks.push_back(backend.adopt(std::move(c)));
    const auto out = encrypted_forward(backend, model, std::move(x), n, print_stage);
    raw = encoder.decode_real(decryptor.decrypt(out.ct))[0];
  } else {
    // diagnostics: the plaintext backend alongside, every bootstrap input decrypted and compared
    he::PlainBackend plain(layout, boot.output_level());
    he::LockstepBackend both(backend, plain, [&](const hnn::ckks::Ciphertext& ct) {
      return encoder.decode_real(decryptor.decrypt(ct));
    });
    he::Tensor<he::LockstepBackend::Value> x{static_cast<std::size_t>(cfg.dim), {}};
    for (std::size_t i = 0; i < cts.size(); ++i) {
      x.chunks.push_back({backend.adopt(std::move(cts[i])), plain.encrypt(packed[i])});
    }
    const auto out = encrypted_forward(both, model, std::move(x), n, print_stage);
    for (const auto& e : both.errors()) {
      std::printf("[check] %-28s error %.3g of max %.3g: %.1f bits\n", e.site.c_str(), e.max_error, e.max_value,
                  -std::log2(e.max_error / std::max(1.0, e.max_value)));
    }
    const auto last = both.compare(out, "output");
    std::printf("[check] output: error %.3g (%.1f bits)\n", last.max_error, -std::log2(last.max_error));
    raw = encoder.decode_real(decryptor.decrypt(out.c.ct))[0];
  }
  const double server_s = seconds_since(t0);
  std::printf("[server] CPU backend: %.1f s, %zu bootstraps (%.1f s), %zu rotations, %zu ct-ct products, %zu "
              "plaintext products\n",
              server_s, backend.counters().bootstraps, backend.bootstrap_seconds(), backend.counters().rotations,
              backend.counters().products, backend.counters().plain_products);

  // ---- client: decryption with noise flooding -------------------------------------------------
  report_score(m, enc, raw, flood_sigma);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Encrypted DistilBERT sentiment classification: every layer on CKKS ciphertexts"};
  fs::path model_dir = HNN_DISTILBERT_MODEL_DIR, vocab;
  std::string params = "n16", sentence;
  std::size_t calibration = 16;
  double flood_sigma = std::ldexp(1.0, -12);
  app.add_option("--model", model_dir, "model folder (config.json, model.safetensors, he_approx.json)")
      ->check(CLI::ExistingDirectory)
      ->capture_default_str();
  app.add_option("--vocab", vocab, "vocab.txt (default: MODEL/vocab.txt, else the shipped one)");
  app.add_option("--params", params, "n16 (128-bit) or insecure-n12 (tests only)")->capture_default_str();
  app.add_option("--calibration", calibration, "public SST-2 sentences that set the bootstrap bounds")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("--flood-sigma", flood_sigma,
                 "standard deviation of the Gaussian noise added to the decrypted score (0: none)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  bool check = false;
  app.add_flag("--check", check,
               "diagnostics: run the plaintext backend alongside and print the error of every bootstrap input "
               "(decrypts intermediate values: one-process runs only)");
  app.add_option("sentence", sentence, "the sentence to classify")->required();
  CLI11_PARSE(app, argc, argv);
  try {
    return run(model_dir, vocab, parse_parameter_set(params), calibration, flood_sigma, check, sentence);
  } catch (const std::exception& e) {
    std::cerr << "hnn-distilbert: " << e.what() << "\n";
    return 1;
  }
}
