// safetensors reader: dtype conversions, hostile headers (each error must name the tensor), and
// DistilBERT checkpoints that do not match their config.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <string>

#include "hnn/distilbert/model.h"
#include "hnn/distilbert/safetensors.h"
#include "hnn/rns/error.h"

namespace {

using hnn::DeserializationError;
using hnn::InvalidArgument;
using hnn::distilbert::DType;
using hnn::distilbert::SafeTensorsFile;
using hnn::distilbert::serialize_safetensors;
using hnn::distilbert::TensorToWrite;

const std::string kFixtures = HNN_DISTILBERT_FIXTURE_DIR;

std::vector<std::uint8_t> raw_file(const std::string& header, std::size_t data_bytes) {
  std::vector<std::uint8_t> out;
  const std::uint64_t len = header.size();
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(len >> (8 * i)));
  for (char ch : header) out.push_back(static_cast<std::uint8_t>(ch));
  out.resize(out.size() + data_bytes, 0);
  return out;
}

template <class... Words>
std::vector<std::uint8_t> u16_bytes(Words... words) {
  std::vector<std::uint8_t> out;
  for (std::uint16_t w : {static_cast<std::uint16_t>(words)...}) {
    out.push_back(static_cast<std::uint8_t>(w & 0xFF));
    out.push_back(static_cast<std::uint8_t>(w >> 8));
  }
  return out;
}

std::vector<std::uint8_t> f32_bytes(std::initializer_list<float> values) {
  std::vector<std::uint8_t> out(values.size() * 4);
  std::memcpy(out.data(), std::data(values), out.size());
  return out;
}

// The exception's message, so that a test can check it names the culprit.
template <class E, class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "no exception thrown";
  return "";
}

std::vector<std::uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

TEST(SafeTensors, ConvertsF32F16Bf16) {
  const auto bytes = serialize_safetensors(
      {{"a.f32", DType::F32, {2, 2}, f32_bytes({1.5f, -2.0f, 3.25f, 1e-30f})},
       // 1, -2, 65504 (max), 2^-24 (smallest subnormal), 2^-14 (smallest normal), -0, +inf
       {"b.f16",
        DType::F16,
        {7},
        u16_bytes(0x3C00, 0xC000, 0x7BFF, 0x0001, 0x0400, 0x8000, 0x7C00)},
       // 1, -5, 2^-133 (subnormal), 3.140625
       {"c.bf16", DType::BF16, {4}, u16_bytes(0x3F80, 0xC0A0, 0x0001, 0x4049)},
       {"d.i64", DType::I64, {1}, std::vector<std::uint8_t>(8, 0)}},
      {{"format", "pt"}});
  const auto file = SafeTensorsFile::from_bytes(bytes);
  EXPECT_EQ(file.tensors().size(), 4u);
  EXPECT_EQ(file.metadata().at("format"), "pt");
  EXPECT_EQ(file.at("a.f32").shape, (std::vector<std::int64_t>{2, 2}));
  EXPECT_EQ(file.read<float>("a.f32"), (std::vector<float>{1.5f, -2.0f, 3.25f, 1e-30f}));
  const auto h = file.read<double>("b.f16");
  EXPECT_EQ(h[0], 1.0);
  EXPECT_EQ(h[1], -2.0);
  EXPECT_EQ(h[2], 65504.0);
  EXPECT_EQ(h[3], std::ldexp(1.0, -24));
  EXPECT_EQ(h[4], std::ldexp(1.0, -14));
  EXPECT_TRUE(h[5] == 0.0 && std::signbit(h[5]));
  EXPECT_TRUE(std::isinf(h[6]) && h[6] > 0);
  EXPECT_TRUE(std::isnan(hnn::distilbert::half_to_float(0x7E00)));
  const auto b = file.read<double>("c.bf16");
  EXPECT_EQ(b, (std::vector<double>{1.0, -5.0, std::ldexp(1.0, -133), 3.140625}));
  // An I64 buffer is parsed (checkpoints may hold one) but cannot be read as weights.
  const auto msg = error_of<InvalidArgument>([&] { file.read<float>("d.i64"); });
  EXPECT_NE(msg.find("'d.i64'"), std::string::npos) << msg;
  EXPECT_NE(error_of<InvalidArgument>([&] { file.at("nope"); }).find("'nope'"), std::string::npos);
}

