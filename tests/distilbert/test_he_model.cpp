// The HE-friendly plaintext twin (HeFriendlyClassifier) on the tiny fixture model of
// fixtures/he-tiny (written by models/distilbert/tools/he_fixture.py): equal to the PyTorch
// HE-friendly forward pass, noise-free when asked, documented error bounds that hold, clear errors
// on bad inputs, and the hnn-sst2-eval command line.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "hnn/ckks/bootstrap/chebyshev.h"
#include "hnn/distilbert/he_model.h"
#include "hnn/nn/he_approx.h"
#include "hnn/rns/error.h"

namespace {

namespace fs = std::filesystem;
using hnn::distilbert::HeFriendlyClassifier;
using nlohmann::json;

const fs::path kFixtures = HNN_DISTILBERT_FIXTURE_DIR;
const fs::path kTiny = kFixtures / "he-tiny";
const fs::path kShipped = fs::path(HNN_DISTILBERT_MODEL_DIR);

json read_json(const fs::path& p) {
  std::ifstream in(p);
  EXPECT_TRUE(in.good()) << p;
  return json::parse(in);
}

TEST(HeTwin, MatchesThePyTorchHeFriendlyForwardPass) {
  const auto model = HeFriendlyClassifier::load(kTiny);
  const json ref = read_json(kTiny / "reference_he.json");
  ASSERT_GE(ref["sentences"].size(), 8u);
  double worst = 0;
  for (const auto& s : ref["sentences"]) {
    const auto ids = s["ids"].get<std::vector<std::int32_t>>();
    const std::vector<std::int32_t> mask(ids.size(), 1);
    const auto logits = model.logits(ids, mask);
    const auto expected = s["logits"].get<std::vector<double>>();
    ASSERT_EQ(logits.size(), 2u);
    const double scale = std::max(std::fabs(expected[0]), std::fabs(expected[1])) + 1e-3;
    for (int j = 0; j < 2; ++j) worst = std::max(worst, std::fabs(logits[j] - expected[j]) / scale);
    EXPECT_NEAR(model.positive_score(logits), s["score"].get<double>(), 1e-9);
  }
  std::cout << "[ he twin ] max relative logit difference to PyTorch float64: " << worst << "\n";
  EXPECT_LE(worst, 1e-9);
}

TEST(HeTwin, DiffersFromTheExactModel) {
  // the approximations are really used: the twin is close to, but not equal to, the exact model
  const auto model = HeFriendlyClassifier::load(kTiny);
  const std::vector<std::int32_t> ids = {101, 150, 200, 300, 102};
  const std::vector<std::int32_t> mask(ids.size(), 1);
  const auto he = model.logits(ids, mask);
  const auto exact = model.model().logits(ids, mask);
  EXPECT_NE(he[0], exact[0]);
}

TEST(HeTwin, NoNoiseEqualsTheDeterministicOutput) {
  const auto model = HeFriendlyClassifier::load(kTiny);
  const std::vector<std::int32_t> ids = {101, 150, 200, 300, 400, 102};
  const std::vector<std::int32_t> mask(ids.size(), 1);
  const auto deterministic = model.logits(ids, mask);
  hnn::nn::PrecisionNoise off;
  EXPECT_EQ(model.logits(ids, mask, &off), deterministic);  // bit for bit
  // padding on the right changes nothing
  auto padded_ids = ids;
  auto padded_mask = mask;
  padded_ids.resize(12, 0);
  padded_mask.resize(12, 0);
  EXPECT_EQ(model.logits(padded_ids, padded_mask), deterministic);
  // 30-bit noise: different, close, and reproducible from its seed
  hnn::nn::PrecisionNoise a(30, 9), b(30, 9);
  const auto noisy = model.logits(ids, mask, &a);
  EXPECT_EQ(model.logits(ids, mask, &b), noisy);
  EXPECT_NE(noisy, deterministic);
  for (int j = 0; j < 2; ++j) EXPECT_NEAR(noisy[j], deterministic[j], 1e-4);
  // 8-bit noise moves the logits far more than 30-bit noise
  hnn::nn::PrecisionNoise coarse(8, 9);
  const auto very_noisy = model.logits(ids, mask, &coarse);
  EXPECT_GT(std::fabs(very_noisy[0] - deterministic[0]), std::fabs(noisy[0] - deterministic[0]));
}

// widen(model, k): DistilBERT-base's shapes from a smaller model, the same function.
TEST(Widen, GivesTheSameLogitsAtKTimesTheWidth) {
  const auto model = HeFriendlyClassifier::load(kTiny);
  const auto& base = model.model();
  const std::vector<std::vector<std::int32_t>> inputs = {{101, 150, 200, 300, 102}, {101, 7, 999, 42, 64, 500, 3, 102}};
  for (int k : {2, 3}) {
    SCOPED_TRACE("k = " + std::to_string(k));
    const auto wide = hnn::distilbert::widen(base, k);
    EXPECT_EQ(wide.config().dim, k * base.config().dim);
    EXPECT_EQ(wide.config().hidden_dim, k * base.config().hidden_dim);
    EXPECT_EQ(wide.config().n_heads, base.config().n_heads);
    EXPECT_EQ(wide.config().head_dim(), k * base.config().head_dim());
    const HeFriendlyClassifier he_wide(wide, model.approx());
    for (const auto& ids : inputs) {
      const std::vector<std::int32_t> mask(ids.size(), 1);
      const auto exact = base.logits(ids, mask), exact_wide = wide.logits(ids, mask);
      const auto he = model.logits(ids, mask), he_wide_logits = he_wide.logits(ids, mask);
      for (int j = 0; j < 2; ++j) {
        EXPECT_NEAR(exact_wide[j], exact[j], 1e-10 * (1 + std::fabs(exact[j])));
        EXPECT_NEAR(he_wide_logits[j], he[j], 1e-10 * (1 + std::fabs(he[j])));
      }
      // and not trivially: the wide model's weights are not the original's
      EXPECT_NE(wide.weights().blocks[0].q.weight(0, 0), base.weights().blocks[0].q.weight(0, 0));
    }
  }
  EXPECT_EQ(hnn::distilbert::widen(base, 1).weights().blocks[0].q.weight.data(), base.weights().blocks[0].q.weight.data());
  EXPECT_THROW(hnn::distilbert::widen(base, 0), hnn::InvalidArgument);
}

// The documented max error of every op of a he_approx.json holds on its interval, and is not a
// loose bound (at least half of it is reached); the Chebyshev coefficients equal the engine's
// 256-bit interpolation.
void check_documented_bounds(const fs::path& file) {
  const auto set = hnn::nn::HeApproxSet::from_json_file(file);
  ASSERT_FALSE(set.chebyshev_ops().empty()) << file;
  for (const auto& [name, op] : set.chebyshev_ops()) {
    const auto f = [&](long double x) {
      return hnn::nn::reference_function(op.function, x, op.temperature);
    };
    const double err = hnn::ckks::bootstrap::max_error(op.series, f, 20001);
    EXPECT_LE(err, op.max_abs_error * (1 + 1e-6) + 1e-12) << file << " " << name;
    // (a bound near double rounding cannot be checked from below)
    if (op.max_abs_error > 1e-10) {
      EXPECT_GE(err, op.max_abs_error * 0.5) << file << " " << name;
    }
    const auto exact =
        hnn::ckks::bootstrap::interpolate(f, op.series.a, op.series.b, op.series.degree());
    double cmax = 0;
    for (double c : exact.coeffs) cmax = std::max(cmax, std::fabs(c));
    for (std::size_t k = 0; k < exact.coeffs.size(); ++k) {
      // numpy interpolates in double from double samples of f: agreement to ~1e-9 of the largest
      // coefficient (relu's kink makes its samples the least smooth)
      EXPECT_NEAR(op.series.coeffs[k], exact.coeffs[k], 1e-9 * cmax) << name << " c" << k;
    }
    EXPECT_EQ(op.depth, hnn::nn::chebyshev_depth(op.series.degree()));
  }
  auto rel_error = [](auto&& approx, auto&& exact, double a, double b) {
    double worst = 0;
    const int n = 20001;
    for (int i = 0; i < n; ++i) {
      const double x = a * std::pow(b / a, static_cast<double>(i) / (n - 1));
      worst = std::max(worst, std::fabs(approx(x) / exact(x) - 1));
    }
    return worst;
  };
  for (const auto& [name, op] : set.inv_sqrt_ops()) {
    const double err = rel_error(
        op, [](double v) { return 1 / std::sqrt(v); }, op.init.a, op.init.b);
    EXPECT_LE(err, op.max_rel_error * (1 + 1e-6) + 1e-14) << name;
    if (op.max_rel_error > 1e-10) {
      EXPECT_GE(err, op.max_rel_error * 0.5) << name;
    }
    EXPECT_EQ(op.depth, hnn::nn::chebyshev_depth(op.init.degree()) + 2 * op.newton) << name;
  }
  for (const auto& [name, op] : set.softmax_ops()) {
    const double err = rel_error([&](double s) { return op.reciprocal(s); },
                                 [](double s) { return 1 / s; }, op.init.a, op.init.b);
    EXPECT_LE(err, op.max_rel_error * (1 + 1e-6) + 1e-14) << name;
    if (op.max_rel_error > 1e-10) {
      EXPECT_GE(err, op.max_rel_error * 0.5) << name;
    }
    EXPECT_EQ(op.depth,
              3 + op.squarings + hnn::nn::chebyshev_depth(op.init.degree()) + 2 * op.newton)
        << name;
  }
}

TEST(HeApproxBounds, FixtureModel) {
  check_documented_bounds(kTiny / "he_approx.json");
}

TEST(HeApproxBounds, ShippedModel) {
  if (!fs::exists(kShipped / "he_approx.json")) GTEST_SKIP() << "no shipped model at " << kShipped;
  check_documented_bounds(kShipped / "he_approx.json");
}

TEST(HeTwin, MissingOrMismatchedApproximationsGiveClearErrors) {
  try {
    (void)HeFriendlyClassifier::load(kFixtures / "small-f32");  // no he_approx.json
    ADD_FAILURE() << "no error";
  } catch (const hnn::InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("he_approx.json"), std::string::npos) << e.what();
  }
  // an approximation set for a 1-layer model does not fit the 2-layer fixture
  json spec = read_json(kTiny / "he_approx.json");
  spec["ops"].erase("layer1.gelu");
  auto approx = hnn::nn::HeApproxSet::from_json_string(spec.dump(), "edited.json");
  auto exact = hnn::distilbert::DistilBertClassifier<double>::load(kTiny);
  try {
    HeFriendlyClassifier model(std::move(exact), std::move(approx));
    ADD_FAILURE() << "no error";
  } catch (const hnn::InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("layer1.gelu"), std::string::npos) << e.what();
  }
}

