// Reader for the safetensors format (Hugging Face): an 8-byte little-endian header length, a JSON
// header {"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}, then
// the raw little-endian tensor bytes. The file is treated as hostile: every size and offset is
// checked before use, and each error names the tensor it concerns.
#pragma once
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace hnn::distilbert {

// The dtypes the safetensors format defines. Only F32, F16 and BF16 can be read as numbers; the
// others are parsed (so that a checkpoint holding, say, an I64 buffer still opens) but not read.
enum class DType {
  Bool,
  U8,
  I8,
  F8_E5M2,
  F8_E4M3,
  I16,
  U16,
  F16,
  BF16,
  I32,
  U32,
  F32,
  F64,
  I64,
  U64
};

std::string_view dtype_name(DType dtype);
std::size_t dtype_size(DType dtype);
// "[d0, d1, ...]" for error messages.
std::string shape_string(const std::vector<std::int64_t>& shape);

struct TensorInfo {
  std::string name;
  DType dtype = DType::F32;
  std::vector<std::int64_t> shape;
  std::size_t begin = 0;  // byte offsets into the data section, as in the header
  std::size_t end = 0;

  std::int64_t numel() const;
};

class SafeTensorsFile {
 public:
  // Headers larger than this are rejected before allocation (the reference implementation's bound).
  static constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;

  // Reads and validates a file. Throws DeserializationError (malformed file) or InvalidArgument
  // (unreadable path).
  static SafeTensorsFile open(const std::filesystem::path& path);
  // The same from bytes in memory; `source` names them in error messages.
  static SafeTensorsFile from_bytes(std::vector<std::uint8_t> bytes, std::string source = "buffer");

  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  // nullptr when absent.
  const TensorInfo* find(std::string_view name) const;
  const TensorInfo& at(std::string_view name) const;  // throws InvalidArgument naming the tensor

  // The tensor's values converted to T (float or double), row-major as stored. Throws
  // InvalidArgument naming the tensor when its dtype is not F32, F16 or BF16.
  template <class T>
  std::vector<T> read(std::string_view name) const;

  const std::string& source() const { return source_; }

 private:
  SafeTensorsFile() = default;
  void parse();

  std::string source_;
  std::vector<std::uint8_t> bytes_;
  std::size_t data_start_ = 0;
  std::vector<TensorInfo> tensors_;  // sorted by name
  std::map<std::string, std::string> metadata_;
};

// IEEE binary16 and bfloat16 bit patterns to float (exact: both widen without rounding).
float half_to_float(std::uint16_t bits);
float bfloat16_to_float(std::uint16_t bits);

// Writes a safetensors file (used by tests to build fixtures, and for the layer's own outputs).
struct TensorToWrite {
  std::string name;
  DType dtype;
  std::vector<std::int64_t> shape;
  std::vector<std::uint8_t> bytes;  // little-endian, already of shape product x dtype size
};
std::vector<std::uint8_t> serialize_safetensors(
    const std::vector<TensorToWrite>& tensors,
    const std::map<std::string, std::string>& metadata = {});

}  // namespace hnn::distilbert
