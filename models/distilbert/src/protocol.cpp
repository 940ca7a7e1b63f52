#include "hnn/distilbert/protocol.h"

#include "hnn/rns/byte_io.h"
#include "hnn/rns/error.h"

namespace hnn::distilbert::protocol {

using rns::ByteReader;
using rns::ByteWriter;

std::string type_name(uint16_t type) {
  switch (type) {
    case kHello: return "HELLO";
    case kPlan: return "PLAN";
    case kKeys: return "KEYS";
    case kInput: return "INPUT";
    case kProgress: return "PROGRESS";
    case kResult: return "RESULT";
    case kError: return "ERROR";
    case kKey: return "KEY";
    default: return "type " + std::to_string(type);
  }
}

Bytes encode(const Hello& m) {
  ByteWriter w;
  w.put_string(m.parameter_set);
  w.put<uint64_t>(m.tokens);
  return w.take();
}

Bytes encode(const Plan& m) {
  ByteWriter w;
  w.put<uint64_t>(m.tokens);
  w.put<uint64_t>(m.slots);
  w.put<int32_t>(m.max_level);
  w.put<uint64_t>(m.rotation_steps.size());
  for (int32_t s : m.rotation_steps) w.put<int32_t>(s);
  return w.take();
}

Bytes encode(const KeysHeader& m) {
  ByteWriter w;
  w.put<uint64_t>(m.parts);
  return w.take();
}

Bytes encode(const Progress& m) {
  ByteWriter w;
  w.put_string(m.stage);
  w.put<double>(m.seconds);
  w.put<uint64_t>(m.bootstraps);
  return w.take();
}

Bytes encode_error(const std::string& message) {
  ByteWriter w;
  w.put_string(message);
  return w.take();
}

Bytes encode_blobs(const std::vector<Bytes>& blobs) {
  ByteWriter w;
  w.put<uint64_t>(blobs.size());
  for (const auto& b : blobs) w.put_blob(b);
  return w.take();
}

Hello decode_hello(ByteView payload) {
  ByteReader r(payload, "HELLO message");
  Hello m;
  m.parameter_set = r.get_string(64, "parameter set name");
  m.tokens = r.get<uint64_t>("token count");
  r.finish();
  return m;
}

Plan decode_plan(ByteView payload) {
  ByteReader r(payload, "PLAN message");
  Plan m;
  m.tokens = r.get<uint64_t>("token count");
  m.slots = r.get<uint64_t>("slot count");
  m.max_level = r.get<int32_t>("max level");
  const uint64_t count = r.get<uint64_t>("rotation step count");
  if (count > r.remaining() / sizeof(int32_t))
    r.fail("lists " + std::to_string(count) + " rotation steps in " + std::to_string(payload.size()) + " bytes");
  m.rotation_steps.reserve(count);
  for (uint64_t i = 0; i < count; ++i) m.rotation_steps.push_back(r.get<int32_t>("rotation step"));
  r.finish();
  return m;
}

KeysHeader decode_keys_header(ByteView payload) {
  ByteReader r(payload, "KEYS message");
  KeysHeader m;
  m.parts = r.get<uint64_t>("key part count");
  r.finish();
  return m;
}

Progress decode_progress(ByteView payload) {
  ByteReader r(payload, "PROGRESS message");
  Progress m;
  m.stage = r.get_string(1024, "stage name");
  m.seconds = r.get<double>("seconds");
  m.bootstraps = r.get<uint64_t>("bootstrap count");
  r.finish();
  return m;
}

std::string decode_error(ByteView payload) {
  ByteReader r(payload, "ERROR message");
  std::string s = r.get_string(payload.size(), "error text");
  r.finish();
  return s;
}

std::vector<Bytes> decode_blobs(ByteView payload, std::size_t max_count) {
  ByteReader r(payload, "INPUT message");
  const uint64_t count = r.get<uint64_t>("ciphertext count");
  if (count > max_count)
    r.fail("holds " + std::to_string(count) + " ciphertexts; the plan allows " + std::to_string(max_count));
  std::vector<Bytes> out;
  for (uint64_t i = 0; i < count; ++i) out.push_back(r.get_blob("ciphertext"));
  r.finish();
  return out;
}

}  // namespace hnn::distilbert::protocol
