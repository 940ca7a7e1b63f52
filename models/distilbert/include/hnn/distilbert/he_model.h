// The plaintext twin of the encrypted DistilBERT: the same weights as DistilBertClassifier, with
// every non-linearity replaced by the HE-friendly approximation of he_approx.json (hnn::nn), in
// the order the encrypted pipeline and the PyTorch training (tools/he_model.py) compute them:
//   embeddings -> LayerNorm[inv_sqrt "embeddings.ln"]
//   per layer i: q,k,v -> scores (q / sqrt(head_dim)) . k -> softmax["layer<i>.softmax"] -> context
//     -> out_lin + residual -> LayerNorm["layer<i>.sa_ln"] -> lin1 -> GELU["layer<i>.gelu"] -> lin2
//     + residual -> LayerNorm["layer<i>.out_ln"]
//   head: pre_classifier -> ReLU["head.relu"] -> classifier -> Soft-Argmax["soft_argmax"] on x1 -
//   x0
// LayerNorm: mu = mean(x), d = x - mu, v = mean(d d), y = (d r) gamma + beta with r ~ v^-1/2.
// Optional simulated CKKS noise (nn::PrecisionNoise) after every linear layer and every
// approximated op.
#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "hnn/distilbert/model.h"
#include "hnn/nn/he_approx.h"
#include "hnn/nn/noise.h"

namespace hnn::distilbert {

// Inputs that fell outside an approximation's interval (where the polynomial is not bounded).
struct RangeReport {
  struct Entry {
    std::uint64_t outside = 0;
    std::uint64_t total = 0;
    double lowest = 0, highest = 0;  // the extreme inputs seen
  };
  std::map<std::string, Entry> ops;
  void record(const std::string& op, double x, bool inside);
  std::uint64_t outside_total() const;
};

class HeFriendlyClassifier {
 public:
  // Checks that `approx` has every op this model needs (names above) and throws InvalidArgument
  // naming the first missing one.
  HeFriendlyClassifier(DistilBertClassifier<double> model, nn::HeApproxSet approx);

  // config.json + model.safetensors + he_approx.json; a clear error when he_approx.json is absent.
  static HeFriendlyClassifier load(const std::filesystem::path& model_dir);

  // Word + position embeddings [n x dim] of the n real tokens (the input of the embedding
  // LayerNorm; what the encrypted pipeline's client encrypts). Throws InvalidArgument on a mask
  // that is not 1...1 0...0, ids outside the vocabulary, or more than max_position_embeddings tokens.
  Matrix<double> embeddings(std::span<const std::int32_t> ids, std::span<const std::int32_t> attention_mask) const;
  // Logits [num_labels] of one sequence. Padding must be on the right (mask 1...1 0...0); only
  // the real tokens are computed. `noise` (default: none) is applied after every linear layer and
  // approximated op; `ranges`, when given, records inputs outside the approximations' intervals.
  std::vector<double> logits(std::span<const std::int32_t> ids,
                             std::span<const std::int32_t> attention_mask,
                             nn::PrecisionNoise* noise = nullptr,
                             RangeReport* ranges = nullptr) const;
  // The Soft-Argmax output sigmoid((x1 - x0) / T) by its Chebyshev series: P(POSITIVE).
  double positive_score(std::span<const double> logits, nn::PrecisionNoise* noise = nullptr,
                        RangeReport* ranges = nullptr) const;
  double temperature() const { return approx_.chebyshev("soft_argmax").temperature; }

  const DistilBertClassifier<double>& model() const { return model_; }
  const nn::HeApproxSet& approx() const { return approx_; }

 private:
  void layer_norm(Matrix<double>& x, const LayerNormWeights<double>& w, const nn::InvSqrtApprox& op,
                  nn::PrecisionNoise* noise, RangeReport* ranges) const;

  DistilBertClassifier<double> model_;
  nn::HeApproxSet approx_;
};

}  // namespace hnn::distilbert
