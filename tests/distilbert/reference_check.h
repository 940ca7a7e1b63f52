// Compares DistilBertClassifier logits with the float64 Hugging Face logits that
// models/distilbert/tools/hf_reference.py wrote into <dir>/reference.json.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "hnn/distilbert/model.h"

namespace hnn_test_distilbert {

struct ReferenceBatch {
  std::vector<std::vector<std::int32_t>> input_ids;
  std::vector<std::vector<std::int32_t>> attention_mask;
  std::vector<std::vector<double>> logits;
};

inline ReferenceBatch read_reference(const std::string& dir) {
  std::ifstream in(dir + "/reference.json");
  if (!in.good()) throw std::runtime_error("cannot open " + dir + "/reference.json");
  const auto json = nlohmann::json::parse(in);
  return {json.at("input_ids").get<std::vector<std::vector<std::int32_t>>>(),
          json.at("attention_mask").get<std::vector<std::vector<std::int32_t>>>(),
          json.at("logits").get<std::vector<std::vector<double>>>()};
}

struct LogitErrors {
  double max_relative = 0;  // max over logits of |got - want| / |want|
  double max_normwise = 0;  // max over rows of max|got - want| / max|want|
};

// Runs every row of the reference batch (with its padding and mask) through `model`.
template <class T>
LogitErrors compare_with_reference(const hnn::distilbert::DistilBertClassifier<T>& model,
                                   const ReferenceBatch& ref) {
  LogitErrors err;
  for (std::size_t r = 0; r < ref.input_ids.size(); ++r) {
    const auto got = model.logits(ref.input_ids[r], ref.attention_mask[r]);
    const auto& want = ref.logits[r];
    EXPECT_EQ(got.size(), want.size());
    double max_abs_want = 0, max_abs_diff = 0;
    for (std::size_t j = 0; j < std::min(got.size(), want.size()); ++j) {
      const double diff = std::abs(static_cast<double>(got[j]) - want[j]);
      err.max_relative = std::max(err.max_relative, diff / std::abs(want[j]));
      max_abs_diff = std::max(max_abs_diff, diff);
      max_abs_want = std::max(max_abs_want, std::abs(want[j]));
    }
    err.max_normwise = std::max(err.max_normwise, max_abs_diff / max_abs_want);
  }
  return err;
}

}  // namespace hnn_test_distilbert
