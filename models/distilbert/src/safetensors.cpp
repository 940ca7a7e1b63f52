#include "hnn/distilbert/safetensors.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "hnn/rns/error.h"

namespace hnn::distilbert {
namespace {

// Tensor bytes are little-endian in the format; reading them with memcpy needs a little-endian
// host.
static_assert(std::endian::native == std::endian::little,
              "safetensors reader assumes little endian");

struct DTypeEntry {
  DType dtype;
  std::string_view name;
  std::size_t size;
};
constexpr std::array<DTypeEntry, 15> kDTypes = {{{DType::Bool, "BOOL", 1},
                                                 {DType::U8, "U8", 1},
                                                 {DType::I8, "I8", 1},
                                                 {DType::F8_E5M2, "F8_E5M2", 1},
                                                 {DType::F8_E4M3, "F8_E4M3", 1},
                                                 {DType::I16, "I16", 2},
                                                 {DType::U16, "U16", 2},
                                                 {DType::F16, "F16", 2},
                                                 {DType::BF16, "BF16", 2},
                                                 {DType::I32, "I32", 4},
                                                 {DType::U32, "U32", 4},
                                                 {DType::F32, "F32", 4},
                                                 {DType::F64, "F64", 8},
                                                 {DType::I64, "I64", 8},
                                                 {DType::U64, "U64", 8}}};

const DTypeEntry& entry(DType dtype) {
  for (const auto& e : kDTypes) {
    if (e.dtype == dtype) return e;
  }
  HNN_THROW(InternalError, "unhandled DType ", static_cast<int>(dtype));
}


std::uint64_t read_le64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  std::memcpy(&v, p, sizeof v);
  return v;
}

}  // namespace

std::string shape_string(const std::vector<std::int64_t>& shape) {
  std::ostringstream os;
  os << '[';
  for (std::size_t i = 0; i < shape.size(); ++i) os << (i ? ", " : "") << shape[i];
  os << ']';
  return os.str();
}

std::string_view dtype_name(DType dtype) {
  return entry(dtype).name;
}
std::size_t dtype_size(DType dtype) {
  return entry(dtype).size;
}

std::int64_t TensorInfo::numel() const {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;  // overflow excluded when the header was validated
  return n;
}

float half_to_float(std::uint16_t bits) {
  const std::uint32_t sign = static_cast<std::uint32_t>(bits >> 15) << 31;
  const std::uint32_t exponent = (bits >> 10) & 0x1F;
  const std::uint32_t mantissa = bits & 0x3FF;
  if (exponent == 0) {
    // Zero or subnormal: mantissa x 2^-24, exactly representable in float.
    const float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
    return sign ? -magnitude : magnitude;
  }
  if (exponent == 31) {  // infinity or NaN (payload kept)
    return std::bit_cast<float>(sign | 0x7F800000u | (mantissa << 13));
  }
  return std::bit_cast<float>(sign | ((exponent - 15 + 127) << 23) | (mantissa << 13));
}

float bfloat16_to_float(std::uint16_t bits) {
  // bfloat16 is the upper half of a binary32.
  return std::bit_cast<float>(static_cast<std::uint32_t>(bits) << 16);
}

SafeTensorsFile SafeTensorsFile::open(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  HNN_REQUIRE(in.good(), "cannot open safetensors file ", path.string());
  const auto size = static_cast<std::size_t>(in.tellg());
  in.seekg(0);
  std::vector<std::uint8_t> bytes(size);
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size));
  HNN_REQUIRE(in.good() || size == 0, "cannot read ", size, " bytes of ", path.string());
  return from_bytes(std::move(bytes), path.string());
}

SafeTensorsFile SafeTensorsFile::from_bytes(std::vector<std::uint8_t> bytes, std::string source) {
  SafeTensorsFile file;
  file.source_ = std::move(source);
  file.bytes_ = std::move(bytes);
  file.parse();
  return file;
}

