// Byte buffers for hnn's wire formats: fixed-size fields in little-endian order, length-prefixed
// strings and blobs, and a reader that checks every length against what is left before it
// allocates or copies. The CKKS object format (ckks/serialization), the DistilBERT client/server
// protocol and the functional-encryption messages build their formats on these two classes.
#pragma once
#include <bit>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "hnn/rns/error.h"

namespace hnn::rns {

static_assert(std::endian::native == std::endian::little,
              "hnn's wire formats are little-endian, as is every host it builds for");

class ByteWriter {
 public:
  template <class T>
    requires std::is_arithmetic_v<T>
  void put(T v) {
    raw(&v, sizeof v);
  }
  void put_bytes(std::span<const uint8_t> b) { bytes_.insert(bytes_.end(), b.begin(), b.end()); }
  void put_words(std::span<const uint64_t> w) { raw(w.data(), w.size_bytes()); }
  // u64 length, then the bytes.
  void put_string(std::string_view s) {
    put<uint64_t>(s.size());
    raw(s.data(), s.size());
  }
  void put_blob(std::span<const uint8_t> b) {
    put<uint64_t>(b.size());
    put_bytes(b);
  }
  void reserve(std::size_t total) { bytes_.reserve(total); }
  std::size_t size() const { return bytes_.size(); }
  std::vector<uint8_t> take() { return std::move(bytes_); }

 private:
  void raw(const void* p, std::size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    bytes_.insert(bytes_.end(), b, b + n);
  }
  std::vector<uint8_t> bytes_;
};

// Reads a buffer front to back. `context` starts every error message (e.g. "PLAN message",
// "deserialization failed"); every error is a DeserializationError naming the field and offset.
class ByteReader {
 public:
  ByteReader(std::span<const uint8_t> in, std::string context) : in_(in), context_(std::move(context)) {}

  template <class T>
    requires std::is_arithmetic_v<T>
  T get(std::string_view field) {
    T v;
    std::memcpy(&v, view(sizeof v, field).data(), sizeof v);
    return v;
  }
  // The next `len` bytes, in place.
  std::span<const uint8_t> view(std::size_t len, std::string_view field) {
    need(len, field);
    const auto v = in_.subspan(pos_, len);
    pos_ += len;
    return v;
  }
  // A u64 length prefix, checked against the bytes left and against `max`.
  std::size_t length(std::size_t max, std::string_view field) {
    const uint64_t n = get<uint64_t>(field);
    if (n > remaining() || n > max)
      fail(std::string(field) + " of " + std::to_string(n) + " bytes does not fit (" + std::to_string(remaining()) +
           " bytes left, at most " + std::to_string(max) + ")");
    return static_cast<std::size_t>(n);
  }
  std::string get_string(std::size_t max, std::string_view field) {
    const auto v = view(length(max, field), field);
    return std::string(reinterpret_cast<const char*>(v.data()), v.size());
  }
  std::vector<uint8_t> get_blob(std::string_view field) {
    const auto v = view(length(remaining(), field), field);
    return std::vector<uint8_t>(v.begin(), v.end());
  }
  // Throws unless `len` more bytes are there.
  void need(std::size_t len, std::string_view field) const {
    if (len > remaining())
      fail("truncated: " + std::string(field) + " at byte " + std::to_string(pos_) + " needs " + std::to_string(len) +
           " bytes, " + std::to_string(remaining()) + " left");
  }
  // Throws unless every byte was read.
  void finish() const {
    if (pos_ != in_.size()) fail(std::to_string(remaining()) + " unexpected trailing bytes");
  }
  [[noreturn]] void fail(const std::string& why) const { HNN_THROW(DeserializationError, context_, ": ", why); }

  std::size_t position() const { return pos_; }
  std::size_t remaining() const { return in_.size() - pos_; }
  std::span<const uint8_t> buffer() const { return in_; }

 private:
  std::span<const uint8_t> in_;
  std::size_t pos_ = 0;
  std::string context_;
};

}  // namespace hnn::rns
