// hnn-sst2-eval: accuracy, F1, agreement with a reference (plain) model and expected calibration
// error of a DistilBERT SST-2 classifier on GLUE SST-2 dev, in plaintext:
//   --variant plain  the checkpoint with exact non-linearities (DistilBertClassifier<double>);
//                    P(POSITIVE) = sigmoid((x1 - x0) / T), T from MODEL/soft_argmax.json (else 1)
//   --variant he     the plaintext twin of the encrypted model (HeFriendlyClassifier): every
//                    non-linearity from MODEL/he_approx.json, P(POSITIVE) = the Soft-Argmax series;
//                    --noise-bits B adds simulated CKKS noise of B bits after every op.
// The last line is always `accuracy=0.xxxx`.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "hnn/distilbert/he_model.h"
#include "hnn/distilbert/model.h"
#include "hnn/distilbert/sst2.h"
#include "hnn/distilbert/tokenizer.h"
#include "hnn/nn/calibration.h"
#include "hnn/nn/soft_argmax.h"
#include "hnn/rns/error.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace hnn::distilbert;

struct Options {
  fs::path model_dir, data, vocab, json_out, reference_dir;
  std::string variant = "he";
  double noise_bits = 0;
  std::uint64_t seed = 1;
  std::size_t max_length = 64;
  std::size_t limit = 0;
  bool progress = true;
};

// Predictions of one model over the data set.
struct Run {
  std::vector<double> p_positive;  // the model's output score, clamped to [0, 1]
  std::vector<double> p_softmax;   // softmax of the logits (T = 1): calibration before
  double temperature = 1;
  RangeReport ranges;
  double seconds = 0;
};

double read_temperature(const fs::path& dir) {
  const fs::path file = dir / "soft_argmax.json";
  if (!fs::exists(file)) return 1.0;
  std::ifstream in(file);
  const json j = json::parse(in, nullptr, false);
  HNN_REQUIRE(!j.is_discarded() && j.contains("temperature") && j["temperature"].is_number(),
              file.string(), ": expected a JSON object with a numeric \"temperature\"");
  return j["temperature"].get<double>();
}

class Progress {
 public:
  Progress(std::string label, std::size_t total, bool on)
      : label_(std::move(label)), total_(total), on_(on) {}
  void update(std::size_t done) {
    if (!on_ || (done != total_ && done % 8 != 0)) return;
    const int width = 40;
    const int filled = static_cast<int>(width * done / (total_ == 0 ? 1 : total_));
    std::fprintf(stderr, "\r%-14s [%s%s] %zu/%zu", label_.c_str(), std::string(filled, '#').c_str(),
                 std::string(width - filled, '.').c_str(), done, total_);
    if (done == total_) std::fprintf(stderr, "\n");
    std::fflush(stderr);
  }

 private:
  std::string label_;
  std::size_t total_;
  bool on_;
};

Run run_model(const fs::path& dir, const std::string& variant, const Options& opt,
              const std::vector<Encoding>& inputs) {
  Run run;
  const auto start = std::chrono::steady_clock::now();
  Progress progress(variant + (variant == "he" && opt.noise_bits > 0
                                   ? " " + std::to_string(static_cast<int>(opt.noise_bits)) + "b"
                                   : ""),
                    inputs.size(), opt.progress);
  auto record = [&](const std::vector<double>& logits, double p) {
    run.p_positive.push_back(std::clamp(p, 0.0, 1.0));
    run.p_softmax.push_back(hnn::nn::soft_argmax_binary(logits[0], logits[1], 1.0));
  };
  if (variant == "plain") {
    const auto model = DistilBertClassifier<double>::load(dir);
    run.temperature = read_temperature(dir);
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      const auto logits = model.logits(inputs[i]);
      record(logits, hnn::nn::soft_argmax_binary(logits[0], logits[1], run.temperature));
      progress.update(i + 1);
    }
  } else {
    const auto model = HeFriendlyClassifier::load(dir);
    run.temperature = model.temperature();
    const hnn::nn::PrecisionNoise base = opt.noise_bits > 0
                                             ? hnn::nn::PrecisionNoise(opt.noise_bits, opt.seed)
                                             : hnn::nn::PrecisionNoise();
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      hnn::nn::PrecisionNoise noise = base.fork(i);
      const auto logits =
          model.logits(inputs[i].ids, inputs[i].attention_mask, &noise, &run.ranges);
      record(logits, model.positive_score(logits, &noise, &run.ranges));
      progress.update(i + 1);
    }
  }
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return run;
}