void SafeTensorsFile::parse() {
  const std::size_t size = bytes_.size();
  if (size < 8) {
    HNN_THROW(DeserializationError, source_, ": ", size,
              " bytes is too short for a safetensors file (8-byte header length missing)");
  }
  const std::uint64_t header_len = read_le64(bytes_.data());
  if (header_len > kMaxHeaderBytes) {
    HNN_THROW(DeserializationError, source_, ": header length ", header_len, " exceeds the ",
              kMaxHeaderBytes, "-byte limit (not a safetensors file?)");
  }
  if (header_len > size - 8) {
    HNN_THROW(DeserializationError, source_, ": header length ", header_len,
              " runs past the end of the ", size, "-byte file (truncated?)");
  }
  data_start_ = 8 + static_cast<std::size_t>(header_len);
  const std::size_t data_size = size - data_start_;
  const std::string_view header(reinterpret_cast<const char*>(bytes_.data()) + 8,
                                static_cast<std::size_t>(header_len));

  // nlohmann keeps the last of duplicated keys silently; a forged header could use that to hide a
  // second tensor of the same name, so duplicates at the top level are rejected.
  std::set<std::string> seen_keys;
  std::string duplicate;
  const nlohmann::json::parser_callback_t reject_duplicates =
      [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
        if (event == nlohmann::json::parse_event_t::key && depth == 1 && parsed.is_string() &&
            !seen_keys.insert(parsed.get<std::string>()).second && duplicate.empty()) {
          duplicate = parsed.get<std::string>();
        }
        return true;
      };
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(header.begin(), header.end(), reject_duplicates);
  } catch (const nlohmann::json::exception& e) {
    HNN_THROW(DeserializationError, source_, ": header is not valid JSON: ", e.what());
  }
  if (!duplicate.empty()) {
    HNN_THROW(DeserializationError, source_, ": tensor '", duplicate,
              "' appears twice in the header");
  }
  if (!json.is_object()) {
    HNN_THROW(DeserializationError, source_, ": header is JSON but not an object");
  }

  for (const auto& item : json.items()) {
    // Named references, not a structured binding: `fail` below captures them (clang < 16 cannot
    // capture a structured binding).
    const std::string& key = item.key();
    const auto& value = item.value();
    if (key == "__metadata__") {
      if (!value.is_object()) {
        HNN_THROW(DeserializationError, source_, ": __metadata__ is not an object");
      }
      for (const auto& [mkey, mvalue] : value.items()) {
        if (!mvalue.is_string()) {
          HNN_THROW(DeserializationError, source_, ": __metadata__ value of '", mkey,
                    "' is not a string");
        }
        metadata_[mkey] = mvalue.get<std::string>();
      }
      continue;
    }
    const auto fail = [&](const auto&... parts) {
      HNN_THROW(DeserializationError, source_, ": tensor '", key, "': ", parts...);
    };
    if (!value.is_object()) fail("header entry is not an object");
    TensorInfo info;
    info.name = key;

    const auto dtype_it = value.find("dtype");
    if (dtype_it == value.end() || !dtype_it->is_string()) fail("missing string field \"dtype\"");
    const auto dtype_str = dtype_it->get<std::string>();
    const auto known = std::find_if(kDTypes.begin(), kDTypes.end(),
                                    [&](const DTypeEntry& e) { return e.name == dtype_str; });
    if (known == kDTypes.end()) fail("unknown dtype \"", dtype_str, "\"");
    info.dtype = known->dtype;

    const auto shape_it = value.find("shape");
    if (shape_it == value.end() || !shape_it->is_array()) fail("missing array field \"shape\"");
    // Bytes needed, with overflow checked at every step: a forged shape must not wrap around.
    std::uint64_t bytes_needed = dtype_size(info.dtype);
    for (const auto& dim : *shape_it) {
      if (!dim.is_number_integer() ||
          (dim.is_number_integer() && !dim.is_number_unsigned() && dim.get<std::int64_t>() < 0)) {
        fail("shape ", shape_it->dump(), " has an entry that is not a non-negative integer");
      }
      const auto d = dim.get<std::uint64_t>();
      if (d > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) ||
          (d != 0 && bytes_needed > std::numeric_limits<std::uint64_t>::max() / d)) {
        fail("shape ", shape_it->dump(), " overflows");
      }
      bytes_needed *= d;
      info.shape.push_back(static_cast<std::int64_t>(d));
    }

    const auto offsets_it = value.find("data_offsets");
    if (offsets_it == value.end() || !offsets_it->is_array() || offsets_it->size() != 2 ||
        !(*offsets_it)[0].is_number_unsigned() || !(*offsets_it)[1].is_number_unsigned()) {
      fail("\"data_offsets\" must be two non-negative integers [begin, end]");
    }
    const auto begin = (*offsets_it)[0].get<std::uint64_t>();
    const auto end = (*offsets_it)[1].get<std::uint64_t>();
    if (begin > end) fail("data_offsets [", begin, ", ", end, "] end before they begin");
    if (end > data_size) {
      fail("data_offsets [", begin, ", ", end, "] run past the ", data_size,
           "-byte data section (truncated file?)");
    }
    if (end - begin != bytes_needed) {
      fail("shape ", shape_string(info.shape), " of ", known->name, " needs ", bytes_needed,
           " bytes but data_offsets [", begin, ", ", end, "] span ", end - begin);
    }
    info.begin = static_cast<std::size_t>(begin);
    info.end = static_cast<std::size_t>(end);
    tensors_.push_back(std::move(info));
  }

  // The tensors must tile the data section exactly, as the reference implementation requires:
  // no overlap (two names reading the same bytes), no holes, nothing after the last tensor.
  std::vector<const TensorInfo*> by_offset;
  for (const auto& t : tensors_) by_offset.push_back(&t);
  std::sort(by_offset.begin(), by_offset.end(), [](const TensorInfo* a, const TensorInfo* b) {
    return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
  });
  std::size_t covered = 0;
  const TensorInfo* previous = nullptr;
  for (const TensorInfo* t : by_offset) {
    if (t->begin < covered) {
      HNN_THROW(DeserializationError, source_, ": tensor '", t->name, "' at bytes [", t->begin,
                ", ", t->end, ") overlaps tensor '", previous->name, "' at [", previous->begin,
                ", ", previous->end, ")");
    }
    if (t->begin > covered) {
      HNN_THROW(DeserializationError, source_, ": tensor '", t->name, "' starts at byte ", t->begin,
                " leaving a hole after byte ", covered, " of the data section");
    }
    covered = t->end;
    previous = t;
  }
  if (covered != data_size) {
    HNN_THROW(DeserializationError, source_, ": ", data_size - covered,
              " bytes after the last tensor are not described by the header");
  }
  std::sort(tensors_.begin(), tensors_.end(),
            [](const TensorInfo& a, const TensorInfo& b) { return a.name < b.name; });
}

