#include "hnn/distilbert/sst2.h"

#include <fstream>

#include "hnn/rns/error.h"

namespace hnn::distilbert {

std::vector<LabeledSentence> load_sst2_tsv(const std::filesystem::path& tsv) {
  std::ifstream in(tsv, std::ios::binary);
  HNN_REQUIRE(in.good(), "cannot open SST-2 file ", tsv.string());
  std::string line;
  HNN_REQUIRE(std::getline(in, line) && line.rfind("sentence\tlabel", 0) == 0, tsv.string(),
              ": expected the GLUE header \"sentence<TAB>label\"");
  std::vector<LabeledSentence> rows;
  std::size_t line_no = 1;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    // The label is the last field; a sentence never contains a tab in GLUE's files.
    const auto tab = line.rfind('\t');
    HNN_REQUIRE(tab != std::string::npos, tsv.string(), ":", line_no, ": no tab before the label");
    const std::string label = line.substr(tab + 1);
    HNN_REQUIRE(label == "0" || label == "1", tsv.string(), ":", line_no, ": label \"", label,
                "\" is not 0 or 1");
    rows.push_back({line.substr(0, tab), label == "1" ? 1 : 0});
  }
  return rows;
}

}  // namespace hnn::distilbert
