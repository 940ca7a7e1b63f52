#include "hnn/distilbert/config.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "hnn/rns/error.h"

namespace hnn::distilbert {

DistilBertConfig DistilBertConfig::from_json_file(const std::filesystem::path& config_json) {
  std::ifstream in(config_json, std::ios::binary);
  HNN_REQUIRE(in.good(), "cannot open DistilBERT config ", config_json.string());
  std::ostringstream text;
  text << in.rdbuf();
  return from_json_string(text.str(), config_json.string());
}

DistilBertConfig DistilBertConfig::from_json_string(std::string_view text,
                                                    std::string_view source) {
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::exception& e) {
    HNN_THROW(InvalidArgument, source, ": not valid JSON: ", e.what());
  }
  HNN_REQUIRE(json.is_object(), source, ": a config must be a JSON object");
  if (json.contains("model_type")) {
    HNN_REQUIRE(json["model_type"] == "distilbert", source, ": model_type is ",
                json["model_type"].dump(), ", expected \"distilbert\"");
  }
  DistilBertConfig config;
  const auto integer = [&](const char* key, std::int64_t& field) {
    const auto it = json.find(key);
    HNN_REQUIRE(it != json.end(), source, ": field \"", key, "\" is missing");
    HNN_REQUIRE(it->is_number_integer(), source, ": field \"", key, "\" must be an integer, got ",
                it->dump());
    field = it->get<std::int64_t>();
  };
  integer("vocab_size", config.vocab_size);
  integer("max_position_embeddings", config.max_position_embeddings);
  integer("dim", config.dim);
  integer("n_layers", config.n_layers);
  integer("n_heads", config.n_heads);
  integer("hidden_dim", config.hidden_dim);

  const auto act = json.value("activation", std::string("gelu"));
  if (act == "gelu") {
    config.activation = Activation::Gelu;
  } else if (act == "relu") {
    config.activation = Activation::Relu;
  } else {
    HNN_THROW(InvalidArgument, source, ": activation \"", act,
              "\" is not supported (DistilBERT uses \"gelu\" or \"relu\")");
  }

  // Hugging Face derives num_labels from id2label ({"0": "NEGATIVE", ...}), else from num_labels,
  // else uses 2 labels named LABEL_0, LABEL_1.
  if (const auto it = json.find("id2label"); it != json.end()) {
    HNN_REQUIRE(it->is_object() && !it->empty(), source, ": id2label must be a non-empty object");
    config.labels.assign(it->size(), "");
    for (const auto& [key, value] : it->items()) {
      std::size_t pos = 0;
      long id = -1;
      try {
        id = std::stol(key, &pos);
      } catch (const std::exception&) {
        pos = 0;
      }
      HNN_REQUIRE(pos == key.size() && id >= 0 && static_cast<std::size_t>(id) < it->size() &&
                      value.is_string() && config.labels[static_cast<std::size_t>(id)].empty(),
                  source, ": id2label must map the ids 0..", it->size() - 1,
                  " to label names; bad entry \"", key, "\": ", value.dump());
      config.labels[static_cast<std::size_t>(id)] = value.get<std::string>();
    }
  } else {
    std::int64_t n = 2;
    if (json.contains("num_labels")) integer("num_labels", n);
    HNN_REQUIRE(n >= 1 && n <= 1'000'000, source, ": num_labels ", n, " is out of range");
    config.labels.clear();
    for (std::int64_t i = 0; i < n; ++i) config.labels.push_back("LABEL_" + std::to_string(i));
  }
  config.validate(source);
  return config;
}

void DistilBertConfig::validate(std::string_view source) const {
  // Bounds keep every tensor size product far from overflow before anything is allocated.
  constexpr std::int64_t kMax = 1 << 20;
  const auto in_range = [&](const char* key, std::int64_t v) {
    HNN_REQUIRE(v >= 1 && v <= kMax, source, ": ", key, " = ", v, " is outside [1, ", kMax, "]");
  };
  in_range("vocab_size", vocab_size);
  in_range("max_position_embeddings", max_position_embeddings);
  in_range("dim", dim);
  in_range("n_layers", n_layers);
  in_range("n_heads", n_heads);
  in_range("hidden_dim", hidden_dim);
  HNN_REQUIRE(dim % n_heads == 0, source, ": dim ", dim, " is not a multiple of n_heads ", n_heads);
  HNN_REQUIRE(!labels.empty(), source, ": a classifier needs at least one label");
}

}  // namespace hnn::distilbert
