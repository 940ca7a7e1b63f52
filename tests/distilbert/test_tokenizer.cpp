// The tokenizer against Hugging Face: ids of every SST-2 train and dev sentence and edge cases
// (accents, CJK, controls, special tokens, long words, truncation, padding), as written by
// models/distilbert/tools/hf_reference.py.
#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "hnn/distilbert/sst2.h"
#include "hnn/distilbert/tokenizer.h"
#include "hnn/rns/error.h"

namespace {

using hnn::distilbert::BertTokenizer;

const std::string kData = HNN_DISTILBERT_DATA_DIR;
const std::string kFixtures = HNN_DISTILBERT_FIXTURE_DIR;

const BertTokenizer& tokenizer() {
  static const BertTokenizer tok = BertTokenizer::from_vocab_file(kData + "/vocab.txt");
  return tok;
}

// One id row per line of a gzip text file.
std::vector<std::vector<std::int32_t>> read_id_rows(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) throw std::runtime_error("cannot open " + path);
  std::string text;
  char buf[1 << 16];
  int n = 0;
  while ((n = gzread(f, buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
  gzclose(f);
  std::vector<std::vector<std::int32_t>> rows;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::vector<std::int32_t> row;
    std::int32_t id = 0;
    while (fields >> id) row.push_back(id);
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string join(const std::vector<std::int32_t>& ids) {
  std::ostringstream os;
  for (auto id : ids) os << id << ' ';
  return os.str();
}

void expect_sst2_split_matches_hf(const std::string& split) {
  const auto rows = hnn::distilbert::load_sst2_tsv(kData + "/sst2/" + split + ".tsv");
  const auto expected = read_id_rows(kFixtures + "/sst2_" + split + "_ids.txt.gz");
  ASSERT_EQ(rows.size(), expected.size());
  std::size_t mismatches = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto got = tokenizer().encode(rows[i].sentence).ids;
    if (got != expected[i]) {
      if (++mismatches <= 5) {
        ADD_FAILURE() << split << " row " << i + 2 << ": \"" << rows[i].sentence
                      << "\"\n  hnn: " << join(got) << "\n  HF:  " << join(expected[i]);
      }
    }
  }
  EXPECT_EQ(mismatches, 0u) << "of " << rows.size() << " " << split << " sentences";
}

TEST(BertTokenizer, Sst2DevMatchesHuggingFace) {
  const auto rows = hnn::distilbert::load_sst2_tsv(kData + "/sst2/dev.tsv");
  EXPECT_EQ(rows.size(), 872u);
  expect_sst2_split_matches_hf("dev");
}

TEST(BertTokenizer, Sst2TrainMatchesHuggingFace) {
  const auto rows = hnn::distilbert::load_sst2_tsv(kData + "/sst2/train.tsv");
  EXPECT_EQ(rows.size(), 67349u);
  expect_sst2_split_matches_hf("train");
}

TEST(BertTokenizer, EdgeCasesMatchHuggingFace) {
  std::ifstream in(kFixtures + "/tokenizer_cases.json");
  ASSERT_TRUE(in.good());
  const auto cases = nlohmann::json::parse(in).at("cases");
  ASSERT_GT(cases.size(), 10u);
  for (const auto& c : cases) {
    const auto text = c.at("text").get<std::string>();
    for (const auto& e : c.at("encodings")) {
      const auto max_length = e.at("max_length").get<std::size_t>();
      const auto pad_to = e.at("pad_to").get<std::size_t>();
      const auto enc = tokenizer().encode(text, max_length, pad_to);
      const auto want_ids = e.at("ids").get<std::vector<std::int32_t>>();
      EXPECT_EQ(enc.ids, want_ids)
          << "text \"" << text << "\" max_length " << max_length << " pad_to " << pad_to
          << "\n  hnn: " << join(enc.ids) << "\n  HF:  " << join(want_ids);
      EXPECT_EQ(enc.attention_mask, e.at("attention_mask").get<std::vector<std::int32_t>>())
          << "text \"" << text << "\"";
    }
  }
}

TEST(BertTokenizer, NormalizesAndSplitsLikeBert) {
  const auto& tok = tokenizer();
  EXPECT_EQ(tok.normalize("Amélie\tNÆS\u00a0北京"), "amelie næs  北  京 ");
  EXPECT_EQ(tok.pre_tokenize("it's a (test)."),
            (std::vector<std::string>{"it", "'", "s", "a", "(", "test", ")", "."}));
  EXPECT_EQ(tok.id_to_token(tok.cls_id()), "[CLS]");
  EXPECT_EQ(tok.cls_id(), 101);
  EXPECT_EQ(tok.sep_id(), 102);
  EXPECT_EQ(tok.pad_id(), 0);
  EXPECT_EQ(tok.unk_id(), 100);
  EXPECT_EQ(tok.vocab_size(), 30522u);
}

TEST(BertTokenizer, TruncatesAndPads) {
  const auto& tok = tokenizer();
  const auto full = tok.encode("a charming and often affecting journey");
  ASSERT_GT(full.ids.size(), 4u);
  const auto cut = tok.encode("a charming and often affecting journey", 4, 8);
  EXPECT_EQ(cut.ids, (std::vector<std::int32_t>{101, full.ids[1], full.ids[2], 102, 0, 0, 0, 0}));
  EXPECT_EQ(cut.attention_mask, (std::vector<std::int32_t>{1, 1, 1, 1, 0, 0, 0, 0}));
}

TEST(BertTokenizer, RejectsBadCalls) {
  const auto& tok = tokenizer();
  EXPECT_THROW(tok.encode("x", 1), hnn::InvalidArgument);
  EXPECT_THROW(tok.encode("a b c d e f", 16, 4), hnn::InvalidArgument);
  EXPECT_THROW(tok.encode(std::string("bad \xff utf-8")), hnn::InvalidArgument);
  EXPECT_THROW(BertTokenizer::from_vocab_file(kData + "/no-such-vocab.txt"), hnn::InvalidArgument);
  EXPECT_THROW(BertTokenizer(std::vector<std::string>{"a", "b"}), hnn::InvalidArgument);
}

}  // namespace