const TensorInfo* SafeTensorsFile::find(std::string_view name) const {
  const auto it =
      std::lower_bound(tensors_.begin(), tensors_.end(), name,
                       [](const TensorInfo& t, std::string_view n) { return t.name < n; });
  return it != tensors_.end() && it->name == name ? &*it : nullptr;
}

const TensorInfo& SafeTensorsFile::at(std::string_view name) const {
  const TensorInfo* t = find(name);
  HNN_REQUIRE(t != nullptr, source_, ": tensor '", name, "' is missing");
  return *t;
}

template <class T>
std::vector<T> SafeTensorsFile::read(std::string_view name) const {
  const TensorInfo& t = at(name);
  const std::uint8_t* src = bytes_.data() + data_start_ + t.begin;
  const auto n = static_cast<std::size_t>(t.numel());
  std::vector<T> out(n);
  switch (t.dtype) {
    case DType::F32:
      for (std::size_t i = 0; i < n; ++i) {
        float v;
        std::memcpy(&v, src + 4 * i, 4);
        out[i] = static_cast<T>(v);
      }
      break;
    case DType::F16:
    case DType::BF16:
      for (std::size_t i = 0; i < n; ++i) {
        std::uint16_t bits;
        std::memcpy(&bits, src + 2 * i, 2);
        out[i] =
            static_cast<T>(t.dtype == DType::F16 ? half_to_float(bits) : bfloat16_to_float(bits));
      }
      break;
    default:
      HNN_THROW(InvalidArgument, source_, ": tensor '", t.name, "' has dtype ", dtype_name(t.dtype),
                "; only F32, F16 and BF16 tensors can be read as numbers");
  }
  return out;
}

template std::vector<float> SafeTensorsFile::read<float>(std::string_view) const;
template std::vector<double> SafeTensorsFile::read<double>(std::string_view) const;

std::vector<std::uint8_t> serialize_safetensors(
    const std::vector<TensorToWrite>& tensors, const std::map<std::string, std::string>& metadata) {
  nlohmann::json header = nlohmann::json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::size_t offset = 0;
  for (const auto& t : tensors) {
    HNN_REQUIRE(t.name != "__metadata__", "a tensor cannot be named __metadata__");
    HNN_REQUIRE(!header.contains(t.name), "tensor '", t.name, "' is given twice");
    std::uint64_t expected = dtype_size(t.dtype);
    for (auto d : t.shape) {
      HNN_REQUIRE(d >= 0, "tensor '", t.name, "' has a negative dimension");
      expected *= static_cast<std::uint64_t>(d);
    }
    HNN_REQUIRE(expected == t.bytes.size(), "tensor '", t.name, "': shape ", shape_string(t.shape),
                " of ", dtype_name(t.dtype), " needs ", expected, " bytes, got ", t.bytes.size());
    header[t.name] = {{"dtype", dtype_name(t.dtype)},
                      {"shape", t.shape},
                      {"data_offsets", {offset, offset + t.bytes.size()}}};
    offset += t.bytes.size();
  }
  std::string text = header.dump();
  text.resize((text.size() + 7) / 8 * 8, ' ');  // the reference writer pads the header to 8 bytes
  std::vector<std::uint8_t> out;
  out.reserve(8 + text.size() + offset);
  const std::uint64_t len = text.size();
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(len >> (8 * i)));  // LE
  out.insert(out.end(), text.begin(), text.end());
  for (const auto& t : tensors) out.insert(out.end(), t.bytes.begin(), t.bytes.end());
  return out;
}

}  // namespace hnn::distilbert
