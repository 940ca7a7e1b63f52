// The fields of a Hugging Face DistilBERT config.json that fix the network's shapes and functions.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace hnn::distilbert {

enum class Activation { Gelu, Relu };

struct DistilBertConfig {
  std::int64_t vocab_size = 30522;
  std::int64_t max_position_embeddings = 512;
  std::int64_t dim = 768;
  std::int64_t n_layers = 6;
  std::int64_t n_heads = 12;
  std::int64_t hidden_dim = 3072;
  Activation activation = Activation::Gelu;
  std::vector<std::string> labels = {"NEGATIVE", "POSITIVE"};  // id2label in id order
  // Hugging Face's DistilBERT hard-codes its LayerNorm epsilon; config.json does not carry it.
  double layer_norm_eps = 1e-12;

  std::int64_t head_dim() const { return dim / n_heads; }
  std::int64_t num_labels() const { return static_cast<std::int64_t>(labels.size()); }

  // Throws InvalidArgument naming the field and the file when a field is missing, has the wrong
  // type or an impossible value (e.g. dim not a multiple of n_heads).
  static DistilBertConfig from_json_file(const std::filesystem::path& config_json);
  static DistilBertConfig from_json_string(std::string_view json,
                                           std::string_view source = "config");
  void validate(std::string_view source = "config") const;
};

}  // namespace hnn::distilbert
