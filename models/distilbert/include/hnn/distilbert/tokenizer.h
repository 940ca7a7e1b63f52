// WordPiece tokenizer equal to Hugging Face's uncased BERT tokenizer (tokenizers' BertNormalizer +
// BertPreTokenizer + WordPiece + the [CLS] A [SEP] template), so that token ids match the ones the
// published DistilBERT checkpoints were trained and fine-tuned on.
#pragma once
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace hnn::distilbert {

// The settings of Hugging Face's BertNormalizer and WordPiece model; the defaults are those of
// bert-base-uncased / distilbert-base-uncased (tokenizer_config.json: do_lower_case = true,
// strip_accents = null, tokenize_chinese_chars = true).
struct BertTokenizerOptions {
  bool clean_text = true;            // drop control characters, map every whitespace to ' '
  bool handle_chinese_chars = true;  // put spaces around CJK ideographs
  bool lowercase = true;
  // HF: strip_accents = null means "follow lowercase".
  enum class StripAccents {
    FollowLowercase,
    Yes,
    No
  } strip_accents = StripAccents::FollowLowercase;
  std::size_t max_input_chars_per_word = 100;  // longer words become [UNK]
};

// The ids and attention mask of one encoded sentence: [CLS] pieces... [SEP] [PAD]...
struct Encoding {
  std::vector<std::int32_t> ids;
  std::vector<std::int32_t> attention_mask;  // 1 for real tokens, 0 for padding
  // The leading real tokens ([CLS] and [SEP] included).
  std::size_t real_tokens() const {
    std::size_t n = 0;
    while (n < attention_mask.size() && attention_mask[n] == 1) ++n;
    return n;
  }
};

class BertTokenizer {
 public:
  // Reads a vocab.txt (one token a line, id = line number, as in Hugging Face's load_vocab).
  static BertTokenizer from_vocab_file(const std::filesystem::path& vocab_txt,
                                       BertTokenizerOptions options = {});
  // The same from tokens in id order.
  BertTokenizer(std::vector<std::string> tokens, BertTokenizerOptions options = {});

  // [CLS] + WordPiece ids of `text`, truncated so that the whole is at most max_length ids, +
  // [SEP]; then padded with [PAD] (mask 0) up to pad_to when pad_to > 0. `text` must be valid
  // UTF-8. Throws InvalidArgument when max_length < 2 or pad_to is non-zero and shorter than the
  // result.
  Encoding encode(std::string_view text, std::size_t max_length = 512,
                  std::size_t pad_to = 0) const;

  // The WordPiece ids of `text` without special tokens and without truncation.
  std::vector<std::int32_t> tokenize(std::string_view text) const;
  // The text after BertNormalizer (clean text, CJK spacing, accents stripped, lowercase), UTF-8.
  std::string normalize(std::string_view text) const;
  // Normalized text split on whitespace and punctuation, as BertPreTokenizer does.
  std::vector<std::string> pre_tokenize(std::string_view normalized) const;

  std::size_t vocab_size() const { return tokens_.size(); }
  // The id of a token, or -1 when the vocabulary lacks it.
  std::int32_t token_to_id(std::string_view token) const;
  const std::string& id_to_token(std::int32_t id) const;

  std::int32_t pad_id() const { return pad_id_; }
  std::int32_t unk_id() const { return unk_id_; }
  std::int32_t cls_id() const { return cls_id_; }
  std::int32_t sep_id() const { return sep_id_; }
  std::int32_t mask_id() const { return mask_id_; }

 private:
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  void append_word_pieces(std::u32string_view word, std::vector<std::int32_t>& out) const;
  void tokenize_plain_segment(std::string_view text, std::vector<std::int32_t>& out) const;

  std::vector<std::string> tokens_;
  std::unordered_map<std::string, std::int32_t, StringHash, std::equal_to<>> ids_;
  BertTokenizerOptions options_;
  std::int32_t pad_id_ = -1, unk_id_ = -1, cls_id_ = -1, sep_id_ = -1, mask_id_ = -1;
};

}  // namespace hnn::distilbert
