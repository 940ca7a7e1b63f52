// Plaintext DistilBertForSequenceClassification, equal to Hugging Face's in inference mode
// (dropout off): the reference that the encrypted pipeline and its approximations are measured
// against. Templated on the scalar: float (as HF runs) and double (the precision reference).
#pragma once
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "hnn/distilbert/config.h"
#include "hnn/distilbert/matrix.h"
#include "hnn/distilbert/safetensors.h"
#include "hnn/distilbert/tokenizer.h"

namespace hnn::distilbert {

template <class T>
struct LinearWeights {
  Matrix<T> weight;  // [out x in], as nn.Linear
  std::vector<T> bias;
};

template <class T>
struct LayerNormWeights {
  std::vector<T> gamma;
  std::vector<T> beta;
};

template <class T>
struct TransformerBlockWeights {
  LinearWeights<T> q, k, v, out;  // attention.{q,k,v,out}_lin
  LayerNormWeights<T> sa_layer_norm;
  LinearWeights<T> ffn_lin1, ffn_lin2;
  LayerNormWeights<T> output_layer_norm;
};

template <class T>
struct DistilBertWeights {
  Matrix<T> word_embeddings;      // [vocab_size x dim]
  Matrix<T> position_embeddings;  // [max_position_embeddings x dim]
  LayerNormWeights<T> embedding_layer_norm;
  std::vector<TransformerBlockWeights<T>> blocks;
  LinearWeights<T> pre_classifier;  // [dim x dim]
  LinearWeights<T> classifier;      // [num_labels x dim]
};

// Reads every tensor of a DistilBertForSequenceClassification checkpoint under its Hugging Face
// name ("distilbert.transformer.layer.3.ffn.lin1.weight", "classifier.bias", ...), checking each
// shape against `config`. Throws DeserializationError naming the tensor when one is missing or
// has another shape, InvalidArgument when its dtype is not F32/F16/BF16. Other tensors in the
// file are ignored.
template <class T>
DistilBertWeights<T> load_weights(const SafeTensorsFile& file, const DistilBertConfig& config);

template <class T>
class DistilBertClassifier {
 public:
  DistilBertClassifier(DistilBertConfig config, DistilBertWeights<T> weights);

  // A Hugging Face model folder: config.json and model.safetensors, as published.
  static DistilBertClassifier load(const std::filesystem::path& model_dir);
  static DistilBertClassifier load(const std::filesystem::path& safetensors,
                                   const DistilBertConfig& config);

  // The last hidden state [n x dim] of one sequence. attention_mask: 1 = real token, 0 = padding
  // (padded keys get zero attention weight, as HF's large-negative mask gives). Throws
  // InvalidArgument on ids outside the vocabulary, a sequence longer than
  // max_position_embeddings, mismatched lengths, or a mask with no real token.
  Matrix<T> last_hidden_state(std::span<const std::int32_t> ids,
                              std::span<const std::int32_t> attention_mask) const;
  // The classifier's logits [num_labels] computed from the [CLS] (first) token.
  std::vector<T> logits(std::span<const std::int32_t> ids,
                        std::span<const std::int32_t> attention_mask) const;
  std::vector<T> logits(const Encoding& encoding) const {
    return logits(encoding.ids, encoding.attention_mask);
  }

  const DistilBertConfig& config() const { return config_; }
  const DistilBertWeights<T>& weights() const { return weights_; }

 private:
  Matrix<T> attention(const TransformerBlockWeights<T>& block, const Matrix<T>& x,
                      std::span<const std::int32_t> attention_mask) const;

  DistilBertConfig config_;
  DistilBertWeights<T> weights_;
};

// The same network k times wider: dim, hidden_dim and every head's width times k, the head count
// unchanged, computing the same function. Residual feature f of the wide model is feature
// (f / (k hd)) hd + (f mod hd) of the original (hd its head width): each original feature sits
// k times inside its own head. Hidden unit u is unit u mod hidden_dim. A linear layer's weights are
// the original's divided by k (each input appears k times) and the query weights and bias are
// scaled by 1 / sqrt(k) more, so that the wider head's 1 / sqrt(k hd) scaling gives the original
// scores; LayerNorm statistics, attention, GELU and the logits are then the original's (up to
// rounding). Used to time the encrypted pipeline at larger shapes with a trained model's values:
// widen(shipped model, 2) has DistilBERT-base's shapes (dim 768, FFN 3072, 12 heads of 64).
// Throws InvalidArgument for k < 1.
template <class T>
DistilBertClassifier<T> widen(const DistilBertClassifier<T>& model, int k);

}  // namespace hnn::distilbert
