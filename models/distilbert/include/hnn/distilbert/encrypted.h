// Encrypted DistilBERT: the HE-friendly classifier (he_model.h) computed on ciphertexts, every
// layer, with the nn::he layers (slot layout in hnn/nn/he/layout.h). The same code runs on the
// plaintext backend (the slot-level twin, used to calibrate bootstrap bounds and to list the
// rotation keys) and on the CKKS backend.
//
// Split of work. The client tokenizes, adds the word and position embeddings of its tokens (its
// own data: the embedding table is public model data) and encrypts the [tokens x dim] matrix. The
// server, holding only evaluation keys, runs the embedding LayerNorm, every block and the head, and
// returns one ciphertext whose slot 0 is the Soft-Argmax score P(positive). The client decrypts it.
//
// Layout: S slots for every ciphertext (model_slots: 16 x the next power of two >= dim, so a
// 16-token sentence packs a chunk per 512 features at dim 384), T = the sentence's token count
// rounded up to a power of two, C = S / T features per chunk. Attention needs T <= head_dim.
#pragma once
#include <chrono>
#include <cmath>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "hnn/distilbert/he_model.h"
#include "hnn/distilbert/tokenizer.h"
#include "hnn/nn/he/ckks_backend.h"
#include "hnn/nn/he/layers.h"
#include "hnn/nn/he/plain_backend.h"