// ---- the command line ----------------------------------------------------------------------
struct Result {
  int status = 0;
  std::string out;  // stdout and stderr
};

Result run(const std::string& args) {
  const std::string cmd = std::string(HNN_SST2_EVAL) + " " + args + " 2>&1";
  Result r;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) return {-1, "popen failed"};
  char buf[4096];
  while (std::fgets(buf, sizeof buf, pipe) != nullptr) r.out += buf;
  r.status = pclose(pipe);
  return r;
}

std::string last_line(const std::string& s) {
  auto end = s.find_last_not_of('\n');
  auto start = s.rfind('\n', end);
  return s.substr(start == std::string::npos ? 0 : start + 1,
                  end - (start == std::string::npos ? 0 : start + 1) + 1);
}

TEST(Sst2EvalCli, RunsOnTheFixtureAndEndsWithAccuracy) {
  const fs::path json_out = fs::temp_directory_path() / "hnn_sst2_eval_test.json";
  fs::remove(json_out);
  const auto r =
      run("--model " + kTiny.string() + " --variant he --data " + (kTiny / "dev.tsv").string() +
          " --reference " + kTiny.string() + " --json " + json_out.string() + " --noise-bits 20");
  ASSERT_EQ(r.status, 0) << r.out;
  const std::string last = last_line(r.out);
  EXPECT_TRUE(std::regex_match(last, std::regex(R"(accuracy=[01]\.\d{4})"))) << last;
  const json j = read_json(json_out);
  EXPECT_EQ(j["variant"], "he");
  EXPECT_EQ(j["noise_bits"].get<double>(), 20.0);
  EXPECT_EQ(j["sentences"].get<int>(), 24);
  EXPECT_NEAR(j["accuracy"].get<double>(), std::stod(last.substr(9)), 5e-5);
  EXPECT_GE(j["agreement_with_plain"].get<double>(), 0.0);
  EXPECT_LE(j["soft_argmax"]["ece"].get<double>(), 1.0);
  EXPECT_EQ(j["soft_argmax"]["ece_bins"].get<int>(), 15);
  // the accuracy is the reference scores' accuracy (noise-free run)
  const auto r0 = run("--model " + kTiny.string() + " --variant he --no-progress --data " +
                      (kTiny / "dev.tsv").string());
  ASSERT_EQ(r0.status, 0) << r0.out;
  const json ref = read_json(kTiny / "reference_he.json");
  int correct = 0;
  for (const auto& s : ref["sentences"])
    correct += (s["score"].get<double>() > 0.5) == (s["label"].get<int>() == 1);
  char expected[32];
  std::snprintf(expected, sizeof expected, "accuracy=%.4f", correct / 24.0);
  EXPECT_EQ(last_line(r0.out), expected);
  // very coarse noise may make polynomials diverge: such sentences count as wrong, no crash
  const auto r1 =
      run("--model " + kTiny.string() + " --variant he --no-progress --noise-bits 1 --limit 6 --data " +
          (kTiny / "dev.tsv").string());
  ASSERT_EQ(r1.status, 0) << r1.out;
  EXPECT_TRUE(std::regex_match(last_line(r1.out), std::regex(R"(accuracy=[01]\.\d{4})"))) << r1.out;
  EXPECT_NE(r1.out.find("diverged"), std::string::npos) << r1.out;
  fs::remove(json_out);
}

TEST(Sst2EvalCli, BadInputsGiveClearErrors) {
  const std::string data = " --data " + (kTiny / "dev.tsv").string();
  auto r = run("--model " + kTiny.string() + " --variant fancy" + data);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("--variant"), std::string::npos) << r.out;
  r = run("--model " + (kFixtures / "small-f32").string() + " --variant he" + data);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("he_approx.json"), std::string::npos) << r.out;
  r = run("--model " + kTiny.string() + " --variant plain --noise-bits 20" + data);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("--variant he"), std::string::npos) << r.out;
  r = run("--model /nonexistent/model --variant he" + data);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("/nonexistent/model"), std::string::npos) << r.out;
}

}  // namespace
