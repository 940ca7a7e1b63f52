// Hugging Face's BERT tokenization pipeline, step for step (tokenizers/src/normalizers/bert.rs,
// pre_tokenizers/bert.rs, models/wordpiece), with Unicode properties taken from utf8proc.
#include "hnn/distilbert/tokenizer.h"

#include <utf8proc.h>

#include <algorithm>
#include <array>
#include <fstream>

#include "hnn/rns/error.h"

namespace hnn::distilbert {
namespace {

// The special tokens of the BERT vocabulary. tokenizers registers them as added tokens with
// normalized = false, so a literal "[SEP]" in the raw text is that token, not "[", "sep", "]".
constexpr std::array<std::string_view, 5> kSpecialTokens = {"[PAD]", "[UNK]", "[CLS]", "[SEP]",
                                                            "[MASK]"};

std::u32string decode_utf8(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  std::size_t pos = 0;
  while (pos < text.size()) {
    utf8proc_int32_t cp = 0;
    const utf8proc_ssize_t n =
        utf8proc_iterate(p + pos, static_cast<utf8proc_ssize_t>(text.size() - pos), &cp);
    HNN_REQUIRE(n > 0 && cp >= 0, "tokenizer input is not valid UTF-8 at byte ", pos,
                ": decode the text to UTF-8 before tokenizing");
    out.push_back(static_cast<char32_t>(cp));
    pos += static_cast<std::size_t>(n);
  }
  return out;
}

void append_utf8(std::string& out, char32_t cp) {
  utf8proc_uint8_t buf[4];
  const auto n = utf8proc_encode_char(static_cast<utf8proc_int32_t>(cp), buf);
  out.append(reinterpret_cast<const char*>(buf), static_cast<std::size_t>(n));
}

std::string encode_utf8(std::u32string_view cps) {
  std::string out;
  out.reserve(cps.size());
  for (char32_t cp : cps) append_utf8(out, cp);
  return out;
}

utf8proc_category_t category(char32_t cp) {
  return utf8proc_category(static_cast<utf8proc_int32_t>(cp));
}

// Rust's char::is_whitespace (the Unicode White_Space property) is exactly the separators
// Zs/Zl/Zp plus the controls U+0009..U+000D and U+0085; BERT also counts \t \n \r as whitespace.
bool is_whitespace(char32_t cp) {
  if ((cp >= 0x09 && cp <= 0x0D) || cp == 0x85) return true;
  const auto c = category(cp);
  return c == UTF8PROC_CATEGORY_ZS || c == UTF8PROC_CATEGORY_ZL || c == UTF8PROC_CATEGORY_ZP;
}

// BERT's "control": any Other category (Cc, Cf, Cn, Co, Cs) except \t \n \r, which count as
// whitespace instead.
bool is_control(char32_t cp) {
  if (cp == U'\t' || cp == U'\n' || cp == U'\r') return false;
  switch (category(cp)) {
    case UTF8PROC_CATEGORY_CC:
    case UTF8PROC_CATEGORY_CF:
    case UTF8PROC_CATEGORY_CN:
    case UTF8PROC_CATEGORY_CO:
    case UTF8PROC_CATEGORY_CS:
      return true;
    default:
      return false;
  }
}

// BERT splits on ASCII punctuation (which includes symbols such as $ + < = > ^ ` | ~ that Unicode
// files under S*) and on every Unicode P* character.
bool is_punctuation(char32_t cp) {
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) ||
      (cp >= 123 && cp <= 126)) {
    return true;
  }
  switch (category(cp)) {
    case UTF8PROC_CATEGORY_PC:
    case UTF8PROC_CATEGORY_PD:
    case UTF8PROC_CATEGORY_PS:
    case UTF8PROC_CATEGORY_PE:
    case UTF8PROC_CATEGORY_PI:
    case UTF8PROC_CATEGORY_PF:
    case UTF8PROC_CATEGORY_PO:
      return true;
    default:
      return false;
  }
}

