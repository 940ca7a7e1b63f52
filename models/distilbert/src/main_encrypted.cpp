// hnn-distilbert: classify one sentence with every layer of the HE-friendly DistilBERT computed on
// ciphertexts, client and server in one process (hnn-server / hnn-client split them).
//   hnn-distilbert [--model DIR] [--params n16|insecure-n12] [--device auto|cpu|cuda[:N]|cuda-emulated]
//                  [--flood-sigma S] [--check] [--widen K] [--pad-to T] [--plan] "a sentence"
//   hnn-distilbert --sst2 data/sst2/dev.tsv --count 12 --max-tokens 16 --results out.jsonl
//     (agreement run: encrypted decisions against the plaintext model's, one JSON line a sentence)
// Prints the steps with their timing, the keys' and ciphertexts' sizes, per-layer timing and
// bootstraps, the plaintext twin's score for comparison, and last "label=... score=...".
#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <algorithm>
#include <memory>
#include <optional>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "hnn/ckks/device.h"
#include "hnn/ckks/encryptor.h"
#include "hnn/ckks/serialization.h"
#include "hnn/distilbert/encrypted.h"
#include "hnn/distilbert/session.h"
#include "hnn/distilbert/sst2.h"
#include "hnn/nn/he/lockstep_backend.h"
#include "hnn/rns/error.h"