namespace hnn::distilbert {

// Slots per ciphertext for a model: 16 * (next power of two >= dim).
std::size_t model_slots(const DistilBertConfig& config);
// The layout of a sentence of `tokens` real tokens; throws InvalidArgument when the sentence is
// longer than the model allows (head_dim, or S).
nn::he::Layout sentence_layout(const DistilBertConfig& config, std::size_t slots, std::size_t tokens);
// The longest sentence (in tokens, [CLS] and [SEP] included) the encrypted model accepts.
std::size_t max_encrypted_tokens(const DistilBertConfig& config, std::size_t slots);

// Client side: word + position embeddings of the real tokens of `enc`, packed (one slot vector per
// chunk). Returns the number of real tokens in `real_tokens`.
std::vector<std::vector<double>> embed_and_pack(const HeFriendlyClassifier& model, const Encoding& enc,
                                                const nn::he::Layout& layout, std::size_t& real_tokens);

struct StageReport {
  std::string stage;        // "embeddings.ln", "layer0.attention", "layer0.ffn", ..., "head"
  double seconds = 0;       // wall time of the stage
  std::size_t bootstraps = 0;  // during the stage
};
using StageCallback = std::function<void(const StageReport&)>;

// The server's computation. `x` holds the packed embeddings; the result's slot 0 (feature 0,
// token 0) is the Soft-Argmax score.
template <class B>
typename B::Value encrypted_forward(B& b, const HeFriendlyClassifier& model, nn::he::Tensor<typename B::Value> x,
                                    std::size_t real_tokens, const StageCallback& report = {});

// A plaintext-backend run over calibration sentences: the bounds of every bootstrap site (largest
// magnitude times `margin`, as a power of two), the rotation steps and the bootstrap count of one
// sentence of this layout.
struct Calibration {
  nn::he::BootstrapBounds bounds;
  std::set<int> rotation_steps;
  std::size_t bootstraps_per_sentence = 0;
  std::size_t sentences = 0;
};
Calibration calibrate(const HeFriendlyClassifier& model, const BertTokenizer& tokenizer, const nn::he::Layout& layout,
                      int fresh_level, const std::vector<std::string>& sentences, double margin = 4.0);

// ---- implementation ---------------------------------------------------------------------------

namespace detail {
inline nn::he::LinearParams params_of(const LinearWeights<double>& w) {
  return nn::he::LinearParams{w.weight.data(), w.bias, w.weight.rows(), w.weight.cols()};
}
}  // namespace detail

template <class B>
typename B::Value encrypted_forward(B& b, const HeFriendlyClassifier& model, nn::he::Tensor<typename B::Value> x,
                                    std::size_t n, const StageCallback& report) {
  using namespace nn::he;
  using V = typename B::Value;
  const auto& cfg = model.model().config();
  const auto& w = model.model().weights();
  const auto& approx = model.approx();
  const Layout& L = b.layout();
  const auto real = token_mask(L, n);
  std::vector<double> first(L.tokens, 0.0);
  first[0] = 1.0;
  const AttentionShape shape{static_cast<std::size_t>(cfg.head_dim()), n};
  check_attention(L, shape);

  auto t0 = std::chrono::steady_clock::now();
  std::size_t boots0 = b.counters().bootstraps;
  auto stage = [&](const std::string& name) {
    const auto now = std::chrono::steady_clock::now();
    if (report) {
      report(StageReport{name, std::chrono::duration<double>(now - t0).count(), b.counters().bootstraps - boots0});
    }
    t0 = now;
    boots0 = b.counters().bootstraps;
  };
  auto copy = [&](const Tensor<V>& t) {
    Tensor<V> c{t.features, {}};
    for (const auto& v : t.chunks) c.chunks.push_back(b.clone(v));
    return c;
  };

  x = layer_norm(b, std::move(x), w.embedding_layer_norm.gamma, w.embedding_layer_norm.beta,
                 approx.inv_sqrt("embeddings.ln"), n, real, "embeddings.ln");
  stage("embeddings.ln");
  const std::size_t layers = w.blocks.size();
  for (std::size_t i = 0; i < layers; ++i) {
    const auto& blk = w.blocks[i];
    const std::string p = "layer" + std::to_string(i) + ".";
    const LinearParams qkv_params[] = {detail::params_of(blk.q), detail::params_of(blk.k), detail::params_of(blk.v)};
    auto qkv = linear_many(b, copy(x), qkv_params, real, p + "qkv");
    auto& q = qkv[0];
    auto& k = qkv[1];
    auto& v = qkv[2];
    Tensor<V> ctx{x.features, {}};
    for (std::size_t c = 0; c < q.chunks.size(); ++c) {
      auto scores = attention_scores(b, std::move(q.chunks[c]), std::move(k.chunks[c]), shape, p + "scores");
      auto probs = attention_softmax(b, std::move(scores), approx.softmax(p + "softmax"), shape, p + "softmax");
      ctx.chunks.push_back(attention_context(b, std::move(probs), std::move(v.chunks[c]), shape, p + "context"));
    }
    auto sa = linear(b, std::move(ctx), detail::params_of(blk.out), real, p + "out");
    add_tensors(b, sa, x, p + "residual1");
    x = layer_norm(b, std::move(sa), blk.sa_layer_norm.gamma, blk.sa_layer_norm.beta, approx.inv_sqrt(p + "sa_ln"),
                   n, real, p + "sa_ln");
    stage(p + "attention");
    auto h = linear(b, copy(x), detail::params_of(blk.ffn_lin1), real, p + "ffn1");
    apply_series(b, h, approx.chebyshev(p + "gelu").series, p + "gelu");
    auto o = linear(b, std::move(h), detail::params_of(blk.ffn_lin2), real, p + "ffn2");
    add_tensors(b, o, x, p + "residual2");
    // the last block keeps only [CLS]: the head reads token 0, and zeros elsewhere keep the head's
    // series inside their intervals
    x = layer_norm(b, std::move(o), blk.output_layer_norm.gamma, blk.output_layer_norm.beta,
                   approx.inv_sqrt(p + "out_ln"), n, i + 1 == layers ? first : real, p + "out_ln");
    stage(p + "ffn");
  }
  auto pooled = linear(b, std::move(x), detail::params_of(w.pre_classifier), first, "head.pre_classifier");
  apply_series(b, pooled, approx.chebyshev("head.relu").series, "head.relu");
  // Soft-Argmax on x1 - x0: one output row, W[1] - W[0]
  const auto& cw = w.classifier;
  std::vector<double> diff_w(cw.weight.cols()), diff_b{cw.bias[1] - cw.bias[0]};
  for (std::size_t j = 0; j < diff_w.size(); ++j) diff_w[j] = cw.weight(1, j) - cw.weight(0, j);
  auto logit = linear(b, std::move(pooled), LinearParams{diff_w, diff_b, 1, diff_w.size()}, first, "head.classifier");
  apply_series(b, logit, approx.chebyshev("soft_argmax").series, "soft_argmax");
  stage("head");
  return std::move(logit.chunks[0]);
}

}  // namespace hnn::distilbert
