// Reader for GLUE's SST-2 TSV files (header "sentence\tlabel", one sentence a row, no quoting).
#pragma once
#include <filesystem>
#include <string>
#include <vector>

namespace hnn::distilbert {

struct LabeledSentence {
  std::string sentence;  // as in the file, trailing space included (the tokenizer drops it)
  int label = 0;         // 0 = negative, 1 = positive
};

// Throws InvalidArgument naming the file and line when a row is malformed.
std::vector<LabeledSentence> load_sst2_tsv(const std::filesystem::path& tsv);

}  // namespace hnn::distilbert