namespace {

namespace fs = std::filesystem;
using namespace hnn::distilbert;
namespace he = hnn::nn::he;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

// What stays fixed over a run: the model, the parameters and the bootstrapper.
struct Engine {
  LoadedModel m;
  ParameterSet set;
  hnn::ckks::ContextPtr ctx;
  std::unique_ptr<hnn::ckks::bootstrap::Bootstrapper> boot;
  std::size_t calibration_count = 16;
  hnn::rns::Device device;  // where the server evaluates
  fs::path data_dir;        // the shipped data: vocab.txt, sst2/train.tsv (calibration)
};

// What one layout (token count T) needs: the plan from public calibration sentences, and the
// client's keys for its rotations.
struct Session {
  he::Layout layout;
  Calibration cal;
  ClientKeys keys;
  std::optional<he::EvaluationKeys> device_keys;  // the server's copy on its device (when a CUDA one)
  const he::EvaluationKeys& server_keys() const { return device_keys ? *device_keys : keys.evaluation; }
};

Engine make_engine(const fs::path& model_dir, const fs::path& vocab, const fs::path& data_dir, ParameterSet set,
                   std::size_t calibration_count, hnn::rns::Device device, int widen) {
  auto t0 = Clock::now();
  Engine e{load_model(model_dir, vocab, data_dir, widen), set, nullptr, nullptr, calibration_count, device, data_dir};
  const auto& cfg = e.m.model.model().config();
  std::printf("[model] %s%s: dim %lld, FFN %lld, %lld layers, %lld heads of %lld, %zu slots (%.1f s)\n",
              model_dir.string().c_str(), widen > 1 ? (" widened x" + std::to_string(widen)).c_str() : "",
              static_cast<long long>(cfg.dim), static_cast<long long>(cfg.hidden_dim), static_cast<long long>(cfg.n_layers),
              static_cast<long long>(cfg.n_heads), static_cast<long long>(cfg.head_dim()), e.m.slots, seconds_since(t0));
  t0 = Clock::now();
  const auto preset = encrypted_preset(set, e.m.slots);
  e.ctx = hnn::ckks::Context::create(hnn::ckks::Parameters::create(preset.params));
  e.boot = std::make_unique<hnn::ckks::bootstrap::Bootstrapper>(e.ctx, preset.config);
  std::printf("[params] %s: logN %d, log QP %.0f, %d levels between bootstraps; bootstrapper ready (%zu "
              "plaintexts, %.0f MiB) (%.1f s)\n",
              std::string(name_of(set)).c_str(), preset.params.log_n, e.ctx->params().log_qp(), e.boot->output_level(),
              e.boot->plaintext_count(), mib(e.boot->precomputed_bytes()), seconds_since(t0));
  if (device.is_cuda()) {
    t0 = Clock::now();
    e.boot->move_to(device);
    hnn::ckks::synchronize(*e.ctx, device);
    std::printf("[device] %s: bootstrapping plaintexts moved there (%.1f s)\n", describe(device).c_str(),
                seconds_since(t0));
  }
  return e;
}

// with_keys false: the plan alone (no keys), for --plan.
Session make_session(const Engine& e, const he::Layout& layout, bool with_keys = true) {
  auto t0 = Clock::now();
  const fs::path train = e.data_dir / "sst2" / "train.tsv";
  Session s{layout, calibrate(e.m.model, e.m.tokenizer, layout, e.boot->output_level(),
                      calibration_sentences(train, e.calibration_count)),
            {}, std::nullopt};
  std::printf("[plan] T=%zu: %zu calibration sentences (public SST-2 train): %zu bootstraps per sentence, %zu "
              "rotation keys, %zu bootstrap sites (%.1f s)\n",
              layout.tokens, s.cal.sentences, s.cal.bootstraps_per_sentence, s.cal.rotation_steps.size(),
              s.cal.bounds.size(), seconds_since(t0));
  if (!with_keys) return s;
  t0 = Clock::now();
  s.keys = make_client_keys(e.ctx, *e.boot, s.cal.rotation_steps, e.boot->output_level());
  std::printf("[client] keys: %zu Galois + relinearization + encapsulation, %.0f MiB (%.1f s)\n",
              s.keys.evaluation.galois.keys().size(), mib(s.keys.evaluation.size_bytes()), seconds_since(t0));
  if (e.device.is_cuda()) {
    t0 = Clock::now();
    s.device_keys = hnn::ckks::bootstrap::to_device(s.keys.evaluation, e.device);
    hnn::ckks::synchronize(*e.ctx, e.device);
    s.keys.evaluation = {};  // the server evaluates with the device's copy: the host's would double the keys' memory
    std::printf("[device] evaluation keys moved to %s (%.1f s)\n", e.device.name().c_str(), seconds_since(t0));
  }
  return s;
}

struct Outcome {
  double raw = 0;  // the decrypted score, before flooding
  double server_s = 0;
  hnn::nn::he::RunCounters counters;
};

// Client encrypts, server evaluates (evaluation keys only), client decrypts slot 0.
Outcome classify(const Engine& e, const Session& s, const PreparedSentence& prepared, bool check) {
  const auto& layout = prepared.layout;
  const auto& cfg = e.m.model.model().config();
  auto t0 = Clock::now();
  std::size_t n = 0;
  const auto packed = embed_and_pack(e.m.model, prepared.encoding, layout, n);
  hnn::ckks::Encoder encoder(e.ctx);
  hnn::ckks::Encryptor encryptor(e.ctx, s.keys.public_key);
  std::vector<hnn::ckks::Ciphertext> cts;
  std::size_t ct_bytes = 0;
  for (const auto& c : packed) {
    cts.push_back(encryptor.encrypt(encoder.encode(std::span<const double>(c), e.boot->output_level())));
    ct_bytes += hnn::ckks::serialize(cts.back()).size();
  }
  std::printf("[client] %zu tokens encrypted as %zu ciphertexts, %.1f MiB (%.1f s)\n", n, cts.size(), mib(ct_bytes),
              seconds_since(t0));

  // ---- server: evaluation keys only ---------------------------------------------------------
  t0 = Clock::now();
  hnn::ckks::Decryptor decryptor(e.ctx, s.keys.keygen->secret_key());
  he::CkksBackend backend(layout, *e.boot, s.server_keys(), s.cal.bounds);
  Outcome out;
  if (!check) {
    he::Tensor<he::CkksBackend::Value> x{static_cast<std::size_t>(cfg.dim), {}};
    for (auto& c : cts) x.chunks.push_back(backend.adopt(std::move(c)));
    const auto y = encrypted_forward(backend, e.m.model, std::move(x), n, print_stage);
    out.raw = encoder.decode_real(decryptor.decrypt(y.ct))[0];
  } else {
    // diagnostics: the plaintext backend alongside, every bootstrap input decrypted and compared
    he::PlainBackend plain(layout, e.boot->output_level(), backend.pairs_bootstraps());
    he::LockstepBackend both(backend, plain, [&](const hnn::ckks::Ciphertext& ct) {
      return encoder.decode_real(decryptor.decrypt(ct));
    });
    he::Tensor<he::LockstepBackend::Value> x{static_cast<std::size_t>(cfg.dim), {}};
    for (std::size_t i = 0; i < cts.size(); ++i) {
      x.chunks.push_back({backend.adopt(std::move(cts[i])), plain.encrypt(packed[i])});
    }
    const auto y = encrypted_forward(both, e.m.model, std::move(x), n, print_stage);
    for (const auto& err : both.errors()) {
      std::printf("[check] %-28s error %.3g of max %.3g: %.1f bits\n", err.site.c_str(), err.max_error, err.max_value,
                  -std::log2(err.max_error / std::max(1.0, err.max_value)));
    }
    const auto last = both.compare(y, "output");
    std::printf("[check] output: error %.3g (%.1f bits)\n", last.max_error, -std::log2(last.max_error));
    out.raw = encoder.decode_real(decryptor.decrypt(y.c.ct))[0];
  }
  out.server_s = seconds_since(t0);
  out.counters = backend.counters();
  std::printf("[server] %s: %.1f s, %zu bootstraps (%.1f s), %zu rotations, %zu ct-ct products, %zu "
              "plaintext products\n",
              describe(e.device).c_str(), out.server_s, out.counters.bootstraps, backend.bootstrap_seconds(), out.counters.rotations,
              out.counters.products, out.counters.plain_products);
  return out;
}

int run_one(const Engine& e, double flood_sigma, bool check, bool plan_only, std::size_t pad_to,
            const std::string& sentence) {
  const PreparedSentence prepared = prepare_sentence(e.m, sentence, pad_to);
  std::printf("[input] %zu tokens -> layout T=%zu, %zu features per chunk\n", prepared.tokens, prepared.layout.tokens,
              prepared.layout.chunk());
  if (plan_only) {
    const Session s = make_session(e, prepared.layout, false);
    const auto& cfg = e.m.model.model().config();
    // What the client's keys and the bootstrapper's plaintexts will occupy (on the device too).
    const KeyFootprint keys = client_key_footprint(*e.ctx, *e.boot, s.cal.rotation_steps, e.boot->output_level());
    std::printf("[plan] evaluation keys: %zu, %.0f MiB (bootstrapping's %zu, %.0f MiB); bootstrap plaintexts "
                "%.0f MiB on the CPU, %.0f MiB on a GPU\n",
                keys.keys, mib(keys.bytes), e.boot->key_count(), mib(e.boot->key_bytes()),
                mib(e.boot->precomputed_bytes()), mib(e.boot->device_precomputed_bytes()));
    if (const HostMemory m = host_memory(); m.known)
      std::printf("[plan] host memory available: %.0f MiB (%.0f MiB of swap free)\n", mib(m.available), mib(m.swap_free));
    std::printf("plan: T=%zu dim=%lld bootstraps=%zu rotation_keys=%zu chunks=%zu key_mib=%.0f\n",
                prepared.layout.tokens, static_cast<long long>(cfg.dim), s.cal.bootstraps_per_sentence,
                s.cal.rotation_steps.size(), prepared.layout.chunks(static_cast<std::size_t>(cfg.dim)),
                mib(keys.bytes));
    return 0;
  }
  const Session s = make_session(e, prepared.layout);
  const Outcome o = classify(e, s, prepared, check);
  report_score(e.m, prepared.encoding, o.raw, flood_sigma);  // client: decryption with noise flooding
  return 0;
}

// Agreement run: the first `count` sentences of an SST-2 TSV with at most `max_tokens` tokens, one
// JSON line each appended to `results` (rows already there are skipped: a run can be resumed),
// then the summary over every row of the file.
int run_batch(const Engine& e, double flood_sigma, const fs::path& tsv, std::size_t count, std::size_t max_tokens,
              std::size_t pad_to, const fs::path& results, const std::string& tag) {
  const auto rows = load_sst2_tsv(tsv);
  std::set<std::size_t> done;
  if (fs::exists(results)) {
    std::ifstream in(results);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      const auto j = json::parse(line, nullptr, false);
      HNN_REQUIRE(!j.is_discarded() && j.contains("row"), results.string(), ": not a results file (line '", line, "')");
      done.insert(j["row"].get<std::size_t>());
    }
  }
  const auto& cfg = e.m.model.model().config();
  const std::size_t limit = max_encrypted_tokens(cfg, e.m.slots);
  HNN_REQUIRE(max_tokens <= limit, "--max-tokens ", max_tokens, " is above what the encrypted model takes (", limit,
              " tokens)");
  std::vector<std::pair<std::size_t, std::size_t>> picked;  // (T, row): one layout's keys at a time
  for (std::size_t i = 0; i < rows.size() && picked.size() < count; ++i) {
    const std::size_t tokens = e.m.tokenizer.encode(rows[i].sentence, std::size_t{1} << 20).ids.size();
    if (tokens > 2 && tokens <= max_tokens) picked.emplace_back(prepare_sentence(e.m, rows[i].sentence, pad_to).layout.tokens, i);
  }
  std::sort(picked.begin(), picked.end());
  std::printf("[batch] %s: the first %zu of %zu sentences with <= %zu tokens; %zu already in %s\n", tsv.string().c_str(),
              picked.size(), rows.size(), max_tokens, done.size(), results.string().c_str());
  std::optional<Session> session;  // keys are ~10 GB at n16: one layout's at a time
  for (std::size_t k = 0; k < picked.size(); ++k) {
    const std::size_t i = picked[k].second;
    if (done.count(i)) continue;
    const auto t0 = Clock::now();
    const PreparedSentence prepared = prepare_sentence(e.m, rows[i].sentence, pad_to);
    std::printf("[batch] %zu/%zu: row %zu, %zu tokens (T=%zu), label %d: %s\n", k + 1, picked.size(), i,
                prepared.tokens, prepared.layout.tokens, rows[i].label, rows[i].sentence.c_str());
    std::fflush(stdout);
    if (!session || session->layout.tokens != prepared.layout.tokens) {
      session.reset();
      session.emplace(make_session(e, prepared.layout));
    }
    const Outcome o = classify(e, *session, prepared, false);
    const double score = report_score(e.m, prepared.encoding, o.raw, flood_sigma);
    const double plain = e.m.model.positive_score(e.m.model.logits(prepared.encoding.ids, prepared.encoding.attention_mask));
    json j{{"row", i},
           {"tokens", prepared.tokens},
           {"T", prepared.layout.tokens},
           {"label", rows[i].label},
           {"plain_score", plain},
           {"encrypted_raw", o.raw},
           {"encrypted_score", score},
           {"flood_sigma", flood_sigma},
           {"error_bits", -std::log2(std::fabs(o.raw - plain) + 1e-300)},
           {"agree", (score > 0.5) == (plain > 0.5)},
           {"server_s", o.server_s},
           {"total_s", seconds_since(t0)},
           {"bootstraps", o.counters.bootstraps},
           {"device", e.device.name()},
           {"rotations", o.counters.rotations},
           {"tag", tag}};
    std::ofstream(results, std::ios::app) << j.dump() << "\n";
  }
  // summary over the whole file, then per layout (T sets the keys, bootstraps and time)
  struct Tally {
    std::size_t n = 0, agree = 0, enc_correct = 0, plain_correct = 0;
    double worst_bits = std::numeric_limits<double>::infinity(), sum_bits = 0, sum_server = 0,
           min_server = std::numeric_limits<double>::infinity(), max_server = 0;
    void add(const json& j) {
      ++n;
      agree += j["agree"].get<bool>();
      const bool positive = j["label"].get<int>() == 1;
      enc_correct += (j["encrypted_score"].get<double>() > 0.5) == positive;
      plain_correct += (j["plain_score"].get<double>() > 0.5) == positive;
      const double bits = j["error_bits"].get<double>(), server = j["server_s"].get<double>();
      worst_bits = std::min(worst_bits, bits);
      sum_bits += bits;
      sum_server += server;
      min_server = std::min(min_server, server);
      max_server = std::max(max_server, server);
    }
    void print(const std::string& what) const {
      const double d = static_cast<double>(n);
      std::printf("[batch] %s: decisions agree on %zu (%.1f %%); accuracy encrypted %.4f, plain %.4f; score error mean "
                  "%.1f bits, worst %.1f bits; server %.1f s per sentence (%.1f-%.1f)\n",
                  what.c_str(), agree, 100.0 * static_cast<double>(agree) / d, static_cast<double>(enc_correct) / d,
                  static_cast<double>(plain_correct) / d, sum_bits / d, worst_bits, sum_server / d, min_server,
                  max_server);
    }
  };
  Tally all;
  std::map<std::size_t, Tally> by_layout;
  std::ifstream in(results);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto j = json::parse(line);
    all.add(j);
    by_layout[j.value("T", std::size_t{0})].add(j);  // T = 0: a row without its layout
  }
  HNN_REQUIRE(all.n > 0, results.string(), " has no results");
  auto sentences = [](std::size_t n) { return std::to_string(n) + (n == 1 ? " sentence" : " sentences"); };
  all.print(sentences(all.n));
  if (by_layout.size() > 1)
    for (const auto& [t, tally] : by_layout) tally.print("T=" + std::to_string(t) + ", " + sentences(tally.n));
  std::printf("agreement=%.4f\n", static_cast<double>(all.agree) / static_cast<double>(all.n));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Encrypted DistilBERT sentiment classification: every layer on CKKS ciphertexts"};
  fs::path model_dir = HNN_DISTILBERT_MODEL_DIR, vocab, data_dir = HNN_DISTILBERT_DATA_DIR;
  std::string params = "n16", sentence;
  std::size_t calibration = 16;
  double flood_sigma = std::ldexp(1.0, -12);
  app.add_option("--model", model_dir, "model folder (config.json, model.safetensors, he_approx.json)")
      ->check(CLI::ExistingDirectory)
      ->capture_default_str();
  app.add_option("--vocab", vocab, "vocab.txt (default: MODEL/vocab.txt, else DATA/vocab.txt)");
  app.add_option("--data", data_dir, "the shipped data folder (vocab.txt; sst2/train.tsv for calibration)")
      ->check(CLI::ExistingDirectory)
      ->capture_default_str();
  app.add_option("--params", params, "n16 (128-bit) or insecure-n12 (tests only)")->capture_default_str();
  std::string device = "auto";
  app.add_option("--device", device,
                 "where the server evaluates: auto (the GPU when one is usable, else the CPU), cpu, cuda, cuda:N, "
                 "or cuda-emulated (the CUDA code on the host, slow: tests)")
      ->capture_default_str();
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
  fs::path batch, results;
  std::size_t count = 12, max_tokens = 16;
  std::string tag;
  app.add_option("--sst2", batch,
                 "agreement run instead of one sentence: classify sentences of this SST-2 TSV (e.g. the shipped "
                 "data/sst2/dev.tsv) and compare with the plaintext model")
      ->check(CLI::ExistingFile);
  app.add_option("--count", count, "--sst2: how many sentences (the first ones within --max-tokens)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("--max-tokens", max_tokens, "--sst2: longest sentence taken, [CLS] and [SEP] included")
      ->capture_default_str()
      ->check(CLI::Range(3, 512));
  app.add_option("--results", results, "--sst2: JSON-lines file, appended to; rows already in it are skipped");
  app.add_option("--tag", tag, "--sst2: a label stored in every result line (e.g. the commit)");
  int widen = 1;
  app.add_option("--widen", widen,
                 "timing at larger shapes: the model K times wider (dim, FFN and head width x K, as many heads) "
                 "computing the same function; --widen 2 on the shipped model gives DistilBERT-base's shapes")
      ->capture_default_str()
      ->check(CLI::Range(1, 8));
  std::size_t pad_to = 0;
  app.add_option("--pad-to", pad_to,
                 "timing at a fixed sequence length: lay every sentence out for at least this many tokens "
                 "(padding, masked out)")
      ->check(CLI::Range(0, 512));
  bool plan_only = false;
  app.add_flag("--plan", plan_only,
               "print the plan of the sentence's layout (bootstraps, rotation keys, from the calibration) and stop: "
               "no keys, no encryption");
  app.add_option("sentence", sentence, "the sentence to classify");
  CLI11_PARSE(app, argc, argv);
  try {
    if (app.count("sentence") > 0 && sentence.find_first_not_of(" \t\r\n") == std::string::npos) {
      std::cerr << "hnn-distilbert: the sentence is empty: it has no tokens to classify\n";
      return 2;
    }
    if (batch.empty() == sentence.empty()) {
      std::cerr << "hnn-distilbert: give either a sentence or --sst2 FILE (see --help)\n";
      return 2;
    }
    if (!batch.empty() && results.empty()) {
      std::cerr << "hnn-distilbert: --sst2 needs --results FILE.jsonl\n";
      return 2;
    }
    if (!batch.empty() && check) {
      std::cerr << "hnn-distilbert: --check is for one sentence\n";
      return 2;
    }
    if (!batch.empty() && plan_only) {
      std::cerr << "hnn-distilbert: --plan is for one sentence\n";
      return 2;
    }
    const Engine e = make_engine(model_dir, vocab, data_dir, parse_parameter_set(params), calibration,
                                 parse_device(device), widen);
    if (!batch.empty()) return run_batch(e, flood_sigma, batch, count, max_tokens, pad_to, results, tag);
    return run_one(e, flood_sigma, check, plan_only, pad_to, sentence);
  } catch (const std::exception& e) {
    std::cerr << "hnn-distilbert: " << e.what() << "\n";
    return 1;
  }
}
