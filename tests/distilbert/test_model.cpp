// Plaintext DistilBertForSequenceClassification against Hugging Face's float64 logits on the small
// random checkpoints in fixtures/ (F32 and BF16 weights), and the model's input checks.
#include <gtest/gtest.h>

#include <string>

#include "hnn/distilbert/model.h"
#include "hnn/rns/error.h"
#include "reference_check.h"

namespace {

using hnn::distilbert::DistilBertClassifier;
using hnn::distilbert::DistilBertConfig;
using hnn_test_distilbert::compare_with_reference;
using hnn_test_distilbert::read_reference;

const std::string kFixtures = HNN_DISTILBERT_FIXTURE_DIR;

template <class T>
void expect_matches_hf(const std::string& name, double tolerance) {
  const std::string dir = kFixtures + "/" + name;
  const auto model = DistilBertClassifier<T>::load(dir);
  const auto ref = read_reference(dir);
  ASSERT_GE(ref.input_ids.size(), 4u);
  const auto err = compare_with_reference(model, ref);
  std::cout << "[ distilbert ] " << name << " " << (sizeof(T) == 4 ? "float" : "double")
            << ": max relative logit error " << err.max_relative << " (norm-wise "
            << err.max_normwise << ")\n";
  EXPECT_LE(err.max_relative, tolerance);
}

TEST(DistilBertModel, SmallF32MatchesHuggingFaceInFloat) {
  expect_matches_hf<float>("small-f32", 1e-4);
}
TEST(DistilBertModel, SmallF32MatchesHuggingFaceInDouble) {
  expect_matches_hf<double>("small-f32", 1e-10);
}
TEST(DistilBertModel, SmallBf16MatchesHuggingFaceInFloat) {
  expect_matches_hf<float>("small-bf16", 1e-4);
}
TEST(DistilBertModel, SmallBf16MatchesHuggingFaceInDouble) {
  expect_matches_hf<double>("small-bf16", 1e-10);
}

TEST(DistilBertModel, PaddingDoesNotChangeLogits) {
  const auto model = DistilBertClassifier<double>::load(kFixtures + "/small-f32");
  const std::vector<std::int32_t> ids = {101, 500, 600, 700, 102};
  const std::vector<std::int32_t> mask(ids.size(), 1);
  auto padded_ids = ids;
  auto padded_mask = mask;
  padded_ids.resize(16, 0);
  padded_mask.resize(16, 0);
  const auto a = model.logits(ids, mask);
  const auto b = model.logits(padded_ids, padded_mask);
  ASSERT_EQ(a.size(), 2u);
  for (std::size_t j = 0; j < a.size(); ++j) EXPECT_NEAR(a[j], b[j], 1e-12);
  // The mask matters: the same padded ids attended in full give other logits.
  const auto c = model.logits(padded_ids, std::vector<std::int32_t>(16, 1));
  EXPECT_GT(std::abs(c[0] - a[0]) + std::abs(c[1] - a[1]), 1e-6);
}

TEST(DistilBertModel, RejectsBadInputs) {
  using V = std::vector<std::int32_t>;
  const auto model = DistilBertClassifier<float>::load(kFixtures + "/small-f32");
  const V ok = {101, 5, 102};
  EXPECT_NO_THROW(model.logits(ok, V{1, 1, 0}));
  EXPECT_THROW(model.logits(V{101, 1000, 102}, V{1, 1, 1}), hnn::InvalidArgument);  // vocab 1000
  EXPECT_THROW(model.logits(V{101, -1, 102}, V{1, 1, 1}), hnn::InvalidArgument);
  EXPECT_THROW(model.logits(ok, V{1, 1}), hnn::InvalidArgument);
  EXPECT_THROW(model.logits(ok, V{0, 0, 0}), hnn::InvalidArgument);
  EXPECT_THROW(model.logits(ok, V{1, 2, 1}), hnn::InvalidArgument);
  EXPECT_THROW(model.logits(V{}, V{}), hnn::InvalidArgument);
  EXPECT_THROW(model.logits(V(129, 5), V(129, 1)), hnn::InvalidArgument);  // 128 positions
}

TEST(DistilBertConfig, ReadsThePublishedConfig) {
  const auto c =
      DistilBertConfig::from_json_file(std::string(HNN_DISTILBERT_DATA_DIR) + "/config.json");
  EXPECT_EQ(c.dim, 768);
  EXPECT_EQ(c.n_layers, 6);
  EXPECT_EQ(c.n_heads, 12);
  EXPECT_EQ(c.hidden_dim, 3072);
  EXPECT_EQ(c.vocab_size, 30522);
  EXPECT_EQ(c.max_position_embeddings, 512);
  EXPECT_EQ(c.labels, (std::vector<std::string>{"NEGATIVE", "POSITIVE"}));
}

TEST(DistilBertConfig, RejectsBadConfigs) {
  const std::string base =
      R"("vocab_size": 10, "max_position_embeddings": 8, "n_layers": 1, "hidden_dim": 8)";
  EXPECT_NO_THROW(DistilBertConfig::from_json_string("{" + base + R"(, "dim": 8, "n_heads": 2})"));
  EXPECT_THROW(DistilBertConfig::from_json_string("{" + base + R"(, "dim": 8, "n_heads": 3})"),
               hnn::InvalidArgument);
  EXPECT_THROW(DistilBertConfig::from_json_string("{" + base + R"(, "dim": 8})"),
               hnn::InvalidArgument);
  EXPECT_THROW(DistilBertConfig::from_json_string("{" + base + R"(, "dim": "8", "n_heads": 2})"),
               hnn::InvalidArgument);
  EXPECT_THROW(DistilBertConfig::from_json_string(
                   "{" + base + R"(, "dim": 8, "n_heads": 2, "activation": "swish"})"),
               hnn::InvalidArgument);
  EXPECT_THROW(DistilBertConfig::from_json_string(
                   "{" + base + R"(, "dim": 8, "n_heads": 2, "id2label": {"0": "a", "2": "b"}})"),
               hnn::InvalidArgument);
  EXPECT_THROW(DistilBertConfig::from_json_string("{nope"), hnn::InvalidArgument);
}

}  // namespace