struct BadHeaderCase {
  const char* what;
  std::string header;
  std::size_t data_bytes;
  const char* must_mention;  // the tensor's name, or the problem when no tensor is involved
};

class SafeTensorsRejects : public ::testing::TestWithParam<BadHeaderCase> {};

TEST_P(SafeTensorsRejects, WithAClearError) {
  const auto& c = GetParam();
  const auto msg = error_of<DeserializationError>(
      [&] { SafeTensorsFile::from_bytes(raw_file(c.header, c.data_bytes), "case.safetensors"); });
  EXPECT_NE(msg.find(c.must_mention), std::string::npos) << c.what << ": " << msg;
  EXPECT_NE(msg.find("case.safetensors"), std::string::npos) << msg;
}

INSTANTIATE_TEST_SUITE_P(
    Headers, SafeTensorsRejects,
    ::testing::Values(
        BadHeaderCase{"bad JSON", R"({"w": {"dtype": "F32", )", 0, "not valid JSON"},
        BadHeaderCase{"not an object", R"([1, 2])", 0, "not an object"},
        BadHeaderCase{"unknown dtype",
                      R"({"emb.w": {"dtype": "F99", "shape": [1], "data_offsets": [0, 4]}})", 4,
                      "'emb.w': unknown dtype \"F99\""},
        BadHeaderCase{"wrong shape for span",
                      R"({"lin.w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 20]}})",
                      20, "'lin.w': shape [2, 3] of F32 needs 24 bytes"},
        BadHeaderCase{"offsets past end",
                      R"({"lin.b": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}})", 8,
                      "'lin.b': data_offsets [0, 16] run past"},
        BadHeaderCase{"offsets reversed",
                      R"({"lin.b": {"dtype": "F32", "shape": [0], "data_offsets": [8, 4]}})", 8,
                      "'lin.b': data_offsets [8, 4] end before"},
        BadHeaderCase{"negative dim",
                      R"({"neg": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}})", 4,
                      "'neg': shape [-1]"},
        BadHeaderCase{
            "overflowing shape",
            R"({"huge": {"dtype": "F32", "shape": [4294967296, 4294967296], "data_offsets": [0, 4]}})",
            4, "'huge': shape"},
        BadHeaderCase{"missing dtype", R"({"x": {"shape": [1], "data_offsets": [0, 4]}})", 4,
                      "'x': missing string field \"dtype\""},
        BadHeaderCase{"bad offsets",
                      R"({"x": {"dtype": "F32", "shape": [1], "data_offsets": [0]}})", 4,
                      "'x': \"data_offsets\""},
        BadHeaderCase{"overlap",
                      R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                          "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})",
                      12, "'b' at bytes [4, 12) overlaps tensor 'a'"},
        BadHeaderCase{"hole", R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}})", 8,
                      "'a' starts at byte 4"},
        BadHeaderCase{"trailing bytes",
                      R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}})", 12,
                      "8 bytes after the last tensor"},
        BadHeaderCase{"duplicate name",
                      R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
                          "a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}})",
                      8, "'a' appears twice"},
        BadHeaderCase{"bad metadata", R"({"__metadata__": {"k": 1}})", 0, "__metadata__"}));