// BERT's definition of a "Chinese character": the CJK Unified Ideographs blocks and their
// extensions and compatibility blocks (the ranges of the original BERT tokenization.py, which
// tokenizers copies). These are block boundaries from the algorithm, not a Unicode property.
bool is_chinese_char(char32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
         (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

// Canonical decomposition (NFD, with canonical reordering) of a code-point string.
std::u32string nfd(std::u32string_view cps) {
  const std::string utf8 = encode_utf8(cps);
  const auto* src = reinterpret_cast<const utf8proc_uint8_t*>(utf8.data());
  const auto len = static_cast<utf8proc_ssize_t>(utf8.size());
  const auto options = static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_DECOMPOSE);
  std::vector<utf8proc_int32_t> buf(cps.size() + 8);
  utf8proc_ssize_t n =
      utf8proc_decompose(src, len, buf.data(), static_cast<utf8proc_ssize_t>(buf.size()), options);
  if (n > static_cast<utf8proc_ssize_t>(buf.size())) {  // decomposition grew: retry with its size
    buf.resize(static_cast<std::size_t>(n));
    n = utf8proc_decompose(src, len, buf.data(), n, options);
  }
  HNN_ASSERT(n >= 0, "utf8proc_decompose failed: ", utf8proc_errmsg(n));
  return std::u32string(buf.begin(), buf.begin() + n);
}

}  // namespace

BertTokenizer BertTokenizer::from_vocab_file(const std::filesystem::path& vocab_txt,
                                             BertTokenizerOptions options) {
  std::ifstream in(vocab_txt, std::ios::binary);
  HNN_REQUIRE(in.good(), "cannot open vocabulary file ", vocab_txt.string());
  std::vector<std::string> tokens;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    tokens.push_back(std::move(line));
  }
  return BertTokenizer(std::move(tokens), options);
}

BertTokenizer::BertTokenizer(std::vector<std::string> tokens, BertTokenizerOptions options)
    : tokens_(std::move(tokens)), options_(options) {
  HNN_REQUIRE(!tokens_.empty(), "the vocabulary is empty");
  HNN_REQUIRE(tokens_.size() < (std::size_t{1} << 31), "the vocabulary is too large");
  ids_.reserve(tokens_.size());
  // A duplicated token keeps its last id, as Hugging Face's load_vocab (a dict) does.
  for (std::size_t i = 0; i < tokens_.size(); ++i) ids_[tokens_[i]] = static_cast<std::int32_t>(i);
  std::int32_t* const special_ids[] = {&pad_id_, &unk_id_, &cls_id_, &sep_id_, &mask_id_};
  for (std::size_t i = 0; i < kSpecialTokens.size(); ++i) {
    *special_ids[i] = token_to_id(kSpecialTokens[i]);
    HNN_REQUIRE(*special_ids[i] >= 0, "the vocabulary lacks the special token ", kSpecialTokens[i]);
  }
}

std::int32_t BertTokenizer::token_to_id(std::string_view token) const {
  const auto it = ids_.find(token);
  return it == ids_.end() ? -1 : it->second;
}

const std::string& BertTokenizer::id_to_token(std::int32_t id) const {
  HNN_REQUIRE(id >= 0 && static_cast<std::size_t>(id) < tokens_.size(), "token id ", id,
              " is outside the vocabulary of ", tokens_.size(), " tokens");
  return tokens_[static_cast<std::size_t>(id)];
}

std::string BertTokenizer::normalize(std::string_view text) const {
  std::u32string cps = decode_utf8(text);
  if (options_.clean_text) {
    std::u32string cleaned;
    cleaned.reserve(cps.size());
    for (char32_t cp : cps) {
      if (cp == 0 || cp == 0xFFFD || is_control(cp)) continue;
      cleaned.push_back(is_whitespace(cp) ? U' ' : cp);
    }
    cps = std::move(cleaned);
  }
  if (options_.handle_chinese_chars) {
    std::u32string spaced;
    spaced.reserve(cps.size());
    for (char32_t cp : cps) {
      if (is_chinese_char(cp)) {
        spaced.push_back(U' ');
        spaced.push_back(cp);
        spaced.push_back(U' ');
      } else {
        spaced.push_back(cp);
      }
    }
    cps = std::move(spaced);
  }
  const bool strip_accents =
      options_.strip_accents == BertTokenizerOptions::StripAccents::FollowLowercase
          ? options_.lowercase
          : options_.strip_accents == BertTokenizerOptions::StripAccents::Yes;
  if (strip_accents) {
    std::u32string stripped;
    for (char32_t cp : nfd(cps)) {
      if (category(cp) != UTF8PROC_CATEGORY_MN) stripped.push_back(cp);
    }
    cps = std::move(stripped);
  }
  // tokenizers lowercases after stripping accents, character by character (no final-sigma rule).
  std::string out;
  out.reserve(cps.size());
  for (char32_t cp : cps) {
    if (!options_.lowercase) {
      append_utf8(out, cp);
    } else if (cp == 0x130) {
      // U+0130 is the one character whose unconditional full lowercase (SpecialCasing.txt) is two
      // code points, "i" + U+0307; utf8proc only has the simple mapping.
      append_utf8(out, U'i');
      append_utf8(out, 0x307);
    } else {
      append_utf8(out, static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(cp))));
    }
  }
  return out;
}

