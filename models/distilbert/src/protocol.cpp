#include "hnn/distilbert/protocol.h"

#include <cstring>

#include "hnn/rns/error.h"

namespace hnn::distilbert::protocol {

namespace {

class Writer {
 public:
  void u64(uint64_t v) { raw(&v, sizeof v); }
  void i32(int32_t v) { raw(&v, sizeof v); }
  void f64(double v) { raw(&v, sizeof v); }
  void str(const std::string& s) {
    u64(s.size());
    raw(s.data(), s.size());
  }
  void bytes(const Bytes& b) {
    u64(b.size());
    raw(b.data(), b.size());
  }
  Bytes take() { return std::move(out_); }

 private:
  // the wire format is little-endian, as is every host hnn builds for
  void raw(const void* p, std::size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    out_.insert(out_.end(), b, b + n);
  }
  Bytes out_;
};

class Reader {
 public:
  Reader(ByteView in, const char* what) : in_(in), what_(what) {}
  uint64_t u64() { return pod<uint64_t>("u64"); }
  int32_t i32() { return pod<int32_t>("i32"); }
  double f64() { return pod<double>("f64"); }
  std::string str(std::size_t max) {
    const uint64_t n = length(max, "string");
    std::string s(reinterpret_cast<const char*>(in_.data() + pos_), n);
    pos_ += n;
    return s;
  }
  Bytes bytes() {
    const uint64_t n = length(in_.size(), "object");
    Bytes b(in_.begin() + static_cast<std::ptrdiff_t>(pos_), in_.begin() + static_cast<std::ptrdiff_t>(pos_ + n));
    pos_ += n;
    return b;
  }
  void finish() const {
    if (pos_ != in_.size()) {
      HNN_THROW(DeserializationError, what_, " message has ", in_.size() - pos_, " unexpected trailing bytes");
    }
  }

 private:
  template <class T>
  T pod(const char* field) {
    if (in_.size() - pos_ < sizeof(T)) {
      HNN_THROW(DeserializationError, what_, " message is truncated (", in_.size(), " bytes; a ", field,
                " field at byte ", pos_, ")");
    }
    T v;
    std::memcpy(&v, in_.data() + pos_, sizeof v);
    pos_ += sizeof v;
    return v;
  }
  uint64_t length(std::size_t max, const char* field) {
    const uint64_t n = u64();
    if (n > in_.size() - pos_ || n > max) {
      HNN_THROW(DeserializationError, what_, " message: a ", field, " of ", n, " bytes does not fit (",
                in_.size() - pos_, " bytes left, at most ", max, ")");
    }
    return n;
  }
  ByteView in_;
  std::size_t pos_ = 0;
  const char* what_;
};

}  // namespace

std::string type_name(uint16_t type) {
  switch (type) {
    case kHello: return "HELLO";
    case kPlan: return "PLAN";
    case kKeys: return "KEYS";
    case kInput: return "INPUT";
    case kProgress: return "PROGRESS";
    case kResult: return "RESULT";
    case kError: return "ERROR";
    default: return "type " + std::to_string(type);
  }
}

Bytes encode(const Hello& m) {
  Writer w;
  w.str(m.parameter_set);
  w.u64(m.tokens);
  return w.take();
}

Bytes encode(const Plan& m) {
  Writer w;
  w.u64(m.tokens);
  w.u64(m.slots);
  w.i32(m.max_level);
  w.u64(m.rotation_steps.size());
  for (int32_t s : m.rotation_steps) w.i32(s);
  return w.take();
}

Bytes encode(const Progress& m) {
  Writer w;
  w.str(m.stage);
  w.f64(m.seconds);
  w.u64(m.bootstraps);
  return w.take();
}

Bytes encode_error(const std::string& message) {
  Writer w;
  w.str(message);
  return w.take();
}

Bytes encode_blobs(const std::vector<Bytes>& blobs) {
  Writer w;
  w.u64(blobs.size());
  for (const auto& b : blobs) w.bytes(b);
  return w.take();
}

Hello decode_hello(ByteView payload) {
  Reader r(payload, "HELLO");
  Hello m;
  m.parameter_set = r.str(64);
  m.tokens = r.u64();
  r.finish();
  return m;
}

Plan decode_plan(ByteView payload) {
  Reader r(payload, "PLAN");
  Plan m;
  m.tokens = r.u64();
  m.slots = r.u64();
  m.max_level = r.i32();
  const uint64_t count = r.u64();
  if (count > payload.size() / sizeof(int32_t)) {
    HNN_THROW(DeserializationError, "PLAN message lists ", count, " rotation steps in ", payload.size(), " bytes");
  }
  m.rotation_steps.reserve(count);
  for (uint64_t i = 0; i < count; ++i) m.rotation_steps.push_back(r.i32());
  r.finish();
  return m;
}

Progress decode_progress(ByteView payload) {
  Reader r(payload, "PROGRESS");
  Progress m;
  m.stage = r.str(1024);
  m.seconds = r.f64();
  m.bootstraps = r.u64();
  r.finish();
  return m;
}

std::string decode_error(ByteView payload) {
  Reader r(payload, "ERROR");
  std::string s = r.str(payload.size());
  r.finish();
  return s;
}

std::vector<Bytes> decode_blobs(ByteView payload, std::size_t max_count) {
  Reader r(payload, "INPUT");
  const uint64_t count = r.u64();
  if (count > max_count) {
    HNN_THROW(DeserializationError, "INPUT message holds ", count, " ciphertexts; the plan allows ", max_count);
  }
  std::vector<Bytes> out;
  for (uint64_t i = 0; i < count; ++i) out.push_back(r.bytes());
  r.finish();
  return out;
}

}  // namespace hnn::distilbert::protocol
