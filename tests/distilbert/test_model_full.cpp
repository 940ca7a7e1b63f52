// Full-size DistilBERT (the published config: dim 768, 6 layers, 12 heads) with random weights
// against Hugging Face's float64 logits, on SST-2 dev sentences through hnn's own tokenizer.
// The checkpoint is generated (265 MB), so the test skips cleanly when it is absent.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "hnn/distilbert/model.h"
#include "hnn/distilbert/sst2.h"
#include "hnn/distilbert/tokenizer.h"
#include "reference_check.h"

namespace {

using hnn::distilbert::DistilBertClassifier;

std::string full_dir() {
  const char* env = std::getenv("HNN_DISTILBERT_FULL_DIR");
  return env != nullptr ? env : HNN_DISTILBERT_FULL_DEFAULT_DIR;
}

#define SKIP_WITHOUT_FULL_CHECKPOINT()                                                    \
  if (!std::filesystem::exists(full_dir() + "/model.safetensors") ||                      \
      !std::filesystem::exists(full_dir() + "/reference.json")) {                         \
    GTEST_SKIP() << "no full-size reference checkpoint in " << full_dir()                 \
                 << "; generate it with: python models/distilbert/tools/hf_reference.py " \
                    "checkpoint --size full --out "                                       \
                 << full_dir() << " (or set HNN_DISTILBERT_FULL_DIR)";                    \
  }

TEST(DistilBertFull, TokenizerGivesTheReferenceIds) {
  SKIP_WITHOUT_FULL_CHECKPOINT();
  const auto ref = hnn_test_distilbert::read_reference(full_dir());
  const auto tok = hnn::distilbert::BertTokenizer::from_vocab_file(
      std::string(HNN_DISTILBERT_DATA_DIR) + "/vocab.txt");
  const auto rows =
      hnn::distilbert::load_sst2_tsv(std::string(HNN_DISTILBERT_DATA_DIR) + "/sst2/dev.tsv");
  for (std::size_t r = 0; r < ref.input_ids.size(); ++r) {
    const auto enc = tok.encode(rows[r].sentence, 128, ref.input_ids[r].size());
    EXPECT_EQ(enc.ids, ref.input_ids[r]) << "dev row " << r;
    EXPECT_EQ(enc.attention_mask, ref.attention_mask[r]) << "dev row " << r;
  }
}

template <class T>
void expect_full_matches_hf(double tolerance) {
  SKIP_WITHOUT_FULL_CHECKPOINT();
  const auto model = DistilBertClassifier<T>::load(full_dir());
  EXPECT_EQ(model.config().dim, 768);
  const auto ref = hnn_test_distilbert::read_reference(full_dir());
  const auto err = hnn_test_distilbert::compare_with_reference(model, ref);
  std::cout << "[ distilbert ] full-size " << (sizeof(T) == 4 ? "float" : "double")
            << ": max relative logit error " << err.max_relative << " (norm-wise "
            << err.max_normwise << ") over " << ref.logits.size() << " sentences\n";
  EXPECT_LE(err.max_relative, tolerance);
}

TEST(DistilBertFull, FloatMatchesHuggingFace) {
  expect_full_matches_hf<float>(1e-4);
}
TEST(DistilBertFull, DoubleMatchesHuggingFace) {
  expect_full_matches_hf<double>(1e-10);
}

}  // namespace