TEST(SafeTensors, RejectsTruncatedAndForgedLengths) {
  const auto good = read_bytes(kFixtures + "/small-f32/model.safetensors");
  ASSERT_GT(good.size(), 1000u);
  EXPECT_NO_THROW(SafeTensorsFile::from_bytes(good));

  auto truncated = good;
  truncated.resize(good.size() - 100);
  auto msg = error_of<DeserializationError>([&] { SafeTensorsFile::from_bytes(truncated, "t"); });
  EXPECT_NE(msg.find("tensor '"), std::string::npos) << msg;
  EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;

  std::vector<std::uint8_t> tiny(good.begin(), good.begin() + 5);
  msg = error_of<DeserializationError>([&] { SafeTensorsFile::from_bytes(tiny, "t"); });
  EXPECT_NE(msg.find("too short"), std::string::npos) << msg;

  auto header_cut = good;
  header_cut.resize(100);
  msg = error_of<DeserializationError>([&] { SafeTensorsFile::from_bytes(header_cut, "t"); });
  EXPECT_NE(msg.find("runs past the end"), std::string::npos) << msg;

  auto huge = good;
  const std::uint64_t forged = std::numeric_limits<std::uint64_t>::max();
  std::memcpy(huge.data(), &forged, 8);
  msg = error_of<DeserializationError>([&] { SafeTensorsFile::from_bytes(huge, "t"); });
  EXPECT_NE(msg.find("exceeds"), std::string::npos) << msg;

  EXPECT_THROW(SafeTensorsFile::open(kFixtures + "/no-such.safetensors"), InvalidArgument);
}

// Rewrites the small fixture with one tensor changed (or dropped when `shape` is empty).
std::vector<std::uint8_t> fixture_with(const std::string& name, std::vector<std::int64_t> shape) {
  const auto file = SafeTensorsFile::open(kFixtures + "/small-f32/model.safetensors");
  std::vector<TensorToWrite> tensors;
  for (const auto& t : file.tensors()) {
    const auto values = file.read<float>(t.name);
    std::vector<std::uint8_t> bytes(values.size() * 4);
    std::memcpy(bytes.data(), values.data(), bytes.size());
    if (t.name != name) {
      tensors.push_back({t.name, DType::F32, t.shape, std::move(bytes)});
    } else if (!shape.empty()) {
      std::int64_t n = 1;
      for (auto d : shape) n *= d;
      bytes.resize(static_cast<std::size_t>(n) * 4);
      tensors.push_back({t.name, DType::F32, shape, std::move(bytes)});
    }
  }
  return serialize_safetensors(tensors);
}

TEST(SafeTensors, DistilBertCheckpointMustMatchItsConfig) {
  using hnn::distilbert::DistilBertConfig;
  using hnn::distilbert::load_weights;
  const auto config = DistilBertConfig::from_json_file(kFixtures + "/small-f32/config.json");
  const auto good = SafeTensorsFile::open(kFixtures + "/small-f32/model.safetensors");
  EXPECT_NO_THROW(load_weights<float>(good, config));

  const std::string lin1 = "distilbert.transformer.layer.1.ffn.lin1.weight";
  const auto wrong_shape = SafeTensorsFile::from_bytes(fixture_with(lin1, {128, 32}), "m");
  auto msg = error_of<DeserializationError>([&] { load_weights<float>(wrong_shape, config); });
  EXPECT_NE(msg.find("'" + lin1 + "' has shape [128, 32]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("requires [128, 64]"), std::string::npos) << msg;

  const auto missing = SafeTensorsFile::from_bytes(fixture_with("classifier.bias", {}), "m");
  msg = error_of<DeserializationError>([&] { load_weights<float>(missing, config); });
  EXPECT_NE(msg.find("'classifier.bias' is missing"), std::string::npos) << msg;

  auto bigger = config;
  bigger.hidden_dim = 256;
  msg = error_of<DeserializationError>([&] { load_weights<double>(good, bigger); });
  EXPECT_NE(msg.find("'distilbert.transformer.layer.0.ffn.lin1.weight'"), std::string::npos) << msg;

  auto three_labels = config;
  three_labels.labels.push_back("NEUTRAL");
  msg = error_of<DeserializationError>([&] { load_weights<float>(good, three_labels); });
  EXPECT_NE(msg.find("'classifier.weight'"), std::string::npos) << msg;
}

}  // namespace