std::vector<std::string> BertTokenizer::pre_tokenize(std::string_view normalized) const {
  std::vector<std::string> words;
  std::u32string current;
  const auto flush = [&] {
    if (!current.empty()) words.push_back(encode_utf8(current));
    current.clear();
  };
  for (char32_t cp : decode_utf8(normalized)) {
    if (is_whitespace(cp)) {
      flush();
    } else if (is_punctuation(cp)) {
      flush();
      words.push_back(encode_utf8(std::u32string_view(&cp, 1)));
    } else {
      current.push_back(cp);
    }
  }
  flush();
  return words;
}

// Greedy longest-match-first WordPiece; a word with no complete split becomes one [UNK].
void BertTokenizer::append_word_pieces(std::u32string_view word,
                                       std::vector<std::int32_t>& out) const {
  if (word.size() > options_.max_input_chars_per_word) {
    out.push_back(unk_id_);
    return;
  }
  const std::size_t first_piece = out.size();
  std::size_t start = 0;
  std::string candidate;
  while (start < word.size()) {
    std::int32_t found = -1;
    std::size_t end = word.size();
    for (; end > start; --end) {
      candidate = start > 0 ? "##" : "";
      candidate += encode_utf8(word.substr(start, end - start));
      found = token_to_id(candidate);
      if (found >= 0) break;
    }
    if (found < 0) {
      out.resize(first_piece);
      out.push_back(unk_id_);
      return;
    }
    out.push_back(found);
    start = end;
  }
}

void BertTokenizer::tokenize_plain_segment(std::string_view text,
                                           std::vector<std::int32_t>& out) const {
  for (const std::string& word : pre_tokenize(normalize(text))) {
    append_word_pieces(decode_utf8(word), out);
  }
}

std::vector<std::int32_t> BertTokenizer::tokenize(std::string_view text) const {
  std::vector<std::int32_t> ids;
  // Split the raw text on literal special tokens first (leftmost, then longest), as tokenizers'
  // AddedVocabulary does; the pieces between them go through the normal pipeline.
  std::size_t segment_start = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t match_len = 0;
    std::int32_t match_id = -1;
    if (text[pos] == '[') {
      for (std::string_view special : kSpecialTokens) {
        if (special.size() > match_len && text.substr(pos, special.size()) == special) {
          match_len = special.size();
          match_id = token_to_id(special);
        }
      }
    }
    if (match_len == 0) {
      ++pos;
      continue;
    }
    tokenize_plain_segment(text.substr(segment_start, pos - segment_start), ids);
    ids.push_back(match_id);
    pos += match_len;
    segment_start = pos;
  }
  tokenize_plain_segment(text.substr(segment_start), ids);
  return ids;
}

Encoding BertTokenizer::encode(std::string_view text, std::size_t max_length,
                               std::size_t pad_to) const {
  HNN_REQUIRE(max_length >= 2, "max_length ", max_length,
              " leaves no room for [CLS] and [SEP]: use max_length >= 2");
  std::vector<std::int32_t> pieces = tokenize(text);
  // Truncation keeps the head of the sentence, as HF's longest_first on a single sequence does.
  if (pieces.size() > max_length - 2) pieces.resize(max_length - 2);
  Encoding enc;
  enc.ids.reserve(std::max(pieces.size() + 2, pad_to));
  enc.ids.push_back(cls_id_);
  enc.ids.insert(enc.ids.end(), pieces.begin(), pieces.end());
  enc.ids.push_back(sep_id_);
  enc.attention_mask.assign(enc.ids.size(), 1);
  if (pad_to > 0) {
    HNN_REQUIRE(pad_to >= enc.ids.size(), "pad_to ", pad_to, " is shorter than the ",
                enc.ids.size(), " tokens of the encoded text: use pad_to >= max_length (",
                max_length, ") or pad_to = 0");
    enc.ids.resize(pad_to, pad_id_);
    enc.attention_mask.resize(pad_to, 0);
  }
  return enc;
}

}  // namespace hnn::distilbert