json metrics_json(const hnn::nn::BinaryMetrics& m) {
  return {{"accuracy", m.accuracy},
          {"f1", m.f1},
          {"ece", m.ece},
          {"ece_bins", m.bins},
          {"count", m.count}};
}

int evaluate(const Options& opt) {
  const auto rows = load_sst2_tsv(opt.data);
  HNN_REQUIRE(!rows.empty(), opt.data.string(), " has no sentences");
  const std::size_t count = opt.limit > 0 ? std::min(opt.limit, rows.size()) : rows.size();
  const auto tokenizer = BertTokenizer::from_vocab_file(opt.vocab);
  std::vector<Encoding> inputs;
  std::vector<int> labels;
  for (std::size_t i = 0; i < count; ++i) {
    inputs.push_back(tokenizer.encode(rows[i].sentence, opt.max_length));
    labels.push_back(rows[i].label);
  }
  const Run run = run_model(opt.model_dir, opt.variant, opt, inputs);
  // A sentence whose output is not finite (under heavy noise an approximation's input can leave
  // its interval and the polynomial diverge) counts as wrong, with full confidence.
  std::size_t diverged = 0;
  std::vector<double> scores = run.p_positive, softmax_scores = run.p_softmax;
  for (std::size_t i = 0; i < count; ++i) {
    if (!std::isfinite(scores[i]) || !std::isfinite(softmax_scores[i])) {
      ++diverged;
      scores[i] = softmax_scores[i] = labels[i] == 1 ? 0.0 : 1.0;
    }
  }
  std::vector<int> predicted_by_score(count);
  for (std::size_t i = 0; i < count; ++i) predicted_by_score[i] = scores[i] > 0.5;
  const auto m = hnn::nn::binary_metrics(scores, labels);
  const auto before = hnn::nn::binary_metrics(softmax_scores, labels);

  std::optional<double> agreement;
  if (!opt.reference_dir.empty()) {
    std::vector<int> reference;
    if (fs::is_directory(opt.reference_dir)) {
      const Run ref = run_model(opt.reference_dir, "plain", opt, inputs);
      for (double p : ref.p_positive) reference.push_back(p > 0.5 ? 1 : 0);
    } else {
      // the --json output of an earlier run on the same data: its "predictions"
      std::ifstream in(opt.reference_dir);
      const json j = json::parse(in, nullptr, false);
      HNN_REQUIRE(!j.is_discarded() && j.contains("predictions") && j["predictions"].is_array(),
                  opt.reference_dir.string(),
                  ": --reference must be a model folder or the --json file of an earlier run");
      reference = j["predictions"].get<std::vector<int>>();
      HNN_REQUIRE(reference.size() == count, opt.reference_dir.string(), " holds ",
                  reference.size(), " predictions for ", count, " sentences");
    }
    std::size_t same = 0;
    for (std::size_t i = 0; i < count; ++i) same += reference[i] == predicted_by_score[i];
    agreement = static_cast<double>(same) / static_cast<double>(count);
  }

  std::cout << "model        " << opt.model_dir.string() << " (variant " << opt.variant << ")\n"
            << "data         " << opt.data.string() << ", " << count << " sentences, max "
            << opt.max_length << " tokens\n";
  if (opt.variant == "he") {
    std::cout << "noise        "
              << (opt.noise_bits > 0 ? std::to_string(opt.noise_bits) + " bits (seed " +
                                           std::to_string(opt.seed) + ")"
                                     : std::string("none"))
              << "\n";
    std::cout << "out of range " << run.ranges.outside_total()
              << " approximation inputs outside their intervals\n";
    std::cout << "diverged     " << diverged
              << " sentences with a non-finite output (counted as wrong)\n";
  }
  std::printf("time         %.1f s (%.1f ms/sentence)\n", run.seconds,
              1000 * run.seconds / static_cast<double>(count));
  std::printf("softmax T=1  accuracy %.4f  F1 %.4f  ECE(15 bins) %.4f\n", before.accuracy,
              before.f1, before.ece);
  std::printf("soft-argmax  T=%.4f  accuracy %.4f  F1 %.4f  ECE(15 bins) %.4f\n", run.temperature,
              m.accuracy, m.f1, m.ece);
  if (agreement) {
    std::printf("agreement    %.4f with the plain model %s\n", *agreement,
                opt.reference_dir.string().c_str());
  }

  if (!opt.json_out.empty()) {
    json ranges = json::object();
    for (const auto& [name, e] : run.ranges.ops) {
      ranges[name] = {
          {"outside", e.outside}, {"total", e.total}, {"lowest", e.lowest}, {"highest", e.highest}};
    }
    json out = {{"model", opt.model_dir.string()},
                {"variant", opt.variant},
                {"data", opt.data.string()},
                {"sentences", count},
                {"max_length", opt.max_length},
                {"noise_bits", opt.noise_bits},
                {"noise_seed", opt.seed},
                {"temperature", run.temperature},
                {"soft_argmax", metrics_json(m)},
                {"softmax_t1", metrics_json(before)},
                {"accuracy", m.accuracy},
                {"seconds", run.seconds},
                {"diverged", diverged},
                {"predictions", predicted_by_score},
                {"p_positive", run.p_positive}};
    if (agreement) {
      out["agreement_with_plain"] = *agreement;
      out["reference_model"] = opt.reference_dir.string();
    }
    if (opt.variant == "he") out["ranges"] = ranges;
    std::ofstream f(opt.json_out);
    HNN_REQUIRE(f.good(), "cannot write ", opt.json_out.string());
    f << out.dump(2) << "\n";
  }
  std::printf("accuracy=%.4f\n", m.accuracy);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"SST-2 evaluation of a DistilBERT classifier: plain, or the HE-friendly twin"};
  Options opt;
  opt.data = fs::path(HNN_DISTILBERT_DATA_DIR) / "sst2" / "dev.tsv";
  app.add_option("--model", opt.model_dir,
                 "folder with config.json, model.safetensors (and he_approx.json for --variant he)")
      ->required()
      ->check(CLI::ExistingDirectory);
  app.add_option("--variant", opt.variant, "plain: exact non-linearities; he: the HE-friendly twin")
      ->check(CLI::IsMember({"plain", "he"}))
      ->capture_default_str();
  app.add_option("--noise-bits", opt.noise_bits,
                 "simulated CKKS noise: precision in bits relative to each tensor's range "
                 "(0 = none; --variant he only)")
      ->check(CLI::Range(0.0, 60.0));
  app.add_option("--json", opt.json_out, "write the results as JSON to this file");
  app.add_option("--reference", opt.reference_dir,
                 "the plain model the agreement is measured against: its folder, or the --json "
                 "file of an earlier run of it on the same data")
      ->check(CLI::ExistingPath);
  app.add_option("--data", opt.data, "SST-2 TSV (default: the shipped dev.tsv)")
      ->check(CLI::ExistingFile);
  app.add_option("--vocab", opt.vocab,
                 "vocab.txt (default: MODEL/vocab.txt, else the shipped one)");
  app.add_option("--max-length", opt.max_length, "truncate to this many tokens")
      ->capture_default_str();
  app.add_option("--limit", opt.limit, "only the first N sentences (0 = all)");
  app.add_option("--seed", opt.seed, "noise seed")->capture_default_str();
  bool quiet = false;
  app.add_flag("--no-progress", quiet, "no progress bar on stderr");
  CLI11_PARSE(app, argc, argv);
  opt.progress = !quiet;
  if (opt.vocab.empty()) {
    opt.vocab = fs::exists(opt.model_dir / "vocab.txt")
                    ? opt.model_dir / "vocab.txt"
                    : fs::path(HNN_DISTILBERT_DATA_DIR) / "vocab.txt";
  }
  try {
    HNN_REQUIRE(opt.noise_bits == 0 || opt.variant == "he",
                "--noise-bits simulates the encrypted computation: use it with --variant he");
    return evaluate(opt);
  } catch (const std::exception& e) {
    std::cerr << "hnn-sst2-eval: " << e.what() << "\n";
    return 1;
  }
}
