// hnn-distilbert: classify one sentence with every layer of the HE-friendly DistilBERT computed on
// ciphertexts, client and server in one process (hnn-server / hnn-client split them).
//   hnn-distilbert [--model DIR] [--params n16|insecure-n12] [--flood-sigma S] "a sentence"
// Prints the steps with their timing, the keys' and ciphertexts' sizes, per-layer timing and
// bootstraps, the plaintext twin's score for comparison, and last "label=... score=...".
#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <random>
#include <string>

#include "hnn/ckks/encryptor.h"
#include "hnn/ckks/serialization.h"
#include "hnn/distilbert/encrypted.h"
#include "hnn/distilbert/session.h"
#include "hnn/rns/error.h"
#include "hnn/rns/random.h"

namespace {

namespace fs = std::filesystem;
using namespace hnn::distilbert;
namespace he = hnn::nn::he;
using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }
double mib(std::size_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

// Gaussian noise from the OS CSPRNG-seeded ChaCha20 stream (hnn::rns::Prng), Box-Muller.
double gaussian(double sigma) {
  hnn::rns::Prng prng;
  auto uniform = [&] { return (static_cast<double>(prng.uniform(uint64_t{1} << 53)) + 0.5) / 9007199254740992.0; };
  return sigma * std::sqrt(-2.0 * std::log(uniform())) * std::cos(2.0 * M_PI * uniform());
}

int run(const fs::path& model_dir, const fs::path& vocab, ParameterSet set, std::size_t calibration_count,
        double flood_sigma, const std::string& sentence) {
  auto t0 = Clock::now();
  const auto model = HeFriendlyClassifier::load(model_dir);
  const auto tokenizer = BertTokenizer::from_vocab_file(vocab);
  const auto& cfg = model.model().config();
  HNN_REQUIRE(static_cast<std::int64_t>(tokenizer.vocab_size()) == cfg.vocab_size, "vocabulary ", vocab.string(),
              " has ", tokenizer.vocab_size(), " tokens but the model's vocab_size is ", cfg.vocab_size);
  const std::size_t slots = model_slots(cfg);
  const std::size_t limit = max_encrypted_tokens(cfg, slots);
  const Encoding full = tokenizer.encode(sentence, 1u << 20);
  HNN_REQUIRE(full.ids.size() > 2, "the sentence has no tokens to classify");
  const auto layout = sentence_layout(cfg, slots, full.ids.size());
  const Encoding enc = tokenizer.encode(sentence, limit);
  std::printf("[model] %s: dim %lld, %lld layers, %lld heads; %zu tokens -> layout T=%zu, %zu slots, %zu features "
              "per chunk (%.1f s)\n",
              model_dir.string().c_str(), static_cast<long long>(cfg.dim), static_cast<long long>(cfg.n_layers),
              static_cast<long long>(cfg.n_heads), full.ids.size(), layout.tokens, layout.slots, layout.chunk(),
              since(t0));

  t0 = Clock::now();
  const auto preset = encrypted_preset(set, slots);
  const auto ctx = hnn::ckks::Context::create(hnn::ckks::Parameters::create(preset.params));
  hnn::ckks::bootstrap::Bootstrapper boot(ctx, preset.config);
  std::printf("[params] %s: logN %d, log QP %.0f, %d levels between bootstraps; bootstrapper ready (%zu "
              "plaintexts, %.0f MiB) (%.1f s)\n",
              std::string(name_of(set)).c_str(), preset.params.log_n, ctx->params().log_qp(), boot.output_level(),
              boot.plaintext_count(), mib(boot.precomputed_bytes()), since(t0));

  t0 = Clock::now();
  const fs::path train = fs::path(HNN_DISTILBERT_DATA_DIR) / "sst2" / "train.tsv";
  const auto cal = calibrate(model, tokenizer, layout, boot.output_level(), calibration_sentences(train, calibration_count));
  std::printf("[plan] %zu calibration sentences (public SST-2 train): %zu bootstraps per sentence, %zu rotation "
              "keys, %zu bootstrap sites (%.1f s)\n",
              cal.sentences, cal.bootstraps_per_sentence, cal.rotation_steps.size(), cal.bounds.size(), since(t0));

  // ---- client: keys, encryption -----------------------------------------------------------
  t0 = Clock::now();
  ClientKeys keys = make_client_keys(ctx, boot, cal.rotation_steps, boot.output_level());
  std::printf("[client] keys: %zu Galois + relinearization + encapsulation, %.0f MiB (%.1f s)\n",
              keys.evaluation.galois.keys().size(), mib(keys.evaluation.size_bytes()), since(t0));
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
              since(t0));

  // ---- server: evaluation keys only ---------------------------------------------------------
  t0 = Clock::now();
  he::CkksBackend backend(layout, boot, keys.evaluation, cal.bounds);
  he::Tensor<he::CkksBackend::Value> x{static_cast<std::size_t>(cfg.dim), {}};
  for (auto& c : cts) x.chunks.push_back(backend.adopt(std::move(c)));
  const auto out = encrypted_forward(backend, model, std::move(x), n, [](const StageReport& r) {
    std::printf("[server] %-18s %8.1f s  %3zu bootstraps\n", r.stage.c_str(), r.seconds, r.bootstraps);
    std::fflush(stdout);
  });
  const double server_s = since(t0);
  std::printf("[server] CPU backend: %.1f s, %zu bootstraps (%.1f s), %zu rotations, %zu ct-ct products, %zu "
              "plaintext products\n",
              server_s, backend.counters().bootstraps, backend.bootstrap_seconds(), backend.counters().rotations,
              backend.counters().products, backend.counters().plain_products);

  // ---- client: decryption with noise flooding -------------------------------------------------
  hnn::ckks::Decryptor decryptor(ctx, keys.keygen->secret_key());
  const double raw = encoder.decode_real(decryptor.decrypt(out.ct))[0];
  const double flood = flood_sigma > 0 ? gaussian(flood_sigma) : 0.0;
  const double score = raw + flood;
  std::vector<std::int32_t> ids(enc.ids.begin(), enc.ids.begin() + static_cast<std::ptrdiff_t>(n));
  const double twin = model.positive_score(model.logits(ids, std::vector<std::int32_t>(n, 1)));
  std::printf("[client] decrypted %.9f; noise flooding sigma %.3g added %.3g; plaintext twin %.9f (encrypted "
              "error %.1f bits)\n",
              raw, flood_sigma, flood, twin, -std::log2(std::fabs(raw - twin) + 1e-300));
  const std::string label = cfg.labels.size() == 2 ? cfg.labels[score > 0.5 ? 1 : 0] : (score > 0.5 ? "1" : "0");
  std::printf("label=%s score=%.6f\n", label.c_str(), score);
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
  app.add_option("sentence", sentence, "the sentence to classify")->required();
  CLI11_PARSE(app, argc, argv);
  if (vocab.empty()) {
    vocab = fs::exists(model_dir / "vocab.txt") ? model_dir / "vocab.txt" : fs::path(HNN_DISTILBERT_DATA_DIR) / "vocab.txt";
  }
  try {
    return run(model_dir, vocab, parse_parameter_set(params), calibration, flood_sigma, sentence);
  } catch (const std::exception& e) {
    std::cerr << "hnn-distilbert: " << e.what() << "\n";
    return 1;
  }
}
