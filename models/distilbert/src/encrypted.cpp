#include "hnn/distilbert/encrypted.h"

#include <algorithm>
#include <exception>
#include <map>
#include <set>

#include "hnn/rns/error.h"

namespace hnn::distilbert {
namespace {

std::size_t next_pow2(std::size_t v) {
  std::size_t p = 1;
  while (p < v) p <<= 1;
  return p;
}

}  // namespace

std::size_t model_slots(const DistilBertConfig& config) {
  return 16 * next_pow2(static_cast<std::size_t>(config.dim));
}

std::size_t max_encrypted_tokens(const DistilBertConfig& config, std::size_t slots) {
  // a chunk (S / T features) must hold at least one whole head; longer sequences than head_dim
  // spread each head's scores over T / head_dim blocks (nn/he/layers.h)
  return slots / static_cast<std::size_t>(config.head_dim());
}

nn::he::Layout sentence_layout(const DistilBertConfig& config, std::size_t slots, std::size_t tokens) {
  HNN_REQUIRE(tokens >= 1, "an empty sentence: nothing to classify");
  const std::size_t limit = max_encrypted_tokens(config, slots);
  HNN_REQUIRE(tokens <= limit, "the sentence has ", tokens, " tokens ([CLS] and [SEP] included); the encrypted ",
              "model takes at most ", limit, " (a ciphertext of ", slots, " slots must hold a whole head of ",
              config.head_dim(), " features for each token): shorten the sentence");
  nn::he::Layout layout{next_pow2(tokens), slots};
  layout.validate();
  return layout;
}

std::vector<std::vector<double>> embed_and_pack(const HeFriendlyClassifier& model, const Encoding& enc,
                                                const nn::he::Layout& layout, std::size_t& real_tokens) {
  const Matrix<double> x = model.embeddings(enc.ids, enc.attention_mask);
  real_tokens = x.rows();
  return nn::he::pack(layout, x.data(), x.rows(), x.cols());
}

Calibration calibrate(const HeFriendlyClassifier& model, const BertTokenizer& tokenizer, const nn::he::Layout& layout,
                      int fresh_level, const std::vector<std::string>& sentences, double margin) {
  HNN_REQUIRE(!sentences.empty(), "calibration needs at least one sentence");
  // One plaintext forward pass per sentence, in parallel (each is serial and independent); merged in
  // sentence order afterwards, so the result does not depend on the thread count.
  struct Pass {
    std::map<std::string, double> maxima;
    std::set<int> rotation_steps;
    std::size_t bootstraps = 0;
  };
  std::vector<Pass> passes(sentences.size());
  std::vector<std::exception_ptr> errors(sentences.size());
#pragma omp parallel for schedule(dynamic, 1)
  for (std::ptrdiff_t i = 0; i < static_cast<std::ptrdiff_t>(sentences.size()); ++i) {
    try {
      const Encoding enc = tokenizer.encode(sentences[static_cast<std::size_t>(i)], layout.tokens);
      nn::he::PlainBackend b(layout, fresh_level);
      std::size_t n = 0;
      const auto packed = embed_and_pack(model, enc, layout, n);
      nn::he::Tensor<nn::he::PlainBackend::Value> x{static_cast<std::size_t>(model.model().config().dim), {}};
      for (const auto& c : packed) x.chunks.push_back(b.encrypt(c));
      (void)encrypted_forward(b, model, std::move(x), n);
      Pass& p = passes[static_cast<std::size_t>(i)];
      p.maxima = b.site_maxima();
      p.rotation_steps.insert(b.rotation_steps().begin(), b.rotation_steps().end());
      p.bootstraps = b.counters().bootstraps;
    } catch (...) {
      errors[static_cast<std::size_t>(i)] = std::current_exception();
    }
  }
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
  Calibration out;
  std::map<std::string, double> maxima;
  for (const Pass& p : passes) {
    for (const auto& [site, m] : p.maxima) maxima[site] = std::max(maxima[site], m);
    out.rotation_steps.insert(p.rotation_steps.begin(), p.rotation_steps.end());
    out.bootstraps_per_sentence = std::max(out.bootstraps_per_sentence, p.bootstraps);
    ++out.sentences;
  }
  out.bounds = nn::he::bounds_from_maxima(maxima, margin);
  return out;
}

}  // namespace hnn::distilbert
