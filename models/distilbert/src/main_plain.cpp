// hnn-distilbert-plain: classify sentences with a Hugging Face DistilBERT checkpoint in plaintext.
//   hnn-distilbert-plain --model DIR [--vocab vocab.txt] [--double] "a sentence" ...
// DIR holds config.json and model.safetensors as published (e.g. a download of
// distilbert-base-uncased-finetuned-sst-2-english); vocab.txt defaults to DIR/vocab.txt, else the
// bert-base-uncased vocabulary shipped in models/distilbert/data.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "hnn/distilbert/model.h"
#include "hnn/distilbert/tokenizer.h"
#include "hnn/rns/error.h"

namespace {

template <class T>
int run(const std::filesystem::path& model_dir, const std::filesystem::path& vocab,
        std::size_t max_length, const std::vector<std::string>& sentences) {
  using namespace hnn::distilbert;
  const auto model = DistilBertClassifier<T>::load(model_dir);
  const auto tokenizer = BertTokenizer::from_vocab_file(vocab);
  HNN_REQUIRE(static_cast<std::int64_t>(tokenizer.vocab_size()) == model.config().vocab_size,
              "vocabulary ", vocab.string(), " has ", tokenizer.vocab_size(),
              " tokens but the model's vocab_size is ", model.config().vocab_size);
  for (const auto& sentence : sentences) {
    const auto logits = model.logits(tokenizer.encode(sentence, max_length));
    std::size_t best = 0;
    for (std::size_t j = 1; j < logits.size(); ++j) best = logits[j] > logits[best] ? j : best;
    std::cout << model.config().labels[best] << "\tlogits";
    for (T v : logits) std::printf(" %.9g", static_cast<double>(v));
    std::cout << "\t" << sentence << "\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Plaintext DistilBERT sequence classification (Hugging Face checkpoints)"};
  std::filesystem::path model_dir, vocab;
  bool use_double = false;
  std::size_t max_length = 512;
  std::vector<std::string> sentences;
  app.add_option("--model", model_dir, "folder with config.json and model.safetensors")
      ->required()
      ->check(CLI::ExistingDirectory);
  app.add_option("--vocab", vocab, "vocab.txt (default: MODEL/vocab.txt, else the shipped one)");
  app.add_option("--max-length", max_length,
                 "truncate to this many tokens, [CLS] and [SEP] included");
  app.add_flag("--double", use_double, "compute in double instead of float");
  app.add_option("sentences", sentences, "sentences to classify")->required();
  CLI11_PARSE(app, argc, argv);
  if (vocab.empty()) {
    vocab = std::filesystem::exists(model_dir / "vocab.txt")
                ? model_dir / "vocab.txt"
                : std::filesystem::path(HNN_DISTILBERT_DATA_DIR) / "vocab.txt";
  }
  try {
    return use_double ? run<double>(model_dir, vocab, max_length, sentences)
                      : run<float>(model_dir, vocab, max_length, sentences);
  } catch (const std::exception& e) {
    std::cerr << "hnn-distilbert-plain: " << e.what() << "\n";
    return 1;
  }
}
